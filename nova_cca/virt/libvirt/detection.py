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

"""Arm CCA support as libvirt's domain capabilities describe it.

Two spellings mean support (see docs/operator-guide.md):

* ``<features><cca supported='yes'>`` with an optional
  ``<enum name='measurement-algo'>`` listing the algorithms, read by
  :class:`LibvirtConfigDomainCapsFeatureCCA`, which activation adds to
  Nova's own domain-capabilities feature list;
* a ``cca`` value among the ``sectypes`` Nova parses from
  ``<features><launchSecurity supported='yes'><enum name='sectype'>``
  (newer libvirt).

Anything else - ``supported='no'``, an absent element, XML that does not
parse, a host that is not aarch64 - means "not supported", with a reason.
Parsing never raises.
"""

import dataclasses
from typing import Any

from lxml import etree
from nova.virt.libvirt import config as vconfig

from nova_cca import glossary


@dataclasses.dataclass(frozen=True)
class RealmCapability:
    """What a host (or one domain-capabilities document) offers realms."""

    supported: bool
    #: algorithms libvirt lists; empty when it lists none (platform default)
    measurement_algos: tuple = ()
    #: why not supported, or which element said yes
    reason: str = ''

    @classmethod
    def unsupported(cls, reason: str) -> 'RealmCapability':
        return cls(False, (), reason)

    def merge(self, other: 'RealmCapability') -> 'RealmCapability':
        """Support if either supports; union of the algorithms, in order."""
        if not other.supported:
            return self if self.supported else other
        if not self.supported:
            return other
        algos = tuple(dict.fromkeys(self.measurement_algos +
                                    other.measurement_algos))
        return RealmCapability(True, algos, self.reason)


class LibvirtConfigDomainCapsFeatureCCA(vconfig.LibvirtConfigObject):
    """``<features><cca supported='yes|no'>`` of domain capabilities."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(root_name='cca', **kwargs)
        self.supported = False
        #: the ``supported`` attribute as libvirt wrote it (None: absent)
        self.supported_value: str | None = None
        #: the listed measurement algorithms, in libvirt's order
        self.measurement_algos: list[str] = []

    def parse_dom(self, xmldoc: etree._Element) -> None:
        super().parse_dom(xmldoc)
        self.supported_value = xmldoc.get('supported')
        self.supported = self.supported_value == 'yes'
        for c in xmldoc:
            if c.tag == 'enum' and c.get('name') == 'measurement-algo':
                self.measurement_algos = [
                    (v.text or '').strip() for v in c
                    if v.tag == 'value' and (v.text or '').strip()]


#: feature tags nova-cca reads beside Nova's (see activation)
FEATURES = {'cca': LibvirtConfigDomainCapsFeatureCCA}


def parse_features(
        xmldoc: etree._Element) -> list[vconfig.LibvirtConfigObject]:
    """The nova-cca feature objects of one ``<features>`` element."""
    features = []
    for c in xmldoc:
        cls = FEATURES.get(c.tag)
        if cls is not None:
            feature = cls()
            feature.parse_dom(c)
            features.append(feature)
    return features


def unsupported_host_arch(host_arch: str | None) -> RealmCapability | None:
    """The verdict for a host that cannot run realms, or None on aarch64.

    The one architecture check of nova-cca.
    """
    if host_arch == glossary.AARCH64:
        return None
    return RealmCapability.unsupported(
        'host architecture is %s, Arm CCA needs %s'
        % (host_arch, glossary.AARCH64))


def _feature(caps: vconfig.LibvirtConfigDomainCaps, cls: type) -> Any:
    for feature in caps.features:
        if isinstance(feature, cls):
            return feature
    return None


def realm_capability(
        caps: vconfig.LibvirtConfigDomainCaps) -> RealmCapability:
    """The RealmCapability a parsed LibvirtConfigDomainCaps states."""
    cca = _feature(caps, LibvirtConfigDomainCapsFeatureCCA)
    if cca is not None and cca.supported:
        algos = tuple(dict.fromkeys(
            a for a in cca.measurement_algos
            if a in glossary.MEASUREMENT_ALGORITHMS))
        return RealmCapability(True, algos, "<cca supported='yes'>")

    launch = _feature(
        caps, vconfig.LibvirtConfigDomainCapsFeatureLaunchSecurity)
    if launch is not None and launch.supported and 'cca' in [
            (sectype or '').strip() for sectype in launch.sectypes or ()]:
        return RealmCapability(
            True, (), "<launchSecurity> lists sectype 'cca'")

    if cca is not None:
        return RealmCapability.unsupported(
            "libvirt reports <cca supported='%s'>" % cca.supported_value)
    return RealmCapability.unsupported(
        'libvirt domain capabilities have no <cca> feature and no cca '
        'launchSecurity type')


_PARSER = etree.XMLParser(resolve_entities=False, no_network=True,
                          huge_tree=False)


def parse_domain_capabilities(
        xml: str | bytes,
        host_arch: str | None = glossary.AARCH64) -> RealmCapability:
    """Return the RealmCapability one domain-capabilities document states.

    Makes sure Nova's parser reads ``<cca>``
    (:func:`nova_cca.activation.register_domain_caps_features`).

    :param xml: the document as libvirt returned it (str or bytes)
    :param host_arch: the host's architecture; only aarch64 can host realms
    """
    refused = unsupported_host_arch(host_arch)
    if refused is not None:
        return refused
    try:
        if isinstance(xml, str):
            xml = xml.encode('utf-8')
        root = etree.fromstring(xml, _PARSER)
    except (etree.XMLSyntaxError, ValueError, TypeError) as e:
        return RealmCapability.unsupported(
            'domain capabilities are not valid XML: %s' % e)
    return parse_domain_capabilities_dom(root)


def parse_domain_capabilities_dom(
        root: etree._Element | None) -> RealmCapability:
    """Like parse_domain_capabilities, for an already parsed element."""
    if root is None or root.tag != 'domainCapabilities':
        return RealmCapability.unsupported(
            'no <domainCapabilities> document')
    guest_arch = (root.findtext('arch') or '').strip()
    if guest_arch and guest_arch != glossary.AARCH64:
        return RealmCapability.unsupported(
            'domain capabilities are for %s guests' % guest_arch)
    # Nova's parser learns <cca> there (idempotent; a no-op once active)
    from nova_cca import activation
    activation.register_domain_caps_features()
    caps = vconfig.LibvirtConfigDomainCaps()
    try:
        caps.parse_dom(root)
    except Exception as e:  # libvirt's document is input: never raise
        return RealmCapability.unsupported(
            'domain capabilities do not parse: %s' % e)
    return realm_capability(caps)
