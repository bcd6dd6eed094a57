"""The activation seam: every registration point, idempotency, version."""

import pathlib
import re
import sys

import pytest
from nova.api.validation.extra_specs import validators
from nova.compute import api as compute_api
from nova import exception
from nova.notifications.objects import image as image_notification
from nova import objects
from nova.objects import fields
from nova.objects import image_meta
from nova.scheduler import request_filter
from nova.scheduler import utils as scheduler_utils
from nova.virt import hardware
from nova.virt.libvirt import host as libvirt_host
from oslo_utils import importutils

import nova_cca
from nova_cca import activation
from nova_cca import model
from nova_cca import scheduling

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
        'host_hook': vars(libvirt_host.Host)['supports_arm_cca'],
        'driver_module': sys.modules[activation.DRIVER_MODULE],
        'coerce': fields.MemEncryptionModelField.AUTO_TYPE.coerce,
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
    from nova_cca import driver
    from nova_cca.simulation import driver as sim_driver
    assert importutils.import_class(
        'nova.virt.libvirt_cca.LibvirtCCADriver') is driver.LibvirtCCADriver
    assert importutils.import_class(
        'nova.virt.libvirt_cca.SimulatedLibvirtCCADriver') is (
            sim_driver.SimulatedLibvirtCCADriver)
    with pytest.raises(ImportError, match='known: LibvirtCCADriver'):
        importutils.import_class('nova.virt.libvirt_cca.Nope')


def test_realm_operations_are_guarded():
    for method in ('suspend', 'live_migrate'):
        assert getattr(getattr(compute_api.API, method),
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
    assert offenders == []
