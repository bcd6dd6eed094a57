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

"""GET /allocation_candidates at scale, on a real Placement, per layout.

    python -m benchmarks.placement_scale --hosts 10000 --layout child \\
        --share 1.0
    python -m benchmarks.placement_scale --db mysql \\
        --layout child,root,traits-only --hosts 1000,5000,10000 \\
        --share 1.0,0.1 --runs 15 --json out.json

Each configuration (database, layout, hosts, CCA share, unrelated-child
share) runs in a fresh child process against a freshly created database:

* Placement 16's own WSGI application (``placement.deploy.loadapp``) with an
  oslo.config ``ConfigOpts`` of our own (``[placement_database] connection``,
  ``[api] auth_strategy = noauth2``); the schema is created by Placement's
  own migration (``placement.db.sqlalchemy.migration.upgrade('head')``).
* The providers are filled through Placement's own objects
  (``ResourceProvider.create``, ``set_inventory``, ``set_traits``), batched
  in one writer transaction per 500 hosts: the same rows the REST API writes,
  at a fraction of the HTTP round trips.
* Every measured request is a WSGI call into that application (a
  ``webob.Request``: the whole middleware stack, microversion, handler,
  JSON serialisation), as Nova's scheduler would send it.

Layouts (what a CCA-capable host looks like), named as ``[arm_cca]
provider_layout`` names them; results recorded before the names had
letters (``A`` child, ``R`` root, ``B`` traits-only), which ``--layout``
still accepts:

``child``        Nova's generic layout: a child ``<node>_arm_cca`` with
                 MEM_ENCRYPTION_CONTEXT (total 2147483647, max_unit 1) and
                 the realm traits; the compute node root keeps
                 VCPU/MEMORY_MB/DISK_GB.
``root``         the root carries MEM_ENCRYPTION_CONTEXT and the realm
                 traits too.
``traits-only``  the realm traits on the root, no MEM_ENCRYPTION_CONTEXT
                 at all (cannot enforce [arm_cca] max_guests; not a
                 product layout).

Requests: the plain request and the realm request, interleaved (the order
rotated every run). The realm request is timed in both forms where both
select the same hosts (layouts root and traits-only): ``nova``, as Nova 34
builds it (the realm traits in the unsuffixed group's ``required``) and
``root``, as nova-cca's scheduler sends it in the root layout (the traits
in ``root_required``; nova_cca.scheduler.realm_traits). Up to
``--compare-up-to`` hosts the unlimited answers of both forms are compared
(``forms_same_candidates``).
``--unrelated-children`` gives that share of hosts a child provider that has
nothing to do with realms (a PCI device in Placement), which switches
Placement to its nested-tree code for every request.

Claims: plain and realm candidates claimed alternately (``PUT
/allocations``). ``max_guests_enforced``: one host gets one realm slot
(MEM_ENCRYPTION_CONTEXT total 1, as ``[arm_cca] max_guests = 1``), filled by
one realm; then no realm form may offer it, the plain request still does.

Machine load: ``os.getloadavg()`` before and after every configuration
(``load_before``/``load_after``) and around the whole command.

Garbage collection: after filling, ``gc.collect(); gc.freeze()``; during a
timed request the collector is disabled, and a full collection runs after
each request, untimed (its duration is reported as ``gc_ms``).
"""

import argparse
import gc
import json
import math
import os
import statistics
import subprocess
import sys
import time
import uuid as uuidlib

from nova_cca import glossary
from nova_cca import rest

#: Traits Nova 34's libvirt driver puts on a compute node root provider in
#: our simulated cloud (Nova's fake libvirt + SimulatedLibvirtCCADriver),
#: captured from `nova-cca simulate`; benchmarks.provider_shape checks that
#: they still are.
ROOT_TRAITS = (
    'COMPUTE_ACCELERATORS', 'COMPUTE_ADDRESS_SPACE_EMULATED',
    'COMPUTE_ADDRESS_SPACE_PASSTHROUGH', 'COMPUTE_ARCH_AARCH64',
    'COMPUTE_ARCH_MIPSEL', 'COMPUTE_ARCH_X86_64', 'COMPUTE_DEVICE_TAGGING',
    'COMPUTE_GRAPHICS_MODEL_CIRRUS', 'COMPUTE_GRAPHICS_MODEL_NONE',
    'COMPUTE_GRAPHICS_MODEL_QXL', 'COMPUTE_GRAPHICS_MODEL_VGA',
    'COMPUTE_GRAPHICS_MODEL_VIRTIO', 'COMPUTE_GRAPHICS_MODEL_VMVGA',
    'COMPUTE_IMAGE_TYPE_AKI', 'COMPUTE_IMAGE_TYPE_AMI',
    'COMPUTE_IMAGE_TYPE_ARI', 'COMPUTE_IMAGE_TYPE_ISO',
    'COMPUTE_IMAGE_TYPE_QCOW2', 'COMPUTE_IMAGE_TYPE_RAW',
    'COMPUTE_NET_ATTACH_INTERFACE', 'COMPUTE_NET_ATTACH_INTERFACE_WITH_TAG',
    'COMPUTE_NET_VIF_MODEL_E1000', 'COMPUTE_NET_VIF_MODEL_E1000E',
    'COMPUTE_NET_VIF_MODEL_IGB', 'COMPUTE_NET_VIF_MODEL_NE2K_PCI',
    'COMPUTE_NET_VIF_MODEL_PCNET', 'COMPUTE_NET_VIF_MODEL_RTL8139',
    'COMPUTE_NET_VIF_MODEL_SPAPR_VLAN', 'COMPUTE_NET_VIF_MODEL_VIRTIO',
    'COMPUTE_NET_VIF_MODEL_VMXNET3', 'COMPUTE_NET_VIRTIO_PACKED',
    'COMPUTE_NODE', 'COMPUTE_RESCUE_BFV',
    'COMPUTE_SECURITY_STATELESS_FIRMWARE',
    'COMPUTE_SOCKET_PCI_NUMA_AFFINITY', 'COMPUTE_SOUND_MODEL_AC97',
    'COMPUTE_SOUND_MODEL_ES1370', 'COMPUTE_SOUND_MODEL_ICH6',
    'COMPUTE_SOUND_MODEL_ICH9', 'COMPUTE_SOUND_MODEL_PCSPK',
    'COMPUTE_SOUND_MODEL_SB16', 'COMPUTE_SOUND_MODEL_USB',
    'COMPUTE_SOUND_MODEL_VIRTIO', 'COMPUTE_STORAGE_BUS_FDC',
    'COMPUTE_STORAGE_BUS_IDE', 'COMPUTE_STORAGE_BUS_SATA',
    'COMPUTE_STORAGE_BUS_SCSI', 'COMPUTE_STORAGE_BUS_USB',
    'COMPUTE_STORAGE_BUS_VIRTIO', 'COMPUTE_STORAGE_VIRTIO_FS',
    'COMPUTE_TRUSTED_CERTS', 'COMPUTE_VIOMMU_MODEL_AUTO',
    'COMPUTE_VIOMMU_MODEL_INTEL', 'COMPUTE_VIOMMU_MODEL_SMMUV3',
    'COMPUTE_VIOMMU_MODEL_VIRTIO', 'COMPUTE_VOLUME_ATTACH_WITH_TAG',
    'COMPUTE_VOLUME_EXTEND', 'COMPUTE_VOLUME_MULTI_ATTACH',
    'HW_ARCH_AARCH64', 'OWNER_NOVA')

#: the realm traits of a host whose libvirt offers both algorithms
REALM_TRAITS = (glossary.REALM_TRAIT,) + tuple(
    glossary.measurement_trait(a) for a in glossary.MEASUREMENT_ALGORITHMS)
#: nova.db.constants.MAX_INT: realm slots when [arm_cca] max_guests is unset
UNLIMITED = 2147483647

#: a simulated host's size (nova_cca_simulator.scenario.Host defaults)
HOST_VCPUS, HOST_MEMORY_MB, HOST_DISK_GB = 8, 16384, 200
#: Nova's inventory of a libvirt compute node root (allocation ratios and
#: reserved amounts of nova.conf defaults: initial_*_allocation_ratio,
#: reserved_host_memory_mb = 512, reserved_host_disk_mb = 0)
ROOT_INVENTORY = {
    'VCPU': dict(total=HOST_VCPUS, reserved=0, min_unit=1,
                 max_unit=HOST_VCPUS, step_size=1, allocation_ratio=4.0),
    'MEMORY_MB': dict(total=HOST_MEMORY_MB, reserved=512, min_unit=1,
                      max_unit=HOST_MEMORY_MB, step_size=1,
                      allocation_ratio=1.0),
    'DISK_GB': dict(total=HOST_DISK_GB, reserved=0, min_unit=1,
                    max_unit=HOST_DISK_GB, step_size=1,
                    allocation_ratio=1.0),
}
REALM_INVENTORY = dict(total=UNLIMITED, reserved=0, min_unit=1, max_unit=1,
                       step_size=1, allocation_ratio=1.0)

#: the unrelated child (a PCI device reported in Placement by Nova,
#: [pci] report_in_placement): what a bandwidth or PCI provider looks like
PCI_RC = 'CUSTOM_PCI_10DE_2330'
PCI_TRAITS = ('COMPUTE_MANAGED_PCI_DEVICE', 'OWNER_NOVA')
PCI_INVENTORY = dict(total=1, reserved=0, min_unit=1, max_unit=1,
                     step_size=1, allocation_ratio=1.0)

MICROVERSION = '1.36'
LIMIT = 1000
#: the flavor of both requests (realm.small / plain.small)
FLAVOR = {'VCPU': 1, 'MEMORY_MB': 512, 'DISK_GB': 1}

#: the realm traits on the root without realm slots (benchmark only)
TRAITS_ONLY = 'traits-only'
LAYOUTS = (glossary.CHILD_LAYOUT, glossary.ROOT_LAYOUT, TRAITS_ONLY)
#: the layouts' letters in results recorded before they had names
#: (benchmarks/results/issue14-*); --layout accepts them, deprecated
LAYOUT_LETTERS = {'A': glossary.CHILD_LAYOUT, 'R': glossary.ROOT_LAYOUT,
                  'B': TRAITS_ONLY}
MARIADB = 'mysql+pymysql://root@127.0.0.1:3306/nova_cca_bench?charset=utf8mb4'
SQLITE = 'sqlite:////tmp/nova_cca_bench.sqlite'
FILL_BATCH = 500


def node_uuid(name):
    return str(uuidlib.uuid5(uuidlib.NAMESPACE_DNS, name))


def picked(i, share):
    """Spread ``share`` of hosts evenly: is host ``i`` one of them?"""
    return math.floor((i + 1) * share) > math.floor(i * share)


# what a host looks like

def host_providers(i, layout, cca, pci_child):
    """Providers of compute host ``i``: [(name, parent, inventory, traits)].

    ``inventory`` is {resource class: record}; names follow Nova
    (``<node>_arm_cca`` for the realm child, ``<node>_<pci address>`` for a
    PCI device).
    """
    node = 'compute-%05d' % i
    root_inv = dict(ROOT_INVENTORY)
    root_traits = list(ROOT_TRAITS)
    out = []
    children = []
    if cca:
        if layout == glossary.CHILD_LAYOUT:
            children.append((glossary.child_provider_name(node), node,
                             {glossary.REALM_RESOURCE_CLASS: REALM_INVENTORY},
                             list(REALM_TRAITS) + ['OWNER_NOVA']))
        elif layout == glossary.ROOT_LAYOUT:
            root_inv[glossary.REALM_RESOURCE_CLASS] = REALM_INVENTORY
            root_traits += REALM_TRAITS
        elif layout == TRAITS_ONLY:
            root_traits += REALM_TRAITS
        else:
            raise ValueError('unknown layout %r' % layout)
    if pci_child:
        children.append(('%s_0000:81:00.0' % node, node,
                         {PCI_RC: PCI_INVENTORY}, list(PCI_TRAITS)))
    out.append((node, None, root_inv, root_traits))
    return out + children


#: the realm request's traits, in the order Nova sorts them
REALM_REQUIRED = (glossary.STATELESS_FIRMWARE_TRAIT, glossary.REALM_TRAIT)
#: the two forms of the realm request: ``nova`` as Nova 34 builds it (the
#: traits in the unsuffixed group's ``required``), ``root`` as nova-cca's
#: scheduler sends it in the root layout (the traits in ``root_required``,
#: nova_cca.scheduler.realm_traits)
FORMS = ('nova', 'root')
#: the form nova-cca's scheduler sends by default, per layout
SENT_FORM = {glossary.CHILD_LAYOUT: 'nova', glossary.ROOT_LAYOUT: 'root',
             TRAITS_ONLY: 'root'}


def _query(resources, required=(), root_required=()):
    q = 'limit=%d' % LIMIT
    if required:
        q += '&required=%s' % ','.join(sorted(required))
    q += '&resources=%s' % ','.join(
        '%s:%d' % kv for kv in sorted(resources.items()))
    # Nova: sorted required root traits, then the forbidden ones
    q += '&root_required=%s' % ','.join(
        sorted(set(root_required) | {'OWNER_NOVA'}) +
        ['!COMPUTE_STATUS_DISABLED'])
    return '/allocation_candidates?' + q


def plain_request():
    return _query(FLAVOR)


def root_traits_request():
    """The plain request plus the realm's traits in root_required, without
    MEM_ENCRYPTION_CONTEXT (``--decompose``): what the traits cost apart
    from the resource class.
    """
    return _query(FLAVOR, root_required=REALM_REQUIRED)


def realm_request(layout, form):
    """The realm query (1.36) of ``layout`` in ``form`` (see FORMS)."""
    realm = dict(FLAVOR)
    if layout != TRAITS_ONLY:
        realm[glossary.REALM_RESOURCE_CLASS] = 1
    if form == 'nova':
        return _query(realm, required=REALM_REQUIRED)
    if form == 'root':
        return _query(realm, root_required=REALM_REQUIRED)
    raise ValueError('unknown request form %r (known: %s)'
                     % (form, ', '.join(FORMS)))


def requests_for(layout):
    """(plain query, CCA query): what the scheduler sends (1.36), with
    nova-cca active and [arm_cca] provider_layout matching ``layout``.
    """
    return plain_request(), realm_request(layout, SENT_FORM[layout])


# Placement, in this process

class Placement:
    """Placement 16's WSGI app on a database, called through WSGI."""

    def __init__(self, url):
        from oslo_config import cfg
        from oslo_policy import opts as policy_opts
        from placement import conf as placement_conf
        from placement import context
        from placement.db.sqlalchemy import migration
        from placement import db_api
        from placement import deploy

        self.url = url
        self.conf = cfg.ConfigOpts()
        placement_conf.register_opts(self.conf)
        self.conf.set_override('connection', url, 'placement_database')
        self.conf.set_override('auth_strategy', 'noauth2', 'api')
        self.conf([], default_config_files=[])
        policy_opts.set_defaults(self.conf, enforce_new_defaults=False)
        db_api.configure(self.conf)
        migration.upgrade('head')
        self.app = deploy.loadapp(self.conf)
        self.context = context.RequestContext(
            config=self.conf, user_id='bench', project_id='bench')
        self._db_api = db_api

    def _response(self, method, path, body, version):
        import webob
        req = webob.Request.blank(path, method=method)
        req.headers['X-Auth-Token'] = 'admin'
        req.headers['OpenStack-API-Version'] = 'placement %s' % version
        req.headers['Accept'] = 'application/json'
        if body is not None:
            req.body = json.dumps(body).encode()
            req.content_type = 'application/json'
        return req.get_response(self.app)

    def get(self, path, microversion=MICROVERSION):
        """A GET as a :mod:`nova_cca.rest` transport answers it."""
        return _Response(self._response('GET', path, None, microversion))

    def call(self, method, path, body=None, version=MICROVERSION):
        resp = self._response(method, path, body, version)
        if resp.status_int >= 400:
            raise RuntimeError('%s %s: %s %s' % (method, path, resp.status,
                                                 resp.text[:500]))
        return resp

    def get_json(self, path, version=MICROVERSION):
        return json.loads(self.call('GET', path, version=version).body)

    # filling

    def _create_custom(self):
        from placement.objects import trait as trait_obj
        for name in REALM_TRAITS:
            trait_obj.Trait(self.context, name=name).create()
        self.call('PUT', '/resource_classes/%s' % PCI_RC, version='1.7')
        self.context.rc_cache.clear()
        self.context.trait_cache.clear()

    def fill(self, providers_of_hosts, how='bulk'):
        """Create the providers; return how many.

        ``objects``: Placement's objects (ResourceProvider.create,
        set_inventory, set_traits), one writer transaction per
        FILL_BATCH providers. ``bulk``: the same rows, written with
        multi-row INSERTs into Placement's own tables
        (placement.db.sqlalchemy.models), ids, roots, parents and
        generations set as the objects set them (provider_shape checks
        that both give identical API-visible providers).
        """
        self._create_custom()
        return (self._fill_objects if how == 'objects' else
                self._fill_bulk)(providers_of_hosts)

    def _fill_objects(self, providers_of_hosts):
        from placement.objects import inventory as inv_obj
        from placement.objects import resource_provider as rp_obj
        from placement.objects import trait as trait_obj

        ctx = self.context
        traits = {}

        def trait(name):
            if name not in traits:
                traits[name] = trait_obj.Trait.get_by_name(ctx, name)
            return traits[name]

        writer = self._db_api.placement_context_manager.writer
        batch = []

        def flush():
            with writer.using(ctx):
                for name, parent, inventory, trait_names in batch:
                    rp = rp_obj.ResourceProvider(
                        ctx, uuid=node_uuid(name), name=name,
                        parent_provider_uuid=node_uuid(parent)
                        if parent else None)
                    rp.create()
                    rp.set_inventory([
                        inv_obj.Inventory(resource_provider=rp,
                                          resource_class=rc, **record)
                        for rc, record in inventory.items()])
                    rp.set_traits([trait(t) for t in trait_names])
            batch.clear()

        count = 0
        for providers in providers_of_hosts:
            batch.extend(providers)
            count += len(providers)
            if len(batch) >= FILL_BATCH:
                flush()
        if batch:
            flush()
        return count

    def _fill_bulk(self, providers_of_hosts):
        from placement.db.sqlalchemy import models

        ctx = self.context
        writer = self._db_api.placement_context_manager.writer
        rp_tbl = models.ResourceProvider.__table__
        inv_tbl = models.Inventory.__table__
        trait_tbl = models.ResourceProviderTrait.__table__
        ids = {}
        rows = {'rp': [], 'inv': [], 'trait': []}

        def flush():
            with writer.using(ctx):
                for table, key in ((rp_tbl, 'rp'), (inv_tbl, 'inv'),
                                   (trait_tbl, 'trait')):
                    if rows[key]:
                        ctx.session.execute(table.insert(), rows[key])
            for key in rows:
                rows[key] = []

        count = 0
        for providers in providers_of_hosts:
            for name, parent, inventory, trait_names in providers:
                count += 1
                rp_id = ids[name] = count
                parent_id = ids[parent] if parent else None
                rows['rp'].append({
                    'id': rp_id, 'uuid': node_uuid(name), 'name': name,
                    # create (0), set_inventory (+1), set_traits (+1)
                    'generation': 2,
                    'root_provider_id': parent_id or rp_id,
                    'parent_provider_id': parent_id})
                for rc, record in inventory.items():
                    rows['inv'].append(dict(
                        record, resource_provider_id=rp_id,
                        resource_class_id=ctx.rc_cache.id_from_string(rc)))
                for t in trait_names:
                    rows['trait'].append({
                        'resource_provider_id': rp_id,
                        'trait_id': ctx.trait_cache.id_from_string(t)})
            if len(rows['rp']) >= FILL_BATCH * 4:
                flush()
        flush()
        return count

    def analyze(self):
        """Fresh optimizer statistics, as a database in service has."""
        import sqlalchemy as sa
        engine = self._db_api.get_placement_engine()
        with engine.connect() as conn:
            if engine.dialect.name == 'sqlite':
                conn.execute(sa.text('ANALYZE'))
            else:
                conn.execute(sa.text(
                    'ANALYZE TABLE resource_providers, inventories, '
                    'resource_provider_traits, allocations, traits, '
                    'resource_classes, consumers'))
            conn.commit()

    def providers_as_seen(self):
        """Every provider as the REST API shows it, keyed by name."""
        keys = ('uuid', 'generation', 'parent', 'root', 'inventories',
                'traits')
        return {p['name']: {k: p[k] for k in keys}
                for p in rest.PlacementReader(self).providers()}


class _Response:
    """A webob response as a requests response."""

    def __init__(self, response):
        self.status_code = response.status_int
        self.text = response.text
        self._body = response.body

    def json(self):
        return json.loads(self._body)


# databases

def prepare_database(url):
    """An empty database at ``url`` (MariaDB: dropped and created)."""
    import sqlalchemy as sa
    if url.startswith('sqlite:'):
        path = url[len('sqlite:///'):]
        for suffix in ('', '-journal', '-wal', '-shm'):
            if os.path.exists(path + suffix):
                os.unlink(path + suffix)
        return
    parsed = sa.engine.make_url(url)
    server = sa.create_engine(parsed.set(database=''))
    with server.connect() as conn:
        conn.execute(sa.text('DROP DATABASE IF EXISTS `%s`' % parsed.database))
        conn.execute(sa.text('CREATE DATABASE `%s` CHARACTER SET utf8mb4'
                             % parsed.database))
    server.dispose()


def drop_database(url):
    import sqlalchemy as sa
    if url.startswith('sqlite:'):
        return prepare_database(url)
    parsed = sa.engine.make_url(url)
    server = sa.create_engine(parsed.set(database=''))
    with server.connect() as conn:
        conn.execute(sa.text('DROP DATABASE IF EXISTS `%s`' % parsed.database))
    server.dispose()


def database_version(url):
    import sqlalchemy as sa
    if url.startswith('sqlite:'):
        import sqlite3
        return 'SQLite %s' % sqlite3.sqlite_version
    parsed = sa.engine.make_url(url)
    engine = sa.create_engine(parsed.set(database=''))
    with engine.connect() as conn:
        version = conn.execute(sa.text('SELECT VERSION()')).scalar()
    engine.dispose()
    return 'MariaDB %s' % version


# statistics

def median(values):
    return statistics.median(values)


def p95(values):
    """Nearest-rank 95th percentile."""
    ordered = sorted(values)
    return ordered[max(0, math.ceil(0.95 * len(ordered)) - 1)]


# one configuration

def _server_pid(url):
    """Process id of the local MariaDB/MySQL server, None for SQLite."""
    if url.startswith('sqlite:'):
        return None
    for entry in os.listdir('/proc'):
        if entry.isdigit():
            try:
                with open('/proc/%s/comm' % entry) as f:
                    if f.read().strip() in ('mariadbd', 'mysqld'):
                        return int(entry)
            except OSError:
                continue
    return None


def _cpu_s(pid):
    """CPU seconds (user + system) the process ``pid`` has used."""
    with open('/proc/%d/stat' % pid) as f:
        fields = f.read().rpartition(')')[2].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf('SC_CLK_TCK')


def timed_call(placement, method, path, body=None, server_pid=None):
    """(wall ms, CPU ms, response), the collector off while timing.

    CPU ms is the CPU time this process used (Placement and, for SQLite,
    the database) plus, with ``server_pid``, the database server's: on a
    loaded machine it moves much less than wall time. The server's share
    includes whatever else it served meanwhile (clock ticks of 10 ms).
    """
    gc.disable()
    try:
        server_before = _cpu_s(server_pid) if server_pid else 0.0
        cpu_before = time.process_time()
        started = time.perf_counter()
        resp = placement.call(method, path, body)
        elapsed = (time.perf_counter() - started) * 1000
        cpu = time.process_time() - cpu_before
        if server_pid:
            cpu += _cpu_s(server_pid) - server_before
    finally:
        gc.enable()
    return elapsed, cpu * 1000, resp


def forms_of(layout):
    """Realm request forms worth timing: the root form selects nothing in
    the child layout (the realm traits are on the child).
    """
    return ('nova',) if layout == glossary.CHILD_LAYOUT else FORMS


def load():
    """The machine's load averages (1, 5, 15 minutes) and CPU count."""
    one, five, fifteen = os.getloadavg()
    return {'1m': round(one, 2), '5m': round(five, 2),
            '15m': round(fifteen, 2), 'cpus': os.cpu_count()}


def _answer(placement, query):
    """Placement's answer without limit: (allocation requests, roots)."""
    path, _, q = query.partition('?')
    q = '&'.join(p for p in q.split('&') if not p.startswith('limit='))
    body = json.loads(placement.call('GET', path + '?' + q).body)
    requests = {json.dumps(a['allocations'], sort_keys=True)
                for a in body['allocation_requests']}
    return requests, len(body['provider_summaries'])


def _max_guests_enforced(placement, layout, host_uuid, queries):
    """Give the host one realm slot, fill it: no form may offer it again.

    As ``[arm_cca] max_guests = 1`` would: the MEM_ENCRYPTION_CONTEXT
    total becomes 1, one realm is claimed there, then every realm form is
    asked with ``in_tree`` = the host. Returns {form: candidates} (all 0
    when enforced) and the plain request's candidates (1: the host is
    still offered to plain servers).
    """
    carrier = host_uuid if layout == glossary.ROOT_LAYOUT else node_uuid(
        glossary.child_provider_name(placement.get_json(
            '/resource_providers/%s' % host_uuid)['name']))
    base = '/resource_providers/%s/inventories' % carrier
    current = placement.get_json(base)
    record = dict(REALM_INVENTORY, total=1)
    placement.call('PUT', base + '/' + glossary.REALM_RESOURCE_CLASS, {
        'resource_provider_generation':
            current['resource_provider_generation'], **record})
    placement.call('PUT', '/allocations/%s' % uuidlib.uuid4(), {
        'allocations': {host_uuid: {'resources': dict(FLAVOR)},
                        carrier: {'resources': {
                            glossary.REALM_RESOURCE_CLASS: 1}}},
        'project_id': 'bench', 'user_id': 'bench',
        'consumer_generation': None})
    seen = {}
    for kind, query in queries.items():
        body = placement.get_json(query + '&in_tree=%s' % host_uuid)
        seen[kind] = len(body['allocation_requests'])
    return seen


def profile(placement, query, top):
    """cProfile of one request: the ``top`` functions by own time."""
    import cProfile
    import pstats
    profiler = cProfile.Profile()
    profiler.enable()
    placement.call('GET', query)
    profiler.disable()
    stats = pstats.Stats(profiler)
    rows = []
    for (path, line, name), (cc, nc, tt, ct, _callers) in \
            stats.stats.items():
        rows.append({'function': '%s:%d(%s)' % (
            path.split('site-packages/')[-1], line, name),
            'calls': nc, 'own_ms': round(tt * 1000, 1),
            'cumulative_ms': round(ct * 1000, 1)})
    rows.sort(key=lambda r: -r['own_ms'])
    # where the time goes inside Placement: its own functions by
    # cumulative time (the own-time list above is mostly SQLAlchemy and
    # builtins)
    inside = sorted((r for r in rows
                     if r['function'].startswith('placement/objects/')),
                    key=lambda r: -r['cumulative_ms'])
    return {'total_ms': round(stats.total_tt * 1000, 1),
            'top': rows[:top], 'placement_cumulative': inside[:top]}


def run_one(url, layout, hosts, share, unrelated, runs, claims,
            fill='bulk', compare_up_to=5000, decompose=False,
            profile_top=0):
    result = {'db': database_version(url), 'layout': layout, 'hosts': hosts,
              'share': share, 'unrelated_children': unrelated, 'runs': runs,
              'load_before': load()}
    prepare_database(url)
    try:
        placement = Placement(url)
        started = time.perf_counter()
        count = placement.fill(
            (host_providers(i, layout, picked(i, share),
                            unrelated and picked((i + 3) % hosts, unrelated))
             for i in range(hosts)), how=fill)
        result['fill'] = fill
        result['providers'] = count
        placement.analyze()
        result['fill_s'] = round(time.perf_counter() - started, 1)
        gc.collect()
        gc.freeze()

        # plain, then each realm form (key 'cca' is the form the scheduler
        # sends by default for this layout, SENT_FORM)
        queries = {'plain': plain_request()}
        for form in forms_of(layout):
            queries['cca_' + form] = realm_request(layout, form)
        if decompose and layout != glossary.CHILD_LAYOUT:
            queries['root_traits'] = root_traits_request()
        for kind, q in queries.items():
            result['%s_request' % kind] = q
        samples = {kind: [] for kind in queries}
        cpu_samples = {kind: [] for kind in queries}
        server_pid = _server_pid(url)
        gc_ms = []
        candidates = {}
        # one untimed warm-up of each, then timed runs, interleaved, the
        # order rotated every run so no kind always follows another
        for kind, q in queries.items():
            body = json.loads(placement.call('GET', q).body)
            candidates[kind] = body['allocation_requests']
        kinds = list(queries)
        for run in range(runs):
            shift = run % len(kinds)
            for kind in kinds[shift:] + kinds[:shift]:
                ms, cpu_ms, _resp = timed_call(placement, 'GET',
                                               queries[kind],
                                               server_pid=server_pid)
                samples[kind].append(ms)
                cpu_samples[kind].append(cpu_ms)
                started = time.perf_counter()
                gc.collect()
                gc_ms.append((time.perf_counter() - started) * 1000)
        for kind in kinds:
            result['%s_candidates' % kind] = len(candidates[kind])
            result['%s_median_ms' % kind] = round(median(samples[kind]), 1)
            result['%s_p95_ms' % kind] = round(p95(samples[kind]), 1)
            result['%s_samples_ms' % kind] = [round(v, 1)
                                              for v in samples[kind]]
            result['%s_cpu_median_ms' % kind] = round(
                median(cpu_samples[kind]), 1)
            result['%s_cpu_p95_ms' % kind] = round(p95(cpu_samples[kind]), 1)
            result['%s_cpu_samples_ms' % kind] = [
                round(v, 1) for v in cpu_samples[kind]]
            if kind != 'plain':
                result['%s_ratio' % kind] = round(
                    result['%s_median_ms' % kind] /
                    result['plain_median_ms'], 2)
                result['%s_cpu_ratio' % kind] = round(
                    result['%s_cpu_median_ms' % kind] /
                    result['plain_cpu_median_ms'], 2)
        sent = 'cca_' + SENT_FORM[layout]
        for key in ('candidates', 'median_ms', 'p95_ms', 'ratio',
                    'cpu_median_ms', 'cpu_ratio'):
            result['cca_' + key] = result['%s_%s' % (sent, key)]
        result['ratio'] = result['cca_ratio']
        result['gc_ms_median'] = round(median(gc_ms), 1)

        if profile_top:
            result['profile'] = {kind: profile(placement, q, profile_top)
                                 for kind, q in queries.items()}

        # the same answer in both forms: every allocation request, without
        # limit (untimed; skipped above compare_up_to hosts, where it costs
        # two more full requests)
        if len(forms_of(layout)) == 2 and hosts <= compare_up_to:
            nova_answer = _answer(placement, queries['cca_nova'])
            root_answer = _answer(placement, queries['cca_root'])
            result['forms_same_candidates'] = nova_answer == root_answer
            result['forms_candidates_unlimited'] = len(root_answer[0])

        # claims: PUT /allocations/{consumer}, one consumer each, the way
        # Nova's scheduler claims (1.36 body); plain and realm interleaved
        claimed = {'plain': [], 'cca': []}
        claimed_cpu = {'plain': [], 'cca': []}
        todo = list(zip(candidates['plain'], candidates[sent]))[:claims]
        for pair in todo:
            for kind, areq in zip(('plain', 'cca'), pair):
                body = {'allocations': areq['allocations'],
                        'project_id': 'bench', 'user_id': 'bench',
                        'consumer_generation': None}
                ms, cpu_ms, _resp = timed_call(
                    placement, 'PUT', '/allocations/%s' % uuidlib.uuid4(),
                    body, server_pid=server_pid)
                claimed[kind].append(ms)
                claimed_cpu[kind].append(cpu_ms)
        for kind, durations in claimed.items():
            if not durations:
                continue
            prefix = '' if kind == 'cca' else 'plain_'
            result[prefix + 'claims'] = len(durations)
            result[prefix + 'claim_median_ms'] = round(median(durations), 2)
            result[prefix + 'claim_p95_ms'] = round(p95(durations), 2)
            result[prefix + 'claims_per_s'] = round(
                len(durations) / (sum(durations) / 1000), 1)
            result[prefix + 'claims_per_cpu_s'] = round(
                len(durations) / (sum(claimed_cpu[kind]) / 1000), 1)
        if claimed['cca'] and claimed['plain']:
            result['claims_ratio'] = round(
                result['claims_per_s'] / result['plain_claims_per_s'], 2)
            result['claims_cpu_ratio'] = round(
                result['claims_per_cpu_s'] /
                result['plain_claims_per_cpu_s'], 2)

        # [arm_cca] max_guests is still enforced, in every form
        if (layout in glossary.PROVIDER_LAYOUTS and candidates[sent]):
            host_uuid = next(
                rp for rp in candidates[sent][-1]['allocations']
                if rp in {node_uuid('compute-%05d' % i)
                          for i in range(hosts)})
            realm_queries = {k: q for k, q in queries.items()
                             if k.startswith('cca_')}
            seen = _max_guests_enforced(placement, layout, host_uuid,
                                        dict(realm_queries,
                                             plain=queries['plain']))
            result['max_guests_check'] = seen
            result['max_guests_enforced'] = (
                seen['plain'] == 1 and
                all(seen[k] == 0 for k in realm_queries))
        result['peak_rss_mb'] = _peak_rss_mb()
    finally:
        drop_database(url)
        result['load_after'] = load()
    return result


def _peak_rss_mb():
    import resource
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)


# command line

def _db_url(value):
    return {'mysql': MARIADB, 'mariadb': MARIADB, 'sqlite': SQLITE}.get(
        value, value)


def _parser():
    parser = argparse.ArgumentParser(
        prog='python -m benchmarks.placement_scale',
        description=__doc__.split('\n\n')[0])
    parser.add_argument('--hosts', default='1000',
                        help='compute hosts, comma-separated (1000)')
    parser.add_argument('--layout', default=glossary.CHILD_LAYOUT,
                        help='%s or several, comma-separated (%s; the '
                             'letters A, R, B of old results still work)'
                        % (', '.join(LAYOUTS), glossary.CHILD_LAYOUT))
    parser.add_argument('--share', default='1.0',
                        help='share of CCA-capable hosts, comma-separated')
    parser.add_argument('--unrelated-children', default='0',
                        help='share of hosts with an unrelated (PCI) child '
                             'provider, comma-separated (0)')
    parser.add_argument('--db', default='sqlite',
                        help="database URL, or 'mysql' (MariaDB at "
                             "127.0.0.1, database nova_cca_bench) or "
                             "'sqlite' (file under /tmp), comma-separated")
    parser.add_argument('--runs', type=int, default=15,
                        help='timed requests of each kind (15)')
    parser.add_argument('--claims', type=int, default=500,
                        help='PUT /allocations claims (500)')
    parser.add_argument('--json', metavar='FILE', nargs='?', const='-',
                        help='also write results as JSON lines to FILE '
                             '(- for stdout)')
    parser.add_argument('--placement-path', default=None,
                        help='directory to import placement from, first '
                             '(to measure a patched copy)')
    parser.add_argument('--fill', choices=('bulk', 'objects'),
                        default='bulk',
                        help="how providers are written: 'bulk' (multi-row "
                             "INSERTs into Placement's tables, default) or "
                             "'objects' (Placement's ResourceProvider "
                             "objects; slow: ~15 ms a provider on MariaDB)")
    parser.add_argument('--compare-up-to', type=int, default=5000,
                        metavar='HOSTS',
                        help='compare the unlimited answers of both realm '
                             'forms up to this many hosts (5000)')
    parser.add_argument('--decompose', action='store_true',
                        help='also time the plain request with the realm '
                             'traits in root_required and no '
                             'MEM_ENCRYPTION_CONTEXT (layouts root, '
                             'traits-only)')
    parser.add_argument('--profile', type=int, default=0, metavar='N',
                        help='cProfile one request of each kind after the '
                             'timed runs; keep the N functions with the '
                             'most own time (0: no profile)')
    parser.add_argument('--single', action='store_true',
                        help=argparse.SUPPRESS)
    return parser


def _split(value, kind=str):
    return [kind(v) for v in value.split(',') if v]


def layout_name(value):
    """A layout's name; an old letter (A, R, B) is mapped, with a warning."""
    if value in LAYOUT_LETTERS:
        print('--layout %s is deprecated: say %s' % (
            value, LAYOUT_LETTERS[value]), file=sys.stderr)
        return LAYOUT_LETTERS[value]
    if value not in LAYOUTS:
        raise SystemExit('unknown layout %r (known: %s)'
                         % (value, ', '.join(LAYOUTS)))
    return value


TABLE_HEAD = ('%-7s %-11s %6s %4s %4s | %8s %8s | %8s %8s %5s | %8s %8s %5s '
              '| %4s | %6s %6s %5s | %4s | %5s'
              % ('db', 'L', 'hosts', 'shr', 'kids', 'plain', 'p95',
                 'nova', 'p95', 'x', 'root', 'p95', 'x', 'same',
                 'cl/s P', 'cl/s R', 'x', 'maxg', 'load'))


def _cell(r, key, fmt):
    value = r.get(key)
    return fmt % value if value is not None else '-'


def table_row(r):
    same = r.get('forms_same_candidates')
    maxg = r.get('max_guests_enforced')
    return ('%-7s %-11s %6d %4.2f %4.2f | %8.1f %8.1f | %8s %8s %5s | '
            '%8s %8s %5s | %4s | %6s %6s %5s | %4s | %5.1f' % (
                r['db'].split()[0], r['layout'], r['hosts'], r['share'],
                r['unrelated_children'], r['plain_median_ms'],
                r['plain_p95_ms'],
                _cell(r, 'cca_nova_median_ms', '%.1f'),
                _cell(r, 'cca_nova_p95_ms', '%.1f'),
                _cell(r, 'cca_nova_ratio', '%.2f'),
                _cell(r, 'cca_root_median_ms', '%.1f'),
                _cell(r, 'cca_root_p95_ms', '%.1f'),
                _cell(r, 'cca_root_ratio', '%.2f'),
                '-' if same is None else ('yes' if same else 'NO'),
                _cell(r, 'plain_claims_per_s', '%.1f'),
                _cell(r, 'claims_per_s', '%.1f'),
                _cell(r, 'claims_ratio', '%.2f'),
                '-' if maxg is None else ('yes' if maxg else 'NO'),
                max(r['load_before']['1m'], r['load_after']['1m']))) + (
        ' | CPU x nova %s root %s claims %s' % (
            _cell(r, 'cca_nova_cpu_ratio', '%.2f'),
            _cell(r, 'cca_root_cpu_ratio', '%.2f'),
            _cell(r, 'claims_cpu_ratio', '%.2f'))) + (
        ' | traits-only %.1f (%.2f)' % (r['root_traits_median_ms'],
                                        r['root_traits_ratio'])
        if 'root_traits_ratio' in r else '')


def main(argv=None):
    args = _parser().parse_args(argv)
    if args.placement_path:
        sys.path.insert(0, args.placement_path)
    if args.single:
        import logging
        logging.basicConfig(level=logging.WARNING)
        result = run_one(_db_url(args.db), layout_name(args.layout),
                         int(args.hosts),
                         float(args.share), float(args.unrelated_children),
                         args.runs, args.claims, args.fill,
                         args.compare_up_to, args.decompose, args.profile)
        if args.placement_path:
            import placement
            result['placement_path'] = os.path.dirname(placement.__file__)
        print(json.dumps(result))
        return 0

    layouts = _split(args.layout, layout_name)
    out = None
    if args.json and args.json != '-':
        out = open(args.json, 'a')
    print('load average before: %(1m).2f %(5m).2f %(15m).2f on %(cpus)d '
          'CPUs' % load(), file=sys.stderr, flush=True)
    print(TABLE_HEAD, file=sys.stderr, flush=True)
    failed = 0
    for db in _split(args.db):
        for hosts in _split(args.hosts, int):
            for layout in layouts:
                for share in _split(args.share, float):
                    for unrelated in _split(args.unrelated_children, float):
                        cmd = [sys.executable, '-m',
                               'benchmarks.placement_scale', '--single',
                               '--db', db, '--layout', layout,
                               '--hosts', str(hosts), '--share', str(share),
                               '--unrelated-children', str(unrelated),
                               '--runs', str(args.runs),
                               '--claims', str(args.claims),
                               '--fill', args.fill,
                               '--compare-up-to', str(args.compare_up_to),
                               '--profile', str(args.profile)]
                        if args.decompose:
                            cmd.append('--decompose')
                        if args.placement_path:
                            cmd += ['--placement-path', args.placement_path]
                        proc = subprocess.run(cmd, stdout=subprocess.PIPE,
                                              text=True)
                        if proc.returncode:
                            failed += 1
                            print('FAILED: %s' % ' '.join(cmd),
                                  file=sys.stderr, flush=True)
                            continue
                        result = json.loads(proc.stdout.strip()
                                            .splitlines()[-1])
                        result['command'] = ' '.join(cmd[1:])
                        print(table_row(result), file=sys.stderr,
                              flush=True)
                        line = json.dumps(result)
                        if out is not None:
                            out.write(line + '\n')
                            out.flush()
                        elif args.json == '-':
                            print(line, flush=True)
    print('load average after: %(1m).2f %(5m).2f %(15m).2f on %(cpus)d '
          'CPUs' % load(), file=sys.stderr, flush=True)
    if out is not None:
        out.close()
    return 1 if failed else 0


if __name__ == '__main__':
    sys.exit(main())
