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

"""``nova-cca-status``: Nova's upgrade checks, activated, and one more.

``nova-cca-status upgrade check`` runs every check of Nova's
``nova-status upgrade check`` (a subclass of Nova's ``UpgradeCommands``,
so a Nova update brings its new checks along) and adds "nova-cca in every
Nova process": a Nova service on this host that runs without nova-cca
would fail on a realm, or (before nova-cca 0.2) lose its measurement
settings. The check reads the command lines of this host's processes; run
it on every Nova node.
"""

import functools
import os
import sys
import traceback

from nova.cmd import common as cmd_common
from nova.cmd import status as nova_status
from oslo_config import cfg
from oslo_upgradecheck import upgradecheck

from nova_cca.i18n import _

#: the commands and WSGI modules of Nova's services, and nova-cca's own
NOVA_SERVICES = ('nova-api', 'nova-conductor', 'nova-scheduler',
                 'nova-compute', 'nova-manage', 'nova-api-wsgi',
                 'nova-metadata-wsgi')
NOVA_WSGI_MODULES = ('nova.wsgi.osapi_compute', 'nova.wsgi.metadata')
ACTIVATED_PREFIXES = ('nova-cca-', 'nova_cca.')


def _command_lines(proc: str = '/proc') -> dict[int, list[str]]:
    """{pid: [argv...]} of this host's processes.

    Unreadable ones are left out.
    """
    lines: dict[int, list[str]] = {}
    try:
        pids = [name for name in os.listdir(proc) if name.isdigit()]
    except OSError:
        return lines
    for pid in pids:
        try:
            with open(os.path.join(proc, pid, 'cmdline'), 'rb') as f:
                raw = f.read(65536)
        except OSError:
            continue
        argv = [a.decode('utf-8', 'replace') for a in raw.split(b'\0') if a]
        if argv:
            lines[int(pid)] = argv
    return lines


def unactivated_nova_processes(
        command_lines: dict[int, list[str]]) -> list[tuple[int, str]]:
    """[(pid, what)] of Nova services that run without nova-cca.

    A service is a Nova command (``nova-conductor`` ...) run directly or
    by an interpreter, or a WSGI server serving ``nova.wsgi.*``; one that
    runs a ``nova-cca-*`` command or ``nova_cca.wsgi.*`` is activated.
    """
    found = []
    for pid, argv in sorted(command_lines.items()):
        names = [os.path.basename(a) for a in argv[:3]]
        if any(n.startswith(ACTIVATED_PREFIXES) for n in names) or any(
                ACTIVATED_PREFIXES[1] + 'wsgi' in a for a in argv):
            continue
        service = next((n for n in names if n in NOVA_SERVICES), None)
        if service is None:
            service = next((m for a in argv for m in NOVA_WSGI_MODULES
                            if m in a), None)
        if service is not None:
            found.append((pid, service))
    return found


def _check_activation(proc: str = '/proc') -> upgradecheck.Result:
    found = unactivated_nova_processes(_command_lines(proc))
    if not found:
        return upgradecheck.Result(upgradecheck.Code.SUCCESS)
    return upgradecheck.Result(
        upgradecheck.Code.FAILURE,
        _('Nova runs without nova-cca on this host: %s. Start every Nova '
          'service through its nova-cca entry point (nova-cca-conductor, '
          'nova-cca-scheduler, nova-cca-compute, nova_cca.wsgi.*); see the '
          'operator guide.') % ', '.join(
            'pid %d (%s)' % (pid, what) for pid, what in found))


class RealmUpgradeCommands(nova_status.UpgradeCommands):
    """Nova's upgrade checks and nova-cca's."""

    _upgrade_checks = nova_status.UpgradeCommands._upgrade_checks + (
        (_('nova-cca in every Nova process'), _check_activation),
    )


CATEGORIES = {'upgrade': RealmUpgradeCommands}


def main() -> int:
    """``nova-cca-status``; nova-cca is active (nova_cca.cmd.services)."""
    conf = nova_status.CONF
    conf.register_cli_opt(cfg.SubCommandOpt(
        'category', title='Command categories', help='Available categories',
        handler=functools.partial(cmd_common.add_command_parsers,
                                  categories=CATEGORIES)))
    nova_status.config.parse_args(sys.argv)
    if conf.category.name == 'version':
        print(nova_status.version.version_string_with_package())
        return 0
    if conf.category.name == 'bash-completion':
        cmd_common.print_bash_completion(CATEGORIES)
        return 0
    try:
        fn, fn_args, fn_kwargs = cmd_common.get_action_fn()
        return fn(*fn_args, **fn_kwargs)
    except Exception:
        print(_('Error:\n%s') % traceback.format_exc())
        # as nova-status: not an upgrade check's exit code
        return 255
