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

"""Nova's services, activated.

Each command imports Nova's own command module first (it sets up Nova's
concurrency backend), activates nova-cca, then runs Nova's ``main()``
unchanged.
"""

import importlib
import sys

import nova_cca


def _run(nova_command: str) -> int | None:
    module = importlib.import_module('nova.cmd.%s' % nova_command)
    nova_cca.activate()
    return module.main()


def conductor() -> int | None:
    return _run('conductor')


def scheduler() -> int | None:
    return _run('scheduler')


def compute() -> int | None:
    """nova-compute (``compute_driver = libvirt_cca.LibvirtCCADriver``)."""
    return _run('compute')


def manage() -> int | None:
    return _run('manage')


def status() -> int:
    """nova-status with nova-cca's check.

    ``nova-cca-status upgrade check``, nova_cca.cmd.status.
    """
    importlib.import_module('nova.cmd.status')
    nova_cca.activate()
    from nova_cca.cmd import status as realm_status
    return realm_status.main()


def api(argv: list[str] | None = None) -> None:
    """A development server for the activated compute API.

    Production deployments serve ``nova_cca.wsgi.osapi_compute:application``
    with a WSGI server (uwsgi, mod_wsgi). Reads the same configuration as
    that module (``OS_NOVA_CONFIG_FILES``/``OS_NOVA_CONFIG_DIR``, default
    /etc/nova/api-paste.ini and /etc/nova/nova.conf); ``--config-file``
    (repeatable, the api-paste.ini first) sets them. The options are this
    command's own: Nova's parser sees none of them.
    """
    import argparse
    from wsgiref import simple_server

    parser = argparse.ArgumentParser(
        prog='nova-cca-api',
        description='Serve the activated Nova compute API (development).')
    parser.add_argument('--host', default='127.0.0.1')
    parser.add_argument('--port', type=int, default=8774)
    parser.add_argument('--config-file', action='append', default=[],
                        help='api-paste.ini, then nova.conf (repeatable)')
    args = parser.parse_args(sys.argv[1:] if argv is None else argv)
    if args.config_file:
        import os
        os.environ['OS_NOVA_CONFIG_DIR'] = ''
        os.environ['OS_NOVA_CONFIG_FILES'] = ';'.join(
            os.path.abspath(path) for path in args.config_file)
    # Nova's WSGI application parses sys.argv as its own options
    del sys.argv[1:]

    from nova_cca.wsgi import osapi_compute

    server = simple_server.make_server(args.host, args.port,
                                       osapi_compute.application)
    print('nova-cca-api: compute API on http://%s:%d/' %
          (args.host, args.port), file=sys.stderr)
    server.serve_forever()
