"""The realm part of a libvirt guest definition.

``<launchSecurity type='cca'>`` with its optional children, as the libvirt
RFC series and its forks define it (see docs/operator-guide.md). An
optional child is written only when the host advertises it.
"""

from nova.virt.libvirt import config as vconfig
from lxml import etree


class LibvirtConfigGuestRealmLaunchSecurity(vconfig.LibvirtConfigObject):
    """``<launchSecurity type='cca'>``."""

    SECTYPE = 'cca'

    def __init__(self, **kwargs):
        super().__init__(root_name='launchSecurity', **kwargs)
        #: 'sha256' or 'sha512'; None lets the platform choose
        self.measurement_algo = None
        #: base64 of 64 bytes; None for none
        self.personalization_value = None
        #: True/False to ask for a measurement log; None to leave it out
        self.measurement_log = None

    def format_dom(self):
        root = super().format_dom()
        root.set('type', self.SECTYPE)
        if self.measurement_algo is not None:
            self._text_child(root, 'measurement-algo', self.measurement_algo)
        if self.personalization_value is not None:
            self._text_child(root, 'personalization-value',
                             self.personalization_value)
        if self.measurement_log is not None:
            log = etree.SubElement(root, 'measurement-log')
            log.set('state', 'on' if self.measurement_log else 'off')
        return root

    @staticmethod
    def _text_child(root, tag, text):
        child = etree.SubElement(root, tag)
        child.text = str(text)

    def parse_dom(self, xmldoc):
        super().parse_dom(xmldoc)
        if xmldoc.get('type') != self.SECTYPE:
            raise ValueError("launchSecurity type is %r, expected %r"
                             % (xmldoc.get('type'), self.SECTYPE))
        self.measurement_algo = xmldoc.findtext('measurement-algo')
        self.personalization_value = xmldoc.findtext('personalization-value')
        log = xmldoc.find('measurement-log')
        if log is not None:
            self.measurement_log = log.get('state') == 'on'
        elif xmldoc.get('measurement-log') is not None:
            self.measurement_log = xmldoc.get('measurement-log') == 'yes'


def choose_measurement_algo(configured, advertised):
    """The ``measurement-algo`` to write, or None to omit the element.

    Written only when the host advertises algorithms and the operator's
    choice is among them; otherwise the platform default applies.
    """
    if configured and configured in advertised:
        return configured
    return None
