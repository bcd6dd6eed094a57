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

"""tools/deploy: the files it writes and the choice of the real host.

The deployment itself (processes, MariaDB, RabbitMQ, libvirtd) is run by
``tools/run-tests`` after pytest: ``tools/deploy start``, ``check``,
``stop``. These tests cover what can be judged without starting it.
"""

import configparser
import json
import os

import pytest

from nova_cca_deploy import __main__ as deploy_cli
from nova_cca_deploy import configs
from nova_cca_deploy import control
from nova_cca_deploy import network
from nova_cca_deploy import relay
from nova_cca_deploy import topology


@pytest.fixture
def paths(tmp_path):
    paths = topology.Paths(str(tmp_path / 'deploy'))
    paths.makedirs()
    return paths


def _read(path):
    parser = configparser.RawConfigParser()
    parser.optionxform = str
    parser.read(path)
    return parser


def test_simulated_compute_config(paths):
    host = topology.SIMULATED_HOSTS[1]
    conf = _read(configs.compute_conf(paths, host.name, simulated=host))
    # Nova refuses database settings in nova-compute
    assert not conf.has_section('database')
    assert not conf.has_section('api_database')
    assert conf.get('DEFAULT', 'host') == host.name
    assert conf.get('DEFAULT', 'compute_driver') == (
        'libvirt_cca.SimulatedLibvirtCCADriver')
    assert conf.get('simulated_host', 'domain_capabilities') == (
        host.domain_capabilities)
    assert conf.getint('simulated_host', 'vcpus') == host.vcpus
    assert conf.getint('arm_cca', 'max_guests') == host.max_guests
    assert not conf.has_section('libvirt')


def test_simulated_compute_without_max_guests_leaves_it_unset(paths):
    host = topology.SIMULATED_HOSTS[0]
    assert host.max_guests is None
    conf = _read(configs.compute_conf(paths, host.name, simulated=host))
    assert not conf.has_option('arm_cca', 'max_guests')


def test_real_compute_config(paths):
    name = topology.REAL_HOST
    conf = _read(configs.compute_conf(paths, name))
    assert conf.get('DEFAULT', 'compute_driver') == (
        'libvirt_cca.LibvirtCCADriver')
    assert conf.get('libvirt', 'virt_type') == 'qemu'
    assert conf.get('libvirt', 'connection_uri') == 'qemu:///system'
    # stop removes exactly the domains with this prefix
    assert conf.get('DEFAULT', 'instance_name_template').startswith(
        topology.REAL_DOMAIN_PREFIX)
    helper = conf.get('nova_sys_admin', 'helper_command')
    assert 'privsep-helper' in helper
    assert paths.conf('compute-%s.conf' % name) in helper
    assert not conf.has_section('simulated_host')
    assert not conf.has_section('database')
    # a libvirt compute otherwise takes minutes to stop on SIGTERM
    assert conf.getint('DEFAULT', 'manager_shutdown_timeout') <= 10


def test_placement_retries_no_allocation_write_in_its_transaction(paths):
    conf = _read(configs.placement_conf(paths))
    assert conf.get('placement', 'allocation_conflict_retry_count') == '1'
    assert conf.get('api', 'auth_strategy') == 'noauth2'


def test_api_paste_has_no_authtoken(paths):
    conf = _read(configs.api_paste(paths))
    pipelines = [conf.get(s, k) for s in conf.sections()
                 for k in ('keystone', 'pipeline') if conf.has_option(s, k)]
    assert pipelines
    assert all('authtoken' not in p.split() for p in pipelines)
    assert any('keystonecontext' in p.split() for p in pipelines)


def test_images_include_a_plain_image_of_the_machine(paths):
    control.Deployment(paths.root).write_configs(real_host=True)
    with open(paths.conf('images.json')) as f:
        images = {i['id']: i for i in json.load(f)}
    # BIOS, the machine's architecture: no UEFI (Nova 34 + libvirt < 9.2)
    assert images[control.HOST_ARCH_IMAGE]['properties'] == {
        'hw_architecture': os.uname().machine}
    assert os.path.exists(paths.conf('compute-%s.conf' % topology.REAL_HOST))
    assert os.path.isdir(paths.host_dir(topology.REAL_HOST, 'instances'))


class RecordingDeployment:
    started = []

    def __init__(self, root):
        self.root = root

    def start(self, real_host=None, namespaces=None):
        self.started.append((real_host, namespaces))


@pytest.mark.parametrize('argv, expected', [
    (['start'], (None, None)),
    (['start', '--real-host'], (True, None)),
    (['start', '--no-real-host'], (False, None)),
    (['start', '--namespaces'], (None, True)),
    (['start', '--no-namespaces', '--no-real-host'], (False, False)),
])
def test_start_choices(monkeypatch, argv, expected):
    RecordingDeployment.started = []
    monkeypatch.setattr(control, 'Deployment', RecordingDeployment)
    assert deploy_cli.main(argv) == 0
    assert RecordingDeployment.started == [expected]


def test_real_host_options_exclude_each_other(monkeypatch, capsys):
    monkeypatch.setattr(control, 'Deployment', RecordingDeployment)
    with pytest.raises(SystemExit) as e:
        deploy_cli.main(['start', '--real-host', '--no-real-host'])
    assert e.value.code == 2
    assert 'not allowed with' in capsys.readouterr().err


def test_real_host_missing_names_libvirtd(monkeypatch):
    monkeypatch.setattr(control.shutil, 'which', lambda name: None)
    missing = control.real_host_missing()
    assert 'libvirtd is not running' in missing


def test_required_real_host_that_cannot_run_stops_start(monkeypatch, paths):
    monkeypatch.setattr(control, 'real_host_missing',
                        lambda: ['libvirtd is not running'])
    with pytest.raises(SystemExit) as e:
        control.Deployment(paths.root).start(real_host=True)
    assert 'libvirtd is not running' in str(e.value)
    # refused before anything of an earlier deployment was removed
    assert os.path.isdir(paths.etc)


def test_compute_in_a_namespace_reaches_the_control_plane_on_the_bridge(
        paths):
    host = topology.SIMULATED_HOSTS[0]
    conf = _read(configs.compute_conf(paths, host.name, simulated=host,
                                      my_ip='10.199.0.10'))
    bridge = topology.BRIDGE_ADDRESS
    assert conf.get('DEFAULT', 'my_ip') == '10.199.0.10'
    assert conf.get('DEFAULT', 'transport_url') == (
        'rabbit://guest:guest@%s:5672/nova_cca' % bridge)
    assert conf.get('placement', 'endpoint_override') == (
        'http://%s:%d' % (bridge, topology.PLACEMENT_PORT))
    assert conf.get('glance', 'endpoint_override') == (
        'http://%s:%d' % (bridge, topology.STUB_PORT))
    assert conf.get('neutron', 'endpoint_override') == (
        'http://%s:%d' % (bridge, topology.STUB_PORT))


def test_compute_on_the_loopback_has_no_my_ip(paths):
    host = topology.SIMULATED_HOSTS[0]
    conf = _read(configs.compute_conf(paths, host.name, simulated=host))
    assert not conf.has_option('DEFAULT', 'my_ip')
    assert '@127.0.0.1:5672/' in conf.get('DEFAULT', 'transport_url')


def test_uwsgi_listens_on_every_address(paths):
    path = configs.uwsgi_ini(paths, 'placement', 'placement.wsgi.api:x',
                             18778, {'A': 'b'},
                             addresses=('127.0.0.1', '10.199.0.1'))
    with open(path) as f:
        lines = f.read().splitlines()
    assert 'http-socket = 127.0.0.1:18778' in lines
    assert 'http-socket = 10.199.0.1:18778' in lines
    assert 'buffer-size = 65535' in lines
    assert 'env = A=b' in lines


def test_addresses_follow_the_network():
    assert network.address(0) == '10.199.0.10'
    assert network.address(3) == '10.199.0.13'
    assert network.prefix_length() == 24
    # interface names are at most 15 characters
    for host in [h.name for h in topology.SIMULATED_HOSTS] + [
            topology.REAL_HOST]:
        assert len(network.link(host)) <= 15


def test_relay_forwards_both_ways():
    import asyncio

    async def scenario():
        async def echo(reader, writer):
            data = await reader.read(100)
            writer.write(b'broker:' + data)
            await writer.drain()
            writer.close()

        broker = await asyncio.start_server(echo, '127.0.0.1', 0)
        broker_port = broker.sockets[0].getsockname()[1]
        probe = await asyncio.start_server(lambda r, w: None,
                                           '127.0.0.1', 0)
        port = probe.sockets[0].getsockname()[1]
        probe.close()
        await probe.wait_closed()
        relay_task = asyncio.ensure_future(relay.serve(
            ('127.0.0.1', port), ('127.0.0.1', broker_port)))
        for _ in range(100):
            try:
                reader, writer = await asyncio.open_connection(
                    '127.0.0.1', port)
                break
            except OSError:
                await asyncio.sleep(0.05)
        writer.write(b'hello')
        await writer.drain()
        answer = await asyncio.wait_for(reader.read(100), 5)
        writer.close()
        relay_task.cancel()
        broker.close()
        return answer

    assert asyncio.run(scenario()) == b'broker:hello'


def test_relay_refuses_a_bad_endpoint():
    with pytest.raises(SystemExit) as e:
        relay.main(['localhost', '127.0.0.1:5672'])
    assert "'localhost' is not address:port" in str(e.value)
