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

"""``compute_driver = libvirt_cca.SimulatedLibvirtCCADriver``.

:class:`~nova_cca.virt.libvirt.driver.LibvirtCCADriver` on a simulated
hypervisor: the driver and its RealmHost are the production classes; only
what touches the machine is replaced - the libvirt connection (a per-host
:class:`~nova_cca_simulator.libvirt.SimulatedConnection`), the node UUID
(one per simulated host instead of one per machine), instance disks (a
simulated host writes none) and copying them on cold migration.

A hypervisor comes from the registry below when the in-process simulation
registered one for the host, otherwise (a compute process of its own) from
the ``[simulated_host]`` options (:mod:`nova_cca_simulator.process`).
"""

import dataclasses
import os
import threading

from nova.virt.libvirt import utils as libvirt_utils

from nova_cca.virt.libvirt import driver as realm_driver
from nova_cca.virt.libvirt import host as realm_host
from nova_cca_simulator import process as sim_process

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
        self._host.attach(self._hypervisor(host))
        super().init_host(host)

    @staticmethod
    def _hypervisor(host):
        try:
            return lookup(host)
        except LookupError:
            if not sim_process.is_installed():
                raise
        import nova.conf
        return sim_process.hypervisor(nova.conf.CONF, host)

    def _create_image(self, context, instance, *args, **kwargs):
        # no instance disks: only the instance directory (console log)
        path = libvirt_utils.get_instance_path(instance)
        created = not os.path.exists(path)
        os.makedirs(path, exist_ok=True)
        return created, False

    def _get_local_gb_info(self):
        total = self._host.hypervisor.disk_gb
        return {'total': total, 'used': 0, 'free': total}

    def migrate_disk_and_power_off(self, context, instance, dest, flavor,
                                   network_info, block_device_info=None,
                                   timeout=0, retry_interval=0):
        self.power_off(instance, timeout, retry_interval)
        return '[]'  # no instance disks to copy
