"""``compute_driver = libvirt_cca.LibvirtCCADriver``.

Nova's libvirt driver with a :class:`~nova_cca.host.RealmHost` and what
Nova cannot do generically for a new model: accept ``arm-cca`` in its
start-up validation, write ``<launchSecurity type='cca'>``, and put realm
slots where ``[arm_cca] provider_layout`` says (see provider_tree).
Everything else a realm needs (no locked memory, no vmcoreinfo, stateless
UEFI firmware, Nova's ``<node>_arm_cca`` child in the ``child`` layout)
follows from the model's properties in Nova's own code.
"""

from nova import exception
from nova.virt.libvirt import driver as libvirt_driver
from nova.virt.libvirt import vif as libvirt_vif
from oslo_log import log as logging

from nova_cca import guest as realm_guest
from nova_cca import host as realm_host
from nova_cca import lifecycle
from nova_cca import measurement
from nova_cca import model
from nova_cca import personalization
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
        self._realm_drain_checked = False

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
        guest.launch_security = self._realm_launch_security(instance)

    def _realm_launch_security(self, instance):
        """The realm's launchSecurity, as its flavor and image ask.

        A setting this host cannot honour (the scheduler should not have
        sent the realm here) fails the start rather than being dropped.
        """
        options = self._host.conf.arm_cca
        request = measurement.realm_request(instance.flavor,
                                            instance.image_meta)
        request = request or measurement.RealmRequest()
        launch_security = realm_guest.LibvirtConfigGuestRealmLaunchSecurity()
        launch_security.measurement_algo = (
            realm_guest.choose_measurement_algo(
                options.default_measurement_algo,
                self._host.realm_capability.measurement_algos,
                request.measurement_algo))
        if request.personalization:
            if not options.personalization_value:
                raise realm_guest.RealmSettingUnavailable(reason=(
                    'a personalization value is asked for, and [arm_cca] '
                    'personalization_value is off'))
            launch_security.personalization_value = (
                personalization.derive_base64(instance.uuid))
        self._show_personalization_value(
            instance, launch_security.personalization_value)
        if request.measurement_log:
            if not options.measurement_log:
                raise realm_guest.RealmSettingUnavailable(reason=(
                    'a measurement log is asked for, and [arm_cca] '
                    'measurement_log is off'))
            launch_security.measurement_log = True
        return launch_security

    @staticmethod
    def _show_personalization_value(instance, value):
        """Let the owner read the realm's RPV in its server metadata.

        ``value`` None removes a key a realm without an RPV still shows,
        so the metadata never claims a value the realm does not have.
        """
        key = measurement.RPV_METADATA_KEY
        if instance.metadata.get(key) == value:
            return
        metadata = dict(instance.metadata)
        if value is None:
            del metadata[key]
        else:
            metadata[key] = value
        instance.metadata = metadata
        instance.save()

    # Placement

    def update_provider_tree(self, provider_tree, nodename, allocations=None):
        on_root = self._host.realm_layout == realm_tree.ROOT
        total = self._host.max_realms if on_root else 0
        drained = self._drain_root_realm_slots(
            provider_tree, nodename, allocations) if (
                on_root and not total) else None
        super().update_provider_tree(provider_tree, nodename, allocations)
        realm_tree.publish_on_root(
            provider_tree, nodename, total,
            self._host._get_mem_encryption_traits_arm_cca() if total else [],
            drained=drained)

    def _drain_root_realm_slots(self, provider_tree, nodename, allocations):
        """Realm slots the root must keep although it offers none now.

        When the root has realm slots and the host offers none any more
        (max_guests = 0, or CCA gone), Placement refuses to drop inventory
        that realms still use. Once per service start, ask Nova for the
        allocations (a reshape); while realms remain, keep their slots
        reserved, so nothing new is placed; without realms, drop them.
        """
        slots = provider_tree.data(nodename).inventory.get(
            realm_tree.REALM_CONTEXT)
        if not slots:
            return None
        if self._realm_drain_checked:
            return slots if slots['reserved'] >= slots['total'] else None
        _reshape_needed(allocations, nodename, 'nowhere (no realm slots '
                        'are offered any more)')
        self._realm_drain_checked = True
        root = provider_tree.data(nodename)
        in_use = realm_tree.realms_allocated(allocations, root.uuid)
        if not in_use:
            return None
        LOG.warning('%d realms still run on %s, which offers no realm slots '
                    'any more: their slots stay, all reserved, so no new '
                    'realm is placed here. Move or delete them, then '
                    'restart nova-compute to remove the slots.',
                    in_use, nodename)
        return dict(slots, reserved=slots['total'])

    def _update_provider_tree_for_memory_encryption(
            self, provider_tree, nodename, allocations):
        if self._host.realm_layout == realm_tree.ROOT:
            self._reshape_realms_to_root(provider_tree, nodename, allocations)
        else:
            self._reshape_realms_to_child(provider_tree, nodename,
                                          allocations)
        super()._update_provider_tree_for_memory_encryption(
            provider_tree, nodename, allocations)

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

    def _reshape_realms_to_root(self, provider_tree, nodename, allocations):
        # 'child' -> 'root': the child goes (Nova removes it, as RealmHost
        # reports no arm-cca model in this layout); its realms' slots move
        # to the root, whose inventory update_provider_tree() publishes.
        if not realm_tree.realms_on_child(provider_tree, nodename):
            return
        _reshape_needed(allocations, realm_tree.child_name(nodename),
                        nodename)
        child = provider_tree.data(realm_tree.child_name(nodename))
        root = provider_tree.data(nodename)
        moved = realm_tree.move_allocations(allocations, child.uuid,
                                            root.uuid)
        realm_tree.publish_on_root(
            provider_tree, nodename, self._host.max_realms,
            self._host._get_mem_encryption_traits_arm_cca())
        LOG.info('Moved the realm slots of %d instances from %s to %s.',
                 len(moved), child.name, nodename)

    def _reshape_realms_to_child(self, provider_tree, nodename, allocations):
        # 'root' -> 'child': Nova builds the child from RealmHost's hooks;
        # the realms' slots move there and leave the root.
        if not realm_tree.realms_on_root(provider_tree, nodename):
            return
        _reshape_needed(allocations, nodename,
                        realm_tree.child_name(nodename))
        children = self._ensure_memory_encryption_providers(
            self._get_memory_encryption_inventories(), provider_tree,
            nodename)
        child = children.get(model.MODEL_KEY)
        if child is None:
            raise exception.ReshapeFailed(error=(
                'realm slots are allocated on %s but this host reports no '
                'Arm CCA support to move them to %s' %
                (nodename, realm_tree.child_name(nodename))))
        root = provider_tree.data(nodename)
        moved = realm_tree.move_allocations(allocations, root.uuid,
                                            child.uuid)
        realm_tree.publish_on_root(provider_tree, nodename, 0, [])
        LOG.info('Moved the realm slots of %d instances from %s to %s.',
                 len(moved), nodename, child.name)

    # lifecycle

    def suspend(self, context, instance):
        # The API refuses this first; a cold snapshot of a running guest
        # (live snapshots disabled) reaches here too and must not try to
        # save realm memory.
        lifecycle.refuse_for_realm(instance, 'suspend')
        return super().suspend(context, instance)


def _reshape_needed(allocations, source, target):
    """Ask Nova for a reshape (it calls back with the allocations)."""
    if allocations is None:
        LOG.info('Requesting a provider tree reshape to move Arm CCA realm '
                 'slots from %s to %s.', source, target)
        raise exception.ReshapeNeeded()
