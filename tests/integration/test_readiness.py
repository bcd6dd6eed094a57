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

"""``nova-cca readiness`` against the real libvirtd of this machine."""

import json
import os
import platform
import subprocess
import sys

import pytest

#: oslo.upgradecheck's Code values, and ours for "cannot check"
READY, WARNINGS, NOT_READY, CANNOT_CHECK = 0, 1, 2, 3
SUCCESS, WARNING, FAILURE = 0, 1, 2


def run_status(config, *args, json_output=True, command='readiness'):
    """(exit code, stdout, stderr) of nova-cca readiness (or ``command``,
    its alias ``status``).
    """
    run = subprocess.run(
        [sys.executable, '-m', 'nova_cca.cmd.main', command,
         *(['--json'] if json_output else []),
         '--config-file', str(config), *args],
        capture_output=True, text=True, timeout=120,
        env=dict(os.environ))
    return run.returncode, run.stdout, run.stderr


def status(tmp_path, conf='', *args):
    config = tmp_path / 'nova.conf'
    config.write_text(conf)
    code, stdout, stderr = run_status(config, *args)
    assert 'Traceback' not in stderr + stdout
    document = json.loads(stdout)
    return code, {c['check']: c for c in document['checks']}


GOOD_CONF = """
[DEFAULT]
compute_driver = libvirt_cca.LibvirtCCADriver
[libvirt]
virt_type = kvm
[arm_cca]
max_guests = 8
default_measurement_algo = sha256
"""


def test_real_libvirt_is_reported(libvirtd, tmp_path):
    code, checks = status(tmp_path, GOOD_CONF)
    libvirt_check = checks['libvirt']
    assert libvirt_check['result'] == SUCCESS
    major, rest = divmod(libvirtd.getLibVersion(), 1000000)
    assert 'libvirt %d.%d.' % (major, rest // 1000) in \
        libvirt_check['details']
    assert checks['QEMU']['result'] == SUCCESS
    assert 'QEMU' in checks['QEMU']['details']
    assert checks['Compute driver']['result'] == SUCCESS
    assert checks['[arm_cca] options']['details'] == (
        '[arm_cca] max_guests = 8, default_measurement_algo = sha256, '
        'provider_layout = root.')
    assert checks['RAM overcommit']['result'] == SUCCESS


def test_a_machine_without_cca_says_why(libvirtd, tmp_path):
    # no machine of ours has CCA: kernel and libvirt say no, and why
    code, checks = status(tmp_path, GOOD_CONF)
    assert code == 2
    arch = checks['Host architecture']
    assert arch['result'] == (
        SUCCESS if platform.machine() == 'aarch64' else FAILURE)
    assert 'Host architecture is %s' % platform.machine() in arch['details']
    kernel = checks['Kernel realm support']
    # the kernel parameter is information, never the verdict
    if os.path.exists('/dev/kvm'):
        assert kernel['result'] == SUCCESS
        assert 'information only' in kernel['details']
    else:
        assert kernel['result'] == FAILURE
        assert '/dev/kvm does not exist' in kernel['details']
    cca = checks['Arm CCA in libvirt']
    assert cca['result'] == FAILURE
    assert "aarch64 guests on machine 'virt' with virt_type kvm" in \
        cca['details']


def test_tcg_domain_capabilities_without_cca(libvirtd, tmp_path):
    code, checks = status(tmp_path, GOOD_CONF.replace('kvm', 'qemu'))
    assert checks['Arm CCA in libvirt']['details'] == (
        'No Arm CCA in libvirt domain capabilities: libvirt domain '
        'capabilities have no <cca> feature and no cca launchSecurity '
        'type.')
    virt = checks['libvirt virt_type']
    assert virt['result'] == FAILURE
    assert 'virt_type = qemu' in virt['details']


def test_configuration_problems(libvirtd, tmp_path):
    code, checks = status(tmp_path, """
[DEFAULT]
compute_driver = libvirt.LibvirtDriver
ram_allocation_ratio = 1.5
[arm_cca]
max_guests = -1
""")
    assert code == 2
    driver = checks['Compute driver']
    assert driver['result'] == FAILURE
    assert 'compute_driver = libvirt.LibvirtDriver' in driver['details']
    options = checks['[arm_cca] options']
    assert options['result'] == FAILURE
    assert 'max_guests' in options['details'] and '-1' in options['details']
    ratio = checks['RAM overcommit']
    assert ratio['result'] == WARNING
    assert 'ram_allocation_ratio = 1.5' in ratio['details']


def test_unreachable_libvirt(tmp_path):
    uri = 'qemu+unix:///system?socket=%s' % (tmp_path / 'no-such-socket')
    code, checks = status(tmp_path, GOOD_CONF, '--libvirt-uri', uri)
    assert code == CANNOT_CHECK
    assert checks['libvirt']['result'] == FAILURE
    assert 'cannot connect to %s' % uri in checks['libvirt']['details']
    for dependent in ('Arm CCA in libvirt', 'QEMU'):
        assert checks[dependent]['details'].startswith(
            'Not checked: libvirt is not reachable')


# -- hostile and unusual input: exit code and message ---------------------

GOOD_DRIVER = '[DEFAULT]\ncompute_driver = libvirt_cca.LibvirtCCADriver\n'
NO_SOCKET = 'qemu+unix:///system?socket=/nonexistent/libvirt-sock'

#: (id, config file content (bytes, or None: see `path`), extra args,
#:  exit code, where the message is: 'stderr' or a check's name, text)
HOSTILE = [
    ('not-utf8', b'[DEFAULT]\n\xff\xfe = 1\n', (), CANNOT_CHECK, 'stderr',
     'is not UTF-8 text'),
    ('no-section', b'compute_driver = x\n', (), CANNOT_CHECK, 'stderr',
     'cannot read the configuration: Failed to parse'),
    ('no-assignment', b'[DEFAULT]\njust words\n', (), CANNOT_CHECK,
     'stderr', "No ':' or '=' found"),
    ('ratio-lots', b'[DEFAULT]\nram_allocation_ratio = lots\n', (),
     CANNOT_CHECK, 'stderr',
     '[DEFAULT] ram_allocation_ratio = lots is invalid'),
    ('initial-ratio-bad', b'[DEFAULT]\ninitial_ram_allocation_ratio = x1\n',
     (), CANNOT_CHECK, 'stderr',
     '[DEFAULT] initial_ram_allocation_ratio = x1 is invalid'),
    ('virt-type-vmware', b'[libvirt]\nvirt_type = vmware\n', (),
     CANNOT_CHECK, 'stderr', '[libvirt] virt_type = vmware is invalid'),
    ('unreachable-uri-arg', GOOD_DRIVER.encode(),
     ('--libvirt-uri', NO_SOCKET), CANNOT_CHECK, 'stderr',
     'libvirt is not reachable (cannot connect to ' + NO_SOCKET),
    ('unreachable-uri-conf', (GOOD_DRIVER + '[libvirt]\nconnection_uri = ' +
                              NO_SOCKET + '\n').encode(), (),
     CANNOT_CHECK, 'stderr', 'libvirt is not reachable'),
    ('unknown-uri-scheme', GOOD_DRIVER.encode(),
     ('--libvirt-uri', 'nosuchdriver:///x'), CANNOT_CHECK, 'stderr',
     'cannot connect to nosuchdriver:///x'),
    ('test-driver', GOOD_DRIVER.encode(), ('--libvirt-uri',
                                           'test:///default'),
     NOT_READY, 'libvirt', "test:///default is its 'TEST' driver, not "
                           'QEMU/KVM'),
    ('test-driver-cca-not-checked', GOOD_DRIVER.encode(),
     ('--libvirt-uri', 'test:///default'), NOT_READY,
     'Arm CCA in libvirt', "Not checked: libvirt's 'TEST' driver"),
    ('empty-file', b'', (), NOT_READY, 'Compute driver',
     'compute_driver = None; realms need'),
    ('plain-driver', b'[DEFAULT]\ncompute_driver = libvirt.LibvirtDriver\n',
     (), NOT_READY, 'Compute driver', 'compute_driver = libvirt.Libvirt'),
    ('virt-type-qemu', (GOOD_DRIVER + '[libvirt]\nvirt_type = qemu\n')
     .encode(), (), NOT_READY, 'libvirt virt_type', 'virt_type = qemu'),
    ('max-guests-above-limit', b'[arm_cca]\nmax_guests = 3000000000\n', (),
     NOT_READY, '[arm_cca] options',
     'max_guests = 3000000000 is invalid: allowed are 0 to 2147483647'),
    ('max-guests-limit-plus-one', b'[arm_cca]\nmax_guests = 2147483648\n',
     (), NOT_READY, '[arm_cca] options', 'max_guests = 2147483648 is '
                                         'invalid'),
    ('max-guests-negative', b'[arm_cca]\nmax_guests = -1\n', (), NOT_READY,
     '[arm_cca] options', 'max_guests = -1 is invalid'),
    ('max-guests-fraction', b'[arm_cca]\nmax_guests = 2.7\n', (), NOT_READY,
     '[arm_cca] options', 'max_guests = 2.7 is invalid'),
    ('max-guests-boolean', b'[arm_cca]\nmax_guests = true\n', (), NOT_READY,
     '[arm_cca] options', 'max_guests = true is invalid'),
    ('max-guests-huge-text', b'[arm_cca]\nmax_guests = ' + b'9' * 500 +
     b'\n', (), NOT_READY, '[arm_cca] options',
     'max_guests = ' + '9' * 77 + '... is invalid'),
    ('algorithm-unknown', b'[arm_cca]\ndefault_measurement_algo = md5\n',
     (), NOT_READY, '[arm_cca] options',
     'default_measurement_algo = md5 is invalid'),
    ('layout-unknown', b'[arm_cca]\nprovider_layout = sideways\n', (),
     NOT_READY, '[arm_cca] options', 'provider_layout = sideways is '
                                     'invalid'),
    ('ratio-overcommit', b'[DEFAULT]\nram_allocation_ratio = 1.5\n', (),
     NOT_READY, 'RAM overcommit', 'ram_allocation_ratio = 1.5: realm '
                                  'memory cannot be swapped'),
]


@pytest.mark.parametrize(
    'content, args, code, where, message',
    [case[1:] for case in HOSTILE], ids=[case[0] for case in HOSTILE])
def test_hostile_configuration(libvirtd, tmp_path, content, args, code,
                               where, message):
    config = tmp_path / 'nova.conf'
    config.write_bytes(content)
    got, stdout, stderr = run_status(config, *args)
    assert 'Traceback' not in stdout + stderr
    assert got == code, (stdout, stderr)
    if where == 'stderr':
        assert message in stderr
        assert len(stderr.strip().splitlines()) == 1, stderr
    else:
        check = {c['check']: c for c in json.loads(stdout)['checks']}[where]
        assert check['result'] in (WARNING, FAILURE)
        assert message in check['details']


@pytest.mark.parametrize('make, message', [
    (lambda path: path.mkdir(), 'is a directory, not a file'),
    (lambda path: None, 'does not exist'),
], ids=['directory', 'missing'])
def test_unreadable_config_file(tmp_path, make, message):
    path = tmp_path / 'nova.conf'
    make(path)
    code, stdout, stderr = run_status(path)
    assert code == CANNOT_CHECK
    assert stdout == ''
    assert 'nova-cca readiness: cannot read the configuration: %s' % path \
        in stderr
    assert message in stderr
    assert 'Traceback' not in stderr


def test_status_is_an_alias_of_readiness(libvirtd, tmp_path):
    config = tmp_path / 'nova.conf'
    config.write_text(GOOD_CONF)
    code, stdout, stderr = run_status(config)
    alias_code, alias_stdout, alias_stderr = run_status(
        config, command='status')
    assert (alias_code, alias_stdout) == (code, stdout)
    assert 'nova-cca: "status" is now "readiness"' in alias_stderr
    assert '"status" is now' not in stderr


def test_text_output_is_oslo_upgradecheck_table(libvirtd, tmp_path):
    config = tmp_path / 'nova.conf'
    config.write_text(GOOD_CONF)
    code, stdout, stderr = run_status(config, json_output=False)
    assert code == NOT_READY
    assert 'Arm CCA Realm Readiness' in stdout
    assert 'Check: Compute driver\n' not in stdout  # inside table cells
    assert '| Check: Compute driver' in stdout
    assert '| Result: Success' in stdout and '| Result: Failure' in stdout


def test_max_guests_at_the_inventory_limit_is_accepted(libvirtd, tmp_path):
    code, checks = status(tmp_path, GOOD_CONF.replace(
        'max_guests = 8', 'max_guests = 2147483647'))
    options = checks['[arm_cca] options']
    assert options['result'] == SUCCESS
    assert 'max_guests = 2147483647,' in options['details']
