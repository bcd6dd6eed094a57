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

"""What ``tools/deploy`` runs, and where: names, ports, paths."""

import dataclasses
import os

#: ports no other service on the development and CI machines uses
PLACEMENT_PORT = 18778
COMPUTE_API_PORT = 18774
STUB_PORT = 18792

DATABASES = {'api': 'nova_cca_api', 'cell0': 'nova_cca_cell0',
             'cell1': 'nova_cca', 'placement': 'placement_cca'}
DB_HOST = '127.0.0.1:3306'
RABBIT_VHOST = 'nova_cca'
RABBIT_PORT = 5672
#: where the control plane listens for its own processes and the check
LOOPBACK = '127.0.0.1'

#: the computes' network (docs/deployment.md, "Networks"): a bridge with
#: the control plane's address, one namespace per compute with one veth
#: link into it
NETNS_PREFIX = 'ncca-'
BRIDGE = 'ncca-br0'
NETWORK = '10.199.0.0/24'
BRIDGE_ADDRESS = '10.199.0.1'
#: the first compute gets .10, the next .11, ...
FIRST_HOST_ADDRESS = 10


def rabbit_url(address=LOOPBACK):
    return 'rabbit://guest:guest@%s:%d/%s' % (address, RABBIT_PORT,
                                              RABBIT_VHOST)


#: libvirt domain names of the real-libvirt compute (other users of the
#: machine's libvirtd keep theirs)
REAL_DOMAIN_PREFIX = 'nova-cca-deploy-'


@dataclasses.dataclass(frozen=True)
class SimulatedHost:
    name: str
    domain_capabilities: str
    vcpus: int
    memory_mb: int = 32768
    disk_gb: int = 400
    max_guests: int = None
    arch: str = 'aarch64'


#: two CCA hosts with different measurement algorithms (cca2 with
#: max_guests), one plain aarch64 host. Realm slots: cca1 12 (its CPUs at
#: cpu_allocation_ratio 1.0), cca2 8 (max_guests): 20 for 1-vCPU realms.
SIMULATED_HOSTS = (
    SimulatedHost('cca1', 'cca-sha256-sha512.xml', vcpus=12),
    SimulatedHost('cca2', 'cca-sha256.xml', vcpus=16, max_guests=8),
    SimulatedHost('plain1', 'no-cca.xml', vcpus=8),
)
CCA_HOSTS = ('cca1', 'cca2')
#: the compute on the machine's libvirtd
REAL_HOST = 'real1'


class Paths:
    """Everything a deployment writes, under ``<repo>/.deploy``."""

    def __init__(self, root):
        self.root = os.path.abspath(root)
        self.etc = os.path.join(self.root, 'etc')
        self.logs = os.path.join(self.root, 'logs')
        self.pids = os.path.join(self.root, 'pids')
        self.images = os.path.join(self.root, 'images')
        self.hosts = os.path.join(self.root, 'hosts')

    def conf(self, name):
        return os.path.join(self.etc, name)

    def log(self, name):
        return os.path.join(self.logs, name + '.log')

    def pid(self, name):
        return os.path.join(self.pids, name + '.pid')

    def host_dir(self, host, sub):
        return os.path.join(self.hosts, host, sub)

    def ready_file(self):
        return os.path.join(self.root, 'ready.json')

    def makedirs(self):
        for path in (self.etc, self.logs, self.pids, self.images,
                     self.hosts):
            os.makedirs(path, exist_ok=True)
