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

"""``nova-cca``: its own commands and those other distributions add."""

import pytest

from nova_cca.cmd import main


def test_installed_distributions_add_their_commands(capsys):
    with pytest.raises(SystemExit) as exit_:
        main.main(['--help'])
    assert exit_.value.code == 0
    out = capsys.readouterr().out
    for command in ('readiness', 'traits', 'simulate', 'attest'):
        assert command in out


def test_a_broken_plugin_is_named_and_the_rest_works(monkeypatch, capsys):
    from stevedore import extension
    real = extension.ExtensionManager

    def manager(namespace, **kwargs):
        assert namespace == main.COMMANDS_NAMESPACE
        callback = kwargs['on_load_failure_callback']

        class EntryPoint:
            name = 'broken'
            value = 'nowhere.module'
        callback(None, EntryPoint(), ImportError('No module named nowhere'))
        return real.make_test_instance([])

    monkeypatch.setattr(main.extension, 'ExtensionManager', manager)
    with pytest.raises(SystemExit):
        main.main(['--help'])
    captured = capsys.readouterr()
    assert 'command broken (nowhere.module) cannot be loaded' in captured.err
    assert 'readiness' in captured.out


def test_status_is_an_alias_of_readiness(monkeypatch, capsys):
    from nova_cca.cmd import readiness
    seen = []
    monkeypatch.setattr(readiness, 'main',
                        lambda args: seen.append(args.command) or 0)
    assert main.main(['status', '--config-file', '/nonexistent']) == 0
    assert main.main(['readiness']) == 0
    assert seen == ['status', 'readiness']
    assert '"status" is now "readiness"' in capsys.readouterr().err
