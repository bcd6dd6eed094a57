# Copyright 2026 The nova-cca Authors
#
# Licensed under the Apache License, Version 2.0 (the "License"); you may
# not use this file except in compliance with the License. You may obtain
# a copy of the License at
#
#      http://www.apache.org/licenses/LICENSE-2.0
#
# Unless required by applicable law or agreed to in writing, software
# distributed under the License is distributed on an "AS IS" BASIS, WITHOUT
# WARRANTIES OR CONDITIONS OF ANY KIND, either express or implied. See the
# License for the specific language governing permissions and limitations
# under the License.

"""Every scenario in examples/ runs in the simulated cloud with a clean
integrity audit (in this process, through nova_cca_simulator.cloud).
"""

import pathlib

import pytest

from nova_cca_simulator import cloud
from nova_cca_simulator import scenario

EXAMPLES = sorted(
    (pathlib.Path(__file__).parents[2] / 'examples').glob('*.yaml'))


def test_there_are_examples():
    assert len(EXAMPLES) >= 4


def run(path):
    report = cloud.run(scenario.load(path))
    assert report.document['audit'] == {'clean': True, 'violations': []}, (
        report.to_text())
    return {s['server'] + ':' + (s['do'] or 'boot') + ':' + str(s['index']):
            s for s in report.document['steps']}


@pytest.mark.parametrize('path', EXAMPLES, ids=lambda p: p.name)
def test_example_has_a_clean_audit(path):
    steps = run(path)
    assert steps
    if path.name == 'rebuild-keeps-the-request.yaml':
        refused = [s for s in steps.values() if s['outcome'] == 'rejected']
        assert [(s['server'], s['http_status']) for s in refused] == [
            ('plain-on-arm', 400), ('plain-on-cca', 400), ('realm', 400)]
        assert all('cannot change the memory encryption' in s['message']
                   for s in refused)
        last = steps['realm:rebuild:6']
        assert last['outcome'] == 'done'
        assert 'virt-9.2' in last['domain_xml']
    if path.name == 'failed-rebuild.yaml':
        assert steps['realm:rebuild:1']['allocations']['cca-1'][
            'MEM_ENCRYPTION_CONTEXT'] == 1
        assert 'No valid host' in steps['latecomer:boot:2']['message']
        assert steps['realm:rebuild:3']['outcome'] == 'done'
