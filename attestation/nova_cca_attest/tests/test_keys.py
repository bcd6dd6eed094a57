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

"""Public keys: the RAK from its claim, the CPAK from a JWK or PEM file."""

import json

import cbor2
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.hazmat.primitives import serialization
import pytest

from nova_cca_attest import keys
from nova_cca_attest.tests import cca_tokens as t
from nova_cca_attest import TokenError


@pytest.fixture(scope='module')
def pair():
    return t.Keys()


def same_key(a, b):
    return a.public_numbers() == b.public_numbers()


def test_rak_as_raw_point_and_as_cose_key(pair):
    wanted = pair.rak.public_key()
    assert same_key(keys.rak_from_claim(t.raw_point(pair.rak)), wanted)
    assert same_key(keys.rak_from_claim(t.cose_key(pair.rak)), wanted)


@pytest.mark.parametrize('claim,match', [
    (b'\x04' + bytes(10), 'raw EC point of 11 bytes'),
    (cbor2.dumps([1, 2]), 'neither a raw EC point .* nor a COSE_Key'),
    (cbor2.dumps({1: 2, -1: 9}), r'crv \(-1\) must be P-256'),
    (cbor2.dumps({1: 2, -1: True}), r'crv \(-1\) must be P-256'),
    (cbor2.dumps({1: 2, -1: 2, -2: bytes(48), -3: bytes(47)}),
     'coordinate -3 must be 48 bytes'),
    (cbor2.dumps({1: 2, -1: 2, -2: bytes(48), -3: bytes(48)}),
     'not a point on secp384r1'),
    (b'\xff', 'not well-formed CBOR'),
])
def test_bad_rak_claims(claim, match):
    with pytest.raises(TokenError, match=match):
        keys.rak_from_claim(claim)


def test_cpak_from_pem_and_jwk(pair, tmp_path):
    wanted = pair.cpak.public_key()
    assert same_key(keys.load_public_key(
        pair.write_cpak_pem(tmp_path / 'k.pem')), wanted)
    assert same_key(keys.load_public_key(
        pair.write_cpak_jwk(tmp_path / 'k.jwk')), wanted)


def write(tmp_path, content):
    path = tmp_path / 'key'
    path.write_bytes(content if isinstance(content, bytes)
                     else content.encode())
    return str(path)


def jwk(pair, **changes):
    numbers = pair.cpak.public_key().public_numbers()
    value = {'kty': 'EC', 'crv': 'P-384',
             'x': t.b64url(numbers.x.to_bytes(48, 'big')),
             'y': t.b64url(numbers.y.to_bytes(48, 'big'))}
    value.update(changes)
    return json.dumps(value)


@pytest.mark.parametrize('changes,match', [
    ({'kty': 'RSA'}, 'JWK kty must be "EC"'),
    ({'crv': 'secp256k1'}, 'JWK crv must be one of P-256, P-384, P-521'),
    ({'x': 7}, 'JWK x must be base64url'),
    ({'y': 'AAAA'}, 'JWK y must be 48 bytes on P-384, got 3'),
])
def test_bad_jwk(pair, tmp_path, changes, match):
    with pytest.raises(keys.KeyFileError, match=match):
        keys.load_public_key(write(tmp_path, jwk(pair, **changes)))


def test_bad_key_files(pair, tmp_path):
    private_pem = pair.cpak.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption())
    rsa_pem = rsa.generate_private_key(65537, 2048).public_key(
    ).public_bytes(serialization.Encoding.PEM,
                   serialization.PublicFormat.SubjectPublicKeyInfo)
    for content, match in (
            (private_pem, 'neither an EC JWK nor a PEM public key'),
            (rsa_pem, 'holds a .*RSA.*, not an EC public key'),
            ('{"kty": ', 'not valid JSON'),
            ('[1]', 'neither an EC JWK'),
            (b'{' + b' ' * keys.MAX_KEY_FILE_BYTES, 'over 16384 bytes')):
        with pytest.raises(keys.KeyFileError, match=match):
            keys.load_public_key(write(tmp_path, content))
    with pytest.raises(keys.KeyFileError, match='cannot read key file'):
        keys.load_public_key(str(tmp_path / 'absent'))


def test_p256_jwk(tmp_path):
    pair = t.Keys(cpak_curve=ec.SECP256R1)
    key = keys.load_public_key(pair.write_cpak_jwk(tmp_path / 'k.jwk'))
    assert key.curve.name == 'secp256r1'
