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

"""The configuration files of the deployment (docs/deployment.md).

Each writer returns the path it wrote. Files are ini documents built with
configparser: one section per option group, nothing copied from elsewhere
except the api-paste pipeline, which is Nova's installed one with the
keystone middleware taken out (Nova 34 has no noauth2 strategy).
"""

import configparser
import os
import sys

from nova_cca import glossary
from nova_cca_deploy import topology

#: the token Nova uses for Placement (keystoneauth admin_token plugin);
#: Placement runs with noauth2, where the token "admin" is an admin
ADMIN_TOKEN = 'admin'


def _write(path, sections):
    parser = configparser.RawConfigParser()
    parser.optionxform = str
    for section, options in sections.items():
        if section != 'DEFAULT':
            parser.add_section(section)
        for key, value in options.items():
            if value is not None:
                parser.set(section, key, str(value))
    with open(path, 'w') as f:
        parser.write(f)
    return path


def _db(name):
    return 'mysql+pymysql://root@%s/%s?charset=utf8' % (
        topology.DB_HOST, name)


def _placement_client(control):
    # keystoneauth's admin_token plugin and an endpoint: no keystone
    return {'auth_type': 'admin_token', 'token': ADMIN_TOKEN,
            'endpoint_override': 'http://%s:%d'
                                 % (control, topology.PLACEMENT_PORT)}


def _stub_endpoint(control):
    return 'http://%s:%d' % (control, topology.STUB_PORT)


def _common(paths, name, control=topology.LOOPBACK):
    """What every Nova process shares: bus, Placement, images, network.

    ``control`` is the address the process reaches the control plane at:
    the loopback for the control plane itself, the bridge for a compute in
    a namespace of its own.
    """
    return {
        'DEFAULT': {
            'transport_url': topology.rabbit_url(control),
            'log_file': paths.log(name),
            'debug': 'false',
            'state_path': paths.host_dir(name, 'state'),
            # realm and plain guests share the allocation figures below
            'cpu_allocation_ratio': '1.0',
            'ram_allocation_ratio': '1.0',
            'disk_allocation_ratio': '1.0',
            'reserved_host_memory_mb': '0',
            'reserved_host_disk_mb': '0',
            # Nova 34 waits up to 180 s for its threads on SIGTERM
            'manager_shutdown_timeout': '5',
            # one template for every service: the API reports the name the
            # real libvirtd knows the domain by, and stop finds its domains
            'instance_name_template': topology.REAL_DOMAIN_PREFIX + '%08x',
            'graceful_shutdown_timeout': '5',
        },
        'oslo_concurrency': {'lock_path': paths.host_dir(name, 'locks')},
        'placement': _placement_client(control),
        'glance': {'endpoint_override': _stub_endpoint(control),
                   'num_retries': '0'},
        'neutron': {'auth_type': 'admin_token', 'token': ADMIN_TOKEN,
                    'endpoint_override': _stub_endpoint(control)},
        'cinder': {'os_region_name': 'RegionOne'},
        'oslo_messaging_rabbit': {'heartbeat_timeout_threshold': '0'},
    }


def nova_conf(paths):
    """Control plane: compute API, conductor, scheduler, nova-manage."""
    sections = _common(paths, 'nova')
    sections['DEFAULT'].pop('log_file')  # each process logs to stderr
    sections['api_database'] = {'connection': _db(topology.DATABASES['api'])}
    sections['database'] = {'connection': _db(topology.DATABASES['cell1'])}
    sections['api'] = {'auth_strategy': 'keystone'}
    sections['wsgi'] = {'api_paste_config': paths.conf('api-paste.ini')}
    sections['scheduler'] = {
        # computes are mapped to the cell as they register
        'discover_hosts_in_cells_interval': '2',
        'max_attempts': '1'}
    sections['filter_scheduler'] = {'host_subset_size': '1'}
    sections['conductor'] = {'workers': '2'}
    sections['quota'] = {'instances': '-1', 'cores': '-1', 'ram': '-1'}
    return _write(paths.conf('nova.conf'), sections)


def compute_conf(paths, host, simulated=None, my_ip=None):
    """One compute: no [database]/[api_database] (Nova refuses them).

    With ``my_ip`` the compute runs in a namespace of its own with that
    address and reaches the control plane at the bridge's.
    """
    control = topology.BRIDGE_ADDRESS if my_ip else topology.LOOPBACK
    sections = _common(paths, host, control)
    sections['DEFAULT'].update({
        'host': host,
        'my_ip': my_ip,
        'instances_path': paths.host_dir(host, 'instances'),
        'compute_driver': (glossary.SIMULATED_DRIVER if simulated
                           else glossary.DRIVER),
    })
    sections['compute'] = {'resource_provider_association_refresh': '60'}
    if simulated is not None:
        sections['simulated_host'] = {
            'domain_capabilities': simulated.domain_capabilities,
            'arch': simulated.arch, 'vcpus': simulated.vcpus,
            'memory_mb': simulated.memory_mb,
            'disk_gb': simulated.disk_gb}
        sections[glossary.CONFIG_GROUP] = {
            'max_guests': simulated.max_guests}
    else:
        sections['libvirt'] = {'virt_type': 'qemu',
                               'connection_uri': 'qemu:///system'}
        # privsep without sudo/rootwrap: run the helper directly
        sections['nova_sys_admin'] = {
            'helper_command': '%s --config-file %s' % (
                os.path.join(os.path.dirname(sys.executable),
                             'privsep-helper'),
                paths.conf('compute-%s.conf' % host))}
    return _write(paths.conf('compute-%s.conf' % host), sections)


def placement_conf(paths):
    sections = {
        'DEFAULT': {'debug': 'false'},
        'api': {'auth_strategy': 'noauth2'},
        'placement_database': {
            'connection': _db(topology.DATABASES['placement'])},
        # Placement retries a conflicting allocation write inside the
        # request's own transaction: on MariaDB/MySQL (REPEATABLE READ) the
        # retry checks capacity against the transaction's old snapshot but
        # the provider generation read afresh, and over-fills a provider
        # (docs/deployment.md). One attempt per request: the conflict goes
        # back to Nova, whose report client retries it as a new request.
        'placement': {'allocation_conflict_retry_count': '1'},
    }
    path = os.path.join(paths.etc, 'placement', 'placement.conf')
    os.makedirs(os.path.dirname(path), exist_ok=True)
    return _write(path, sections)


def api_paste(paths):
    """Nova's api-paste.ini without ``authtoken``.

    ``keystonecontext`` then builds the request context from the
    X-User-Id, X-Project-Id, X-Roles and X-Auth-Token headers the clients
    send.
    """
    source = os.path.join(sys.prefix, 'etc', 'nova', 'api-paste.ini')
    parser = configparser.RawConfigParser()
    parser.optionxform = str
    parser.read(source)
    for section in parser.sections():
        for key in ('keystone', 'pipeline'):
            if parser.has_option(section, key):
                parts = parser.get(section, key).split()
                parser.set(section, key, ' '.join(
                    p for p in parts if p != 'authtoken'))
    path = paths.conf('api-paste.ini')
    with open(path, 'w') as f:
        parser.write(f)
    return path


def uwsgi_ini(paths, name, module, port, env,
              addresses=(topology.LOOPBACK,)):
    """uWSGI for one API on ``addresses``: Connection: close and a 64 KiB
    buffer.

    A compute's ``GET /traits?name=in:...`` is larger than uWSGI's 4 KiB
    default; without ``Connection: close`` Nova's keystoneauth sessions
    reuse connections uWSGI's http-socket has closed.
    """
    options = {
        'module': module,
        'master': 'true',
        'processes': '2',
        'threads': '8',
        'lazy-apps': 'true',
        'die-on-term': 'true',
        'buffer-size': '65535',
        'add-header': 'Connection: close',
        'need-app': 'true',
        'enable-threads': 'true',
        'thunder-lock': 'true',
        'logto': paths.log(name),
    }
    lines = ['[uwsgi]'] + ['http-socket = %s:%d' % (address, port)
                           for address in addresses]
    lines += ['%s = %s' % kv for kv in options.items()]
    lines += ['env = %s=%s' % kv for kv in env.items()]
    path = paths.conf('%s-uwsgi.ini' % name)
    with open(path, 'w') as f:
        f.write('\n'.join(lines) + '\n')
    return path
