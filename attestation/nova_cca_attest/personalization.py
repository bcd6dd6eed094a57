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

"""The realm personalization value (RPV) of a server.

A realm's RPV is 64 bytes that the host writes into the realm at creation
(``<personalization-value>``, base64) and that the realm's attestation
token carries as claim 44235. nova-cca derives it from the server's UUID,
so that a tenant's verifier can recompute it knowing only the UUID::

    RPV = SHA-512(b"nova-cca realm personalization value v1:" + UUID)

where ``UUID`` is the server's UUID in its canonical form (36 lowercase
ASCII characters with hyphens). The derivation is public and versioned by
its prefix; it never changes for a given version.
"""

import base64
import binascii
import hashlib
import uuid

#: bytes in a personalization value (RMM specification)
RPV_BYTES = 64
#: characters of its base64 form
RPV_BASE64_CHARS = 88
#: the derivation's domain-separation prefix (version 1)
DERIVATION_PREFIX = b'nova-cca realm personalization value v1:'


def derive(server_uuid: str | uuid.UUID) -> bytes:
    """The 64-byte RPV nova-cca derives for ``server_uuid``.

    :raises ValueError: ``server_uuid`` is not a UUID.
    """
    canonical = str(uuid.UUID(str(server_uuid)))
    return hashlib.sha512(DERIVATION_PREFIX + canonical.encode('ascii')
                          ).digest()


def derive_base64(server_uuid: str | uuid.UUID) -> str:
    """:func:`derive` in base64, as libvirt's XML carries it."""
    return encode(derive(server_uuid))


def encode(value: bytes) -> str:
    """Base64 of a 64-byte RPV."""
    if len(value) != RPV_BYTES:
        raise ValueError('a personalization value is %d bytes, not %d'
                         % (RPV_BYTES, len(value)))
    return base64.b64encode(value).decode('ascii')


def decode(text: str) -> bytes:
    """The 64 bytes of a base64 RPV.

    :raises ValueError: naming what is wrong with ``text``.
    """
    if not isinstance(text, str) or len(text) != RPV_BASE64_CHARS:
        raise ValueError(
            'a personalization value is base64 of exactly %d bytes '
            '(%d characters), got %s' % (
                RPV_BYTES, RPV_BASE64_CHARS,
                '%d characters' % len(text) if isinstance(text, str)
                else type(text).__name__))
    try:
        value = base64.b64decode(text.encode('ascii'), validate=True)
    except (binascii.Error, UnicodeEncodeError):
        raise ValueError('a personalization value must be base64: %r is '
                         'not' % text[:100]) from None
    if len(value) != RPV_BYTES:
        raise ValueError('a personalization value is %d bytes, %r decodes '
                         'to %d' % (RPV_BYTES, text, len(value)))
    return value
