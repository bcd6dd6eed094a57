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
import hypothesis
from hypothesis import strategies as st
import pytest

from nova_cca_attest import keys
from nova_cca_attest.tests import cca_tokens as t
from nova_cca_attest.tests import shapes
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
    # the key type and the curve are checked before they are looked up
    (cbor2.dumps({1: 2, -1: [2]}), r'crv \(-1\) must be .* got array'),
    (cbor2.dumps({1: 2, -1: {1: 2}}), r'crv \(-1\) must be .* got map'),
    (cbor2.dumps({1: 2, -1: 2.0}), r'crv \(-1\) must be .* got float'),
    (cbor2.dumps({1: 2, -1: 'P-384'}), r"crv \(-1\) must be .* 'P-384'"),
    (cbor2.dumps({1: 2.0, -1: 2}), r'kty \(1\) must be EC2 \(2\), got '
                                   'float'),
    (cbor2.dumps({1: [2], -1: 2}), r'kty \(1\) must be EC2 .* got array'),
    (cbor2.dumps({1: True, -1: 2}), r'kty \(1\) must be EC2 .* boolean'),
    (cbor2.dumps({-1: 2}), r'kty \(1\) must be EC2 .* got nothing'),
    (cbor2.dumps({1.0: 2, -1: 2}), 'labels are integers or text, got '
                                   'float'),
    (cbor2.dumps({(1,): 2}), 'labels are integers or text, got array'),
    (cbor2.dumps({1: 2, -1: 2, -2: [bytes(48)], -3: bytes(48)}),
     'coordinate -2 must be 48 bytes'),
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
    # shapes the curve and key type must not be looked up with
    ({'crv': ['P-384']}, 'JWK crv must be one of .*, got array'),
    ({'crv': {'P-384': 1}}, 'JWK crv must be one of .*, got map'),
    ({'crv': 384}, 'JWK crv must be one of .*, got 384'),
    ({'crv': None}, 'JWK crv must be one of .*, got nothing'),
    ({'kty': ['EC']}, 'JWK kty must be "EC", got array'),
    ({'kty': {'EC': 'EC'}}, 'JWK kty must be "EC", got map'),
    ({'x': ['AAAA']}, 'JWK x must be base64url'),
    ({'x': {'a': 1}}, 'JWK x must be base64url'),
    ({'x': 'A\u00e9AA'}, 'JWK x must be base64url'),
    ({'x': 'AA+/'}, 'JWK x must be base64url'),
    ({'x': 'A'}, 'JWK x must be base64url'),
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


def rak_or_refusal(claim):
    """The RAK, or a TokenError: never another exception."""
    try:
        return keys.rak_from_claim(claim)
    except TokenError as e:
        assert str(e)
        return None


@hypothesis.settings(max_examples=120, deadline=None)
@hypothesis.given(shapes.CBOR)
def test_rak_claim_of_any_cbor_shape(value):
    assert rak_or_refusal(cbor2.dumps(value)) is None


@hypothesis.settings(max_examples=120, deadline=None)
@hypothesis.given(shapes.CBOR, shapes.CBOR, shapes.CBOR, shapes.CBOR,
                  st.dictionaries(shapes.KEYS, shapes.CBOR, max_size=3))
def test_cose_key_with_any_fields(kty, crv, x, y, extra):
    key = dict(extra)
    key.update({1: kty, -1: crv, -2: x, -3: y})
    assert rak_or_refusal(cbor2.dumps(key)) is None


@hypothesis.settings(max_examples=100, deadline=None)
@hypothesis.given(st.sampled_from([1, 2, 3]), shapes.CBOR, shapes.CBOR)
def test_cose_key_on_each_curve_with_any_coordinates(crv, x, y):
    assert rak_or_refusal(cbor2.dumps({1: 2, -1: crv, -2: x, -3: y})) \
        is None


@hypothesis.settings(max_examples=120, deadline=None)
@hypothesis.given(st.binary(max_size=200))
def test_rak_claim_of_any_bytes(value):
    rak_or_refusal(value)


@pytest.fixture(scope='module')
def jwk_path(tmp_path_factory):
    return tmp_path_factory.mktemp('jwk') / 'cpak.jwk'


def cpak_or_refusal(path, document):
    path.write_text(document)
    try:
        return keys.load_public_key(str(path))
    except keys.KeyFileError as e:
        assert str(path) in str(e)
        return None


@hypothesis.settings(max_examples=120, deadline=None)
@hypothesis.given(shapes.JSON)
def test_jwk_of_any_json_shape(jwk_path, value):
    # '{' first: read as a JWK, whatever follows
    document = json.dumps(value)
    if not document.startswith('{'):
        document = '{"k": %s}' % document
    assert cpak_or_refusal(jwk_path, document) is None


@hypothesis.settings(max_examples=120, deadline=None)
@hypothesis.given(st.sampled_from(['EC']) | shapes.JSON,
                  st.sampled_from(['P-256', 'P-384', 'P-521']) | shapes.JSON,
                  st.just('IShnxS4rlQiwpCCpBWDzlNLfqiG911FP8akBr-fh94uxHU5m'
                          '-Kijivp2r2oxxN6M') | shapes.JSON, shapes.JSON)
def test_jwk_with_any_fields(jwk_path, kty, crv, x, y):
    document = json.dumps({'kty': kty, 'crv': crv, 'x': x, 'y': y})
    assert cpak_or_refusal(jwk_path, document) is None
