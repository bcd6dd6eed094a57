"""``nova-cca``: the simulated cloud and the host readiness check.

    nova-cca simulate [SCENARIO.yaml] [--json]
    nova-cca status [--libvirt-uri URI] [--config-file nova.conf] [--json]
    nova-cca attest verify|collect ...   (see nova_cca/cmd/attest.py)
    nova-cca traits --config-file nova.conf
"""

import argparse
import json
import sys
import tempfile
import time
import warnings

from nova_cca.cmd import attest


def _parser():
    parser = argparse.ArgumentParser(
        prog='nova-cca',
        description='Arm CCA realms for OpenStack Nova: a simulated cloud '
                    'and a compute host readiness check.')
    commands = parser.add_subparsers(dest='command', required=True)
    simulate = commands.add_parser(
        'simulate', help='run a scenario on a simulated CCA cloud in this '
                         'process (built-in default scenario without a file)')
    simulate.add_argument('scenario', nargs='?',
                          help='scenario file (YAML)')
    simulate.add_argument('--json', action='store_true',
                          help='print one JSON document instead of a report')
    status = commands.add_parser(
        'status', help="check this compute host's readiness for realms")
    status.add_argument('--libvirt-uri', default=None,
                        help='libvirt URI (default: [libvirt] connection_uri '
                             'or qemu:///system)')
    status.add_argument('--config-file', default=None,
                        help='nova.conf to check')
    status.add_argument('--json', action='store_true',
                        help='print the results as JSON')
    attest.add_parser(commands)
    traits = commands.add_parser(
        'traits', help='create the realm traits in Placement (once per '
                       'deployment, before realms are requested)')
    traits.add_argument('--config-file', action='append', default=[],
                        help="nova.conf with the [placement] credentials")
    return parser


def create_traits(args):
    from nova_cca import traits
    adapter = traits.placement_adapter(args.config_file)
    for trait, outcome in traits.create(adapter).items():
        print('%s: %s' % (trait, outcome))
    return 0


def main(argv=None):
    args = _parser().parse_args(argv)
    warnings.filterwarnings('ignore', message=r'\s*Eventlet is deprecated')
    if args.command == 'simulate':
        return simulate(args)
    if args.command == 'attest':
        return attest.main(args)
    if args.command == 'traits':
        return create_traits(args)
    from nova_cca.cmd import status
    return status.main(args)


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
    from nova_cca.simulation import harness
    from nova_cca.simulation import scenario as sim_scenario
    try:
        scenario = (sim_scenario.load(args.scenario) if args.scenario
                    else sim_scenario.default())
    except sim_scenario.ScenarioError as e:
        return _fail(args, EXIT_SCENARIO, e, e.place)

    harness.start()
    from nova_cca.simulation import cloud

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


if __name__ == '__main__':
    sys.exit(main())
