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

"""Each compute on a network of its own: namespaces on a bridge.

The control plane (Placement, the compute API, the image stub and a relay
to the machine's RabbitMQ) listens on the bridge's address; every compute
runs in a network namespace with one veth link into that bridge and its
own address, so it reaches the control plane over a link as a separate
host would, and Nova records that address as the host's ``my_ip``.

RabbitMQ and MariaDB belong to the machine and listen on 127.0.0.1 only;
computes use no database, and reach RabbitMQ through
:mod:`nova_cca_deploy.relay` on the bridge address.
"""

import ipaddress
import shutil
import subprocess

from nova_cca_deploy import topology


class NetworkError(Exception):
    pass


def _ip(*args, check=True):
    result = subprocess.run(('ip',) + args, capture_output=True, text=True)
    if check and result.returncode:
        raise NetworkError('ip %s: %s' % (' '.join(args),
                                          result.stderr.strip()))
    return result


def namespace(host):
    return topology.NETNS_PREFIX + host


def link(host):
    """The bridge side of a host's veth pair (at most 15 characters)."""
    return (topology.NETNS_PREFIX + host)[:15]


def address(index):
    """The address of the ``index``-th compute (0-based) on the bridge."""
    network = ipaddress.ip_network(topology.NETWORK)
    first = network.network_address + topology.FIRST_HOST_ADDRESS
    return str(first + index)


def prefix_length():
    return ipaddress.ip_network(topology.NETWORK).prefixlen


def unavailable():
    """Why namespaces cannot be made here, or None.

    Probes by making (and removing) a namespace: creating one needs
    CAP_SYS_ADMIN, which a container may lack.
    """
    probe = topology.NETNS_PREFIX + 'probe'
    try:
        _ip('-V')
    except (OSError, NetworkError) as e:
        return 'iproute2 is missing (%s)' % e
    _ip('netns', 'del', probe, check=False)
    made = _ip('netns', 'add', probe, check=False)
    if made.returncode:
        return 'ip netns add failed: %s' % made.stderr.strip()
    _ip('netns', 'del', probe, check=False)
    return None


def create(hosts):
    """The bridge and one namespace per host: {host: address}."""
    destroy(hosts)
    bridge = topology.BRIDGE
    _ip('link', 'add', bridge, 'type', 'bridge')
    _ip('addr', 'add', '%s/%d' % (topology.BRIDGE_ADDRESS, prefix_length()),
        'dev', bridge)
    _ip('link', 'set', bridge, 'up')
    addresses = {}
    for index, host in enumerate(hosts):
        ns, outside = namespace(host), link(host)
        _ip('netns', 'add', ns)
        _ip('link', 'add', outside, 'type', 'veth', 'peer', 'name', 'eth0',
            'netns', ns)
        _ip('link', 'set', outside, 'master', bridge)
        _ip('link', 'set', outside, 'up')
        addresses[host] = address(index)
        inside = ('netns', 'exec', ns, 'ip')
        _ip(*inside, 'link', 'set', 'lo', 'up')
        _ip(*inside, 'addr', 'add', '%s/%d' % (addresses[host],
                                              prefix_length()),
            'dev', 'eth0')
        _ip(*inside, 'link', 'set', 'eth0', 'up')
        _ip(*inside, 'route', 'add', 'default', 'via',
            topology.BRIDGE_ADDRESS)
    return addresses


def destroy(hosts):
    """Remove the namespaces of ``hosts`` and the bridge, if present."""
    removed = []
    if not shutil.which('ip'):
        return removed
    for host in hosts:
        if _ip('link', 'del', link(host), check=False).returncode == 0:
            removed.append('link ' + link(host))
        if _ip('netns', 'del', namespace(host), check=False).returncode == 0:
            removed.append('namespace ' + namespace(host))
    if _ip('link', 'del', topology.BRIDGE, check=False).returncode == 0:
        removed.append('bridge ' + topology.BRIDGE)
    return removed


def namespace_of(pid):
    """The name of the namespace process ``pid`` runs in, or None."""
    result = _ip('netns', 'identify', str(pid), check=False)
    return result.stdout.strip() or None


def connections(host):
    """Established TCP connections inside ``host``'s namespace:
    [(local address:port, peer address:port)].
    """
    result = subprocess.run(
        ['ip', 'netns', 'exec', namespace(host), 'ss', '-Htn',
         'state', 'established'], capture_output=True, text=True)
    pairs = []
    for line in result.stdout.splitlines():
        fields = line.split()
        if len(fields) >= 4:
            pairs.append((fields[-2], fields[-1]))
    return pairs
