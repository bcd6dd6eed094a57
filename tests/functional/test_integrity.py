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

"""The realm promise on every path: a realm on a CCA host holding its slot,
or a clear refusal (issue 9).
"""

from lxml import etree
from nova.tests.functional.api import client

from nova_cca_simulator import domcaps
from tests.functional import base

SLOT = 'MEM_ENCRYPTION_CONTEXT'
REALM_BY_IMAGE = {'hw_mem_encryption': True,
                  'hw_mem_encryption_model': 'arm-cca'}


class IntegrityTestBase(base.RealmTestBase):

    def launch_security(self, server):
        xml = self.guest_xml(server)
        if xml is None:
            return None
        launch = etree.fromstring(xml.encode()).find('launchSecurity')
        return None if launch is None else launch.get('type')

    def slots(self, hostname):
        usages = self.provider(self.realm_provider(hostname))['usages']
        return usages.get(SLOT, 0)

    def act(self, server, body, action, event, result, api=None):
        """Post a server action; wait for ``event`` to end in ``result``.

        RPC casts run as calls in this environment: a failure on the
        compute may come back as the API's answer too.
        """
        try:
            (api or self.api).post_server_action(server['id'], body)
        except client.OpenStackApiException as e:
            if result != 'Error':
                raise
            self.assertNotIn(e.response.status_code, (404, 409), e)
        self._wait_for_instance_action_event(server, action, event, result)
        return self._wait_for_server_parameter(
            server, {'OS-EXT-STS:task_state': None})

    def rebuild(self, server, image_id, result):
        """Rebuild; wait for the compute to end it ('Success', 'Error')."""
        return self.act(server, {'rebuild': {'imageRef': image_id}},
                        'rebuild', 'compute_rebuild_instance', result)

    def assert_rebuild_refused(self, server, image_id, *fragments):
        before = self.api.get_server(server['id'])
        ex = self.assertRaises(
            client.OpenStackApiException, self.api.post_server_action,
            server['id'], {'rebuild': {'imageRef': image_id}})
        self.assertEqual(400, ex.response.status_code, ex.response.text)
        for fragment in ('cannot change the memory encryption',) + \
                fragments:
            self.assertIn(fragment, ex.response.text)
        after = self.api.get_server(server['id'])
        self.assertEqual('ACTIVE', after['status'])
        self.assertEqual(before['image'], after['image'])
        return ex.response.text


class RebuildRequestTest(IntegrityTestBase):
    """A rebuild keeps the server's memory-encryption request (400)."""

    def test_rebuild_into_a_realm_on_a_host_without_cca(self):
        # reproduction 1
        self.start_host('arm-1', domcaps.packaged(domcaps.NO_CCA))
        server = self.boot(self.create_flavor(), self.plain_aarch64_image())
        text = self.assert_rebuild_refused(
            server, self.realm_image(**REALM_BY_IMAGE),
            'hw_mem_encryption=True (now unset)',
            'hw_mem_encryption_model=arm-cca (now unset)',
            'from no memory encryption to arm-cca')
        self.assertIn(server['id'], text)
        self.assertIsNone(self.launch_security(server))
        self.assert_clean_audit()

    def test_rebuild_into_a_realm_on_a_full_cca_host(self):
        # reproduction 2
        self.flags(max_guests=1, group='arm_cca')
        self.start_host('cca-1')
        self.boot(self.realm_flavor(), self.realm_image())
        plain = self.boot(self.create_flavor(), self.plain_aarch64_image())
        self.assert_rebuild_refused(
            plain, self.realm_image(**REALM_BY_IMAGE),
            'hw_mem_encryption_model=arm-cca')
        self.assertIsNone(self.launch_security(plain))
        self.assertEqual(1, self.slots('cca-1'))
        self.assert_clean_audit()

    def test_rebuild_out_of_a_realm(self):
        # reproduction 3
        self.flags(max_guests=1, group='arm_cca')
        self.start_host('cca-1')
        realm = self.boot(self.create_flavor(),
                          self.realm_image(**REALM_BY_IMAGE))
        self.assert_rebuild_refused(
            realm, self.plain_aarch64_image(),
            'from arm-cca to no memory encryption',
            'hw_mem_encryption=unset (now True)')
        self.assertEqual('cca', self.launch_security(realm))
        self.assertEqual(1, self.slots('cca-1'))
        self.assert_clean_audit()

    def test_rebuild_keeping_the_request_stays_a_realm_on_its_host(self):
        self.start_host('cca-1')
        self.start_host('cca-2')
        realm = self.boot(self.create_flavor(),
                          self.realm_image(**REALM_BY_IMAGE))
        host = realm['OS-EXT-SRV-ATTR:host']
        realm = self._rebuild_server(
            realm, self.realm_image(hw_machine_type='virt-9.2',
                                    **REALM_BY_IMAGE))
        self.assertEqual(host, realm['OS-EXT-SRV-ATTR:host'])
        self.assertEqual('cca', self.launch_security(realm))
        self.assertEqual(self.expected_allocations(host),
                         self.allocations_by_provider_name(realm['id']))
        self.assert_clean_audit()

    def test_flavor_realm_rebuilt_with_a_plain_image_stays_a_realm(self):
        # the flavor asks for the realm: the request does not change
        self.start_host('cca-1')
        realm = self.boot(self.realm_flavor(), self.realm_image())
        realm = self._rebuild_server(realm,
                                     self.plain_aarch64_image_for_realm())
        self.assertEqual('cca', self.launch_security(realm))
        self.assert_clean_audit()

    def plain_aarch64_image_for_realm(self):
        return self.create_image(hw_architecture='aarch64',
                                 hw_firmware_type='uefi',
                                 hw_firmware_stateless=True)


class ComputeDefenceTest(IntegrityTestBase):
    """The compute refuses a realm without its slot (defence in depth).

    Every start of a guest writes its XML through the driver's check
    (spawn, hard reboot, finish of a move, unshelve, evacuate, rebuild);
    the host-without-CCA branch is unit-tested
    (tests/unit/virt/libvirt/test_slot.py): the scheduler never sends a
    realm to such a host.
    """

    def test_hard_reboot_without_a_slot_fails(self):
        self.start_host('cca-1')
        server = self.boot(self.realm_flavor(), self.realm_image())
        self.drop_slot(server)
        server = self.act(server, {'reboot': {'type': 'HARD'}}, 'reboot',
                          'compute_reboot_instance', 'Error')
        self.assertEqual('ERROR', server['status'])
        self.assertIn('Arm CCA realm %s cannot run on cca-1: its allocation '
                      'holds no realm slot (MEM_ENCRYPTION_CONTEXT) on this '
                      'host; it is not started as a plain guest.'
                      % server['id'], server['fault']['message'])

    def test_rebuild_without_a_slot_fails(self):
        self.start_host('cca-1')
        server = self.boot(self.realm_flavor(), self.realm_image())
        self.drop_slot(server)
        server = self.rebuild(server, self.realm_image(), 'Error')
        self.assertEqual('ERROR', server['status'])
        self.assertIn('holds no realm slot', server['fault']['message'])

    def test_plain_server_never_gets_launch_security(self):
        self.start_host('cca-1')
        server = self.boot(self.create_flavor(), self.plain_aarch64_image())
        server = self._reboot_server(server, hard=True)
        self.assertIsNone(self.launch_security(server))
        self.assert_clean_audit()


REFUSED = 'internal error: RMM refused to create the realm'


class FailedOperationAllocationTest(IntegrityTestBase):
    """After a failed operation, slots follow the realms (user guide)."""

    def test_failed_rebuild_keeps_the_realm_slot(self):
        # reproduction 4
        self.flags(max_guests=1, group='arm_cca')
        self.start_host('cca-1')
        flavor = self.realm_flavor()
        realm = self.boot(flavor, self.realm_image())
        realm = self.rebuild(
            realm, self.realm_image(hw_machine_type='virt-99.0'), 'Error')
        self.assertEqual('ERROR', realm['status'])
        self.assertIn('virt-99.0', realm['fault']['message'])
        self.assertEqual(self.expected_allocations('cca-1'),
                         self.allocations_by_provider_name(realm['id']))
        self.assertEqual(1, self.slots('cca-1'))
        self.assert_clean_audit()
        # the slot stays taken: no other realm gets it
        other = self.boot(flavor, self.realm_image(),
                          expected_state='ERROR')
        self.assertIn('No valid host', other['fault']['message'])
        # a rebuild with a working image brings the realm back, in its slot
        realm = self.rebuild(realm, self.realm_image(), 'Success')
        self.assertEqual('ACTIVE', realm['status'])
        self.assertEqual('cca', self.launch_security(realm))
        self.assertEqual(1, self.slots('cca-1'))
        self.assert_clean_audit()

    def test_realm_without_its_slot_does_not_come_back(self):
        # reproduction 4, second half: whatever dropped the slot, another
        # realm took it; the first must not run beyond max_guests
        self.flags(max_guests=1, group='arm_cca')
        self.start_host('cca-1')
        flavor = self.realm_flavor()
        first = self.boot(flavor, self.realm_image())
        self.drop_slot(first)
        second = self.boot(flavor, self.realm_image())
        self.assertEqual('cca-1', second['OS-EXT-SRV-ATTR:host'])
        first = self.act(first, {'reboot': {'type': 'HARD'}}, 'reboot',
                         'compute_reboot_instance', 'Error')
        self.assertEqual('ERROR', first['status'])
        self.assertIn('holds no realm slot', first['fault']['message'])
        first = self.rebuild(first, self.realm_image(), 'Error')
        self.assertEqual('ERROR', first['status'])
        self.assertIn('holds no realm slot', first['fault']['message'])
        self.assertEqual(1, self.slots('cca-1'))

    def test_failed_cold_migration_keeps_one_slot_on_the_new_host(self):
        self.start_host('cca-1')
        server = self.boot(self.realm_flavor(), self.realm_image())
        self.start_host('cca-2').connection.refuse_realms = REFUSED
        server = self.act(server, {'migrate': None}, 'migrate',
                          'compute_finish_resize', 'Error')
        self.assertEqual('ERROR', server['status'])
        # Nova keeps the destination's allocation (a hard reboot may
        # recover the server there) and frees the source
        self.assertEqual('cca-2', server['OS-EXT-SRV-ATTR:host'])
        self.assertEqual(self.expected_allocations('cca-2'),
                         self.allocations_by_provider_name(server['id']))
        self.assertEqual(0, self.slots('cca-1'))
        self.assert_clean_audit()

    def test_failed_resize_keeps_one_slot_on_the_new_host(self):
        self.start_host('cca-1')
        server = self.boot(self.realm_flavor(), self.realm_image())
        self.start_host('cca-2').connection.refuse_realms = REFUSED
        bigger = self.realm_flavor(vcpu=2)
        server = self.act(server, {'resize': {'flavorRef': bigger}},
                          'resize', 'compute_finish_resize', 'Error')
        self.assertEqual('ERROR', server['status'])
        self.assertEqual(
            self.expected_allocations('cca-2', vcpu=2),
            self.allocations_by_provider_name(server['id']))
        self.assertEqual(0, self.slots('cca-1'))
        self.assert_clean_audit()

    def test_failed_unshelve_holds_no_slot(self):
        host = self.start_host('cca-1')
        server = self.boot(self.realm_flavor(), self.realm_image())
        server = self._shelve_server(server)
        host.connection.refuse_realms = REFUSED
        server = self.act(server, {'unshelve': None}, 'unshelve',
                          'compute_unshelve_instance', 'Error')
        self.assertIsNone(server['OS-EXT-SRV-ATTR:host'])
        self.assertEqual({}, self._get_allocations_by_server_uuid(
            server['id']))
        self.assertEqual(0, self.slots('cca-1'))
        self.assert_clean_audit()
        host.connection.refuse_realms = None
        server = self._unshelve_server(server)
        self.assertEqual('cca', self.launch_security(server))
        self.assert_clean_audit()

    def test_failed_evacuation_keeps_the_slot_on_the_old_host(self):
        self.start_host('cca-1')
        server = self.boot(self.realm_flavor(), self.realm_image())
        self.start_host('cca-2').connection.refuse_realms = REFUSED
        self.force_down('cca-1')
        server = self.act(server, {'evacuate': {}}, 'evacuate',
                          'compute_rebuild_instance', 'Error',
                          api=self.admin_api)
        self.assertEqual('ERROR', server['status'])
        self.assertEqual('cca-1', server['OS-EXT-SRV-ATTR:host'])
        self.assertEqual(1, self.slots('cca-1'))
        self.assertEqual(0, self.slots('cca-2'))
        self.assert_clean_audit()


class EvacuateTest(IntegrityTestBase):

    def test_evacuated_realm_holds_one_slot_on_its_new_host(self):
        self.start_host('cca-1')
        server = self.boot(self.realm_flavor(), self.realm_image())
        self.start_host('cca-2')
        self.force_down('cca-1')
        server = self._evacuate_server(server, expected_host='cca-2',
                                       expected_state='SHUTOFF')
        server = self._start_server(server)
        self.assertEqual('cca', self.launch_security(server))
        self.assertEqual(1, self.slots('cca-2'))
        self.force_up('cca-1')
        self.assertEqual(0, self.slots('cca-1'))
        self.assert_clean_audit()

    def test_evacuate_without_another_cca_host_is_refused(self):
        self.start_host('cca-1')
        server = self.boot(self.realm_flavor(), self.realm_image())
        self.start_host('arm-1', domcaps.packaged(domcaps.NO_CCA))
        self.force_down('cca-1')
        ex = self.assertRaises(
            client.OpenStackApiException, self.admin_api.post_server_action,
            server['id'], {'evacuate': {}})
        self.assertIn('NoValidHost', ex.response.text)
        self._wait_for_migration_status(server, ['error'])
        server = self.api.get_server(server['id'])
        self.assertEqual('cca-1', server['OS-EXT-SRV-ATTR:host'])
        self.assertEqual(1, self.slots('cca-1'))
        self.assertIsNone(self.hosts['arm-1'].guest_xml(server['id']))
        self.assert_clean_audit()
