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

"""``nova-cca simulate`` through ``nova-cca``: hostile scenario files get
exit code 2 and one line naming its place, before anything starts.
"""

import json

import pytest

from nova_cca.cmd import main
from nova_cca_simulator import cmd as sim_cmd
from tests.unit.simulator import hostile_scenarios
from tests.unit.simulator.test_scenario import write


def run(capsys, *argv):
    code = main.main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


@pytest.mark.parametrize('files, place, text', hostile_scenarios.HOSTILE)
def test_hostile_file_exits_2_with_one_line(tmp_path, capsys, files, place,
                                            text):
    path = write(tmp_path, files)
    code, out, err = run(capsys, 'simulate', str(path))
    place = str(path) if place == 's.yaml' else place
    assert code == 2
    assert out == ''
    assert err.startswith('nova-cca simulate: %s: ' % place), err
    assert text in err
    assert err.count('\n') == 1 and len(err) <= 20 + sim_cmd.MAX_MESSAGE
    assert 'Traceback' not in err and 'starting' not in err


@pytest.mark.parametrize('files, place, text',
                         hostile_scenarios.HOSTILE[::7])
def test_json_error_document(tmp_path, capsys, files, place, text):
    path = write(tmp_path, files)
    code, out, err = run(capsys, 'simulate', str(path), '--json')
    place = str(path) if place == 's.yaml' else place
    document = json.loads(out)
    assert code == 2
    assert set(document) == {'error'}
    assert document['error']['exit_code'] == 2
    assert document['error']['place'] == place
    assert document['error']['message'].startswith(place + ': ')
    assert text in document['error']['message']
    assert err == 'nova-cca simulate: %s\n' % document['error']['message']


def test_missing_file(tmp_path, capsys):
    code, out, err = run(capsys, 'simulate', str(tmp_path / 'nope.yaml'),
                         '--json')
    assert code == 2
    assert 'No such file or directory' in json.loads(out)['error']['message']
    assert err.startswith('nova-cca simulate: %s: No such file'
                          % (tmp_path / 'nope.yaml'))


def test_a_directory_is_not_a_scenario(tmp_path, capsys):
    code, out, err = run(capsys, 'simulate', str(tmp_path))
    assert (code, out) == (2, '')
    assert 'Is a directory' in err
