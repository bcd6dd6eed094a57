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

"""50 realm boots issued concurrently against 20 realm slots, 3 rounds.

The boots go through CLIENTS concurrent API clients. Nova's in-process test
environment (in-memory SQLite behind the CellDatabases locks, the fake RPC
driver with its 60 s call timeout) does not sustain 50 simultaneous
native-thread requests on a 2-core machine: RPC calls time out and SQLite
connections fail, which would test the harness rather than Placement.

No realm provider may ever hold more realms than it has slots. Usages are
read right after every allocation write Placement logs (its request log
writes the line once the write's transaction has ended, in the writing
thread), so every state the writes produce is checked, not a sample of
them; the test also fails if no write was checked.
"""

import concurrent.futures
import logging
import re

import nova.conf

from nova_cca_simulator import compute as sim_compute
from nova_cca_simulator import harness
from tests.functional import base

SLOTS = {'cca-1': 8, 'cca-2': 7, 'cca-3': 5}   # 20 realm slots in all
BOOTS = 50
ROUNDS = 3
CLIENTS = 10
#: PUT /allocations/<consumer>, POST /allocations
ALLOCATION_WRITE = re.compile(r'/allocations(/[^/]+)?$')


class AllocationWriteChecker(logging.Handler):
    """Reads realm usages after every successful allocation write.

    Placement's request log writes one INFO line per request when the
    response starts, in the thread that served it, after the write's
    transaction ended. ``checks`` holds ``(method, URI, usages)`` for each
    successful ``PUT /allocations/<consumer>`` or ``POST /allocations``
    in that order; the usages are read before the request returns, so a
    provider over its capacity after any write is seen.
    """

    def __init__(self, read_usages):
        super().__init__(logging.INFO)
        self.read_usages = read_usages
        self.checks = []

    def emit(self, record):
        args = record.args if isinstance(record.args, dict) else {}
        method, uri = args.get('REQUEST_METHOD'), args.get('REQUEST_URI', '')
        # the fixture serves Placement under a prefix (/placement)
        if (method not in ('PUT', 'POST') or
                not ALLOCATION_WRITE.search(uri.partition('?')[0]) or
                not str(args.get('status', '')).startswith('2')):
            return
        # read through Placement (GETs: they come back here and pass)
        self.checks.append((method, uri, self.read_usages()))


class ConcurrentRealmBootsTest(base.RealmTestBase):

    def setUp(self):
        super().setUp()
        self.flags(instances=-1, cores=-1, ram=-1, group='quota')
        for name, slots in SLOTS.items():
            self.start_host(name, conf=sim_compute.HostConf(
                nova.conf.CONF, {'max_guests': slots}))
        self.flavor = self.realm_flavor()
        self.image = self.realm_image()

        self.realm_providers = {}
        for name, slots in SLOTS.items():
            provider = self.provider(self.realm_provider(name))
            inventory = provider['inventories']['MEM_ENCRYPTION_CONTEXT']
            self.assertEqual(slots, inventory['total'] - inventory['reserved'])
            self.assertEqual(1.0, inventory['allocation_ratio'])
            self.realm_providers[name] = provider['uuid']

    def _usages(self):
        return {name: self.placement.get(
            '/resource_providers/%s/usages' % rp_uuid,
            version=harness.PLACEMENT_VERSION).body['usages'].get(
                'MEM_ENCRYPTION_CONTEXT', 0)
            for name, rp_uuid in self.realm_providers.items()}

    def _check_every_allocation_write(self):
        checker = AllocationWriteChecker(self._usages)
        log = logging.getLogger('placement.requestlog')
        log.addHandler(checker)
        self.addCleanup(log.removeHandler, checker)
        return checker

    def _boot(self, index):
        server = self.api.post_server({'server': self._build_server(
            name='realm-%d' % index, flavor_id=self.flavor,
            image_uuid=self.image, networks='none')})
        # as long as 600 polls under load would take
        return harness.wait_for_server(self.api, server['id'],
                                       ('ACTIVE', 'ERROR'), timeout=300,
                                       interval=0.1)

    def _round(self):
        checker = self._check_every_allocation_write()
        try:
            with concurrent.futures.ThreadPoolExecutor(CLIENTS) as pool:
                servers = list(pool.map(self._boot, range(BOOTS)))
        finally:
            logging.getLogger('placement.requestlog').removeHandler(checker)

        active = [s for s in servers if s['status'] == 'ACTIVE']
        failed = [s for s in servers if s['status'] == 'ERROR']
        self.assertEqual(20, len(active))
        self.assertEqual(30, len(failed))
        for server in failed:
            self.assertIn('No valid host', server['fault']['message'])
            self.assertEqual({}, self._get_allocations_by_server_uuid(
                server['id']))
        self.assertEqual(SLOTS, self._usages())
        # every realm that runs was claimed by one checked write (the
        # scheduler's PUT /allocations/<server>)
        claims = {uri.partition('?')[0].rsplit('/', 1)[-1]
                  for method, uri, _ in checker.checks if method == 'PUT'}
        self.assertLessEqual({s['id'] for s in active}, claims)
        over = [(method, uri, usages)
                for method, uri, usages in checker.checks
                if any(usages[name] > slots
                       for name, slots in SLOTS.items())]
        self.assertEqual([], over)
        # and a check saw every slot taken
        self.assertIn(SLOTS, [usages for _, _, usages in checker.checks])
        placed = {}
        for server in active:
            host = server['OS-EXT-SRV-ATTR:host']
            placed[host] = placed.get(host, 0) + 1
        self.assertEqual(SLOTS, placed)

        for server in servers:
            self.api.delete_server(server['id'])
        for server in servers:
            self._wait_until_deleted(server)
        self.assertEqual({name: 0 for name in SLOTS}, self._usages())
        for name in SLOTS:
            usages = self.provider(name)['usages']
            self.assertEqual(0, sum(usages.values()), usages)

    def test_fifty_boots_for_twenty_slots(self):
        for _ in range(ROUNDS):
            self._round()
