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

"""nova_cca.compute.rebuild, request.encryption_request: what rebuilds keep."""

from nova import exception
from nova import objects
import pytest

from nova_cca.compute import rebuild
from nova_cca.virt import request

REALM = {'hw_architecture': 'aarch64', 'hw_firmware_type': 'uefi',
         'hw_firmware_stateless': True, 'hw_machine_type': 'virt'}
BY_IMAGE = dict(REALM, hw_mem_encryption=True,
                hw_mem_encryption_model='arm-cca')
PLAIN = {'hw_architecture': 'aarch64', 'hw_firmware_type': 'uefi'}
SEV = {'hw_architecture': 'x86_64', 'hw_firmware_type': 'uefi',
       'hw_machine_type': 'q35', 'hw_mem_encryption': True,
       'hw_mem_encryption_model': 'amd-sev'}


def flavor(**extra_specs):
    return objects.Flavor(name='f', extra_specs=extra_specs)


REALM_FLAVOR = {'hw:mem_encryption': 'true',
                'hw:mem_encryption_model': 'arm-cca'}


def image(props, image_id='new-image'):
    return {'id': image_id, 'name': image_id, 'properties': dict(props)}


class Instance:
    uuid = 'c0ffee00-0000-4000-8000-000000000001'

    def __init__(self, props, host='cca-1', node='cca-1', specs=None):
        self.image_meta = objects.ImageMeta.from_dict(image(props, 'old'))
        self.flavor = flavor(**(specs or {}))
        self.host = host
        self.node = node


@pytest.mark.parametrize('specs, props, expected', [
    ({}, PLAIN, None),
    ({}, BY_IMAGE, 'arm-cca'),
    (REALM_FLAVOR, REALM, 'arm-cca'),
    # an aarch64 image asking for encryption without a model means a realm
    ({}, dict(REALM, hw_mem_encryption=True), 'arm-cca'),
    ({}, SEV, 'amd-sev'),
])
def test_encryption_request(specs, props, expected):
    got = request.encryption_request(
        flavor(**specs), objects.ImageMeta.from_dict(image(props)))
    assert got == request.EncryptionRequest(expected)
    assert got.model == expected


def test_requests_compare_by_value_and_describe_themselves():
    assert request.EncryptionRequest('arm-cca') == request.EncryptionRequest(
        'arm-cca')
    assert request.EncryptionRequest() != request.EncryptionRequest(
        'arm-cca')
    assert str(request.EncryptionRequest()) == 'no memory encryption'
    assert str(request.EncryptionRequest('arm-cca')) == 'arm-cca'
    assert hash(request.EncryptionRequest('arm-cca'))


@pytest.mark.parametrize('specs, old, new', [
    ({}, PLAIN, PLAIN),
    ({}, BY_IMAGE, dict(BY_IMAGE, hw_machine_type='virt-9.2')),
    # the flavor asks: any image keeps the request
    (REALM_FLAVOR, REALM, dict(REALM, hw_mem_encryption_model='arm-cca')),
    # implied by the architecture or named: the same realm
    ({}, dict(REALM, hw_mem_encryption=True), BY_IMAGE),
])
def test_rebuild_keeping_the_request_passes(specs, old, new):
    rebuild.check_new_image(Instance(old, specs=specs), flavor(**specs),
                            image(new))


@pytest.mark.parametrize('old, new, fragments', [
    (PLAIN, BY_IMAGE, ['from no memory encryption to arm-cca',
                       'hw_mem_encryption=True (now unset)',
                       'hw_mem_encryption_model=arm-cca (now unset)']),
    (BY_IMAGE, PLAIN, ['from arm-cca to no memory encryption',
                       'hw_mem_encryption=unset (now True)']),
    (BY_IMAGE, SEV, ['from arm-cca to amd-sev',
                     'hw_mem_encryption_model=amd-sev (now arm-cca)',
                     'hw_architecture=x86_64 (now aarch64)']),
])
def test_rebuild_changing_the_request_is_refused(old, new, fragments):
    instance = Instance(old)
    with pytest.raises(rebuild.EncryptionRequestChanged) as info:
        rebuild.check_new_image(instance, flavor(), image(new))
    message = info.value.format_message()
    assert isinstance(info.value, exception.ImageUnacceptable)  # 400
    assert message.startswith('Image new-image is unacceptable: ')
    assert instance.uuid in message
    for fragment in fragments:
        assert fragment in message


@pytest.mark.parametrize('host, node, node_type, props, keeps', [
    # the realm's rebuild failed on its own host
    ('cca-1', 'cca-1', 'destination', BY_IMAGE, True),
    # a plain server: Nova's own behaviour
    ('cca-1', 'cca-1', 'destination', PLAIN, False),
    # an evacuation to cca-2 failed: its allocation there goes
    ('cca-2', 'cca-2', 'destination', BY_IMAGE, False),
    # the old host of an evacuated realm cleans up
    ('cca-1', 'cca-1', 'source', BY_IMAGE, False),
])
def test_keeps_allocation_after_failure(host, node, node_type, props,
                                        keeps):
    instance = Instance(props)
    assert rebuild.keeps_allocation_after_failure(
        instance, host, node, node_type) is keeps


@pytest.mark.parametrize('old, new, fragment', [
    ({}, {'hw_cca_personalization': 'uuid'}, 'personalization unset -> uuid'),
    ({'hw_cca_personalization': 'uuid'}, {}, 'personalization uuid -> unset'),
    ({'hw_cca_measurement_algo': 'sha256'},
     {'hw_cca_measurement_algo': 'sha512'},
     'measurement_algo sha256 -> sha512'),
    ({'hw_cca_measurement_log': 'true'}, {}, 'measurement_log true -> false'),
])
def test_rebuild_changing_how_the_realm_is_measured_is_refused(
        old, new, fragment):
    instance = Instance(dict(REALM, **old), specs=REALM_FLAVOR)
    with pytest.raises(exception.FlavorImageConflict) as info:
        rebuild.check_new_image(instance, instance.flavor,
                                image(dict(REALM, **new)))
    assert fragment in str(info.value)
    assert 'Rebuild with image new-image' in str(info.value)


def test_rebuild_keeping_how_the_realm_is_measured_passes():
    props = dict(REALM, hw_cca_personalization='uuid',
                 hw_cca_measurement_log='true')
    instance = Instance(props, specs=dict(
        REALM_FLAVOR, **{'hw:cca_measurement_algo': 'sha256'}))
    rebuild.check_new_image(instance, instance.flavor, image(props))
