"""Arm CCA support as libvirt's domain capabilities describe it.

Two spellings mean support (see docs/operator-guide.md):

* ``<features><cca supported='yes'>`` with an optional
  ``<enum name='measurement-algo'>`` listing the algorithms;
* a ``cca`` value in ``<launchSecurity supported='yes'>
  <enum name='sectype'>`` (newer libvirt).

Anything else - ``supported='no'``, an absent element, XML that does not
parse, a host that is not aarch64 - means "not supported", with a reason.
Parsing never raises.
"""

import dataclasses

from lxml import etree

from nova_cca import model


@dataclasses.dataclass(frozen=True)
class RealmCapability:
    """What a host (or one domain-capabilities document) offers realms."""

    supported: bool
    #: algorithms libvirt lists; empty when it lists none (platform default)
    measurement_algos: tuple = ()
    #: why not supported, or which element said yes
    reason: str = ''

    @classmethod
    def unsupported(cls, reason):
        return cls(False, (), reason)

    def merge(self, other):
        """Support if either supports; union of the algorithms, in order."""
        if not other.supported:
            return self if self.supported else other
        if not self.supported:
            return other
        algos = tuple(dict.fromkeys(self.measurement_algos +
                                    other.measurement_algos))
        return RealmCapability(True, algos, self.reason)


_PARSER = etree.XMLParser(resolve_entities=False, no_network=True,
                          huge_tree=False)


def _enum_values(element, name):
    if element is None:
        return ()
    values = ((value.text or '').strip() for value in
              element.xpath('./enum[@name=$name]/value', name=name))
    return tuple(dict.fromkeys(v for v in values if v))


def parse_domain_capabilities(xml, host_arch=model.AARCH64):
    """Return the RealmCapability one domain-capabilities document states.

    :param xml: the document as libvirt returned it (str or bytes)
    :param host_arch: the host's architecture; only aarch64 can host realms
    """
    if host_arch != model.AARCH64:
        return RealmCapability.unsupported(
            'host architecture is %s, Arm CCA needs %s' %
            (host_arch, model.AARCH64))
    try:
        if isinstance(xml, str):
            xml = xml.encode('utf-8')
        root = etree.fromstring(xml, _PARSER)
    except (etree.XMLSyntaxError, ValueError, TypeError) as e:
        return RealmCapability.unsupported(
            'domain capabilities are not valid XML: %s' % e)
    return parse_domain_capabilities_dom(root)


def parse_domain_capabilities_dom(root):
    """Like parse_domain_capabilities, for an already parsed element."""
    if root is None or root.tag != 'domainCapabilities':
        return RealmCapability.unsupported(
            'no <domainCapabilities> document')
    guest_arch = (root.findtext('arch') or '').strip()
    if guest_arch and guest_arch != model.AARCH64:
        return RealmCapability.unsupported(
            'domain capabilities are for %s guests' % guest_arch)

    cca = root.find('./features/cca')
    if cca is not None and cca.get('supported') == 'yes':
        algos = tuple(a for a in _enum_values(cca, 'measurement-algo')
                      if a in model.MEASUREMENT_ALGORITHMS)
        return RealmCapability(True, algos, "<cca supported='yes'>")

    launch = root.find('./features/launchSecurity')
    if launch is None:
        launch = root.find('./launchSecurity')
    if launch is not None and launch.get('supported') == 'yes' and (
            'cca' in _enum_values(launch, 'sectype')):
        return RealmCapability(
            True, (), "<launchSecurity> lists sectype 'cca'")

    if cca is not None:
        return RealmCapability.unsupported(
            "libvirt reports <cca supported='%s'>" % cca.get('supported'))
    return RealmCapability.unsupported(
        'libvirt domain capabilities have no <cca> feature and no cca '
        'launchSecurity type')
