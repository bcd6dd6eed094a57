"""``nova-cca status`` against the real libvirtd of this machine."""

import json
import os
import platform
import subprocess
import sys



def status(tmp_path, conf='', *args):
    config = tmp_path / 'nova.conf'
    config.write_text(conf)
    run = subprocess.run(
        [sys.executable, '-m', 'nova_cca.cmd.main', 'status', '--json',
         '--config-file', str(config), *args],
        capture_output=True, text=True, timeout=120,
        env=dict(os.environ))
    document = json.loads(run.stdout)
    return run.returncode, {c['check']: c for c in document['checks']}


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
    assert libvirt_check['status'] == 'Success'
    major, rest = divmod(libvirtd.getLibVersion(), 1000000)
    assert 'libvirt %d.%d.' % (major, rest // 1000) in \
        libvirt_check['details']
    assert checks['QEMU']['status'] == 'Success'
    assert 'QEMU' in checks['QEMU']['details']
    assert checks['Compute driver']['status'] == 'Success'
    assert checks['[arm_cca] options']['details'] == (
        '[arm_cca] max_guests = 8, default_measurement_algo = sha256, '
        'provider_layout = root.')
    assert checks['RAM overcommit']['status'] == 'Success'


def test_a_machine_without_cca_says_why(libvirtd, tmp_path):
    # no machine of ours has CCA: kernel and libvirt say no, and why
    code, checks = status(tmp_path, GOOD_CONF)
    assert code == 2
    arch = checks['Host architecture']
    assert arch['status'] == (
        'Success' if platform.machine() == 'aarch64' else 'Failure')
    assert 'Host architecture is %s' % platform.machine() in arch['details']
    kernel = checks['Kernel realm support']
    assert kernel['status'] == 'Failure'
    assert ('kvm_cap_arm_rmi' in kernel['details'] or
            '/dev/kvm does not exist' in kernel['details'])
    cca = checks['Arm CCA in libvirt']
    assert cca['status'] == 'Failure'
    assert "aarch64 guests on machine 'virt' with virt_type kvm" in \
        cca['details']


def test_tcg_domain_capabilities_without_cca(libvirtd, tmp_path):
    code, checks = status(tmp_path, GOOD_CONF.replace('kvm', 'qemu'))
    assert checks['Arm CCA in libvirt']['details'] == (
        'No Arm CCA in libvirt domain capabilities: libvirt domain '
        'capabilities have no <cca> feature and no cca launchSecurity '
        'type.')
    virt = checks['libvirt virt_type']
    assert virt['status'] == 'Failure'
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
    assert driver['status'] == 'Failure'
    assert 'compute_driver = libvirt.LibvirtDriver' in driver['details']
    options = checks['[arm_cca] options']
    assert options['status'] == 'Failure'
    assert 'max_guests' in options['details'] and '-1' in options['details']
    ratio = checks['RAM overcommit']
    assert (ratio['status'], ratio['result']) == ('Warning', 1)
    assert 'ram_allocation_ratio = 1.5' in ratio['details']


def test_unreachable_libvirt(tmp_path):
    uri = 'qemu+unix:///system?socket=%s' % (tmp_path / 'no-such-socket')
    code, checks = status(tmp_path, GOOD_CONF, '--libvirt-uri', uri)
    assert code == 2
    assert checks['libvirt']['status'] == 'Failure'
    assert 'cannot connect to %s' % uri in checks['libvirt']['details']
    for dependent in ('Arm CCA in libvirt', 'QEMU'):
        assert checks[dependent]['details'].startswith(
            'Not checked: libvirt is not reachable')
