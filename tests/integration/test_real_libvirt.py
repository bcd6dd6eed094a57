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

"""The guest XML of our driver on the real libvirt and QEMU of this machine.

The XML comes from the real driver on simulated CCA hosts (Nova's
functional harness, :class:`_DriverXML`); this machine's libvirt (Debian's
9.0) and QEMU (7.2, aarch64 TCG) then have their say:

a) with ``<launchSecurity>`` removed (no CCA here) and only what belongs to
   this host adapted (see :func:`for_this_host`), every guest defines,
   starts, and runs its UEFI firmware; a realm keeps no NVRAM, the plain
   control guest does;
b) the complete realm XML is valid against the RelaxNG grammar installed
   with this libvirt extended by ours only
   (``tests/integration/schema/launch-security-cca.rng``);
c) this libvirt refuses ``<launchSecurity type='cca'>``: the day it does
   not, a libvirt with CCA support is installed and this suite says so.
"""

import base64
import collections
import contextlib
import fcntl
import glob
import json
import os
import shutil
import subprocess
import tempfile
import time
import traceback
import uuid

import libvirt
from lxml import etree
import pytest

from nova_cca.virt.libvirt import config as realm_guest
from nova_cca_simulator import harness
from tests.functional import base

LIBVIRT_SCHEMAS = '/usr/share/libvirt/schemas'
#: our grammar for <launchSecurity type='cca'>, read only by this test
OUR_GRAMMAR = os.path.join(os.path.dirname(__file__), 'schema',
                           'launch-security-cca.rng')
NVRAM_DIR = '/var/lib/libvirt/qemu/nvram'
#: firmware descriptors of the host's administrator (libvirt reads these
#: besides /usr/share/qemu/firmware)
FIRMWARE_DESCRIPTORS = '/etc/qemu/firmware'
DESCRIPTOR_PREFIX = '50-nova-cca-test-'
#: in FIRMWARE_DESCRIPTORS when the tests made it: which directories
DESCRIPTORS_MARKER = '.made-by-nova-cca-tests'
DESCRIPTORS_LOCK = os.path.join(tempfile.gettempdir(),
                                'nova-cca-test-firmware.lock')
AAVMF_CODE = '/usr/share/AAVMF/AAVMF_CODE.fd'
#: what AAVMF prints on the serial console when it starts
FIRMWARE_BANNER = b'UEFI firmware'
#: libvirt 9.2.0 reworked firmware autoselection; before it, <loader>
#: attributes other than 'stateless' cannot go with <os firmware='efi'>
LOADER_FILTERS_SINCE = 9002000


# -- the guest XML our driver writes ---------------------------------------

class _DriverXML(base.RealmTestBase):
    """One server per test method on a simulated CCA host (sha256+sha512).

    Run by :func:`driver_xml`, one method at a time, not collected by
    pytest; each keeps the XML our driver gave libvirt.
    """

    __test__ = False
    produced = {}

    def _keep(self, server):
        type(self).produced[self._testMethodName] = self.guest_xml(server)

    def test_small_realm_by_flavor(self):
        self.start_host('cca-1')
        self._keep(self.boot(self.realm_flavor(), self.realm_image()))

    def test_realm_by_image(self):
        self.start_host('cca-1')
        image = self.realm_image(hw_mem_encryption=True,
                                 hw_mem_encryption_model='arm-cca')
        self._keep(self.boot(self.create_flavor(), image))

    def test_sha256_realm(self):
        self.flags(default_measurement_algo='sha256', group='arm_cca')
        self.start_host('cca-1')
        self._keep(self.boot(self.realm_flavor(vcpu=2, memory_mb=1024),
                             self.realm_image()))

    def test_measured_realm(self):
        # the user's algorithm, an RPV and a measurement log
        self.flags(personalization_value=True, measurement_log=True,
                   group='arm_cca')
        self.start_host('cca-1')
        self._keep(self.boot(self.create_flavor(dict(
            base.REALM_EXTRA_SPECS, **{
                'hw:cca_measurement_algo': 'sha512',
                'hw:cca_personalization': 'uuid',
                'hw:cca_measurement_log': 'true'})), self.realm_image()))

    def test_plain_aarch64_server(self):
        self.start_host('cca-1')
        self._keep(self.boot(self.create_flavor(),
                             self.plain_aarch64_image()))


Scenario = collections.namedtuple(
    'Scenario', 'name method realm vcpus memory_mib measurement_algo')

SCENARIOS = [
    Scenario('small-realm-by-flavor', 'test_small_realm_by_flavor',
             True, 1, 512, None),
    Scenario('realm-by-image', 'test_realm_by_image', True, 1, 512, None),
    Scenario('sha256-realm-2vcpu-1024mb', 'test_sha256_realm',
             True, 2, 1024, 'sha256'),
    Scenario('measured-realm', 'test_measured_realm',
             True, 1, 512, 'sha512'),
    Scenario('plain-aarch64-control', 'test_plain_aarch64_server',
             False, 1, 512, None),
]
REALMS = [s for s in SCENARIOS if s.realm]


def _ids(scenarios):
    return [s.name for s in scenarios]


def driver_xml(scenario):
    """The domain XML of ``scenario``, checked to be what it claims."""
    if scenario.method not in _DriverXML.produced:
        error = harness.run_case(_DriverXML(scenario.method))
        assert error is None, ''.join(traceback.format_exception(error))
    xml = _DriverXML.produced[scenario.method]
    dom = etree.fromstring(xml.encode())
    assert dom.get('type') == 'kvm'
    assert dom.findtext('os/type') == 'hvm'
    assert dom.find('os/type').get('arch') == 'aarch64'
    assert dom.find('os').get('firmware') == 'efi'
    assert int(dom.findtext('vcpu')) == scenario.vcpus
    assert int(dom.findtext('memory')) == scenario.memory_mib * 1024
    launch = dom.find('launchSecurity')
    if scenario.realm:
        assert launch is not None and launch.get('type') == 'cca', xml
        assert launch.findtext('measurement-algo') == \
            scenario.measurement_algo
        assert dom.find('os/loader').get('stateless') == 'yes'
    else:
        assert launch is None, xml
        assert dom.find('os/loader').get('stateless') is None
    return xml


# -- the same XML on this host ---------------------------------------------

def for_this_host(xml, workdir, libvirt_version,
                  keep_launch_security=False):
    """``xml`` changed only where this machine differs from a CCA host.

    :returns: (new XML, domain name, list of what was changed)
    """
    dom = etree.fromstring(xml.encode())
    changes = []
    name = 'nova-cca-test-%s' % uuid.uuid4().hex[:12]
    dom.find('name').text = name
    dom.find('uuid').text = str(uuid.uuid4())
    changes.append('name and uuid made unique')
    launch = dom.find('launchSecurity')
    if launch is not None and not keep_launch_security:
        dom.remove(launch)
        changes.append('<launchSecurity> removed: no CCA in this libvirt')
    # no KVM for aarch64 guests here: QEMU's TCG emulates the CPU
    dom.set('type', 'qemu')
    cpu = dom.find('cpu')
    assert cpu.get('mode') == 'host-passthrough'
    cpu.set('mode', 'custom')
    model = etree.Element('model', fallback='forbid')
    model.text = 'max'
    cpu.insert(0, model)
    changes.append("domain type qemu, cpu model 'max' (TCG)")
    # the instance's disk lives in Nova's instances path of a simulated host
    disks = dom.findall('devices/disk')
    assert disks, 'no disk in the guest XML'
    for index, disk in enumerate(disks):
        path = os.path.join(workdir, 'disk%d.qcow2' % index)
        subprocess.run(['qemu-img', 'create', '-q', '-f', 'qcow2', path,
                        '64M'], check=True)
        disk.find('source').set('file', path)
        disk.find('driver').set('type', 'qcow2')
    changes.append('%d disk(s) on a qcow2 image of ours' % len(disks))
    for log in dom.iterfind('devices/*/log'):
        log.set('file', os.path.join(workdir, 'console.log'))
    changes.append('console log in our directory')
    # Nova writes <loader secure='no'/> for every UEFI guest; libvirt
    # before 9.2.0 refuses it next to firmware autoselection
    loader = dom.find('os/loader')
    if libvirt_version < LOADER_FILTERS_SINCE and loader is not None:
        for attribute in ('secure',):
            if loader.get(attribute) is not None:
                del loader.attrib[attribute]
                changes.append('loader %s dropped (libvirt < 9.2)'
                               % attribute)
    return etree.tostring(dom, encoding='unicode'), name, changes


@pytest.fixture
def workdir():
    # not pytest's tmp_path: QEMU does not run as root and must reach it
    path = tempfile.mkdtemp(prefix='nova-cca-real-libvirt-')
    os.chmod(path, 0o755)
    yield path
    shutil.rmtree(path, ignore_errors=True)


@pytest.fixture
def domains(libvirtd):
    """Names registered here are destroyed and undefined at the end."""
    names = []
    yield names
    for name in names:
        try:
            domain = libvirtd.lookupByName(name)
        except libvirt.libvirtError:
            continue
        if domain.isActive():
            domain.destroy()
        domain.undefineFlags(libvirt.VIR_DOMAIN_UNDEFINE_NVRAM)


@contextlib.contextmanager
def _descriptors_locked():
    # pytest-xdist workers share /etc/qemu/firmware
    with open(DESCRIPTORS_LOCK, 'a') as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        yield


@pytest.fixture(scope='module')
def stateless_firmware():
    """A descriptor of AAVMF as stateless flash, as a realm host has one.

    Realms ask for stateless firmware (``<loader stateless='yes'/>`` with
    ``<os firmware='efi'>``); libvirt then picks only firmware whose
    descriptor maps it in 'stateless' mode. Debian's AAVMF descriptors are
    all 'split' (code + NVRAM template). Directories made for it are
    removed with the last test descriptor.
    """
    assert os.path.exists(AAVMF_CODE), 'qemu-efi-aarch64 is not installed'
    existing = FIRMWARE_DESCRIPTORS
    while not os.path.isdir(existing):
        existing = os.path.dirname(existing)
    assert os.access(existing, os.W_OK), (
        'run as root: the system libvirtd reads firmware descriptors only '
        'from /usr/share/qemu/firmware and %s' % FIRMWARE_DESCRIPTORS)
    path = os.path.join(FIRMWARE_DESCRIPTORS,
                        '%s%d-aarch64-stateless.json'
                        % (DESCRIPTOR_PREFIX, os.getpid()))
    marker = os.path.join(FIRMWARE_DESCRIPTORS, DESCRIPTORS_MARKER)
    descriptor = {
        'description': 'nova-cca tests: AAVMF as stateless flash',
        'interface-types': ['uefi'],
        'mapping': {
            'device': 'flash',
            'mode': 'stateless',
            'executable': {'filename': AAVMF_CODE, 'format': 'raw'},
        },
        'targets': [{'architecture': 'aarch64', 'machines': ['virt-*']}],
        'features': [],
        'tags': [],
    }
    with _descriptors_locked():
        made = [d for d in (os.path.dirname(FIRMWARE_DESCRIPTORS),
                            FIRMWARE_DESCRIPTORS) if not os.path.isdir(d)]
        for directory in made:
            os.mkdir(directory)
        if made:
            with open(marker, 'w') as out:
                json.dump(made, out)
        with open(path, 'w') as out:
            json.dump(descriptor, out, indent=2)
    yield AAVMF_CODE
    with _descriptors_locked():
        os.unlink(path)
        if (os.path.exists(marker) and
                os.listdir(FIRMWARE_DESCRIPTORS) == [DESCRIPTORS_MARKER]):
            with open(marker) as source:
                made = json.load(source)
            os.unlink(marker)
            for directory in reversed(made):
                os.rmdir(directory)


def wait_for_firmware(domain, console_log, timeout=30):
    """Wait until the firmware has printed its banner on the console."""
    deadline = time.monotonic() + timeout
    output = b''
    while time.monotonic() < deadline:
        if os.path.exists(console_log):
            with open(console_log, 'rb') as log:
                output = log.read()
            if FIRMWARE_BANNER in output:
                return output
        state, _ = domain.state()
        assert state == libvirt.VIR_DOMAIN_RUNNING, (
            'domain left the running state (%d) before its firmware '
            'printed anything' % state)
        time.sleep(0.1)
    pytest.fail('no firmware output on the serial console within %d s; '
                'console log: %r' % (timeout, output[-500:]))


def assert_still_executing(domain, timeout=10):
    """The guest stays running and its vCPUs keep using CPU time."""
    start = domain.info()[4]
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        state, _ = domain.state()
        assert state == libvirt.VIR_DOMAIN_RUNNING, state
        if domain.info()[4] > start > 0:
            return
        time.sleep(0.1)
    pytest.fail('the guest used no CPU time for %d s' % timeout)


@pytest.mark.parametrize('scenario', SCENARIOS, ids=_ids(SCENARIOS))
def test_guest_runs_its_firmware_on_real_qemu(
        scenario, libvirtd, workdir, domains, stateless_firmware):
    xml, name, changes = for_this_host(
        driver_xml(scenario), workdir, libvirtd.getLibVersion())
    domains.append(name)
    try:
        domain = libvirtd.defineXML(xml)
        domain.create()
    except libvirt.libvirtError as error:
        pytest.fail('%s\nchanged for this host: %s\n%s'
                    % (error, '; '.join(changes), xml))

    console_log = os.path.join(workdir, 'console.log')
    wait_for_firmware(domain, console_log)
    assert_still_executing(domain)

    live = etree.fromstring(domain.XMLDesc(0).encode())
    assert int(live.findtext('vcpu')) == scenario.vcpus
    assert int(live.findtext('memory')) == scenario.memory_mib * 1024
    loader = live.find('os/loader')
    nvram_files = glob.glob(os.path.join(NVRAM_DIR, name + '*'))
    if scenario.realm:
        # stateless firmware: libvirt chose our stateless descriptor
        assert loader.get('stateless') == 'yes'
        assert loader.text == stateless_firmware
        assert live.find('os/nvram') is None
        assert nvram_files == []
    else:
        # the control keeps its variables in NVRAM: the checks above can
        # fail
        assert loader.get('stateless') is None
        nvram = live.findtext('os/nvram')
        assert nvram and os.path.dirname(nvram) == NVRAM_DIR
        assert nvram_files == [nvram]

    domain.destroy()
    domain.undefineFlags(libvirt.VIR_DOMAIN_UNDEFINE_NVRAM)
    assert glob.glob(os.path.join(NVRAM_DIR, name + '*')) == []


# -- the complete realm XML against libvirt's grammar + ours ---------------

@pytest.fixture(scope='module')
def schemas(tmp_path_factory):
    """(libvirt's domain grammar, the same extended by ours)."""
    domain_rng = os.path.join(LIBVIRT_SCHEMAS, 'domain.rng')
    assert os.path.exists(domain_rng), (
        'no libvirt domain grammar at %s' % domain_rng)
    wrapper = tmp_path_factory.mktemp('schema') / 'domain-cca.rng'
    grammar = etree.Element(
        '{http://relaxng.org/ns/structure/1.0}grammar',
        nsmap={None: 'http://relaxng.org/ns/structure/1.0'})
    for href in (domain_rng, str(OUR_GRAMMAR)):
        etree.SubElement(grammar, 'include', href=href)
    wrapper.write_bytes(etree.tostring(grammar))
    yield (etree.RelaxNG(etree.parse(domain_rng)),
           etree.RelaxNG(etree.parse(str(wrapper))))


def _errors(schema):
    return '\n'.join(str(e) for e in schema.error_log)


def with_launch_security(xml, launch_security):
    dom = etree.fromstring(xml.encode())
    dom.remove(dom.find('launchSecurity'))
    dom.append(etree.fromstring(launch_security)
               if isinstance(launch_security, str) else launch_security)
    return dom


@pytest.mark.parametrize('scenario', REALMS, ids=_ids(REALMS))
def test_complete_realm_xml_is_valid_with_our_grammar(scenario, schemas):
    libvirt_only, extended = schemas
    dom = etree.fromstring(driver_xml(scenario).encode())
    assert extended.validate(dom), _errors(extended)
    # libvirt's own grammar knows no cca: ours is what makes it valid
    assert not libvirt_only.validate(dom)

    launch = dom.find('launchSecurity')
    algo = launch.find('measurement-algo')
    if algo is None:
        algo = etree.SubElement(launch, 'measurement-algo')
    algo.text = 'md5'
    assert not extended.validate(dom)


def test_measured_realm_xml_carries_every_setting(schemas):
    _, extended = schemas
    (scenario,) = [s for s in REALMS if s.name == 'measured-realm']
    dom = etree.fromstring(driver_xml(scenario).encode())
    launch = dom.find('launchSecurity')
    assert launch.get('measurement-log') == 'yes'
    assert len(launch.findtext('personalization-value')) == 88
    assert extended.validate(dom), _errors(extended)
    launch.find('personalization-value').text = 'A' * 87 + '='
    assert not extended.validate(dom)


def test_control_xml_is_valid_with_and_without_our_grammar(schemas):
    libvirt_only, extended = schemas
    dom = etree.fromstring(driver_xml(SCENARIOS[-1]).encode())
    assert libvirt_only.validate(dom), _errors(libvirt_only)
    assert extended.validate(dom), _errors(extended)
    # libvirt's launch security types stay valid next to ours
    dom.append(etree.fromstring(
        "<launchSecurity type='sev'><policy>0x0033</policy>"
        "</launchSecurity>"))
    assert extended.validate(dom), _errors(extended)


def _every_child():
    launch = realm_guest.LibvirtConfigGuestRealmLaunchSecurity()
    launch.measurement_algo = 'sha512'
    launch.personalization_value = base64.b64encode(
        bytes(range(64))).decode()
    launch.measurement_log = True
    return launch.format_dom()


PERSONALIZATION = base64.b64encode(b'\x5a' * 64).decode()
LAUNCH_SECURITY_FORMS = [
    # (id, launchSecurity, valid)
    ('every-child-our-config-writes', _every_child, True),
    ('measurement-log-attribute',
     "<launchSecurity type='cca' measurement-log='no'>"
     "<measurement-algo>sha256</measurement-algo></launchSecurity>", True),
    ('children-in-any-order',
     "<launchSecurity type='cca' measurement-log='yes'>"
     "<personalization-value>%s</personalization-value>"
     "<measurement-algo>sha512</measurement-algo></launchSecurity>"
     % PERSONALIZATION, True),
    ('measurement-log-element',
     "<launchSecurity type='cca'><measurement-log state='on'/>"
     "</launchSecurity>", False),
    ('personalization-value-65-bytes',
     "<launchSecurity type='cca'><personalization-value>%s"
     "</personalization-value></launchSecurity>"
     % base64.b64encode(b'\x5a' * 65).decode(), False),
    ('personalization-value-88-chars-not-64-bytes',
     "<launchSecurity type='cca'><personalization-value>%s"
     "</personalization-value></launchSecurity>"
     % ('A' * 88), False),
    ('personalization-value-63-bytes',
     "<launchSecurity type='cca'><personalization-value>%s"
     "</personalization-value></launchSecurity>"
     % base64.b64encode(b'\x5a' * 63).decode(), False),
    ('personalization-value-not-base64',
     "<launchSecurity type='cca'><personalization-value>not base64!"
     "</personalization-value></launchSecurity>", False),
    ('measurement-log-attribute-on',
     "<launchSecurity type='cca' measurement-log='on'/>", False),
    ('measurement-log-both-spellings',
     "<launchSecurity type='cca' measurement-log='yes'>"
     "<measurement-log state='on'/></launchSecurity>", False),
    ('sev-child-in-cca',
     "<launchSecurity type='cca'><policy>0x0001</policy>"
     "</launchSecurity>", False),
]


@pytest.mark.parametrize('form, valid',
                         [f[1:] for f in LAUNCH_SECURITY_FORMS],
                         ids=[f[0] for f in LAUNCH_SECURITY_FORMS])
def test_launch_security_forms(form, valid, schemas):
    _, extended = schemas
    dom = with_launch_security(driver_xml(REALMS[0]),
                               form() if callable(form) else form)
    assert extended.validate(dom) is valid, _errors(extended)


# -- this libvirt and CCA --------------------------------------------------

@pytest.mark.parametrize('scenario', REALMS, ids=_ids(REALMS))
def test_this_libvirt_rejects_cca_launch_security(
        scenario, libvirtd, workdir, domains):
    xml, name, _ = for_this_host(
        driver_xml(scenario), workdir, libvirtd.getLibVersion(),
        keep_launch_security=True)
    domains.append(name)
    major, rest = divmod(libvirtd.getLibVersion(), 1000000)
    version = '%d.%d.%d' % (major, rest // 1000, rest % 1000)
    try:
        libvirtd.defineXML(xml)
    except libvirt.libvirtError as error:
        assert error.get_error_code() == libvirt.VIR_ERR_XML_ERROR, (
            'libvirt %s refused the realm XML with error code %d, not '
            'VIR_ERR_XML_ERROR: %s' % (version, error.get_error_code(),
                                       error))
        assert "'cca'" in str(error), str(error)
    else:
        pytest.fail(
            "libvirt %s accepted <launchSecurity type='cca'>: a libvirt "
            'with Arm CCA support seems to be installed; run the realm '
            'XML on it with its launchSecurity and update these tests.'
            % version)
