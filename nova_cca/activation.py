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
import inspect
import sys
import threading
import types

SUPPORTED_NOVA_MAJOR = 34

#: attribute set on every function this module wraps
_MARK = '__nova_cca_wrapped__'
#: compute_driver = libvirt_cca.<name>: where each driver class lives
DRIVER_MODULE = 'nova.virt.libvirt_cca'
#: (the simulation registers its own, see register_compute_driver)
DRIVERS = {
    'LibvirtCCADriver': 'nova_cca.driver',
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
        _register_image_properties()
        _register_config_factory()
        _register_implied_model()
        _register_realm_traits()
        _register_host_hooks()
        register_domain_caps_features()
        _register_compute_driver()
        _register_realm_lifecycle()
        _register_rebuild_check()
        _register_realm_allocation_after_failed_rebuild()
        _register_realm_resize()
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
    if isinstance(inspect.getattr_static(owner, name), staticmethod):
        wrapper = staticmethod(wrapper)
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


def _register_image_properties():
    # ImageMetaProps keeps only the properties it has fields for; the
    # measurement settings (nova_cca.measurement) become fields, read as
    # plain strings and checked by nova_cca.measurement naming the key.
    from nova.objects import fields
    from nova.objects import image_meta
    from oslo_versionedobjects import base as ovo_base

    from nova_cca import measurement

    props = image_meta.ImageMetaProps
    names = [measurement.image_key(s) for s in measurement.SETTINGS]
    if all(name in props.fields for name in names):
        return
    for name in names:
        props.fields[name] = fields.StringField()
    # the accessors VersionedObjectRegistry makes for every field
    ovo_base._make_class_properties(props)


def _register_implied_model():
    # Nova defaults a request without a model to amd-sev; on an aarch64
    # image it means arm-cca (see nova_cca.request). The measurement
    # settings are checked at the same point (nova_cca.measurement). Every
    # caller looks the function up on the module at call time.
    from nova.virt import hardware

    from nova_cca import measurement
    from nova_cca import request

    def make(original):
        @functools.wraps(original)
        def get_mem_encryption_constraint(flavor, image_meta,
                                          machine_type=None):
            config = original(flavor,
                              request.with_implied_model(flavor, image_meta),
                              machine_type)
            measurement.check_request(flavor, image_meta, config)
            return config
        return get_mem_encryption_constraint

    _wrap(hardware, 'get_mem_encryption_constraint', make)


def _register_realm_traits():
    # Nova's scheduler asks for the model's one required_trait; a realm
    # also needs the traits of its measurement settings.
    from nova.scheduler import utils as scheduler_utils

    from nova_cca import measurement

    def make(original):
        @functools.wraps(original)
        def translate(self, flavor, image):
            original(self, flavor, image)
            for trait in measurement.required_traits(flavor, image):
                self._add_trait(trait, 'required')
        return translate

    _wrap(scheduler_utils.ResourceRequest,
          '_translate_mem_encryption_request', make)


def _register_realm_resize():
    # A resize must not change how a realm is measured (the flavor may
    # carry hw:cca_* keys); the image stays, so compare the two flavors.
    from nova.compute import api as compute_api
    from nova.compute import flavors
    from nova import exception

    from nova_cca import measurement

    def make(original):
        @functools.wraps(original)
        def resize(self, context, instance, flavor_id=None, *args,
                   **kwargs):
            if flavor_id:
                try:
                    new = flavors.get_flavor_by_flavor_id(
                        context, flavor_id, read_deleted='no')
                except exception.FlavorNotFound:
                    new = None  # Nova answers it
                if new is not None:
                    measurement.refuse_change(
                        measurement.realm_request(instance.flavor,
                                                  instance.image_meta),
                        _realm_request_or_none(new, instance.image_meta),
                        'Resize to flavor %s' % new.name)
            return original(self, context, instance, flavor_id, *args,
                            **kwargs)
        return resize

    _wrap(compute_api.API, 'resize', make)


def _realm_request_or_none(flavor, image_meta):
    # Nova refuses an invalid flavor/image pair itself, in its own words
    from nova import exception

    from nova_cca import measurement

    try:
        return measurement.realm_request(flavor, image_meta)
    except exception.NovaException:
        return None


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


def register_domain_caps_features():
    """Let Nova's domain-capabilities parser read ``<cca>``.

    Nova's ``LibvirtConfigDomainCapsFeatures.parse_dom`` drops feature tags
    it does not know and has no plug-in point; this adds
    nova_cca.detection's feature objects (``<cca>``) to the same feature
    list, so every ``LibvirtConfigDomainCaps`` Nova parses carries them.
    Idempotent. ``nova-cca status`` calls it alone.
    """
    from nova.virt.libvirt import config as vconfig

    from nova_cca import detection

    def make(original):
        @functools.wraps(original)
        def parse_dom(self, xmldoc):
            original(self, xmldoc)
            self.features.extend(detection.parse_features(xmldoc))
        return parse_dom

    _wrap(vconfig.LibvirtConfigDomainCapsFeatures, 'parse_dom', make)


def domain_caps_features_registered():
    from nova.virt.libvirt import config as vconfig

    return getattr(vconfig.LibvirtConfigDomainCapsFeatures.parse_dom,
                   _MARK, False)


class _LazyDriverModule(types.ModuleType):
    """``nova.virt.libvirt_cca``: imports a driver on first use, so that
    processes which never load a compute driver do not import the libvirt
    driver.
    """

    def __getattr__(self, name):
        if name not in DRIVERS:
            raise AttributeError(
                'nova.virt.libvirt_cca has no driver %r; known: %s'
                % (name, ', '.join(sorted(DRIVERS))))
        return getattr(importlib.import_module(DRIVERS[name]), name)


def register_compute_driver(name, module):
    """Make ``compute_driver = libvirt_cca.<name>`` load ``module.<name>``.

    For drivers that live outside the product code (the simulation
    registers its simulated driver this way). Idempotent; a name already
    bound to another module is refused.
    """
    if not name.isidentifier():
        raise ValueError('compute driver name %r is not an identifier'
                         % (name,))
    with _lock:
        known = DRIVERS.get(name)
        if known is not None and known != module:
            raise ValueError(
                'compute driver libvirt_cca.%s is already %s.%s, not %s.%s'
                % (name, known, name, module, name))
        DRIVERS[name] = module


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


def _register_rebuild_check():
    # The compute API validates a rebuild's new image in
    # _validate_numa_rebuild(instance, image, flavor) (a staticmethod,
    # called only when the image changes, before anything is saved); a new
    # image must keep the memory-encryption request too (400 otherwise).
    from nova.compute import api as compute_api

    from nova_cca import rebuild

    def make(original):
        @functools.wraps(original)
        def validate_rebuild(instance, image, flavor):
            rebuild.check_new_image(instance, flavor, image)
            return original(instance, image, flavor)
        return validate_rebuild

    _wrap(compute_api.API, '_validate_numa_rebuild', make)


def _register_realm_allocation_after_failed_rebuild():
    # A failed same-host rebuild ends in ResourceTracker.
    # delete_allocation_for_evacuated_instance(node_type='destination'),
    # which removes the server's allocation from its own host; a realm
    # keeps it (see nova_cca.rebuild.keeps_allocation_after_failure).
    from nova.compute import resource_tracker
    from oslo_log import log as logging

    from nova_cca import rebuild

    log = logging.getLogger(__name__)

    def make(original):
        @functools.wraps(original)
        def delete_allocation_for_evacuated_instance(
                self, context, instance, node, node_type='source'):
            if rebuild.keeps_allocation_after_failure(
                    instance, self.host, node, node_type):
                log.warning('The rebuild of Arm CCA realm failed on its '
                            'own host %s: it keeps its allocation there '
                            '(its realm slot) and stays in ERROR.',
                            self.host, instance=instance)
                return None
            return original(self, context, instance, node, node_type)
        return delete_allocation_for_evacuated_instance

    _wrap(resource_tracker.ResourceTracker,
          'delete_allocation_for_evacuated_instance', make)


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
