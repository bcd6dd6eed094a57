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

"""How a realm is measured: what the user asks for, what a host must offer.

A realm's initial measurement depends on three settings of the realm
(``<launchSecurity type='cca'>`` in libvirt):

* the **measurement algorithm** (``sha256`` or ``sha512``),
* the **personalization value** (RPV, 64 bytes, see
  :mod:`nova_cca_attest.personalization`),
* the **measurement log** (an event log a verifier replays).

A user asks for them with flavor extra specs or image properties:

==========================  ==========================  =================
flavor extra spec           image property              values
==========================  ==========================  =================
``hw:cca_measurement_algo`` ``hw_cca_measurement_algo`` ``sha256``,
                                                        ``sha512``
``hw:cca_personalization``  ``hw_cca_personalization``  ``uuid``
``hw:cca_measurement_log``  ``hw_cca_measurement_log``  ``true``,
                                                        ``false``
==========================  ==========================  =================

:func:`realm_request` turns them into one comparable
:class:`RealmRequest`; :func:`required_traits` says which host traits the
request needs, so Placement only offers hosts that can honour it. A
request that cannot be honoured is refused with the offending key, never
dropped.
"""

from collections.abc import Iterable
import dataclasses
from typing import Any
from typing import TYPE_CHECKING

from nova import exception
from oslo_utils import strutils

from nova_cca import glossary
from nova_cca.i18n import _


if TYPE_CHECKING:
    from nova import objects

#: the measurement settings, as the part after ``hw:``/``hw_``
ALGO_SETTING = 'cca_measurement_algo'
PERSONALIZATION_SETTING = 'cca_personalization'
LOG_SETTING = 'cca_measurement_log'
SETTINGS = (ALGO_SETTING, PERSONALIZATION_SETTING, LOG_SETTING)

#: hw:cca_personalization=uuid: the RPV nova-cca derives from the server's
#: UUID (nova_cca_attest.personalization)
PERSONALIZATION_UUID = 'uuid'
PERSONALIZATION_SOURCES = (PERSONALIZATION_UUID,)

#: Server metadata key showing the owner the RPV the realm was created
#: with (written by the compute host when it starts the realm).
RPV_METADATA_KEY = 'cca_personalization_value'


def flavor_key(setting: str) -> str:
    return 'hw:' + setting


def image_key(setting: str) -> str:
    return 'hw_' + setting


#: the keys of every setting, as flavor extra specs and image properties
FLAVOR_KEYS = tuple(flavor_key(s) for s in SETTINGS)
IMAGE_KEYS = tuple(image_key(s) for s in SETTINGS)


@dataclasses.dataclass(frozen=True)
class RealmRequest:
    """What a realm asks of its host; equal requests are the same realm.

    ``measurement_algo`` is None when the user leaves it to the deployer
    (``[arm_cca] default_measurement_algo``) or the platform (sha512);
    ``personalization`` is None or ``'uuid'``; ``measurement_log`` is
    True only when asked for.
    """

    model: str = glossary.ARM_CCA
    measurement_algo: str | None = None
    personalization: str | None = None
    measurement_log: bool = False

    def required_traits(self) -> list[str]:
        """Traits a host needs for this request, the realm trait first."""
        traits = [glossary.REALM_TRAIT]
        if self.measurement_algo:
            traits.append(glossary.measurement_trait(self.measurement_algo))
        if self.personalization:
            traits.append(glossary.PERSONALIZATION_TRAIT)
        if self.measurement_log:
            traits.append(glossary.MEASUREMENT_LOG_TRAIT)
        return traits


def _flavor_value(flavor: 'objects.Flavor', setting: str) -> Any:
    specs = flavor.get('extra_specs', {}) or {}
    return specs.get(flavor_key(setting))


def _image_value(image_meta: 'objects.ImageMeta', setting: str) -> Any:
    return image_meta.properties.get(image_key(setting))


def _label(flavor: 'objects.Flavor',
           image_meta: 'objects.ImageMeta') -> tuple[str, str]:
    # only for messages: a flavor may be a dict, its name unset
    name = image_meta.name if 'name' in image_meta else None
    image = name or (image_meta.id if 'id' in image_meta else '<no-id>')
    return 'flavor %s' % flavor.get('name'), 'image %s' % image


def asks_for_settings(flavor: 'objects.Flavor',
                      image_meta: 'objects.ImageMeta') -> bool:
    """Whether the flavor or the image names any measurement setting.

    Looks at the keys only (the extra specs and image properties Nova
    reads anyway), so that a request without them costs nothing more.
    """
    specs = flavor.get('extra_specs', {}) or {}
    props = image_meta.properties
    return (any(key in specs for key in FLAVOR_KEYS) or
            any(key in props for key in IMAGE_KEYS))


def _parse(setting: str, key: str, value: Any) -> Any:
    """The value of one setting, or FlavorImageConflict naming ``key``."""
    if value is None:
        return None
    text = str(value).strip()
    if setting == ALGO_SETTING:
        if text not in glossary.MEASUREMENT_ALGORITHMS:
            raise exception.FlavorImageConflict(
                _('%s=%s is not a measurement algorithm (valid: %s).') %
                (key, text, ', '.join(glossary.MEASUREMENT_ALGORITHMS)))
        return text
    if setting == PERSONALIZATION_SETTING:
        if text not in PERSONALIZATION_SOURCES:
            raise exception.FlavorImageConflict(
                _('%s=%s is not a personalization value source '
                  '(valid: %s).') %
                (key, text, ', '.join(PERSONALIZATION_SOURCES)))
        return text
    if isinstance(value, bool):
        return value
    try:
        return strutils.bool_from_string(text, strict=True)
    except ValueError:
        raise exception.FlavorImageConflict(
            _('%s=%s is not a boolean (true or false).') % (key, text)
        ) from None


def requested_settings(flavor: 'objects.Flavor',
                       image_meta: 'objects.ImageMeta'
                       ) -> dict[str, Any]:
    """{setting: value} the flavor and image ask for, checked.

    :raises: FlavorImageConflict for an invalid value or a flavor and
        image that ask for different values, naming both keys.
    """
    settings: dict[str, Any] = {}
    for setting in SETTINGS:
        by_flavor = _parse(setting, flavor_key(setting),
                           _flavor_value(flavor, setting))
        by_image = _parse(setting, image_key(setting),
                          _image_value(image_meta, setting))
        if (by_flavor is not None and by_image is not None and
                by_flavor != by_image):
            flavor_label, image_label = _label(flavor, image_meta)
            raise exception.FlavorImageConflict(
                _('%s has %s=%s, but %s has %s=%s: ask for one value.') %
                (flavor_label, flavor_key(setting),
                 _flavor_value(flavor, setting), image_label,
                 image_key(setting), _image_value(image_meta, setting)))
        value = by_flavor if by_flavor is not None else by_image
        if value is not None:
            settings[setting] = value
    return settings


def check_request(flavor: 'objects.Flavor', image_meta: 'objects.ImageMeta',
                  mem_enc_config: Any) -> None:
    """Refuse measurement settings that are invalid or not for a realm.

    ``mem_enc_config`` is what Nova's ``get_mem_encryption_constraint``
    returned for the same flavor and image.

    :raises: FlavorImageConflict naming the offending key.
    """
    if not asks_for_settings(flavor, image_meta):
        return
    settings = requested_settings(flavor, image_meta)
    if not settings:
        return
    if mem_enc_config is None or mem_enc_config.model != glossary.ARM_CCA:
        keys = []
        for setting in settings:
            if _flavor_value(flavor, setting) is not None:
                keys.append(flavor_key(setting))
            if _image_value(image_meta, setting) is not None:
                keys.append(image_key(setting))
        raise exception.FlavorImageConflict(
            _('%s %s for Arm CCA realms only (hw:mem_encryption=true and '
              'hw:mem_encryption_model=%s, or the same image properties), '
              'but %s and %s ask for %s.') % (
                ', '.join(keys), 'is' if len(keys) == 1 else 'are',
                glossary.ARM_CCA,
                *_label(flavor, image_meta),
                mem_enc_config.model if mem_enc_config else
                'no memory encryption'))


def realm_request(flavor: 'objects.Flavor',
                  image_meta: 'objects.ImageMeta') -> RealmRequest | None:
    """The :class:`RealmRequest` of a flavor and image, None if no realm.

    The one comparable value of "how this realm is measured": the
    scheduler asks for its traits, the driver writes it, a rebuild that
    changes it is refused.

    :raises: FlavorImageConflict as :func:`check_request`.
    """
    # late import: nova.virt.hardware is wrapped by nova_cca.activation
    from nova.virt import hardware

    config = hardware.get_mem_encryption_constraint(flavor, image_meta)
    if config is None or config.model != glossary.ARM_CCA:
        return None
    settings = requested_settings(flavor, image_meta)
    return RealmRequest(
        model=config.model,
        measurement_algo=settings.get(ALGO_SETTING),
        personalization=settings.get(PERSONALIZATION_SETTING),
        measurement_log=bool(settings.get(LOG_SETTING)))


def required_traits(flavor: 'objects.Flavor',
                    image_meta: 'objects.ImageMeta') -> list[str]:
    """Traits a host needs to run this flavor and image; [] if no realm.

    The realm trait, plus one trait per measurement setting the user asked
    for (algorithm, personalization value, measurement log).
    """
    request = realm_request(flavor, image_meta)
    return request.required_traits() if request else []


def host_traits(measurement_algos: Iterable[str],
                personalization_value: str | None,
                measurement_log: bool) -> list[str]:
    """Measurement traits of a realm host (beyond the realm trait).

    :param measurement_algos: algorithms libvirt advertises
    :param personalization_value: ``[arm_cca] personalization_value``
    :param measurement_log: ``[arm_cca] measurement_log``
    """
    traits = [glossary.measurement_trait(a) for a in measurement_algos]
    if personalization_value:
        traits.append(glossary.PERSONALIZATION_TRAIT)
    if measurement_log:
        traits.append(glossary.MEASUREMENT_LOG_TRAIT)
    return traits


def refuse_change(current: RealmRequest | None, new: RealmRequest | None,
                  operation: str) -> None:
    """Refuse an operation that would change how a realm is measured.

    :param current: the server's :class:`RealmRequest` (or None)
    :param new: the request after the operation (or None)
    :param operation: what is asked, for the message (``'resize to flavor
        m2'``)
    :raises: FlavorImageConflict listing every setting that changes.
    """
    if current is None or new is None or current == new:
        return
    changes = ['%s %s -> %s' % (field.name, _shown(getattr(current,
                                                           field.name)),
                                _shown(getattr(new, field.name)))
               for field in dataclasses.fields(RealmRequest)
               if getattr(current, field.name) != getattr(new, field.name)]
    raise exception.FlavorImageConflict(
        _('%s would change how the Arm CCA realm is measured (%s); a '
          'realm keeps its measurement settings for its life.') %
        (operation, ', '.join(changes)))


def _shown(value: Any) -> str:
    return 'unset' if value is None else str(value).lower()
