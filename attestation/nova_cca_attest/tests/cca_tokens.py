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

"""Test-only CCA attestation tokens, signed with keys made in the test.

Tokens follow the RMM specification's layout (see nova_cca_attest);
every field can be overridden to build hostile variants.
"""

import base64
import hashlib
import json

import cbor2
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric import utils as ec_utils
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives import serialization

ES256, ES384 = -7, -35
HASHES = {ES256: (hashes.SHA256, 32), ES384: (hashes.SHA384, 48),
          -36: (hashes.SHA512, 66)}
REALM_PROFILE = 'tag:arm.com,2023:realm#1.0.0'
PLATFORM_PROFILE = 'tag:arm.com,2023:cca_platform#1.0.0'
NONCE = bytes(range(64))
RIM = hashlib.sha256(b'my own firmware and kernel').digest()
REMS = [bytes(32)] * 4


def b64url(value):
    return base64.urlsafe_b64encode(value).rstrip(b'=').decode()


class Keys:
    """A CPAK (the platform's key) and a RAK (the realm's key)."""

    def __init__(self, cpak_curve=ec.SECP384R1):
        self.cpak = ec.generate_private_key(cpak_curve())
        self.rak = ec.generate_private_key(ec.SECP384R1())

    def write_cpak_pem(self, path):
        path.write_bytes(self.cpak.public_key().public_bytes(
            serialization.Encoding.PEM,
            serialization.PublicFormat.SubjectPublicKeyInfo))
        return str(path)

    def write_cpak_jwk(self, path):
        numbers = self.cpak.public_key().public_numbers()
        size = (numbers.curve.key_size + 7) // 8
        path.write_text(json.dumps({
            'kty': 'EC', 'crv': {256: 'P-256', 384: 'P-384', 521: 'P-521'}[
                numbers.curve.key_size],
            'x': b64url(numbers.x.to_bytes(size, 'big')),
            'y': b64url(numbers.y.to_bytes(size, 'big'))}))
        return str(path)


def raw_point(private_key):
    return private_key.public_key().public_bytes(
        serialization.Encoding.X962,
        serialization.PublicFormat.UncompressedPoint)


def cose_key(private_key):
    numbers = private_key.public_key().public_numbers()
    return cbor2.dumps({1: 2, -1: 2, -2: numbers.x.to_bytes(48, 'big'),
                        -3: numbers.y.to_bytes(48, 'big')})


def realm_claims(keys, overrides=None, rak_form='cose'):
    rak = cose_key(keys.rak) if rak_form == 'cose' else raw_point(keys.rak)
    claims = {
        265: REALM_PROFILE if rak_form == 'cose' else None,
        10: NONCE,
        44235: hashlib.sha512(b'rpv').digest(),
        44236: 'sha-256',
        44237: rak,
        44238: RIM,
        44239: REMS,
        44240: 'sha-256',
    }
    if claims[265] is None:
        del claims[265]
    claims.update(overrides or {})
    return {k: v for k, v in claims.items() if v is not DROP}


def platform_claims(realm, overrides=None):
    claims = {
        265: PLATFORM_PROFILE,
        10: hashlib.new(realm.get(44240, 'sha-256').replace('-', ''),
                        realm[44237]).digest(),
        2396: bytes(32),
        256: b'\x01' + bytes(32),
        2401: b'\xcf' * 4,
        2395: 0x3000,
        2399: [{1: 'BL', 2: bytes(32), 5: bytes(32)}],
        2400: 'https://verifier.example',
        2402: 'sha-256',
    }
    claims.update(overrides or {})
    return {k: v for k, v in claims.items() if v is not DROP}


#: an override value meaning "leave this claim out"
DROP = object()


def sign1(claims, key, alg=ES384, protected=None, tag=18, payload=None,
          signature=None):
    """A COSE_Sign1 (bytes) over ``claims`` signed with ``key``."""
    protected = cbor2.dumps({1: alg}) if protected is None else protected
    payload = cbor2.dumps(claims) if payload is None else payload
    if signature is None:
        hash_type = HASHES.get(alg, (hashes.SHA384,))[0]
        size = (key.curve.key_size + 7) // 8
        tbs = cbor2.dumps(['Signature1', protected, b'', payload])
        r, s = ec_utils.decode_dss_signature(
            key.sign(tbs, ec.ECDSA(hash_type())))
        signature = r.to_bytes(size, 'big') + s.to_bytes(size, 'big')
    message = [protected, {}, payload, signature]
    return cbor2.dumps(cbor2.CBORTag(tag, message) if tag else message)


def token(keys, realm=None, platform=None, envelope=399,
          platform_alg=ES384, realm_alg=ES384, realm_token=None,
          platform_token=None):
    """A whole CCA token (bytes); defaults make one that verifies."""
    realm = realm_claims(keys) if realm is None else realm
    platform = platform_claims(realm) if platform is None else platform
    realm_token = realm_token or sign1(realm, keys.rak, realm_alg)
    platform_token = platform_token or sign1(platform, keys.cpak,
                                             platform_alg)
    if envelope == 907:
        collection = {44234: [263, platform_token],
                      44241: [263, realm_token]}
    else:
        collection = {44234: platform_token, 44241: realm_token}
    return cbor2.dumps(cbor2.CBORTag(envelope, collection))
