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

"""What the scheduler asks Placement for a realm, read from Placement's own
request log: root_required in the root layout, with the same candidates and
the same hosts as Nova's own form (nova_cca.scheduler.realm_traits).
"""

import json
import urllib.parse

from nova_cca_simulator import compute as sim_compute
from nova_cca_simulator import domcaps
from tests.functional import base

CCA = 'CUSTOM_HW_CPU_AARCH64_CCA'
STATELESS = 'COMPUTE_SECURITY_STATELESS_FIRMWARE'
PCI_RC = 'CUSTOM_PCI_10DE_2330'


def traits(query, key):
    return {t for value in query.get(key, []) for t in value.split(',')}


class RealmQueryTest(base.RealmTestBase):
    """Three aarch64 hosts, two with an unrelated child provider (a PCI
    device in Placement), so Placement takes its nested-tree path.
    """

    def setUp(self):
        super().setUp()
        # cca-1 has the most free RAM but one realm slot: the RAM weigher
        # sends the first realm there, max_guests the next ones to cca-2
        self.start_host('cca-1', memory_mb=24576, conf=sim_compute.HostConf(
            self._conf(), {'max_guests': 1}))
        self.start_host('cca-2', memory_mb=16384)
        self.start_host('arm-1', memory_mb=32768,
                        domcaps_xml=domcaps.packaged(domcaps.NO_CCA))
        for host in ('cca-2', 'arm-1'):
            self._add_unrelated_child(host)
        self.flavor = self.realm_flavor()
        self.image = self.realm_image()

    @staticmethod
    def _conf():
        import nova.conf
        return nova.conf.CONF

    def _add_unrelated_child(self, host):
        self.placement.put('/resource_classes/%s' % PCI_RC, None,
                           version='1.7')
        child = self.placement.post('/resource_providers', {
            'name': '%s_0000:81:00.0' % host,
            'parent_provider_uuid': self.compute_rp_uuids[host]},
            version='1.20').body
        self.placement.put(
            '/resource_providers/%s/inventories' % child['uuid'],
            {'resource_provider_generation': child['generation'],
             'inventories': {PCI_RC: {'total': 1}}})

    def _boot_realms(self, count):
        """Boot ``count`` realms; (hosts, Placement queries); delete them."""
        asked = len(self.placement_log.allocation_candidate_queries())
        servers = [self.boot(self.flavor, self.image) for _ in range(count)]
        hosts = [s['OS-EXT-SRV-ATTR:host'] for s in servers]
        queries = self.placement_log.allocation_candidate_queries()[asked:]
        for server in servers:
            self._delete_server(server)
        return hosts, queries

    def _candidates(self, query):
        """Placement's answer to ``query`` now: (allocation requests,
        providers they allocate from, providers summarised).
        """
        body = self.placement.get(
            '/allocation_candidates?' + urllib.parse.urlencode(
                {k: v[0] for k, v in query.items()}),
            version='1.36').body
        requests = body['allocation_requests']
        return ({json.dumps(a['allocations'], sort_keys=True)
                 for a in requests},
                {rp for a in requests for rp in a['allocations']},
                set(body['provider_summaries']))

    def test_root_form_asks_differently_and_chooses_the_same(self):
        self.assertIsNotNone(self.provider('cca-2_0000:81:00.0'))

        root_hosts, root_queries = self._boot_realms(3)
        self.flags(scheduler_root_traits=False, group='arm_cca')
        nova_hosts, nova_queries = self._boot_realms(3)

        # the query changed: the realm's traits on the root only ...
        self.assertEqual(3, len(root_queries))
        for query in root_queries:
            self.assertLessEqual({CCA, STATELESS, 'OWNER_NOVA'},
                                 traits(query, 'root_required'))
            self.assertNotIn('required', query)
            self.assertIn('MEM_ENCRYPTION_CONTEXT:1', query['resources'][0])
        # ... where Nova asks for them in the unsuffixed group
        for query in nova_queries:
            self.assertEqual({CCA, STATELESS}, traits(query, 'required'))
            self.assertNotIn(CCA, traits(query, 'root_required'))
        # otherwise the same request
        for root_q, nova_q in zip(root_queries, nova_queries):
            strip = lambda q: {k: v for k, v in q.items()  # noqa: E731
                               if k not in ('required', 'root_required')}
            self.assertEqual(strip(nova_q), strip(root_q))

        # the same hosts, max_guests enforced in both forms
        self.assertEqual(['cca-1', 'cca-2', 'cca-2'], root_hosts)
        self.assertEqual(root_hosts, nova_hosts)

        # the same candidates, asked now with both forms: every CCA host
        # with a free slot, never the plain one
        by_root = self._candidates(root_queries[0])
        by_nova = self._candidates(nova_queries[0])
        self.assertEqual(by_nova, by_root)
        self.assertEqual({self.compute_rp_uuids['cca-1'],
                          self.compute_rp_uuids['cca-2']}, by_root[1])
        # the summaries cover their whole trees, the unrelated child too
        self.assertIn(self.provider('cca-2_0000:81:00.0')['uuid'],
                      by_root[2])

    def test_plain_request_is_as_nova_builds_it(self):
        asked = len(self.placement_log.allocation_candidate_queries())
        image = self.create_image(hw_architecture='aarch64',
                                  hw_firmware_type='uefi',
                                  hw_firmware_stateless=True,
                                  hw_machine_type='virt')
        server = self.boot(self.create_flavor(), image)
        (query,) = self.placement_log.allocation_candidate_queries()[asked:]
        # a plain guest with stateless firmware keeps the trait in required
        self.assertEqual({STATELESS}, traits(query, 'required'))
        self.assertNotIn(STATELESS, traits(query, 'root_required'))
        self.assertEqual('arm-1', server['OS-EXT-SRV-ATTR:host'])


class ChildLayoutQueryTest(base.RealmTestBase):
    """provider_layout = child: nova-scheduler follows it (the same
    nova.conf) and asks as Nova does.
    """

    layout = 'child'

    def test_child_layout_keeps_nova_request(self):
        self.start_host('cca-1')
        server = self.boot(self.realm_flavor(), self.realm_image())
        query = self.placement_log.allocation_candidate_queries()[-1]
        self.assertEqual({CCA, STATELESS}, traits(query, 'required'))
        self.assertNotIn(CCA, traits(query, 'root_required'))
        self.assertEqual(self.expected_allocations('cca-1'),
                         self.allocations_by_provider_name(server['id']))


class MixedLayoutQueryTest(base.RealmTestBase):
    """One host keeps Nova's child layout while nova.conf says root."""

    def setUp(self):
        super().setUp()
        import nova.conf
        self.start_host('cca-child', conf=sim_compute.HostConf(
            nova.conf.CONF, {'provider_layout': 'child'}))

    def test_root_form_refuses_rather_than_misplaces(self):
        # a scheduler that does not match the computes: a clear refusal
        server = self.boot(self.realm_flavor(), self.realm_image(),
                           expected_state='ERROR')
        self.assertIn('No valid host', server['fault']['message'])
        self.assertEqual({}, self._get_allocations_by_server_uuid(
            server['id']))
        # configured as the option's help says: Nova's form, scheduled
        self.flags(scheduler_root_traits=False, group='arm_cca')
        server = self.boot(self.realm_flavor(), self.realm_image())
        self.assertEqual({'cca-child': {'VCPU': 1, 'MEMORY_MB': 512,
                                        'DISK_GB': 1},
                          'cca-child_arm_cca': {'MEM_ENCRYPTION_CONTEXT': 1}},
                         self.allocations_by_provider_name(server['id']))
