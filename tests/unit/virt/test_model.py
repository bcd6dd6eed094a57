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

"""nova_cca.virt.model: what a realm needs from Nova, and what it refuses."""

from nova import exception
from nova import objects
from nova.virt import hardware
import pytest

from nova_cca.virt import model

GOOD_PROPS = {
    'hw_architecture': 'aarch64',
    'hw_firmware_type': 'uefi',
    'hw_machine_type': 'virt',
    'hw_firmware_stateless': True,
}

REQUESTERS = ['hw:mem_encryption extra spec in f flavor']


def image(**props):
    return objects.ImageMeta.from_dict({'properties': props})


def good_image(**overrides):
    props = dict(GOOD_PROPS, **overrides)
    return image(**{k: v for k, v in props.items() if v is not None})


def check(image_meta, machine_type=None, requesters=REQUESTERS):
    return model.RealmEncryptionConfig().check_constraints(
        image_meta, machine_type, requesters)


# --- properties -----------------------------------------------------------

def test_realm_config_properties():
    config = model.RealmEncryptionConfig()
    assert config.model == 'arm-cca'
    assert config.needs_locked_memory is False
    assert config.required_trait == 'CUSTOM_HW_CPU_AARCH64_CCA'
    assert config.required_firmware_type == 'uefi'
    assert config.required_machine_type == 'virt'
    assert config.needs_stateless_firmware is True


def test_realm_config_is_a_nova_mem_encryption_config():
    config = model.RealmEncryptionConfig()
    assert isinstance(config, hardware.MemEncryptionConfig)
    # equality in Nova is by model
    assert config == model.RealmEncryptionConfig()
    assert config != hardware.MemEncryptionConfigSev()


def test_nova_factory_creates_realm_config():
    config = hardware.MemEncryptionConfig.create('arm-cca')
    assert isinstance(config, model.RealmEncryptionConfig)


# --- check_constraints: accepted ----------------------------------------

def test_check_constraints_accepts_good_image():
    assert check(good_image()) is None


@pytest.mark.parametrize('machine', ['virt', 'virt-9.2'])
def test_check_constraints_accepts_virt_machine_in_image(machine):
    assert check(good_image(hw_machine_type=machine)) is None


@pytest.mark.parametrize('machine', ['virt', 'virt-9.2'])
def test_check_constraints_accepts_virt_machine_argument(machine):
    assert check(good_image(hw_machine_type=None), machine_type=machine) \
        is None


def test_check_constraints_accepts_unset_architecture_and_machine():
    # machine type is then validated by the driver
    assert check(good_image(hw_architecture=None,
                            hw_machine_type=None)) is None


def test_check_constraints_accepts_aarch64_emulation_architecture():
    assert check(good_image(hw_emulation_architecture='aarch64')) is None


# --- check_constraints: refused -----------------------------------------

@pytest.mark.parametrize('props, exc, needle', [
    ({'hw_architecture': 'x86_64'},
     exception.FlavorImageConflict, 'hw_architecture=x86_64'),
    ({'hw_emulation_architecture': 'x86_64'},
     exception.FlavorImageConflict, 'hw_emulation_architecture=x86_64'),
    ({'hw_firmware_type': 'bios'},
     exception.FlavorImageConflict, 'hw_firmware_type=bios'),
    ({'hw_machine_type': 'q35'},
     exception.InvalidMachineType, 'hw_machine_type=q35'),
    ({'hw_firmware_stateless': None},
     exception.StatelessFirmwareRequired, 'hw_firmware_stateless=unset'),
    ({'hw_firmware_stateless': False},
     exception.StatelessFirmwareRequired, 'hw_firmware_stateless=False'),
])
def test_check_constraints_refuses(props, exc, needle):
    with pytest.raises(exc) as info:
        check(good_image(**props))
    message = str(info.value)
    assert needle in message
    # names who asked for the realm
    assert REQUESTERS[0] in message


def test_missing_firmware_type_is_refused_naming_firmware_type():
    # Nova honours hw_firmware_stateless only with hw_firmware_type=uefi
    # (hardware.get_stateless_firmware_constraint), so an image that asks
    # for stateless firmware but names no firmware type cannot be a realm.
    # The refusal must name the key that is actually wrong
    # (hw_firmware_type), not tell the user to set hw_firmware_stateless,
    # which the image already sets to true.
    with pytest.raises((exception.FlavorImageConflict,
                        exception.StatelessFirmwareRequired)) as info:
        check(good_image(hw_firmware_type=None))
    message = str(info.value)
    assert 'hw_firmware_type' in message
    assert 'hw_firmware_stateless=True' not in message


def test_check_constraints_refuses_machine_type_argument():
    with pytest.raises(exception.InvalidMachineType) as info:
        check(good_image(hw_machine_type=None), machine_type='pc')
    assert 'hw_machine_type=pc' in str(info.value)


def test_machine_type_argument_wins_over_image_property():
    # the driver passes the resolved machine type: it is what is checked
    with pytest.raises(exception.InvalidMachineType) as info:
        check(good_image(hw_machine_type='virt'), machine_type='pc')
    assert 'hw_machine_type=pc' in str(info.value)
    assert check(good_image(hw_machine_type='q35'),
                 machine_type='virt') is None


@pytest.mark.parametrize('machine', ['pc-q35-virt', 'virtio', 'xvirt'])
def test_machine_type_must_be_virt_not_contain_it(machine):
    with pytest.raises(exception.InvalidMachineType) as info:
        check(good_image(hw_machine_type=machine))
    assert 'hw_machine_type=%s' % machine in str(info.value)


def test_refusal_names_the_image():
    image_meta = objects.ImageMeta.from_dict({
        'id': 'c0ffee00-0000-4000-8000-000000000001', 'name': 'realm-img',
        'properties': dict(GOOD_PROPS, hw_firmware_type='bios')})
    with pytest.raises(exception.FlavorImageConflict) as info:
        check(image_meta)
    assert 'realm-img (c0ffee00-0000-4000-8000-000000000001)' in \
        str(info.value)


def test_refusal_of_image_without_id():
    with pytest.raises(exception.FlavorImageConflict) as info:
        check(good_image(hw_firmware_type='bios'))
    assert '<no-id>' in str(info.value)


# --- nova.virt.hardware.get_mem_encryption_constraint end to end ----------

def flavor(**extra_specs):
    return objects.Flavor(name='f', extra_specs=extra_specs)


REALM_IMAGE = dict(GOOD_PROPS)


def test_get_constraint_flavor_arm_cca():
    config = hardware.get_mem_encryption_constraint(
        flavor(**{'hw:mem_encryption': 'true',
                  'hw:mem_encryption_model': 'arm-cca'}),
        image(**REALM_IMAGE))
    assert isinstance(config, model.RealmEncryptionConfig)
    assert config.model == 'arm-cca'


def test_get_constraint_image_arm_cca():
    config = hardware.get_mem_encryption_constraint(
        flavor(),
        image(hw_mem_encryption=True, hw_mem_encryption_model='arm-cca',
              **REALM_IMAGE))
    assert isinstance(config, model.RealmEncryptionConfig)


def test_get_constraint_flavor_arm_cca_image_amd_sev_conflict():
    with pytest.raises(exception.FlavorImageConflict):
        hardware.get_mem_encryption_constraint(
            flavor(**{'hw:mem_encryption': 'true',
                      'hw:mem_encryption_model': 'arm-cca'}),
            image(hw_mem_encryption_model='amd-sev', **REALM_IMAGE))


def test_get_constraint_aarch64_image_without_model_is_arm_cca():
    config = hardware.get_mem_encryption_constraint(
        flavor(), image(hw_mem_encryption=True, **REALM_IMAGE))
    assert isinstance(config, model.RealmEncryptionConfig)


def test_get_constraint_aarch64_flavor_request_without_model_is_arm_cca():
    config = hardware.get_mem_encryption_constraint(
        flavor(**{'hw:mem_encryption': 'true'}), image(**REALM_IMAGE))
    assert isinstance(config, model.RealmEncryptionConfig)


def test_get_constraint_implied_arm_cca_still_checks_constraints():
    with pytest.raises(exception.InvalidMachineType) as info:
        hardware.get_mem_encryption_constraint(
            flavor(), image(hw_mem_encryption=True,
                            **dict(REALM_IMAGE, hw_machine_type='q35')))
    assert 'hw_machine_type=q35' in str(info.value)


def test_get_constraint_without_architecture_keeps_nova_default_sev():
    config = hardware.get_mem_encryption_constraint(
        flavor(), image(hw_mem_encryption=True, hw_firmware_type='uefi',
                        hw_machine_type='q35'))
    assert not isinstance(config, model.RealmEncryptionConfig)
    assert config.model == 'amd-sev'


def test_get_constraint_no_encryption_requested():
    assert hardware.get_mem_encryption_constraint(
        flavor(), image(**REALM_IMAGE)) is None
