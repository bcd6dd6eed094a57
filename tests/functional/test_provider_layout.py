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

"""Changing [arm_cca] provider_layout on a host that runs realms."""

from nova import context as nova_context

from tests.functional import base

CCA_TRAIT = 'CUSTOM_HW_CPU_AARCH64_CCA'


class ProviderLayoutChangeTest(base.RealmTestBase):

    def _boot_realms(self, count):
        flavor, image = self.realm_flavor(), self.realm_image()
        return [self.boot(flavor, image) for _ in range(count)]

    def _switch(self, layout):
        self.flags(provider_layout=layout, group='arm_cca')
        self.restart_host('cca-1')

    def assert_layout(self, layout, realms, max_guests=None):
        root = self.provider('cca-1')
        child = self.provider('cca-1_arm_cca')
        carrier, other = (root, child) if layout == 'root' else (child, root)
        self.assertEqual(realms, carrier['usages']['MEM_ENCRYPTION_CONTEXT'])
        if max_guests is not None:
            self.assertEqual(max_guests, carrier['inventories'][
                'MEM_ENCRYPTION_CONTEXT']['total'])
        self.assertIn(CCA_TRAIT, carrier['traits'])
        if other is not None:
            self.assertNotIn('MEM_ENCRYPTION_CONTEXT', other['inventories'])
            self.assertNotIn(CCA_TRAIT, other['traits'])
        if layout == 'root':
            self.assertIsNone(child)

    def test_child_to_root_moves_running_realms(self):
        self.flags(provider_layout='child', max_guests=3, group='arm_cca')
        self.start_host('cca-1')
        realms = self._boot_realms(2)
        plain = self.boot(self.create_flavor(), self.plain_aarch64_image())
        self.assert_layout('child', 2, max_guests=3)

        self._switch('root')

        self.assert_layout('root', 2, max_guests=3)
        self.assertIn('Moved the realm slots of 2 instances from '
                      'cca-1_arm_cca to cca-1', self.stdlog.logger.output)
        for server in realms:
            self.assertEqual(
                self.expected_allocations('cca-1'),
                self.allocations_by_provider_name(server['id']))
            self.assertEqual('ACTIVE',
                             self.api.get_server(server['id'])['status'])
        self.assertEqual(
            self.expected_allocations('cca-1', realm=False),
            self.allocations_by_provider_name(plain['id']))
        # max_guests still holds in the new layout
        self._boot_realms(1)
        extra = self.boot(self.realm_flavor(), self.realm_image(),
                          expected_state='ERROR')
        self.assertEqual({}, self._get_allocations_by_server_uuid(
            extra['id']))
        self.assert_layout('root', 3)

    def test_root_to_child_moves_running_realms(self):
        self.flags(provider_layout='root', group='arm_cca')
        self.start_host('cca-1')
        realms = self._boot_realms(2)
        self.assert_layout('root', 2)

        self._switch('child')

        self.assert_layout('child', 2)
        self.assertIn('Moved the realm slots of 2 instances from cca-1 to '
                      'cca-1_arm_cca', self.stdlog.logger.output)
        for server in realms:
            self.assertEqual(
                self.expected_allocations('cca-1'),
                self.allocations_by_provider_name(server['id']))
        self._delete_server(realms[0])
        self.assert_layout('child', 1)

    def test_switch_back_and_forth_without_realms(self):
        self.flags(provider_layout='child', group='arm_cca')
        self.start_host('cca-1')
        self._switch('root')
        self.assert_layout('root', 0)
        self._switch('child')
        self.assert_layout('child', 0)
        output = self.stdlog.logger.output
        self.assertIn('Moved the realm slots of 0 instances from '
                      'cca-1_arm_cca to cca-1', output)
        self.assertIn('Moved the realm slots of 0 instances from cca-1 to '
                      'cca-1_arm_cca', output)


class RealmSlotsWithdrawnTest(base.RealmTestBase):
    """max_guests = 0 while realms still run on the host (root layout)."""

    def test_slots_stay_reserved_until_the_realms_are_gone(self):
        self.start_host('cca-1')
        realm = self.boot(self.realm_flavor(), self.realm_image())
        self.flags(max_guests=0, group='arm_cca')
        self.restart_host('cca-1')

        root = self.provider('cca-1')
        slots = root['inventories']['MEM_ENCRYPTION_CONTEXT']
        self.assertEqual(slots['total'], slots['reserved'])
        self.assertEqual(1, root['usages']['MEM_ENCRYPTION_CONTEXT'])
        self.assertNotIn(CCA_TRAIT, root['traits'])
        self.assertIn('1 realms still run on cca-1',
                      self.stdlog.logger.output)
        # nothing new lands here; the running realm lives on and goes
        extra = self.boot(self.realm_flavor(), self.realm_image(),
                          expected_state='ERROR')
        self.assertEqual({}, self._get_allocations_by_server_uuid(
            extra['id']))
        self.hosts['cca-1'].service.manager.update_available_resource(
            nova_context.get_admin_context())
        self.assertEqual('ACTIVE', self.api.get_server(realm['id'])['status'])
        self._delete_server(realm)
        self.assertEqual(0, self.provider('cca-1')['usages'][
            'MEM_ENCRYPTION_CONTEXT'])
        # the next start finds no realm and removes the slots
        self.restart_host('cca-1')
        self.assertNotIn('MEM_ENCRYPTION_CONTEXT',
                         self.provider('cca-1')['inventories'])
