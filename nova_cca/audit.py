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

"""The realm integrity audit: does every realm hold what it was promised?

Per host, from what Nova, Placement and libvirt say (gathered by the
caller into :class:`HostState` and :class:`ServerState`):

* every server that asks for ``arm-cca`` and sits on a host has a guest
  with ``<launchSecurity type='cca'>`` there (when it has a guest), the
  host supports CCA, and the server holds exactly one realm slot
  (MEM_ENCRYPTION_CONTEXT) there and none elsewhere;
* no other server has ``<launchSecurity>`` or a realm slot;
* each host's realm slot usage equals the number of realms on it.

:func:`check` returns the :class:`Violation` list; empty means clean.
"""

from collections.abc import Iterable
import dataclasses
from typing import Any

from lxml import etree

from nova_cca import glossary

#: vm states in which a server must have a guest on its host
_RUNNING = ('active',)


@dataclasses.dataclass(frozen=True)
class HostState:
    name: str
    #: whether the host supports Arm CCA (its compute's verdict)
    cca: bool
    #: MEM_ENCRYPTION_CONTEXT used on the host's providers (Placement)
    realm_slots_used: int = 0


@dataclasses.dataclass(frozen=True)
class ServerState:
    name: str
    uuid: str
    #: compute host, None when it has none (shelved offloaded, no valid
    #: host)
    host: str | None
    #: whether flavor + image ask for an Arm CCA realm
    realm: bool
    #: Nova's vm_state ('active', 'stopped', 'error', ...)
    vm_state: str
    #: domain XML of its guest on its host; None without a guest there
    guest_xml: str | None = None
    #: {host name: realm slots the server's allocations hold there}
    slots: dict = dataclasses.field(default_factory=dict)


@dataclasses.dataclass(frozen=True)
class Violation:
    host: str | None
    server: str | None
    problem: str

    def __str__(self) -> str:
        return '%s on %s: %s' % (self.server or '(host)', self.host or
                                 '(no host)', self.problem)

    def as_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)


def launch_security_type(guest_xml: str | None) -> str | None:
    """The ``type`` of the guest's ``<launchSecurity>``, or None."""
    if not guest_xml:
        return None
    launch = etree.fromstring(guest_xml.encode()).find('launchSecurity')
    return None if launch is None else (launch.get('type') or '')


def check(host_states: Iterable[HostState],
          servers: Iterable[ServerState]) -> list[Violation]:
    """All violations of the realm promise, by server and host."""
    hosts = {h.name: h for h in host_states}
    violations: list[Violation] = []

    def violation(host: str | None, server: str | None,
                  problem: str) -> None:
        violations.append(Violation(host, server, problem))

    realms_on = dict.fromkeys(hosts, 0)
    for server in servers:
        launch = launch_security_type(server.guest_xml)
        held = {h: n for h, n in server.slots.items() if n}
        if not server.realm:
            if launch is not None:
                violation(server.host, server.name,
                          "not a realm, but its guest has launchSecurity "
                          "type='%s'" % launch)
            for host, count in sorted(held.items()):
                violation(host, server.name,
                          'not a realm, but holds %d realm slot(s)' % count)
            continue
        if server.host is None:
            for host, count in sorted(held.items()):
                violation(host, server.name,
                          'a realm without a host holds %d realm slot(s)'
                          % count)
            continue
        realms_on[server.host] = realms_on.get(server.host, 0) + 1
        host = hosts.get(server.host)
        if host is not None and not host.cca:
            violation(server.host, server.name,
                      'a realm on a host without Arm CCA')
        if server.guest_xml is None:
            if server.vm_state in _RUNNING:
                violation(server.host, server.name,
                          'a running realm without a guest on its host')
        elif launch != glossary.LAUNCH_SECURITY_TYPE:
            violation(server.host, server.name,
                      "a realm whose guest has %s" % (
                          "no launchSecurity" if launch is None else
                          "launchSecurity type='%s'" % launch))
        own = held.get(server.host, 0)
        if own != 1:
            violation(server.host, server.name,
                      'a realm holding %d realm slots on its host, not 1'
                      % own)
        for other, count in sorted(held.items()):
            if other != server.host:
                violation(other, server.name,
                          'a realm holding %d realm slot(s) on %s, which '
                          'is not its host' % (count, other))
    for name, host in sorted(hosts.items()):
        if host.realm_slots_used != realms_on.get(name, 0):
            violation(name, None,
                      'realm slots used: %d, realms on the host: %d'
                      % (host.realm_slots_used, realms_on.get(name, 0)))
    return violations


def summary(violations: list[Violation]) -> dict[str, Any]:
    """The audit as the simulate report's ``audit`` key."""
    return {'clean': not violations,
            'violations': [v.as_dict() for v in violations]}
