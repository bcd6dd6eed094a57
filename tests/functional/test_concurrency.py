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
"""

import concurrent.futures
import threading
import time

import nova.conf

from nova_cca_simulator import compute as sim_compute
from nova_cca_simulator import harness
from tests.functional import base

SLOTS = {'cca-1': 8, 'cca-2': 7, 'cca-3': 5}   # 20 realm slots in all
BOOTS = 50
ROUNDS = 3
CLIENTS = 10


class ConcurrentRealmBootsTest(base.RealmTestBase):

    def setUp(self):
        super().setUp()
        self.flags(instances=-1, cores=-1, ram=-1, group='quota')
        for name, slots in SLOTS.items():
            self.start_host(name, conf=sim_compute.HostConf(
                nova.conf.CONF, {'max_guests': slots}))
        self.flavor = self.realm_flavor()
        self.image = self.realm_image()

    def _usages(self):
        return {name: self.provider(self.realm_provider(name))['usages'][
            'MEM_ENCRYPTION_CONTEXT'] for name in SLOTS}

    def _watch_usages(self, stop, peaks):
        while not stop.is_set():
            for name, used in self._usages().items():
                peaks[name] = max(peaks.get(name, 0), used)
            time.sleep(0.05)

    def _boot(self, index):
        server = self.api.post_server({'server': self._build_server(
            name='realm-%d' % index, flavor_id=self.flavor,
            image_uuid=self.image, networks='none')})
        # as long as 600 polls under load would take
        return harness.wait_for_server(self.api, server['id'],
                                       ('ACTIVE', 'ERROR'), timeout=300,
                                       interval=0.1)

    def _round(self):
        stop, peaks = threading.Event(), {}
        watcher = threading.Thread(target=self._watch_usages,
                                   args=(stop, peaks))
        watcher.start()
        try:
            with concurrent.futures.ThreadPoolExecutor(CLIENTS) as pool:
                servers = list(pool.map(self._boot, range(BOOTS)))
        finally:
            stop.set()
            watcher.join()

        active = [s for s in servers if s['status'] == 'ACTIVE']
        failed = [s for s in servers if s['status'] == 'ERROR']
        self.assertEqual(20, len(active))
        self.assertEqual(30, len(failed))
        for server in failed:
            self.assertIn('No valid host', server['fault']['message'])
            self.assertEqual({}, self._get_allocations_by_server_uuid(
                server['id']))
        self.assertEqual(SLOTS, self._usages())
        for name, slots in SLOTS.items():
            self.assertLessEqual(peaks.get(name, 0), slots, name)
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
