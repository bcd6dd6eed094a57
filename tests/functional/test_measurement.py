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

"""How a realm is measured: the user's algorithm, RPV and measurement log.

Every choice on real Nova and Placement: the refusals at the API, the
traits Placement is asked for, the host the realm lands on, the XML libvirt
is given, and what the owner reads back.
"""

import nova.conf
from nova.tests.functional.api import client

from nova_cca.virt import measurement
from nova_cca_attest import personalization
from nova_cca_simulator import compute as sim_compute
from nova_cca_simulator import domcaps
from tests.functional import base

CONF = nova.conf.CONF
CCA_TRAIT = 'CUSTOM_HW_CPU_AARCH64_CCA'
SHA256 = CCA_TRAIT + '_MEASUREMENT_SHA256'
SHA512 = CCA_TRAIT + '_MEASUREMENT_SHA512'
RPV_TRAIT = CCA_TRAIT + '_PERSONALIZATION'
LOG_TRAIT = CCA_TRAIT + '_MEASUREMENT_LOG'

ALGO_SPEC, RPV_SPEC, LOG_SPEC = (
    'hw:cca_measurement_algo', 'hw:cca_personalization',
    'hw:cca_measurement_log')
ALGO_PROP, RPV_PROP, LOG_PROP = (
    'hw_cca_measurement_algo', 'hw_cca_personalization',
    'hw_cca_measurement_log')


class MeasurementTestBase(base.RealmTestBase):

    def start(self, hostname, caps=domcaps.CCA_SHA256_SHA512, **arm_cca):
        """A CCA host with its own [arm_cca] options."""
        return self.start_host(
            hostname, domcaps.packaged(caps),
            conf=sim_compute.HostConf(CONF, arm_cca))

    def flavor(self, **specs):
        return self.create_flavor(dict(base.REALM_EXTRA_SPECS, **specs))

    def required(self, query=None):
        """The realm traits the last query required of the compute node.

        In the default root layout the scheduler asks for them in
        ``root_required`` (nova_cca.scheduler.realm_traits) and in no
        request group.
        """
        if query is None:
            query = self.placement_log.allocation_candidate_queries()[-1]

        def realm_traits(key):
            # the realm traits (Nova adds COMPUTE_* traits of its own)
            return {t for r in query.get(key, []) for t in r.split(',')
                    if t.startswith(CCA_TRAIT)}

        self.assertEqual(set(), realm_traits('required'), query)
        return realm_traits('root_required')

    def launch_security(self, server):
        from lxml import etree
        dom = etree.fromstring(self.guest_xml(server).encode())
        (launch,) = dom.findall('launchSecurity')
        self.assertEqual('cca', launch.get('type'))
        return launch

    def assert_measured(self, server, algo=None, rpv=False, log=False):
        """The XML of the server's last start says what was asked."""
        launch = self.launch_security(server)
        self.assertEqual(algo, launch.findtext('measurement-algo'))
        expected_rpv = (personalization.derive_base64(server['id'])
                        if rpv else None)
        self.assertEqual(expected_rpv,
                         launch.findtext('personalization-value'))
        self.assertEqual('yes' if log else None,
                         launch.get('measurement-log'))
        self.assertEqual([], [c.tag for c in launch
                              if c.tag not in ('measurement-algo',
                                               'personalization-value')])

    def refused(self, call, status=400):
        ex = self.assertRaises(client.OpenStackApiException, call)
        self.assertEqual(status, ex.response.status_code, ex.response.text)
        return ex.response.text


class AlgorithmTest(MeasurementTestBase):
    """The user's algorithm: validated, required from Placement, written."""

    def test_flavor_extra_spec_is_validated_like_novas_own(self):
        flavor = self.create_flavor()
        for key, value in ((ALGO_SPEC, 'sha256'), (ALGO_SPEC, 'sha512'),
                           (RPV_SPEC, 'uuid'), (LOG_SPEC, 'true'),
                           (LOG_SPEC, 'false')):
            body = self.admin_api.post_extra_spec(
                flavor, {'extra_specs': {key: value}}).body
            self.assertEqual(value, body['extra_specs'][key])
        for key, value in ((ALGO_SPEC, 'md5'), (ALGO_SPEC, 'SHA256'),
                           (RPV_SPEC, 'random'), (LOG_SPEC, 'maybe'),
                           ('hw:cca_measurement', 'sha256')):
            text = self.refused(lambda: self.admin_api.post_extra_spec(
                flavor, {'extra_specs': {key: value}}))
            self.assertIn(value if key != 'hw:cca_measurement' else key,
                          text)

    def test_sha256_lands_only_on_a_sha256_host(self):
        self.start('no-algos', domcaps.CCA_LAUNCH_SECURITY)
        self.start('sha256', domcaps.CCA_SHA256)
        flavor, image = self.flavor(**{ALGO_SPEC: 'sha256'}), \
            self.realm_image()
        for _ in range(3):
            server = self.boot(flavor, image)
            self.assertEqual('sha256', server['OS-EXT-SRV-ATTR:host'])
            self.assertEqual({CCA_TRAIT, SHA256}, self.required())
            self.assert_measured(server, 'sha256')

    def test_sha512_by_image_overrides_the_deployers_default(self):
        self.flags(default_measurement_algo='sha256', group='arm_cca')
        self.start('sha256', domcaps.CCA_SHA256)
        self.start('both')
        server = self.boot(self.realm_flavor(),
                           self.realm_image(**{ALGO_PROP: 'sha512'}))
        self.assertEqual('both', server['OS-EXT-SRV-ATTR:host'])
        self.assertEqual({CCA_TRAIT, SHA512}, self.required())
        self.assert_measured(server, 'sha512')

    def test_flavor_and_image_agreeing_is_accepted(self):
        self.start('both')
        server = self.boot(self.flavor(**{ALGO_SPEC: 'sha256'}),
                           self.realm_image(**{ALGO_PROP: 'sha256'}))
        self.assert_measured(server, 'sha256')

    def test_no_host_with_the_algorithm_is_no_valid_host(self):
        self.start('no-algos', domcaps.CCA_LAUNCH_SECURITY)
        self.start('sha256', domcaps.CCA_SHA256)
        server = self.boot(self.flavor(**{ALGO_SPEC: 'sha512'}),
                           self.realm_image(), expected_state='ERROR')
        self.assertIn('No valid host', server['fault']['message'])
        self.assertEqual({CCA_TRAIT, SHA512}, self.required())
        self.assertEqual({}, self._get_allocations_by_server_uuid(
            server['id']))

    def test_without_a_choice_the_deployer_decides(self):
        self.flags(default_measurement_algo='sha256', group='arm_cca')
        self.start('both')
        server = self.boot(self.realm_flavor(), self.realm_image())
        self.assertEqual({CCA_TRAIT}, self.required())
        self.assert_measured(server, 'sha256')

    def test_without_a_choice_a_host_without_algorithms_gets_none(self):
        # the platform default (sha512 in QEMU) applies
        self.flags(default_measurement_algo='sha256', group='arm_cca')
        self.start('no-algos', domcaps.CCA_LAUNCH_SECURITY)
        server = self.boot(self.realm_flavor(), self.realm_image())
        self.assert_measured(server, None)


class PersonalizationAndLogTest(MeasurementTestBase):
    """RPV and measurement log: deployer option, trait, XML, owner."""

    def setUp(self):
        super().setUp()
        self.start('plain')
        self.start('rpv', personalization_value=True)
        self.start('log', measurement_log=True)

    def test_host_traits_follow_the_deployers_options(self):
        traits = {name: {t for t in self.provider(name)['traits']
                         if t.startswith(CCA_TRAIT)}
                  for name in ('plain', 'rpv', 'log')}
        self.assertEqual({'plain': {CCA_TRAIT, SHA256, SHA512},
                          'rpv': {CCA_TRAIT, SHA256, SHA512, RPV_TRAIT},
                          'log': {CCA_TRAIT, SHA256, SHA512, LOG_TRAIT}},
                         traits)

    def test_rpv_in_xml_and_readable_by_its_owner(self):
        owner = self.api_fixture.api
        owner.microversion = 'latest'
        flavor = self.flavor(**{RPV_SPEC: 'uuid'})
        created = owner.post_server({'server': self._build_server(
            flavor_id=flavor, image_uuid=self.realm_image(),
            networks='none')})
        server = self._wait_for_state_change(created, 'ACTIVE')
        self.assertEqual('rpv', server['OS-EXT-SRV-ATTR:host'])
        self.assertEqual({CCA_TRAIT, RPV_TRAIT}, self.required())
        self.assert_measured(server, rpv=True)
        rpv = self.launch_security(server).findtext('personalization-value')
        self.assertEqual(64, len(personalization.decode(rpv)))
        # the owner, without admin rights, reads the same value
        self.assertFalse(owner.api_get('/servers/%s' % server['id']).body[
            'server'].get('OS-EXT-SRV-ATTR:host'))
        self.assertEqual(rpv, owner.api_get(
            '/servers/%s/metadata/%s' % (server['id'],
                                         measurement.RPV_METADATA_KEY)
        ).body['meta'][measurement.RPV_METADATA_KEY])

    def test_rpv_by_image(self):
        server = self.boot(self.realm_flavor(),
                           self.realm_image(**{RPV_PROP: 'uuid'}))
        self.assertEqual('rpv', server['OS-EXT-SRV-ATTR:host'])
        self.assert_measured(server, rpv=True)

    def test_measurement_log(self):
        server = self.boot(self.flavor(**{LOG_SPEC: 'true'}),
                           self.realm_image())
        self.assertEqual('log', server['OS-EXT-SRV-ATTR:host'])
        self.assertEqual({CCA_TRAIT, LOG_TRAIT}, self.required())
        self.assert_measured(server, log=True)

    def test_log_false_asks_for_nothing(self):
        server = self.boot(self.flavor(**{LOG_SPEC: 'false'}),
                           self.realm_image(**{LOG_PROP: 'false'}))
        self.assertEqual({CCA_TRAIT}, self.required())
        self.assert_measured(server)

    def test_rpv_and_log_together_need_one_host_with_both(self):
        server = self.boot(self.flavor(**{RPV_SPEC: 'uuid',
                                          LOG_SPEC: 'true'}),
                           self.realm_image(), expected_state='ERROR')
        self.assertIn('No valid host', server['fault']['message'])
        self.assertEqual({CCA_TRAIT, RPV_TRAIT, LOG_TRAIT}, self.required())
        self.start('both', personalization_value=True, measurement_log=True)
        server = self.boot(self.flavor(**{RPV_SPEC: 'uuid',
                                          LOG_SPEC: 'true'}),
                           self.realm_image())
        self.assertEqual('both', server['OS-EXT-SRV-ATTR:host'])
        self.assert_measured(server, rpv=True, log=True)

    def test_a_host_that_cannot_honour_the_request_fails_the_start(self):
        # Placement's view is stale (the option was turned off without a
        # restart): the host refuses to start the realm without its RPV.
        host = self.hosts['rpv']
        host.hypervisor.conf.arm_cca._overrides[
            'personalization_value'] = False
        server = self.boot(self.flavor(**{RPV_SPEC: 'uuid'}),
                           self.realm_image(), expected_state='ERROR')
        self.assertIsNone(host.connection.last_guest_xml(server['id']))
        self.assertEqual({}, self._get_allocations_by_server_uuid(
            server['id']))


class RefusalTest(MeasurementTestBase):
    """What the API refuses with 400, naming the key, before scheduling."""

    def setUp(self):
        super().setUp()
        self.start('cca-1', personalization_value=True,
                   measurement_log=True)

    def _create(self, specs, properties, realm=True):
        flavor = (self.flavor(**specs) if realm else
                  self.create_flavor(specs))
        image = (self.realm_image(**properties) if realm else
                 self.plain_aarch64_image() if not properties else
                 self.create_image(**dict({'hw_architecture': 'aarch64'},
                                          **properties)))
        return lambda: self.api.post_server({'server': self._build_server(
            flavor_id=flavor, image_uuid=image, networks='none')})

    def test_refusals(self):
        table = [
            # (what, specs, properties, realm, fragments in the message)
            ('unknown algorithm (image)', {}, {ALGO_PROP: 'md5'}, True,
             [ALGO_PROP, 'md5']),
            ('unknown RPV source (image)', {}, {RPV_PROP: 'random'}, True,
             [RPV_PROP, 'random']),
            ('log not a boolean (image)', {}, {LOG_PROP: 'maybe'}, True,
             [LOG_PROP, 'maybe']),
            ('flavor and image disagree on the algorithm',
             {ALGO_SPEC: 'sha256'}, {ALGO_PROP: 'sha512'}, True,
             [ALGO_SPEC, ALGO_PROP]),
            ('flavor and image disagree on the log',
             {LOG_SPEC: 'true'}, {LOG_PROP: 'false'}, True,
             [LOG_SPEC, LOG_PROP]),
            ('algorithm without a realm (flavor)', {ALGO_SPEC: 'sha256'},
             {}, False, [ALGO_SPEC, 'arm-cca']),
            ('RPV without a realm (image)', {}, {RPV_PROP: 'uuid'}, False,
             [RPV_PROP]),
            ('log without a realm (flavor)', {LOG_SPEC: 'true'}, {}, False,
             [LOG_SPEC]),
            ('algorithm with amd-sev', {'hw:mem_encryption': 'true',
                                        'hw:mem_encryption_model': 'amd-sev',
                                        ALGO_SPEC: 'sha256'},
             {'hw_architecture': 'x86_64', 'hw_machine_type': 'q35',
              'hw_firmware_type': 'uefi'}, False, [ALGO_SPEC, 'amd-sev']),
        ]
        failures = []
        for what, specs, properties, realm, fragments in table:
            asked = len(self.placement_log.allocation_candidate_queries())
            text = self.refused(self._create(specs, properties, realm))
            missing = [f for f in fragments if f not in text]
            if missing:
                failures.append('%s: %s not in %s' % (what, missing, text))
            if len(self.placement_log.allocation_candidate_queries()) != \
                    asked:
                failures.append('%s: reached the scheduler' % what)
        self.assertEqual([], failures)
        self.assertEqual([], self.api.get_servers())

    def test_rebuild_with_a_different_algorithm_is_refused(self):
        # not a realm any more than an unknown value: the image's values
        # are checked like at create
        server = self.boot(self.flavor(**{ALGO_SPEC: 'sha256'}),
                           self.realm_image())
        text = self.refused(lambda: self.api.post_server_action(
            server['id'], {'rebuild': {'imageRef': self.realm_image(
                **{ALGO_PROP: 'sha512'})}}))
        self.assertIn(ALGO_PROP, text)

    def test_rebuild_that_changes_the_measurement_is_refused(self):
        server = self.boot(self.realm_flavor(),
                           self.realm_image(**{RPV_PROP: 'uuid'}))
        for properties, fragment in (
                ({}, 'personalization uuid -> unset'),
                ({RPV_PROP: 'uuid', ALGO_PROP: 'sha256'},
                 'measurement_algo unset -> sha256'),
                ({RPV_PROP: 'uuid', LOG_PROP: 'true'},
                 'measurement_log false -> true')):
            text = self.refused(lambda: self.api.post_server_action(
                server['id'], {'rebuild': {'imageRef': self.realm_image(
                    **properties)}}))
            self.assertIn(fragment, text)
        self.assertEqual('ACTIVE', self.api.get_server(server['id'])[
            'status'])
        self.assert_measured(server, rpv=True)

    def test_resize_that_changes_the_measurement_is_refused(self):
        server = self.boot(self.flavor(**{ALGO_SPEC: 'sha256',
                                          LOG_SPEC: 'true'}),
                           self.realm_image())
        for specs, fragment in (
                ({ALGO_SPEC: 'sha512', LOG_SPEC: 'true'},
                 'measurement_algo sha256 -> sha512'),
                ({LOG_SPEC: 'true'}, 'measurement_algo sha256 -> unset'),
                ({ALGO_SPEC: 'sha256'}, 'measurement_log true -> false')):
            flavor = self.create_flavor(
                dict(base.REALM_EXTRA_SPECS, **specs), vcpu=2)
            text = self.refused(lambda: self.api.post_server_action(
                server['id'], {'resize': {'flavorRef': flavor}}))
            self.assertIn(fragment, text)
        self.assertEqual('ACTIVE', self.api.get_server(server['id'])[
            'status'])
        self.assertEqual([], self.api.api_get(
            '/os-migrations').body['migrations'])


class LifecycleTest(MeasurementTestBase):
    """Moves keep the algorithm, RPV and log, on hosts that honour them."""

    def setUp(self):
        super().setUp()
        capable = dict(personalization_value=True, measurement_log=True)
        self.start('cca-a', domcaps.CCA_SHA256, **capable)
        self.start('cca-b', domcaps.CCA_SHA256, **capable)
        # each lacks one thing the realm needs
        self.start('no-sha256', domcaps.CCA_LAUNCH_SECURITY, **capable)
        self.start('no-rpv', domcaps.CCA_SHA256, measurement_log=True)
        self.start('no-log', domcaps.CCA_SHA256, personalization_value=True)
        self.flavor_id = self.flavor(**{ALGO_SPEC: 'sha256'})
        self.image_id = self.realm_image(**{RPV_PROP: 'uuid',
                                            LOG_PROP: 'true'})

    def boot_measured(self):
        server = self.boot(self.flavor_id, self.image_id)
        return self.assert_kept(server)

    def assert_kept(self, server):
        server = self.api.get_server(server['id'])
        self.assertIn(server['OS-EXT-SRV-ATTR:host'], ('cca-a', 'cca-b'))
        self.assertEqual({CCA_TRAIT, SHA256, RPV_TRAIT, LOG_TRAIT},
                         self.required())
        self.assert_measured(server, 'sha256', rpv=True, log=True)
        self.assertEqual(
            personalization.derive_base64(server['id']),
            server['metadata'][measurement.RPV_METADATA_KEY])
        return server

    def other(self, server):
        return ({'cca-a', 'cca-b'} - {server['OS-EXT-SRV-ATTR:host']}).pop()

    def test_cold_migration(self):
        server = self.boot_measured()
        target = self.other(server)
        server = self._migrate_server(server)
        server = self._confirm_resize(server)
        self.assertEqual(target, server['OS-EXT-SRV-ATTR:host'])
        self.assert_kept(server)

    def test_resize(self):
        server = self.boot_measured()
        bigger = self.create_flavor(
            dict(base.REALM_EXTRA_SPECS, **{ALGO_SPEC: 'sha256'}), vcpu=2)
        server = self._resize_server(server, bigger)
        server = self._confirm_resize(server)
        self.assert_kept(server)

    def test_evacuate(self):
        server = self.boot_measured()
        source, target = server['OS-EXT-SRV-ATTR:host'], self.other(server)
        self.force_down(source)
        server = self._evacuate_server(server, expected_host=target,
                                       expected_state='SHUTOFF')
        self.assert_kept(server)

    def test_shelve_and_unshelve(self):
        server = self.boot_measured()
        server = self._shelve_server(server)
        server = self._unshelve_server(server)
        self.assert_kept(server)

    def test_rebuild_keeps_the_rpv(self):
        server = self.boot_measured()
        server = self._rebuild_server(server, self.realm_image(
            **{RPV_PROP: 'uuid', LOG_PROP: 'true'}))
        self.assert_measured(server, 'sha256', rpv=True, log=True)
