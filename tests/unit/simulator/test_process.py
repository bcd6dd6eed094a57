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

"""A simulated host as a process of its own: its options and identity."""

import uuid

import nova.conf
from oslo_config import cfg
import pytest

from nova_cca_simulator import domcaps
from nova_cca_simulator import process


@pytest.fixture
def conf(tmp_path):
    conf = nova.conf.CONF
    try:
        conf.config_file
    except cfg.NoSuchOptError:  # nova.virt.node reads it: parse nothing
        conf([], project='nova', default_config_files=[])
    process.register_opts(conf)
    conf.set_override('state_path', str(tmp_path))
    yield conf
    conf.clear_override('state_path')
    conf.clear_override('node_uuid', group='simulated_host')


def test_domain_capabilities_shipped_name():
    assert process.domain_capabilities(domcaps.CCA_SHA256) == \
        domcaps.packaged(domcaps.CCA_SHA256)


def test_domain_capabilities_path(tmp_path):
    path = tmp_path / 'caps.xml'
    path.write_text('<domainCapabilities/>')
    assert process.domain_capabilities(str(path)) == '<domainCapabilities/>'


def test_domain_capabilities_unknown_names_the_option():
    with pytest.raises(ValueError, match=r'\[simulated_host\] '
                       r'domain_capabilities = nope.xml'):
        process.domain_capabilities('nope.xml')


def test_node_uuid_generated_once_and_kept(conf, tmp_path):
    first = process.node_uuid(conf)
    assert (tmp_path / 'compute_id').read_text().strip() == first
    assert process.node_uuid(conf) == first


def test_node_uuid_from_config_written(conf, tmp_path):
    wanted = str(uuid.uuid4())
    conf.set_override('node_uuid', wanted, group='simulated_host')
    assert process.node_uuid(conf) == wanted
    assert (tmp_path / 'compute_id').read_text().strip() == wanted


def test_node_uuid_mismatch_refused(conf, tmp_path):
    (tmp_path / 'compute_id').write_text(str(uuid.uuid4()))
    conf.set_override('node_uuid', str(uuid.uuid4()),
                      group='simulated_host')
    with pytest.raises(ValueError, match='node_uuid'):
        process.node_uuid(conf)


@pytest.mark.parametrize('driver, expected', [
    ('libvirt_cca.SimulatedLibvirtCCADriver', True),
    ('libvirt_cca.LibvirtCCADriver', False),
])
def test_wants_simulated_host(tmp_path, driver, expected):
    path = tmp_path / 'compute.conf'
    path.write_text('[DEFAULT]\ncompute_driver = %s\n' % driver)
    argv = ['--config-file', str(path), '--debug']
    assert process.wants_simulated_host(argv) is expected


def test_options_listed_for_oslo_config():
    (group, opts), = process.list_opts()
    assert group == 'simulated_host'
    assert {o.name for o in opts} >= {'domain_capabilities', 'vcpus',
                                      'memory_mb', 'disk_gb', 'arch',
                                      'node_uuid'}
    assert all(isinstance(o, cfg.Opt) for o in opts)


def test_reading_the_options_loads_no_libvirt_module():
    # A simulated compute process installs the fake libvirt after reading
    # its options and before Nova's libvirt modules load.
    import subprocess
    import sys
    code = ("import sys, nova.cmd.compute\n"
            "from nova_cca_simulator import process\n"
            "print(sorted(m for m in sys.modules\n"
            "             if m.startswith('nova.virt.libvirt')))\n")
    out = subprocess.run([sys.executable, '-c', code], capture_output=True,
                         text=True, check=True).stdout
    assert out.strip() == '[]'
