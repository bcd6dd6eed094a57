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

"""A simulated host as a compute process of its own.

``nova-cca-compute --config-file host.conf`` with ``compute_driver =
libvirt_cca.SimulatedLibvirtCCADriver`` runs Nova's real compute service on
a simulated aarch64 (or x86_64) host described by the ``[simulated_host]``
options below. Nothing is shared with another process: the host's guests
live in its connection, its node identity in ``<state_path>/compute_id``
(Nova's own file) and the XML of its guests under
``<state_path>/guests/<instance uuid>.xml``, where a deployment check reads
a realm's domain XML.

The in-process simulation (``nova-cca simulate``, the functional tests)
registers its hypervisors with :mod:`nova_cca_simulator.driver` instead,
inside Nova's functional test environment, and never reads these options.
"""

import argparse
import os
import sys
import types
import uuid

from oslo_config import cfg

from nova_cca import glossary
from nova_cca_simulator import domcaps as sim_domcaps

GROUP = 'simulated_host'
_NOVA_LIBVIRT_MODULES = ('nova.virt.libvirt.driver', 'nova.virt.libvirt.host',
                         'nova.virt.libvirt.guest',
                         'nova.virt.libvirt.migration')

simulated_host_opts = [
    cfg.StrOpt('domain_capabilities',
               default=sim_domcaps.CCA_SHA256_SHA512,
               help='Domain capabilities the simulated libvirt serves for '
                    'aarch64: the name of a document shipped in '
                    'simulator/nova_cca_simulator/data/domcaps '
                    '(cca-sha256-sha512.xml, cca-sha256.xml, '
                    'cca-launch-security.xml, no-cca.xml) '
                    'or the path of an XML file.'),
    cfg.StrOpt('arch', default=glossary.AARCH64,
               choices=[glossary.AARCH64, 'x86_64'],
               help='Architecture of the simulated host.'),
    cfg.IntOpt('vcpus', default=8, min=1, max=64,
               help='Host CPUs.'),
    cfg.IntOpt('memory_mb', default=16384, min=512,
               help='Host memory in MiB.'),
    cfg.IntOpt('disk_gb', default=200, min=1,
               help='Local disk for instances in GiB.'),
    cfg.StrOpt('node_uuid',
               help='UUID of the compute node. Written to '
                    '<state_path>/compute_id at first start and checked '
                    'against it afterwards. Unset: Nova generates one at '
                    'first start and keeps it in that file.'),
]


def register_opts(conf):
    conf.register_opts(simulated_host_opts, group=GROUP)


def list_opts():
    return [(GROUP, simulated_host_opts)]


class _LibvirtModule(types.ModuleType):
    """``libvirt`` of a simulated host: Nova's fake libvirt, once loaded.

    Nova's libvirt modules bind ``libvirt`` when they are imported, and
    Nova's fake libvirt imports Nova's libvirt driver: this module stands
    in for ``libvirt`` while the fake loads and then answers for it.
    """

    fake = None

    def __getattr__(self, name):
        if self.fake is None:
            raise AttributeError(
                'libvirt.%s used before the fake libvirt loaded' % name)
        return getattr(self.fake, name)


def install_fake_libvirt():
    """Make Nova's fake libvirt this process's ``libvirt`` module.

    Runs in a compute process whose ``compute_driver`` is the simulated
    driver, after Nova chose its concurrency backend and before anything
    imports Nova's libvirt modules (before nova_cca.activate()). Nova's fake
    libvirt comes with Nova's test fixtures, whose package switches to
    eventlet on import unless ``OS_NOVA_DISABLE_EVENTLET_PATCHING`` says
    otherwise; a service runs with native threads, so it says so.
    """
    current = sys.modules.get('libvirt')
    if isinstance(current, _LibvirtModule):
        return current.fake
    loaded = [name for name in _NOVA_LIBVIRT_MODULES if name in sys.modules]
    if loaded:
        raise RuntimeError(
            'a simulated host needs the fake libvirt installed before Nova '
            'loads %s' % ', '.join(loaded))
    os.environ['OS_NOVA_DISABLE_EVENTLET_PATCHING'] = 'true'
    stand_in = _LibvirtModule('libvirt')
    sys.modules['libvirt'] = stand_in
    from nova.tests.fixtures import libvirt as fakelibvirt
    stand_in.fake = fakelibvirt
    return fakelibvirt


def is_installed():
    """Whether this process runs on the fake libvirt of a simulated host."""
    return isinstance(sys.modules.get('libvirt'), _LibvirtModule)


def wants_simulated_host(argv):
    """Whether the configuration in ``argv`` runs the simulated driver.

    Reads only ``compute_driver`` from the files ``--config-file`` and
    ``--config-dir`` name (the defaults of a Nova service otherwise), before
    Nova parses its configuration.
    """
    parser = argparse.ArgumentParser(add_help=False)
    parser.add_argument('--config-file', action='append', default=[])
    parser.add_argument('--config-dir', action='append', default=[])
    known, _ = parser.parse_known_args(list(argv))
    args = []
    for path in known.config_file:
        args += ['--config-file', path]
    for path in known.config_dir:
        args += ['--config-dir', path]
    conf = cfg.ConfigOpts()
    conf.register_opt(cfg.StrOpt('compute_driver'))
    conf(args, project='nova', use_env=False)
    return (conf.compute_driver or '').endswith(
        glossary.SIMULATED_DRIVER_CLASS)


def domain_capabilities(value):
    """The document ``[simulated_host] domain_capabilities`` names."""
    if os.sep in value or os.path.exists(value):
        try:
            with open(value) as f:
                return f.read()
        except OSError as e:
            raise ValueError(
                '[simulated_host] domain_capabilities = %s: %s'
                % (value, e.strerror)) from None
    try:
        return sim_domcaps.packaged(value)
    except FileNotFoundError:
        raise ValueError(
            '[simulated_host] domain_capabilities = %s: neither a file nor '
            'a shipped document' % value) from None


def node_uuid(conf):
    """This host's node UUID, kept in ``<state_path>/compute_id``."""
    from nova.virt import node

    configured = conf.simulated_host.node_uuid
    stored = node.read_local_node_uuid()
    if configured is None:
        return node.get_local_node_uuid()
    configured = str(uuid.UUID(configured))
    if stored is None:
        node.write_local_node_uuid(configured)
        return configured
    if stored != configured:
        raise ValueError(
            '[simulated_host] node_uuid = %s, but %s says this host is %s'
            % (configured, os.path.join(conf.state_path, node.COMPUTE_ID_FILE),
               stored))
    return stored


def hypervisor(conf, hostname):
    """The Hypervisor of this process's simulated host, from ``conf``."""
    from nova_cca_simulator import driver as sim_driver
    from nova_cca_simulator import libvirt as sim_libvirt

    register_opts(conf)
    opts = conf.simulated_host
    xml = domain_capabilities(opts.domain_capabilities)
    connection = sim_libvirt.SimulatedConnection(
        arch=opts.arch, domcaps=xml,
        info=sim_libvirt.host_info(opts.arch, opts.vcpus, opts.memory_mb),
        hostname=hostname,
        guest_xml_dir=os.path.join(conf.state_path, 'guests'))
    return sim_driver.Hypervisor(
        connection=connection, node_uuid=node_uuid(conf),
        disk_gb=opts.disk_gb)
