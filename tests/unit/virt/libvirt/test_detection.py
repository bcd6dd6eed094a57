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

"""nova_cca.virt.libvirt.detection: Arm CCA in libvirt domain capabilities."""

import subprocess
import sys

from hypothesis import given
from hypothesis import settings
from hypothesis import strategies as st
from lxml import etree
from nova.virt.libvirt import config as vconfig
import pytest

from nova_cca.virt.libvirt import detection
from nova_cca.virt.libvirt.detection import RealmCapability
from nova_cca_simulator import domcaps

PACKAGED = (domcaps.CCA_SHA256_SHA512, domcaps.CCA_SHA256,
            domcaps.CCA_LAUNCH_SECURITY, domcaps.NO_CCA)
ALGORITHMS = ('sha256', 'sha512')


def parse(xml, **kwargs):
    return detection.parse_domain_capabilities(xml, **kwargs)


def doc(features='', arch='aarch64', extra=''):
    """A minimal domain-capabilities document."""
    arch_el = '<arch>%s</arch>' % arch if arch is not None else ''
    return ('<domainCapabilities><path>/usr/bin/qemu-system-aarch64</path>'
            '<domain>kvm</domain><machine>virt</machine>%s'
            '<features>%s</features>%s</domainCapabilities>'
            % (arch_el, features, extra))


def cca(algos=None, supported='yes'):
    attr = '' if supported is None else " supported='%s'" % supported
    enum = ''
    if algos is not None:
        enum = "<enum name='measurement-algo'>%s</enum>" % ''.join(
            '<value>%s</value>' % a for a in algos)
    return '<cca%s>%s</cca>' % (attr, enum)


# --- packaged documents -------------------------------------------------

def test_packaged_sha256_sha512():
    cap = parse(domcaps.packaged(domcaps.CCA_SHA256_SHA512))
    assert cap.supported is True
    assert cap.measurement_algos == ('sha256', 'sha512')
    assert cap.reason == "<cca supported='yes'>"


def test_packaged_sha256():
    cap = parse(domcaps.packaged(domcaps.CCA_SHA256))
    assert cap.supported is True
    assert cap.measurement_algos == ('sha256',)


def test_packaged_launch_security():
    cap = parse(domcaps.packaged(domcaps.CCA_LAUNCH_SECURITY))
    assert cap.supported is True
    assert cap.measurement_algos == ()
    assert 'launchSecurity' in cap.reason


def test_packaged_no_cca():
    cap = parse(domcaps.packaged(domcaps.NO_CCA))
    assert cap.supported is False
    assert cap.measurement_algos == ()
    assert "supported='no'" in cap.reason


@pytest.mark.parametrize('name', PACKAGED)
def test_packaged_as_bytes_same_as_str(name):
    text = domcaps.packaged(name)
    assert parse(text.encode('utf-8')) == parse(text)


@pytest.mark.parametrize('name', PACKAGED)
def test_non_aarch64_host_is_unsupported(name):
    cap = parse(domcaps.packaged(name), host_arch='x86_64')
    assert cap.supported is False
    assert cap.measurement_algos == ()
    assert 'x86_64' in cap.reason


# --- rendered documents -------------------------------------------------

def test_render_sha512_only():
    cap = parse(domcaps.render(True, ['sha512']))
    assert cap == RealmCapability(True, ('sha512',), "<cca supported='yes'>")


def test_render_default_algorithms():
    cap = parse(domcaps.render(True))
    assert cap.supported is True
    assert cap.measurement_algos == ('sha256', 'sha512')


def test_render_no_algorithms():
    cap = parse(domcaps.render(True, []))
    assert cap.supported is True
    assert cap.measurement_algos == ()


def test_render_unsupported():
    cap = parse(domcaps.render(False))
    assert cap.supported is False
    assert "supported='no'" in cap.reason


# --- malformed and odd inputs -------------------------------------------

@pytest.mark.parametrize('xml', [
    '<domainCapabilities><features>',  # truncated
    'not xml at all',
    '<a></b>',
    '',
    b'',
    b'<domainCapabilities',
])
def test_malformed_xml_is_unsupported(xml):
    cap = parse(xml)
    assert isinstance(cap, RealmCapability)
    assert cap.supported is False
    assert cap.measurement_algos == ()
    assert 'not valid XML' in cap.reason


def test_none_is_unsupported_not_raised():
    cap = parse(None)
    assert cap.supported is False
    assert cap.reason


def test_bytes_document():
    cap = parse(doc(cca(['sha256'])).encode('utf-8'))
    assert cap == RealmCapability(True, ('sha256',), "<cca supported='yes'>")


def test_bytes_with_encoding_declaration():
    xml = ("<?xml version='1.0' encoding='UTF-8'?>\n" +
           doc(cca(['sha512']))).encode('utf-8')
    assert parse(xml).measurement_algos == ('sha512',)


def test_str_with_encoding_declaration():
    # lxml refuses a str with an encoding declaration; parse must not
    xml = "<?xml version='1.0' encoding='UTF-8'?>\n" + doc(cca(['sha512']))
    cap = parse(xml)
    assert cap.supported is True
    assert cap.measurement_algos == ('sha512',)


def test_wrong_root_element():
    cap = parse('<capabilities>%s</capabilities>' % cca(['sha256']))
    assert cap.supported is False
    assert 'domainCapabilities' in cap.reason


def test_x86_document_is_unsupported():
    cap = parse(doc(cca(['sha256']), arch='x86_64'))
    assert cap.supported is False
    assert 'x86_64' in cap.reason


def test_document_without_arch_is_judged_by_features():
    cap = parse(doc(cca(['sha256']), arch=None))
    assert cap.supported is True
    assert cap.measurement_algos == ('sha256',)


def test_arch_with_whitespace():
    cap = parse(doc(cca(['sha256']), arch='\n  aarch64  \n'))
    assert cap.supported is True


def test_unknown_algorithms_are_dropped():
    cap = parse(doc(cca(['sha384', 'sha256', 'SHA512', 'md5', 'sha512'])))
    assert cap.supported is True
    assert cap.measurement_algos == ('sha256', 'sha512')


def test_only_unknown_algorithms_means_platform_default():
    cap = parse(doc(cca(['sha1'])))
    assert cap.supported is True
    assert cap.measurement_algos == ()


def test_whitespace_in_values_is_stripped():
    cap = parse(doc(cca(['  sha256\n', '\tsha512 ', '   '])))
    assert cap.measurement_algos == ('sha256', 'sha512')


def test_empty_values_are_ignored():
    cap = parse(doc(
        "<cca supported='yes'><enum name='measurement-algo'>"
        "<value/><value></value><value>sha512</value></enum></cca>"))
    assert cap.measurement_algos == ('sha512',)


def test_other_enums_of_cca_are_ignored():
    cap = parse(doc(
        "<cca supported='yes'><enum name='other'><value>sha256</value>"
        "</enum></cca>"))
    assert cap.supported is True
    assert cap.measurement_algos == ()


def test_cca_without_supported_attribute_is_unsupported():
    cap = parse(doc(cca(['sha256'], supported=None)))
    assert cap.supported is False
    assert cap.measurement_algos == ()
    assert '<cca' in cap.reason


@pytest.mark.parametrize('value', ['no', 'YES', 'true', '1', ''])
def test_cca_supported_must_be_exactly_yes(value):
    cap = parse(doc(cca(['sha256'], supported=value)))
    assert cap.supported is False
    assert "supported='%s'" % value in cap.reason


def test_no_cca_and_no_launch_security():
    cap = parse(doc("<gic supported='yes'/>"))
    assert cap.supported is False
    assert 'no <cca>' in cap.reason


def test_cca_outside_features_is_ignored():
    cap = parse(doc('', extra=cca(['sha256'])))
    assert cap.supported is False


def launch_security(sectypes, supported='yes'):
    return ("<launchSecurity supported='%s'><enum name='sectype'>%s</enum>"
            "</launchSecurity>" % (supported, ''.join(
                '<value>%s</value>' % s for s in sectypes)))


def test_launch_security_in_features():
    cap = parse(doc(launch_security(['sev', 'cca'])))
    assert cap.supported is True
    assert cap.measurement_algos == ()


def test_launch_security_outside_features_is_ignored():
    # libvirt writes it under <features>, where Nova parses its sectypes
    cap = parse(doc('', extra=launch_security(['sev', 'cca'])))
    assert cap.supported is False


def test_launch_security_with_whitespace_value():
    cap = parse(doc(launch_security([' cca\n'])))
    assert cap.supported is True


def test_launch_security_without_cca():
    cap = parse(doc(launch_security(['sev', 'sev-snp'])))
    assert cap.supported is False


def test_launch_security_not_supported():
    cap = parse(doc(launch_security(['cca'], supported='no')))
    assert cap.supported is False


def test_cca_no_but_launch_security_cca_is_supported():
    cap = parse(doc(cca(supported='no') + launch_security(['cca'])))
    assert cap.supported is True
    assert 'launchSecurity' in cap.reason


def test_cca_element_wins_over_launch_security():
    cap = parse(doc(cca(['sha256']) + launch_security(['cca'])))
    assert cap == RealmCapability(True, ('sha256',), "<cca supported='yes'>")


def test_entities_are_not_expanded_from_outside():
    xml = ('<!DOCTYPE d [<!ENTITY e SYSTEM "file:///etc/passwd">]>' +
           doc(cca(['&e;'])))
    cap = parse(xml)
    assert isinstance(cap, RealmCapability)
    assert cap.measurement_algos == ()


def test_parse_dom_with_parsed_element():
    root = etree.fromstring(domcaps.packaged(domcaps.CCA_SHA256).encode())
    cap = detection.parse_domain_capabilities_dom(root)
    assert cap.measurement_algos == ('sha256',)


def test_caps_nova_cannot_parse_are_unsupported():
    # Nova's SEV feature parser raises on a non-numeric maxGuests
    cap = parse(doc("<sev supported='yes'><maxGuests>many</maxGuests></sev>" +
                    cca(['sha256'])))
    assert cap.supported is False
    assert 'do not parse' in cap.reason
    assert 'many' in cap.reason


def test_realm_capability_of_nova_parsed_caps():
    caps = vconfig.LibvirtConfigDomainCaps()
    caps.parse_str(doc(cca(['sha512', 'sha256'])))
    assert detection.realm_capability(caps) == RealmCapability(
        True, ('sha512', 'sha256'), "<cca supported='yes'>")


def test_realm_capability_reuses_nova_sectypes():
    caps = vconfig.LibvirtConfigDomainCaps()
    caps.parse_str(doc(launch_security(['tdx', 'cca'])))
    launch = [f for f in caps.features if isinstance(
        f, vconfig.LibvirtConfigDomainCapsFeatureLaunchSecurity)]
    assert launch[0].sectypes == ['tdx', 'cca']
    assert detection.realm_capability(caps).supported is True


def test_cca_feature_object():
    feature = detection.LibvirtConfigDomainCapsFeatureCCA()
    feature.parse_dom(etree.fromstring(cca(['sha256', ' sha512 ', ''])))
    assert feature.supported is True
    assert feature.measurement_algos == ['sha256', 'sha512']
    with pytest.raises(Exception, match="Root element name should be 'cca'"):
        detection.LibvirtConfigDomainCapsFeatureCCA().parse_dom(
            etree.fromstring('<sev/>'))


@pytest.mark.parametrize('arch', ['x86_64', 'armv7l', 'ppc64le', ''])
def test_one_architecture_check(arch):
    refused = detection.unsupported_host_arch(arch)
    assert refused.supported is False
    assert 'host architecture is %s, Arm CCA needs aarch64' % arch \
        == refused.reason
    assert detection.unsupported_host_arch('aarch64') is None


def test_parse_dom_with_none():
    cap = detection.parse_domain_capabilities_dom(None)
    assert cap.supported is False


# --- RealmCapability ----------------------------------------------------

def test_unsupported_constructor():
    cap = RealmCapability.unsupported('because')
    assert cap == RealmCapability(False, (), 'because')


def test_capability_is_frozen():
    cap = RealmCapability(True)
    with pytest.raises(AttributeError):
        cap.supported = False


YES_256 = RealmCapability(True, ('sha256',), 'first')
YES_512 = RealmCapability(True, ('sha512',), 'second')
YES_BOTH = RealmCapability(True, ('sha512', 'sha256'), 'third')
YES_DEFAULT = RealmCapability(True, (), 'launch')
NO_A = RealmCapability.unsupported('a')
NO_B = RealmCapability.unsupported('b')


def test_merge_supported_with_unsupported_is_supported():
    assert YES_256.merge(NO_A) is YES_256
    assert NO_A.merge(YES_256) is YES_256


def test_merge_two_unsupported_keeps_the_later_reason():
    assert NO_A.merge(NO_B) is NO_B
    assert NO_B.merge(NO_A) is NO_A


def test_merge_unions_algorithms_in_order():
    merged = YES_256.merge(YES_512)
    assert merged == RealmCapability(True, ('sha256', 'sha512'), 'first')
    merged = YES_512.merge(YES_256)
    assert merged.measurement_algos == ('sha512', 'sha256')
    assert merged.reason == 'second'


def test_merge_removes_duplicates():
    merged = YES_256.merge(YES_BOTH)
    assert merged.measurement_algos == ('sha256', 'sha512')
    assert YES_BOTH.merge(YES_BOTH).measurement_algos == ('sha512', 'sha256')


def test_merge_with_platform_default():
    assert YES_DEFAULT.merge(YES_256).measurement_algos == ('sha256',)
    assert YES_256.merge(YES_DEFAULT).measurement_algos == ('sha256',)
    assert YES_DEFAULT.merge(YES_DEFAULT) == YES_DEFAULT


def test_merge_does_not_mutate():
    YES_256.merge(YES_512)
    assert YES_256.measurement_algos == ('sha256',)
    assert YES_512.measurement_algos == ('sha512',)


# --- properties ---------------------------------------------------------

def check_capability(cap):
    assert isinstance(cap, RealmCapability)
    assert isinstance(cap.supported, bool)
    assert isinstance(cap.measurement_algos, tuple)
    assert set(cap.measurement_algos) <= set(ALGORITHMS)
    assert isinstance(cap.reason, str) and cap.reason
    if not cap.supported:
        assert cap.measurement_algos == ()


@settings(max_examples=300, deadline=None)
@given(st.text())
def test_arbitrary_text_never_raises(text):
    check_capability(parse(text))


@settings(max_examples=200, deadline=None)
@given(st.binary())
def test_arbitrary_bytes_never_raise(data):
    check_capability(parse(data))


@settings(max_examples=300, deadline=None)
@given(st.sampled_from(PACKAGED), st.data())
def test_truncated_packaged_documents_never_raise(name, data):
    text = domcaps.packaged(name)
    end = data.draw(st.integers(min_value=0, max_value=len(text)))
    cap = parse(text[:end])
    check_capability(cap)
    if end < len(text.rstrip()):
        # the closing </domainCapabilities> is cut: not a document
        assert cap.supported is False


@settings(max_examples=200, deadline=None)
@given(st.lists(st.text(alphabet=st.characters(
    blacklist_categories=('Cs', 'Cc')), max_size=10), max_size=6),
    st.sampled_from(['yes', 'no', 'maybe']))
def test_rendered_algorithm_lists(algos, supported):
    root = etree.fromstring(domcaps.packaged(domcaps.NO_CCA).encode())
    features = root.find('features')
    for old in features.findall('cca'):
        features.remove(old)
    element = etree.SubElement(features, 'cca', supported=supported)
    enum = etree.SubElement(element, 'enum', name='measurement-algo')
    try:
        for algo in algos:
            etree.SubElement(enum, 'value').text = algo
    except ValueError:
        return  # lxml refuses characters XML cannot hold
    cap = parse(etree.tostring(root))
    check_capability(cap)
    assert cap.supported is (supported == 'yes')
    if cap.supported:
        expected = [a.strip() for a in algos if a.strip() in ALGORITHMS]
        # the listed algorithms, in the order libvirt lists them
        assert tuple(dict.fromkeys(cap.measurement_algos)) == tuple(
            dict.fromkeys(expected))


def test_raw_documents_parse_without_activation():
    # nova-cca readiness and scenario validation run without activate()
    code = ('from nova_cca import activation; '
            'from nova_cca.virt.libvirt import detection; '
            'from nova_cca_simulator import domcaps; '
            'assert not activation.is_active(); '
            'print(detection.parse_domain_capabilities(domcaps.packaged('
            'domcaps.CCA_SHA256)).measurement_algos)')
    out = subprocess.run([sys.executable, '-c', code], check=True,
                         capture_output=True, text=True).stdout
    assert out.strip() == "('sha256',)"
