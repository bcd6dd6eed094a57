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

"""nova_cca.activation.virt on Nova's real objects.

For a request that is not a realm the wrapped ``get_mem_encryption_
constraint`` returns Nova's result and reads nothing Nova does not read
(issue 19: a dict flavor, a Flavor without ``name`` or ``extra_specs``);
the config factory returns Nova's config for every Nova model.
"""

from nova import exception
from nova import objects
from nova.objects import fields
from nova.virt import hardware
from nova.virt.libvirt import config as vconfig
from nova.virt.libvirt import host as libvirt_host
from oslo_utils import importutils
import pytest

from nova_cca import activation
from nova_cca.activation import patch as contract
from nova_cca.virt.libvirt import detection
from nova_cca.virt import model

NOVA_MODELS = ('amd-sev', 'amd-sev-es', 'amd-sev-snp', 'intel-tdx')
SEV_IMAGE = {'hw_mem_encryption': True, 'hw_firmware_type': 'uefi',
             'hw_machine_type': 'q35'}
REALM_IMAGE = {'hw_architecture': 'aarch64', 'hw_mem_encryption': True,
               'hw_firmware_type': 'uefi', 'hw_firmware_stateless': True}


def _nova_constraint(*args):
    return contract.original(hardware.get_mem_encryption_constraint)(*args)


def _image(**properties):
    return objects.ImageMeta.from_dict({'properties': properties})


def _same_config(mine, novas):
    if novas is None:
        return mine is None
    return type(mine) is type(novas) and mine.model == novas.model


# -- virt.implied_model: invisible to requests that are not realms ----------

def _flavors():
    """Flavors as Nova's callers hand them over, for no encryption."""
    return {
        'dict with extra specs': {'extra_specs': {}},
        'dict without extra specs': {},
        'dict with other extra specs': {'extra_specs': {'hw:cpu_policy':
                                                        'dedicated'}},
        # no name, no extra_specs, no id: a lazy load would fail
        'Flavor without name and extra_specs': objects.Flavor(vcpus=1),
        'Flavor without name': objects.Flavor(memory_mb=512,
                                              extra_specs={}),
    }


@pytest.mark.parametrize('flavor_kind', sorted(_flavors()))
@pytest.mark.parametrize('image_kind', ['plain', 'sev'])
def test_constraint_of_a_request_without_realm_is_novas(flavor_kind,
                                                        image_kind):
    properties = {'plain': {}, 'sev': SEV_IMAGE}[image_kind]
    flavor = _flavors()[flavor_kind]
    image = _image(**properties)
    mine = hardware.get_mem_encryption_constraint(flavor, image)
    novas = _nova_constraint(flavor, _image(**properties))
    assert _same_config(mine, novas)
    assert (mine and mine.model) == {'plain': None,
                                     'sev': 'amd-sev'}[image_kind]
    if isinstance(flavor, objects.Flavor):
        # nothing was loaded or set on the flavor
        assert 'name' not in flavor
        assert ('extra_specs' in flavor) == (flavor_kind ==
                                             'Flavor without name')


def test_constraint_of_a_sev_flavor_is_novas():
    flavor = objects.Flavor(name='sev', extra_specs={
        'hw:mem_encryption': 'true', 'hw:mem_encryption_model': 'amd-sev-es'})
    image = _image(hw_firmware_type='uefi', hw_machine_type='q35')
    mine = hardware.get_mem_encryption_constraint(flavor, image, 'q35')
    assert _same_config(mine, _nova_constraint(flavor, image, 'q35'))
    assert mine.model == 'amd-sev-es'


def test_nova_refusals_keep_novas_words():
    # a SEV request Nova refuses: same exception, same text
    flavor = objects.Flavor(name='sev', extra_specs={
        'hw:mem_encryption': 'true'})
    image = _image(hw_firmware_type='bios')
    with pytest.raises(exception.FlavorImageConflict) as novas:
        _nova_constraint(flavor, image)
    with pytest.raises(exception.FlavorImageConflict) as mine:
        hardware.get_mem_encryption_constraint(flavor, image)
    assert str(mine.value) == str(novas.value)


def test_aarch64_image_asking_for_encryption_means_a_realm():
    flavor = objects.Flavor(name='m1', extra_specs={})
    config = hardware.get_mem_encryption_constraint(
        flavor, _image(**REALM_IMAGE))
    assert isinstance(config, model.RealmEncryptionConfig)
    assert config.model == 'arm-cca'
    # Nova alone defaults the same request to amd-sev
    assert _nova_constraint(flavor, _image(**REALM_IMAGE)).model == 'amd-sev'
    # x86 keeps Nova's default
    config = hardware.get_mem_encryption_constraint(
        flavor, _image(**dict(REALM_IMAGE, hw_architecture='x86_64')))
    assert config.model == 'amd-sev'


@pytest.mark.parametrize('where', ['flavor', 'image'])
def test_realm_settings_outside_a_realm_are_refused(where):
    flavor = {'name': 'm1', 'extra_specs': {}}
    properties = dict(SEV_IMAGE)
    if where == 'flavor':
        flavor['extra_specs']['hw:cca_measurement_algo'] = 'sha256'
        key = 'hw:cca_measurement_algo'
    else:
        properties['hw_cca_measurement_algo'] = 'sha256'
        key = 'hw_cca_measurement_algo'
    with pytest.raises(exception.FlavorImageConflict,
                       match='%s is for Arm CCA realms only.*amd-sev' % key):
        hardware.get_mem_encryption_constraint(flavor, _image(**properties))


# -- virt.config_factory ---------------------------------------------------

@pytest.mark.parametrize('name', NOVA_MODELS)
def test_config_factory_gives_nova_config_for_nova_models(name):
    assert name in fields.MemEncryptionModel.ALL
    mine = hardware.MemEncryptionConfig.create(name)
    novas = contract.original(
        hardware.MemEncryptionConfig.create.__func__)(
            hardware.MemEncryptionConfig, name)
    assert type(mine) is type(novas)
    assert type(mine).__module__ == 'nova.virt.hardware'
    for attribute in ('model', 'needs_locked_memory', 'required_trait',
                      'required_firmware_type', 'required_machine_type',
                      'needs_stateless_firmware'):
        assert getattr(mine, attribute) == getattr(novas, attribute)


def test_every_model_has_a_config():
    for name in fields.MemEncryptionModel.ALL:
        assert hardware.MemEncryptionConfig.create(name).model == name


def test_config_factory():
    assert isinstance(hardware.MemEncryptionConfig.create('arm-cca'),
                      model.RealmEncryptionConfig)
    assert isinstance(hardware.MemEncryptionConfig.create('amd-sev'),
                      hardware.MemEncryptionConfigSev)
    assert isinstance(hardware.MemEncryptionConfig.create('intel-tdx'),
                      hardware.MemEncryptionConfigTDX)


def test_config_factory_refuses_unknown_models_as_nova_does():
    novas_create = contract.original(
        hardware.MemEncryptionConfig.create.__func__)
    with pytest.raises(Exception) as novas:
        novas_create(hardware.MemEncryptionConfig, 'bogus')
    with pytest.raises(Exception) as mine:
        hardware.MemEncryptionConfig.create('bogus')
    assert type(mine.value) is type(novas.value)
    assert str(mine.value) == str(novas.value)


# -- virt.host_hooks -------------------------------------------------------

def test_plain_libvirt_host_answers_not_supported():
    host = libvirt_host.Host.__new__(libvirt_host.Host)
    assert host.supports_arm_cca is False
    assert host._get_mem_encryption_slots_arm_cca() == 0
    assert host._get_mem_encryption_traits_arm_cca() == []


def test_host_hooks_add_names_and_replace_none():
    for name in ('supports_arm_cca', '_get_mem_encryption_slots_arm_cca',
                 '_get_mem_encryption_traits_arm_cca'):
        assert name in vars(libvirt_host.Host)
    # Nova's own per-model hooks are Nova's
    for name in ('supports_amd_sev', 'supports_intel_tdx'):
        hook = vars(libvirt_host.Host)[name]
        assert hook.fget.__module__ == 'nova.virt.libvirt.host'


# -- virt.domain_caps_features ---------------------------------------------

def test_nova_domain_caps_parser_reads_cca():
    caps = vconfig.LibvirtConfigDomainCaps()
    caps.parse_str(
        "<domainCapabilities><features><sev supported='no'/>"
        "<cca supported='yes'><enum name='measurement-algo'>"
        "<value>sha256</value></enum></cca></features>"
        "</domainCapabilities>")
    cca = [f for f in caps.features
           if isinstance(f, detection.LibvirtConfigDomainCapsFeatureCCA)]
    assert len(cca) == 1
    assert cca[0].supported is True
    assert cca[0].measurement_algos == ['sha256']
    # Nova's own features are still there
    assert any(isinstance(f, vconfig.LibvirtConfigDomainCapsFeatureSev)
               for f in caps.features)


def test_domain_caps_without_cca_parse_as_nova_parses_them():
    xml = ("<domainCapabilities><features><sev supported='no'/>"
           "<hyperv supported='no'/></features></domainCapabilities>")
    caps = vconfig.LibvirtConfigDomainCaps()
    caps.parse_str(xml)
    features = vconfig.LibvirtConfigDomainCapsFeatures()
    contract.original(features.parse_dom.__func__)(
        features, vconfig.etree.fromstring(xml).find('features'))
    assert [type(f) for f in caps.features] == [
        type(f) for f in features.features]


def test_domain_caps_feature_registration_is_idempotent():
    before = vconfig.LibvirtConfigDomainCapsFeatures.parse_dom
    activation.register_domain_caps_features()
    assert vconfig.LibvirtConfigDomainCapsFeatures.parse_dom is before
    assert activation.domain_caps_features_registered()
    caps = vconfig.LibvirtConfigDomainCaps()
    caps.parse_str("<domainCapabilities><features><cca supported='yes'/>"
                   "</features></domainCapabilities>")
    assert len(caps.features) == 1


# -- virt.compute_driver_module --------------------------------------------

def test_compute_driver_is_loadable_under_nova_virt():
    from nova_cca.virt.libvirt import driver
    from nova_cca_simulator import driver as sim_driver
    assert activation.DRIVER_MODULE == 'nova.virt.libvirt_cca'
    assert importutils.import_class(
        'nova.virt.libvirt_cca.LibvirtCCADriver') is driver.LibvirtCCADriver
    # another distribution's driver, from the nova_cca.compute_drivers
    # entry point group
    assert importutils.import_class(
        'nova.virt.libvirt_cca.SimulatedLibvirtCCADriver') is (
            sim_driver.SimulatedLibvirtCCADriver)
    with pytest.raises(ImportError, match='known: LibvirtCCADriver, '
                       'SimulatedLibvirtCCADriver'):
        importutils.import_class('nova.virt.libvirt_cca.Nope')


def test_product_driver_map_has_no_simulated_driver():
    assert activation.virt.DRIVERS == {
        'LibvirtCCADriver': 'nova_cca.virt.libvirt.driver:LibvirtCCADriver'}
    known = activation.virt.known_drivers()
    assert known['SimulatedLibvirtCCADriver'] == (
        'nova_cca_simulator.driver:SimulatedLibvirtCCADriver')
    assert known['LibvirtCCADriver'] == activation.virt.DRIVERS[
        'LibvirtCCADriver']
