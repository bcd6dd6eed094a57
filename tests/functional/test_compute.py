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

"""Realms on simulated CCA hosts: placement, guest XML, lifecycle."""

from lxml import etree
from nova import context as nova_context
from nova import exception
from nova.tests.functional.api import client

from nova_cca_simulator import domcaps
from tests.functional import base

CCA_TRAIT = 'CUSTOM_HW_CPU_AARCH64_CCA'
SHA256 = CCA_TRAIT + '_MEASUREMENT_SHA256'
SHA512 = CCA_TRAIT + '_MEASUREMENT_SHA512'
MAX_INT = 0x7FFFFFFF


class RealmHostsTest(base.RealmTestBase):
    """Providers, scheduling and guest XML."""

    def test_providers_of_cca_and_plain_hosts(self):
        self.start_host('cca-1')
        self.start_host('cca-256',
                        domcaps.packaged(domcaps.CCA_SHA256))
        self.start_host('cca-ls',
                        domcaps.packaged(domcaps.CCA_LAUNCH_SECURITY))
        self.start_host('arm-1', domcaps.packaged(domcaps.NO_CCA))
        self.start_host('x86-1', arch='x86_64')

        realm = self.provider(self.realm_provider('cca-1'))
        inventory = realm['inventories']['MEM_ENCRYPTION_CONTEXT']
        self.assertEqual(MAX_INT, inventory['total'])
        self.assertEqual(1, inventory['max_unit'])
        self.assertLessEqual({'OWNER_NOVA', CCA_TRAIT, SHA256, SHA512},
                             realm['traits'])
        self.assertEqual(
            {CCA_TRAIT, SHA256},
            {t for t in self.provider(self.realm_provider('cca-256'))[
                'traits'] if t.startswith(CCA_TRAIT)})
        self.assertEqual(
            {CCA_TRAIT},
            {t for t in self.provider(self.realm_provider('cca-ls'))[
                'traits'] if t.startswith(CCA_TRAIT)})
        for plain in ('arm-1', 'x86-1'):
            self.assertIsNone(self.provider(plain + '_arm_cca'))
            provider = self.provider(plain)
            self.assertNotIn('MEM_ENCRYPTION_CONTEXT',
                             provider['inventories'])
            self.assertNotIn(CCA_TRAIT, provider['traits'])
        # SEV providers make no sense on Arm
        for name in ('cca-1_amd_sev', 'cca-1_intel_tdx'):
            self.assertIsNone(self.provider(name))
        # exactly one provider of each realm host carries the slots
        for host in ('cca-1', 'cca-256', 'cca-ls'):
            other = ({host, host + '_arm_cca'} -
                     {self.realm_provider(host)}).pop()
            other = self.provider(other)
            self.assertTrue(
                other is None or 'MEM_ENCRYPTION_CONTEXT' not in
                other['inventories'] and CCA_TRAIT not in other['traits'])

    def test_realms_land_only_on_cca_hosts(self):
        self.start_host('arm-1', domcaps.packaged(domcaps.NO_CCA))
        self.start_host('x86-1', arch='x86_64')
        self.start_host('cca-1')
        flavor, image = self.realm_flavor(), self.realm_image()
        for _ in range(4):
            server = self.boot(flavor, image)
            self.assertEqual('cca-1', server['OS-EXT-SRV-ATTR:host'])
        self.assertEqual(
            4, self.provider(self.realm_provider('cca-1'))['usages'][
                'MEM_ENCRYPTION_CONTEXT'])
        self.assert_clean_audit()

    def test_no_cca_host_means_no_valid_host(self):
        self.start_host('arm-1', domcaps.packaged(domcaps.NO_CCA))
        self.start_host('x86-1', arch='x86_64')
        server = self.boot(self.realm_flavor(), self.realm_image(),
                           expected_state='ERROR')
        self.assertIn('No valid host', server['fault']['message'])
        self.assertEqual({}, self._get_allocations_by_server_uuid(
            server['id']))

    def test_realm_slot_is_allocated_on_the_layouts_provider(self):
        self.start_host('cca-1')
        server = self.boot(self.realm_flavor(vcpu=2, memory_mb=1024),
                           self.realm_image())
        self.assertEqual(
            self.expected_allocations('cca-1', vcpu=2, memory_mb=1024),
            self.allocations_by_provider_name(server['id']))

    def test_unparsable_domain_capabilities_mean_a_host_without_cca(self):
        # libvirt answers, but with a document Nova's parser refuses: not
        # XML, or a value Nova's SEV feature parser cannot read
        self.start_host('cca-1')
        broken = {'bad-1': '<domainCapabilities><features>',
                  'bad-2': "<domainCapabilities><features><sev supported="
                           "'yes'><maxGuests>many</maxGuests></sev>"
                           "</features></domainCapabilities>"}
        for name, document in broken.items():
            host = self.start_host(name, document)
            service, = self.admin_api.get_services(
                host=name, binary='nova-compute')
            self.assertEqual('up', service['state'])
            self.assertEqual('enabled', service['status'])
            self.assertFalse(host.driver._host.supports_arm_cca)
            # the periodic update runs as on any host without CCA
            self.computes[name].manager.update_available_resource(
                nova_context.get_admin_context())
            root = self.provider(name)
            self.assertIn('VCPU', root['inventories'])
            self.assertNotIn('MEM_ENCRYPTION_CONTEXT', root['inventories'])
            self.assertNotIn(CCA_TRAIT, root['traits'])
            self.assertIsNone(self.provider(name + '_arm_cca'))
        # one warning per host, naming the cause
        warnings = [line for line in self.stdlog.logger.output.splitlines()
                    if 'that do not parse' in line]
        self.assertEqual(2, len(warnings), warnings)
        self.assertIn('aarch64', warnings[0])
        self.assertIn('no Arm CCA realms', warnings[0])
        self.assertIn("invalid literal for int() with base 10: 'many'",
                      warnings[1])
        # realms go to the good host only
        for _ in range(3):
            server = self.boot(self.realm_flavor(), self.realm_image())
            self.assertEqual('cca-1', server['OS-EXT-SRV-ATTR:host'])

    def test_max_guests_is_honoured(self):
        self.flags(max_guests=2, group='arm_cca')
        self.start_host('cca-1')
        self.assertEqual(2, self.provider(self.realm_provider('cca-1'))[
            'inventories']['MEM_ENCRYPTION_CONTEXT']['total'])
        flavor, image = self.realm_flavor(), self.realm_image()
        self.boot(flavor, image)
        self.boot(flavor, image)
        third = self.boot(flavor, image, expected_state='ERROR')
        self.assertIn('No valid host', third['fault']['message'])
        self.assertEqual({}, self._get_allocations_by_server_uuid(
            third['id']))
        usages = self.provider(self.realm_provider('cca-1'))['usages']
        self.assertEqual(2, usages['MEM_ENCRYPTION_CONTEXT'])
        self.assert_clean_audit()

    def test_max_guests_zero_keeps_realms_away(self):
        self.flags(max_guests=0, group='arm_cca')
        self.start_host('cca-1')
        self.assertIsNone(self.provider('cca-1_arm_cca'))
        self.assertNotIn('MEM_ENCRYPTION_CONTEXT',
                         self.provider('cca-1')['inventories'])
        self.boot(self.realm_flavor(), self.realm_image(),
                  expected_state='ERROR')


class RealmGuestXMLTest(base.RealmTestBase):

    def _xml(self, server):
        return etree.fromstring(self.guest_xml(server).encode())

    def assert_realm_xml(self, dom):
        (launch,) = dom.findall('launchSecurity')
        self.assertEqual('cca', launch.get('type'))
        # none of the SEV treatment
        self.assertIsNone(dom.find('memoryBacking/locked'))
        self.assertEqual([], dom.xpath('//driver[@iommu]'))
        self.assertIsNone(dom.find('features/vmcoreinfo'))
        # UEFI for the virt machine, read-only and stateless: no NVRAM
        os_ = dom.find('os')
        self.assertEqual('efi', os_.get('firmware'))
        self.assertTrue(os_.find('type').get('machine').startswith('virt'))
        self.assertEqual('aarch64', os_.find('type').get('arch'))
        loader = os_.find('loader')
        self.assertEqual('yes', loader.get('stateless'))
        self.assertIsNone(os_.find('nvram'))
        self.assertEqual('kvm', dom.get('type'))
        return launch

    def test_realm_xml_without_configured_algorithm(self):
        self.start_host('cca-1')
        server = self.boot(self.realm_flavor(), self.realm_image())
        launch = self.assert_realm_xml(self._xml(server))
        self.assertEqual([], list(launch))  # platform default

    def test_realm_xml_with_configured_algorithm(self):
        self.flags(default_measurement_algo='sha256', group='arm_cca')
        self.start_host('cca-1')
        server = self.boot(self.realm_flavor(), self.realm_image())
        launch = self.assert_realm_xml(self._xml(server))
        self.assertEqual(['measurement-algo'], [c.tag for c in launch])
        self.assertEqual('sha256', launch.findtext('measurement-algo'))

    def test_unadvertised_algorithm_is_left_out(self):
        self.flags(default_measurement_algo='sha512', group='arm_cca')
        self.start_host('cca-256', domcaps.packaged(domcaps.CCA_SHA256))
        self.assertIn("default_measurement_algo = sha512",
                      self.stdlog.logger.output)
        server = self.boot(self.realm_flavor(), self.realm_image())
        launch = self.assert_realm_xml(self._xml(server))
        self.assertIsNone(launch.find('measurement-algo'))

    def test_realm_requested_by_image(self):
        self.start_host('cca-1')
        image = self.realm_image(hw_mem_encryption=True,
                                 hw_mem_encryption_model='arm-cca')
        server = self.boot(self.create_flavor(), image)
        self.assert_realm_xml(self._xml(server))
        self.assert_clean_audit()

    def test_plain_server_on_cca_host_is_no_realm(self):
        self.start_host('cca-1')
        server = self.boot(self.create_flavor(), self.plain_aarch64_image())
        dom = self._xml(server)
        self.assertIsNone(dom.find('launchSecurity'))
        self.assertIsNotNone(dom.find('features/vmcoreinfo'))
        self.assertEqual(
            self.expected_allocations('cca-1', realm=False),
            self.allocations_by_provider_name(server['id']))
        self.assert_clean_audit()


class RealmLifecycleTest(base.RealmTestBase):

    def setUp(self):
        super().setUp()
        self.start_host('cca-1')
        self.start_host('cca-2')
        self.realm_image_id = self.realm_image()
        self.flavor = self.realm_flavor()

    def assert_realm_on_cca_host(self, server):
        server = self.api.get_server(server['id'])
        host = server['OS-EXT-SRV-ATTR:host']
        self.assertIn(host, ('cca-1', 'cca-2'))
        dom = etree.fromstring(self.guest_xml(server).encode())
        self.assertEqual('cca', dom.find('launchSecurity').get('type'))
        allocations = self.allocations_by_provider_name(server['id'])
        self.assertEqual(1, allocations[self.realm_provider(host)][
            'MEM_ENCRYPTION_CONTEXT'])
        self.assertEqual({host, self.realm_provider(host)},
                         set(allocations))
        return server

    def assert_conflict(self, server, action, body, *fragments):
        ex = self.assertRaises(client.OpenStackApiException,
                               self.api.post_server_action,
                               server['id'], {action: body})
        self.assertEqual(409, ex.response.status_code, ex.response.text)
        self.assertIn('Arm CCA realm', ex.response.text)
        for fragment in fragments:
            self.assertIn(fragment, ex.response.text)
        self.assertEqual('ACTIVE', self.api.get_server(server['id'])['status'])

    def test_suspend_is_refused(self):
        server = self.boot(self.flavor, self.realm_image_id)
        self.assert_conflict(server, 'suspend', {}, 'suspend')

    def test_suspend_of_image_requested_realm_is_refused(self):
        image = self.realm_image(hw_mem_encryption=True,
                                 hw_mem_encryption_model='arm-cca')
        server = self.boot(self.create_flavor(), image)
        self.assert_conflict(server, 'suspend', {}, 'suspend')

    def test_live_migration_is_refused(self):
        server = self.boot(self.flavor, self.realm_image_id)
        self.assert_conflict(server, 'os-migrateLive',
                             {'host': None, 'block_migration': 'auto'},
                             'live-migration')

    def test_plain_server_still_suspends(self):
        server = self.boot(self.create_flavor(), self.plain_aarch64_image())
        self._suspend_server(server)
        self.assert_clean_audit()

    def test_stop_start_and_reboot(self):
        server = self.boot(self.flavor, self.realm_image_id)
        self._stop_server(server)
        self._start_server(server)
        self.assert_realm_on_cca_host(server)
        self._reboot_server(server, hard=True)
        self.assert_realm_on_cca_host(server)
        self.assert_clean_audit()

    def test_cold_migration_between_cca_hosts(self):
        server = self.boot(self.flavor, self.realm_image_id)
        source = server['OS-EXT-SRV-ATTR:host']
        server = self._migrate_server(server)
        server = self._confirm_resize(server)
        server = self.assert_realm_on_cca_host(server)
        self.assertNotEqual(source, server['OS-EXT-SRV-ATTR:host'])
        self.assertEqual(0, self.provider(self.realm_provider(source))[
            'usages']['MEM_ENCRYPTION_CONTEXT'])
        self.assert_clean_audit()

    def test_resize_to_a_bigger_realm(self):
        server = self.boot(self.flavor, self.realm_image_id)
        bigger = self.realm_flavor(vcpu=2, memory_mb=1024)
        server = self._resize_server(server, bigger)
        server = self._confirm_resize(server)
        server = self.assert_realm_on_cca_host(server)
        host = server['OS-EXT-SRV-ATTR:host']
        self.assertEqual(
            self.expected_allocations(host, vcpu=2, memory_mb=1024),
            self.allocations_by_provider_name(server['id']))
        self.assert_clean_audit()

    def test_rebuild(self):
        server = self.boot(self.flavor, self.realm_image_id)
        server = self._rebuild_server(server, self.realm_image())
        self.assert_realm_on_cca_host(server)
        self.assert_clean_audit()

    def test_rebuild_into_a_non_realm_image_is_refused(self):
        server = self.boot(self.flavor, self.realm_image_id)
        ex = self.assertRaises(
            client.OpenStackApiException, self.api.post_server_action,
            server['id'],
            {'rebuild': {'imageRef': self.realm_image(
                hw_firmware_type='bios')}})
        self.assertEqual(400, ex.response.status_code)
        self.assertIn('hw_firmware_type=bios', ex.response.text)

    def test_shelve_and_unshelve(self):
        server = self.boot(self.flavor, self.realm_image_id)
        server = self._shelve_server(server)
        self.assertEqual({}, self._get_allocations_by_server_uuid(
            server['id']))
        server = self._unshelve_server(server)
        self.assert_realm_on_cca_host(server)
        self.assert_clean_audit()

    def test_evacuate(self):
        server = self.boot(self.flavor, self.realm_image_id)
        source = server['OS-EXT-SRV-ATTR:host']
        target = 'cca-2' if source == 'cca-1' else 'cca-1'
        self.force_down(source)
        server = self._evacuate_server(server, expected_host=target,
                                       expected_state='SHUTOFF')
        self._start_server(server)
        # the source comes back, deletes the evacuated guest and frees its
        # allocation there
        self.force_up(source)
        server = self.assert_realm_on_cca_host(server)
        self.assertEqual(target, server['OS-EXT-SRV-ATTR:host'])
        self.assertEqual(0, self.provider(self.realm_provider(source))[
            'usages']['MEM_ENCRYPTION_CONTEXT'])
        self.assert_clean_audit()


class RealmHostRestartTest(base.RealmTestBase):

    def test_restart_with_cca_keeps_realms(self):
        host = self.start_host('cca-1')
        server = self.boot(self.realm_flavor(), self.realm_image())
        realm_rp = self.provider(self.realm_provider('cca-1'))
        self.restart_host('cca-1')
        self.assertEqual(realm_rp, self.provider(self.realm_provider('cca-1')))
        self.assertEqual('ACTIVE', self.api.get_server(server['id'])['status'])
        self.assertIsNotNone(host.guest_xml(server['id']))

    def test_restart_without_cca_but_with_realms_fails(self):
        host = self.start_host('cca-1')
        self.boot(self.realm_flavor(), self.realm_image())
        host.connection.domcaps = domcaps.packaged(domcaps.NO_CCA)
        ex = self.assertRaises(exception.InvalidConfiguration,
                               self.restart_host, 'cca-1')
        self.assertIn('arm-cca', str(ex))
        self.assertIn('not to support this feature any more', str(ex))
        self.assertIn("Arm CCA realms are not supported on this host: "
                      "libvirt reports <cca supported='no'>",
                      self.stdlog.logger.output)

    def test_restart_without_cca_and_without_realms_removes_provider(self):
        host = self.start_host('cca-1')
        server = self.boot(self.realm_flavor(), self.realm_image())
        self._delete_server(server)
        host.connection.domcaps = domcaps.packaged(domcaps.NO_CCA)
        self.restart_host('cca-1')
        self.assertIsNone(self.provider('cca-1_arm_cca'))
        root = self.provider('cca-1')
        self.assertNotIn('MEM_ENCRYPTION_CONTEXT', root['inventories'])
        self.assertNotIn(CCA_TRAIT, root['traits'])


# Every story above in Nova's generic layout too (the default is 'root').

class RealmHostsChildLayoutTest(RealmHostsTest):
    layout = 'child'


class RealmLifecycleChildLayoutTest(RealmLifecycleTest):
    layout = 'child'


class RealmHostRestartChildLayoutTest(RealmHostRestartTest):
    layout = 'child'
