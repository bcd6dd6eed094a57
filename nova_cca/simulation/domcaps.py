"""Domain-capabilities documents of simulated aarch64 hosts.

Shipped as package data (``nova_cca/data/domcaps``):

* ``cca-sha256-sha512.xml`` - CCA, both measurement algorithms;
* ``cca-sha256.xml`` - CCA, sha256 only;
* ``cca-launch-security.xml`` - CCA stated as launchSecurity sectype;
* ``no-cca.xml`` - a plain aarch64 KVM host.
"""

import importlib.resources

from lxml import etree

CCA_SHA256_SHA512 = 'cca-sha256-sha512.xml'
CCA_SHA256 = 'cca-sha256.xml'
CCA_LAUNCH_SECURITY = 'cca-launch-security.xml'
NO_CCA = 'no-cca.xml'


def packaged(name):
    """Text of a shipped domain-capabilities document."""
    return (importlib.resources.files('nova_cca') / 'data' / 'domcaps' /
            name).read_text()


def render(cca, measurement_algos=('sha256', 'sha512')):
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
