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

"""Functional test base: Nova's real API, conductor, scheduler and compute
services in-process, real Placement, and simulated aarch64 hosts.
"""

import copy
import uuid

from nova_cca_simulator import compute as sim_compute
from nova_cca_simulator import domcaps
from nova_cca_simulator import harness

REALM_EXTRA_SPECS = {'hw:mem_encryption': 'true',
                     'hw:mem_encryption_model': 'arm-cca'}
REALM_IMAGE_PROPERTIES = {'hw_architecture': 'aarch64',
                          'hw_firmware_type': 'uefi',
                          'hw_firmware_stateless': True,
                          'hw_machine_type': 'virt'}


class RealmTestBase(harness.InProcessCloud):
    ADMIN_API = True
    #: [arm_cca] provider_layout of the hosts; None for the default
    layout = None

    def setUp(self):
        super().setUp()
        self.placement_log = self.useFixture(harness.PlacementRequestLog())
        self.hosts = {}
        if self.layout:
            self.flags(provider_layout=self.layout, group='arm_cca')

    def realm_provider(self, hostname):
        """Name of the provider that carries ``hostname``'s realm slots."""
        import nova.conf
        if nova.conf.CONF.arm_cca.provider_layout == 'child':
            return hostname + '_arm_cca'
        return hostname

    def expected_allocations(self, hostname, vcpu=1, memory_mb=512,
                             disk=1, realm=True):
        allocations = {hostname: {'VCPU': vcpu, 'MEMORY_MB': memory_mb,
                                  'DISK_GB': disk}}
        if realm:
            allocations.setdefault(self.realm_provider(hostname), {})[
                'MEM_ENCRYPTION_CONTEXT'] = 1
        return allocations

    # hosts

    def start_host(self, hostname, domcaps_xml=None, arch='aarch64',
                   **kwargs):
        """Start a compute on a simulated host; CCA sha256+sha512 default."""
        if domcaps_xml is None and arch == 'aarch64':
            domcaps_xml = domcaps.packaged(domcaps.CCA_SHA256_SHA512)
        host = self.useFixture(sim_compute.SimulatedComputeHost(
            self.start_service, hostname, arch=arch, domcaps=domcaps_xml,
            **kwargs))
        self.hosts[hostname] = host
        self.computes[hostname] = host.service
        self.compute_rp_uuids[hostname] = self._provider_uuid(hostname)
        return host

    def restart_host(self, hostname):
        host = self.hosts[hostname]
        host.restart()
        self.computes[hostname] = host.service
        return host

    def _provider_uuid(self, name):
        return self.placement_view.provider_uuid(name)

    def provider(self, name):
        """{'uuid', 'inventories', 'traits', 'usages'} of a provider;
        ``traits`` is a set.
        """
        provider = self.placement_view.provider(name)
        if provider is not None:
            provider['traits'] = set(provider['traits'])
        return provider

    def allocations_by_provider_name(self, server_id):
        return self.placement_view.allocations(server_id)

    # flavors and images

    def create_flavor(self, extra_specs=None, vcpu=1, memory_mb=512, disk=1):
        return self._create_flavor(vcpu=vcpu, memory_mb=memory_mb, disk=disk,
                                   ephemeral=0, extra_spec=extra_specs)

    def realm_flavor(self, **kwargs):
        return self.create_flavor(dict(REALM_EXTRA_SPECS), **kwargs)

    def create_image(self, **properties):
        image = copy.deepcopy(self.glance.image1)
        image['id'] = str(uuid.uuid4())
        image['name'] = 'image-%s' % image['id'][:8]
        image['properties'] = {k: v for k, v in properties.items()
                               if v is not None}
        self.glance.create(None, image)
        return image['id']

    def realm_image(self, **overrides):
        props = dict(REALM_IMAGE_PROPERTIES)
        props.update(overrides)
        return self.create_image(**props)

    def plain_aarch64_image(self):
        return self.create_image(hw_architecture='aarch64',
                                 hw_firmware_type='uefi',
                                 hw_machine_type='virt')

    # servers

    def boot(self, flavor_id, image_id, expected_state='ACTIVE', **kwargs):
        return self._create_server(
            flavor_id=flavor_id, image_uuid=image_id, networks='none',
            expected_state=expected_state, **kwargs)

    def guest_xml(self, server):
        host = self.hosts[server['OS-EXT-SRV-ATTR:host']]
        return host.guest_xml(server['id'])

    # integrity

    def drop_slot(self, server):
        """Take the realm slot out of the server's allocation in Placement.

        What Nova's generic error paths did before nova-cca kept it.
        """
        path = '/allocations/%s' % server['id']
        current = self.placement.get(path, version='1.28').body
        allocations = {
            rp: {'resources': {rc: n for rc, n in a['resources'].items()
                               if rc != 'MEM_ENCRYPTION_CONTEXT'}}
            for rp, a in current['allocations'].items()}
        allocations = {rp: a for rp, a in allocations.items()
                       if a['resources']}
        self.placement.put(path, {
            'allocations': allocations,
            'consumer_generation': current['consumer_generation'],
            'project_id': current['project_id'],
            'user_id': current['user_id']}, version='1.28')

    def force_down(self, hostname):
        """Stop the host's compute and mark its service forced down."""
        self.hosts[hostname].stop()
        (service,) = self.admin_api.get_services(host=hostname,
                                                 binary='nova-compute')
        self.admin_api.put_service(service['id'], {'forced_down': True})

    def force_up(self, hostname):
        """Start the host's compute again and clear forced down."""
        self.restart_host(hostname)
        (service,) = self.admin_api.get_services(host=hostname,
                                                 binary='nova-compute')
        self.admin_api.put_service(service['id'], {'forced_down': False})

    def audit(self):
        """nova_cca.audit over this cloud: its violations."""
        from nova_cca_simulator import inspection
        return inspection.audit(self.admin_api, self.placement, self.glance,
                                self.hosts)

    def assert_clean_audit(self):
        violations = self.audit()
        self.assertEqual([], [str(v) for v in violations])
