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

"""The one place where nova-cca changes Nova.

Nova 34 has no plug-in point for a new memory-encryption model. The
changes :func:`activate` makes, one :class:`~.patch.Patch` each with its
contract (what, why no seam, which upstream change removes it), live in
one module per Nova layer:

- :mod:`.objects`: the model value, the realm's image properties;
- :mod:`.api`: the flavor extra-spec validators;
- :mod:`.scheduler`: the realm's traits in the Placement request;
- :mod:`.compute`: what the compute API refuses a realm;
- :mod:`.virt`: the realm's config, host hooks, the driver's import path.

:func:`activate` must run in every Nova process of a deployment (API,
metadata API, conductor, scheduler, compute, nova-manage, nova-status)
before the service starts; the ``nova-cca-*`` commands and WSGI modules do
that. It refuses a Nova other than 34.x and a Nova whose wrapped code
changed signature. Idempotent: a second call changes nothing.
"""

import importlib.metadata
import threading

from nova_cca.activation import api
from nova_cca.activation import compute
from nova_cca.activation import objects
from nova_cca.activation import patch as contract
from nova_cca.activation import scheduler
from nova_cca.activation import virt

SUPPORTED_NOVA_MAJOR = 34

#: every patch, in the order activate() applies them
PATCHES: list[contract.Patch] = (
    objects.PATCHES + api.PATCHES + scheduler.PATCHES + compute.PATCHES +
    virt.PATCHES)

# re-exported: nova-cca readiness parses domain capabilities without
# activating, the tests name the driver module
register_domain_caps_features = virt.register_domain_caps_features
domain_caps_features_registered = virt.domain_caps_features_registered
DRIVER_MODULE = virt.DRIVER_MODULE
NovaChanged = contract.NovaChanged

_lock = threading.Lock()
_active = False


class UnsupportedNovaVersion(RuntimeError):
    """The installed Nova is not the one nova-cca was written for."""


def installed_nova_version() -> str:
    return importlib.metadata.version('nova')


def check_nova_version(version: str | None = None) -> None:
    """Fail loudly unless ``version`` (default: installed Nova) is 34.x."""
    version = version or installed_nova_version()
    major = version.split('.', 1)[0]
    if major != str(SUPPORTED_NOVA_MAJOR):
        raise UnsupportedNovaVersion(
            'nova-cca supports Nova %d.x (2026.2) only, but nova %s is '
            'installed; refusing to change it.'
            % (SUPPORTED_NOVA_MAJOR, version))


def activate() -> None:
    """Make ``arm-cca`` a memory-encryption model of Nova in this process.

    :raises: UnsupportedNovaVersion, NovaChanged (nothing changed then).
    """
    global _active
    with _lock:
        if _active:
            return
        check_nova_version()
        contract.check_signatures(PATCHES)
        # [arm_cca] in nova.conf, for every service and nova-manage
        from nova_cca import conf  # noqa: F401  registers on import
        applied = set()
        for each in PATCHES:
            if each.apply not in applied:
                each.apply()
                applied.add(each.apply)
        _active = True


def is_active() -> bool:
    return _active
