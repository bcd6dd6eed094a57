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

"""``nova-cca``: the operator's commands.

    nova-cca readiness [--libvirt-uri URI] [--config-file nova.conf] [--json]
    nova-cca traits --config-file nova.conf

Other distributions add commands through the ``nova_cca.commands`` entry
point group (a module with ``add_parser(subparsers)`` and ``main(args)``):

    nova-cca simulate ...          (nova-cca-simulator)
    nova-cca attest verify|collect (nova-cca-attest)
"""

import argparse
import importlib.metadata
import sys
import warnings

from stevedore import extension

#: entry point group of commands from other distributions
COMMANDS_NAMESPACE = 'nova_cca.commands'


def _readiness_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument('--libvirt-uri', default=None,
                        help='libvirt URI (default: [libvirt] '
                             'connection_uri or qemu:///system)')
    parser.add_argument('--config-file', default=None,
                        help='nova.conf to check')
    parser.add_argument('--json', action='store_true',
                        help='print the results as JSON')


def _plugins() -> extension.ExtensionManager:
    return extension.ExtensionManager(
        COMMANDS_NAMESPACE, invoke_on_load=False,
        on_load_failure_callback=_report_plugin_failure)


def _report_plugin_failure(manager: extension.ExtensionManager,
                           entry_point: importlib.metadata.EntryPoint,
                           error: BaseException) -> None:
    print('nova-cca: command %s (%s) cannot be loaded: %s'
          % (entry_point.name, entry_point.value, error), file=sys.stderr)


def _parser(plugins: extension.ExtensionManager) -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog='nova-cca',
        description='Arm CCA realms for OpenStack Nova: compute host '
                    'readiness, realm traits in Placement, and the '
                    'commands of installed nova-cca tools.')
    commands = parser.add_subparsers(dest='command', required=True)
    _readiness_arguments(commands.add_parser(
        'readiness', help="check this compute host's readiness for realms"))
    # the name of releases up to 0.1; kept as an alias
    _readiness_arguments(commands.add_parser(
        'status', help='deprecated name of readiness'))
    traits = commands.add_parser(
        'traits', help='create the realm traits in Placement (once per '
                       'deployment, before realms are requested)')
    traits.add_argument('--config-file', action='append', default=[],
                        help="nova.conf with the [placement] credentials")
    for plugin in plugins:
        plugin.plugin.add_parser(commands)
    return parser


def create_traits(args: argparse.Namespace) -> int:
    from nova_cca import traits
    adapter = traits.placement_adapter(args.config_file)
    for trait, outcome in traits.create(adapter).items():
        print('%s: %s' % (trait, outcome))
    return 0


def main(argv: list[str] | None = None) -> int:
    plugins = _plugins()
    args = _parser(plugins).parse_args(argv)
    warnings.filterwarnings('ignore', message=r'\s*Eventlet is deprecated')
    if args.command == 'traits':
        return create_traits(args)
    if args.command in ('readiness', 'status'):
        if args.command == 'status':
            print('nova-cca: "status" is now "readiness" (not to be '
                  'confused with nova-cca-status, Nova\'s upgrade check)',
                  file=sys.stderr)
        from nova_cca.cmd import readiness
        return readiness.main(args)
    return plugins[args.command].plugin.main(args)


if __name__ == '__main__':
    sys.exit(main())
