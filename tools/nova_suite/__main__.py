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

"""Run a selection of Nova's installed tests plain and activated; compare.

A test that passes plain and fails, errors or does not run with nova-cca
active is a regression, unless expected-differences.yaml lists it with a
reason. A listed test that no longer differs is stale. Exit status: 0
clean, 1 unlisted regressions or stale entries, 2 a run did not complete.
"""

import argparse
import collections
import importlib.metadata
import json
import os
import resource
import signal
import subprocess
import sys
import sysconfig
import tempfile
import time

import yaml

from nova_suite import plugin

HERE = os.path.dirname(os.path.abspath(__file__))
TOOLS = os.path.dirname(HERE)
RUNS = ('plain', 'activated')
FAILED = ('failed', 'error', 'not run')


def parse_args(argv):
    parser = argparse.ArgumentParser(
        prog='tools/nova-tests', description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument('--report', metavar='FILE',
                        help='write the JSON summary here')
    parser.add_argument('--selection', metavar='FILE',
                        default=os.path.join(HERE, 'selection.txt'),
                        help='which tests run (default: %(default)s)')
    parser.add_argument('--expected', metavar='FILE',
                        default=os.path.join(HERE,
                                             'expected-differences.yaml'),
                        help='differences allowed, each with its reason '
                             '(default: %(default)s)')
    parser.add_argument('-n', '--workers', type=int, default=2,
                        help='pytest-xdist workers per run (default 2)')
    parser.add_argument('--work-dir', metavar='DIR',
                        help='pytest logs and raw results (default: a new '
                             'temporary directory)')
    parser.add_argument('--no-run', action='store_true',
                        help='compare the results already in --work-dir')
    parser.add_argument('--run', choices=RUNS,
                        help='run this pass only; the other one\'s results '
                             'are read from --work-dir')
    return parser.parse_args(argv)


def pytest_command(args, run, results):
    purelib = sysconfig.get_paths()['purelib']
    selection = plugin.Selection.load(args.selection)
    command = [
        sys.executable, '-m', 'pytest',
        '-c', os.path.join(HERE, 'pytest.ini'), '--rootdir', purelib,
        '-p', 'nova_suite.plugin', '-p', 'no:warnings', '-q',
        '--nova-suite-selection', args.selection,
        '--nova-suite-results', results,
    ]
    if args.workers > 0:
        command += ['-n', str(args.workers)]
    if run == 'activated':
        command.append('--nova-suite-activate')
    paths = [os.path.join(purelib, path) for path in selection.paths()]
    missing = [path for path in paths if not os.path.exists(path)]
    if missing:
        raise SystemExit('%s: not installed: %s'
                         % (args.selection, ', '.join(missing)))
    return command + paths


def run_pytest(args, run):
    """Run one pass.

    :returns: (results dict or None, wall seconds, CPU seconds of pytest
        and its workers: about twice the wall time of an idle 2-core
        machine)
    """
    results = os.path.join(args.work_dir, run + '.json')
    log = os.path.join(args.work_dir, run + '.log')
    env = dict(os.environ)
    env['PYTHONPATH'] = os.pathsep.join(
        [TOOLS] + [p for p in [env.get('PYTHONPATH')] if p])
    # as Nova's tox environments (native threads: the *-threading ones)
    env.setdefault('OS_NOVA_DISABLE_EVENTLET_PATCHING', '1')
    env.setdefault('NOVA_RAISE_ON_GREENLET_LEAK', 'True')
    env.setdefault('OS_TEST_TIMEOUT', '160')
    print('%s run: pytest, log in %s' % (run, log), flush=True)
    start = time.monotonic()
    used = _children_cpu()
    with open(log, 'w') as out:
        # a session of its own: stopping the runner stops the xdist workers
        process = subprocess.Popen(
            pytest_command(args, run, results), stdout=out,
            stderr=subprocess.STDOUT, env=env, start_new_session=True,
            cwd=sysconfig.get_paths()['purelib'])
        try:
            status = process.wait()
        finally:
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGTERM)
                process.wait()
    seconds = round(time.monotonic() - start, 1)
    cpu = round(_children_cpu() - used, 1)
    print('%s run: exit status %d, %.0f s (CPU %.0f s): %s' % (
        run, status, seconds, cpu, _last_line(log)), flush=True)
    return load_results(results), seconds, cpu


def _children_cpu():
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def load_results(path):
    if not os.path.exists(path):
        return None
    with open(path) as f:
        return json.load(f)


def _last_line(path):
    with open(path) as f:
        lines = [line.strip() for line in f if line.strip()]
    return lines[-1] if lines else '(no output)'


def load_expected(path):
    if not os.path.exists(path):
        return {}
    with open(path) as f:
        entries = yaml.safe_load(f) or []
    expected = {}
    for entry in entries:
        if not (isinstance(entry, dict) and entry.get('test') and
                str(entry.get('reason', '')).strip()):
            raise SystemExit('%s: every entry needs "test" and "reason": %r'
                             % (path, entry))
        expected[entry['test']] = ' '.join(str(entry['reason']).split())
    return expected


def compare(plain, activated, expected):
    """Per test id: regressions, expected differences, stale, fixed."""
    differences = {}
    for test, entry in plain['tests'].items():
        if entry['outcome'] != 'passed':
            continue
        other = activated['tests'].get(test, {'outcome': 'not run'})
        if other['outcome'] in FAILED:
            differences[test] = {
                'test': test, 'activated': other['outcome'],
                'crash': other.get('crash', 'did not run activated')}
    regressions = [d for t, d in sorted(differences.items())
                   if t not in expected]
    listed = [dict(differences[t], reason=r) for t, r in sorted(
        expected.items()) if t in differences]
    stale = [{'test': t, 'reason': r,
              'plain': plain['tests'].get(t, {}).get('outcome', 'not run'),
              'activated': activated['tests'].get(t, {}).get(
                  'outcome', 'not run')}
             for t, r in sorted(expected.items()) if t not in differences]
    fixed = sorted(t for t, e in activated['tests'].items()
                   if e['outcome'] == 'passed' and
                   plain['tests'].get(t, {}).get('outcome') in FAILED)
    return regressions, listed, stale, fixed


def counts(results):
    return dict(collections.Counter(
        entry['outcome'] for entry in results['tests'].values()))


def slowest(results, number=10):
    tests = sorted(results['tests'].items(),
                   key=lambda item: -item[1]['duration'])
    return [{'test': t, 'seconds': e['duration']} for t, e in tests[:number]]


def print_summary(report):
    for run in RUNS:
        print('%s: %s, %s s (CPU %s s)' % (
            run, report['counts'][run], report['durations'].get(run, '-'),
            report['cpu_seconds'].get(run, '-')))
    by_crash = collections.defaultdict(list)
    for regression in report['regressions']:
        by_crash[regression['crash']].append(regression['test'])
    print('\nREGRESSIONS (pass plain, fail activated; not listed): %d'
          % len(report['regressions']))
    for crash, tests in sorted(by_crash.items(), key=lambda i: -len(i[1])):
        print('\n  %d x %s' % (len(tests), crash))
        for test in tests:
            print('    ' + test)
    print('\nexpected differences (listed, still differ): %d'
          % len(report['expected_differences']))
    for entry in report['expected_differences']:
        print('  %s\n    reason: %s' % (entry['test'], entry['reason']))
    print('\nSTALE expected differences (listed, no longer differ): %d'
          % len(report['stale']))
    for entry in report['stale']:
        print('  %(test)s (plain %(plain)s, activated %(activated)s)'
              % entry)
    if report['collection_errors']:
        print('\ncollection errors (activated): %s'
              % report['collection_errors'])


def _stop(signum, frame):
    raise SystemExit(128 + signum)


def main(argv=None):
    args = parse_args(argv)
    signal.signal(signal.SIGTERM, _stop)
    if args.work_dir is None:
        if args.no_run or args.run:
            raise SystemExit('--no-run and --run need --work-dir')
        args.work_dir = tempfile.mkdtemp(prefix='nova-tests-')
    os.makedirs(args.work_dir, exist_ok=True)
    expected = load_expected(args.expected)
    results, durations, cpu = {}, {}, {}
    start = time.monotonic()
    for run in RUNS:
        if not args.no_run and args.run in (None, run):
            results[run], durations[run], cpu[run] = run_pytest(args, run)
    if len(durations) == len(RUNS):
        durations['total'] = round(time.monotonic() - start, 1)
    for run in RUNS:
        path = os.path.join(args.work_dir, run + '.json')
        if run not in results:
            results[run] = load_results(path)
        if results[run] is None:
            print('no results of the %s run: %s' % (run, path))
            return 2
    plain, activated = results['plain'], results['activated']
    regressions, listed, stale, fixed = compare(plain, activated, expected)
    report = {
        'nova': importlib.metadata.version('nova'),
        'openstack-placement': importlib.metadata.version(
            'openstack-placement'),
        'nova_cca': activated['nova_cca'],
        'selection': os.path.abspath(args.selection),
        'workers': args.workers,
        'work_dir': os.path.abspath(args.work_dir),
        'durations': durations,
        'cpu_seconds': cpu,
        'counts': {'plain': counts(plain), 'activated': counts(activated),
                   'regressions': len(regressions),
                   'expected_differences': len(listed),
                   'stale': len(stale)},
        'regressions': regressions,
        'expected_differences': listed,
        'stale': stale,
        'fixed_by_activation': fixed,
        'collection_errors': activated['collection_errors'],
        'slowest': {run: slowest(results[run]) for run in RUNS},
    }
    print_summary(report)
    if args.report:
        with open(args.report, 'w') as f:
            json.dump(report, f, indent=1)
        print('\nreport: %s' % args.report)
    if plain['exit_status'] not in (0, 1) or (
            activated['exit_status'] not in (0, 1)):
        print('a pytest run ended with an error status (see the logs)')
        return 2
    return 1 if regressions or stale else 0


if __name__ == '__main__':
    sys.exit(main())
