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

"""What a resize may not change: how a realm is measured.

A resize to a flavor that carries other ``hw:cca_*`` settings would give
the realm another measurement; it is refused (400), naming each change. A
resize into or out of a realm (a plain flavor to a realm flavor, or back)
is scheduled again by Nova and stays allowed. A server that is not a realm
is Nova's alone.
"""

from typing import TYPE_CHECKING

from nova import exception

from nova_cca.i18n import _
from nova_cca.virt import measurement


if TYPE_CHECKING:
    from nova import objects


def _realm_request_or_none(flavor: 'objects.Flavor',
                           image_meta: 'objects.ImageMeta'
                           ) -> measurement.RealmRequest | None:
    # Nova refuses an invalid flavor/image pair itself, in its own words
    try:
        return measurement.realm_request(flavor, image_meta)
    except exception.NovaException:
        return None


def check_new_flavor(current_flavor: 'objects.Flavor',
                     new_flavor: 'objects.Flavor',
                     image_meta: 'objects.ImageMeta') -> None:
    """Refuse a new flavor that changes how a realm is measured.

    Called with both flavors and the server's image when the flavor
    changes, after Nova's own resize guards and before anything is saved.

    :raises: FlavorImageConflict listing every setting that changes.
    """
    current = _realm_request_or_none(current_flavor, image_meta)
    if current is None:
        return
    measurement.refuse_change(
        current, _realm_request_or_none(new_flavor, image_meta),
        _('Resize to flavor %s') % new_flavor.get('name'))
