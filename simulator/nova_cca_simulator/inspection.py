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

"""What a simulated cloud holds, for the integrity audit.

Reads servers from Nova's API, allocations and usages from Placement,
images from the (fake) Glance and guests from each simulated host's
libvirt, into :mod:`nova_cca.audit`'s states. Used by ``nova-cca
simulate`` and the functional tests.
"""

from nova import objects
from nova.tests.fixtures import libvirt as fakelibvirt

from nova_cca import audit as realm_audit
from nova_cca import glossary
from nova_cca import rest
from nova_cca.virt import model
from nova_cca_simulator import harness


def audit(admin_api, placement, glance, hosts):
    """Violations of the realm promise in the cloud (see nova_cca.audit).

    :param admin_api: Nova's API client (admin)
    :param placement: Placement's client
    :param glance: the Glance fixture
    :param hosts: {name: SimulatedComputeHost}
    """
    return realm_audit.check(*collect(admin_api, placement, glance, hosts))


def collect(admin_api, placement, glance, hosts):
    """([HostState], [ServerState]) of the cloud."""
    reader = rest.PlacementReader(harness.PlacementClientTransport(placement))
    compute = rest.ComputeReader(harness.ComputeClientTransport(admin_api))
    providers = reader.providers()
    # a host is the root provider of its tree, named after its node
    host_of = {p['uuid']: p['root'] for p in providers}

    used, traits = {}, {}
    for rp in providers:
        usage = rp['usages'].get(glossary.REALM_RESOURCE_CLASS, 0)
        host = rp['root']
        used[host] = used.get(host, 0) + usage
        if glossary.REALM_TRAIT in rp['traits']:
            traits[host] = True
    host_states = [
        realm_audit.HostState(name, _supports_cca(host, traits.get(name)),
                              used.get(name, 0))
        for name, host in sorted(hosts.items())]

    servers = compute.servers(all_tenants=True)
    server_states = []
    for server in sorted(servers, key=lambda s: s['name']):
        slots = {}
        for rp_uuid, resources in reader.allocations_by_uuid(
                server['id']).items():
            count = resources.get(glossary.REALM_RESOURCE_CLASS, 0)
            if count:
                host = host_of[rp_uuid]
                slots[host] = slots.get(host, 0) + count
        host = server.get('OS-EXT-SRV-ATTR:host')
        server_states.append(realm_audit.ServerState(
            name=server['name'], uuid=server['id'], host=host,
            realm=_is_realm(server, glance),
            vm_state=server.get('OS-EXT-STS:vm_state'),
            guest_xml=_guest_xml(hosts.get(host), server['id']),
            slots=slots))
    return host_states, server_states


def _supports_cca(host, placement_says):
    # the compute's own verdict while it runs; Placement's when it is down
    if host.service is not None:
        return host.driver._host.realm_capability.supported
    return bool(placement_says)


def _is_realm(server, glance):
    flavor = objects.Flavor(
        name=server['flavor'].get('original_name', 'flavor'),
        extra_specs=server['flavor'].get('extra_specs', {}))
    image_id = (server.get('image') or {}).get('id')
    image = glance.show(None, image_id) if image_id else {}
    return model.is_realm(flavor, objects.ImageMeta.from_dict(image))


def _guest_xml(host, instance_uuid):
    """The XML of the instance's guest defined on ``host``, or None."""
    if host is None:
        return None
    try:
        host.connection.lookupByUUIDString(instance_uuid)
    except fakelibvirt.libvirtError:
        return None
    return host.guest_xml(instance_uuid)
