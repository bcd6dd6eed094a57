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

"""A realm's slot: the MEM_ENCRYPTION_CONTEXT it holds on its host.

The scheduler gives a realm a slot on a CCA host; the compute checks it
again before it writes a guest (defence in depth): a realm request never
becomes a plain guest, nor a realm beyond the host's ``max_guests``.
"""

from collections.abc import Collection
from collections.abc import Mapping
from typing import Any
from typing import TYPE_CHECKING

from nova import exception

from nova_cca import glossary
from nova_cca.i18n import _

if TYPE_CHECKING:
    from nova_cca.virt.libvirt import detection


class RealmCannotRun(exception.NovaException):
    """A realm was asked to start where it must not.

    Not one of the exceptions Nova's build path aborts on, so that a boot
    is rescheduled to another host; every other operation fails with this
    message as the instance fault.
    """

    msg_fmt = _('Arm CCA realm %(instance_uuid)s cannot run on %(host)s: '
                '%(reason)s; it is not started as a plain guest.')


def holds_slot(allocations: Mapping[str, Any] | None,
               provider_uuids: Collection[str]) -> bool:
    """Whether ``allocations`` hold a realm slot on one of the providers.

    :param allocations: a consumer's allocations, ``{rp_uuid: {'resources':
        {rc: amount}}}`` as Placement returns them
    :param provider_uuids: the providers of one compute node's tree
    """
    return any(
        glossary.REALM_RESOURCE_CLASS in data.get('resources', {})
        for rp_uuid, data in (allocations or {}).items()
        if rp_uuid in provider_uuids)


def refusal(capability: 'detection.RealmCapability',
            allocations: Mapping[str, Any] | None = None,
            provider_uuids: Collection[str] = ()) -> str | None:
    """Why a realm must not start on this host, or None when it may.

    :param capability: the host's
        :class:`~nova_cca.virt.libvirt.detection.RealmCapability`
    :param allocations: the realm's allocations (read only when the host
        supports CCA)
    :param provider_uuids: the providers of this host's compute node tree
    """
    if not capability.supported:
        return 'the host does not support Arm CCA (%s)' % capability.reason
    if not holds_slot(allocations, provider_uuids):
        return ('its allocation holds no realm slot (%s) on this host'
                % glossary.REALM_RESOURCE_CLASS)
    return None
