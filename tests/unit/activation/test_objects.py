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

"""nova_cca.activation.objects: the model value, the realm's settings.

An ImageMetaProps without realm settings is what Nova alone writes
(version 1.44, the same primitive); one with realm settings is version
1.44.1, which a Nova process without nova-cca refuses loudly (issue 19,
item 3). The mixed-process tests deserialize this process's primitives in
a fresh interpreter that never activates nova-cca.
"""

import json
import os
import subprocess
import sys

from nova.notifications.objects import image as image_notification
from nova import objects
from nova.objects import fields
from nova.objects import image_meta
import pytest

from nova_cca.activation import objects as activation_objects

REALM_FIELDS = ('hw_cca_measurement_algo', 'hw_cca_personalization',
                'hw_cca_measurement_log')
#: an image asking for a realm without naming the model: aarch64 implies it
IMPLIED_REALM = {
    'hw_architecture': 'aarch64', 'hw_mem_encryption': True,
    'hw_firmware_type': 'uefi', 'hw_firmware_stateless': True,
    'hw_cca_measurement_algo': 'sha256', 'hw_cca_personalization': 'uuid',
    'hw_cca_measurement_log': 'true'}
EXPLICIT_REALM = {
    'hw_architecture': 'aarch64', 'hw_mem_encryption': True,
    'hw_mem_encryption_model': 'arm-cca', 'hw_firmware_type': 'uefi',
    'hw_firmware_stateless': True}
#: property sets without realm settings, as Nova alone knows them
NOVA_PROPERTIES = {
    'empty': {},
    'plain': {'hw_architecture': 'x86_64', 'hw_disk_bus': 'virtio',
              'os_distro': 'debian'},
    'sev-es': {'hw_mem_encryption': True,
               'hw_mem_encryption_model': 'amd-sev-es',
               'hw_firmware_type': 'uefi', 'hw_machine_type': 'q35'},
    'aarch64': {'hw_architecture': 'aarch64', 'hw_firmware_type': 'uefi'},
}

#: run in a fresh interpreter: Nova alone, nova-cca installed but never
#: activated; prints one JSON document
UNACTIVATED_PRELUDE = '''
import json, sys
from nova import objects
from nova.objects import fields
objects.register_all()
assert 'arm-cca' not in fields.MemEncryptionModel.ALL
'''
UNACTIVATED_EPILOGUE = '''
assert not any(m.startswith('nova_cca') for m in sys.modules), 'nova_cca'
print(json.dumps(out))
'''


def run_unactivated(code, data=None):
    """Run ``code`` in a Nova process without nova-cca; its ``out``."""
    env = dict(os.environ, OS_NOVA_DISABLE_EVENTLET_PATCHING='1')
    result = subprocess.run(
        [sys.executable, '-c',
         UNACTIVATED_PRELUDE + code + UNACTIVATED_EPILOGUE],
        input=json.dumps(data), capture_output=True, text=True, env=env,
        timeout=300)
    assert result.returncode == 0, result.stderr[-3000:]
    return json.loads(result.stdout.strip().splitlines()[-1])


def _image(properties, name='image'):
    return objects.ImageMeta.from_dict({
        'id': 'c0ffee00-0000-4000-8000-000000000001', 'name': name,
        'disk_format': 'qcow2', 'properties': properties})


def _comparable(primitive):
    """``primitive`` as JSON, its change lists sorted (they come from
    sets, whose order differs between processes).
    """
    if isinstance(primitive, dict):
        return {key: sorted(value) if key == 'nova_object.changes' else
                _comparable(value) for key, value in primitive.items()}
    if isinstance(primitive, (list, tuple)):
        return [_comparable(value) for value in primitive]
    return primitive


def _request_spec(image):
    return objects.RequestSpec(
        flavor=objects.Flavor(name='m1', vcpus=1, memory_mb=512, root_gb=1,
                              ephemeral_gb=0, swap=0, extra_specs={}),
        image=image, is_bfv=False, num_instances=1,
        project_id='p', user_id='u',
        instance_uuid='a0000000-0000-4000-8000-000000000001')


# -- the model value -------------------------------------------------------

def test_enum_and_every_field_know_arm_cca():
    assert fields.MemEncryptionModel.ALL.count('arm-cca') == 1
    assert fields.MemEncryptionModel.ARM_CCA == 'arm-cca'
    # Nova's own models are all still there, before ours
    assert fields.MemEncryptionModel.ALL[-1] == 'arm-cca'
    assert {'amd-sev', 'amd-sev-es', 'amd-sev-snp', 'intel-tdx'} <= set(
        fields.MemEncryptionModel.ALL)
    props = image_meta.ImageMetaProps(hw_mem_encryption_model='arm-cca')
    assert props.hw_mem_encryption_model == 'arm-cca'
    # the notification payload shares the Enum
    payload_type = image_notification.ImageMetaPropsPayload.fields[
        'hw_mem_encryption_model']._type
    assert payload_type is fields.MemEncryptionModelField.AUTO_TYPE
    payload_type.coerce(None, 'hw_mem_encryption_model', 'arm-cca')
    with pytest.raises(ValueError, match='arm-xyz'):
        image_meta.ImageMetaProps(hw_mem_encryption_model='arm-xyz')


# -- the realm's image properties ------------------------------------------

@pytest.mark.parametrize('name', REALM_FIELDS)
def test_measurement_image_properties_are_kept(name):
    props = image_meta.ImageMetaProps.from_dict({name: 'x', 'other': 'y'})
    assert props.get(name) == 'x'
    assert 'other' not in props
    # they survive the RPC round trip (RequestSpec.image)
    primitive = props.obj_to_primitive()
    assert image_meta.ImageMetaProps.obj_from_primitive(
        primitive).get(name) == 'x'


@pytest.mark.parametrize('kind', sorted(NOVA_PROPERTIES))
def test_without_realm_settings_the_version_is_novas(kind):
    props = image_meta.ImageMetaProps.from_dict(NOVA_PROPERTIES[kind])
    primitive = props.obj_to_primitive()
    assert primitive['nova_object.version'] == '1.44'
    assert _image(NOVA_PROPERTIES[kind]).obj_to_primitive()[
        'nova_object.data']['properties']['nova_object.version'] == '1.44'


def test_without_realm_settings_the_primitive_is_novas():
    mine = {kind: _image(props, kind).obj_to_primitive()
            for kind, props in NOVA_PROPERTIES.items()}
    novas = run_unactivated('''
data = json.load(sys.stdin)
out = {}
for kind, props in data.items():
    image = objects.ImageMeta.from_dict({
        'id': 'c0ffee00-0000-4000-8000-000000000001', 'name': kind,
        'disk_format': 'qcow2', 'properties': props})
    out[kind] = image.obj_to_primitive()
''', NOVA_PROPERTIES)
    assert _comparable(mine) == _comparable(novas)


@pytest.mark.parametrize('name', REALM_FIELDS)
def test_realm_settings_give_the_realm_version(name):
    assert activation_objects.REALM_PROPS_VERSION == '1.44.1'
    props = image_meta.ImageMetaProps.from_dict(
        {'hw_architecture': 'aarch64', name: 'sha256'})
    primitive = props.obj_to_primitive()
    assert primitive['nova_object.version'] == '1.44.1'
    assert primitive['nova_object.data'][name] == 'sha256'


def test_realm_settings_are_not_backported_to_nova():
    props = image_meta.ImageMetaProps.from_dict(IMPLIED_REALM)
    with pytest.raises(activation_objects.RealmSettingsNotUnderstood,
                       match='hw_cca_measurement_algo, '
                             'hw_cca_measurement_log, '
                             'hw_cca_personalization .*1.44'):
        props.obj_to_primitive(target_version='1.44')
    # as the conductor backports a nested object for a peer's manifest
    image = _image(IMPLIED_REALM)
    with pytest.raises(activation_objects.RealmSettingsNotUnderstood,
                       match='hw_cca_measurement_algo'):
        image.obj_to_primitive(target_version='1.8', version_manifest={
            'ImageMeta': '1.8', 'ImageMetaProps': '1.44'})
    # a backport of properties without realm settings is Nova's
    plain = image_meta.ImageMetaProps.from_dict(NOVA_PROPERTIES['plain'])
    primitive = plain.obj_to_primitive(target_version='1.44')
    assert primitive['nova_object.version'] == '1.44'


def test_an_activated_process_reads_both_versions():
    realm = _image(IMPLIED_REALM).obj_to_primitive()
    plain = _image(NOVA_PROPERTIES['sev-es']).obj_to_primitive()
    assert realm['nova_object.data']['properties'][
        'nova_object.version'] == '1.44.1'
    assert plain['nova_object.data']['properties'][
        'nova_object.version'] == '1.44'
    read = objects.ImageMeta.obj_from_primitive(realm).properties
    for name in REALM_FIELDS:
        assert read.get(name) == IMPLIED_REALM[name]
    read = objects.ImageMeta.obj_from_primitive(plain).properties
    assert read.hw_mem_encryption_model == 'amd-sev-es'
    assert not any(name in read for name in REALM_FIELDS)


# -- mixed processes: a realm never reaches Nova alone silently -------------

DESERIALIZE = '''
data = json.load(sys.stdin)
out = {}
for name, primitive in data.items():
    cls = getattr(objects, primitive['nova_object.name'])
    returned = None
    try:
        returned = cls.obj_from_primitive(primitive)
        image = returned.image if name.endswith('spec') else returned
        out[name] = {'error': None, 'properties': image.properties.
                     obj_to_primitive()['nova_object.data']}
    except Exception as error:
        out[name] = {'error': type(error).__name__, 'message': str(error),
                     'returned': repr(returned)}
'''


def test_mixed_processes_a_realm_fails_loudly_a_plain_server_does_not():
    realm = _image(IMPLIED_REALM, 'realm')
    plain = _image(NOVA_PROPERTIES['plain'], 'plain')
    primitives = {
        'realm': realm.obj_to_primitive(),
        'realm spec': _request_spec(realm).obj_to_primitive(),
        'plain': plain.obj_to_primitive(),
        'plain spec': _request_spec(plain).obj_to_primitive(),
    }
    # nested as Nova nests it
    nested = primitives['realm spec']['nova_object.data']['image']
    assert nested['nova_object.data']['properties'][
        'nova_object.version'] == '1.44.1'

    out = run_unactivated(DESERIALIZE, primitives)

    for name in ('realm', 'realm spec'):
        assert out[name]['error'] == 'IncompatibleObjectVersion', out[name]
        assert out[name]['returned'] == 'None'
        assert '1.44.1 of ImageMetaProps' in out[name]['message']
    for name in ('plain', 'plain spec'):
        assert out[name]['error'] is None, out[name]
        assert out[name]['properties'] == {
            'hw_architecture': 'x86_64', 'hw_disk_bus': 'virtio',
            'os_distro': 'debian'}


def test_mixed_processes_an_explicit_realm_fails_loudly():
    realm = _image(EXPLICIT_REALM, 'realm')
    primitive = realm.obj_to_primitive()
    # no realm setting: Nova's version, refused by the model's value
    assert primitive['nova_object.data']['properties'][
        'nova_object.version'] == '1.44'
    out = run_unactivated(DESERIALIZE, {
        'realm': primitive,
        'realm spec': _request_spec(realm).obj_to_primitive()})
    for name in ('realm', 'realm spec'):
        assert out[name]['error'] == 'ValueError', out[name]
        assert out[name]['returned'] == 'None'
        assert 'arm-cca' in out[name]['message']


def test_mixed_processes_an_explicit_realm_image_fails_loudly_from_glance():
    # the image as the API gets it from Glance
    out = run_unactivated('''
out = {}
try:
    objects.ImageMeta.from_dict({'properties': json.load(sys.stdin)})
    out['error'] = None
except ValueError as error:
    out['error'] = str(error)
''', {**EXPLICIT_REALM, 'hw_mem_encryption': 'true'})
    assert out['error'] is not None
    assert 'arm-cca' in out['error']


def test_mixed_processes_an_implied_realm_from_glance_is_nova_s_limit():
    # Where no object crosses (a process without nova-cca builds the image
    # from Glance's dict or from system_metadata), Nova 34 keeps only the
    # properties it has fields for: it drops hw_cca_* and reads the
    # request as its default model. nova-cca cannot change a process it
    # does not run in; nova-cca-status names such processes, and the
    # activated compute builds a realm from its system_metadata (below)
    # and refuses a setting its host cannot honour (test_driver).
    out = run_unactivated('''
from nova.virt import hardware
props = json.load(sys.stdin)
out = {}
image = objects.ImageMeta.from_dict({'properties': props})
out['kept'] = sorted(k for k in props if k in image.properties)
config = hardware.get_mem_encryption_constraint(
    objects.Flavor(name='m1', extra_specs={}), image)
out['model'] = config.model if config else None
''', {**IMPLIED_REALM, 'hw_mem_encryption': 'true'})
    assert out['model'] == 'amd-sev', out
    assert not [k for k in out['kept'] if k.startswith('hw_cca_')], out


def test_an_activated_process_reads_the_realm_from_system_metadata():
    # the compute and the conductor read a server's image from its
    # system_metadata (image_* keys, written from Glance's properties)
    sysmeta = {'image_%s' % k: str(v) for k, v in IMPLIED_REALM.items()}
    image = objects.ImageMeta.from_dict(
        {'properties': {k[len('image_'):]: v for k, v in sysmeta.items()}})
    for key in ('hw_cca_measurement_algo', 'hw_cca_personalization',
                'hw_cca_measurement_log'):
        assert image.properties.get(key) == str(IMPLIED_REALM[key])
    assert image.properties.obj_to_primitive()['nova_object.version'] == (
        '1.44.1')
