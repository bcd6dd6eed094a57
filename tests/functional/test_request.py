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

"""What the user asks, and what the API refuses (before scheduling)."""

from nova.tests.functional.api import client

from tests.functional import base

CCA_TRAIT = 'CUSTOM_HW_CPU_AARCH64_CCA'


class RealmRequestTest(base.RealmTestBase):

    def setUp(self):
        super().setUp()
        self.start_host('cca-1')

    def _resources(self, query):
        (resources,) = query['resources']
        return dict(item.split(':') for item in resources.split(','))

    def _required(self, query):
        """Traits required anywhere: the unsuffixed group or the root (the
        realm's, in the default layout: tests/functional/test_scheduling).
        """
        return {t for key in ('required', 'root_required')
                for r in query.get(key, []) for t in r.split(',')}

    def test_flavor_extra_specs_accept_arm_cca(self):
        flavor_id = self.create_flavor()
        body = self.admin_api.post_extra_spec(
            flavor_id, {'extra_specs': base.REALM_EXTRA_SPECS})
        self.assertEqual('arm-cca',
                         body.body['extra_specs']['hw:mem_encryption_model'])

    def test_flavor_extra_specs_refuse_unknown_model(self):
        flavor_id = self.create_flavor()
        ex = self.assertRaises(
            client.OpenStackApiException, self.admin_api.post_extra_spec,
            flavor_id, {'extra_specs': {'hw:mem_encryption_model': 'arm-xyz'}})
        self.assertEqual(400, ex.response.status_code)
        self.assertIn('arm-xyz', ex.response.text)
        self.assertIn('arm-cca', ex.response.text)  # listed as valid

    def test_realm_by_flavor_asks_placement_for_a_realm_slot(self):
        server = self.boot(self.realm_flavor(), self.realm_image())
        query = self.placement_log.allocation_candidate_queries()[-1]
        self.assertEqual('1', self._resources(query)['MEM_ENCRYPTION_CONTEXT'])
        self.assertIn(CCA_TRAIT, self._required(query))
        self.assertEqual('cca-1', server['OS-EXT-SRV-ATTR:host'])

    def test_realm_by_image_is_accepted(self):
        image = self.realm_image(hw_mem_encryption=True,
                                 hw_mem_encryption_model='arm-cca')
        self.boot(self.create_flavor(), image)
        query = self.placement_log.allocation_candidate_queries()[-1]
        self.assertEqual('1', self._resources(query)['MEM_ENCRYPTION_CONTEXT'])
        self.assertIn(CCA_TRAIT, self._required(query))

    def test_aarch64_image_without_model_means_arm_cca(self):
        image = self.realm_image(hw_mem_encryption=True)
        self.boot(self.create_flavor({'hw:mem_encryption': 'true'}), image)
        query = self.placement_log.allocation_candidate_queries()[-1]
        self.assertIn(CCA_TRAIT, self._required(query))
        self.assertNotIn('HW_CPU_X86_AMD_SEV', self._required(query))

    def test_image_without_architecture_keeps_nova_default(self):
        image = self.create_image(hw_mem_encryption=True,
                                  hw_firmware_type='uefi',
                                  hw_machine_type='q35')
        self.boot(self.create_flavor(), image, expected_state='ERROR')
        query = self.placement_log.allocation_candidate_queries()[-1]
        self.assertIn('HW_CPU_X86_AMD_SEV', self._required(query))
        self.assertNotIn(CCA_TRAIT, self._required(query))

    def test_plain_request_asks_no_realm(self):
        self.boot(self.create_flavor(), self.plain_aarch64_image())
        query = self.placement_log.allocation_candidate_queries()[-1]
        self.assertNotIn('MEM_ENCRYPTION_CONTEXT', self._resources(query))
        self.assertNotIn(CCA_TRAIT, self._required(query))


class RealmRequestRefusedTest(base.RealmTestBase):
    """Each impossible request: 400 naming the key, nothing scheduled."""

    def setUp(self):
        super().setUp()
        self.start_host('cca-1')

    def assert_refused(self, flavor_id, image_id, *fragments):
        asked_before = len(self.placement_log.allocation_candidate_queries())
        ex = self.assertRaises(
            client.OpenStackApiException, self.api.post_server,
            {'server': self._build_server(flavor_id=flavor_id,
                                          image_uuid=image_id,
                                          networks='none')})
        self.assertEqual(400, ex.response.status_code, ex.response.text)
        for fragment in fragments:
            self.assertIn(fragment, ex.response.text)
        self.assertEqual(
            asked_before,
            len(self.placement_log.allocation_candidate_queries()))
        self.assertEqual([], self.api.get_servers())
        self.assertEqual({}, self.provider('cca-1')['usages'] and {
            rc: n for rc, n in self.provider('cca-1')['usages'].items()
            if n})
        return ex.response.text

    def test_flavor_and_image_models_conflict(self):
        image = self.realm_image(hw_mem_encryption_model='amd-sev')
        self.assert_refused(self.realm_flavor(), image,
                            'hw_mem_encryption_model')

    def test_flavor_disables_what_image_enables(self):
        flavor = self.create_flavor({'hw:mem_encryption': 'false'})
        image = self.realm_image(hw_mem_encryption=True,
                                 hw_mem_encryption_model='arm-cca')
        self.assert_refused(flavor, image, 'hw:mem_encryption',
                            'hw_mem_encryption')

    def test_q35_machine_type(self):
        self.assert_refused(self.realm_flavor(),
                            self.realm_image(hw_machine_type='q35'),
                            'hw_machine_type=q35')

    def test_bios_firmware(self):
        self.assert_refused(self.realm_flavor(),
                            self.realm_image(hw_firmware_type='bios'),
                            'hw_firmware_type=bios')

    def test_missing_firmware_type(self):
        self.assert_refused(self.realm_flavor(),
                            self.realm_image(hw_firmware_type=None),
                            'hw_firmware_type=unset')

    def test_missing_stateless_firmware(self):
        self.assert_refused(self.realm_flavor(),
                            self.realm_image(hw_firmware_stateless=None),
                            'hw_firmware_stateless=unset')

    def test_stateless_firmware_false(self):
        self.assert_refused(self.realm_flavor(),
                            self.realm_image(hw_firmware_stateless=False),
                            'hw_firmware_stateless=False')

    def test_x86_64_image(self):
        self.assert_refused(self.realm_flavor(),
                            self.realm_image(hw_architecture='x86_64'),
                            'hw_architecture=x86_64')
