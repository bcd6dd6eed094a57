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

"""A Nova compute service on a simulated host, as a fixture.

The service is Nova's real compute service (manager, resource tracker,
report client) running ``compute_driver =
libvirt_cca.SimulatedLibvirtCCADriver`` on a
:class:`~nova_cca_simulator.libvirt.SimulatedConnection`. It needs the
environment of Nova's functional tests around it (database, RPC, Placement,
``LibvirtFixture``), which provides ``start_service``.
"""

import uuid

import fixtures
from nova.objects import fields

from nova_cca_simulator import driver as sim_driver
from nova_cca_simulator import libvirt as sim_libvirt


class HostConf:
    """nova.conf as one simulated host sees it: its own ``[arm_cca]``.

    Every simulated compute of a process shares nova.conf; a HostConf
    overrides the ``[arm_cca]`` options of one host (its RealmHost reads
    them from here) and falls back to nova.conf for the rest.
    """

    class _Group:
        def __init__(self, group, overrides):
            self._group = group
            self._overrides = dict(overrides)

        def __getattr__(self, name):
            if name in self._overrides:
                return self._overrides[name]
            return getattr(self._group, name)

    def __init__(self, conf, arm_cca):
        self.arm_cca = self._Group(conf.arm_cca, arm_cca)


class SimulatedComputeHost(fixtures.Fixture):
    """Start (and restart) one compute service on a simulated host.

    :param start_service: ``start_service(binary, host=..., cell_name=...)``
        of a Nova functional test (``nova.test.TestCase.start_service``);
        ``[DEFAULT] compute_driver`` must be :data:`glossary.SIMULATED_DRIVER`
    :param hostname: compute host and node name
    :param arch: ``aarch64`` or ``x86_64``
    :param domcaps: aarch64 domain capabilities: an XML string, or a
        callable returning one (read at every libvirt call)
    :param conf: what the host's ``[arm_cca]`` options are read from (a
        per-host view of nova.conf); None for nova.conf itself
    """

    def __init__(self, start_service, hostname,
                 arch=fields.Architecture.AARCH64, domcaps=None, vcpus=8,
                 memory_mb=16384, disk_gb=200, conf=None, cell_name=None):
        super().__init__()
        self._start_service = start_service
        self.hostname = hostname
        self.arch = arch
        self.cell_name = cell_name
        self.connection = sim_libvirt.SimulatedConnection(
            arch=arch, domcaps=domcaps,
            info=sim_libvirt.host_info(arch, vcpus, memory_mb),
            hostname=hostname)
        self.hypervisor = sim_driver.Hypervisor(
            connection=self.connection,
            node_uuid=str(uuid.uuid5(uuid.NAMESPACE_DNS, hostname)),
            conf=conf, disk_gb=disk_gb)
        self.service = None

    def _setUp(self):
        sim_driver.register(self.hostname, self.hypervisor)
        self.addCleanup(sim_driver.unregister, self.hostname)
        self.start()
        self.addCleanup(self.stop)

    @property
    def driver(self):
        return self.service.manager.driver

    def start(self):
        """Start a new compute service (and manager) on this host."""
        self.service = self._start_service(
            'compute', host=self.hostname, cell_name=self.cell_name)
        return self.service

    def stop(self):
        if self.service is not None:
            self.service.stop()
            self.service = None

    def restart(self):
        """Stop the service and start a brand-new one on the same host.

        The simulated hypervisor (its guests, its domain capabilities) stays.
        """
        self.stop()
        return self.start()

    def guest_xml(self, instance_uuid):
        """The XML libvirt was given at the instance's last spawn here."""
        return self.connection.last_guest_xml(instance_uuid)
