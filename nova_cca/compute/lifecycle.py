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

"""What a realm cannot do.

The host can neither read nor move a realm's memory: saving it to disk
(suspend) or copying it to another host (live migration) is impossible.
Operations that restart the realm from its disk (stop/start, reboot, cold
migration, resize, rebuild, evacuate, shelve/unshelve) keep working.
"""

from typing import TYPE_CHECKING

from nova import exception

from nova_cca.i18n import _
from nova_cca.virt import model


if TYPE_CHECKING:
    from nova import objects

#: compute API methods refused for realms, with the action name reported.
REFUSED_OPERATIONS = {
    'suspend': 'suspend',
    'live_migrate': 'live-migration',
}


class RealmOperationRefused(exception.InstanceInvalidState):
    """An operation that would read or move realm memory.

    An InstanceInvalidState, so that the API answers 409 Conflict with
    "Cannot '<action>' instance <uuid> while it is in Arm CCA realm mode:
    ...".
    """


def refuse_for_realm(instance: 'objects.Instance', operation: str) -> None:
    """Raise RealmOperationRefused when ``instance`` is a realm."""
    if model.is_realm(instance.flavor, instance.image_meta):
        raise RealmOperationRefused(
            instance_uuid=instance.uuid,
            attr='Arm CCA realm',
            state=(_('mode: the host can neither save nor move realm '
                     'memory, so %s is impossible') % operation),
            method=operation)
