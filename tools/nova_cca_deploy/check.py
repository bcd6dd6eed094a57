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

"""``tools/deploy check``: the deployed cloud, driven as a user drives it.

One line per check (PASS/FAIL), figures at the end; exit status 1 when a
check failed. Every server it creates it deletes.
"""

import functools
import json
import os
import statistics
import subprocess
import threading
import time

from lxml import etree

from nova_cca import glossary
from nova_cca import rest
from nova_cca_deploy import client
from nova_cca_deploy import control
from nova_cca_deploy import network
from nova_cca_deploy import topology

REALM_SPECS = {'hw:mem_encryption': 'true',
               'hw:mem_encryption_model': glossary.ARM_CCA}
LOAD_CLIENTS = 50
#: realm slots of the deployment for 1-vCPU realms (topology)
FREE_SLOTS = 20
SHA512_TRAIT = glossary.measurement_trait('sha512')
SHA256_TRAIT = glossary.measurement_trait('sha256')


class CheckFailed(Exception):
    pass


def expect(condition, message):
    if not condition:
        raise CheckFailed(message)


class Checker:
    def __init__(self, deployment):
        self.deployment = deployment
        self.paths = deployment.paths
        self.api = client.Client()
        self.placement = self.api.placement_reader()
        self.compute = self.api.compute_reader()
        self.results = []
        self.figures = {}
        self.servers = []
        with open(self.paths.ready_file()) as f:
            self.ready = json.load(f)

    # plumbing

    def run(self, name, function):
        started = time.monotonic()
        try:
            detail = function()
            ok = True
        except CheckFailed as e:
            ok, detail = False, str(e)
        except Exception as e:  # a broken check is a failed check
            ok, detail = False, '%s: %s' % (type(e).__name__, e)
        line = '%s %s (%.1f s)%s' % ('PASS' if ok else 'FAIL', name,
                                     time.monotonic() - started,
                                     ': %s' % detail if detail else '')
        print(line, flush=True)
        self.results.append(ok)
        return ok

    def create_server(self, name, flavor, image, host=None, admin=False):
        body = {'server': {'name': name, 'flavorRef': flavor,
                           'imageRef': image, 'networks': 'none'}}
        if host:
            body['server']['host'] = host
        call = self.api.admin if (admin or host) else self.api.user_call
        response = call('POST', '/servers', body)
        expect(response.status_code == 202, 'POST /servers: %s %s' % (
            response.status_code, response.text[:300]))
        server_id = response.json()['server']['id']
        self.servers.append(server_id)
        return server_id

    def server(self, server_id):
        return self.compute.server(server_id)

    def wait(self, server_id, states=('ACTIVE', 'ERROR'), timeout=300,
             interval=1.0):
        """The server once it has settled in one of ``states``
        (:func:`nova_cca.rest.wait_for_server`: no task state either).
        """
        try:
            return rest.wait_for_server(
                functools.partial(self.server, server_id), states, timeout,
                interval)
        except rest.SettleTimeout as e:
            raise CheckFailed(str(e)) from None

    def wait_active(self, server_id, timeout=300):
        server = self.wait(server_id, timeout=timeout)
        expect(server['status'] == 'ACTIVE', 'server %s is %s: %s' % (
            server_id, server['status'],
            server.get('fault', {}).get('message')))
        return server

    def delete(self, server_id, timeout=180):
        self.api.admin('DELETE', '/servers/%s' % server_id)
        try:
            rest.wait_for_deletion(functools.partial(self.server, server_id),
                                   timeout, interval=1.0)
        except rest.SettleTimeout as e:
            raise CheckFailed(str(e)) from None
        if server_id in self.servers:
            self.servers.remove(server_id)

    def provider(self, name):
        rp_uuid = self.placement.provider_uuid(name)
        expect(rp_uuid, 'no resource provider %s' % name)
        return rp_uuid

    def node_provider(self, host):
        """The compute node provider of service ``host``.

        That is its hypervisor's id (a UUID since 2.53), whatever the node
        is named (a libvirt compute names it after the machine).
        """
        hypervisors = self.api.admin('GET', '/os-hypervisors/detail').json()[
            'hypervisors']
        ids = [hv['id'] for hv in hypervisors
               if hv['service']['host'] == host]
        expect(len(ids) == 1, 'hypervisors of %s: %s' % (host, ids))
        return ids[0]

    def allocations(self, consumer):
        """{provider uuid: {resource class: amount}}"""
        return self.placement.allocations_by_uuid(consumer)

    def traits(self, provider):
        return set(self.placement.traits(provider))

    def guest_xml(self, host, server_id):
        path = os.path.join(self.paths.host_dir(host, 'state'), 'guests',
                            '%s.xml' % server_id)
        expect(os.path.exists(path), 'no guest XML at %s' % path)
        return etree.parse(path).getroot()

    # checks

    def flavors(self):
        self.realm_flavor = self._flavor('realm.small', REALM_SPECS)
        self.plain_flavor = self._flavor('plain.small', {})
        specs = self.api.user_call('GET', '/flavors/%s' % self.realm_flavor
                                   ).json()['flavor']['extra_specs']
        expect(specs == REALM_SPECS, 'realm flavor extra specs %s' % specs)
        return 'realm.small %s, plain.small' % specs

    def _flavor(self, name, specs):
        for flavor in self.compute.flavors(detail=False):
            if flavor['name'] == name:  # a check run before
                self.api.admin('DELETE', '/flavors/%s' % flavor['id'])
        response = self.api.admin('POST', '/flavors', {'flavor': {
            'name': name, 'vcpus': 1, 'ram': 512, 'disk': 1}})
        expect(response.status_code == 200, 'POST /flavors %s: %s %s' % (
            name, response.status_code, response.text[:200]))
        flavor_id = response.json()['flavor']['id']
        if specs:
            response = self.api.admin(
                'POST', '/flavors/%s/os-extra_specs' % flavor_id,
                {'extra_specs': specs})
            expect(response.status_code == 200, 'extra specs: %s %s' % (
                response.status_code, response.text[:200]))
        return flavor_id

    def bad_model(self):
        response = self.api.admin(
            'POST', '/flavors/%s/os-extra_specs' % self.plain_flavor,
            {'extra_specs': {'hw:mem_encryption_model': 'arm-ccb'}})
        expect(response.status_code == 400, 'bad model gave %s' %
               response.status_code)
        expect('arm-ccb' in response.text, 'the 400 does not name the '
               'value: %s' % response.text[:200])
        return '400 naming the value'

    def realm_by_flavor(self):
        self.flavor_realm = self.create_server(
            'realm-by-flavor', self.realm_flavor, control.STATELESS_IMAGE)
        server = self.wait_active(self.flavor_realm)
        host = server['OS-EXT-SRV-ATTR:host']
        expect(host in topology.CCA_HOSTS, 'realm on %s' % host)
        self.flavor_realm_host = host
        return 'ACTIVE on %s' % host

    def realm_by_image(self):
        self.image_realm = self.create_server(
            'realm-by-image', self.plain_flavor, control.REALM_IMAGE)
        server = self.wait_active(self.image_realm)
        host = server['OS-EXT-SRV-ATTR:host']
        expect(host in topology.CCA_HOSTS, 'realm on %s' % host)
        self.image_realm_host = host
        return 'ACTIVE on %s' % host

    def _realm_slot_on(self, server_id, host):
        provider = self.provider(host)
        held = self.allocations(server_id)
        slot = glossary.REALM_RESOURCE_CLASS
        expect(held.get(provider, {}).get(slot) == 1,
               'realm slot not on %s: %s' % (host, held))
        expect(sum(r.get(slot, 0) for r in held.values()) == 1,
               'more than one realm slot: %s' % held)
        return held[provider]

    def allocation(self):
        held = self._realm_slot_on(self.flavor_realm, self.flavor_realm_host)
        self._realm_slot_on(self.image_realm, self.image_realm_host)
        return '%s: %s' % (self.flavor_realm_host, held)

    def cca_traits(self):
        cca1, cca2 = self.traits(self.provider('cca1')), self.traits(
            self.provider('cca2'))
        expect({glossary.REALM_TRAIT, SHA256_TRAIT, SHA512_TRAIT} <= cca1,
               'cca1 traits %s' % sorted(cca1))
        expect({glossary.REALM_TRAIT, SHA256_TRAIT} <= cca2 and
               SHA512_TRAIT not in cca2, 'cca2 traits %s' % sorted(cca2))
        plain = self.traits(self.provider('plain1'))
        expect(glossary.REALM_TRAIT not in plain, 'plain1 has the CCA trait')
        return 'cca1 sha256+sha512, cca2 sha256, plain1 none'

    def domain_xml(self):
        for server_id, host in ((self.flavor_realm, self.flavor_realm_host),
                                (self.image_realm, self.image_realm_host)):
            root = self.guest_xml(host, server_id)
            security = root.find('launchSecurity')
            expect(security is not None and
                   security.get('type') == glossary.LAUNCH_SECURITY_TYPE,
                   'no <launchSecurity type="cca"> in %s' % server_id)
            expect(root.findtext('os/type') is not None and
                   root.find('os/type').get('arch') == glossary.AARCH64,
                   'guest arch is not aarch64')
        return "<launchSecurity type='cca'>, aarch64"

    def refusals(self):
        response = self.api.user_call(
            'POST', '/servers/%s/action' % self.flavor_realm,
            {'suspend': None})
        expect(response.status_code == 409, 'suspend gave %s' %
               response.status_code)
        response = self.api.admin(
            'POST', '/servers/%s/action' % self.flavor_realm,
            {'os-migrateLive': {'host': None, 'block_migration': 'auto'}})
        expect(response.status_code == 409, 'live migration gave %s' %
               response.status_code)
        return 'suspend 409, live migration 409'

    def cold_migration(self):
        source = self.flavor_realm_host
        target = [h for h in topology.CCA_HOSTS if h != source][0]
        response = self.api.admin(
            'POST', '/servers/%s/action' % self.flavor_realm,
            {'migrate': {'host': target}})
        expect(response.status_code == 202, 'migrate gave %s %s' % (
            response.status_code, response.text[:200]))
        server = self.wait(self.flavor_realm, ('VERIFY_RESIZE', 'ERROR',
                                               'ACTIVE'))
        expect(server['status'] == 'VERIFY_RESIZE', 'migration ended %s: '
               '%s' % (server['status'],
                       server.get('fault', {}).get('message')))
        response = self.api.admin(
            'POST', '/servers/%s/action' % self.flavor_realm,
            {'confirmResize': None})
        expect(response.status_code == 204, 'confirm gave %s' %
               response.status_code)
        server = self.wait_active(self.flavor_realm)
        expect(server['OS-EXT-SRV-ATTR:host'] == target,
               'realm on %s after migration' % server['OS-EXT-SRV-ATTR:host'])
        self._realm_slot_on(self.flavor_realm, target)
        root = self.guest_xml(target, self.flavor_realm)
        expect(root.find('launchSecurity') is not None,
               'no launchSecurity on %s' % target)
        return '%s -> %s, slot and XML on %s' % (source, target, target)

    def delete_leaves_nothing(self):
        for server_id in (self.flavor_realm, self.image_realm):
            self.delete(server_id)
            expect(self.allocations(server_id) == {},
                   'allocations left for %s' % server_id)
        self._expect_no_usage()
        return 'no allocations, no usage'

    def _expect_no_usage(self):
        for host in topology.CCA_HOSTS:
            usages = self.placement.usages(self.provider(host))
            expect(not any(usages.values()), '%s usage %s' % (host, usages))

    def own_networks(self):
        """Every compute in its namespace, on its address.

        Each talks to the control plane over its own link.
        """
        addresses = self.ready['addresses']
        recorded = self.deployment.recorded()
        hypervisors = self.api.admin('GET', '/os-hypervisors/detail').json()[
            'hypervisors']
        host_ip = {hv['service']['host']: hv['host_ip'] for hv in hypervisors}
        broker = '%s:%d' % (topology.BRIDGE_ADDRESS, topology.RABBIT_PORT)
        seen = []
        for host, address in sorted(addresses.items()):
            pid = recorded['compute-' + host]
            inside = network.namespace_of(pid)
            expect(inside == network.namespace(host),
                   'compute-%s (pid %d) runs in namespace %r' % (
                       host, pid, inside))
            expect(host_ip.get(host) == address, '%s: host_ip %s, want %s'
                   % (host, host_ip.get(host), address))
            links = [(local, peer) for local, peer in
                     network.connections(host) if peer == broker]
            expect(links and all(local.startswith(address + ':')
                                 for local, _ in links),
                   '%s: no connection from %s to the broker at %s: %s' % (
                       host, address, broker, network.connections(host)))
            seen.append('%s %s (%d to the broker)' % (host, address,
                                                      len(links)))
        return ', '.join(seen)

    def real_host(self):
        host = topology.REAL_HOST
        provider = self.node_provider(host)
        expect(glossary.REALM_TRAIT not in self.traits(provider),
               '%s has the CCA trait' % host)
        inventory = self.placement.inventories(provider)
        expect(glossary.REALM_RESOURCE_CLASS not in inventory,
               '%s offers realm slots' % host)
        server_id = self.create_server('plain-on-libvirt',
                                       self.plain_flavor,
                                       control.HOST_ARCH_IMAGE, host=host)
        server = self.wait_active(server_id, timeout=400)
        name = server['OS-EXT-SRV-ATTR:instance_name']
        state = subprocess.run(
            ['virsh', '-c', 'qemu:///system', 'domstate', name],
            capture_output=True, text=True).stdout.strip()
        expect(state == 'running', 'domain %s is %r' % (name, state))
        xml = subprocess.run(
            ['virsh', '-c', 'qemu:///system', 'dumpxml', name],
            capture_output=True, text=True).stdout
        root = etree.fromstring(xml.encode())
        expect(root.get('type') == 'qemu', 'domain type %s' %
               root.get('type'))
        expect(root.find('launchSecurity') is None, 'plain guest has '
               'launchSecurity')
        arch = root.find('os/type').get('arch')
        expect(arch == os.uname().machine, 'guest architecture %s' % arch)
        realm = self.create_server('realm-on-libvirt', self.realm_flavor,
                                   control.STATELESS_IMAGE, host=host)
        refused = self.wait(realm)
        expect(refused['status'] == 'ERROR', 'realm on %s is %s' % (
            host, refused['status']))
        fault = refused.get('fault', {}).get('message', '')
        expect('No valid host' in fault, 'realm on %s: %r' % (host, fault))
        for server in (server_id, realm):
            self.delete(server)
            expect(self.allocations(server) == {},
                   'allocations left for %s' % server)
        state = subprocess.run(
            ['virsh', '-c', 'qemu:///system', 'domstate', name],
            capture_output=True, text=True)
        expect(state.returncode != 0, 'domain %s left after delete: %s' % (
            name, state.stdout.strip()))
        return ('no CCA; plain %s guest %s running under QEMU (TCG), '
                'realm refused: %s' % (arch, name, fault))

    def concurrent_realms(self):
        self._expect_no_usage()
        capacity = self._capacities()
        over = []
        stop = threading.Event()
        #: realm slots in use at each poll: the polls prove they looked
        polled = []

        def poll():
            in_use = 0
            for host, (provider, limits) in capacity.items():
                usages = self.placement.usages(provider)
                in_use += usages.get('MEM_ENCRYPTION_CONTEXT', 0)
                for rc, used in usages.items():
                    if used > limits.get(rc, 0):
                        over.append((host, rc, used, limits[rc]))
                        if len(over) == 1:
                            self.figures['first over-capacity'] = (
                                self.placement.inventories(provider),
                                usages)
            polled.append(in_use)

        def watch():
            # and once more after the last boot ended: every slot taken
            while not stop.wait(0.5):
                poll()
            poll()

        watcher = threading.Thread(target=watch, daemon=True)
        watcher.start()
        barrier = threading.Barrier(LOAD_CLIENTS)
        outcome = [None] * LOAD_CLIENTS

        def boot(i):
            api = client.Client(
                project='6f70656e-7374-6163-6b00-%012d' % (100 + i),
                user='75736572-0000-0000-0000-%012d' % (100 + i))
            barrier.wait()
            started = time.monotonic()
            response = api.user_call('POST', '/servers', {'server': {
                'name': 'load-%d' % i, 'flavorRef': self.realm_flavor,
                'imageRef': control.STATELESS_IMAGE, 'networks': 'none'}})
            if response.status_code != 202:
                outcome[i] = (None, 'POST %s' % response.status_code, 0)
                return
            server_id = response.json()['server']['id']
            self.servers.append(server_id)
            server = self.wait(server_id, timeout=600, interval=2.0)
            elapsed = time.monotonic() - started
            fault = server.get('fault', {}).get('message', '')
            if server['status'] == 'ERROR' and not fault:
                # the conductor saves the ERROR state before the fault
                time.sleep(5)
                fault = self.server(server_id).get('fault', {}).get(
                    'message', '')
            outcome[i] = (server_id, server['status'], elapsed, fault)

        threads = [threading.Thread(target=boot, args=(i,))
                   for i in range(LOAD_CLIENTS)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        stop.set()
        watcher.join()
        active = [o for o in outcome if o and o[1] == 'ACTIVE']
        errors = [o for o in outcome if o and o[1] == 'ERROR']
        latencies = sorted(o[2] for o in active)
        if latencies:
            self.figures['boot latency median (s)'] = round(
                statistics.median(latencies), 1)
            self.figures['boot latency p95 (s)'] = round(
                latencies[max(0, int(len(latencies) * 0.95) - 1)], 1)
        refusals = sorted(o[2] for o in errors)
        if refusals:
            self.figures['refusal latency median (s)'] = round(
                statistics.median(refusals), 1)
        self.figures['usage polls over capacity'] = '%d of %d' % (
            len(over), len(polled))
        self.figures['realm slots in use, most polled'] = max(polled,
                                                               default=0)
        self.figures['load outcome'] = '%d ACTIVE, %d ERROR' % (
            len(active), len(errors))
        expect(not over, 'usage above capacity: %s' % over[:3])
        expect(polled and polled[-1] == FREE_SLOTS, 'the usage polls '
               'never saw the %d realms: %s' % (FREE_SLOTS, polled[-5:]))
        expect(len(active) == FREE_SLOTS, '%d ACTIVE (want %d), outcomes '
               '%s' % (len(active), FREE_SLOTS,
                       sorted(set(o[1] for o in outcome if o))))
        expect(len(errors) == LOAD_CLIENTS - FREE_SLOTS, '%d ERROR' %
               len(errors))
        not_nvh = [o for o in errors if 'No valid host' not in o[3]]
        expect(not not_nvh, 'ERROR without No valid host: %s' %
               not_nvh[:2])
        hosts = {}
        for server_id, *_ in active:
            host = self.server(server_id)['OS-EXT-SRV-ATTR:host']
            hosts[host] = hosts.get(host, 0) + 1
        expect(set(hosts) <= set(topology.CCA_HOSTS), 'realms on %s' %
               hosts)
        for server_id in [o[0] for o in outcome if o and o[0]]:
            self.api.admin('DELETE', '/servers/%s' % server_id)
        for server_id in [o[0] for o in outcome if o and o[0]]:
            self.delete(server_id, timeout=300)
            expect(self.allocations(server_id) == {},
                   'allocations left for %s' % server_id)
        self._expect_no_usage()
        return ('%d ACTIVE %s, %d ERROR No valid host, usage within '
                'capacity, nothing left' % (len(active), hosts, len(errors)))

    def _capacities(self):
        capacity = {}
        for host in topology.CCA_HOSTS:
            provider = self.provider(host)
            inventories = self.placement.inventories(provider)
            capacity[host] = (provider, {
                rc: int((inv['total'] - inv['reserved']) *
                        inv['allocation_ratio'])
                for rc, inv in inventories.items()})
        return capacity

    def scheduler_log(self):
        with open(self.paths.log('scheduler')) as f:
            text = f.read()
        expect('No such trait' not in text, 'scheduler logged No such '
               'trait')
        expect(' ERROR ' not in text, 'scheduler logged an ERROR')
        return 'no ERROR, no "No such trait"'

    def cleanup(self):
        for server_id in list(self.servers):
            self.api.admin('DELETE', '/servers/%s' % server_id)


def main(deployment, load=True):
    checker = Checker(deployment)
    steps = [
        ('flavors: realm and plain', checker.flavors),
        ('400 for a bad model', checker.bad_model),
        ('realm boot by flavor', checker.realm_by_flavor),
        ('realm boot by image', checker.realm_by_image),
        ('Placement allocation: realm slot on the host',
         checker.allocation),
        ('CCA traits', checker.cca_traits),
        ("realm domain XML", checker.domain_xml),
        ('409 for suspend and live migration', checker.refusals),
        ('cold migration between the CCA hosts', checker.cold_migration),
        ('delete leaves no allocation', checker.delete_leaves_nothing),
    ]
    if checker.ready.get('addresses'):
        steps.append(('computes on networks of their own',
                      checker.own_networks))
    if checker.ready.get('real_host'):
        steps.append(('real libvirt host: no CCA, plain guest under QEMU',
                      checker.real_host))
    if load:
        steps.append(('%d concurrent realm boots against %d slots' % (
            LOAD_CLIENTS, FREE_SLOTS), checker.concurrent_realms))
    else:
        print('SKIP %d concurrent realm boots (--without-load)'
              % LOAD_CLIENTS, flush=True)
    steps.append(('scheduler log clean', checker.scheduler_log))
    try:
        for name, function in steps:
            checker.run(name, function)
    finally:
        checker.cleanup()
    checker.figures['start to ready cloud (s)'] = checker.ready[
        'seconds_to_ready']
    for name, value in checker.figures.items():
        print('FIGURE %s: %s' % (name, value))
    failed = checker.results.count(False)
    print('%d checks, %d failed' % (len(checker.results), failed))
    return 1 if failed else 0
