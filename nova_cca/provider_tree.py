"""How a realm host looks in Placement, in either layout.

``root`` (default): the compute node provider carries the
MEM_ENCRYPTION_CONTEXT inventory and the realm traits. ``child``: Nova's
generic layout, a child provider ``<node>_arm_cca`` carries them (Nova
builds it from RealmHost's per-model hooks). Changing layout on a host with
realms moves their allocations in one Placement reshape at start-up.
"""

import os_resource_classes as orc

from nova_cca import model

ROOT = 'root'
CHILD = 'child'
REALM_CONTEXT = orc.MEM_ENCRYPTION_CONTEXT


def child_name(nodename):
    """Nova's name for the Arm CCA child provider of ``nodename``."""
    return '%s_%s' % (nodename, model.MODEL_KEY)


def is_realm_trait(trait):
    return trait == model.REALM_TRAIT or trait.startswith(
        model.REALM_TRAIT + '_')


def realm_inventory(total):
    """MEM_ENCRYPTION_CONTEXT inventory for ``total`` realm slots."""
    return {'total': total, 'min_unit': 1, 'max_unit': 1, 'step_size': 1,
            'reserved': 0, 'allocation_ratio': 1.0}


def realms_on_root(provider_tree, nodename):
    """True when the root carries realm slots put there by nova-cca."""
    root = provider_tree.data(nodename)
    return REALM_CONTEXT in root.inventory and model.REALM_TRAIT in \
        root.traits


def realms_on_child(provider_tree, nodename):
    name = child_name(nodename)
    return provider_tree.exists(name) and (
        REALM_CONTEXT in provider_tree.data(name).inventory)


def move_allocations(allocations, source_uuid, target_uuid):
    """Move every MEM_ENCRYPTION_CONTEXT allocation from source to target.

    ``allocations`` is the reshape input of update_provider_tree():
    ``{consumer: {'allocations': {rp_uuid: {'resources': {rc: n}}}}}``.
    Returns the consumers moved.
    """
    moved = []
    for consumer, data in allocations.items():
        by_provider = data['allocations']
        source = by_provider.get(source_uuid)
        if not source or REALM_CONTEXT not in source['resources']:
            continue
        amount = source['resources'].pop(REALM_CONTEXT)
        if not source['resources']:
            del by_provider[source_uuid]
        target = by_provider.setdefault(target_uuid, {'resources': {}})
        target['resources'][REALM_CONTEXT] = amount
        moved.append(consumer)
    return moved


def realms_allocated(allocations, provider_uuid):
    """How many consumers hold MEM_ENCRYPTION_CONTEXT on the provider."""
    return sum(
        1 for data in (allocations or {}).values()
        if REALM_CONTEXT in data['allocations'].get(
            provider_uuid, {}).get('resources', {}))


def publish_on_root(provider_tree, nodename, total, traits, drained=None):
    """Make the root carry ``total`` realm slots and ``traits`` (or none).

    ``total`` 0 or None removes the inventory, unless ``drained`` gives the
    inventory record to keep (realms still use it); realm traits not in
    ``traits`` are removed.
    """
    root = provider_tree.data(nodename)
    inventory = dict(root.inventory)
    if total:
        inventory[REALM_CONTEXT] = realm_inventory(total)
    elif drained:
        inventory[REALM_CONTEXT] = drained
    else:
        inventory.pop(REALM_CONTEXT, None)
    provider_tree.update_inventory(nodename, inventory)
    stale = [t for t in root.traits if is_realm_trait(t) and t not in traits]
    if stale:
        provider_tree.remove_traits(nodename, *stale)
    if traits:
        provider_tree.add_traits(nodename, *traits)
