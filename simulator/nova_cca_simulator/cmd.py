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

"""The simulator's commands.

    nova-cca simulate [SCENARIO.yaml] [--json]
    nova-cca-simulated-compute --config-file host.conf

``simulate`` joins ``nova-cca`` through the ``nova_cca.commands`` entry
point; ``nova-cca-simulated-compute`` is nova-compute on a simulated host
(:mod:`nova_cca_simulator.process`), for the multi-process deployment.
"""

import importlib
import json
import sys
import tempfile
import time


def add_parser(commands):
    """Add ``simulate`` to ``nova-cca``'s parser."""
    simulate = commands.add_parser(
        'simulate', help='run a scenario on a simulated CCA cloud in this '
                         'process (built-in default scenario without a file)')
    simulate.add_argument('scenario', nargs='?',
                          help='scenario file (YAML)')
    simulate.add_argument('--json', action='store_true',
                          help='print one JSON document instead of a report')
    return simulate


def main(args):
    return simulate(args)


def simulated_compute():
    """nova-compute on a simulated host (Nova's fake libvirt)."""
    module = importlib.import_module('nova.cmd.compute')
    from nova_cca_simulator import process
    process.install_fake_libvirt()
    import nova_cca
    nova_cca.activate()
    return module.main()


#: exit codes of ``nova-cca simulate`` (docs/simulation.md)
EXIT_OK = 0
EXIT_CLOUD = 1      # the API refused a flavor, or the simulated cloud failed
EXIT_SCENARIO = 2   # the scenario file is wrong (nothing was started)
EXIT_AUDIT_VIOLATION = 3  # the integrity audit after the last step failed
#: the longest error line
MAX_MESSAGE = 300


def _fail(args, code, message, place=None):
    """One line on standard error; with --json, an error document on
    standard output as well.
    """
    message = ' '.join(str(message).split())
    if len(message) > MAX_MESSAGE:
        message = message[:MAX_MESSAGE - 3] + '...'
    print('nova-cca simulate: %s' % message, file=sys.stderr)
    if args.json:
        print(json.dumps({'error': {'exit_code': code, 'place': place,
                                    'message': message}}, indent=2))
    return code


def simulate(args):
    # Before anything imports Nova: its in-process environment
    from nova_cca_simulator import harness
    from nova_cca_simulator import scenario as sim_scenario
    try:
        scenario = (sim_scenario.load(args.scenario) if args.scenario
                    else sim_scenario.default())
    except sim_scenario.ScenarioError as e:
        return _fail(args, EXIT_SCENARIO, e, e.place)

    harness.start()
    from nova_cca_simulator import cloud

    started = time.monotonic()

    def progress(message):
        print('[%5.1fs] %s' % (time.monotonic() - started, message),
              file=sys.stderr, flush=True)

    progress('starting Nova API, conductor, scheduler and Placement')
    try:
        report = cloud.run(scenario, progress)
    except cloud.ScenarioAborted as e:
        return _fail(args, EXIT_CLOUD, e)
    except cloud.SimulationFailed as e:
        with tempfile.NamedTemporaryFile(
                'w', prefix='nova-cca-simulate-', suffix='.log',
                delete=False) as details:
            details.write(e.details)
        return _fail(args, EXIT_CLOUD, 'the simulated cloud failed (details '
                     'in %s): %s' % (details.name, e))
    progress('done')
    sys.stdout.write(report.to_json() + '\n' if args.json
                     else report.to_text())
    return EXIT_OK if report.audit_clean else EXIT_AUDIT_VIOLATION
