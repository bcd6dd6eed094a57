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

"""Faults a realm host survives, with nothing lost."""

from nova import context as nova_context
from nova.tests.fixtures import libvirt as fakelibvirt

from nova_cca_simulator import domcaps
from tests.functional import base

CCA_TRAIT = 'CUSTOM_HW_CPU_AARCH64_CCA'
SHA512 = CCA_TRAIT + '_MEASUREMENT_SHA512'


def _libvirt_refuses():
    raise fakelibvirt.make_libvirtError(
        fakelibvirt.libvirtError,
        'internal error: QEMU probing failed for aarch64',
        error_code=fakelibvirt.VIR_ERR_INTERNAL_ERROR,
        error_domain=fakelibvirt.VIR_FROM_QEMU)


class RealmFaultsTest(base.RealmTestBase):

    def periodic(self, hostname):
        """One periodic resource update of ``hostname``'s compute."""
        self.hosts[hostname].service.manager.update_available_resource(
            nova_context.get_admin_context())

    def realm_traits(self, hostname):
        return {t for t in self.provider(self.realm_provider(hostname))[
            'traits'] if t.startswith(CCA_TRAIT)}

    def test_libvirt_error_on_domain_capabilities_at_start(self):
        self.start_host('cca-1', domcaps_xml=_libvirt_refuses)
        self.assertIn(
            'Arm CCA realms are not supported on this host: libvirt reports '
            'no domain capabilities for aarch64 guests: internal error: '
            'QEMU probing failed for aarch64', self.stdlog.logger.output)
        root = self.provider('cca-1')
        self.assertNotIn('MEM_ENCRYPTION_CONTEXT', root['inventories'])
        self.assertIsNone(self.provider('cca-1_arm_cca'))
        # the compute service runs on; realms find no host and leak nothing
        (service,) = self.admin_api.get_services(host='cca-1',
                                                 binary='nova-compute')
        self.assertEqual(('enabled', 'up'),
                         (service['status'], service['state']))
        server = self.boot(self.realm_flavor(), self.realm_image(),
                           expected_state='ERROR')
        self.assertEqual({}, self._get_allocations_by_server_uuid(
            server['id']))

    def test_libvirt_error_in_a_periodic_run_changes_nothing(self):
        host = self.start_host('cca-1')
        server = self.boot(self.realm_flavor(), self.realm_image())
        before = self.provider(self.realm_provider('cca-1'))
        calls = host.connection.domain_capability_calls
        host.connection.domcaps = _libvirt_refuses
        for _ in range(3):
            self.periodic('cca-1')
        # read once at start-up, cached: no call, no change, no crash
        self.assertEqual(calls, host.connection.domain_capability_calls)
        self.assertEqual(before, self.provider(self.realm_provider('cca-1')))
        self.assertEqual('ACTIVE', self.api.get_server(server['id'])['status'])

    def test_domain_capabilities_change_takes_effect_at_restart(self):
        host = self.start_host('cca-1')
        self.assertIn(SHA512, self.realm_traits('cca-1'))
        # algorithm removed
        host.connection.domcaps = domcaps.packaged(domcaps.CCA_SHA256)
        self.periodic('cca-1')
        self.assertIn(SHA512, self.realm_traits('cca-1'))
        self.restart_host('cca-1')
        self.assertEqual({CCA_TRAIT, CCA_TRAIT + '_MEASUREMENT_SHA256'},
                         self.realm_traits('cca-1'))
        # algorithm added back
        host.connection.domcaps = domcaps.packaged(
            domcaps.CCA_SHA256_SHA512)
        self.restart_host('cca-1')
        self.assertIn(SHA512, self.realm_traits('cca-1'))
        self.assertIn('measurement algorithms: sha256, sha512',
                      self.stdlog.logger.output)

    def test_cca_gone_with_realms_keeps_them_until_restart(self):
        host = self.start_host('cca-1')
        server = self.boot(self.realm_flavor(), self.realm_image())
        host.connection.domcaps = domcaps.packaged(domcaps.NO_CCA)
        self.periodic('cca-1')
        self.assertEqual(1, self.provider(self.realm_provider('cca-1'))[
            'usages']['MEM_ENCRYPTION_CONTEXT'])
        self.assertEqual('ACTIVE', self.api.get_server(server['id'])['status'])

    def test_realm_refused_at_spawn_is_rescheduled(self):
        # cca-1 has the most free RAM, so the scheduler tries it first
        failing = self.start_host('cca-1', memory_mb=65536)
        self.start_host('cca-2', memory_mb=8192)
        failing.connection.refuse_realms = (
            'internal error: RMM refused to create the realm')
        server = self.boot(self.realm_flavor(), self.realm_image())
        self.assertEqual('cca-2', server['OS-EXT-SRV-ATTR:host'])
        self.assertEqual(self.expected_allocations('cca-2'),
                         self.allocations_by_provider_name(server['id']))
        self.assertEqual(0, self.provider(self.realm_provider('cca-1'))[
            'usages']['MEM_ENCRYPTION_CONTEXT'])
        self.assertEqual(0, sum(self.provider('cca-1')['usages'].values()))
        self.assertIn('RMM refused to create the realm',
                      self.stdlog.logger.output)
        self.assertIn('was re-scheduled', self.stdlog.logger.output)
        self.assertIsNone(failing.guest_xml(server['id']))

    def test_realm_refused_everywhere_leaks_nothing(self):
        for name in ('cca-1', 'cca-2'):
            self.start_host(name).connection.refuse_realms = (
                'internal error: RMM refused to create the realm')
        server = self.boot(self.realm_flavor(), self.realm_image(),
                           expected_state='ERROR')
        self.assertEqual({}, self._get_allocations_by_server_uuid(
            server['id']))
        for name in ('cca-1', 'cca-2'):
            self.assertEqual(0, sum(self.provider(name)['usages'].values()))


class PlacementConflictTest(base.RealmTestBase):
    layout = 'child'

    def test_conflict_updating_the_child_provider_is_retried(self):
        self.start_host('cca-1')
        child = self.provider('cca-1_arm_cca')
        # Someone else changes the child (an operator's trait), so the
        # compute's view of its generation is stale ...
        body = self.placement.get('/resource_providers/%s/traits' %
                                  child['uuid'], version='1.6').body
        self.placement.put('/traits/CUSTOM_OPERATOR_MARK', None,
                           version='1.6')
        self.placement.put(
            '/resource_providers/%s/traits' % child['uuid'],
            {'resource_provider_generation':
                body['resource_provider_generation'],
             'traits': body['traits'] + ['CUSTOM_OPERATOR_MARK']},
            version='1.6')
        # ... while the compute must change its inventory.
        self.flags(max_guests=3, group='arm_cca')
        manager = self.hosts['cca-1'].service.manager
        ctxt = nova_context.get_admin_context()
        manager.update_available_resource(ctxt)
        manager.update_available_resource(ctxt)
        child = self.provider('cca-1_arm_cca')
        self.assertEqual(3, child['inventories'][
            'MEM_ENCRYPTION_CONTEXT']['total'])
        self.assertIn(CCA_TRAIT, child['traits'])
        server = self.boot(self.realm_flavor(), self.realm_image())
        self.assertEqual(self.expected_allocations('cca-1'),
                         self.allocations_by_provider_name(server['id']))
