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

"""GET /allocation_candidates in instructions, not seconds (callgrind).

    python -m benchmarks.placement_instructions --db sqlite --hosts 10000 \\
        --unrelated-children 0,0.1,0.5 --jobs 2 --json out.jsonl

Wall and CPU time of one request at 10,000 hosts swing by a quarter from
one run to the next on the 2-core machines here, even with nothing else
running (benchmarks/results/issue14-quiet.jsonl), so ratios of a few
per cent cannot be read from them. Instructions can: valgrind's callgrind
counts every instruction a process executes, whatever else the machine
does, and the same request on the same database executes the same ones
give or take a few hundred thousand.

Each configuration (database, hosts, share of hosts with an unrelated
child provider; the root layout, every host CCA-capable) is filled once with
benchmarks.placement_scale's providers. Then every request kind runs in a
process of its own under ``valgrind --tool=callgrind --instr-atstart=no``:
Placement's WSGI application on that database, one untimed warm-up
request, then ``--repeat`` requests, each between two callgrind client
requests (benchmarks/callgrind_region.c, built with gcc when first used):
instrumentation on and counters zeroed before, counters dumped and
instrumentation off after. Nothing outside those regions is counted.

SQLite only: there the count is the whole request, since Placement,
SQLAlchemy and the database engine all run in the measured process. With
MariaDB the server's share would not be counted, and a client slowed down
by callgrind loses its connection to the server in the middle of a large
result (error 2013); time MariaDB with benchmarks.placement_scale.

Kinds: ``plain`` (the plain server), ``cca_root`` (the realm request as
nova-cca's scheduler sends it in the root layout), ``cca_nova`` (as Nova
34 builds it), ``root_traits`` (the plain request plus the realm traits in
root_required, no MEM_ENCRYPTION_CONTEXT) and ``plain_two_classes`` (the
plain request without DISK_GB). ``cca_root - root_traits`` is what the
realm's resource class costs; ``plain - plain_two_classes`` is what any
third resource class costs a plain request, for comparison.
"""

import argparse
import ctypes
import glob
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

from benchmarks import placement_scale as scale
from nova_cca import glossary

KINDS = ('plain', 'cca_root', 'root_traits', 'plain_two_classes',
         'cca_nova')
HERE = os.path.dirname(os.path.abspath(__file__))
SOURCE = os.path.join(HERE, 'callgrind_region.c')


def query_of(kind):
    if kind == 'plain':
        return scale.plain_request()
    if kind == 'root_traits':
        return scale.root_traits_request()
    if kind == 'plain_two_classes':
        return scale._query({'VCPU': scale.FLAVOR['VCPU'],
                             'MEMORY_MB': scale.FLAVOR['MEMORY_MB']})
    if kind.startswith('cca_'):
        return scale.realm_request(glossary.ROOT_LAYOUT, kind[len('cca_'):])
    raise ValueError('unknown kind %r (known: %s)' % (kind, ', '.join(KINDS)))


def build_region_library(directory):
    """Compile callgrind_region.c into ``directory``; return the .so."""
    target = os.path.join(directory, 'callgrind_region.so')
    subprocess.run(['gcc', '-O1', '-shared', '-fPIC', '-o', target, SOURCE],
                   check=True)
    return target


def config_url(hosts, unrelated, directory):
    """An SQLite file of its own per configuration."""
    return 'sqlite:///%s/placement_%d_%03d.sqlite' % (
        directory, hosts, round(unrelated * 100))


def fill(url, hosts, unrelated):
    """Fill ``url`` the way placement_scale fills the root layout.

    Runs in a process of its own (``--fill-only``): Placement's database
    layer is configured once per process, for one database.
    """
    scale.prepare_database(url)
    placement = scale.Placement(url)
    count = placement.fill(
        (scale.host_providers(i, glossary.ROOT_LAYOUT, True,
                              unrelated and scale.picked((i + 3) % hosts,
                                                         unrelated))
         for i in range(hosts)))
    placement.analyze()
    placement._db_api.get_placement_engine().dispose()
    return count


def fill_in_process(url, hosts, unrelated):
    """:func:`fill` in a process of its own; the providers created."""
    return int(subprocess.run(
        [sys.executable, '-m', 'benchmarks.placement_instructions',
         '--fill-only', '--db', url, '--hosts', str(hosts),
         '--unrelated-children', str(unrelated)],
        check=True, stdout=subprocess.PIPE, text=True,
        cwd=os.path.dirname(HERE)).stdout.split()[-1])


def measure(url, query, repeat, library):
    """In the process under callgrind: warm up, then counted requests."""
    region = ctypes.CDLL(library)
    region.region_stop.argtypes = [ctypes.c_char_p]
    placement = scale.Placement(url)
    body = json.loads(placement.call('GET', query).body)
    for i in range(repeat):
        region.region_start()
        placement.call('GET', query)
        region.region_stop(('request-%d' % i).encode())
    return {'candidates': len(body['allocation_requests'])}


def counted(out_prefix):
    """{dump name: instructions} from callgrind's files
    ``out_prefix.<pid>[.<dump>]`` (not those of a kind whose name merely
    starts with this one's: ``plain`` and ``plain_two_classes``).
    """
    found = {}
    for path in glob.glob(out_prefix + '.[0-9]*'):
        with open(path) as f:
            text = f.read(200000)
        name = re.search(r'^desc: Trigger: Client Request: (\S+)$', text,
                         re.M)
        total = re.search(r'^summary: (\d+)$', text, re.M)
        if name and total:
            found[name.group(1)] = int(total.group(1))
    return found


def under_callgrind(module, url, name, directory, arguments):
    """Start ``python -m module --measure ...`` under callgrind.

    Returns the running process and the prefix of callgrind's files
    (:func:`counted` reads them).
    """
    prefix = os.path.join(directory, 'callgrind.%s.%s' % (
        os.path.basename(url), name))
    cmd = ['valgrind', '--tool=callgrind', '--instr-atstart=no',
           '--callgrind-out-file=%s.%%p' % prefix,
           sys.executable, '-m', module, '--measure', '--db', url]
    env = dict(os.environ, PYTHONHASHSEED='0')
    proc = subprocess.Popen(cmd + list(arguments), stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, env=env,
                            cwd=os.path.dirname(HERE))
    return proc, prefix


def run_kind(url, kind, repeat, library, directory):
    """Start one kind under callgrind; return the running process."""
    return under_callgrind(
        'benchmarks.placement_instructions', url, kind, directory,
        ['--kind', kind, '--repeat', str(repeat), '--library', library])


def summarize(config, counts):
    """Medians and ratios of one configuration's counts."""
    out = dict(config)
    for kind, values in counts.items():
        out['%s_instructions' % kind] = values
        out['%s_median' % kind] = statistics.median(values)
    plain = out.get('plain_median')
    for kind in counts:
        if kind != 'plain' and plain:
            out['%s_ratio' % kind] = round(out['%s_median' % kind] / plain,
                                           3)
    if 'cca_root_median' in out and 'root_traits_median' in out and plain:
        out['realm_class_share'] = round(
            (out['cca_root_median'] - out['root_traits_median']) / plain, 3)
        out['realm_traits_share'] = round(
            (out['root_traits_median'] - plain) / plain, 3)
    if 'plain_two_classes_median' in out and plain:
        out['third_class_share'] = round(
            (plain - out['plain_two_classes_median']) / plain, 3)
    return out


def table_row(r):
    def cell(kind):
        value = r.get('%s_median' % kind)
        if value is None:
            return '%14s %6s' % ('-', '-')
        ratio = r.get('%s_ratio' % kind)
        return '%14d %6s' % (value, '%.3f' % ratio if ratio else '1')
    return '%-7s %6d %4.2f | %s | %s | %s | %s | %s | %s %s %s' % (
        r['db'].split()[0], r['hosts'], r['unrelated_children'],
        cell('plain'), cell('cca_root'), cell('root_traits'),
        cell('plain_two_classes'), cell('cca_nova'),
        r.get('realm_class_share', '-'), r.get('realm_traits_share', '-'),
        r.get('third_class_share', '-'))


TABLE_HEAD = ('db       hosts kids |          plain      x |       cca_root '
              '     x |    root_traits      x |  plain_2_class      x | '
              '      cca_nova      x | class traits 3rd-class')


def _parser():
    parser = argparse.ArgumentParser(
        prog='python -m benchmarks.placement_instructions',
        description=__doc__.split('\n\n')[0])
    parser.add_argument('--hosts', default='10000',
                        help='compute hosts, comma-separated (10000)')
    parser.add_argument('--unrelated-children', default='0,0.1,0.5',
                        help='share of hosts with an unrelated child, '
                             'comma-separated')
    parser.add_argument('--kinds', default=','.join(KINDS),
                        help='request kinds, comma-separated (%s)'
                             % ','.join(KINDS))
    parser.add_argument('--repeat', type=int, default=2,
                        help='counted requests per kind (2)')
    parser.add_argument('--jobs', type=int, default=2,
                        help='processes under callgrind at once (2)')
    parser.add_argument('--json', metavar='FILE',
                        help='append results as JSON lines to FILE')
    parser.add_argument('--keep', action='store_true',
                        help="keep the databases and callgrind's files")
    # the process under callgrind
    parser.add_argument('--measure', action='store_true',
                        help=argparse.SUPPRESS)
    parser.add_argument('--fill-only', action='store_true',
                        help=argparse.SUPPRESS)
    parser.add_argument('--db', help=argparse.SUPPRESS)
    parser.add_argument('--kind', help=argparse.SUPPRESS)
    parser.add_argument('--library', help=argparse.SUPPRESS)
    return parser


def main(argv=None):
    args = _parser().parse_args(argv)
    if args.measure:
        print(json.dumps(measure(args.db, query_of(args.kind), args.repeat,
                                 args.library)))
        return 0
    if args.fill_only:
        print(fill(args.db, int(args.hosts),
                   float(args.unrelated_children)))
        return 0
    if not shutil.which('valgrind'):
        print('valgrind is not installed (apt-get install valgrind)',
              file=sys.stderr)
        return 2
    kinds = [k for k in args.kinds.split(',') if k]
    for kind in kinds:
        query_of(kind)
    directory = tempfile.mkdtemp(prefix='nova_cca_instr_')
    library = build_region_library(directory)
    out = open(args.json, 'a') if args.json else None
    print('load average before: %(1m).2f %(5m).2f %(15m).2f' % scale.load(),
          file=sys.stderr, flush=True)
    print(TABLE_HEAD, file=sys.stderr, flush=True)
    failed = 0
    try:
        for hosts in [int(h) for h in args.hosts.split(',') if h]:
            for unrelated in [float(u) for u in
                              args.unrelated_children.split(',') if u]:
                url = config_url(hosts, unrelated, directory)
                started = time.perf_counter()
                providers = fill_in_process(url, hosts, unrelated)
                config = {'db': scale.database_version(url),
                          'layout': glossary.ROOT_LAYOUT, 'hosts': hosts,
                          'share': 1.0,
                          'unrelated_children': unrelated,
                          'providers': providers,
                          'repeat': args.repeat,
                          'fill_s': round(time.perf_counter() - started,
                                          1)}
                counts, candidates = {}, {}
                todo = list(kinds)
                running = []
                while todo or running:
                    while todo and len(running) < args.jobs:
                        kind = todo.pop(0)
                        running.append((kind,) + run_kind(
                            url, kind, args.repeat, library, directory))
                    kind, proc, prefix = running.pop(0)
                    stdout, stderr = proc.communicate()
                    if proc.returncode:
                        failed += 1
                        print('FAILED %s %s: %s' % (
                            url, kind, stderr.strip()[-2000:]),
                            file=sys.stderr, flush=True)
                        continue
                    candidates[kind] = json.loads(
                        stdout.strip().splitlines()[-1])['candidates']
                    found = counted(prefix)
                    counts[kind] = [found[k] for k in sorted(found)]
                result = summarize(config, counts)
                result['candidates'] = candidates
                result['query'] = {k: query_of(k) for k in kinds}
                command = ['-m', 'benchmarks.placement_instructions']
                command += argv or sys.argv[1:]
                result['command'] = ' '.join(command)
                print(table_row(result), file=sys.stderr, flush=True)
                if out is not None:
                    out.write(json.dumps(result) + '\n')
                    out.flush()
                if not args.keep:
                    scale.drop_database(url)
    finally:
        if out is not None:
            out.close()
        if not args.keep:
            shutil.rmtree(directory, ignore_errors=True)
    print('load average after: %(1m).2f %(5m).2f %(15m).2f' % scale.load(),
          file=sys.stderr, flush=True)
    return 1 if failed else 0


if __name__ == '__main__':
    sys.exit(main())
