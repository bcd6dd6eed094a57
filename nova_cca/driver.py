"""``compute_driver = libvirt_cca.LibvirtCCADriver``.

Nova's libvirt driver with a :class:`~nova_cca.host.RealmHost` and the two
things Nova cannot do generically for a new model: accept ``arm-cca`` in
its start-up validation and write ``<launchSecurity type='cca'>``.
Everything else a realm needs (no locked memory, no vmcoreinfo, stateless
UEFI firmware, the ``<node>_arm_cca`` provider) follows from the model's
properties in Nova's own code.
"""

from nova.virt.libvirt import driver as libvirt_driver
from nova.virt.libvirt import vif as libvirt_vif
from oslo_log import log as logging

from nova_cca import guest as realm_guest
from nova_cca import host as realm_host
from nova_cca import lifecycle
from nova_cca import model

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
        guest.launch_security = self._realm_launch_security()
        # Realm firmware is loaded read-only; it keeps no NVRAM (the image
        # asks for stateless firmware, which Nova writes as stateless='yes').
        guest.os_loader_readonly = True

    def _realm_launch_security(self):
        launch_security = realm_guest.LibvirtConfigGuestRealmLaunchSecurity()
        launch_security.measurement_algo = (
            realm_guest.choose_measurement_algo(
                self._host.conf.arm_cca.default_measurement_algo,
                self._host.realm_capability.measurement_algos))
        return launch_security

    def suspend(self, context, instance):
        # The API refuses this first; a cold snapshot of a running guest
        # (live snapshots disabled) reaches here too and must not try to
        # save realm memory.
        lifecycle.refuse_for_realm(instance, 'suspend')
        return super().suspend(context, instance)
