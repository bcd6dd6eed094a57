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

"""The text form of a simulated run's report."""

from nova_cca_simulator import report


def _step(**fields):
    step = {'index': 0, 'kind': 'action', 'server': 'r1', 'do': 'migrate',
            'outcome': 'done', 'http_status': 202, 'message': None,
            'status': 'ACTIVE', 'host': 'cca-1', 'allocations': {},
            'domain_xml': None}
    step.update(fields)
    return step


def _text(*steps):
    return report.Report({'hosts': [], 'providers': [], 'steps': list(steps),
                          'audit': {'clean': True, 'violations': []}},
                         'test', None).to_text()


def test_a_failure_after_the_api_accepted_is_not_a_rejection():
    text = _text(_step(outcome='error', message='No valid host was found.'))
    assert 'ERROR, ACTIVE' in text
    assert 'REJECTED' not in text and 'HTTP 202' not in text


def test_a_rejection_shows_the_api_status():
    text = _text(_step(outcome='rejected', http_status=409,
                       message='Cannot migrate'))
    assert 'REJECTED (HTTP 409)' in text


def test_a_multi_line_message_stays_on_one_line():
    text = _text(_step(outcome='rejected', http_status=500,
                       message='Unexpected API Error.\n<class \'x\'>\n\n'))
    lines = text.splitlines()
    at = [i for i, line in enumerate(lines) if 'Unexpected' in line]
    assert len(at) == 1
    assert "Unexpected API Error. <class 'x'>" in lines[at[0]]


def test_host_steps_name_the_host():
    text = _text(_step(kind='host', server=None, do='host-down',
                       status=None, http_status=200))
    assert '[0] host-down    cca-1      DONE' in text
