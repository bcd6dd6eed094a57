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

"""A fake libvirt connection that is an aarch64 (or x86_64) host.

Builds on Nova's fake libvirt ``Connection`` and changes three things: the
host architecture its capabilities report, the aarch64 domain capabilities
it serves (from a given document), and a record of every guest definition
it was given, keyed by instance UUID.
"""

import collections
import functools
import os
import urllib.parse

from lxml import etree
from nova.objects import fields
from nova.tests.fixtures import libvirt as fakelibvirt
from nova.tests.fixtures import libvirt_data as fake_data
from nova.virt.libvirt import config as vconfig
from oslo_utils import versionutils

from nova_cca import glossary
from nova_cca.virt import model
from nova_cca_simulator import driver as sim_driver

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
        guests = dict(fake_data.CAPABILITIES_GUEST)
        if self.arch == fields.Architecture.AARCH64 and self.domcaps:
            guests[glossary.AARCH64] = self._aarch64_guest()
        document = ''.join(
            ['<capabilities>\n',
             fake_data.CAPABILITIES_HOST_TEMPLATES[self.arch]] +
            list(guests.values()) +
            ['</capabilities>'])
        return document % {'sockets': self.host_info.cpu_sockets,
                           'cores': self.host_info.cpu_cores,
                           'threads': self.host_info.cpu_threads,
                           'topology': topology}

    def compareCPU(self, xml, flags):
        # Nova's fake compares as an x86 host; an aarch64 host accepts a
        # CPU of its own architecture (libvirt's host-passthrough)
        if self.arch != fields.Architecture.AARCH64:
            return super().compareCPU(xml, flags)
        arch = etree.fromstring(xml.encode() if isinstance(xml, str)
                                else xml).findtext('arch')
        if arch and arch != self.arch:
            return fakelibvirt.VIR_CPU_COMPARE_INCOMPATIBLE
        return fakelibvirt.VIR_CPU_COMPARE_IDENTICAL

    def getDomainCapabilities(self, emulatorbin, arch, machine_type,
                              virt_type, flags):
        self.domain_capability_calls += 1
        if self.arch == fields.Architecture.AARCH64 and arch == self.arch \
                and self.domcaps is not None:
            return self._domcaps_text()
        return super().getDomainCapabilities(
            emulatorbin, arch, machine_type, virt_type, flags)

    def _aarch64_guest(self):
        try:
            text = self._domcaps_text()
        except fakelibvirt.libvirtError:
            # domain capabilities refused (fault injection): Nova's fake
            return fake_data.CAPABILITIES_GUEST[glossary.AARCH64]
        return aarch64_guest_for(text)

    def _domcaps_text(self):
        return self.domcaps() if callable(self.domcaps) else self.domcaps

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
        return self._migratable(super().defineXML(xml))

    def createXML(self, xml, flags):
        self._launch(xml)
        return self._migratable(super().createXML(xml, flags))

    def _migratable(self, domain):
        # Nova's fake domains fail every live migration; ours move
        domain.migrateToURI3 = functools.partial(self._migrate, domain)
        return domain

    def _migrate(self, domain, dconnuri, params, flags):
        """Live-migrate ``domain`` as libvirt would: the destination host
        (found by the host name in the URI) starts the guest from the
        destination XML Nova gives, and the source job completes.
        """
        destination = urllib.parse.urlparse(dconnuri).hostname
        try:
            connection = sim_driver.lookup(destination).connection
        except LookupError as e:
            raise fakelibvirt.make_libvirtError(
                fakelibvirt.libvirtError, 'cannot connect to %s: %s'
                % (dconnuri, e),
                error_code=fakelibvirt.VIR_ERR_OPERATION_FAILED,
                error_domain=fakelibvirt.VIR_FROM_QEMU)
        connection.createXML(params.get('destination_xml') or
                             domain.XMLDesc(0), 0)
        domain.complete_job()

    def last_guest_xml(self, instance_uuid):
        """The XML libvirt was given at the instance's last spawn, or None."""
        history = self.guest_xml.get(instance_uuid)
        return history[-1] if history else None


def _virt_version(machine):
    """(9, 2) for 'virt-9.2'; None for anything else."""
    prefix = model.REALM_MACHINE_TYPE + '-'
    if not machine.startswith(prefix):
        return None
    try:
        return tuple(int(p) for p in machine[len(prefix):].split('.'))
    except ValueError:
        return None


def aarch64_guest_for(domcaps_xml):
    """The aarch64 ``<guest>`` of getCapabilities() matching domcaps.

    Nova checks an image's ``hw_machine_type`` against the machines the
    host's capabilities list. A real host lists the ``virt`` machine whose
    domain capabilities it reports (``<machine>virt-X.Y</machine>``), the
    ``virt`` alias of it and the older versioned ``virt`` machines; so does
    the simulated one. Other machines are those of Nova's fake, and all
    of them for a document that does not parse.
    """
    try:
        current = etree.fromstring(domcaps_xml.encode()).findtext('machine')
    except etree.XMLSyntaxError:
        # a broken document (fault injection): Nova's fake machines
        return fake_data.CAPABILITIES_GUEST[glossary.AARCH64]
    guest = etree.fromstring(fake_data.CAPABILITIES_GUEST[glossary.AARCH64])
    arch = guest.find('arch')
    newest = _virt_version(current or '')
    for machine in arch.findall('machine'):
        version = _virt_version(machine.text)
        if machine.text == model.REALM_MACHINE_TYPE or (
                version is not None and newest is not None and
                version >= newest):
            arch.remove(machine)
    if newest is not None:
        position = arch.index(arch.find('machine'))
        for name, canonical in ((model.REALM_MACHINE_TYPE, current),
                                (current, None)):
            element = etree.Element('machine', maxCpus='512')
            if canonical:
                element.set('canonical', canonical)
            element.text = name
            arch.insert(position, element)
    return etree.tostring(guest).decode()
