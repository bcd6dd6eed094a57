"""Nova's services, activated.

Each command imports Nova's own command module first (it sets up Nova's
concurrency backend), activates nova-cca, then runs Nova's ``main()``
unchanged.
"""

import importlib
import sys

import nova_cca


def _run(nova_command):
    module = importlib.import_module('nova.cmd.%s' % nova_command)
    nova_cca.activate()
    return module.main()


def conductor():
    return _run('conductor')


def scheduler():
    return _run('scheduler')


def compute():
    return _run('compute')


def manage():
    return _run('manage')


def api(argv=None):
    """A development server for the activated compute API.

    Production deployments serve ``nova_cca.wsgi.osapi_compute:application``
    with a WSGI server (uwsgi, mod_wsgi). Reads the same configuration as
    that module (``OS_NOVA_CONFIG_FILES``/``OS_NOVA_CONFIG_DIR``, default
    /etc/nova/nova.conf).
    """
    import argparse
    from wsgiref import simple_server

    parser = argparse.ArgumentParser(
        prog='nova-cca-api',
        description='Serve the activated Nova compute API (development).')
    parser.add_argument('--host', default='127.0.0.1')
    parser.add_argument('--port', type=int, default=8774)
    args = parser.parse_args(argv)

    from nova_cca.wsgi import osapi_compute

    server = simple_server.make_server(args.host, args.port,
                                       osapi_compute.application)
    print('nova-cca-api: compute API on http://%s:%d/' %
          (args.host, args.port), file=sys.stderr)
    server.serve_forever()
