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

from nova_cca.deployment import configs
from nova_cca.deployment import topology

BIN = os.path.dirname(sys.executable)
#: the images the stub serves (stable ids: the check refers to them)
PLAIN_IMAGE = '6c1f1d6e-2a2b-4d5e-9c3a-000000000001'
REALM_IMAGE = '6c1f1d6e-2a2b-4d5e-9c3a-000000000002'
#: aarch64 with stateless firmware: what a realm flavor boots
STATELESS_IMAGE = '6c1f1d6e-2a2b-4d5e-9c3a-000000000003'
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

    def start(self, real_host=None):
        started = time.monotonic()
        if self.alive():
            raise SystemExit('a deployment is running (%s): tools/deploy '
                             'stop first' % ', '.join(self.alive()))
        if os.path.isdir(self.paths.root):
            shutil.rmtree(self.paths.root)
        self.paths.makedirs()
        if real_host is None:
            real_host = (libvirtd_running() and _has_libvirt_python() and
                         _libvirt_has_emulator())
            if not real_host:
                log('no compute on the real libvirtd (libvirtd, '
                    'libvirt-python or a QEMU for this machine missing)')
        self.write_configs(real_host)
        self.prepare_databases()
        self.prepare_bus()
        self.start_stub()
        self.start_control_plane()
        configs_dir = self.paths.etc
        _run([os.path.join(BIN, 'nova-cca'), 'traits', '--config-file',
              os.path.join(configs_dir, 'nova.conf')])
        log('realm traits created in Placement')
        hosts = [h.name for h in topology.SIMULATED_HOSTS]
        if real_host:
            hosts.append(topology.REAL_HOST)
        for host in hosts:
            self.spawn('compute-' + host, [
                os.path.join(BIN, 'nova-cca-compute'), '--config-file',
                self.paths.conf('compute-%s.conf' % host)])
        self.wait_for_hosts(hosts)
        elapsed = time.monotonic() - started
        with open(self.paths.ready_file(), 'w') as f:
            json.dump({'hosts': hosts, 'seconds_to_ready': round(elapsed, 1),
                       'real_host': bool(real_host)}, f)
        log('cloud ready in %.0f s: %s' % (elapsed, ', '.join(hosts)))

    def write_configs(self, real_host):
        paths = self.paths
        configs.nova_conf(paths)
        configs.placement_conf(paths)
        configs.api_paste(paths)
        for host in topology.SIMULATED_HOSTS:
            configs.compute_conf(paths, host.name, simulated=host)
        if real_host:
            configs.compute_conf(paths, topology.REAL_HOST)
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

    def start_stub(self):
        self.spawn('stub', [sys.executable, '-m',
                            'nova_cca.deployment.stub',
                            self.paths.conf('images.json'),
                            str(topology.STUB_PORT)])
        _wait_http('http://127.0.0.1:%d/v2/images' % topology.STUB_PORT)

    def start_control_plane(self):
        paths = self.paths
        uwsgi = os.path.join(BIN, 'uwsgi')
        placement_ini = configs.uwsgi_ini(
            paths, 'placement', 'placement.wsgi.api:application',
            topology.PLACEMENT_PORT,
            {'OS_PLACEMENT_CONFIG_DIR': os.path.join(paths.etc,
                                                     'placement')})
        api_ini = configs.uwsgi_ini(
            paths, 'api', 'nova_cca.wsgi.osapi_compute:application',
            topology.COMPUTE_API_PORT,
            # Nova's WSGI application loads its paste pipeline from the
            # first file and its options from all of them
            {'OS_NOVA_CONFIG_DIR': paths.etc,
             'OS_NOVA_CONFIG_FILES': 'api-paste.ini;nova.conf'})
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
        from nova_cca.deployment import client
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


def _libvirt_has_emulator():
    """libvirtd knows a QEMU for this machine (Nova needs its version)."""
    return subprocess.run(['virsh', '-c', 'qemu:///system', 'version'],
                          capture_output=True).returncode == 0


def _has_libvirt_python():
    return subprocess.run([sys.executable, '-c', 'import libvirt'],
                          capture_output=True).returncode == 0


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
