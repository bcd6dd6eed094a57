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

"""How a realm host looks in Placement, in either layout.

``root`` (default, :class:`RootLayout`): the compute node provider carries
the MEM_ENCRYPTION_CONTEXT inventory and the realm traits. ``child``
(:class:`ChildLayout`): Nova's generic layout, a child provider
``<node>_arm_cca`` carries them (Nova builds it from RealmHost's per-model
hooks). Changing layout on a host with realms moves their allocations in
one Placement reshape at start-up.

The driver calls :meth:`RealmLayout.update` from
``update_provider_tree()``; the layout runs Nova's own update in the middle
(``nova_update``), because Nova rewrites the root provider's inventory.
"""

from collections.abc import Callable
from collections.abc import Collection
from typing import Any
from typing import TYPE_CHECKING

from nova import exception
from oslo_log import log as logging

from nova_cca import glossary

if TYPE_CHECKING:
    from nova.compute import provider_tree as nova_tree

LOG = logging.getLogger(__name__)

#: a host's allocations as update_provider_tree() gets them in a reshape:
#: ``{consumer: {'allocations': {rp_uuid: {'resources': {rc: n}}}}}``
Allocations = dict[str, Any]


def realm_inventory(total: int) -> dict[str, Any]:
    """MEM_ENCRYPTION_CONTEXT inventory for ``total`` realm slots."""
    return {'total': total, 'min_unit': 1, 'max_unit': 1, 'step_size': 1,
            'reserved': 0, 'allocation_ratio': 1.0}


def realms_on_root(provider_tree: 'nova_tree.ProviderTree',
                   nodename: str) -> bool:
    """True when the root carries realm slots put there by nova-cca."""
    root = provider_tree.data(nodename)
    return (glossary.REALM_RESOURCE_CLASS in root.inventory and
            glossary.REALM_TRAIT in root.traits)


def realms_on_child(provider_tree: 'nova_tree.ProviderTree',
                    nodename: str) -> bool:
    """True when Nova's ``<node>_arm_cca`` child carries realm slots."""
    name = glossary.child_provider_name(nodename)
    return provider_tree.exists(name) and (
        glossary.REALM_RESOURCE_CLASS in provider_tree.data(name).inventory)


def move_allocations(allocations: Allocations | None, source_uuid: str,
                     target_uuid: str) -> list[str]:
    """Move every MEM_ENCRYPTION_CONTEXT allocation from source to target.

    ``allocations`` is the reshape input of update_provider_tree():
    ``{consumer: {'allocations': {rp_uuid: {'resources': {rc: n}}}}}``.
    Returns the consumers moved.
    """
    moved = []
    for consumer, data in (allocations or {}).items():
        by_provider = data['allocations']
        source = by_provider.get(source_uuid)
        if (not source or
                glossary.REALM_RESOURCE_CLASS not in source['resources']):
            continue
        amount = source['resources'].pop(glossary.REALM_RESOURCE_CLASS)
        if not source['resources']:
            del by_provider[source_uuid]
        target = by_provider.setdefault(target_uuid, {'resources': {}})
        target['resources'][glossary.REALM_RESOURCE_CLASS] = amount
        moved.append(consumer)
    return moved


def realms_allocated(allocations: Allocations | None,
                     provider_uuid: str) -> int:
    """How many consumers hold MEM_ENCRYPTION_CONTEXT on the provider."""
    return sum(
        1 for data in (allocations or {}).values()
        if glossary.REALM_RESOURCE_CLASS in data['allocations'].get(
            provider_uuid, {}).get('resources', {}))


def request_reshape(allocations: Allocations | None, source: str,
                    target: str) -> None:
    """Raise ReshapeNeeded unless Nova passed the allocations.

    Nova answers ReshapeNeeded by calling update_provider_tree() again with
    every allocation of the host, which a move of realm slots needs.
    """
    if allocations is None:
        LOG.info('Requesting a provider tree reshape to move Arm CCA realm '
                 'slots from %s to %s.', source, target)
        raise exception.ReshapeNeeded()


def publish_on_root(provider_tree: 'nova_tree.ProviderTree', nodename: str,
                    total: int | None, traits: Collection[str],
                    kept_inventory: dict[str, Any] | None = None) -> None:
    """Make the root carry ``total`` realm slots and ``traits`` (or none).

    ``total`` 0 or None removes the inventory, unless ``kept_inventory``
    gives the inventory record to keep (realms still use it); realm traits
    not in ``traits`` are removed.
    """
    root = provider_tree.data(nodename)
    inventory = dict(root.inventory)
    if total:
        inventory[glossary.REALM_RESOURCE_CLASS] = realm_inventory(total)
    elif kept_inventory:
        inventory[glossary.REALM_RESOURCE_CLASS] = kept_inventory
    else:
        inventory.pop(glossary.REALM_RESOURCE_CLASS, None)
    provider_tree.update_inventory(nodename, inventory)
    stale = [t for t in root.traits
             if glossary.is_realm_trait(t) and t not in traits]
    if stale:
        provider_tree.remove_traits(nodename, *stale)
    if traits:
        provider_tree.add_traits(nodename, *traits)


class RealmLayout:
    """Where one host's realm slots and traits live in Placement.

    One object per compute service: it remembers what it decided at
    start-up.
    """

    name: str | None = None

    def update(self, provider_tree: 'nova_tree.ProviderTree', nodename: str,
               allocations: Allocations | None, slots: int,
               traits: list[str], nova_update: Callable[[], None]) -> None:
        """Bring ``provider_tree`` to this layout.

        :param provider_tree: Nova's ProviderTree of the host
        :param nodename: the compute node (root provider) name
        :param allocations: the host's allocations when Nova asks for a
            reshape, else None
        :param slots: realm slots the host offers now (0: none)
        :param traits: the realm traits of the host
        :param nova_update: runs Nova's own update_provider_tree()
        :raises ReshapeNeeded: realm slots must move and ``allocations`` is
            None
        :raises ReshapeFailed: realm slots cannot be moved
        """
        raise NotImplementedError()


class RootLayout(RealmLayout):
    """Realm slots and traits on the compute node provider.

    Nova is told the host has no ``arm_cca`` child (RealmHost reports
    none in this layout), so it removes a child left from the ``child``
    layout; the realms' slots move to the root first.
    """

    name = glossary.ROOT_LAYOUT

    def __init__(self) -> None:
        #: whether this service start looked at the root's realm
        #: allocations (once, in a reshape)
        self._withdrawal_checked = False

    def update(self, provider_tree: 'nova_tree.ProviderTree', nodename: str,
               allocations: Allocations | None, slots: int,
               traits: list[str], nova_update: Callable[[], None]) -> None:
        moved = self._move_realms_from_child(provider_tree, nodename,
                                             allocations)
        kept = None if slots else self._kept_inventory(
            provider_tree, nodename, allocations)
        nova_update()
        publish_on_root(provider_tree, nodename, slots,
                        traits if slots else [], kept_inventory=kept)
        if moved is not None:
            LOG.info('Moved the realm slots of %d instances from %s to %s.',
                     len(moved), glossary.child_provider_name(nodename),
                     nodename)

    def _move_realms_from_child(self, provider_tree: 'nova_tree.ProviderTree',
                                nodename: str, allocations: Allocations | None
                                ) -> list[str] | None:
        # 'child' -> 'root'
        if not realms_on_child(provider_tree, nodename):
            return None
        child_name = glossary.child_provider_name(nodename)
        request_reshape(allocations, child_name, nodename)
        child = provider_tree.data(child_name)
        root = provider_tree.data(nodename)
        return move_allocations(allocations, child.uuid, root.uuid)

    def _kept_inventory(self, provider_tree: 'nova_tree.ProviderTree',
                        nodename: str, allocations: Allocations | None
                        ) -> dict[str, Any] | None:
        """Realm slots the root must keep although it offers none now.

        When the root has realm slots and the host offers none any more
        (max_guests = 0, or CCA gone), Placement refuses to drop inventory
        that realms still use. Once per service start, ask Nova for the
        allocations (a reshape); while realms remain, keep their slots
        reserved, so nothing new is placed; without realms, drop them.
        """
        slots = provider_tree.data(nodename).inventory.get(
            glossary.REALM_RESOURCE_CLASS)
        if not slots:
            return None
        if self._withdrawal_checked:
            return slots if slots['reserved'] >= slots['total'] else None
        request_reshape(allocations, nodename, 'nowhere (no realm slots '
                        'are offered any more)')
        self._withdrawal_checked = True
        in_use = realms_allocated(allocations,
                                  provider_tree.data(nodename).uuid)
        if not in_use:
            return None
        LOG.warning('%d realms still run on %s, which offers no realm slots '
                    'any more: their slots stay, all reserved, so no new '
                    'realm is placed here. Move or delete them, then '
                    'restart nova-compute to remove the slots.',
                    in_use, nodename)
        return dict(slots, reserved=slots['total'])


class ChildLayout(RealmLayout):
    """Realm slots and traits on Nova's ``<node>_arm_cca`` child.

    Nova builds and updates the child from RealmHost's per-model hooks;
    this layout only moves realms off the root (from the ``root`` layout)
    and clears the root of realm slots and traits.
    """

    name = glossary.CHILD_LAYOUT

    def update(self, provider_tree: 'nova_tree.ProviderTree', nodename: str,
               allocations: Allocations | None, slots: int,
               traits: list[str], nova_update: Callable[[], None]) -> None:
        moved = self._move_realms_to_child(provider_tree, nodename,
                                           allocations, slots)
        nova_update()
        publish_on_root(provider_tree, nodename, 0, [])
        if moved is not None:
            LOG.info('Moved the realm slots of %d instances from %s to %s.',
                     len(moved), nodename,
                     glossary.child_provider_name(nodename))

    def _move_realms_to_child(self, provider_tree: 'nova_tree.ProviderTree',
                              nodename: str, allocations: Allocations | None,
                              slots: int) -> list[str] | None:
        # 'root' -> 'child'
        if not realms_on_root(provider_tree, nodename):
            return None
        name = glossary.child_provider_name(nodename)
        request_reshape(allocations, nodename, name)
        if not slots:
            raise exception.ReshapeFailed(error=(
                'realm slots are allocated on %s but this host reports no '
                'Arm CCA support to move them to %s' % (nodename, name)))
        if not provider_tree.exists(name):
            # the provider Nova fills from RealmHost's hooks, created here
            # so the allocations have somewhere to go
            provider_tree.new_child(name, nodename)
        root = provider_tree.data(nodename)
        moved = move_allocations(allocations, root.uuid,
                                 provider_tree.data(name).uuid)
        publish_on_root(provider_tree, nodename, 0, [])
        return moved


LAYOUTS = {layout.name: layout for layout in (RootLayout, ChildLayout)}


def layout(name: str) -> RealmLayout:
    """A new layout object for ``[arm_cca] provider_layout = name``."""
    try:
        return LAYOUTS[name]()
    except KeyError:
        raise ValueError('unknown provider layout %r (known: %s)'
                         % (name, ', '.join(sorted(LAYOUTS))))
