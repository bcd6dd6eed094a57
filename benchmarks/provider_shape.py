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

"""Proof that the benchmark's providers and requests are what our compute
and Nova's scheduler produce.

    python -m benchmarks.provider_shape [--json]

1. Runs the simulated cloud (Nova's real API, scheduler, conductor and one
   compute service per host of ours, real Placement): a CCA host and a
   plain aarch64 host, one realm boot and one plain boot. It records every
   provider (name, parent, full inventory records, traits) and every
   ``GET /allocation_candidates`` query the scheduler sent.
2. Builds the same two hosts with ``benchmarks.placement_scale`` and
   compares, field by field: provider names, parents, inventory records
   (total, reserved, min_unit, max_unit, step_size, allocation_ratio),
   traits, and the parsed query strings of the plain and the realm request.
   Layout ``child`` is compared against a compute with ``[arm_cca]
   provider_layout = child`` (the default compute when nova_cca has no such
   option), layout ``root`` against one with ``provider_layout = root``.
3. Fills a small Placement both ways the benchmark can (``bulk`` and
   ``objects``, each in its own process) and checks that the REST API shows
   identical providers (uuid, generation, parent, root, inventories,
   traits) for every layout, with CCA and unrelated-child shares of 0.5.

Exit status 0 when everything matches.
"""

import argparse
import json
import subprocess
import sys
import urllib.parse

from benchmarks import placement_scale as ps
from nova_cca import glossary

CCA_HOST, PLAIN_HOST = 'cca-1', 'arm-1'


def _scenario(provider_layout=None):
    config = {glossary.CONFIG_GROUP: {'provider_layout': provider_layout}} \
        if provider_layout else {}
    cca = {'name': CCA_HOST, 'cca': True}
    if config:
        cca['config'] = config
    return {
        'hosts': [cca, {'name': PLAIN_HOST, 'cca': False}],
        'flavors': [
            {'name': 'realm.small', 'vcpus': 1, 'ram': 512, 'disk': 1,
             'extra_specs': {'hw:mem_encryption': 'true',
                             'hw:mem_encryption_model': glossary.ARM_CCA}},
            {'name': 'plain.small', 'vcpus': 1, 'ram': 512, 'disk': 1}],
        'images': [
            {'name': 'realm-img', 'properties': {
                'hw_architecture': 'aarch64', 'hw_firmware_type': 'uefi',
                'hw_firmware_stateless': True, 'hw_machine_type': 'virt'}},
            {'name': 'arm-img', 'properties': {
                'hw_architecture': 'aarch64', 'hw_firmware_type': 'uefi',
                'hw_machine_type': 'virt'}}],
        'steps': [
            {'boot': {'name': 'plain-1', 'flavor': 'plain.small',
                      'image': 'arm-img'}},
            {'boot': {'name': 'realm-1', 'flavor': 'realm.small',
                      'image': 'realm-img'}}],
    }


def simulated(provider_layout=None):
    """(providers {name: record}, [query strings]) of a simulated cloud."""
    from nova_cca_simulator import cloud
    from nova_cca_simulator import harness
    from nova_cca_simulator import scenario as sim_scenario

    class ShapeCloud(cloud.SimulatedCloud):
        def run_scenario(self):
            log = self.useFixture(harness.PlacementRequestLog())
            super().run_scenario()
            self._report['queries'] = log.query_strings(
                'GET', '/allocation_candidates')
            self._report['full'] = {
                p['name']: {'parent': p['parent'],
                            'inventories': {rc: _inv(rec) for rc, rec in
                                            p['inventories'].items()},
                            'traits': p['traits']}
                for p in self.placement_view.providers()}

    scenario = sim_scenario.parse(_scenario(provider_layout))
    case_class = type('ShapeRun', (ShapeCloud,), {'scenario': scenario})
    case = case_class('run_scenario')
    error = harness.run_case(case)
    if error is not None:
        raise RuntimeError('the simulated cloud failed') from error
    steps = [(s['server'], s['outcome'], s['host'])
             for s in case._report['steps']]
    return case._report['full'], case._report['queries'], steps


def _inv(record):
    return {k: record[k] for k in ('total', 'reserved', 'min_unit',
                                   'max_unit', 'step_size',
                                   'allocation_ratio')}


def benchmark_providers(layout):
    """The benchmark's providers for one CCA and one plain host, renamed."""
    rename = {'compute-00000': CCA_HOST, 'compute-00001': PLAIN_HOST}

    def name(n):
        for old, new in rename.items():
            n = n.replace(old, new) if n else n
        return n

    out = {}
    for i, cca in ((0, True), (1, False)):
        for rp_name, parent, inventory, traits in ps.host_providers(
                i, layout, cca, False):
            out[name(rp_name)] = {
                'parent': name(parent),
                'inventories': {rc: _inv(r) for rc, r in inventory.items()},
                'traits': sorted(traits)}
    return out


def _parsed(query):
    return {k: sorted(v) for k, v in urllib.parse.parse_qs(query).items()}


def compare(layout, provider_layout=None):
    seen, queries, steps = simulated(provider_layout)
    ours = benchmark_providers(layout)
    problems = []
    for name in sorted(set(seen) | set(ours)):
        if name not in seen:
            problems.append('%s: only in the benchmark' % name)
        elif name not in ours:
            problems.append('%s: only in the simulated cloud' % name)
        else:
            for key in ('parent', 'inventories', 'traits'):
                if seen[name][key] != ours[name][key]:
                    problems.append('%s.%s: cloud %r, benchmark %r' % (
                        name, key, seen[name][key], ours[name][key]))
    plain_q, cca_q = ps.requests_for(layout)
    expected = [_parsed(plain_q.partition('?')[2]),
                _parsed(cca_q.partition('?')[2])]
    sent = [_parsed(q) for q in queries]
    if sent != expected:
        problems.append('requests: cloud %r, benchmark %r'
                        % (sent, expected))
    return {'layout': layout, 'provider_layout': provider_layout,
            'providers': sorted(seen), 'queries': queries, 'steps': steps,
            'match': not problems, 'problems': problems}


def dump_fill(how, layout):
    """Fill a small Placement; print what its REST API shows (subprocess)."""
    url = 'sqlite:////tmp/nova_cca_shape_%s_%s.sqlite' % (how, layout)
    ps.prepare_database(url)
    try:
        placement = ps.Placement(url)
        placement.fill((ps.host_providers(i, layout, ps.picked(i, 0.5),
                                          ps.picked((i + 3) % 8, 0.5))
                        for i in range(8)), how=how)
        print(json.dumps(placement.providers_as_seen(), sort_keys=True))
    finally:
        ps.drop_database(url)


def compare_fills():
    results = []
    for layout in ps.LAYOUTS:
        seen = {}
        for how in ('bulk', 'objects'):
            out = subprocess.run(
                [sys.executable, '-m', 'benchmarks.provider_shape',
                 '--dump-fill', how, '--layout', layout],
                stdout=subprocess.PIPE, text=True, check=True).stdout
            seen[how] = json.loads(out.strip().splitlines()[-1])
        results.append({'layout': layout, 'providers': len(seen['bulk']),
                        'match': seen['bulk'] == seen['objects']})
    return results


def _has_layout_option():
    from nova_cca import conf as realm_conf
    return any(opt.name == 'provider_layout'
               for _, opts in realm_conf.list_opts() for opt in opts)


def main(argv=None):
    parser = argparse.ArgumentParser(
        prog='python -m benchmarks.provider_shape')
    parser.add_argument('--json', action='store_true')
    parser.add_argument('--dump-fill', choices=('bulk', 'objects'),
                        help=argparse.SUPPRESS)
    parser.add_argument('--layout', default=glossary.CHILD_LAYOUT,
                        help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.dump_fill:
        dump_fill(args.dump_fill, ps.layout_name(args.layout))
        return 0

    report = {'fills': compare_fills(), 'layouts': []}
    from nova_cca_simulator import harness
    harness.start()
    if _has_layout_option():
        for layout in glossary.PROVIDER_LAYOUTS:
            report['layouts'].append(compare(layout, layout))
    else:
        report['layouts'].append(compare(glossary.CHILD_LAYOUT))
    ok = all(r['match'] for r in report['fills'] + report['layouts'])
    if args.json:
        print(json.dumps(report, indent=1))
    else:
        for r in report['fills']:
            print('fill bulk == objects, layout %s (%d providers): %s' % (
                r['layout'], r['providers'], 'same' if r['match']
                else 'DIFFERENT'))
        for r in report['layouts']:
            print('layout %s vs compute (provider_layout=%s): %s' % (
                r['layout'], r['provider_layout'] or 'unset',
                'same' if r['match'] else 'DIFFERENT'))
            print('  providers: %s' % ', '.join(r['providers']))
            print('  boots: %s' % r['steps'])
            for q in r['queries']:
                print('  scheduler sent: GET /allocation_candidates?%s'
                      % urllib.parse.unquote(q))
            for p in r['problems']:
                print('  - %s' % p)
    return 0 if ok else 1


if __name__ == '__main__':
    sys.exit(main())
