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


"""A libvirt domain XML read as the QEMU realm launch it describes.

libvirt turns the XML into a QEMU command line; the elements that change
what QEMU loads into the realm, and so its RIM, are read here:

=================================================  ==========================
XML                                                QEMU
=================================================  ==========================
``<memory>``, ``<maxMemory slots>``                ``-m size,slots,maxmem``
``<vcpu>``                                         ``-smp``
``<os><kernel>``, ``<initrd>``, ``<cmdline>``      ``-kernel``, ``-initrd``,
                                                   ``-append``
``<os><loader>``                                   ``-bios`` (realm firmware
                                                   is not run from pflash)
``<os><dtb>``                                      ``-dtb``
``<features><pmu state>``                          ``-cpu pmu=on|off``
``<features><gic version>``                        ``gic-version`` (3 only)
``<cpu><feature name='sve…'>``                     ``-cpu sve…=on|off``
``<launchSecurity type='cca' measurement-log>``,   ``rme-guest`` properties
``<measurement-algo>``,
``<personalization-value>``
=================================================  ==========================

Files the XML names are the host's paths: a tenant gives local copies of
the same files instead (:func:`read`'s ``files``).
"""

import dataclasses
import xml.etree.ElementTree as ElementTree

from nova_cca_attest import personalization
from nova_cca_attest.reference import payload
from nova_cca_attest.reference import ReferenceError

UNITS = {'b': 1, 'bytes': 1, 'kb': 10 ** 3, 'k': 1 << 10, 'kib': 1 << 10,
         'mb': 10 ** 6, 'm': 1 << 20, 'mib': 1 << 20, 'gb': 10 ** 9,
         'g': 1 << 30, 'gib': 1 << 30, 'tb': 10 ** 12, 't': 1 << 40,
         'tib': 1 << 40}
PAYLOADS = ('kernel', 'initrd', 'firmware', 'dtb')


@dataclasses.dataclass
class DomainLaunch:
    """What a domain XML asks of QEMU for its realm."""
    name: str
    launch: payload.Launch
    #: the RPV the XML asks for (None: not set, the RMM then uses zeros)
    rpv: bytes = None
    max_memory: int = None
    slots: int = 0
    #: host paths of the payload files the XML names
    paths: dict = dataclasses.field(default_factory=dict)


def _size(element, what):
    try:
        value = int(element.text.strip())
    except (AttributeError, ValueError):
        raise ReferenceError('%s must be an integer' % what) from None
    unit = element.get('unit', 'KiB').lower()
    if unit not in UNITS:
        raise ReferenceError('%s has an unknown unit %r' % (what, unit))
    return value * UNITS[unit]


def _text(root, path):
    element = root.find(path)
    if element is None or element.text is None:
        return None
    return element.text.strip()


def parse(xml_text: str) -> DomainLaunch:
    """The realm launch ``xml_text`` (a libvirt domain XML) describes."""
    try:
        root = ElementTree.fromstring(xml_text)
    except ElementTree.ParseError as e:
        raise ReferenceError('not a domain XML: %s' % e) from None
    if root.tag != 'domain':
        raise ReferenceError('not a domain XML: the root is <%s>' % root.tag)
    security = root.find('launchSecurity')
    if security is None or security.get('type') != 'cca':
        raise ReferenceError("the domain is not a realm (no <launchSecurity "
                             "type='cca'>)")
    os_type = root.find('os/type')
    if os_type is not None:
        if os_type.get('arch') not in (None, 'aarch64'):
            raise ReferenceError('a realm is aarch64, the domain is %s'
                                 % os_type.get('arch'))
        machine = os_type.get('machine') or 'virt'
        if not machine.startswith('virt'):
            raise ReferenceError("only QEMU's virt machine is modelled, the "
                                 "domain uses %r" % machine)
    memory = root.find('memory')
    if memory is None:
        raise ReferenceError('the domain has no <memory>')
    launch = payload.Launch(memory=_size(memory, '<memory>'))
    vcpu = root.find('vcpu')
    if vcpu is not None:
        try:
            launch.cpus = int(vcpu.text.strip())
        except (AttributeError, ValueError):
            raise ReferenceError('<vcpu> must be an integer') from None
        if vcpu.get('current') not in (None, vcpu.text.strip()):
            raise ReferenceError('vCPU hot-plug (<vcpu current>) is not '
                                 'modelled')
    result = DomainLaunch(name=_text(root, 'name') or '', launch=launch)
    max_memory = root.find('maxMemory')
    if max_memory is not None:
        result.max_memory = _size(max_memory, '<maxMemory>')
        result.slots = int(max_memory.get('slots', '0'))
    launch.bootargs = _text(root, 'os/cmdline')
    for name, path in (('kernel', 'os/kernel'), ('initrd', 'os/initrd'),
                       ('firmware', 'os/loader'), ('dtb', 'os/dtb')):
        value = _text(root, path)
        if value:
            result.paths[name] = value
    pmu = root.find('features/pmu')
    if pmu is not None:
        launch.pmu = pmu.get('state', 'on') == 'on'
    gic = root.find('features/gic')
    if gic is not None and gic.get('version') not in (None, '3', 'host'):
        raise ReferenceError('a realm needs GICv3, the domain asks for '
                             'GIC version %s' % gic.get('version'))
    for feature in root.findall('cpu/feature'):
        name, policy = feature.get('name', ''), feature.get('policy')
        if name == 'sve' and policy in ('disable', 'forbid'):
            launch.sve_vl = 0
        elif name.startswith('sve') and name[3:].isdigit():
            length = int(name[3:])
            if policy in ('require', 'force'):
                launch.sve_vl = max(launch.sve_vl or 0, length)
            elif policy in ('disable', 'forbid') and \
                    (launch.sve_vl or 0) >= length:
                launch.sve_vl = length // 2
    launch.measurement_log = security.get('measurement-log') == 'yes'
    algorithm = _text(security, 'measurement-algo')
    if algorithm:
        launch.algorithm = algorithm
    rpv = _text(security, 'personalization-value')
    if rpv:
        try:
            result.rpv = personalization.decode(rpv)
        except ValueError as e:
            raise ReferenceError(str(e)) from None
    return result


def read(xml_text: str, files: dict = None) -> DomainLaunch:
    """:func:`parse`, with the payload files' contents: ``files`` maps a
    payload (kernel, initrd, firmware, dtb) to a local path that replaces
    the host path the XML names.
    """
    domain = parse(xml_text)
    files = {name: path for name, path in (files or {}).items() if path}
    for name in PAYLOADS:
        path = files.get(name) or domain.paths.get(name)
        if not path:
            continue
        try:
            with open(path, 'rb') as f:
                setattr(domain.launch, name, f.read())
        except OSError as e:
            raise ReferenceError('cannot read the %s %s: %s%s' % (
                name, path, e.strerror or e,
                '' if name in files else ' (the path the domain XML names; '
                'give a local copy with --%s)' % name)) from None
    return domain
