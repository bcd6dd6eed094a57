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

"""Which memory-encryption model a request means.

Nova defaults a request without a model to ``amd-sev``. SEV cannot exist on
Arm, so an image that declares ``hw_architecture=aarch64`` and asks for
memory encryption without naming a model means an Arm CCA realm. Without a
declared architecture Nova's default stays.
"""

import dataclasses
from typing import TYPE_CHECKING

from nova.virt import hardware

from nova_cca import glossary


if TYPE_CHECKING:
    from nova import objects


def implied_model(flavor: 'objects.Flavor',
                  image_meta: 'objects.ImageMeta') -> str | None:
    """The model a request implies without naming one, or None.

    Returns ``arm-cca`` when the image declares ``hw_architecture=aarch64``
    and neither the flavor nor the image names a model. Reads only what
    Nova's ``get_mem_encryption_constraint`` reads itself (the image's
    properties, the flavor's extra specs), and only for an aarch64 image.
    Whether encryption is requested at all is left to Nova's own checks.
    """
    props = image_meta.properties
    if ('hw_architecture' not in props or
            props.hw_architecture != glossary.AARCH64):
        return None
    if props.get('hw_mem_encryption_model') is not None:
        return None
    if (flavor.get('extra_specs', {}) or {}).get('hw:mem_encryption_model'):
        return None
    return glossary.ARM_CCA


def with_implied_model(flavor: 'objects.Flavor',
                       image_meta: 'objects.ImageMeta'
                       ) -> 'objects.ImageMeta':
    """``image_meta`` with the implied model set, or unchanged."""
    implied = implied_model(flavor, image_meta)
    if implied is None:
        return image_meta
    image_meta = image_meta.obj_clone()
    image_meta.properties.hw_mem_encryption_model = implied
    return image_meta


@dataclasses.dataclass(frozen=True)
class EncryptionRequest:
    """What a flavor and an image ask of memory encryption, comparable.

    Two requests are equal when a guest built for one is the guest the
    other asks for. ``model`` is None without memory encryption. A later
    per-realm choice (the measurement algorithm) becomes another field.
    """

    model: str | None = None

    def __str__(self) -> str:
        return self.model or 'no memory encryption'


#: image properties that decide an image's part of the request
REQUEST_PROPERTIES = ('hw_mem_encryption', 'hw_mem_encryption_model',
                      'hw_architecture')


def encryption_request(flavor: 'objects.Flavor',
                       image_meta: 'objects.ImageMeta'
                       ) -> EncryptionRequest:
    """The :class:`EncryptionRequest` of ``flavor`` + ``image_meta``."""
    config = hardware.get_mem_encryption_constraint(flavor, image_meta)
    return EncryptionRequest(config.model if config is not None else None)
