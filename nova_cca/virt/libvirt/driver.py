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

"""``compute_driver = libvirt_cca.LibvirtCCADriver``.

Nova's libvirt driver with a
:class:`~nova_cca.virt.libvirt.host.RealmHost` and what Nova cannot do
generically for a new model: accept ``arm-cca`` in its start-up
validation, write ``<launchSecurity type='cca'>``, and put realm slots
where ``[arm_cca] provider_layout`` says (see provider_tree).
Everything else a realm needs (no locked memory, no vmcoreinfo, stateless
UEFI firmware, Nova's ``<node>_arm_cca`` child in the ``child`` layout)
follows from the model's properties in Nova's own code.
"""

from typing import Any
from typing import NoReturn
from typing import TYPE_CHECKING

from nova import context as nova_context
from nova.virt.libvirt import driver as libvirt_driver
from nova.virt.libvirt import vif as libvirt_vif
from oslo_log import log as logging

from nova_cca.compute import lifecycle
from nova_cca import glossary
from nova_cca.virt.libvirt import config as realm_guest
from nova_cca.virt.libvirt import host as realm_host
from nova_cca.virt.libvirt import provider_tree as realm_tree
from nova_cca.virt.libvirt import slot as realm_slot
from nova_cca.virt import measurement
from nova_cca.virt import model
from nova_cca_attest import personalization

if TYPE_CHECKING:
    from nova.compute import provider_tree as nova_provider_tree
    from nova import objects
    from nova.virt.libvirt import config as vconfig

LOG = logging.getLogger(__name__)


class LibvirtCCADriver(libvirt_driver.LibvirtDriver):

    #: the libvirt Host class this driver runs on
    host_class = realm_host.RealmHost

    def __init__(self, virtapi: Any, read_only: bool = False) -> None:
        super().__init__(virtapi, read_only)
        self._host = self.host_class(
            self._uri(), read_only,
            lifecycle_event_handler=self.emit_event,
            conn_event_handler=self._handle_conn_event)
        self.vif_driver = libvirt_vif.LibvirtGenericVIFDriver(self._host)
        #: {layout name: RealmLayout}, see _realm_layout()
        self._realm_layouts: dict[str, realm_tree.RealmLayout] = {}

    def init_host(self, host: str) -> None:
        super().init_host(host)
        self._warn_about_unadvertised_algo()

    def _warn_about_unadvertised_algo(self) -> None:
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

    def _is_supported_mem_encryption_model(self, me_model: str) -> bool:
        if me_model == glossary.ARM_CCA:
            return self._host.supports_arm_cca
        return super()._is_supported_mem_encryption_model(me_model)

    def _guest_configure_mem_encryption(
            self, instance: 'objects.Instance',
            guest: 'vconfig.LibvirtConfigGuest', me_model: str) -> None:
        if me_model != glossary.ARM_CCA:
            return super()._guest_configure_mem_encryption(
                instance, guest, me_model)
        # Firmware: Nova's own handling of the image's stateless UEFI
        # request (<os firmware='efi'><loader stateless='yes'/>) already
        # gives a realm firmware without NVRAM; libvirt's autoselection maps
        # it read-only and refuses extra loader attributes before 9.2.
        guest.launch_security = self._realm_launch_security(instance)

    def _realm_launch_security(
            self, instance: 'objects.Instance'
    ) -> realm_guest.LibvirtConfigGuestRealmLaunchSecurity:
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
    def _show_personalization_value(instance: 'objects.Instance',
                                    value: str | None) -> None:
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

    def update_provider_tree(
            self, provider_tree: 'nova_provider_tree.ProviderTree',
            nodename: str, allocations: dict[str, Any] | None = None
    ) -> None:
        slots = self._host.max_realms
        self._realm_layout().update(
            provider_tree, nodename, allocations, slots=slots,
            traits=self._host.realm_traits if slots else [],
            nova_update=lambda: super(LibvirtCCADriver, self)
            .update_provider_tree(provider_tree, nodename, allocations))

    def _realm_layout(self) -> realm_tree.RealmLayout:
        """The layout object for [arm_cca] provider_layout (one per name
        and service start).
        """
        name = self._host.realm_layout
        if name not in self._realm_layouts:
            self._realm_layouts[name] = realm_tree.layout(name)
        return self._realm_layouts[name]

    def _is_reshape_needed_memory_encryption_on_root(
            self, provider_tree: 'nova_provider_tree.ProviderTree',
            nodename: str) -> bool:
        # Realm slots on the root (offered, or kept reserved for running
        # realms) are nova-cca's 'root' layout, not the pre-2025.2 SEV
        # inventory Nova moves to a child.
        if realm_tree.realms_on_root(provider_tree, nodename) or (
                self._host.realm_layout == glossary.ROOT_LAYOUT and
                not self._host.supports_amd_sev):
            return False
        return super()._is_reshape_needed_memory_encryption_on_root(
            provider_tree, nodename)

    # lifecycle

    def _get_guest_xml(self, context: 'nova_context.RequestContext',
                       instance: 'objects.Instance', network_info: Any,
                       disk_info: dict[str, Any],
                       image_meta: 'objects.ImageMeta', *args: Any,
                       **kwargs: Any) -> str:
        # Every start of a guest (spawn: boot, rebuild, evacuate, unshelve;
        # hard reboot; rescue; finish of a resize, migration or its revert)
        # writes its XML here first.
        self._check_realm_can_run(context, instance, image_meta)
        return super()._get_guest_xml(context, instance, network_info,
                                      disk_info, image_meta, *args, **kwargs)

    def _check_realm_can_run(self,
                             context: 'nova_context.RequestContext | None',
                             instance: 'objects.Instance',
                             image_meta: 'objects.ImageMeta') -> None:
        """Raise RealmCannotRun for a realm without CCA or slot here.

        Nova builds a plain guest when the host has no memory encryption;
        and the scheduler is the only one to count realm slots. A realm
        request on a host without CCA, or whose allocation holds no
        MEM_ENCRYPTION_CONTEXT on this host, fails instead.
        """
        if not model.is_realm(instance.flavor, image_meta):
            return
        host = self._host.get_hostname()

        def refuse(reason: str) -> NoReturn:
            raise realm_slot.RealmCannotRun(
                instance_uuid=instance.uuid, host=host, reason=reason)

        capability = self._host.realm_capability
        allocations: dict[str, Any] | None = None
        tree: set[str] = set()
        if capability.supported:
            context = context or nova_context.get_admin_context()
            reportclient = self.virtapi.reportclient
            try:
                allocations = reportclient.get_allocs_for_consumer(
                    context, instance.uuid)['allocations']
                tree = {rp['uuid'] for rp in
                        reportclient.get_providers_in_tree(
                            context, self._host.get_node_uuid())}
            except Exception as e:
                refuse('its allocations could not be read from Placement '
                       '(%s)' % e)
        reason = realm_slot.refusal(capability, allocations, tree)
        if reason:
            refuse(reason)

    def suspend(self, context: 'nova_context.RequestContext',
                instance: 'objects.Instance') -> None:
        # The API refuses this first; a cold snapshot of a running guest
        # (live snapshots disabled) reaches here too and must not try to
        # save realm memory.
        lifecycle.refuse_for_realm(instance, 'suspend')
        return super().suspend(context, instance)
