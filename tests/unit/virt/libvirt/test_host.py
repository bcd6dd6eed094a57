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

"""nova_cca.virt.libvirt.host.RealmHost: domain capabilities, realm verdict."""

import logging

from nova.virt.libvirt import config as vconfig
from nova.virt.libvirt import host as libvirt_host
import pytest

from nova_cca.virt.libvirt import detection
from nova_cca.virt.libvirt import host as realm_host
from nova_cca_simulator import domcaps


class Connection:
    """Answers getDomainCapabilities with a fixed document."""

    def __init__(self, document):
        self.document = document
        self.calls = 0

    def getDomainCapabilities(self, *args):
        self.calls += 1
        return self.document


class Host(realm_host.RealmHost):

    def __init__(self, document, arch='aarch64'):
        super().__init__('qemu:///system')
        self.connection = Connection(document)
        self.arch = arch

    def get_connection(self):
        return self.connection

    def _host_arch(self):
        return self.arch

    def get_domain_capabilities(self):
        # Nova's loop over machine types, reduced to one call
        caps = {}
        try:
            caps['virt'] = self._get_domain_capabilities(arch='aarch64',
                                                         machine_type='virt')
        except libvirt_host.libvirt.libvirtError:
            pass
        return {'aarch64': caps} if caps else {}


def test_wraps_nova_and_nova_caps_carry_cca():
    host = Host(domcaps.packaged(domcaps.CCA_SHA256))
    caps = host._get_domain_capabilities(arch='aarch64')
    assert type(caps) is vconfig.LibvirtConfigDomainCaps  # Nova's own
    assert caps.machine_type.startswith('virt')
    assert detection.realm_capability(caps).measurement_algos == ('sha256',)


@pytest.mark.parametrize('document, cause', [
    ('<domainCapabilities><features>', 'Premature end of data'),
    ('', 'Document is empty'),
    ('<capabilities/>', "should be 'domainCapabilities'"),
    ("<domainCapabilities><features><sev supported='yes'><maxGuests>x"
     "</maxGuests></sev></features></domainCapabilities>",
     'invalid literal'),
])
def test_unparsable_caps_are_skipped_like_a_libvirt_error(
        document, cause, caplog):
    host = Host(document)
    with pytest.raises(libvirt_host.libvirt.libvirtError,
                       match='do not parse.*' + cause):
        host._get_domain_capabilities(arch='aarch64', machine_type='virt')
    # Nova asks once per machine type: one warning per architecture
    with pytest.raises(libvirt_host.libvirt.libvirtError):
        host._get_domain_capabilities(arch='aarch64', machine_type='virt-9')
    warnings = [r for r in caplog.records if r.levelno == logging.WARNING]
    assert len(warnings) == 1
    assert 'aarch64' in warnings[0].getMessage()
    assert cause in warnings[0].getMessage()
    assert 'no Arm CCA realms' in warnings[0].getMessage()


def test_unparsable_caps_mean_no_cca_with_the_reason():
    host = Host('not xml')
    capability = host.realm_capability
    assert capability.supported is False
    assert 'no domain capabilities for aarch64' in capability.reason
    assert 'do not parse' in capability.reason
    assert host.max_realms == 0


def test_other_host_architecture_is_refused_before_libvirt_is_asked():
    host = Host(domcaps.packaged(domcaps.CCA_SHA256), arch='x86_64')
    assert host.realm_capability == detection.unsupported_host_arch('x86_64')
    assert host.connection.calls == 0


def test_realm_traits_and_nova_hook_agree():
    host = Host(domcaps.packaged(domcaps.CCA_SHA256_SHA512))
    assert host.realm_traits == [
        'CUSTOM_HW_CPU_AARCH64_CCA',
        'CUSTOM_HW_CPU_AARCH64_CCA_MEASUREMENT_SHA256',
        'CUSTOM_HW_CPU_AARCH64_CCA_MEASUREMENT_SHA512']
    assert host._get_mem_encryption_traits_arm_cca() == host.realm_traits
