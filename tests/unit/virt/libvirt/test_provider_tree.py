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

"""The Placement layouts against Nova's real ProviderTree."""

import copy

from nova.compute import provider_tree as nova_provider_tree
from nova import exception
import os_resource_classes as orc
from oslo_utils.fixture import uuidsentinel as uuids
import pytest

from nova_cca import glossary
from nova_cca.virt.libvirt import provider_tree as realm_tree

NODE = 'cca-1'
CHILD = NODE + '_arm_cca'
CTX = orc.MEM_ENCRYPTION_CONTEXT
TRAITS = [glossary.REALM_TRAIT, glossary.REALM_TRAIT + '_SHA256']
#: what Nova's update_provider_tree() puts on the root: it replaces the
#: root's whole inventory
NOVA_ROOT = {orc.VCPU: {'total': 8, 'min_unit': 1, 'max_unit': 8,
                        'step_size': 1, 'reserved': 0,
                        'allocation_ratio': 1.0}}


class FakeNova:
    """Stands in for Nova's update_provider_tree(): rewrites the root's
    inventory and, in the child layout, fills the child as Nova does from
    RealmHost's hooks (``child_slots``), or removes it.
    """

    def __init__(self, tree, child_slots=0):
        self.tree = tree
        self.child_slots = child_slots
        self.calls = 0

    def __call__(self):
        self.calls += 1
        self.tree.update_inventory(NODE, dict(NOVA_ROOT))
        if self.child_slots:
            if not self.tree.exists(CHILD):
                self.tree.new_child(CHILD, NODE)
            self.tree.update_inventory(
                CHILD, {CTX: realm_tree.realm_inventory(self.child_slots)})
            self.tree.add_traits(CHILD, *TRAITS)
        elif self.tree.exists(CHILD):
            self.tree.remove(CHILD)


def new_tree(root_slots=None, child_slots=None, reserved=0):
    tree = nova_provider_tree.ProviderTree()
    tree.new_root(NODE, uuids.root)
    inventory = dict(NOVA_ROOT)
    if root_slots:
        inventory[CTX] = dict(realm_tree.realm_inventory(root_slots),
                              reserved=reserved)
        tree.add_traits(NODE, *TRAITS)
    tree.update_inventory(NODE, inventory)
    if child_slots:
        tree.new_child(CHILD, NODE, uuid=uuids.child)
        tree.update_inventory(
            CHILD, {CTX: realm_tree.realm_inventory(child_slots)})
        tree.add_traits(CHILD, *TRAITS)
    return tree


def realm_allocation(provider_uuid):
    """A realm's allocation, its slot on ``provider_uuid``."""
    by_provider = {uuids.root: {'resources': {orc.VCPU: 1}}}
    by_provider.setdefault(provider_uuid, {'resources': {}})[
        'resources'][CTX] = 1
    return {'allocations': by_provider}


def update(layout, tree, allocations=None, slots=0, child_slots=0):
    nova = FakeNova(tree, child_slots=child_slots)
    layout.update(tree, NODE, allocations, slots=slots,
                  traits=TRAITS if slots else [], nova_update=nova)
    return nova


# root layout: publish


def test_root_layout_publishes_slots_and_traits_on_the_root():
    tree = new_tree()
    nova = update(realm_tree.RootLayout(), tree, slots=3)
    root = tree.data(NODE)
    assert nova.calls == 1
    assert root.inventory[CTX] == realm_tree.realm_inventory(3)
    assert root.inventory[orc.VCPU] == NOVA_ROOT[orc.VCPU]
    assert set(TRAITS) <= root.traits
    assert not tree.exists(CHILD)


def test_root_layout_drops_traits_of_algorithms_no_longer_listed():
    tree = new_tree(root_slots=3)
    tree.add_traits(NODE, glossary.REALM_TRAIT + '_SHA512', 'HW_CPU_X86_AVX')
    update(realm_tree.RootLayout(), tree, slots=3)
    traits = tree.data(NODE).traits
    assert glossary.REALM_TRAIT + '_SHA512' not in traits
    assert 'HW_CPU_X86_AVX' in traits  # not ours: left alone


def test_root_layout_without_realm_support_publishes_nothing():
    tree = new_tree()
    update(realm_tree.RootLayout(), tree, slots=0)
    root = tree.data(NODE)
    assert CTX not in root.inventory
    assert not [t for t in root.traits if glossary.is_realm_trait(t)]


# root layout: withdrawal while realms run


def test_withdrawal_asks_for_the_allocations_once():
    tree = new_tree(root_slots=4)
    layout = realm_tree.RootLayout()
    with pytest.raises(exception.ReshapeNeeded):
        update(layout, tree, allocations=None, slots=0)
    assert tree.data(NODE).inventory[CTX]['total'] == 4  # untouched


def test_withdrawal_keeps_slots_all_reserved_while_realms_run():
    tree = new_tree(root_slots=4)
    layout = realm_tree.RootLayout()
    allocations = {uuids.realm: realm_allocation(uuids.root),
                   uuids.plain: {'allocations': {
                       uuids.root: {'resources': {orc.VCPU: 1}}}}}
    update(layout, tree, allocations=allocations, slots=0)
    root = tree.data(NODE)
    assert root.inventory[CTX]['total'] == 4
    assert root.inventory[CTX]['reserved'] == 4
    assert not [t for t in root.traits if glossary.is_realm_trait(t)]
    # later periodic updates keep them, without asking again
    update(layout, tree, allocations=None, slots=0)
    assert tree.data(NODE).inventory[CTX]['reserved'] == 4


def test_withdrawal_without_realms_drops_the_slots():
    tree = new_tree(root_slots=4)
    layout = realm_tree.RootLayout()
    plain = {uuids.plain: {'allocations': {
        uuids.root: {'resources': {orc.VCPU: 1}}}}}
    update(layout, tree, allocations=plain, slots=0)
    assert CTX not in tree.data(NODE).inventory


def test_withdrawal_is_decided_at_start_up_only():
    # the realms left after start-up: the kept slots stay until restart
    tree = new_tree(root_slots=2)
    layout = realm_tree.RootLayout()
    update(layout, tree, allocations={
        uuids.realm: realm_allocation(uuids.root)}, slots=0)
    update(layout, tree, allocations=None, slots=0)
    assert tree.data(NODE).inventory[CTX]['reserved'] == 2
    # a restart (a new layout object) looks at the allocations again
    restarted = realm_tree.RootLayout()
    update(restarted, tree, allocations={}, slots=0)
    assert CTX not in tree.data(NODE).inventory


def test_slots_offered_again_end_the_withdrawal():
    tree = new_tree(root_slots=2, reserved=2)
    update(realm_tree.RootLayout(), tree, slots=5)
    assert tree.data(NODE).inventory[CTX] == realm_tree.realm_inventory(5)


# reshape child -> root


def test_child_to_root_needs_a_reshape():
    tree = new_tree(child_slots=3)
    before = copy.deepcopy(tree.data(CHILD).inventory)
    with pytest.raises(exception.ReshapeNeeded):
        update(realm_tree.RootLayout(), tree, allocations=None, slots=3)
    assert tree.data(CHILD).inventory == before


def test_child_to_root_moves_realm_allocations_to_the_root():
    tree = new_tree(child_slots=3)
    allocations = {uuids.a: realm_allocation(uuids.child),
                   uuids.b: realm_allocation(uuids.child)}
    update(realm_tree.RootLayout(), tree, allocations=allocations, slots=3)
    for consumer in (uuids.a, uuids.b):
        by_provider = allocations[consumer]['allocations']
        assert by_provider == {uuids.root: {'resources': {
            orc.VCPU: 1, CTX: 1}}}
    assert not tree.exists(CHILD)
    assert tree.data(NODE).inventory[CTX]['total'] == 3
    assert set(TRAITS) <= tree.data(NODE).traits


# reshape root -> child


def test_root_to_child_needs_a_reshape():
    tree = new_tree(root_slots=3)
    with pytest.raises(exception.ReshapeNeeded):
        update(realm_tree.ChildLayout(), tree, allocations=None,
               child_slots=3)
    assert tree.data(NODE).inventory[CTX]['total'] == 3
    assert not tree.exists(CHILD)


def test_root_to_child_moves_realm_allocations_to_the_child():
    tree = new_tree(root_slots=3)
    allocations = {uuids.a: realm_allocation(uuids.root)}
    update(realm_tree.ChildLayout(), tree, allocations=allocations,
           slots=3, child_slots=3)
    child = tree.data(CHILD)
    assert allocations[uuids.a]['allocations'] == {
        uuids.root: {'resources': {orc.VCPU: 1}},
        child.uuid: {'resources': {CTX: 1}}}
    root = tree.data(NODE)
    assert CTX not in root.inventory
    assert not [t for t in root.traits if glossary.is_realm_trait(t)]
    assert child.inventory[CTX]['total'] == 3
    assert set(TRAITS) <= child.traits


def test_root_to_child_on_a_host_without_realm_support_fails():
    tree = new_tree(root_slots=3)
    allocations = {uuids.a: realm_allocation(uuids.root)}
    with pytest.raises(exception.ReshapeFailed,
                       match='reports no Arm CCA support'):
        update(realm_tree.ChildLayout(), tree, allocations=allocations,
               slots=0)


def test_child_layout_clears_realm_traits_from_the_root():
    tree = new_tree(child_slots=2)
    tree.add_traits(NODE, glossary.REALM_TRAIT)
    update(realm_tree.ChildLayout(), tree, slots=2, child_slots=2)
    assert glossary.REALM_TRAIT not in tree.data(NODE).traits
    assert tree.data(CHILD).inventory[CTX]['total'] == 2


# helpers


def test_unknown_layout_is_named():
    with pytest.raises(ValueError, match="'sideways'"):
        realm_tree.layout('sideways')


def test_layout_by_name():
    assert isinstance(realm_tree.layout('root'), realm_tree.RootLayout)
    assert isinstance(realm_tree.layout('child'), realm_tree.ChildLayout)
