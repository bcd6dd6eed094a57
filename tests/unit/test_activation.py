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

"""The activation seam: every registration point, idempotency, version."""

import ast
import pathlib
import re
import subprocess
import sys

from nova.api.validation.extra_specs import validators
from nova.compute import api as compute_api
from nova.compute import resource_tracker
from nova import exception
from nova.notifications.objects import image as image_notification
from nova import objects
from nova.objects import fields
from nova.objects import image_meta
from nova.scheduler import request_filter
from nova.scheduler import utils as scheduler_utils
from nova.virt import hardware
from nova.virt.libvirt import config as vconfig
from nova.virt.libvirt import host as libvirt_host
from oslo_utils import importutils
import pytest

import nova_cca
from nova_cca import activation
from nova_cca import glossary
from nova_cca.scheduler import realm_traits as scheduling
from nova_cca.virt.libvirt import detection
from nova_cca.virt import model

MODEL = 'hw:mem_encryption_model'


def _state():
    """Everything activate() touches, by identity and value."""
    return {
        'ALL': fields.MemEncryptionModel.ALL,
        'valid': fields.MemEncryptionModelField.AUTO_TYPE._valid_values,
        'validator': validators.VALIDATORS[MODEL],
        'create': hardware.MemEncryptionConfig.__dict__['create'].__func__,
        'constraint': hardware.get_mem_encryption_constraint,
        'suspend': compute_api.API.suspend,
        'live_migrate': compute_api.API.live_migrate,
        'rebuild_check': vars(compute_api.API)['_validate_numa_rebuild'],
        'failed_rebuild': vars(resource_tracker.ResourceTracker)[
            'delete_allocation_for_evacuated_instance'],
        'host_hook': vars(libvirt_host.Host)['supports_arm_cca'],
        'driver_module': sys.modules[activation.DRIVER_MODULE],
        'coerce': fields.MemEncryptionModelField.AUTO_TYPE.coerce,
        'domain_caps_features':
            vconfig.LibvirtConfigDomainCapsFeatures.parse_dom,
        'image_property': image_meta.ImageMetaProps.fields[
            'hw_cca_measurement_algo'],
        'image_accessor': vars(image_meta.ImageMetaProps)[
            'hw_cca_measurement_algo'],
        'realm_traits': vars(scheduler_utils.ResourceRequest)[
            '_translate_mem_encryption_request'],
        'request_filters': request_filter.ALL_REQUEST_FILTERS,
        # appended once: same list, same length
        'request_filter_count': len(request_filter.ALL_REQUEST_FILTERS),
        'resources_from_request_spec':
            scheduler_utils.resources_from_request_spec,
    }


@pytest.fixture
def rerun():
    """Let activate() run its steps again in this test."""
    assert activation.is_active()
    activation._active = False
    yield
    activation._active = True


def test_enum_and_every_field_know_arm_cca():
    assert fields.MemEncryptionModel.ALL.count('arm-cca') == 1
    assert fields.MemEncryptionModel.ARM_CCA == 'arm-cca'
    props = image_meta.ImageMetaProps(hw_mem_encryption_model='arm-cca')
    assert props.hw_mem_encryption_model == 'arm-cca'
    payload_type = image_notification.ImageMetaPropsPayload.fields[
        'hw_mem_encryption_model']._type
    payload_type.coerce(None, 'hw_mem_encryption_model', 'arm-cca')
    with pytest.raises(ValueError, match='hw_mem_encryption_model=arm-xyz '
                       'is not a memory encryption model .*arm-cca'):
        image_meta.ImageMetaProps(hw_mem_encryption_model='arm-xyz')


@pytest.mark.parametrize('name', ['hw_cca_measurement_algo',
                                  'hw_cca_personalization',
                                  'hw_cca_measurement_log'])
def test_measurement_image_properties_are_kept(name):
    props = image_meta.ImageMetaProps.from_dict({name: 'x', 'other': 'y'})
    assert props.get(name) == 'x'
    assert 'other' not in props
    # they survive the RPC round trip (RequestSpec.image)
    primitive = props.obj_to_primitive()
    assert image_meta.ImageMetaProps.obj_from_primitive(
        primitive).get(name) == 'x'


def test_realm_requests_ask_for_their_measurement_traits():
    from nova import objects
    flavor = objects.Flavor(name='f', extra_specs={
        'hw:mem_encryption': 'true', 'hw:mem_encryption_model': 'arm-cca',
        'hw:cca_measurement_algo': 'sha256',
        'hw:cca_measurement_log': 'true'})
    image = objects.ImageMeta.from_dict({'properties': {
        'hw_architecture': 'aarch64', 'hw_firmware_type': 'uefi',
        'hw_firmware_stateless': True, 'hw_cca_personalization': 'uuid'}})
    request = scheduler_utils.ResourceRequest()
    request._translate_mem_encryption_request(flavor, image)
    assert request.get_request_group(None).required_traits == {
        glossary.REALM_TRAIT, glossary.REALM_TRAIT + '_MEASUREMENT_SHA256',
        glossary.REALM_TRAIT + '_PERSONALIZATION',
        glossary.REALM_TRAIT + '_MEASUREMENT_LOG'}


def test_flavor_validator_accepts_arm_cca_only_besides_nova_models():
    validators.validate(MODEL, 'arm-cca')
    validators.validate(MODEL, 'amd-sev')
    with pytest.raises(exception.ValidationError, match='arm-cca'):
        validators.validate(MODEL, 'arm-xyz')
    assert validators.VALIDATORS[MODEL].value['enum'].count('arm-cca') == 1


def test_config_factory():
    assert isinstance(hardware.MemEncryptionConfig.create('arm-cca'),
                      model.RealmEncryptionConfig)
    assert isinstance(hardware.MemEncryptionConfig.create('amd-sev'),
                      hardware.MemEncryptionConfigSev)
    assert isinstance(hardware.MemEncryptionConfig.create('intel-tdx'),
                      hardware.MemEncryptionConfigTDX)
    with pytest.raises(exception.Invalid, match="'bogus'.*arm-cca"):
        hardware.MemEncryptionConfig.create('bogus')


def test_plain_libvirt_host_answers_not_supported():
    host = libvirt_host.Host.__new__(libvirt_host.Host)
    assert host.supports_arm_cca is False
    assert host._get_mem_encryption_slots_arm_cca() == 0
    assert host._get_mem_encryption_traits_arm_cca() == []


def test_compute_driver_is_loadable_under_nova_virt():
    from nova_cca.virt.libvirt import driver
    from nova_cca_simulator import driver as sim_driver
    assert importutils.import_class(
        'nova.virt.libvirt_cca.LibvirtCCADriver') is driver.LibvirtCCADriver
    assert importutils.import_class(
        'nova.virt.libvirt_cca.SimulatedLibvirtCCADriver') is (
            sim_driver.SimulatedLibvirtCCADriver)
    with pytest.raises(ImportError, match='known: LibvirtCCADriver'):
        importutils.import_class('nova.virt.libvirt_cca.Nope')


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


def test_domain_caps_feature_registration_is_idempotent():
    before = vconfig.LibvirtConfigDomainCapsFeatures.parse_dom
    activation.register_domain_caps_features()
    assert vconfig.LibvirtConfigDomainCapsFeatures.parse_dom is before
    assert activation.domain_caps_features_registered()
    caps = vconfig.LibvirtConfigDomainCaps()
    caps.parse_str("<domainCapabilities><features><cca supported='yes'/>"
                   "</features></domainCapabilities>")
    assert len(caps.features) == 1


def test_product_driver_map_has_no_simulated_driver():
    # a fresh interpreter: only the simulation registers its driver
    code = ('from nova_cca import activation; '
            'print(sorted(activation.DRIVERS)); '
            'import nova_cca_simulator; '
            'print(sorted(activation.DRIVERS))')
    out = subprocess.run([sys.executable, '-c', code], check=True,
                         capture_output=True, text=True).stdout.split('\n')
    assert out[0] == "['LibvirtCCADriver']"
    assert out[1] == "['LibvirtCCADriver', 'SimulatedLibvirtCCADriver']"


def test_register_compute_driver_is_idempotent(monkeypatch):
    monkeypatch.setattr(activation, 'DRIVERS', dict(activation.DRIVERS))
    module = 'nova_cca.virt.libvirt.driver'
    activation.register_compute_driver('ExtraDriver', module)
    before = dict(activation.DRIVERS)
    activation.register_compute_driver('ExtraDriver', module)
    assert activation.DRIVERS == before
    with pytest.raises(ValueError, match='libvirt_cca.ExtraDriver is '
                       'already nova_cca.virt.libvirt.driver.ExtraDriver, '
                       'not x.y'):
        activation.register_compute_driver('ExtraDriver', 'x.y')
    with pytest.raises(ValueError, match="'not a name' is not an "
                       'identifier'):
        activation.register_compute_driver('not a name', 'x')
    assert activation.DRIVERS == before


def test_product_code_does_not_need_fixtures():
    # fixtures is in the 'simulate' extra: only the simulation imports it
    root = pathlib.Path(nova_cca.__file__).parent
    importers = []
    for path in root.rglob('*.py'):
        if 'simulation' in path.relative_to(root).parts:
            continue
        tree = ast.parse(path.read_text())
        for node in ast.walk(tree):
            names = ([a.name for a in node.names]
                     if isinstance(node, ast.Import) else
                     [node.module or ''] if isinstance(node, ast.ImportFrom)
                     else [])
            if any(n == 'fixtures' or n.startswith('fixtures.')
                   for n in names):
                importers.append(str(path.relative_to(root)))
    assert importers == []


def test_realm_operations_are_guarded():
    for method in ('suspend', 'live_migrate'):
        assert getattr(getattr(compute_api.API, method),
                       activation._MARK, False)


def test_rebuild_image_check_stays_a_staticmethod():
    wrapped = vars(compute_api.API)['_validate_numa_rebuild']
    assert isinstance(wrapped, staticmethod)
    assert getattr(compute_api.API._validate_numa_rebuild, activation._MARK)


def test_failed_rebuild_allocation_is_guarded():
    assert getattr(resource_tracker.ResourceTracker.
                   delete_allocation_for_evacuated_instance,
                   activation._MARK, False)


def test_realm_request_filter_runs_last_once():
    filters = request_filter.ALL_REQUEST_FILTERS
    assert filters.count(scheduling.require_realm_traits_on_root) == 1
    assert filters[-1] is scheduling.require_realm_traits_on_root
    # Nova's own filters are all still there, before ours
    assert request_filter.owner_nova_filter in filters[:-1]
    assert request_filter.isolate_aggregates in filters[:-1]


def test_scheduler_drops_traits_required_on_root(monkeypatch):
    # the wrapped resources_from_request_spec hands Nova's ResourceRequest
    # to drop_traits_required_on_root, then returns it
    wrapped = scheduler_utils.resources_from_request_spec
    assert getattr(wrapped, activation._MARK, False)
    seen = []
    monkeypatch.setattr(scheduling, 'drop_traits_required_on_root',
                        lambda spec, res: seen.append((spec, res)))
    spec = objects.RequestSpec(
        flavor=objects.Flavor(name='f', vcpus=1, memory_mb=512, root_gb=1,
                              ephemeral_gb=0, swap=0, extra_specs={}),
        image=objects.ImageMeta.from_dict({'properties': {}}),
        is_bfv=False)
    resources = wrapped(None, spec, None)
    assert seen == [(spec, resources)]
    assert isinstance(resources, scheduler_utils.ResourceRequest)


def test_second_call_changes_nothing(rerun):
    before = _state()
    nova_cca.activate()
    after = _state()
    assert before == after
    for key in before:
        assert before[key] is after[key], key


def test_activate_is_a_no_op_once_active():
    before = _state()
    nova_cca.activate()
    assert _state() == before


@pytest.mark.parametrize('version', ['33.0.2', '35.0.0', '3.4.0', '340.1'])
def test_unsupported_nova_version_is_refused(version):
    with pytest.raises(nova_cca.UnsupportedNovaVersion,
                       match='Nova 34.x.*nova %s' % re.escape(version)):
        activation.check_nova_version(version)


@pytest.mark.parametrize('version', ['34.0.0', '34.1.2', '34.0.0.0rc1'])
def test_supported_nova_version(version):
    activation.check_nova_version(version)


def test_activate_refuses_wrong_installed_nova_and_changes_nothing(
        rerun, monkeypatch):
    monkeypatch.setattr(activation, 'installed_nova_version',
                        lambda: '35.0.0')
    before = _state()
    with pytest.raises(nova_cca.UnsupportedNovaVersion):
        nova_cca.activate()
    assert not activation.is_active()
    assert _state() == before


def test_only_the_activation_module_patches_nova():
    root = pathlib.Path(nova_cca.__file__).parent
    patching = re.compile(
        r'mock\.patch|monkeypatch|MonkeyPatch|setattr\(|'
        r'^\s*(nova|hardware|fields|validators|compute_api|\w+\.Host|'
        r'\w+\.API|sys\.modules)(\.\w+|\[[^]]+\])+\s*=[^=]', re.MULTILINE)
    # the pattern does see the changes activation.py makes
    assert len(patching.findall((root / 'activation.py').read_text())) >= 5
    offenders = []
    for path in root.rglob('*.py'):
        if path.name == 'activation.py':
            continue
        text = path.read_text()
        # Nova's own concurrency set-up, called by Nova's WSGI modules too
        text = text.replace('monkey_patch.patch(', '')
        offenders += ['%s: %s' % (path.relative_to(root), m.group(0))
                      for m in patching.finditer(text)]
    # A simulated compute process stands in Nova's fake libvirt for the
    # libvirt binding (not Nova) before Nova imports it.
    allowed = ["simulation/process.py:     sys.modules['libvirt'] = "]
    assert sorted(offenders) == allowed
