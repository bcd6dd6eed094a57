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

"""Domain-capabilities documents of simulated aarch64 hosts.

Shipped as package data (``simulator/nova_cca_simulator/data/domcaps``):

* ``cca-sha256-sha512.xml`` - CCA, both measurement algorithms;
* ``cca-sha256.xml`` - CCA, sha256 only;
* ``cca-launch-security.xml`` - CCA stated as launchSecurity sectype;
* ``no-cca.xml`` - a plain aarch64 KVM host.

A scenario may name a document of its own; :func:`read` checks it.
"""

import importlib.resources

from lxml import etree

from nova_cca import glossary

CCA_SHA256_SHA512 = 'cca-sha256-sha512.xml'
CCA_SHA256 = 'cca-sha256.xml'
CCA_LAUNCH_SECURITY = 'cca-launch-security.xml'
NO_CCA = 'no-cca.xml'

#: the largest domain-capabilities file a scenario may name (bytes); real
#: documents are a few KiB
MAX_BYTES = 1024 * 1024


class DomainCapabilitiesError(ValueError):
    """A domain-capabilities file that cannot be served."""


def _parser():
    # no network, no DTD, no entity expansion, no huge documents
    return etree.XMLParser(resolve_entities=False, no_network=True,
                           load_dtd=False, dtd_validation=False,
                           huge_tree=False, remove_blank_text=False)


def read(path):
    """The document in a domain-capabilities file, checked to be served.

    It must be a regular file of at most :data:`MAX_BYTES`, UTF-8 XML,
    well-formed, without a document type declaration (so no entities), with
    the root element ``domainCapabilities``, and readable by Nova's own
    parser (``LibvirtConfigDomainCaps``). Nothing is fetched or expanded.

    :raises DomainCapabilitiesError: with the reason
    """
    try:
        if not path.is_file():
            raise DomainCapabilitiesError(
                'no such file %s' % path if not path.exists()
                else '%s is not a file' % path)
        with open(path, 'rb') as f:
            data = f.read(MAX_BYTES + 1)
    except OSError as e:
        raise DomainCapabilitiesError('%s: %s' % (path, e.strerror or e))
    if len(data) > MAX_BYTES:
        raise DomainCapabilitiesError('%s is larger than %d bytes'
                                      % (path, MAX_BYTES))
    if not data.strip():
        raise DomainCapabilitiesError('%s is empty' % path)
    try:
        data.decode('utf-8')
    except UnicodeDecodeError as e:
        raise DomainCapabilitiesError('%s is not UTF-8 (byte 0x%02x at '
                                      'offset %d)' % (path, data[e.start],
                                                      e.start))
    try:
        root = etree.fromstring(data, _parser())
    except etree.XMLSyntaxError as e:
        raise DomainCapabilitiesError('%s is not well-formed XML: %s'
                                      % (path, e))
    tree = root.getroottree()
    if tree.docinfo.doctype or tree.docinfo.internalDTD is not None:
        raise DomainCapabilitiesError('%s has a document type declaration '
                                      '(DTD or entities): not accepted'
                                      % path)
    if root.tag != 'domainCapabilities':
        raise DomainCapabilitiesError('%s: the root element is <%s>, not '
                                      '<domainCapabilities>'
                                      % (path, root.tag))
    # as libvirt returns it: text without an XML declaration
    text = etree.tostring(root, encoding='unicode')
    # Imported here: nova.virt.libvirt loads the libvirt driver, which a
    # simulated compute process may only import after it installed the
    # fake libvirt (simulation.process reads its options through here).
    from nova.virt.libvirt import config as vconfig
    try:
        vconfig.LibvirtConfigDomainCaps().parse_str(text)
    except Exception as e:  # whatever Nova's parser raises
        raise DomainCapabilitiesError('%s: Nova cannot read it (%s: %s)'
                                      % (path, type(e).__name__, e))
    return text


def packaged(name):
    """Text of a shipped domain-capabilities document."""
    return (importlib.resources.files('nova_cca_simulator') / 'data' /
            'domcaps' / name).read_text()


def render(cca, measurement_algos=glossary.MEASUREMENT_ALGORITHMS):
    """An aarch64 document with ``<cca supported=...>`` and its algorithms."""
    root = etree.fromstring(packaged(NO_CCA).encode())
    features = root.find('features')
    for old in features.findall('cca'):
        features.remove(old)
    element = etree.SubElement(features, 'cca',
                               supported='yes' if cca else 'no')
    if cca and measurement_algos:
        enum = etree.SubElement(element, 'enum', name='measurement-algo')
        for algo in measurement_algos:
            etree.SubElement(enum, 'value').text = algo
    return etree.tostring(root, pretty_print=True).decode()
