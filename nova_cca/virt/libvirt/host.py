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

"""A libvirt host that can tell whether it runs Arm CCA realms.

:class:`RealmHost` detects realm support from libvirt's domain
capabilities and says how many realm slots (``max_realms``) and which
traits (``realm_traits``) the host offers. In the default ``root`` layout
the driver puts them on the compute node provider (see provider_tree) and
the host tells Nova it has no ``arm_cca`` child; in the ``child`` layout it
answers the per-model hooks of Nova's
``Host.get_mem_encryption_inventories()``, from which Nova builds the
``<node>_arm_cca`` child provider.
"""

from typing import Any
from typing import TYPE_CHECKING

from nova.db import constants as db_const
from nova.virt.libvirt import host
from oslo_log import log as logging

import nova.conf
from nova_cca import conf as _conf  # noqa: F401  registers [arm_cca]
from nova_cca import glossary
from nova_cca.virt.libvirt import detection
from nova_cca.virt import measurement

if TYPE_CHECKING:
    from oslo_config import cfg

CONF = nova.conf.CONF
LOG = logging.getLogger(__name__)

#: Inventory total when [arm_cca] max_guests is unset: RMM 1.0 has no
#: per-host realm limit.
UNLIMITED_REALMS = db_const.MAX_INT


class RealmHost(host.Host):
    """libvirt Host with Arm CCA detection.

    Domain capabilities are read once per (arch, machine type) by Nova's
    own cached ``get_domain_capabilities()``; the realm verdict derived
    from them is cached too, and logged once.
    """

    def __init__(self, *args: Any, conf: 'cfg.ConfigOpts | None' = None,
                 **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        #: the configuration [arm_cca] is read from (nova.conf by default)
        self.conf = conf if conf is not None else CONF
        self._realm_capability: detection.RealmCapability | None = None
        #: {arch: libvirt's error} for domain capabilities it refused
        self._domain_caps_errors: dict[str | None, str] = {}

    def _host_arch(self) -> str:
        return self.get_capabilities().host.cpu.arch

    def _get_domain_capabilities(self, emulator_bin: str | None = None,
                                 arch: str | None = None,
                                 machine_type: str | None = None,
                                 virt_type: str | None = None,
                                 flags: int = 0) -> Any:
        """Nova's, remembering why an architecture has none.

        Nova skips an architecture whose domain capabilities libvirt
        refuses (a libvirtError). Capabilities that libvirt returns but
        that do not parse are skipped the same way, with one warning,
        instead of stopping the compute service: the host then runs
        without Arm CCA.
        """
        try:
            return super()._get_domain_capabilities(
                emulator_bin=emulator_bin, arch=arch,
                machine_type=machine_type, virt_type=virt_type, flags=flags)
        except host.libvirt.libvirtError as e:
            self._domain_caps_errors[arch] = str(e)
            raise
        except Exception as e:
            reason = ('the domain capabilities libvirt returned do not '
                      'parse (%s)' % e)
            if arch not in self._domain_caps_errors:
                LOG.warning(
                    'libvirt returned domain capabilities for %s guests '
                    '(machine type %s) that do not parse: %s; they are '
                    'ignored and this host runs without them%s.',
                    arch, machine_type, e,
                    ' (no Arm CCA realms)' if arch == glossary.AARCH64 else '')
            self._domain_caps_errors[arch] = reason
            raise host.libvirt.libvirtError(reason) from e

    @property
    def realm_capability(self) -> detection.RealmCapability:
        """The host's realm capability.

        A :class:`~nova_cca.virt.libvirt.detection.RealmCapability`.
        """
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

    def _detect_realm_capability(self) -> detection.RealmCapability:
        try:
            refused = detection.unsupported_host_arch(self._host_arch())
            if refused is not None:
                return refused
            by_machine = self.get_domain_capabilities().get(glossary.AARCH64)
        except Exception as e:  # libvirt errors must not stop the compute
            return detection.RealmCapability.unsupported(
                'reading libvirt capabilities failed: %s' % e)
        if not by_machine:
            error = self._domain_caps_errors.get(glossary.AARCH64)
            return detection.RealmCapability.unsupported(
                'libvirt reports no domain capabilities for aarch64 guests%s'
                % (': %s' % error if error else ''))
        verdict: detection.RealmCapability | None = None
        for caps in by_machine.values():
            realm = detection.realm_capability(caps)
            verdict = realm if verdict is None else verdict.merge(realm)
        assert verdict is not None  # by_machine is not empty
        return verdict

    @property
    def supports_arm_cca(self) -> bool:
        return self.realm_capability.supported

    @property
    def max_realms(self) -> int:
        """Realm slots: [arm_cca] max_guests, or unlimited when unset."""
        if not self.supports_arm_cca:
            return 0
        max_guests = self.conf.arm_cca.max_guests
        return UNLIMITED_REALMS if max_guests is None else max_guests

    def _get_mem_encryption_slots_arm_cca(self) -> int:
        return self.max_realms

    @property
    def realm_traits(self) -> list[str]:
        """The traits of a realm host: the CCA trait, one per measurement
        algorithm libvirt lists, and those of the realm settings the
        deployer enables ([arm_cca] personalization_value,
        measurement_log).
        """
        return [glossary.REALM_TRAIT] + self.measurement_traits

    @property
    def measurement_traits(self) -> list[str]:
        """Traits for the algorithms libvirt advertises and the realm
        settings the deployer enables.
        """
        options = self.conf.arm_cca
        return measurement.host_traits(
            self.realm_capability.measurement_algos,
            options.personalization_value, options.measurement_log)

    def _get_mem_encryption_traits_arm_cca(self) -> list[str]:
        # Nova's per-model hook (get_mem_encryption_inventories)
        return self.realm_traits

    @property
    def realm_layout(self) -> str:
        """'root' or 'child' ([arm_cca] provider_layout)."""
        return self.conf.arm_cca.provider_layout

    def get_mem_encryption_inventories(self) -> dict[str, Any]:
        inventories = super().get_mem_encryption_inventories()
        if self.realm_layout == glossary.ROOT_LAYOUT:
            # realm slots go on the compute node provider (the driver puts
            # them there): Nova must not build, or must remove, the child
            inventories[glossary.MODEL_KEY] = {
                'supported': False}
        return inventories

    @property
    def supports_mem_encryption(self) -> bool:
        return super().supports_mem_encryption or self.supports_arm_cca
