"""``compute_driver = libvirt_cca.SimulatedLibvirtCCADriver``.

:class:`~nova_cca.driver.LibvirtCCADriver` on a simulated hypervisor: the
driver and its RealmHost are the production classes; only what touches the
machine is replaced - the libvirt connection (a per-host
:class:`~nova_cca.simulation.libvirt.SimulatedConnection`), the node UUID
(one per simulated host instead of one per machine) and copying instance
disks on cold migration (a simulated host writes none).
"""

import dataclasses
import threading

from nova_cca import driver as realm_driver
from nova_cca import host as realm_host

_lock = threading.Lock()
_hypervisors = {}


@dataclasses.dataclass
class Hypervisor:
    """What a simulated compute host runs on."""

    connection: object
    node_uuid: str
    #: where the host reads [arm_cca] from; None for nova.conf
    conf: object = None
    #: local disk for instances
    disk_gb: int = 200


def register(hostname, hypervisor):
    with _lock:
        _hypervisors[hostname] = hypervisor


def unregister(hostname):
    with _lock:
        _hypervisors.pop(hostname, None)


def lookup(hostname):
    with _lock:
        try:
            return _hypervisors[hostname]
        except KeyError:
            raise LookupError(
                'no simulated hypervisor registered for compute host %r'
                % hostname) from None


class SimulatedRealmHost(realm_host.RealmHost):

    hypervisor = None

    def attach(self, hypervisor):
        self.hypervisor = hypervisor
        if hypervisor.conf is not None:
            self.conf = hypervisor.conf

    def get_connection(self):
        if self.hypervisor is None:
            raise RuntimeError('simulated host used before init_host()')
        return self.hypervisor.connection

    def get_node_uuid(self):
        return self.hypervisor.node_uuid

    def get_online_cpus(self):
        return set(range(self.hypervisor.connection.host_info.cpus))


class SimulatedLibvirtCCADriver(realm_driver.LibvirtCCADriver):

    host_class = SimulatedRealmHost

    def init_host(self, host):
        self._host.attach(lookup(host))
        super().init_host(host)

    def _get_local_gb_info(self):
        total = self._host.hypervisor.disk_gb
        return {'total': total, 'used': 0, 'free': total}

    def migrate_disk_and_power_off(self, context, instance, dest, flavor,
                                   network_info, block_device_info=None,
                                   timeout=0, retry_interval=0):
        self.power_off(instance, timeout, retry_interval)
        return '[]'  # no instance disks to copy
