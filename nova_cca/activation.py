"""The one place where nova-cca changes Nova.

Nova 34 has no plug-in point for a new memory-encryption model: the model
enum, the ``hw:mem_encryption_model`` extra-spec validator, the
``MemEncryptionConfig`` factory, the default model, the compute driver
import path (``nova.virt.<name>``) and the scheduler's request filters are
all closed. :func:`activate` opens them for ``arm-cca`` in the current
process. It must run in every Nova
process of a deployment (API, metadata API, conductor, scheduler, compute,
nova-manage) before the service starts; the ``nova-cca-*`` commands and
WSGI modules do that.

Everything here is idempotent: a second call changes nothing.
"""

import functools
import importlib
import importlib.metadata
import sys
import threading
import types

SUPPORTED_NOVA_MAJOR = 34

#: attribute set on every function this module wraps
_MARK = '__nova_cca_wrapped__'
#: compute_driver = libvirt_cca.<name>: where each driver class lives
DRIVER_MODULE = 'nova.virt.libvirt_cca'
DRIVERS = {
    'LibvirtCCADriver': 'nova_cca.driver',
    # the same driver on a simulated host (nova-cca simulate, tests)
    'SimulatedLibvirtCCADriver': 'nova_cca.simulation.driver',
}

_lock = threading.Lock()
_active = False


class UnsupportedNovaVersion(RuntimeError):
    """The installed Nova is not the one nova-cca was written for."""


def installed_nova_version():
    return importlib.metadata.version('nova')


def check_nova_version(version=None):
    """Fail loudly unless ``version`` (default: installed Nova) is 34.x."""
    version = version or installed_nova_version()
    major = version.split('.', 1)[0]
    if major != str(SUPPORTED_NOVA_MAJOR):
        raise UnsupportedNovaVersion(
            'nova-cca supports Nova %d.x (2026.2) only, but nova %s is '
            'installed; refusing to change it.'
            % (SUPPORTED_NOVA_MAJOR, version))


def activate():
    """Make ``arm-cca`` a memory-encryption model of Nova in this process."""
    global _active
    with _lock:
        if _active:
            return
        check_nova_version()
        _register_options()
        _register_model()
        _register_flavor_validator()
        _register_config_factory()
        _register_implied_model()
        _register_host_hooks()
        _register_compute_driver()
        _register_realm_lifecycle()
        _register_realm_scheduling()
        _active = True


def is_active():
    return _active


def _wrap(owner, name, make_wrapper):
    """Replace ``owner.name`` by ``make_wrapper(original)``, once."""
    original = getattr(owner, name)
    if getattr(original, _MARK, False):
        return
    wrapper = make_wrapper(original)
    setattr(wrapper, _MARK, True)
    setattr(owner, name, wrapper)


def _register_options():
    # [arm_cca] in nova.conf, for every service and nova-manage
    from nova_cca import conf  # noqa: F401  registers on import


def _register_model():
    # MemEncryptionModel.ALL and the valid values of the Enum shared by every
    # MemEncryptionModelField (ImageMetaProps, ImageMetaPropsPayload).
    from nova.objects import fields

    from nova_cca import model

    enum_cls = fields.MemEncryptionModel
    enum_cls.ARM_CCA = model.ARM_CCA
    if model.ARM_CCA not in enum_cls.ALL:
        enum_cls.ALL = tuple(enum_cls.ALL) + (model.ARM_CCA,)
    shared = fields.MemEncryptionModelField.AUTO_TYPE
    if model.ARM_CCA not in shared._valid_values:
        shared._valid_values = tuple(shared._valid_values) + (model.ARM_CCA,)

    # "Field value X is invalid" names neither the property nor the models:
    # say both (the API returns this text with its 400).
    def make(original):
        @functools.wraps(original)
        def coerce(obj, attr, value):
            if value not in shared._valid_values:
                raise ValueError(
                    '%s=%s is not a memory encryption model (valid: %s)'
                    % (attr, value, ', '.join(shared._valid_values)))
            return original(obj, attr, value)
        return coerce

    _wrap(shared, 'coerce', make)


def _register_flavor_validator():
    # The API validates extra specs against validators.VALIDATORS at call
    # time (microversion >= 2.86).
    import dataclasses

    from nova.api.validation.extra_specs import validators

    from nova_cca import model

    key = 'hw:mem_encryption_model'
    current = validators.VALIDATORS[key]
    if model.ARM_CCA in current.value['enum']:
        return
    value = dict(current.value,
                 enum=list(current.value['enum']) + [model.ARM_CCA])
    validators.VALIDATORS[key] = dataclasses.replace(current, value=value)


def _register_config_factory():
    from nova import exception
    from nova.objects import fields
    from nova.virt import hardware

    from nova_cca import model

    base = hardware.MemEncryptionConfig
    original = base.__dict__['create'].__func__
    if getattr(original, _MARK, False):
        return

    @functools.wraps(original)
    def create(cls, model_name):
        if model_name == model.ARM_CCA:
            return model.RealmEncryptionConfig()
        if model_name not in fields.MemEncryptionModel.ALL:
            raise exception.Invalid(
                'Invalid memory encryption model %r. Allowed values: %s.'
                % (model_name, ', '.join(fields.MemEncryptionModel.ALL)))
        return original(cls, model_name)

    setattr(create, _MARK, True)
    base.create = classmethod(create)


def _register_implied_model():
    # Nova defaults a request without a model to amd-sev; on an aarch64
    # image it means arm-cca (see nova_cca.request). Every caller looks the
    # function up on the module at call time.
    from nova.virt import hardware

    from nova_cca import request

    def make(original):
        @functools.wraps(original)
        def get_mem_encryption_constraint(flavor, image_meta,
                                          machine_type=None):
            return original(flavor,
                            request.with_implied_model(flavor, image_meta),
                            machine_type)
        return get_mem_encryption_constraint

    _wrap(hardware, 'get_mem_encryption_constraint', make)


def _register_host_hooks():
    # Host.get_mem_encryption_inventories() calls supports_<model>,
    # _get_mem_encryption_slots_<model>() and _get_mem_encryption_traits_
    # <model>() for every model in ALL: a plain libvirt host answers "no".
    # nova_cca.host.RealmHost overrides them.
    from nova.virt.libvirt import host

    if 'supports_arm_cca' in vars(host.Host):
        return
    host.Host.supports_arm_cca = property(lambda self: False)
    host.Host._get_mem_encryption_slots_arm_cca = lambda self: 0
    host.Host._get_mem_encryption_traits_arm_cca = lambda self: []


class _LazyDriverModule(types.ModuleType):
    """``nova.virt.libvirt_cca``: imports a driver on first use, so that
    processes which never load a compute driver do not import the libvirt
    driver."""

    def __getattr__(self, name):
        if name not in DRIVERS:
            raise AttributeError(
                'nova.virt.libvirt_cca has no driver %r; known: %s'
                % (name, ', '.join(sorted(DRIVERS))))
        return getattr(importlib.import_module(DRIVERS[name]), name)


def _register_compute_driver():
    # load_compute_driver() imports 'nova.virt.%s' % CONF.compute_driver.
    import nova.virt

    if DRIVER_MODULE in sys.modules:
        return
    module = _LazyDriverModule(
        DRIVER_MODULE, 'Arm CCA libvirt compute driver (nova-cca)')
    sys.modules[DRIVER_MODULE] = module
    nova.virt.libvirt_cca = module


def _register_realm_lifecycle():
    # Nova answers 400 for suspend/live migration of any encrypted guest;
    # a realm is refused first, with 409 and the reason.
    from nova.compute import api as compute_api

    from nova_cca import lifecycle

    for method, operation in lifecycle.REFUSED_OPERATIONS.items():
        def make(original, operation=operation):
            @functools.wraps(original)
            def refuse_realm(self, context, instance, *args, **kwargs):
                lifecycle.refuse_for_realm(instance, operation)
                return original(self, context, instance, *args, **kwargs)
            return refuse_realm

        _wrap(compute_api.API, method, make)


def _register_realm_scheduling():
    # The scheduler's request filters are a fixed list, read at call time
    # by process_reqspec(); ours runs last. The Placement request is built
    # afterwards by utils.resources_from_request_spec(), looked up on the
    # module at call time by the scheduler manager: the realm's traits
    # required on the root leave the unsuffixed group there (see
    # nova_cca.scheduling).
    from nova.scheduler import request_filter
    from nova.scheduler import utils as scheduler_utils

    from nova_cca import scheduling

    realm_filter = scheduling.require_realm_traits_on_root
    if realm_filter not in request_filter.ALL_REQUEST_FILTERS:
        request_filter.ALL_REQUEST_FILTERS.append(realm_filter)

    def make(original):
        @functools.wraps(original)
        def resources_from_request_spec(ctxt, spec_obj, host_manager,
                                        enable_pinning_translate=True):
            resources = original(ctxt, spec_obj, host_manager,
                                 enable_pinning_translate)
            scheduling.drop_traits_required_on_root(spec_obj, resources)
            return resources
        return resources_from_request_spec

    _wrap(scheduler_utils, 'resources_from_request_spec', make)
