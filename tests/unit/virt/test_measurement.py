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

"""nova_cca.virt.measurement: what a realm asks for, what its host offers."""

from nova.api.validation.extra_specs import validators
from nova import exception
from nova import objects
from nova.virt import hardware
import pytest

from nova_cca.api.validation.extra_specs import cca as extra_specs
from nova_cca import glossary
from nova_cca.virt import measurement

REALM_SPECS = {'hw:mem_encryption': 'true',
               'hw:mem_encryption_model': 'arm-cca'}
REALM_PROPS = {'hw_architecture': 'aarch64', 'hw_firmware_type': 'uefi',
               'hw_firmware_stateless': True}
CCA = glossary.REALM_TRAIT


def flavor(**specs):
    return objects.Flavor(name='f1', extra_specs=specs)


def realm_flavor(**specs):
    return flavor(**dict(REALM_SPECS, **specs))


def image(**props):
    return objects.ImageMeta.from_dict({'name': 'img', 'properties': props})


def realm_image(**props):
    return image(**dict(REALM_PROPS, **props))


def test_no_choice_is_the_plain_realm_request():
    request = measurement.realm_request(realm_flavor(), realm_image())
    assert request == measurement.RealmRequest(glossary.ARM_CCA, None, None,
                                               False)
    assert request.required_traits() == [CCA]


def test_no_realm_is_no_request():
    assert measurement.realm_request(flavor(), image()) is None
    assert measurement.required_traits(flavor(), image()) == []


@pytest.mark.parametrize('algo', ['sha256', 'sha512'])
def test_algorithm_by_flavor_or_image(algo):
    by_flavor = measurement.realm_request(
        realm_flavor(**{'hw:cca_measurement_algo': algo}), realm_image())
    by_image = measurement.realm_request(
        realm_flavor(), realm_image(hw_cca_measurement_algo=algo))
    both = measurement.realm_request(
        realm_flavor(**{'hw:cca_measurement_algo': algo}),
        realm_image(hw_cca_measurement_algo=algo))
    assert by_flavor == by_image == both
    assert by_flavor.measurement_algo == algo
    assert measurement.required_traits(
        realm_flavor(), realm_image(hw_cca_measurement_algo=algo)) == [
            CCA, glossary.measurement_trait(algo)]


def test_every_setting_and_its_traits():
    request = measurement.realm_request(
        realm_flavor(**{'hw:cca_measurement_algo': 'sha256',
                        'hw:cca_measurement_log': 'True'}),
        realm_image(hw_cca_personalization='uuid'))
    assert request == measurement.RealmRequest(
        'arm-cca', 'sha256', 'uuid', True)
    assert request.required_traits() == [
        CCA, CCA + '_MEASUREMENT_SHA256', CCA + '_PERSONALIZATION',
        CCA + '_MEASUREMENT_LOG']


def test_requests_compare_by_value_and_hash():
    one = measurement.RealmRequest('arm-cca', 'sha256', 'uuid', True)
    assert one == measurement.RealmRequest('arm-cca', 'sha256', 'uuid', True)
    assert one != measurement.RealmRequest('arm-cca', 'sha512', 'uuid', True)
    assert len({one, measurement.RealmRequest('arm-cca', 'sha256', 'uuid',
                                              True)}) == 1
    with pytest.raises(AttributeError):
        one.measurement_algo = 'sha512'


@pytest.mark.parametrize('value', ['false', 'no', '0', False])
def test_log_false_is_no_log(value):
    request = measurement.realm_request(
        realm_flavor(), realm_image(hw_cca_measurement_log=value))
    assert request.measurement_log is False
    assert request.required_traits() == [CCA]


@pytest.mark.parametrize('specs, props, fragments', [
    ({'hw:cca_measurement_algo': 'md5'}, {}, ['hw:cca_measurement_algo=md5',
                                              'sha256, sha512']),
    ({}, {'hw_cca_measurement_algo': 'SHA256'},
     ['hw_cca_measurement_algo=SHA256']),
    ({}, {'hw_cca_personalization': 'random'},
     ['hw_cca_personalization=random', 'uuid']),
    ({'hw:cca_measurement_log': 'maybe'}, {},
     ['hw:cca_measurement_log=maybe']),
    ({'hw:cca_measurement_algo': 'sha256'},
     {'hw_cca_measurement_algo': 'sha512'},
     ['flavor f1', 'hw:cca_measurement_algo=sha256', 'image img',
      'hw_cca_measurement_algo=sha512']),
    ({'hw:cca_measurement_log': 'yes'}, {'hw_cca_measurement_log': 'no'},
     ['hw:cca_measurement_log=yes', 'hw_cca_measurement_log=no']),
])
def test_bad_requests_name_the_key(specs, props, fragments):
    with pytest.raises(exception.FlavorImageConflict) as info:
        measurement.realm_request(realm_flavor(**specs), realm_image(**props))
    for fragment in fragments:
        assert fragment in str(info.value)


@pytest.mark.parametrize('specs, props, key', [
    ({'hw:cca_measurement_algo': 'sha256'}, {}, 'hw:cca_measurement_algo'),
    ({}, {'hw_cca_personalization': 'uuid'}, 'hw_cca_personalization'),
    ({'hw:cca_measurement_log': 'true'}, {}, 'hw:cca_measurement_log'),
])
def test_settings_without_a_realm_are_refused(specs, props, key):
    # Nova itself checks through the activated constraint
    with pytest.raises(exception.FlavorImageConflict) as info:
        hardware.get_mem_encryption_constraint(flavor(**specs),
                                               image(**props))
    assert key in str(info.value)
    assert 'no memory encryption' in str(info.value)


def test_settings_with_another_model_are_refused():
    specs = {'hw:mem_encryption': 'true',
             'hw:mem_encryption_model': 'amd-sev',
             'hw:cca_measurement_algo': 'sha256'}
    with pytest.raises(exception.FlavorImageConflict,
                       match='hw:cca_measurement_algo.*amd-sev'):
        measurement.check_request(
            flavor(**specs), image(hw_firmware_type='uefi'),
            hardware.MemEncryptionConfig.create('amd-sev'))


@pytest.mark.parametrize('algos, rpv, log, expected', [
    ((), False, False, []),
    (('sha256',), False, False, [CCA + '_MEASUREMENT_SHA256']),
    (('sha256', 'sha512'), True, True, [
        CCA + '_MEASUREMENT_SHA256', CCA + '_MEASUREMENT_SHA512',
        CCA + '_PERSONALIZATION', CCA + '_MEASUREMENT_LOG']),
    ((), True, False, [CCA + '_PERSONALIZATION']),
])
def test_host_traits(algos, rpv, log, expected):
    assert measurement.host_traits(algos, rpv, log) == expected


def test_every_request_trait_is_one_a_host_can_report():
    request = measurement.RealmRequest('arm-cca', 'sha512', 'uuid', True)
    offered = [CCA] + measurement.host_traits(('sha256', 'sha512'), True,
                                              True)
    assert set(request.required_traits()) <= set(offered)


# --- the flavor extra spec validators (nova.api.extra_spec_validators) ---

def test_validators_are_loaded_through_novas_entry_point():
    for name in ('hw:cca_measurement_algo', 'hw:cca_personalization',
                 'hw:cca_measurement_log'):
        assert validators.VALIDATORS[name].name == name
    assert [v.name for v in extra_specs.register()] == [
        'hw:cca_measurement_algo', 'hw:cca_personalization',
        'hw:cca_measurement_log']


@pytest.mark.parametrize('name, value', [
    ('hw:cca_measurement_algo', 'sha256'),
    ('hw:cca_measurement_algo', 'sha512'),
    ('hw:cca_personalization', 'uuid'),
    ('hw:cca_measurement_log', 'true'),
    ('hw:cca_measurement_log', 'False'),
])
def test_validators_accept(name, value):
    validators.validate(name, value)


@pytest.mark.parametrize('name, value', [
    ('hw:cca_measurement_algo', 'md5'),
    ('hw:cca_personalization', 'random'),
    ('hw:cca_measurement_log', 'maybe'),
    ('hw:cca_measurement', 'sha256'),
])
def test_validators_refuse(name, value):
    with pytest.raises(exception.ValidationError):
        validators.validate(name, value)
