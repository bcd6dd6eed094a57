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

"""The realm part of a libvirt guest definition.

``<launchSecurity type='cca'>`` with its optional children, as the libvirt
RFC series and its forks define it (see docs/operator-guide.md). An
optional child is written only when the host advertises it.
"""

from collections.abc import Collection
from typing import Any

from lxml import etree
from nova import exception
from nova.virt.libvirt import config as vconfig

from nova_cca import glossary
from nova_cca.i18n import _


class LibvirtConfigGuestRealmLaunchSecurity(vconfig.LibvirtConfigObject):
    """``<launchSecurity type='cca'>``."""

    SECTYPE = glossary.LAUNCH_SECURITY_TYPE

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(root_name='launchSecurity', **kwargs)
        #: 'sha256' or 'sha512'; None lets the platform choose
        self.measurement_algo: str | None = None
        #: base64 of 64 bytes; None for none
        self.personalization_value: str | None = None
        #: True/False: measurement-log='yes'/'no'; None to leave it out
        self.measurement_log: bool | None = None

    def format_dom(self) -> etree._Element:
        root = super().format_dom()
        root.set('type', self.SECTYPE)
        if self.measurement_log is not None:
            root.set('measurement-log',
                     'yes' if self.measurement_log else 'no')
        if self.measurement_algo is not None:
            self._text_child(root, 'measurement-algo', self.measurement_algo)
        if self.personalization_value is not None:
            self._text_child(root, 'personalization-value',
                             self.personalization_value)
        return root

    @staticmethod
    def _text_child(root: etree._Element, tag: str, text: Any) -> None:
        child = etree.SubElement(root, tag)
        child.text = str(text)

    def parse_dom(self, xmldoc: etree._Element) -> None:
        super().parse_dom(xmldoc)
        if xmldoc.get('type') != self.SECTYPE:
            raise ValueError("launchSecurity type is %r, expected %r"
                             % (xmldoc.get('type'), self.SECTYPE))
        self.measurement_algo = xmldoc.findtext('measurement-algo')
        self.personalization_value = xmldoc.findtext('personalization-value')
        log = xmldoc.get('measurement-log')
        self.measurement_log = None if log is None else log == 'yes'


class RealmSettingUnavailable(exception.NovaException):
    msg_fmt = ('This host cannot start the realm as asked: %(reason)s')


def choose_measurement_algo(configured: str | None,
                            advertised: Collection[str],
                            requested: str | None = None) -> str | None:
    """The ``measurement-algo`` to write, or None to omit the element.

    The user's choice (``requested``) comes first and must be advertised.
    Otherwise the operator's choice is written when the host advertises
    it; without either the platform default applies (sha512 in QEMU).

    :raises: RealmSettingUnavailable when ``requested`` is not advertised.
    """
    if requested:
        if requested not in advertised:
            raise RealmSettingUnavailable(reason=(
                _('measurement algorithm %s asked for, libvirt advertises '
                  '%s') % (requested, ', '.join(advertised) or 'none')))
        return requested
    if configured and configured in advertised:
        return configured
    return None
