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

"""Public keys: the realm's RAK from its claim, the platform's CPAK.

The realm public key claim (44237) holds the RAK either as a raw
uncompressed EC point (SEC 1, ``0x04 || x || y``; tokens without a realm
profile) or as an encoded COSE_Key (RFC 9052, section 7; realm profiles
``tag:arm.com,2023:realm#1.0.0`` and later). The tenant gives the CPAK,
the platform's attestation public key, as a JWK (RFC 7517) or PEM file.
"""

import base64
import binascii
import json
import re

from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives import serialization

from nova_cca_attest import cbor
from nova_cca_attest import TokenError

#: a key file larger than this is not a public key
MAX_KEY_FILE_BYTES = 16 * 1024

CURVES_BY_POINT_BYTES = {65: ec.SECP256R1, 97: ec.SECP384R1,
                         133: ec.SECP521R1}
COSE_EC2 = 2
COSE_CURVES = {1: ec.SECP256R1, 2: ec.SECP384R1, 3: ec.SECP521R1}
JWK_CURVES = {'P-256': ec.SECP256R1, 'P-384': ec.SECP384R1,
              'P-521': ec.SECP521R1}
#: base64url without padding (RFC 7515, section 2)
BASE64URL = re.compile(r'[A-Za-z0-9_-]*')


class KeyFileError(ValueError):
    """A key file the tenant gave cannot be used (names the file)."""


def rak_from_claim(value: bytes) -> ec.EllipticCurvePublicKey:
    """The RAK public key in a realm public key claim's bytes.

    :raises TokenError: the claim is neither form, or not a curve point.
    """
    what = 'the realm public key claim (44237)'
    if not isinstance(value, bytes):
        raise TokenError('%s must be a byte string, got %s'
                         % (what, cbor.type_name(value)))
    if value[:1] == b'\x04':
        curve = CURVES_BY_POINT_BYTES.get(len(value))
        if curve is None:
            raise TokenError('%s is a raw EC point of %d bytes; P-256, P-384 '
                             'and P-521 points are 65, 97 or 133'
                             % (what, len(value)))
        return _point(curve, value, what)
    key = cbor.loads(value, what)
    if not cbor.is_map(key):
        raise TokenError('%s is neither a raw EC point (0x04...) nor a '
                         'COSE_Key map (got %s)' % (what,
                                                    cbor.type_name(key)))
    # types first: 2.0 and True compare equal to integers, and a list or
    # a map cannot be looked up
    for label in key:
        if type(label) is not int and not isinstance(label, str):
            raise TokenError('%s: COSE_Key labels are integers or text, '
                             'got %s' % (what, cbor.type_name(label)))
    kty = key.get(1)
    if type(kty) is not int or kty != COSE_EC2:
        raise TokenError('%s: COSE_Key kty (1) must be EC2 (2), got %s'
                         % (what, _shown(kty)))
    crv = key.get(-1)
    curve = COSE_CURVES.get(crv) if type(crv) is int else None
    if curve is None:
        raise TokenError('%s: COSE_Key crv (-1) must be P-256 (1), P-384 '
                         '(2) or P-521 (3), got %s' % (what, _shown(crv)))
    x, y = key.get(-2), key.get(-3)
    size = (curve.key_size + 7) // 8
    for label, coordinate in ((-2, x), (-3, y)):
        if not isinstance(coordinate, bytes) or len(coordinate) != size:
            raise TokenError('%s: COSE_Key coordinate %d must be %d bytes '
                             'on %s' % (what, label, size, curve.name))
    return _point(curve, b'\x04' + x + y, what)


def _shown(value):
    """A short description of a value from untrusted input."""
    if type(value) in (int, str):
        text = repr(value)
        return text if len(text) <= 40 else text[:37] + '...'
    if value is None:
        return 'nothing'
    return cbor.type_name(value)


def _point(curve, encoded, what):
    try:
        return ec.EllipticCurvePublicKey.from_encoded_point(curve(), encoded)
    except ValueError:
        raise TokenError('%s is not a point on %s' % (what, curve.name)
                         ) from None


def load_public_key(path: str) -> ec.EllipticCurvePublicKey:
    """The EC public key in a JWK or PEM file at ``path``.

    :raises KeyFileError: naming the file and what is wrong with it.
    """
    try:
        with open(path, 'rb') as f:
            data = f.read(MAX_KEY_FILE_BYTES + 1)
    except OSError as e:
        raise KeyFileError('cannot read key file %s: %s'
                           % (path, e.strerror or e)) from None
    if len(data) > MAX_KEY_FILE_BYTES:
        raise KeyFileError('key file %s is over %d bytes: not a public key'
                           % (path, MAX_KEY_FILE_BYTES))
    if data.lstrip().startswith(b'{'):
        return _from_jwk(path, data)
    return _from_pem(path, data)


def _from_pem(path, data):
    try:
        key = serialization.load_pem_public_key(data)
    except (ValueError, TypeError) as e:
        raise KeyFileError('key file %s is neither an EC JWK nor a PEM public '
                           'key (%s)' % (path, e)) from None
    except Exception as e:  # noqa: unsupported key types raise their own
        raise KeyFileError('key file %s: unsupported key (%s)' % (path, e)
                           ) from None
    if not isinstance(key, ec.EllipticCurvePublicKey):
        raise KeyFileError('key file %s holds a %s, not an EC public key'
                           % (path, type(key).__name__))
    return key


def _from_jwk(path, data):
    try:
        jwk = json.loads(data)
    except (ValueError, UnicodeDecodeError) as e:
        raise KeyFileError('key file %s is not valid JSON: %s' % (path, e)
                           ) from None
    if not isinstance(jwk, dict):
        raise KeyFileError('key file %s: a JWK is a JSON object' % path)
    # the type first: a list or an object cannot be looked up
    kty, crv = jwk.get('kty'), jwk.get('crv')
    if not isinstance(kty, str) or kty != 'EC':
        raise KeyFileError('key file %s: JWK kty must be "EC", got %s'
                           % (path, _shown(kty)))
    curve = JWK_CURVES.get(crv) if isinstance(crv, str) else None
    if curve is None:
        raise KeyFileError('key file %s: JWK crv must be one of %s, got %s'
                           % (path, ', '.join(JWK_CURVES), _shown(crv)))
    size = (curve.key_size + 7) // 8
    coordinates = []
    for name in ('x', 'y'):
        text = jwk.get(name)
        if not isinstance(text, str) or not BASE64URL.fullmatch(text):
            raise KeyFileError('key file %s: JWK %s must be base64url'
                               % (path, name))
        try:
            raw = base64.urlsafe_b64decode(text + '=' * (-len(text) % 4))
        except (binascii.Error, ValueError):
            raise KeyFileError('key file %s: JWK %s must be base64url'
                               % (path, name)) from None
        if len(raw) != size:
            raise KeyFileError('key file %s: JWK %s must be %d bytes on %s, '
                               'got %d' % (path, name, size, jwk['crv'],
                                           len(raw)))
        coordinates.append(raw)
    try:
        return ec.EllipticCurvePublicKey.from_encoded_point(
            curve(), b'\x04' + coordinates[0] + coordinates[1])
    except ValueError:
        raise KeyFileError('key file %s: JWK x, y is not a point on %s'
                           % (path, jwk['crv'])) from None
