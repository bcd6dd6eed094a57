"""``compute_driver = libvirt_cca.LibvirtCCADriver``.

Nova's libvirt driver with a :class:`~nova_cca.host.RealmHost` and what
Nova cannot do generically for a new model: accept ``arm-cca`` in its
start-up validation, write ``<launchSecurity type='cca'>``, and put realm
slots where ``[arm_cca] provider_layout`` says (see provider_tree).
Everything else a realm needs (no locked memory, no vmcoreinfo, stateless
UEFI firmware, Nova's ``<node>_arm_cca`` child in the ``child`` layout)
follows from the model's properties in Nova's own code.
"""

from nova.virt.libvirt import driver as libvirt_driver
from nova.virt.libvirt import vif as libvirt_vif
from oslo_log import log as logging

from nova_cca import guest as realm_guest
from nova_cca import host as realm_host
from nova_cca import lifecycle
from nova_cca import model
from nova_cca import provider_tree as realm_tree

LOG = logging.getLogger(__name__)


class LibvirtCCADriver(libvirt_driver.LibvirtDriver):

    #: the libvirt Host class this driver runs on
    host_class = realm_host.RealmHost

    def __init__(self, virtapi, read_only=False):
        super().__init__(virtapi, read_only)
        self._host = self.host_class(
            self._uri(), read_only,
            lifecycle_event_handler=self.emit_event,
            conn_event_handler=self._handle_conn_event)
        self.vif_driver = libvirt_vif.LibvirtGenericVIFDriver(self._host)
        #: {layout name: RealmLayout}, see _realm_layout()
        self._realm_layouts = {}

    def init_host(self, host):
        super().init_host(host)
        self._warn_about_unadvertised_algo()

    def _warn_about_unadvertised_algo(self):
        configured = self._host.conf.arm_cca.default_measurement_algo
        capability = self._host.realm_capability
        if (configured and capability.supported and
                configured not in capability.measurement_algos):
            LOG.warning(
                '[arm_cca] default_measurement_algo = %s, but libvirt on '
                'this host advertises %s; realms will be started without '
                '<measurement-algo> and get the platform default.',
                configured,
                ', '.join(capability.measurement_algos) or 'no algorithms')

    def _is_supported_mem_encryption_model(self, me_model):
        if me_model == model.ARM_CCA:
            return self._host.supports_arm_cca
        return super()._is_supported_mem_encryption_model(me_model)

    def _guest_configure_mem_encryption(self, instance, guest, me_model):
        if me_model != model.ARM_CCA:
            return super()._guest_configure_mem_encryption(
                instance, guest, me_model)
        # Firmware: Nova's own handling of the image's stateless UEFI
        # request (<os firmware='efi'><loader stateless='yes'/>) already
        # gives a realm firmware without NVRAM; libvirt's autoselection maps
        # it read-only and refuses extra loader attributes before 9.2.
        guest.launch_security = self._realm_launch_security()

    def _realm_launch_security(self):
        launch_security = realm_guest.LibvirtConfigGuestRealmLaunchSecurity()
        launch_security.measurement_algo = (
            realm_guest.choose_measurement_algo(
                self._host.conf.arm_cca.default_measurement_algo,
                self._host.realm_capability.measurement_algos))
        return launch_security

    # Placement

    def update_provider_tree(self, provider_tree, nodename, allocations=None):
        slots = self._host.max_realms
        self._realm_layout().update(
            provider_tree, nodename, allocations, slots=slots,
            traits=self._host.realm_traits if slots else [],
            nova_update=lambda: super(LibvirtCCADriver, self)
            .update_provider_tree(provider_tree, nodename, allocations))

    def _realm_layout(self):
        """The layout object for [arm_cca] provider_layout (one per name
        and service start)."""
        name = self._host.realm_layout
        if name not in self._realm_layouts:
            self._realm_layouts[name] = realm_tree.layout(name)
        return self._realm_layouts[name]

    def _is_reshape_needed_memory_encryption_on_root(self, provider_tree,
                                                     nodename):
        # Realm slots on the root (offered, or kept reserved for running
        # realms) are nova-cca's 'root' layout, not the pre-2025.2 SEV
        # inventory Nova moves to a child.
        if realm_tree.realms_on_root(provider_tree, nodename) or (
                self._host.realm_layout == realm_tree.ROOT and
                not self._host.supports_amd_sev):
            return False
        return super()._is_reshape_needed_memory_encryption_on_root(
            provider_tree, nodename)

    # lifecycle

    def suspend(self, context, instance):
        # The API refuses this first; a cold snapshot of a running guest
        # (live snapshots disabled) reaches here too and must not try to
        # save realm memory.
        lifecycle.refuse_for_realm(instance, 'suspend')
        return super().suspend(context, instance)
