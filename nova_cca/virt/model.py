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

"""The Arm CCA memory-encryption model: what a realm needs from Nova.

A realm is requested like every other confidential guest in Nova, with
``hw:mem_encryption``/``hw_mem_encryption`` and the model ``arm-cca``.
:class:`RealmEncryptionConfig` tells Nova's generic code how such a guest
differs from an SEV or TDX one and refuses images a realm cannot boot.
"""

from typing import TYPE_CHECKING

from nova import exception
from nova.objects import fields
from nova.virt import hardware
from oslo_utils import strutils

from nova_cca import glossary
from nova_cca.i18n import _


if TYPE_CHECKING:
    from nova import objects

REALM_MACHINE_TYPE = 'virt'
REALM_FIRMWARE_TYPE = fields.FirmwareType.UEFI


def asks_for_encryption(flavor: 'objects.Flavor',
                        image_meta: 'objects.ImageMeta') -> bool:
    """Whether the flavor or the image mentions memory encryption at all.

    ``hw:mem_encryption`` set (to any value) or ``hw_mem_encryption``
    true: the two keys Nova's ``get_mem_encryption_constraint`` reads
    first. False means no model, and no realm, can be asked for.
    """
    specs = flavor.get('extra_specs', {}) or {}
    return ('hw:mem_encryption' in specs or
            bool(image_meta.properties.get('hw_mem_encryption')))


def is_realm(flavor: 'objects.Flavor',
             image_meta: 'objects.ImageMeta') -> bool:
    """True when the flavor and image ask for an Arm CCA realm.

    A request that asks for no memory encryption, or for another model by
    name, or for none on an image that is not aarch64, is answered from
    the keys Nova reads itself; only a realm candidate goes through
    Nova's ``get_mem_encryption_constraint`` (which also refuses what is
    contradictory).
    """
    if not asks_for_encryption(flavor, image_meta):
        return False
    specs = flavor.get('extra_specs', {}) or {}
    props = image_meta.properties
    named = {specs.get('hw:mem_encryption_model'),
             props.get('hw_mem_encryption_model')} - {None, ''}
    if named and glossary.ARM_CCA not in named:
        # another model by name (SEV, TDX): Nova's alone
        return False
    if not named and props.get('hw_architecture') != glossary.AARCH64:
        # Nova's default model, not an implied realm
        return False
    config = hardware.get_mem_encryption_constraint(flavor, image_meta)
    return config is not None and config.model == glossary.ARM_CCA


def _image_label(image_meta: 'objects.ImageMeta') -> str:
    name = image_meta.name if 'name' in image_meta else None
    image_id = image_meta.id if 'id' in image_meta else '<no-id>'
    return '%s (%s)' % (name, image_id) if name else image_id


class RealmEncryptionConfig(hardware.MemEncryptionConfig):
    """Memory-encryption properties of an Arm CCA realm.

    Unlike SEV, realm memory is neither locked nor bounced through an
    IOMMU; the RMM keeps it from being swapped. The firmware is UEFI for
    the ``virt`` machine and keeps no NVRAM, because realm firmware is not
    run from writable pflash.
    """

    model = glossary.ARM_CCA
    needs_locked_memory = False
    required_trait = glossary.REALM_TRAIT
    required_firmware_type = REALM_FIRMWARE_TYPE
    required_machine_type = REALM_MACHINE_TYPE
    needs_stateless_firmware = True

    def check_constraints(self, image_meta: 'objects.ImageMeta',
                          machine_type: str | None,
                          requesters: list[str]) -> None:
        """Refuse what a realm cannot be, naming the offending key and value.

        :raises: FlavorImageConflict for a non-aarch64 architecture or a
            non-UEFI firmware, InvalidMachineType for a machine type other
            than ``virt``, StatelessFirmwareRequired when the image does not
            ask for stateless firmware.
        """
        props = image_meta.properties
        image = _image_label(image_meta)
        by = ' and '.join(requesters)

        for key in ('hw_architecture', 'hw_emulation_architecture'):
            arch = props.get(key)
            if arch is not None and arch != glossary.AARCH64:
                raise exception.FlavorImageConflict(
                    _("Arm CCA realm requested by %s, but image %s has "
                      "%s=%s: realms run only on %s hosts.") %
                    (by, image, key, arch, glossary.AARCH64))

        # Explicit, as for every encryption model: stateless firmware is
        # only honoured for an image that says hw_firmware_type=uefi.
        firmware = props.get('hw_firmware_type')
        if firmware != REALM_FIRMWARE_TYPE:
            raise exception.FlavorImageConflict(
                _("Arm CCA realm requested by %s, but image %s has "
                  "hw_firmware_type=%s: realms boot only with "
                  "hw_firmware_type=%s.") % (by, image, firmware or 'unset',
                                          REALM_FIRMWARE_TYPE))

        mach_type = machine_type or props.get('hw_machine_type')
        if mach_type is not None and not self._is_virt_machine(mach_type):
            raise exception.InvalidMachineType(
                _("Arm CCA realm requested by %s, but image %s has "
                  "hw_machine_type=%s: realms need the '%s' machine "
                  "type.") %
                (by, image, mach_type, REALM_MACHINE_TYPE))

        if not hardware.get_stateless_firmware_constraint(image_meta):
            stateless = props.get('hw_firmware_stateless')
            raise exception.StatelessFirmwareRequired(
                _("Arm CCA realm requested by %s, but image %s has "
                  "hw_firmware_stateless=%s: realm firmware keeps no "
                  "NVRAM, set hw_firmware_stateless=true.") %
                (by, image, 'unset' if stateless is None else
                 strutils.bool_from_string(stateless)))

    @staticmethod
    def _is_virt_machine(mach_type: str) -> bool:
        # 'virt' or a versioned 'virt-9.2'
        return mach_type == REALM_MACHINE_TYPE or mach_type.startswith(
            REALM_MACHINE_TYPE + '-')
