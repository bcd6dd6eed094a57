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

"""What being installed costs a server that asks for no realm (callgrind).

    python -m benchmarks.installed_cost --hosts 10000 \\
        --unrelated-children 0,0.1,0.5 --json out.jsonl

A plain server's scheduling request, counted in instructions as
benchmarks.placement_instructions counts Placement requests, once in a
process running Nova alone and once in a process with nova-cca active.
Each process builds Nova's RequestSpec of a plain flavor and image, then
repeats, each time between callgrind client requests:

- ``scheduler``: what nova-scheduler does with the spec before it asks
  Placement: Nova's request filters (``request_filter.process_reqspec``,
  nova-cca's realm filter among them when active) and the Placement
  request (``utils.resources_from_request_spec``), on a fresh copy;
- ``request``: the same, then ``GET /allocation_candidates`` with that
  request on Placement's WSGI application over an SQLite database of
  ``--hosts`` compute nodes (filled as placement_instructions fills it).

The ratio ``active / nova`` of each is what nova-cca costs a server that
asks for no realm. Both processes must send Placement the same query;
the result records it and the run fails if they differ. The request
filter that reads Nova's database (OWNER_NOVA's compute version check) is
answered without one, identically in both modes.
"""

import argparse
import ctypes
import json
import os
import shutil
import statistics
import sys
import tempfile

from benchmarks import placement_instructions as instructions
from benchmarks import placement_scale as scale

MODES = ('nova', 'active')
REGIONS = ('scheduler', 'request')


def plain_spec():
    """Nova's RequestSpec of a plain server (the benchmark's flavor)."""
    from nova import objects

    flavor = objects.Flavor(
        name='m1.plain', flavorid='plain', vcpus=scale.FLAVOR['VCPU'],
        memory_mb=scale.FLAVOR['MEMORY_MB'], root_gb=scale.FLAVOR['DISK_GB'],
        ephemeral_gb=0, swap=0, extra_specs={})
    image = objects.ImageMeta.from_dict({
        'id': 'c0ffee00-0000-4000-8000-000000000001', 'name': 'plain',
        'disk_format': 'qcow2', 'container_format': 'bare',
        'properties': {'hw_architecture': 'x86_64'}})
    return objects.RequestSpec(
        flavor=flavor, image=image, is_bfv=False, num_instances=1,
        project_id='bench', user_id='bench',
        instance_uuid='c0ffee00-0000-4000-8000-000000000002',
        requested_destination=None, force_hosts=None, force_nodes=None,
        ignore_hosts=None, scheduler_hints={}, availability_zone=None)


def _nova(mode):
    """Nova's scheduler code in this process, nova-cca active or not."""
    os.environ.setdefault('OS_NOVA_DISABLE_EVENTLET_PATCHING', '1')
    from nova import monkey_patch
    monkey_patch.patch()
    from nova import config
    from nova import objects
    objects.register_all()
    config.parse_args([], default_config_files=[])
    if mode == 'active':
        import nova_cca
        nova_cca.activate()
    from nova import context
    from nova.scheduler import request_filter
    from nova.scheduler import utils
    # The one request filter that reads Nova's database (the minimum
    # nova-compute version across cells, for OWNER_NOVA) gets its answer
    # without one, the same in both modes: "not every compute is new
    # enough", so the query matches the benchmark's providers.
    request_filter._should_filter_by_owner = lambda ctxt: False
    return context.get_admin_context(), request_filter, utils


def measure(url, mode, repeat, library):
    """In the process under callgrind: warm up, then counted regions."""
    region = ctypes.CDLL(library)
    region.region_stop.argtypes = [ctypes.c_char_p]
    ctxt, request_filter, utils = _nova(mode)
    spec = plain_spec()
    placement = scale.Placement(url)

    def schedule():
        copy = spec.obj_clone()
        request_filter.process_reqspec(ctxt, copy)
        return utils.resources_from_request_spec(ctxt, copy, None)

    query = '/allocation_candidates?%s' % schedule().to_querystring()
    body = json.loads(placement.call('GET', query).body)
    for i in range(repeat):
        region.region_start()
        schedule()
        region.region_stop(('scheduler-%d' % i).encode())
        region.region_start()
        placement.call(
            'GET', '/allocation_candidates?%s' % schedule().to_querystring())
        region.region_stop(('request-%d' % i).encode())
    return {'query': query,
            'candidates': len(body['allocation_requests'])}


def run_mode(url, mode, repeat, library, directory):
    return instructions.under_callgrind(
        'benchmarks.installed_cost', url, mode, directory,
        ['--mode', mode, '--repeat', str(repeat), '--library', library])


def summarize(config, counts, answers):
    out = dict(config)
    queries = {answers[m]['query'] for m in answers}
    out['query'] = sorted(queries)
    out['same_query'] = len(queries) == 1
    out['candidates'] = {m: answers[m]['candidates'] for m in answers}
    for mode in counts:
        for name in REGIONS:
            values = counts[mode][name]
            out['%s_%s_instructions' % (mode, name)] = values
            out['%s_%s_median' % (mode, name)] = statistics.median(values)
    for name in REGIONS:
        nova = out.get('nova_%s_median' % name)
        active = out.get('active_%s_median' % name)
        if nova and active:
            out['%s_ratio' % name] = round(active / nova, 4)
    return out


def table_row(r):
    return '%6d %4.2f | %12d %12d %7.4f | %14d %14d %7.4f | %s' % (
        r['hosts'], r['unrelated_children'],
        r['nova_scheduler_median'], r['active_scheduler_median'],
        r['scheduler_ratio'], r['nova_request_median'],
        r['active_request_median'], r['request_ratio'],
        'same query' if r['same_query'] else 'QUERIES DIFFER')


TABLE_HEAD = (' hosts kids |   nova sched active sched   ratio | '
              '  nova request active request   ratio |')


def _parser():
    parser = argparse.ArgumentParser(
        prog='python -m benchmarks.installed_cost',
        description=__doc__.split('\n\n')[0])
    parser.add_argument('--hosts', default='10000',
                        help='compute hosts, comma-separated (10000)')
    parser.add_argument('--unrelated-children', default='0,0.1,0.5',
                        help='share of hosts with an unrelated child')
    parser.add_argument('--repeat', type=int, default=3,
                        help='counted regions of each kind (3)')
    parser.add_argument('--json', metavar='FILE',
                        help='append results as JSON lines to FILE')
    parser.add_argument('--measure', action='store_true',
                        help=argparse.SUPPRESS)
    parser.add_argument('--db', help=argparse.SUPPRESS)
    parser.add_argument('--mode', choices=MODES, help=argparse.SUPPRESS)
    parser.add_argument('--library', help=argparse.SUPPRESS)
    return parser


def _by_region(found):
    return {name: [found[k] for k in sorted(found)
                   if k.startswith(name + '-')] for name in REGIONS}


def main(argv=None):
    args = _parser().parse_args(argv)
    if args.measure:
        print(json.dumps(measure(args.db, args.mode, args.repeat,
                                 args.library)))
        return 0
    if not shutil.which('valgrind'):
        print('valgrind is not installed (apt-get install valgrind)',
              file=sys.stderr)
        return 2
    directory = tempfile.mkdtemp(prefix='nova_cca_installed_')
    library = instructions.build_region_library(directory)
    out = open(args.json, 'a') if args.json else None
    print(TABLE_HEAD, file=sys.stderr, flush=True)
    failed = 0
    try:
        for hosts in [int(h) for h in args.hosts.split(',') if h]:
            for unrelated in [float(u) for u in
                              args.unrelated_children.split(',') if u]:
                url = instructions.config_url(hosts, unrelated, directory)
                instructions.fill_in_process(url, hosts, unrelated)
                running = [(mode,) + run_mode(url, mode, args.repeat,
                                              library, directory)
                           for mode in MODES]
                counts, answers = {}, {}
                for mode, proc, prefix in running:
                    stdout, stderr = proc.communicate()
                    if proc.returncode:
                        failed += 1
                        print('FAILED %s %s: %s' % (
                            url, mode, stderr.strip()[-2000:]),
                            file=sys.stderr, flush=True)
                        continue
                    answers[mode] = json.loads(
                        stdout.strip().splitlines()[-1])
                    counts[mode] = _by_region(instructions.counted(prefix))
                if len(counts) < len(MODES):
                    continue
                result = summarize(
                    {'db': scale.database_version(url), 'hosts': hosts,
                     'unrelated_children': unrelated,
                     'repeat': args.repeat,
                     'command': ' '.join(['-m', 'benchmarks.installed_cost'] +
                                         (argv or sys.argv[1:]))},
                    counts, answers)
                if not result['same_query']:
                    failed += 1
                print(table_row(result), file=sys.stderr, flush=True)
                if out is not None:
                    out.write(json.dumps(result) + '\n')
                    out.flush()
                scale.drop_database(url)
    finally:
        if out is not None:
            out.close()
        shutil.rmtree(directory, ignore_errors=True)
    return 1 if failed else 0


if __name__ == '__main__':
    sys.exit(main())
