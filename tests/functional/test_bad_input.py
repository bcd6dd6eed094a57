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

"""A table of bad requests through the real API.

Every one is refused (400, or 409 for an operation) with a message that
names the offending key; none reaches a compute host and none leaves an
allocation behind.
"""

from nova.tests.functional.api import client

from tests.functional import base

REALM = base.REALM_EXTRA_SPECS
IMAGE = base.REALM_IMAGE_PROPERTIES

# (name, flavor extra specs, image properties, key named in the message)
FLAVOR_EXTRA_SPECS = [
    ('unknown model', {'hw:mem_encryption_model': 'arm-xyz'}, 'arm-xyz'),
    ('model in capitals', {'hw:mem_encryption_model': 'ARM-CCA'}, 'ARM-CCA'),
    ('empty model', {'hw:mem_encryption_model': ''}, 'arm-cca'),
    ('model with spaces', {'hw:mem_encryption_model': ' arm-cca'},
     'arm-cca'),
    # Nova's own validator names the value only
    ('not a boolean', {'hw:mem_encryption': 'maybe'}, "'maybe'"),
    ('unknown hw key', {'hw:cca_measurement': 'sha256'},
     'hw:cca_measurement'),
    ('unknown measurement algorithm', {'hw:cca_measurement_algo': 'md5'},
     "'md5'"),
    ('unknown hw key 2', {'hw:mem_encryption_algo': 'sha512'},
     'hw:mem_encryption_algo'),
]

SERVER_CREATE = [
    ('image model amd-sev', REALM, dict(IMAGE, hw_mem_encryption_model=
                                        'amd-sev'), 'hw_mem_encryption_model'),
    ('image model intel-tdx', REALM, dict(IMAGE, hw_mem_encryption_model=
                                          'intel-tdx'),
     'hw_mem_encryption_model'),
    ('image model amd-sev-snp', REALM, dict(IMAGE, hw_mem_encryption_model=
                                            'amd-sev-snp'),
     'hw_mem_encryption_model'),
    ('flavor amd-sev, image arm-cca',
     {'hw:mem_encryption': 'true', 'hw:mem_encryption_model': 'amd-sev'},
     dict(IMAGE, hw_mem_encryption_model='arm-cca'),
     'hw_mem_encryption_model'),
    ('flavor false, image true', {'hw:mem_encryption': 'false'},
     dict(IMAGE, hw_mem_encryption=True, hw_mem_encryption_model='arm-cca'),
     'hw:mem_encryption'),
    ('flavor true, image false', REALM, dict(IMAGE, hw_mem_encryption=False),
     'hw_mem_encryption'),
    ('q35', REALM, dict(IMAGE, hw_machine_type='q35'), 'hw_machine_type=q35'),
    ('pc', REALM, dict(IMAGE, hw_machine_type='pc'), 'hw_machine_type=pc'),
    ('pc-i440fx', REALM, dict(IMAGE, hw_machine_type='pc-i440fx-2.11'),
     'hw_machine_type=pc-i440fx-2.11'),
    ('virtio machine typo', REALM, dict(IMAGE, hw_machine_type='virtual'),
     'hw_machine_type=virtual'),
    ('bios', REALM, dict(IMAGE, hw_firmware_type='bios'),
     'hw_firmware_type=bios'),
    ('firmware unset', REALM, dict(IMAGE, hw_firmware_type=None),
     'hw_firmware_type=unset'),
    ('stateless unset', REALM, dict(IMAGE, hw_firmware_stateless=None),
     'hw_firmware_stateless=unset'),
    ('stateless false', REALM, dict(IMAGE, hw_firmware_stateless=False),
     'hw_firmware_stateless=False'),
    ('x86_64', REALM, dict(IMAGE, hw_architecture='x86_64'),
     'hw_architecture=x86_64'),
    ('ppc64le', REALM, dict(IMAGE, hw_architecture='ppc64le'),
     'hw_architecture=ppc64le'),
    ('s390x', REALM, dict(IMAGE, hw_architecture='s390x'),
     'hw_architecture=s390x'),
    ('armv7l', REALM, dict(IMAGE, hw_architecture='armv7l'),
     'hw_architecture=armv7l'),
    ('emulated x86_64', REALM, dict(IMAGE, hw_emulation_architecture=
                                    'x86_64'),
     'hw_emulation_architecture=x86_64'),
    ('image-only q35', {}, dict(IMAGE, hw_mem_encryption=True,
                                hw_mem_encryption_model='arm-cca',
                                hw_machine_type='q35'),
     'hw_machine_type=q35'),
    ('image-only bios', {}, dict(IMAGE, hw_mem_encryption=True,
                                 hw_mem_encryption_model='arm-cca',
                                 hw_firmware_type='bios'),
     'hw_firmware_type=bios'),
    ('image-only x86_64', {}, dict(IMAGE, hw_mem_encryption=True,
                                   hw_mem_encryption_model='arm-cca',
                                   hw_architecture='x86_64'),
     'hw_architecture=x86_64'),
    ('image-only stateless unset', {}, dict(
        IMAGE, hw_mem_encryption=True, hw_mem_encryption_model='arm-cca',
        hw_firmware_stateless=None), 'hw_firmware_stateless=unset'),
    ('implied model, bios', {}, dict(IMAGE, hw_mem_encryption=True,
                                     hw_firmware_type='bios'),
     'hw_firmware_type=bios'),
    ('implied model, q35', {}, dict(IMAGE, hw_mem_encryption=True,
                                    hw_machine_type='q35'),
     'hw_machine_type=q35'),
    ('implied model by flavor, stateless false',
     {'hw:mem_encryption': 'true'},
     dict(IMAGE, hw_firmware_stateless=False),
     'hw_firmware_stateless=False'),
    ('unknown image model', {}, dict(IMAGE, hw_mem_encryption=True,
                                     hw_mem_encryption_model='arm-xyz'),
     # Nova's own 400: nova-cca does not reword it
     'Invalid image metadata. Error: Field value arm-xyz is invalid'),
]

# (name, image properties of the rebuild)
REBUILD = [
    ('bios', dict(IMAGE, hw_firmware_type='bios'), 'hw_firmware_type=bios'),
    ('x86_64', dict(IMAGE, hw_architecture='x86_64'),
     'hw_architecture=x86_64'),
    ('amd-sev model', dict(IMAGE, hw_mem_encryption_model='amd-sev'),
     'hw_mem_encryption_model'),
    ('q35', dict(IMAGE, hw_machine_type='q35'), 'hw_machine_type=q35'),
    ('stateless unset', dict(IMAGE, hw_firmware_stateless=None),
     'hw_firmware_stateless=unset'),
    ('image disables encryption', dict(IMAGE, hw_mem_encryption=False),
     'hw_mem_encryption'),
]


class BadInputTest(base.RealmTestBase):

    def setUp(self):
        super().setUp()
        self.start_host('cca-1')
        self.start_host('cca-2')
        self.image_cache = {}

    def _image(self, properties):
        return self.create_image(**properties)

    def _refused(self, call, status):
        try:
            call()
        except client.OpenStackApiException as e:
            if e.response.status_code != status:
                return None, 'got %d: %s' % (e.response.status_code,
                                            e.response.text)
            return e.response.text, None
        return None, 'was accepted'

    def assert_nothing_used(self, expected_usage=0):
        for host in ('cca-1', 'cca-2'):
            provider = self.provider(self.realm_provider(host))
            self.assertEqual(expected_usage if host == 'cca-1' else 0,
                             provider['usages']['MEM_ENCRYPTION_CONTEXT'],
                             host)

    def _check_table(self, table, attempt, status):
        failures = []
        for name, *args, fragment in table:
            asked = len(self.placement_log.allocation_candidate_queries())
            text, problem = self._refused(lambda: attempt(*args), status)
            if problem:
                failures.append('%s: %s' % (name, problem))
            elif fragment not in text:
                failures.append('%s: message does not name %r: %s'
                                % (name, fragment, text))
            if len(self.placement_log.allocation_candidate_queries()) != \
                    asked:
                failures.append('%s: reached the scheduler' % name)
        self.assertEqual([], failures)
        return len(table)

    def test_flavor_extra_specs(self):
        flavor = self.create_flavor()
        self._check_table(
            FLAVOR_EXTRA_SPECS,
            lambda specs: self.admin_api.post_extra_spec(
                flavor, {'extra_specs': specs}), 400)
        self.assertEqual({}, self.admin_api.get_flavor_extra_specs(
            flavor) if hasattr(self.admin_api, 'get_flavor_extra_specs')
            else self.admin_api.api_get(
                '/flavors/%s/os-extra_specs' % flavor).body['extra_specs'])

    def test_server_create(self):
        def create(specs, properties):
            flavor = self.create_flavor(specs or None)
            self.api.post_server({'server': self._build_server(
                flavor_id=flavor, image_uuid=self._image(properties),
                networks='none')})

        self._check_table(SERVER_CREATE, create, 400)
        self.assertEqual([], self.api.get_servers())
        self.assert_nothing_used()
        for host in self.hosts.values():
            self.assertEqual({}, dict(host.connection.guest_xml))

    def test_rebuild_out_of_a_realm(self):
        server = self.boot(self.realm_flavor(), self.realm_image())
        host = server['OS-EXT-SRV-ATTR:host']
        spawned = len(self.hosts[host].connection.guest_xml[server['id']])

        def rebuild(properties):
            self.api.post_server_action(server['id'], {'rebuild': {
                'imageRef': self._image(properties)}})

        self._check_table(REBUILD, rebuild, 400)
        server = self.api.get_server(server['id'])
        self.assertEqual(('ACTIVE', host), (server['status'],
                                            server['OS-EXT-SRV-ATTR:host']))
        self.assertEqual(
            spawned, len(self.hosts[host].connection.guest_xml[server['id']]))

    def test_resize_into_or_out_of_a_realm(self):
        plain = self.boot(self.create_flavor(), self.plain_aarch64_image())
        realm = self.boot(self.realm_flavor(), self.realm_image(
            hw_mem_encryption=True, hw_mem_encryption_model='arm-cca'))
        table = [
            ('plain image into a realm flavor', plain, REALM,
             'hw_firmware_stateless=unset'),
            ('realm image into an amd-sev flavor', realm,
             {'hw:mem_encryption': 'true',
              'hw:mem_encryption_model': 'amd-sev'},
             'hw_mem_encryption_model'),
            ('realm image into a flavor that disables encryption', realm,
             {'hw:mem_encryption': 'false'}, 'hw:mem_encryption'),
        ]

        def resize(server, specs):
            self.api.post_server_action(server['id'], {'resize': {
                'flavorRef': self.create_flavor(specs, vcpu=2)}})

        self._check_table(table, resize, 400)
        for server in (plain, realm):
            self.assertEqual('ACTIVE',
                             self.api.get_server(server['id'])['status'])
        self.assertEqual([], self.api.api_get(
            '/os-migrations').body['migrations'])

    def test_operations_a_realm_cannot_survive(self):
        by_flavor = self.boot(self.realm_flavor(), self.realm_image())
        by_image = self.boot(self.create_flavor(), self.realm_image(
            hw_mem_encryption=True, hw_mem_encryption_model='arm-cca'))
        table = []
        for label, server in (('flavor', by_flavor), ('image', by_image)):
            other = ({'cca-1', 'cca-2'} -
                     {server['OS-EXT-SRV-ATTR:host']}).pop()
            table += [
                ('suspend (%s)' % label, server, {'suspend': None},
                 'Arm CCA realm'),
                ('live migration (%s)' % label, server,
                 {'os-migrateLive': {'host': None,
                                     'block_migration': 'auto'}},
                 'live-migration'),
                ('live migration to a host (%s)' % label, server,
                 {'os-migrateLive': {'host': other,
                                     'block_migration': 'auto'}},
                 'Arm CCA realm'),
            ]
        self._check_table(
            table, lambda server, body: self.admin_api.post_server_action(
                server['id'], body), 409)
        for server in (by_flavor, by_image):
            now = self.api.get_server(server['id'])
            self.assertEqual(
                ('ACTIVE', server['OS-EXT-SRV-ATTR:host']),
                (now['status'], now['OS-EXT-SRV-ATTR:host']))
        self.assertEqual([], self.api.api_get(
            '/os-migrations').body['migrations'])
