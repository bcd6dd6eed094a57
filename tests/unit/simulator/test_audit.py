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

"""The integrity audit in ``nova-cca simulate``'s report and exit code."""

import json

import pytest

from nova_cca.cmd import main
from nova_cca_simulator import cloud
from nova_cca_simulator import cmd as sim_cmd
from nova_cca_simulator import report as sim_report
from nova_cca_simulator import scenario as sim_scenario

VIOLATION = {'host': 'arm-1', 'server': 'r1',
             'problem': 'a realm on a host without Arm CCA'}


def report(violations):
    document = {'hosts': [], 'providers': [], 'steps': [],
                'audit': {'clean': not violations,
                          'violations': violations}}
    return sim_report.finish(dict(document, elapsed_s=1.0),
                             sim_scenario.default())


def test_clean_audit_closes_the_text_report():
    text = report([]).to_text()
    assert 'Integrity audit (after the last step)\n  clean: ' in text
    assert text.index('Integrity audit') < text.index('Finished in')


def test_violations_are_listed_by_server_and_host():
    violations = [VIOLATION, {'host': 'cca-1', 'server': None,
                              'problem': 'realm slots used: 2, realms on '
                                         'the host: 1'}]
    done = report(violations)
    assert not done.audit_clean
    assert ('  VIOLATION r1 on arm-1: a realm on a host without Arm CCA\n'
            '  VIOLATION (host) on cca-1: realm slots used: 2, realms on '
            'the host: 1\n') in done.to_text()
    assert json.loads(done.to_json())['audit'] == {
        'clean': False, 'violations': violations}


@pytest.mark.parametrize('violations, code', [([], 0), ([VIOLATION], 3)])
def test_exit_code(monkeypatch, capsys, violations, code):
    monkeypatch.setattr(cloud, 'run',
                        lambda scenario, progress: report(violations))
    assert main.main(['simulate', '--json']) == code
    assert json.loads(capsys.readouterr().out)['audit']['clean'] is (
        not violations)
    assert sim_cmd.EXIT_AUDIT_VIOLATION == 3
