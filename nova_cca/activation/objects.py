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

"""Patches of ``nova.objects``: the model value and the realm's settings.

============================  ==============================================
patch                         contract
============================  ==============================================
objects.model_enum            ``arm-cca`` in ``MemEncryptionModel.ALL`` and
                              in the one Enum every MemEncryptionModelField
                              shares. No seam: the enum is a literal tuple.
                              Upstream: the CCA spec adds the value (object
                              versions ImageMetaProps 1.45, payload 1.21).
objects.image_properties      ImageMetaProps gains ``hw_cca_*`` string
                              fields and reports version
                              :data:`REALM_PROPS_VERSION` for an object that
                              carries them (1.44 otherwise, byte-identical
                              to Nova's): a process without nova-cca fails
                              loudly on such an object instead of dropping
                              the settings, and a backport to 1.44 of one
                              is refused. No seam: fields are declared in
                              the class. Upstream: the CCA spec's image
                              properties.
============================  ==============================================
"""

from typing import Any

from oslo_log import log as logging

from nova_cca.activation import patch as contract
from nova_cca import glossary
from nova_cca.i18n import _

LOG = logging.getLogger(__name__)
_peer_reported: list[bool] = []

#: ImageMetaProps as nova-cca serializes it when it carries realm
#: settings; Nova 34's own version is 1.44
NOVA_PROPS_VERSION = '1.44'
REALM_PROPS_VERSION = '1.44.1'


def _register_model() -> None:
    from nova.objects import fields

    enum_cls = fields.MemEncryptionModel
    enum_cls.ARM_CCA = glossary.ARM_CCA
    if glossary.ARM_CCA not in enum_cls.ALL:
        enum_cls.ALL = tuple(enum_cls.ALL) + (glossary.ARM_CCA,)
    shared = fields.MemEncryptionModelField.AUTO_TYPE
    if glossary.ARM_CCA not in shared._valid_values:
        shared._valid_values = (tuple(shared._valid_values) +
                                (glossary.ARM_CCA,))


class RealmSettingsNotUnderstood(Exception):
    """A realm's settings would reach a Nova process without nova-cca."""


def realm_fields() -> list[str]:
    from nova_cca.virt import measurement

    return [measurement.image_key(s) for s in measurement.SETTINGS]


def _register_image_properties() -> None:
    from nova.objects import fields
    from nova.objects import image_meta
    from oslo_versionedobjects import base as ovo_base

    props = image_meta.ImageMetaProps
    names = realm_fields()
    if not all(name in props.fields for name in names):
        for name in names:
            props.fields[name] = fields.StringField()
        # the accessors VersionedObjectRegistry makes for every field
        ovo_base._make_class_properties(props)
    props.VERSION = REALM_PROPS_VERSION
    contract.wrap(props, 'obj_to_primitive', _to_primitive)
    contract.wrap(props, 'obj_make_compatible', _make_compatible)


def _carries_realm_settings(data: dict[str, Any]) -> bool:
    return any(name in data for name in realm_fields())


def _to_primitive(original: Any) -> Any:
    def obj_to_primitive(self: Any, target_version: str | None = None,
                         version_manifest: dict[str, str] | None = None
                         ) -> dict[str, Any]:
        primitive = original(self, target_version, version_manifest)
        if (primitive['nova_object.version'] == REALM_PROPS_VERSION and
                not _carries_realm_settings(primitive['nova_object.data'])):
            # what Nova alone writes: readable without nova-cca
            primitive['nova_object.version'] = NOVA_PROPS_VERSION
        return primitive
    return obj_to_primitive


def _make_compatible(original: Any) -> Any:
    def obj_make_compatible(self: Any, primitive: dict[str, Any],
                            target_version: str) -> None:
        if target_version == NOVA_PROPS_VERSION and not _peer_reported:
            # only a process without nova-cca asks for 1.44 exactly
            _peer_reported.append(True)
            LOG.warning('A Nova process asked for ImageMetaProps %s: it '
                        'runs without nova-cca, and will fail on Arm CCA '
                        'realms. Start every Nova service through its '
                        'nova-cca entry point; nova-cca-status upgrade '
                        'check names the processes on each host.',
                        target_version)
        if target_version != REALM_PROPS_VERSION and _carries_realm_settings(
                primitive):
            raise RealmSettingsNotUnderstood(
                _('Image properties %(keys)s of an Arm CCA realm cannot be '
                  'sent to a Nova process that asks for ImageMetaProps '
                  '%(version)s: that process runs without nova-cca and '
                  'would lose them. Activate nova-cca in every Nova '
                  'process (the nova-cca-* services).') %
                {'keys': ', '.join(sorted(
                    n for n in realm_fields() if n in primitive)),
                 'version': target_version})
        original(self, primitive, target_version)
    return obj_make_compatible


PATCHES = [
    contract.Patch(
        name='objects.model_enum',
        target='nova.objects.fields:MemEncryptionModel',
        changes="adds 'arm-cca' to MemEncryptionModel.ALL and to the valid "
                "values of the Enum shared by every MemEncryptionModelField "
                "(ImageMetaProps, ImageMetaPropsPayload)",
        why='the model list is a literal tuple in nova/objects/fields.py',
        upstream="the Arm CCA spec (nova-specs 960777) adds 'arm-cca' with "
                 "object version bumps",
        apply=_register_model),
    contract.Patch(
        name='objects.image_properties',
        target='nova.objects.image_meta:ImageMetaProps',
        changes='adds hw_cca_measurement_algo, hw_cca_personalization, '
                'hw_cca_measurement_log; an object carrying one serializes '
                'as %s (refused by a process without nova-cca), every '
                'other object as 1.44, as Nova does' % REALM_PROPS_VERSION,
        why='object fields are declared in the class body; ImageMetaProps '
            'drops unknown image properties',
        upstream="the Arm CCA spec's image properties (ImageMetaProps "
                 '1.45)',
        apply=_register_image_properties),
    contract.Patch(
        name='objects.image_properties.obj_to_primitive',
        target='nova.objects.image_meta:ImageMetaProps.obj_to_primitive',
        changes='an object without realm settings keeps version 1.44',
        why='see objects.image_properties',
        upstream='see objects.image_properties',
        apply=lambda: None,
        signature="(self, target_version: 'str | None' = None, "
                  "version_manifest: 'dict[str, str] | None' = None) -> "
                  "'dict[str, Any]'",
        source_sha256='de561ea32fa9f063'),
    contract.Patch(
        name='objects.image_properties.obj_make_compatible',
        target='nova.objects.image_meta:ImageMetaProps.obj_make_compatible',
        changes='a backport of realm settings to 1.44 raises '
                'RealmSettingsNotUnderstood',
        why='see objects.image_properties',
        upstream='see objects.image_properties',
        apply=lambda: None,
        signature='(self, primitive, target_version)',
        source_sha256='66bcedaea8acbcf4'),
]
