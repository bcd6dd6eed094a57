"""A Nova compute service on a simulated host, as a fixture.

The service is Nova's real compute service (manager, resource tracker,
report client) running ``compute_driver = libvirt_cca.LibvirtCCADriver``
on a :class:`~nova_cca.simulation.libvirt.SimulatedConnection`. It needs
the environment of Nova's functional tests around it (database, RPC,
Placement, ``LibvirtFixture``), which provides ``start_service``.
"""

import contextlib
import uuid
from unittest import mock

import fixtures
from nova.objects import fields

from nova_cca.simulation import libvirt as sim_libvirt

DRIVER = 'libvirt_cca.LibvirtCCADriver'


class SimulatedComputeHost(fixtures.Fixture):
    """Start (and restart) one compute service on a simulated host.

    :param start_service: ``start_service(binary, host=..., cell_name=...)``
        of a Nova functional test (``nova.test.TestCase.start_service``)
    :param hostname: compute host and node name
    :param arch: ``aarch64`` or ``x86_64``
    :param domcaps: aarch64 domain capabilities: an XML string, or a
        callable returning one (read at every libvirt call)
    :param conf: what the host's ``[arm_cca]`` options are read from (a
        per-host view of nova.conf); None for nova.conf itself
    """

    def __init__(self, start_service, hostname,
                 arch=fields.Architecture.AARCH64, domcaps=None, vcpus=8,
                 memory_mb=16384, conf=None, cell_name=None):
        super().__init__()
        self._start_service = start_service
        self.hostname = hostname
        self.arch = arch
        self.conf = conf
        self.cell_name = cell_name
        self.node_uuid = str(uuid.uuid5(uuid.NAMESPACE_DNS, hostname))
        self.connection = sim_libvirt.SimulatedConnection(
            arch=arch, domcaps=domcaps,
            info=sim_libvirt.host_info(arch, vcpus, memory_mb),
            hostname=hostname)
        self.service = None

    def _setUp(self):
        self.start()
        self.addCleanup(self.stop)

    @property
    def driver(self):
        return self.service.manager.driver

    def start(self):
        """Start a new compute service (and manager) on this host."""
        connection = self.connection
        with mock.patch('nova.virt.libvirt.host.Host.get_connection',
                        new=lambda host: connection), \
                mock.patch('nova.virt.node.get_local_node_uuid',
                           new=lambda: self.node_uuid), \
                _realm_host_conf(self.conf):
            self.service = self._start_service(
                'compute', host=self.hostname, cell_name=self.cell_name)
        driver = self.service.manager.driver
        driver._host.get_connection = lambda: self.connection
        driver.migrate_disk_and_power_off = self._make_disk_mover(driver)
        return self.service

    @staticmethod
    def _make_disk_mover(driver):
        # A simulated host has no instance disks to copy to another host
        # (images are never written): power the guest off, report no disks.
        def migrate_disk_and_power_off(context, instance, dest, flavor,
                                       network_info, block_device_info=None,
                                       timeout=0, retry_interval=0):
            driver.power_off(instance, timeout, retry_interval)
            return '[]'
        return migrate_disk_and_power_off

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


def _realm_host_conf(conf):
    """While the driver is built, make its RealmHost read ``conf``."""
    if conf is None:
        return contextlib.nullcontext()
    from nova_cca import host as realm_host
    original = realm_host.RealmHost.__init__

    def init(self, *args, **kwargs):
        kwargs.setdefault('conf', conf)
        original(self, *args, **kwargs)
    return mock.patch.object(realm_host.RealmHost, '__init__', init)
