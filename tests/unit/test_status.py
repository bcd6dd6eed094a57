"""The kernel and configuration checks of nova-cca status, on fake trees."""

import os

import pytest
from oslo_config import cfg

from nova_cca import conf as realm_conf
from nova_cca import status


@pytest.fixture
def conf():
    c = cfg.ConfigOpts()
    c.register_opts([cfg.StrOpt('compute_driver'),
                     cfg.FloatOpt('ram_allocation_ratio'),
                     cfg.FloatOpt('initial_ram_allocation_ratio',
                                  default=1.0)])
    c.register_opts([cfg.StrOpt('virt_type', default='kvm'),
                     cfg.StrOpt('connection_uri', default='')],
                    group='libvirt')
    realm_conf.register_opts(c)
    c([])
    return c


def readiness(conf, tmp_path, machine='aarch64'):
    return status.RealmReadiness(conf, root=str(tmp_path), machine=machine)


def test_architecture(conf, tmp_path):
    assert readiness(conf, tmp_path).results()[0][1].code == \
        status.Code.SUCCESS
    result = readiness(conf, tmp_path, 'x86_64')._check_architecture()
    assert result.code == status.Code.FAILURE
    assert 'x86_64' in result.details


def test_kernel_without_kvm(conf, tmp_path):
    result = readiness(conf, tmp_path)._check_kernel()
    assert result.code == status.Code.FAILURE
    assert '%s/dev/kvm does not exist' % tmp_path in result.details


def test_kernel_without_realm_capability(conf, tmp_path):
    (tmp_path / 'dev').mkdir()
    (tmp_path / 'dev' / 'kvm').write_text('')
    result = readiness(conf, tmp_path)._check_kernel()
    assert result.code == status.Code.FAILURE
    assert 'does not export' in result.details
    assert 'kvm_cap_arm_rmi' in result.details


def test_kernel_capability_not_granted(conf, tmp_path):
    (tmp_path / 'dev').mkdir()
    (tmp_path / 'dev' / 'kvm').write_text('')   # not a KVM device: ENOTTY
    parameter = tmp_path / status.RMI_CAP_PARAMETER
    os.makedirs(parameter.parent)
    parameter.write_text('300\n')
    result = readiness(conf, tmp_path)._check_kernel()
    assert result.code == status.Code.FAILURE
    assert 'KVM_CAP_ARM_RMI = 300) returned 0' in result.details


def test_kernel_capability_garbage(conf, tmp_path):
    (tmp_path / 'dev').mkdir()
    (tmp_path / 'dev' / 'kvm').write_text('')
    parameter = tmp_path / status.RMI_CAP_PARAMETER
    os.makedirs(parameter.parent)
    parameter.write_text('rmi\n')
    result = readiness(conf, tmp_path)._check_kernel()
    assert result.code == status.Code.FAILURE
    assert 'Cannot read' in result.details


@pytest.mark.parametrize('ratio, initial, code', [
    (None, 1.0, status.Code.SUCCESS),
    (1.0, 1.5, status.Code.SUCCESS),
    (None, 1.5, status.Code.WARNING),
    (2.0, 1.0, status.Code.WARNING),
])
def test_overcommit(conf, tmp_path, ratio, initial, code):
    conf.set_override('ram_allocation_ratio', ratio)
    conf.set_override('initial_ram_allocation_ratio', initial)
    assert readiness(conf, tmp_path)._check_overcommit().code == code


def test_driver_and_virt_type(conf, tmp_path):
    checks = readiness(conf, tmp_path)
    assert checks._check_driver().code == status.Code.FAILURE
    conf.set_override('compute_driver', status.DRIVER)
    assert checks._check_driver().code == status.Code.SUCCESS
    conf.set_override('virt_type', 'qemu', group='libvirt')
    result = checks._check_virt_type()
    assert result.code == status.Code.FAILURE
    assert 'virt_type = qemu' in result.details


def test_overcommit_names_the_option_in_effect(conf, tmp_path):
    conf.set_override('initial_ram_allocation_ratio', 1.5)
    result = readiness(conf, tmp_path)._check_overcommit()
    assert 'initial_ram_allocation_ratio = 1.5' in result.details


def test_options_include_the_layout(conf, tmp_path):
    result = readiness(conf, tmp_path)._check_options()
    assert result.code == status.Code.SUCCESS
    assert 'provider_layout = root' in result.details
