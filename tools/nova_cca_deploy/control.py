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

"""``tools/deploy start`` and ``stop``: processes, databases, the bus.

Every process is started here with its own log and its PID recorded in
``.deploy/pids/<name>.pid``; ``stop`` ends exactly those PIDs (and their
process groups, the uWSGI workers), destroys the real-libvirt guests this
deployment defined, and drops its databases and RabbitMQ vhost.
"""

import json
import os
import shutil
import signal
import subprocess
import sys
import time
import uuid

import requests

from nova_cca_deploy import configs
from nova_cca_deploy import network
from nova_cca_deploy import topology

BIN = os.path.dirname(sys.executable)
#: the images the stub serves (stable ids: the check refers to them)
PLAIN_IMAGE = '6c1f1d6e-2a2b-4d5e-9c3a-000000000001'
REALM_IMAGE = '6c1f1d6e-2a2b-4d5e-9c3a-000000000002'
#: aarch64 with stateless firmware: what a realm flavor boots
STATELESS_IMAGE = '6c1f1d6e-2a2b-4d5e-9c3a-000000000003'
#: a plain guest of the machine's own architecture with BIOS firmware:
#: what the compute on the machine's libvirtd boots under QEMU (TCG).
#: Not UEFI: Nova 34 writes <loader secure='no'/> next to <os
#: firmware='efi'>, which libvirt before 9.2 (Debian 12: 9.0) refuses for
#: every UEFI guest (docs/deployment.md, known problems)
HOST_ARCH_IMAGE = '6c1f1d6e-2a2b-4d5e-9c3a-000000000004'
AARCH64_PROPERTIES = {'hw_architecture': 'aarch64',
                      'hw_firmware_type': 'uefi',
                      'hw_machine_type': 'virt'}


def log(message):
    print('deploy: %s' % message, flush=True)


def _run(cmd, **kwargs):
    result = subprocess.run(cmd, capture_output=True, text=True, **kwargs)
    if result.returncode:
        raise RuntimeError('%s failed (%d): %s' % (
            ' '.join(cmd), result.returncode,
            (result.stderr or result.stdout)[-2000:]))
    return result.stdout


def _mysql(sql):
    host, port = topology.DB_HOST.split(':')
    _run(['mysql', '-uroot', '-h', host, '-P', port, '-e', sql])


def libvirtd_running():
    return subprocess.run(['pgrep', '-x', 'libvirtd'],
                          capture_output=True).returncode == 0


class Deployment:
    def __init__(self, root):
        self.paths = topology.Paths(root)

    # processes

    def spawn(self, name, cmd, env=None):
        logfile = open(self.paths.log(name + '-console'), 'ab')
        environ = dict(os.environ)
        environ.update(env or {})
        process = subprocess.Popen(
            cmd, stdout=logfile, stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL, env=environ, start_new_session=True,
            cwd=self.paths.root)
        with open(self.paths.pid(name), 'w') as f:
            f.write('%d\n' % process.pid)
        log('started %s (pid %d)' % (name, process.pid))
        return process

    def recorded(self):
        found = {}
        if not os.path.isdir(self.paths.pids):
            return found
        for entry in sorted(os.listdir(self.paths.pids)):
            if entry.endswith('.pid'):
                with open(os.path.join(self.paths.pids, entry)) as f:
                    found[entry[:-4]] = int(f.read().strip())
        return found

    def alive(self):
        return {name: pid for name, pid in self.recorded().items()
                if _alive(pid)}

    # start

    def start(self, real_host=None, namespaces=None):
        """Start the cloud; ``real_host``/``namespaces``: True requires
        the compute on the machine's libvirtd / a network namespace per
        compute, False leaves it out, None has it where the machine
        allows.
        """
        started = time.monotonic()
        if self.alive():
            raise SystemExit('a deployment is running (%s): tools/deploy '
                             'stop first' % ', '.join(self.alive()))
        missing = real_host_missing() if real_host is not False else []
        if real_host and missing:
            raise SystemExit('no compute on the real libvirtd possible: %s'
                             % '; '.join(missing))
        if os.path.isdir(self.paths.root):
            shutil.rmtree(self.paths.root)
        self.paths.makedirs()
        real_host = real_host is not False and not missing
        if missing:
            log('no compute on the real libvirtd: %s' % '; '.join(missing))
        hosts = [h.name for h in topology.SIMULATED_HOSTS]
        if real_host:
            hosts.append(topology.REAL_HOST)
        addresses = self.prepare_network(hosts, namespaces)
        self.write_configs(real_host, addresses)
        self.prepare_databases()
        self.prepare_bus()
        self.start_stub(addresses)
        self.start_control_plane(addresses)
        configs_dir = self.paths.etc
        _run([os.path.join(BIN, 'nova-cca'), 'traits', '--config-file',
              os.path.join(configs_dir, 'nova.conf')])
        log('realm traits created in Placement')
        for host in hosts:
            program = ('nova-cca-compute' if host == topology.REAL_HOST
                       else 'nova-cca-simulated-compute')
            command = [os.path.join(BIN, program), '--config-file',
                       self.paths.conf('compute-%s.conf' % host)]
            if addresses:
                command = ['ip', 'netns', 'exec',
                           network.namespace(host)] + command
            self.spawn('compute-' + host, command)
        self.wait_for_hosts(hosts)
        elapsed = time.monotonic() - started
        with open(self.paths.ready_file(), 'w') as f:
            json.dump({'hosts': hosts, 'seconds_to_ready': round(elapsed, 1),
                       'real_host': bool(real_host),
                       'addresses': addresses}, f)
        log('cloud ready in %.0f s: %s' % (elapsed, ', '.join(hosts)))

    def prepare_network(self, hosts, namespaces):
        """A namespace per compute where wanted and possible:
        {host: address}, or None (every process on the loopback).
        """
        if namespaces is False:
            return None
        why = network.unavailable()
        if why and namespaces:
            raise SystemExit('no network namespaces possible: %s' % why)
        if why:
            log('computes share the loopback: %s' % why)
            return None
        addresses = network.create(hosts)
        log('computes on their own networks: %s (bridge %s, %s)' % (
            ', '.join('%s %s' % kv for kv in addresses.items()),
            topology.BRIDGE, topology.BRIDGE_ADDRESS))
        return addresses

    def write_configs(self, real_host, addresses=None):
        paths = self.paths
        addresses = addresses or {}
        configs.nova_conf(paths)
        configs.placement_conf(paths)
        configs.api_paste(paths)
        for host in topology.SIMULATED_HOSTS:
            configs.compute_conf(paths, host.name, simulated=host,
                                 my_ip=addresses.get(host.name))
        if real_host:
            configs.compute_conf(paths, topology.REAL_HOST,
                                 my_ip=addresses.get(topology.REAL_HOST))
        for host in self._all_state_hosts(real_host):
            for sub in ('state', 'instances', 'locks'):
                os.makedirs(paths.host_dir(host, sub), exist_ok=True)
        # the images: a tiny qcow2 disk (a real file for the libvirt host)
        disk = os.path.join(paths.images, 'plain-aarch64.qcow2')
        _run(['qemu-img', 'create', '-q', '-f', 'qcow2', disk, '64M'])
        realm = dict(AARCH64_PROPERTIES, hw_mem_encryption='true',
                     hw_mem_encryption_model='arm-cca',
                     hw_firmware_stateless='true')
        images = [
            {'id': PLAIN_IMAGE, 'name': 'plain-aarch64', 'file': disk,
             'properties': AARCH64_PROPERTIES},
            {'id': REALM_IMAGE, 'name': 'realm-aarch64', 'file': disk,
             'properties': realm},
            {'id': STATELESS_IMAGE, 'name': 'stateless-aarch64',
             'file': disk, 'properties': dict(
                 AARCH64_PROPERTIES, hw_firmware_stateless='true')},
            {'id': HOST_ARCH_IMAGE, 'name': 'plain-' + os.uname().machine,
             'file': disk,
             'properties': {'hw_architecture': os.uname().machine}},
        ]
        with open(paths.conf('images.json'), 'w') as f:
            json.dump(images, f, indent=1)

    @staticmethod
    def _all_state_hosts(real_host):
        names = ['nova'] + [h.name for h in topology.SIMULATED_HOSTS]
        return names + ([topology.REAL_HOST] if real_host else [])

    def prepare_databases(self):
        for name in topology.DATABASES.values():
            _mysql('DROP DATABASE IF EXISTS %s; CREATE DATABASE %s '
                   'CHARACTER SET utf8mb4' % (name, name))
        nova_conf = self.paths.conf('nova.conf')
        manage = [os.path.join(BIN, 'nova-cca-manage'), '--config-file',
                  nova_conf]
        _run([os.path.join(BIN, 'placement-manage'), '--config-file',
              os.path.join(self.paths.etc, 'placement', 'placement.conf'),
              'db', 'sync'])
        _run(manage + ['api_db', 'sync'])
        _run(manage + ['cell_v2', 'map_cell0', '--database_connection',
                       configs._db(topology.DATABASES['cell0'])])
        _run(manage + ['cell_v2', 'create_cell', '--name', 'cell1'])
        _run(manage + ['db', 'sync'])
        log('databases ready: %s' % ', '.join(topology.DATABASES.values()))

    def prepare_bus(self):
        vhost = topology.RABBIT_VHOST
        subprocess.run(['rabbitmqctl', 'delete_vhost', vhost],
                       capture_output=True)
        _run(['rabbitmqctl', 'add_vhost', vhost])
        _run(['rabbitmqctl', 'set_permissions', '-p', vhost, 'guest',
              '.*', '.*', '.*'])
        log('RabbitMQ vhost %s ready' % vhost)

    @staticmethod
    def _listen(addresses):
        """Where the control plane listens: the loopback, and the bridge
        when the computes have namespaces.
        """
        return ((topology.LOOPBACK, topology.BRIDGE_ADDRESS) if addresses
                else (topology.LOOPBACK,))

    def start_stub(self, addresses=None):
        self.spawn('stub', [sys.executable, '-m',
                            'nova_cca_deploy.stub',
                            self.paths.conf('images.json'),
                            str(topology.STUB_PORT),
                            ','.join(self._listen(addresses))])
        for address in self._listen(addresses):
            _wait_http('http://%s:%d/v2/images' % (address,
                                                   topology.STUB_PORT))
        if addresses:
            # RabbitMQ listens on the loopback only
            self.spawn('relay', [
                sys.executable, '-m', 'nova_cca_deploy.relay',
                '%s:%d' % (topology.BRIDGE_ADDRESS, topology.RABBIT_PORT),
                '%s:%d' % (topology.LOOPBACK, topology.RABBIT_PORT)])
            _wait_tcp(topology.BRIDGE_ADDRESS, topology.RABBIT_PORT)

    def start_control_plane(self, addresses=None):
        paths = self.paths
        uwsgi = os.path.join(BIN, 'uwsgi')
        listen = self._listen(addresses)
        placement_ini = configs.uwsgi_ini(
            paths, 'placement', 'placement.wsgi.api:application',
            topology.PLACEMENT_PORT,
            {'OS_PLACEMENT_CONFIG_DIR': os.path.join(paths.etc,
                                                     'placement')},
            addresses=listen)
        api_ini = configs.uwsgi_ini(
            paths, 'api', 'nova_cca.wsgi.osapi_compute:application',
            topology.COMPUTE_API_PORT,
            # Nova's WSGI application loads its paste pipeline from the
            # first file and its options from all of them
            {'OS_NOVA_CONFIG_DIR': paths.etc,
             'OS_NOVA_CONFIG_FILES': 'api-paste.ini;nova.conf'},
            addresses=listen)
        self.spawn('placement', [uwsgi, '--ini', placement_ini])
        self.spawn('api', [uwsgi, '--ini', api_ini])
        nova_conf = paths.conf('nova.conf')
        for service in ('conductor', 'scheduler'):
            self.spawn(service, [
                os.path.join(BIN, 'nova-cca-' + service), '--config-file',
                nova_conf, '--log-file', paths.log(service)])
        _wait_http('http://127.0.0.1:%d/' % topology.PLACEMENT_PORT)
        _wait_http('http://127.0.0.1:%d/' % topology.COMPUTE_API_PORT)
        log('Placement and the compute API answer')

    def wait_for_hosts(self, hosts, timeout=600):
        """Until every compute is up and mapped, with its inventory."""
        from nova_cca_deploy import client
        api = client.Client()
        deadline = time.monotonic() + timeout
        while True:
            up = set()
            hypervisors = api.admin('GET', '/os-hypervisors/detail').json()
            for hv in hypervisors.get('hypervisors', []):
                if hv.get('state') == 'up':
                    up.add(hv['service']['host'])
            missing = sorted(set(hosts) - up)
            if not missing:
                return
            dead = [n for n, pid in self.recorded().items()
                    if not _alive(pid)]
            if dead:
                raise RuntimeError('processes died: %s (see %s)' % (
                    ', '.join(dead), self.paths.logs))
            if time.monotonic() > deadline:
                raise RuntimeError('hosts not up after %d s: %s' % (
                    timeout, ', '.join(missing)))
            time.sleep(2)

    # stop

    def stop(self):
        recorded = self.recorded()
        for name, pid in recorded.items():
            _signal_group(pid, signal.SIGTERM)
        deadline = time.monotonic() + 30
        for name, pid in recorded.items():
            while _alive(pid) and time.monotonic() < deadline:
                time.sleep(0.2)
            if _alive(pid):
                log('%s (pid %d) ignored SIGTERM: killing' % (name, pid))
            _signal_group(pid, signal.SIGKILL)
            os.unlink(self.paths.pid(name))
            log('stopped %s (pid %d)' % (name, pid))
        self.destroy_real_guests()
        removed = network.destroy(
            [h.name for h in topology.SIMULATED_HOSTS] +
            [topology.REAL_HOST])
        if removed:
            log('removed namespaces and links: %s' % ', '.join(removed))
        for name in topology.DATABASES.values():
            try:
                _mysql('DROP DATABASE IF EXISTS %s' % name)
            except RuntimeError as e:
                log('could not drop %s: %s' % (name, e))
        subprocess.run(['rabbitmqctl', 'delete_vhost', topology.RABBIT_VHOST],
                       capture_output=True)
        log('databases and vhost removed; logs kept in %s' % self.paths.logs)

    @staticmethod
    def destroy_real_guests():
        if not shutil.which('virsh') or not libvirtd_running():
            return
        listing = subprocess.run(
            ['virsh', '-c', 'qemu:///system', 'list', '--all', '--name'],
            capture_output=True, text=True)
        for name in listing.stdout.split():
            if name.startswith(topology.REAL_DOMAIN_PREFIX):
                subprocess.run(['virsh', '-c', 'qemu:///system', 'destroy',
                                name], capture_output=True)
                subprocess.run(['virsh', '-c', 'qemu:///system', 'undefine',
                                '--nvram', name], capture_output=True)
                log('removed libvirt domain %s' % name)


def real_host_missing():
    """What the compute on the machine's libvirtd lacks here, if anything.

    Nova's libvirt driver needs libvirt-python, a running libvirtd and a
    QEMU for the machine's own architecture: libvirt reports that QEMU's
    version as the hypervisor version, which Nova checks at start-up
    (QEMU >= 6.2.0).
    """
    missing = []
    if subprocess.run([sys.executable, '-c', 'import libvirt'],
                      capture_output=True).returncode:
        missing.append('libvirt-python is not installed')
    if not shutil.which('virsh') or not libvirtd_running():
        missing.append('libvirtd is not running')
        return missing
    version = subprocess.run(['virsh', '-c', 'qemu:///system', 'version'],
                             capture_output=True, text=True)
    if 'Running hypervisor: QEMU' not in version.stdout:
        missing.append('libvirtd reports no QEMU for %s (install the '
                       'QEMU system emulator of this machine, restart '
                       'libvirtd): %s' % (
                           os.uname().machine,
                           (version.stderr or version.stdout).strip()
                           .splitlines()[-1:]))
    return missing


def _alive(pid):
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    # a zombie of ours is not alive
    try:
        with open('/proc/%d/stat' % pid) as f:
            return f.read().split(')')[-1].split()[0] != 'Z'
    except OSError:
        return False


def _signal_group(pid, sig):
    """Signal the process group the recorded PID leads (uWSGI workers)."""
    try:
        os.killpg(pid, sig)
    except (ProcessLookupError, PermissionError):
        try:
            os.kill(pid, sig)
        except ProcessLookupError:
            pass


def _wait_tcp(address, port, timeout=60):
    import socket
    deadline = time.monotonic() + timeout
    while True:
        try:
            socket.create_connection((address, port), timeout=5).close()
            return
        except OSError:
            if time.monotonic() > deadline:
                raise RuntimeError('%s:%d does not answer' % (
                    address, port)) from None
            time.sleep(0.5)


def _wait_http(url, timeout=180):
    deadline = time.monotonic() + timeout
    while True:
        try:
            requests.get(url, timeout=5)
            return
        except requests.RequestException:
            if time.monotonic() > deadline:
                raise RuntimeError('%s does not answer' % url) from None
            time.sleep(1)


def new_request_id():
    return 'req-' + str(uuid.uuid4())
