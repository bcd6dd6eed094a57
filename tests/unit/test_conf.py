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

"""nova_cca.conf: the [arm_cca] options."""

from oslo_config import cfg
import pytest

import nova.conf
from nova_cca import conf
from nova_cca import glossary
from nova_cca.virt.libvirt import host as realm_host


def opts_by_name():
    (group, opts), = conf.list_opts()
    return group, {opt.name: opt for opt in opts}


def test_list_opts_group():
    group, opts = opts_by_name()
    assert isinstance(group, cfg.OptGroup)
    assert group.name == 'arm_cca'
    assert set(opts) == {'max_guests', 'default_measurement_algo',
                         'provider_layout', 'personalization_value',
                         'measurement_log', 'scheduler_root_traits'}


@pytest.mark.parametrize('name', ['personalization_value',
                                  'measurement_log'])
def test_realm_setting_options_are_off_by_default(name):
    _, opts = opts_by_name()
    opt = opts[name]
    assert isinstance(opt, cfg.BoolOpt)
    assert opt.default is False
    assert 'CUSTOM_HW_CPU_AARCH64_CCA_' in opt.help


def test_provider_layout_option():
    _, opts = opts_by_name()
    opt = opts['provider_layout']
    assert isinstance(opt, cfg.StrOpt)
    assert opt.default == 'root'
    assert [c for c, _ in opt.type.choices.items()] == ['root', 'child']


def test_scheduler_root_traits_option():
    _, opts = opts_by_name()
    opt = opts['scheduler_root_traits']
    assert isinstance(opt, cfg.BoolOpt)
    # unset: follow provider_layout
    # (nova_cca.scheduler.realm_traits.asks_on_root)
    assert opt.default is None
    assert nova.conf.CONF.arm_cca.scheduler_root_traits is None
    assert 'provider_layout' in opt.help


def test_max_guests_option():
    _, opts = opts_by_name()
    opt = opts['max_guests']
    assert isinstance(opt, cfg.IntOpt)
    assert opt.default is None
    assert opt.type.min == 0
    assert opt.help.strip()


def test_default_measurement_algo_option():
    _, opts = opts_by_name()
    opt = opts['default_measurement_algo']
    assert isinstance(opt, cfg.StrOpt)
    assert opt.default is None
    assert list(opt.type.choices) == ['sha256', 'sha512']
    assert opt.help.strip()


def test_options_registered_on_nova_conf():
    CONF = nova.conf.CONF
    assert CONF.arm_cca.max_guests is None
    assert CONF.arm_cca.default_measurement_algo is None


def test_register_opts_on_a_fresh_config():
    fresh = cfg.ConfigOpts()
    conf.register_opts(fresh)
    fresh([], project='nova-cca-test')
    assert fresh.arm_cca.max_guests is None
    assert fresh.arm_cca.default_measurement_algo is None


@pytest.fixture
def CONF():
    conf_ = nova.conf.CONF
    yield conf_
    conf_.clear_override('max_guests', group='arm_cca')
    conf_.clear_override('default_measurement_algo', group='arm_cca')


def test_max_guests_stops_at_the_placement_inventory_limit(CONF):
    # the realm inventory total is max_guests: Placement refuses a total
    # above its integer limit, which is also the "unlimited" value
    CONF.set_override('max_guests', realm_host.UNLIMITED_REALMS,
                      group='arm_cca')
    assert CONF.arm_cca.max_guests == 2147483647
    with pytest.raises(ValueError, match='less than or equal'):
        CONF.set_override('max_guests', realm_host.UNLIMITED_REALMS + 1,
                          group='arm_cca')


def test_every_measurement_algorithm_can_be_the_default():
    _, opts = opts_by_name()
    assert tuple(opts['default_measurement_algo'].type.choices) == (
        glossary.MEASUREMENT_ALGORITHMS)
