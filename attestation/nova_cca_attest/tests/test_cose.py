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
import hypothesis
from hypothesis import strategies as st
import pytest

from nova_cca_attest import cose
from nova_cca_attest.tests import cca_tokens as t
from nova_cca_attest.tests import shapes
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


def test_algorithm_only_from_the_protected_header():
    key = ec.generate_private_key(ec.SECP384R1())
    good = cbor2.loads(t.sign1(CLAIMS, key))
    for protected, unprotected in (({}, {1: -35}),
                                   ({1: -35}, {1: -35}),
                                   ({1: -35}, {1: -7})):
        message = [cbor2.dumps(protected), unprotected] + \
            list(good.value[2:])
        with pytest.raises(TokenError, match='unprotected header names an '
                                             'algorithm'):
            cose.decode_sign1(cbor2.dumps(cbor2.CBORTag(18, message)),
                              'token')


def test_other_unprotected_parameters_are_kept_out_of_the_way():
    # a key identifier (4) in the unprotected header is allowed; the
    # algorithm still comes from the protected one
    key = ec.generate_private_key(ec.SECP384R1())
    good = cbor2.loads(t.sign1(CLAIMS, key)).value
    data = cbor2.dumps(cbor2.CBORTag(18, [good[0], {4: b'kid'}] +
                                     list(good[2:])))
    message = cose.decode_sign1(data, 'token')
    assert message.alg_name == 'ES384'
    cose.verify(message, key.public_key())


_KEY = ec.generate_private_key(ec.SECP384R1())


def message_or_refusal(data):
    """A checked message, or a TokenError: never another exception; a
    message's verification fails with a SignatureError or succeeds.
    """
    try:
        message = cose.decode_sign1(data, 'token')
    except TokenError as e:
        assert str(e)
        return None
    try:
        cose.verify(message, _KEY.public_key())
    except cose.SignatureError as e:
        assert str(e)
    return message


@hypothesis.settings(max_examples=150, deadline=None)
@hypothesis.given(shapes.CBOR)
def test_any_cbor_shape_as_a_cose_sign1(value):
    message_or_refusal(cbor2.dumps(value))
    message_or_refusal(cbor2.dumps(cbor2.CBORTag(18, value)))


@hypothesis.settings(max_examples=150, deadline=None)
@hypothesis.given(st.dictionaries(shapes.KEYS, shapes.CBOR, max_size=4),
                  st.dictionaries(shapes.KEYS, shapes.CBOR, max_size=4),
                  shapes.CBOR, shapes.CBOR)
def test_any_headers_payload_and_signature(protected, unprotected, payload,
                                           signature):
    # headers of any content; the payload and signature of any shape
    for protected_bytes in (cbor2.dumps(protected),
                            cbor2.dumps(dict(protected, **{'1': 0}))):
        message = message_or_refusal(cbor2.dumps(cbor2.CBORTag(18, [
            protected_bytes, unprotected, payload, signature])))
        if message is not None:
            assert 1 not in unprotected
