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

"""The kernel and configuration checks of nova-cca readiness, on fake trees."""

import os

from oslo_config import cfg
import pytest

from nova_cca import conf as realm_conf
from nova_cca import glossary
from nova_cca import readiness as status


@pytest.fixture
def conf():
    c = cfg.ConfigOpts()
    c.register_opts([cfg.StrOpt('compute_driver'),
                     cfg.FloatOpt('ram_allocation_ratio'),
                     cfg.FloatOpt('initial_ram_allocation_ratio',
                                  default=1.0)])
    c.register_opts([cfg.StrOpt('virt_type', default='kvm',
                                choices=['kvm', 'qemu']),
                     cfg.StrOpt('connection_uri', default='')],
                    group='libvirt')
    realm_conf.register_opts(c)
    c([])
    return c


def readiness(conf, tmp_path, machine='aarch64'):
    return status.RealmReadiness(conf, root=str(tmp_path), machine=machine)


def test_architecture(conf, tmp_path):
    assert readiness(conf, tmp_path)._check_architecture().code == \
        status.Code.SUCCESS
    result = readiness(conf, tmp_path, 'x86_64')._check_architecture()
    assert result.code == status.Code.FAILURE
    assert 'x86_64' in result.details


def test_kernel_without_kvm(conf, tmp_path):
    result = readiness(conf, tmp_path)._check_kernel()
    assert result.code == status.Code.FAILURE
    assert '%s/dev/kvm does not exist' % tmp_path in result.details


def kvm_tree(tmp_path, parameter=None):
    (tmp_path / 'dev').mkdir()
    (tmp_path / 'dev' / 'kvm').write_text('')   # not a KVM device: ENOTTY
    if parameter is not None:
        path = tmp_path / status.RMI_CAP_PARAMETER
        os.makedirs(path.parent)
        path.write_text(parameter)


@pytest.mark.parametrize('parameter, information', [
    (None, 'does not export'),
    ('300\n', 'KVM_CAP_ARM_RMI = 300) returned 0'),
    ('rmi\n', 'Cannot read'),
    ('', 'Cannot read'),
])
def test_kvm_cap_arm_rmi_is_information_only(conf, tmp_path, parameter,
                                             information):
    # only some kernels export it, and its number is not stable: realm
    # support is read from libvirt, so this never fails the host
    kvm_tree(tmp_path, parameter)
    result = readiness(conf, tmp_path)._check_kernel()
    assert result.code == status.Code.SUCCESS
    assert information in result.details
    assert 'information only' in result.details


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
    conf.set_override('compute_driver', glossary.DRIVER)
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


@pytest.mark.parametrize('group, name, value, shown', [
    (None, 'ram_allocation_ratio', 'lots', '[DEFAULT] ram_allocation_ratio'),
    ('libvirt', 'virt_type', 'vmware', '[libvirt] virt_type'),
])
def test_invalid_option_means_cannot_check(conf, tmp_path, capsys, group,
                                           name, value, shown):
    config = tmp_path / 'nova.conf'
    config.write_text('[%s]\n%s = %s\n' % (group or 'DEFAULT', name, value))
    conf(['--config-file', str(config)])
    checks = readiness(conf, tmp_path)
    assert checks.check() == status.CANNOT_CHECK == 3
    err = capsys.readouterr().err
    assert err.startswith('nova-cca readiness: cannot check: %s = %s is '
                          'invalid' % (shown, value))
    assert err.count('\n') == 1


def test_a_crashing_check_means_cannot_check(conf, tmp_path, capsys,
                                             monkeypatch):
    checks = readiness(conf, tmp_path)

    def crash(self):
        raise KeyError('boom')
    monkeypatch.setattr(checks, '_upgrade_checks',
                        (('crash', crash),))
    assert checks.check() == status.CANNOT_CHECK
    assert 'cannot check: KeyError' in capsys.readouterr().err


def test_codes_are_oslo_upgradecheck_codes_and_distinct():
    codes = [int(status.Code.SUCCESS), int(status.Code.WARNING),
             int(status.Code.FAILURE), status.CANNOT_CHECK]
    assert codes == [0, 1, 2, 3]


def test_max_guests_above_the_inventory_limit(conf, tmp_path):
    config = tmp_path / 'nova.conf'
    config.write_text('[arm_cca]\nmax_guests = 2147483648\n')
    conf(['--config-file', str(config)])
    result = readiness(conf, tmp_path)._check_options()
    assert result.code == status.Code.FAILURE
    assert result.details == (
        '[arm_cca] max_guests = 2147483648 is invalid: allowed are 0 to '
        '2147483647, the largest inventory total Placement accepts')
