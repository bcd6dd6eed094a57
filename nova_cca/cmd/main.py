"""``nova-cca``: the simulated cloud and the host readiness check.

    nova-cca simulate [SCENARIO.yaml] [--json]
    nova-cca status [--libvirt-uri URI] [--config-file nova.conf] [--json]
    nova-cca traits --config-file nova.conf
"""

import argparse
import logging
import os
import sys
import time
import warnings


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
    if args.command == 'traits':
        return create_traits(args)
    from nova_cca.cmd import status
    return status.main(args)


def simulate(args):
    # Before anything imports Nova: run its services without eventlet.
    os.environ.setdefault('OS_NOVA_DISABLE_EVENTLET_PATCHING', '1')
    from nova import monkey_patch
    monkey_patch.patch()

    from nova_cca.simulation import scenario as sim_scenario
    try:
        scenario = (sim_scenario.load(args.scenario) if args.scenario
                    else sim_scenario.default())
    except sim_scenario.ScenarioError as e:
        print('nova-cca simulate: %s' % e, file=sys.stderr)
        return 2

    import nova_cca
    nova_cca.activate()
    from nova_cca.simulation import cloud

    started = time.monotonic()

    def progress(message):
        print('[%5.1fs] %s' % (time.monotonic() - started, message),
              file=sys.stderr, flush=True)

    # Nova logs thread-pool shutdowns after its log capture has ended.
    logging.getLogger('nova.thread_pool_factory').setLevel(logging.WARNING)
    progress('starting Nova API, conductor, scheduler and Placement')
    try:
        report = cloud.run(scenario, progress)
    except cloud.ScenarioAborted as e:
        print('nova-cca simulate: %s' % e, file=sys.stderr)
        return 1
    except cloud.SimulationFailed as e:
        print('nova-cca simulate: the simulated cloud failed:\n%s' % e,
              file=sys.stderr)
        return 1
    progress('done')
    sys.stdout.write(report.to_json() + '\n' if args.json
                     else report.to_text())
    return 0


if __name__ == '__main__':
    sys.exit(main())
