"""A fake libvirt connection that is an aarch64 (or x86_64) host.

Builds on Nova's fake libvirt ``Connection`` and changes three things: the
host architecture its capabilities report, the aarch64 domain capabilities
it serves (from a given document), and a record of every guest definition
it was given, keyed by instance UUID.
"""

import collections
import os

from lxml import etree
from nova.objects import fields
from nova.tests.fixtures import libvirt as fakelibvirt
from nova.tests.fixtures import libvirt_data as fake_data
from nova.virt.libvirt import config as vconfig
from oslo_utils import versionutils

#: versions of the libvirt/QEMU forks that carry CCA (late 2026)
LIBVIRT_VERSION = (11, 0, 0)
QEMU_VERSION = (9, 2, 0)


def host_info(arch, vcpus=8, memory_mb=16384):
    """A fake HostInfo of ``vcpus`` CPUs and ``memory_mb`` on one NUMA node.

    libvirt's getInfo() reports memory in MiB, which Nova's fake takes from
    ``kB_mem``; the NUMA cell gets the same memory in KiB.
    """
    info = fakelibvirt.HostInfo(cpu_nodes=1, cpu_sockets=1, cpu_cores=vcpus,
                                cpu_threads=1, kB_mem=memory_mb)
    info.numa_topology = fakelibvirt.NUMATopology(
        cpu_nodes=1, cpu_sockets=1, cpu_cores=vcpus, cpu_threads=1,
        kb_mem=memory_mb * 1024)
    info.arch = arch
    return info


class SimulatedConnection(fakelibvirt.Connection):

    def __init__(self, arch=fields.Architecture.AARCH64, domcaps=None,
                 info=None, hostname=None, libvirt_version=LIBVIRT_VERSION,
                 qemu_version=QEMU_VERSION, guest_xml_dir=None):
        super().__init__(
            'qemu:///system', host_info=info or host_info(arch),
            hostname=hostname,
            version=versionutils.convert_version_to_int(libvirt_version),
            hv_version=versionutils.convert_version_to_int(qemu_version))
        self.arch = arch
        #: the aarch64 domain capabilities document served to Nova
        self.domcaps = domcaps
        #: {instance uuid: [guest XML given to libvirt, oldest first]}
        self.guest_xml = collections.defaultdict(list)
        #: a directory where the last XML of each guest is also written,
        #: as <instance uuid>.xml (a simulated host in a process of its
        #: own), or None
        self.guest_xml_dir = guest_xml_dir
        #: getDomainCapabilities calls, for measuring caching
        self.domain_capability_calls = 0
        #: a libvirtError message to fail realm launches with (fault
        #: injection: the RMM refusing a realm), or None
        self.refuse_realms = None

    def getCapabilities(self):
        # Nova's fake picks the host by os.uname(); this host is self.arch.
        topology = self.host_info.numa_topology
        if isinstance(topology, vconfig.LibvirtConfigCapsNUMATopology):
            topology = topology.to_xml()
        document = ''.join(
            ['<capabilities>\n',
             fake_data.CAPABILITIES_HOST_TEMPLATES[self.arch]] +
            list(fake_data.CAPABILITIES_GUEST.values()) +
            ['</capabilities>'])
        return document % {'sockets': self.host_info.cpu_sockets,
                           'cores': self.host_info.cpu_cores,
                           'threads': self.host_info.cpu_threads,
                           'topology': topology}

    def getDomainCapabilities(self, emulatorbin, arch, machine_type,
                              virt_type, flags):
        self.domain_capability_calls += 1
        if self.arch == fields.Architecture.AARCH64 and arch == self.arch \
                and self.domcaps is not None:
            if callable(self.domcaps):
                return self.domcaps()
            return self.domcaps
        return super().getDomainCapabilities(
            emulatorbin, arch, machine_type, virt_type, flags)

    def _record(self, xml):
        try:
            uuid = etree.fromstring(xml.encode()).findtext('uuid')
        except etree.XMLSyntaxError:
            uuid = None
        self.guest_xml[uuid].append(xml)
        if self.guest_xml_dir and uuid:
            os.makedirs(self.guest_xml_dir, exist_ok=True)
            path = os.path.join(self.guest_xml_dir, '%s.xml' % uuid)
            with open(path + '.new', 'w') as f:
                f.write(xml)
            os.replace(path + '.new', path)

    def _launch(self, xml):
        if self.refuse_realms and '<launchSecurity' in xml:
            raise fakelibvirt.make_libvirtError(
                fakelibvirt.libvirtError, self.refuse_realms,
                error_code=fakelibvirt.VIR_ERR_INTERNAL_ERROR,
                error_domain=fakelibvirt.VIR_FROM_QEMU)
        self._record(xml)

    def defineXML(self, xml):
        self._launch(xml)
        return super().defineXML(xml)

    def createXML(self, xml, flags):
        self._launch(xml)
        return super().createXML(xml, flags)

    def last_guest_xml(self, instance_uuid):
        """The XML libvirt was given at the instance's last spawn, or None."""
        history = self.guest_xml.get(instance_uuid)
        return history[-1] if history else None
