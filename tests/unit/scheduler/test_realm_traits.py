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

"""nova_cca.scheduler.realm_traits: a realm's traits on the root.

On Nova's objects.
"""

import urllib.parse

from nova import objects
from nova.scheduler import utils as scheduler_utils
import pytest

import nova.conf
from nova_cca.scheduler import realm_traits as scheduling

CCA = 'CUSTOM_HW_CPU_AARCH64_CCA'
SHA256 = 'CUSTOM_HW_CPU_AARCH64_CCA_MEASUREMENT_SHA256'
STATELESS = 'COMPUTE_SECURITY_STATELESS_FIRMWARE'
REALM_SPECS = {'hw:mem_encryption': 'true',
               'hw:mem_encryption_model': 'arm-cca'}
REALM_IMAGE = {'hw_architecture': 'aarch64', 'hw_firmware_type': 'uefi',
               'hw_firmware_stateless': True, 'hw_machine_type': 'virt'}


def spec(extra_specs=None, **image_properties):
    flavor = objects.Flavor(name='f1', vcpus=1, memory_mb=512, root_gb=1,
                            ephemeral_gb=0, swap=0,
                            extra_specs=dict(extra_specs or {}))
    image = objects.ImageMeta.from_dict({'properties': image_properties})
    return objects.RequestSpec(flavor=flavor, image=image, is_bfv=False)


def realm_spec(extra_specs=None, **image_overrides):
    props = dict(REALM_IMAGE, **image_overrides)
    return spec(dict(REALM_SPECS, **(extra_specs or {})), **props)


def query(request_spec):
    """What Nova sends after the filter and the drop, as a dict."""
    resources = scheduler_utils.ResourceRequest.from_request_spec(
        request_spec)
    scheduling.drop_traits_required_on_root(request_spec, resources)
    parsed = urllib.parse.parse_qs(resources.to_querystring())
    return {k: set(v[0].split(',')) for k, v in parsed.items()}


def nova_query(request_spec):
    """What Nova alone would send."""
    parsed = urllib.parse.parse_qs(
        scheduler_utils.ResourceRequest.from_request_spec(
            request_spec).to_querystring())
    return {k: set(v[0].split(',')) for k, v in parsed.items()}


@pytest.fixture
def conf():
    CONF = nova.conf.CONF
    yield CONF
    for name in ('provider_layout', 'scheduler_root_traits'):
        CONF.clear_override(name, group='arm_cca')


def test_realm_traits_go_to_root_required_in_the_default_layout(conf):
    request_spec = realm_spec()
    before = nova_query(request_spec)
    assert {CCA, STATELESS} <= before['required']
    assert 'root_required' not in before

    assert scheduling.require_realm_traits_on_root(None, request_spec)

    assert set(request_spec.root_required) == {CCA, STATELESS}
    after = query(request_spec)
    assert after['root_required'] == {CCA, STATELESS}
    assert 'required' not in after
    # everything else as Nova asked
    assert after['resources'] == before['resources'] == {
        'VCPU:1', 'MEMORY_MB:512', 'DISK_GB:1', 'MEM_ENCRYPTION_CONTEXT:1'}
    assert after['limit'] == before['limit']


def test_every_realm_trait_moves_other_requirements_stay(conf):
    request_spec = realm_spec({'trait:%s' % SHA256: 'required',
                               'trait:CUSTOM_RACK_A': 'required',
                               'trait:CUSTOM_SLOW': 'forbidden'},
                              **{'trait:CUSTOM_HW_CPU_AARCH64_CCA_LOG':
                                 'required',
                                 'trait:COMPUTE_SECURITY_UEFI_SECURE_BOOT':
                                 'required'})
    assert scheduling.require_realm_traits_on_root(None, request_spec)
    after = query(request_spec)
    assert after['root_required'] == {
        CCA, SHA256, 'CUSTOM_HW_CPU_AARCH64_CCA_LOG', STATELESS}
    assert after['required'] == {'CUSTOM_RACK_A',
                                 'COMPUTE_SECURITY_UEFI_SECURE_BOOT',
                                 '!CUSTOM_SLOW'}


def test_filter_keeps_what_root_required_already_holds(conf):
    request_spec = realm_spec()
    request_spec.root_required.add('OWNER_NOVA')
    request_spec.root_forbidden.add('COMPUTE_STATUS_DISABLED')
    scheduling.require_realm_traits_on_root(None, request_spec)
    assert query(request_spec)['root_required'] == {
        CCA, STATELESS, 'OWNER_NOVA', '!COMPUTE_STATUS_DISABLED'}


def test_a_second_pass_changes_nothing(conf):
    # a reschedule runs the filters again on the same request spec
    request_spec = realm_spec()
    scheduling.require_realm_traits_on_root(None, request_spec)
    first = query(request_spec)
    scheduling.require_realm_traits_on_root(None, request_spec)
    assert query(request_spec) == first


@pytest.mark.parametrize('request_spec', [
    # plain aarch64 guest with stateless firmware: Nova's request as it is
    spec(**dict(REALM_IMAGE)),
    # a plain guest that asks for a CCA host by trait, no realm
    spec({'trait:%s' % CCA: 'required'}, **REALM_IMAGE),
    # AMD SEV
    spec({'hw:mem_encryption': 'true', 'hw:mem_encryption_model': 'amd-sev'},
         hw_firmware_type='uefi', hw_machine_type='q35'),
    # the CCA trait in a numbered group only
    spec({'trait1:%s' % CCA: 'required',
          'resources1:CUSTOM_MAGIC': '1'}),
], ids=['plain-stateless', 'plain-cca-trait', 'amd-sev', 'numbered-group'])
def test_other_requests_are_not_changed(conf, request_spec):
    before = nova_query(request_spec)
    assert not scheduling.require_realm_traits_on_root(None, request_spec)
    assert set(request_spec.root_required) == set()
    assert query(request_spec) == before


def test_child_layout_keeps_nova_request(conf):
    conf.set_override('provider_layout', 'child', group='arm_cca')
    request_spec = realm_spec()
    before = nova_query(request_spec)
    assert not scheduling.require_realm_traits_on_root(None, request_spec)
    assert query(request_spec) == before
    assert {CCA, STATELESS} <= before['required']


def test_drop_alone_removes_nothing(conf):
    # without the filter nothing is required on the root: nothing leaves
    request_spec = realm_spec()
    assert query(request_spec) == nova_query(request_spec)


@pytest.mark.parametrize('layout, explicit, expected', [
    ('root', None, True),
    ('child', None, False),
    ('root', False, False),
    ('child', True, True),
    ('root', True, True),
    ('child', False, False),
])
def test_asks_on_root(conf, layout, explicit, expected):
    conf.set_override('provider_layout', layout, group='arm_cca')
    if explicit is not None:
        conf.set_override('scheduler_root_traits', explicit,
                          group='arm_cca')
    assert scheduling.asks_on_root() is expected
    assert scheduling.require_realm_traits_on_root(
        None, realm_spec()) is expected


@pytest.mark.parametrize('trait, expected', [
    (CCA, True), (SHA256, True), (STATELESS, True),
    ('CUSTOM_HW_CPU_AARCH64_CCAX', False),
    ('COMPUTE_SECURITY_UEFI_SECURE_BOOT', False), ('OWNER_NOVA', False),
])
def test_is_root_trait(trait, expected):
    assert scheduling.is_root_trait(trait) is expected
