"""The realm promise on every path: a realm on a CCA host holding its slot,
or a clear refusal (issue 9)."""

from lxml import etree
from nova.tests.functional.api import client

from nova_cca import detection
from nova_cca.simulation import domcaps
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

    def lose_cca(self, hostname):
        """The host's CCA goes away while its compute runs (firmware).

        Placement still offers the host's realm slots until the next
        periodic update: the scheduler's view is stale, the compute must
        refuse realms on its own.
        """
        host = self.hosts[hostname]
        host.connection.domcaps = domcaps.packaged(domcaps.NO_CCA)
        host.driver._host._realm_capability = (
            detection.RealmCapability.unsupported(
                'RME disabled by a firmware update'))

    def rebuild(self, server, image_id, result):
        """Rebuild; wait for the compute to end it ('Success', 'Error')."""
        self.api.post_server_action(server['id'],
                                    {'rebuild': {'imageRef': image_id}})
        self._wait_for_instance_action_event(
            server, 'rebuild', 'compute_rebuild_instance', result)
        return self._wait_for_server_parameter(
            server, {'OS-EXT-STS:task_state': None})

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
    """The compute refuses a realm without CCA or slot, on every path."""

    def assert_fault(self, server, *fragments):
        server = self.api.get_server(server['id'])
        message = server['fault']['message']
        for fragment in fragments:
            self.assertIn(fragment, message)
        return server

    def test_boot_is_rescheduled_away_from_a_host_that_lost_cca(self):
        # the scheduler prefers the bigger host, which lost CCA
        self.start_host('cca-1', memory_mb=32768)
        self.start_host('cca-2')
        self.lose_cca('cca-1')
        server = self.boot(self.realm_flavor(), self.realm_image())
        self.assertEqual('cca-2', server['OS-EXT-SRV-ATTR:host'])
        self.assertEqual('cca', self.launch_security(server))
        self.assertIsNone(self.hosts['cca-1'].guest_xml(server['id']))
        self.assertIn('cannot run on cca-1: the host does not support Arm '
                      'CCA (RME disabled by a firmware update)',
                      self.stdlog.logger.output)
        self.assertEqual(0, self.slots('cca-1'))
        self.assertEqual(1, self.slots('cca-2'))

    def test_boot_on_the_only_host_that_lost_cca_fails(self):
        self.start_host('cca-1')
        self.lose_cca('cca-1')
        server = self.boot(self.realm_flavor(), self.realm_image(),
                           expected_state='ERROR')
        self.assertIsNone(self.hosts['cca-1'].guest_xml(server['id']))
        self.assertEqual({}, self._get_allocations_by_server_uuid(
            server['id']))

    def test_hard_reboot_without_a_slot_fails(self):
        self.start_host('cca-1')
        server = self.boot(self.realm_flavor(), self.realm_image())
        self.drop_slot(server)
        server = self._reboot_server(server, hard=True,
                                     expected_state='ERROR')
        self.assert_fault(server, 'cannot run on cca-1',
                          'holds no realm slot (MEM_ENCRYPTION_CONTEXT)',
                          'not started as a plain guest')

    def test_hard_reboot_on_a_host_that_lost_cca_fails(self):
        self.start_host('cca-1')
        server = self.boot(self.realm_flavor(), self.realm_image())
        self.lose_cca('cca-1')
        server = self._reboot_server(server, hard=True,
                                     expected_state='ERROR')
        self.assert_fault(server, 'the host does not support Arm CCA')
        self.assertEqual('cca', self.launch_security(server))

    def test_cold_migration_to_a_host_that_lost_cca_fails(self):
        self.start_host('cca-1')
        server = self.boot(self.realm_flavor(), self.realm_image())
        self.start_host('cca-2')
        self.lose_cca('cca-2')
        self.api.post_server_action(server['id'], {'migrate': None})
        server = self._wait_for_state_change(server, 'ERROR')
        self.assert_fault(server, 'cannot run on cca-2')
        self.assertIsNone(self.hosts['cca-2'].guest_xml(server['id']))
        # Nova keeps the destination's allocation (a hard reboot may
        # recover the server there) and frees the source
        self.assertEqual(0, self.slots('cca-1'))
        self.assertEqual(1, self.slots('cca-2'))

    def test_unshelve_to_a_host_that_lost_cca_fails(self):
        self.start_host('cca-1')
        server = self.boot(self.realm_flavor(), self.realm_image())
        server = self._shelve_server(server)
        self.lose_cca('cca-1')
        self.api.post_server_action(server['id'], {'unshelve': None})
        server = self._wait_for_state_change(server, 'SHELVED_OFFLOADED')
        self.assertIn('cannot run on cca-1', self.stdlog.logger.output)
        self.assertEqual({}, self._get_allocations_by_server_uuid(
            server['id']))
        self.assertEqual(0, self.slots('cca-1'))

    def test_evacuate_to_a_host_that_lost_cca_fails(self):
        self.start_host('cca-1')
        server = self.boot(self.realm_flavor(), self.realm_image())
        self.start_host('cca-2')
        self.lose_cca('cca-2')
        self.force_down('cca-1')
        self.admin_api.post_server_action(server['id'], {'evacuate': {}})
        server = self._wait_for_state_change(server, 'ERROR')
        self.assert_fault(server, 'cannot run on cca-2')
        self.assertEqual('cca-1', server['OS-EXT-SRV-ATTR:host'])
        self.assertIsNone(self.hosts['cca-2'].guest_xml(server['id']))
        self.assertEqual(1, self.slots('cca-1'))
        self.assertEqual(0, self.slots('cca-2'))

    def test_plain_server_never_gets_launch_security(self):
        self.start_host('cca-1')
        server = self.boot(self.create_flavor(), self.plain_aarch64_image())
        server = self._reboot_server(server, hard=True)
        self.assertIsNone(self.launch_security(server))
        self.assert_clean_audit()


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
        # the slot stays taken: no other realm gets it
        other = self.boot(flavor, self.realm_image(),
                          expected_state='ERROR')
        self.assertIn('No valid host', other['fault']['message'])
        # a rebuild with a working image brings the realm back, in its slot
        realm = self.rebuild(realm, self.realm_image(), 'Success')
        self.assertEqual('ACTIVE', realm['status'])
        self.assertEqual('cca', self.launch_security(realm))
        self.assertEqual(1, self.slots('cca-1'))
        self._delete_server(other)
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
        first = self._reboot_server(first, hard=True,
                                    expected_state='ERROR')
        self.assertIn('holds no realm slot', first['fault']['message'])
        self.assertEqual(1, self.slots('cca-1'))
        first = self.rebuild(first, self.realm_image(), 'Error')
        self.assertEqual('ERROR', first['status'])
        self.assertIn('holds no realm slot', first['fault']['message'])
        self.assertEqual(1, self.slots('cca-1'))

    def test_failed_resize_leaves_slots_with_the_realm(self):
        self.start_host('cca-1')
        server = self.boot(self.realm_flavor(), self.realm_image())
        self.start_host('cca-2')
        self.lose_cca('cca-2')
        bigger = self.realm_flavor(vcpu=2)
        self.api.post_server_action(
            server['id'], {'resize': {'flavorRef': bigger}})
        server = self._wait_for_state_change(server, 'ERROR')
        self.assertIn('cannot run on cca-2', server['fault']['message'])
        self.assertEqual(0, self.slots('cca-1'))
        self.assertEqual(1, self.slots('cca-2'))
        self.assertEqual(
            self.expected_allocations('cca-2', vcpu=2),
            self.allocations_by_provider_name(server['id']))


class EvacuateTest(IntegrityTestBase):

    def test_evacuated_realm_holds_one_slot_on_its_new_host(self):
        self.start_host('cca-1')
        server = self.boot(self.realm_flavor(), self.realm_image())
        self.start_host('cca-2')
        self.force_down('cca-1')
        server = self._evacuate_server(server, expected_host='cca-2',
                                       expected_state='ACTIVE')
        self.assertEqual('cca', self.launch_security(server))
        self.assertEqual(1, self.slots('cca-2'))
        self.force_up('cca-1')
        self.assertEqual(0, self.slots('cca-1'))
        self.assert_clean_audit()

    def test_evacuate_without_a_cca_host_fails_and_keeps_the_slot(self):
        self.start_host('cca-1')
        server = self.boot(self.realm_flavor(), self.realm_image())
        self.start_host('arm-1', domcaps.packaged(domcaps.NO_CCA))
        self.force_down('cca-1')
        self.admin_api.post_server_action(server['id'], {'evacuate': {}})
        server = self._wait_for_migration_status(server, ['error'])
        server = self.api.get_server(server['id'])
        self.assertEqual('cca-1', server['OS-EXT-SRV-ATTR:host'])
        self.assertEqual(1, self.slots('cca-1'))
        self.assertIsNone(self.hosts['arm-1'].guest_xml(server['id']))
