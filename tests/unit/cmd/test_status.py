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

"""nova-cca-status: Nova's upgrade checks and "nova-cca in every process"."""

from nova.cmd import status as nova_status
from oslo_upgradecheck import upgradecheck
import pytest

from nova_cca.cmd import status


def fake_proc(tmp_path, processes):
    for pid, argv in processes.items():
        (tmp_path / str(pid)).mkdir()
        (tmp_path / str(pid) / 'cmdline').write_bytes(
            b'\0'.join(a.encode() for a in argv) + b'\0')
    (tmp_path / 'self').mkdir()
    return str(tmp_path)


ACTIVATED = {
    10: ['/usr/bin/python3', '/usr/local/bin/nova-cca-conductor',
         '--config-file', '/etc/nova/nova.conf'],
    11: ['/usr/local/bin/nova-cca-compute'],
    12: ['uwsgi', '--module', 'nova_cca.wsgi.osapi_compute:application'],
    13: ['/usr/sbin/libvirtd'],
    14: ['bash', '-c', 'grep nova-conductor /var/log/x'],
}


@pytest.mark.parametrize('argv, what', [
    (['/usr/bin/python3', '/usr/bin/nova-conductor'], 'nova-conductor'),
    (['/usr/bin/nova-scheduler', '--config-file', 'x'], 'nova-scheduler'),
    (['nova-compute'], 'nova-compute'),
    (['uwsgi', '--module', 'nova.wsgi.metadata:application'],
     'nova.wsgi.metadata'),
    (['/usr/sbin/apache2', '-k', 'start',
      'nova.wsgi.osapi_compute:application'], 'nova.wsgi.osapi_compute'),
])
def test_unactivated_service_fails_the_check(tmp_path, argv, what):
    proc = fake_proc(tmp_path, {**ACTIVATED, 99: argv})
    result = status._check_activation(proc)
    assert result.code == upgradecheck.Code.FAILURE
    assert 'pid 99 (%s)' % what in result.details
    assert 'pid 1' not in result.details  # activated ones are not named


def test_activated_host_passes(tmp_path):
    result = status._check_activation(fake_proc(tmp_path, ACTIVATED))
    assert result.code == upgradecheck.Code.SUCCESS


def test_every_nova_check_is_kept_and_ours_added():
    names = [name for name, _ in
             status.RealmUpgradeCommands._upgrade_checks]
    nova_names = [name for name, _ in
                  nova_status.UpgradeCommands._upgrade_checks]
    assert names[:len(nova_names)] == nova_names
    assert names[len(nova_names):] == ['nova-cca in every Nova process']
