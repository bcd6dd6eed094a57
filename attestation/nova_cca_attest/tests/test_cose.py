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

"""COSE_Sign1: structure and ECDSA signatures (raw r || s)."""

import cbor2
from cryptography.hazmat.primitives.asymmetric import ec
import pytest

from nova_cca_attest import cose
from nova_cca_attest.tests import cca_tokens as t
from nova_cca_attest import TokenError

CLAIMS = {10: bytes(64)}


@pytest.mark.parametrize('alg,curve', [(-7, ec.SECP256R1),
                                       (-35, ec.SECP384R1),
                                       (-36, ec.SECP521R1)])
def test_each_algorithm_verifies(alg, curve):
    key = ec.generate_private_key(curve())
    message = cose.decode_sign1(t.sign1(CLAIMS, key, alg), 'token')
    assert message.algorithm.cose_id == alg
    assert cbor2.loads(message.payload) == CLAIMS
    cose.verify(message, key.public_key())


def test_sig_structure_is_rfc_9052():
    key = ec.generate_private_key(ec.SECP384R1())
    message = cose.decode_sign1(t.sign1(CLAIMS, key), 'token')
    assert cbor2.loads(message.to_be_signed()) == [
        'Signature1', cbor2.dumps({1: -35}), b'', cbor2.dumps(CLAIMS)]


def test_another_key_does_not_verify():
    key = ec.generate_private_key(ec.SECP384R1())
    other = ec.generate_private_key(ec.SECP384R1())
    message = cose.decode_sign1(t.sign1(CLAIMS, key), 'realm token')
    with pytest.raises(cose.SignatureError,
                       match='realm token: the ES384 signature does not '
                             'match'):
        cose.verify(message, other.public_key())


def test_zero_signature_does_not_verify():
    key = ec.generate_private_key(ec.SECP384R1())
    message = cose.decode_sign1(
        t.sign1(CLAIMS, key, signature=bytes(96)), 'token')
    with pytest.raises(cose.SignatureError, match='does not match'):
        cose.verify(message, key.public_key())


def test_payload_must_be_attached():
    data = cbor2.dumps(cbor2.CBORTag(18, [cbor2.dumps({1: -35}), {}, None,
                                          bytes(96)]))
    with pytest.raises(TokenError, match='payload must be a byte string, '
                                         'got null'):
        cose.decode_sign1(data, 'token')


def test_algorithm_type():
    data = t.sign1(CLAIMS, ec.generate_private_key(ec.SECP384R1()),
                   protected=cbor2.dumps({1: [1]}))
    with pytest.raises(TokenError, match='algorithm must be an integer or '
                                         'text, got array'):
        cose.decode_sign1(data, 'token')
