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

"""End to end, in the simulated cloud (issue 6, item 3).

    python -m benchmarks.end_to_end [--boots 20] [--periodic-runs 30] [--json]

1. Boots: 2 CCA hosts and 2 plain aarch64 hosts (16 vCPUs, 32 GiB each);
   ``--boots`` realm boots and as many plain aarch64 boots, interleaved
   (realm, plain, realm, ...), each timed from the API request until the
   server is ACTIVE (``SimulatedCloud._run_step``, polled every 50 ms as the
   simulated cloud does). Median, p95 and the ratio realm/plain.
2. Periodic resource update: on a fresh cloud of one CCA host and one plain
   aarch64 host (no guests), ``ComputeManager.update_available_resource``
   (the periodic task: driver resources, provider tree, Placement sync) is
   timed ``--periodic-runs`` times per host, alternating hosts, after one
   untimed warm-up run. Median ratio CCA/plain. The simulated libvirt
   counts ``getDomainCapabilities`` calls: reported per periodic run after
   start-up (target 0).
3. Peak memory: two fresh processes, each running the whole simulated
   control plane (API, conductor, scheduler, Placement, in-memory DBs) plus
   one compute service: *with* the extension (activated, our driver,
   aarch64 CCA host) and *without* it (nova_cca never imported; Nova's own
   libvirt driver on Nova's fake libvirt host). Reported: the process's
   peak RSS (VmHWM) and the RSS growth across starting the compute
   service (VmRSS before/after), which is the part a compute node pays.
"""

import argparse
import json
import os
import statistics
import subprocess
import sys
import time


def _rss_kb(field='VmRSS'):
    with open('/proc/self/status') as f:
        for line in f:
            if line.startswith(field + ':'):
                return int(line.split()[1])
    return 0


def _activate():
    from nova_cca_simulator import harness
    harness.start()


def _run_case(case_class):
    from nova_cca_simulator import harness
    case = case_class('run_scenario')
    error = harness.run_case(case)
    if error is not None:
        raise RuntimeError('the simulated cloud failed') from error
    return case


def _p95(values):
    import math
    ordered = sorted(values)
    return ordered[max(0, math.ceil(0.95 * len(ordered)) - 1)]


def _summary(values):
    return {'n': len(values), 'median': round(statistics.median(values), 4),
            'p95': round(_p95(values), 4)}


FLAVORS = [
    {'name': 'realm.small', 'vcpus': 1, 'ram': 512, 'disk': 1,
     'extra_specs': {'hw:mem_encryption': 'true',
                     'hw:mem_encryption_model': 'arm-cca'}},
    {'name': 'plain.small', 'vcpus': 1, 'ram': 512, 'disk': 1}]
IMAGES = [
    {'name': 'realm-img', 'properties': {
        'hw_architecture': 'aarch64', 'hw_firmware_type': 'uefi',
        'hw_firmware_stateless': True, 'hw_machine_type': 'virt'}},
    {'name': 'arm-img', 'properties': {
        'hw_architecture': 'aarch64', 'hw_firmware_type': 'uefi',
        'hw_machine_type': 'virt'}}]


def boots(count):
    from nova_cca_simulator import cloud
    from nova_cca_simulator import scenario as sim_scenario

    big = {'vcpus': 16, 'memory_mb': 32768, 'disk_gb': 400}
    steps = []
    # each server is deleted after its boot (untimed): Nova's default
    # quota is 10 instances a project
    for i in range(count):
        for name, flavor, image in (('realm-%d' % i, 'realm.small',
                                     'realm-img'),
                                    ('plain-%d' % i, 'plain.small',
                                     'arm-img')):
            steps.append({'boot': {'name': name, 'flavor': flavor,
                                   'image': image}})
            steps.append({'action': {'server': name, 'do': 'delete'}})
    scenario = sim_scenario.parse({
        'hosts': [dict(big, name='cca-1', cca=True),
                  dict(big, name='cca-2', cca=True),
                  dict(big, name='arm-1', cca=False),
                  dict(big, name='arm-2', cca=False)],
        'flavors': FLAVORS, 'images': IMAGES, 'steps': steps})

    class TimedCloud(cloud.SimulatedCloud):
        def _run_step(self, step):
            started = time.perf_counter()
            result = super()._run_step(step)
            result['seconds'] = time.perf_counter() - started
            return result

    case = _run_case(type('BootRun', (TimedCloud,), {'scenario': scenario}))
    times = {'realm': [], 'plain': []}
    outcomes = {}
    for step in case._report['steps']:
        if step['kind'] != 'boot':
            continue
        kind = step['server'].split('-')[0]
        outcomes.setdefault(kind, {}).setdefault(step['outcome'], 0)
        outcomes[kind][step['outcome']] += 1
        if step['outcome'] == 'active':
            times[kind].append(step['seconds'])
    out = {k: _summary(v) for k, v in times.items()}
    out['outcomes'] = outcomes
    out['ratio'] = round(out['realm']['median'] / out['plain']['median'], 2)
    return out


def periodic(runs):
    from nova import context as nova_context
    from nova_cca_simulator import cloud
    from nova_cca_simulator import scenario as sim_scenario

    scenario = sim_scenario.parse({
        'hosts': [{'name': 'cca-1', 'cca': True},
                  {'name': 'arm-1', 'cca': False}],
        'steps': []})

    class PeriodicCloud(cloud.SimulatedCloud):
        def run_scenario(self):
            super().run_scenario()
            ctx = nova_context.get_admin_context()
            hosts = {'cca': self._hosts['cca-1'],
                     'plain': self._hosts['arm-1']}
            calls_at_start = {k: h.connection.domain_capability_calls
                              for k, h in hosts.items()}
            for h in hosts.values():  # warm-up, untimed
                h.service.manager.update_available_resource(ctx)
            calls_before = {k: h.connection.domain_capability_calls
                            for k, h in hosts.items()}
            samples = {'cca': [], 'plain': []}
            for _ in range(runs):
                for kind, h in hosts.items():
                    started = time.perf_counter()
                    h.service.manager.update_available_resource(ctx)
                    samples[kind].append(
                        (time.perf_counter() - started) * 1000)
            self._periodic = {
                'ms': {k: _summary(v) for k, v in samples.items()},
                'domain_capability_calls_at_startup': calls_at_start,
                'domain_capability_calls_per_run': {
                    k: (h.connection.domain_capability_calls -
                        calls_before[k]) / runs for k, h in hosts.items()},
            }

    case = _run_case(type('PeriodicRun', (PeriodicCloud,),
                          {'scenario': scenario}))
    out = case._periodic
    out['ratio'] = round(out['ms']['cca']['median'] /
                         out['ms']['plain']['median'], 2)
    return out


def memory_child_with():
    """Run in a fresh process: the control plane and one compute of ours."""
    _activate()
    measured = {}
    if True:
        from nova_cca_simulator import cloud
        from nova_cca_simulator import scenario as sim_scenario
        scenario = sim_scenario.parse({
            'hosts': [{'name': 'cca-1', 'cca': True}], 'steps': []})

        class MemCloud(cloud.SimulatedCloud):
            def run_scenario(self):
                measured['before_kb'] = _rss_kb()
                super().run_scenario()
                # one more periodic run, as a running compute does
                from nova import context as nova_context
                self._hosts['cca-1'].service.manager \
                    .update_available_resource(
                        nova_context.get_admin_context())
                measured['after_kb'] = _rss_kb()

        _run_case(type('MemRun', (MemCloud,), {'scenario': scenario}))
    measured['peak_kb'] = _rss_kb('VmHWM')
    measured['nova_cca_imported'] = 'nova_cca' in sys.modules
    print(json.dumps(measured))


def memory_child_without():
    # nova_cca must stay out of this process, so this repeats the two
    # lines of nova_cca_simulator.harness it needs (threads, api-paste).
    os.environ.setdefault('OS_NOVA_DISABLE_EVENTLET_PATCHING', '1')
    from nova import monkey_patch
    monkey_patch.patch()
    from nova import context as nova_context
    from nova.tests.functional.libvirt import base as libvirt_base
    import sysconfig
    measured = {}
    paste = os.path.join(sysconfig.get_path('data'), 'etc', 'nova',
                         'api-paste.ini')

    class StockCloud(libvirt_base.ServersTestBase):
        microversion = 'latest'
        ADMIN_API = False

        def _setup_services(self):
            self.flags(api_paste_config=paste, group='wsgi')
            super()._setup_services()

        def run_scenario(self):
            measured['before_kb'] = _rss_kb()
            self.start_compute('arm-1')
            self.computes['arm-1'].manager.update_available_resource(
                nova_context.get_admin_context())
            measured['after_kb'] = _rss_kb()

    _run_case(type('StockRun', (StockCloud,), {}))
    measured['peak_kb'] = _rss_kb('VmHWM')
    measured['nova_cca_imported'] = any(
        m == 'nova_cca' or m.startswith('nova_cca.') for m in sys.modules)
    print(json.dumps(measured))


def memory():
    out = {}
    for mode in ('with', 'without'):
        proc = subprocess.run(
            [sys.executable, '-m', 'benchmarks.end_to_end',
             '--memory-child', mode], stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL, text=True, check=True)
        m = json.loads(proc.stdout.strip().splitlines()[-1])
        out[mode] = {'peak_mb': round(m['peak_kb'] / 1024, 1),
                     'compute_start_mb': round(
                         (m['after_kb'] - m['before_kb']) / 1024, 1),
                     'nova_cca_imported': m['nova_cca_imported']}
    out['peak_delta_mb'] = round(out['with']['peak_mb'] -
                                 out['without']['peak_mb'], 1)
    return out


def main(argv=None):
    parser = argparse.ArgumentParser(prog='python -m benchmarks.end_to_end')
    parser.add_argument('--boots', type=int, default=20,
                        help='realm boots and plain boots, each (20)')
    parser.add_argument('--periodic-runs', type=int, default=30)
    parser.add_argument('--only', choices=('boots', 'periodic', 'memory'))
    parser.add_argument('--json', action='store_true')
    parser.add_argument('--memory-child', choices=('with', 'without'),
                        help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.memory_child == 'with':
        memory_child_with()
        return 0
    if args.memory_child == 'without':
        memory_child_without()
        return 0

    report = {}
    if args.only in (None, 'memory'):
        report['memory'] = memory()
    if args.only in (None, 'boots', 'periodic'):
        _activate()
    if args.only in (None, 'periodic'):
        report['periodic'] = periodic(args.periodic_runs)
    if args.only in (None, 'boots'):
        report['boots'] = boots(args.boots)
    if args.json:
        print(json.dumps(report, indent=1))
        return 0
    if 'boots' in report:
        b = report['boots']
        print('boot to ACTIVE: realm median %.3f s (p95 %.3f, n=%d), plain '
              'median %.3f s (p95 %.3f, n=%d), ratio %.2f; outcomes %s' % (
                  b['realm']['median'], b['realm']['p95'], b['realm']['n'],
                  b['plain']['median'], b['plain']['p95'], b['plain']['n'],
                  b['ratio'], b['outcomes']))
    if 'periodic' in report:
        p = report['periodic']
        print('update_available_resource: CCA host median %.1f ms (p95 %.1f)'
              ', plain aarch64 host median %.1f ms (p95 %.1f), ratio %.2f' % (
                  p['ms']['cca']['median'], p['ms']['cca']['p95'],
                  p['ms']['plain']['median'], p['ms']['plain']['p95'],
                  p['ratio']))
        print('getDomainCapabilities calls: at start-up %s; per periodic run '
              'after start-up %s' % (
                  p['domain_capability_calls_at_startup'],
                  p['domain_capability_calls_per_run']))
    if 'memory' in report:
        m = report['memory']
        print('peak RSS of a process with the control plane and one compute:'
              ' with nova-cca %.1f MiB, without %.1f MiB (delta %.1f MiB); '
              'RSS growth across compute start: with %.1f MiB, without %.1f '
              'MiB' % (m['with']['peak_mb'], m['without']['peak_mb'],
                       m['peak_delta_mb'], m['with']['compute_start_mb'],
                       m['without']['compute_start_mb']))
    return 0


if __name__ == '__main__':
    sys.exit(main())
