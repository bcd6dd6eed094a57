"""A libvirt host that can tell whether it runs Arm CCA realms.

:class:`RealmHost` answers the per-model hooks Nova's
``Host.get_mem_encryption_inventories()`` calls for ``arm-cca``; from them
Nova's libvirt driver builds the ``<node>_arm_cca`` child provider with
MEM_ENCRYPTION_CONTEXT inventory and the realm traits.
"""

from nova.db import constants as db_const
from nova.virt.libvirt import config as vconfig
from nova.virt.libvirt import host
from oslo_log import log as logging

import nova.conf
from nova_cca import conf as _conf  # noqa: F401  registers [arm_cca]
from nova_cca import detection
from nova_cca import measurement
from nova_cca import model
from nova_cca import provider_tree

CONF = nova.conf.CONF
LOG = logging.getLogger(__name__)

#: Inventory total when [arm_cca] max_guests is unset: RMM 1.0 has no
#: per-host realm limit.
UNLIMITED_REALMS = db_const.MAX_INT


class RealmDomainCaps(vconfig.LibvirtConfigDomainCaps):
    """Nova's domain capabilities, plus what they say about realms.

    Nova's parser drops feature tags it does not know, so ``<cca>`` is read
    here from the same document, in the same pass.
    """

    def __init__(self, host_arch=model.AARCH64, **kwargs):
        super().__init__(**kwargs)
        self._host_arch = host_arch
        self.realm = detection.RealmCapability.unsupported('not parsed')

    def parse_dom(self, xmldoc):
        super().parse_dom(xmldoc)
        if self._host_arch != model.AARCH64:
            self.realm = detection.RealmCapability.unsupported(
                'host architecture is %s' % self._host_arch)
        else:
            self.realm = detection.parse_domain_capabilities_dom(xmldoc)


class RealmHost(host.Host):
    """libvirt Host with Arm CCA detection.

    Domain capabilities are read once per (arch, machine type) by Nova's
    own cached ``get_domain_capabilities()``; the realm verdict derived
    from them is cached too, and logged once.
    """

    def __init__(self, *args, conf=None, **kwargs):
        super().__init__(*args, **kwargs)
        #: the configuration [arm_cca] is read from (nova.conf by default)
        self.conf = conf if conf is not None else CONF
        self._realm_capability = None
        #: {arch: libvirt's error} for domain capabilities it refused
        self._domain_caps_errors = {}

    def _host_arch(self):
        return self.get_capabilities().host.cpu.arch

    def _get_domain_capabilities(self, emulator_bin=None, arch=None,
                                 machine_type=None, virt_type=None, flags=0):
        try:
            xml = self.get_connection().getDomainCapabilities(
                emulator_bin, arch, machine_type, virt_type, flags)
        except Exception as e:
            # Nova skips this arch on a libvirt error and logs it at debug;
            # keep the reason for the realm verdict.
            self._domain_caps_errors[arch] = str(e)
            raise
        LOG.debug('Domain capabilities for arch=%s machine_type=%s:\n%s',
                  arch, machine_type, xml)
        caps = RealmDomainCaps(host_arch=self._host_arch())
        caps.parse_str(xml)
        return caps

    @property
    def realm_capability(self):
        """The host's :class:`~nova_cca.detection.RealmCapability`."""
        if self._realm_capability is None:
            capability = self._detect_realm_capability()
            if capability.supported:
                LOG.info('Arm CCA realm support detected (%s); measurement '
                         'algorithms: %s', capability.reason,
                         ', '.join(capability.measurement_algos) or
                         'platform default')
            else:
                LOG.info('Arm CCA realms are not supported on this host: %s',
                         capability.reason)
            self._realm_capability = capability
        return self._realm_capability

    def _detect_realm_capability(self):
        try:
            host_arch = self._host_arch()
            if host_arch != model.AARCH64:
                return detection.RealmCapability.unsupported(
                    'host architecture is %s, Arm CCA needs %s'
                    % (host_arch, model.AARCH64))
            by_machine = self.get_domain_capabilities().get(model.AARCH64)
        except Exception as e:  # libvirt errors must not stop the compute
            return detection.RealmCapability.unsupported(
                'reading libvirt capabilities failed: %s' % e)
        if not by_machine:
            error = self._domain_caps_errors.get(model.AARCH64)
            return detection.RealmCapability.unsupported(
                'libvirt reports no domain capabilities for aarch64 guests%s'
                % (': %s' % error if error else ''))
        verdict = None
        for caps in by_machine.values():
            realm = getattr(caps, 'realm', None) or (
                detection.RealmCapability.unsupported('not parsed'))
            verdict = realm if verdict is None else verdict.merge(realm)
        return verdict

    @property
    def supports_arm_cca(self):
        return self.realm_capability.supported

    @property
    def max_realms(self):
        """Realm slots: [arm_cca] max_guests, or unlimited when unset."""
        if not self.supports_arm_cca:
            return 0
        max_guests = self.conf.arm_cca.max_guests
        return UNLIMITED_REALMS if max_guests is None else max_guests

    def _get_mem_encryption_slots_arm_cca(self):
        return self.max_realms

    def _get_mem_encryption_traits_arm_cca(self):
        return [model.REALM_TRAIT] + self.measurement_traits

    @property
    def measurement_traits(self):
        """Traits for the algorithms libvirt advertises and the realm
        settings the deployer enables ([arm_cca] personalization_value,
        measurement_log)."""
        options = self.conf.arm_cca
        return measurement.host_traits(
            self.realm_capability.measurement_algos,
            options.personalization_value, options.measurement_log)

    @property
    def realm_layout(self):
        """'root' or 'child' ([arm_cca] provider_layout)."""
        return self.conf.arm_cca.provider_layout

    def get_mem_encryption_inventories(self):
        inventories = super().get_mem_encryption_inventories()
        if self.realm_layout == provider_tree.ROOT:
            # realm slots go on the compute node provider (the driver puts
            # them there): Nova must not build, or must remove, the child
            inventories[model.MODEL_KEY] = {
                'supported': False}
        return inventories

    @property
    def supports_mem_encryption(self):
        return super().supports_mem_encryption or self.supports_arm_cca
