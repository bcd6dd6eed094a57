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

"""Decoding a CCA token: structure, and refusal of hostile input."""

import json

import cbor2
import hypothesis
from hypothesis import strategies as st
import pytest

from nova_cca_attest import cmd as attest
from nova_cca_attest.tests import cca_tokens as t
from nova_cca_attest.tests import shapes
from nova_cca_attest import token
from nova_cca_attest import TokenError
from nova_cca_attest import verify


@pytest.fixture(scope='module')
def keys():
    return t.Keys()


def refused(data, match):
    with pytest.raises(TokenError, match=match):
        token.decode(data)


def test_own_token_decodes_in_both_envelopes(keys):
    for envelope in (399, 907):
        decoded = token.decode(t.token(keys, envelope=envelope))
        assert decoded.realm_claims[10] == t.NONCE
        assert decoded.platform.alg_name == 'ES384'
        assert str(envelope) in decoded.envelope


def test_truncated_cbor(keys):
    data = t.token(keys)
    for cut in (1, 10, len(data) // 2, len(data) - 1):
        refused(data[:cut], 'not well-formed CBOR')


def test_trailing_bytes(keys):
    refused(t.token(keys) + b'\x00', '1 trailing bytes')


def test_empty_and_oversized_input():
    refused(b'', 'empty')
    refused(b'\x00' * (token.MAX_TOKEN_BYTES + 1), 'at most 65536')


def test_wrong_outer_tag(keys):
    collection = cbor2.loads(t.token(keys)).value
    refused(cbor2.dumps(cbor2.CBORTag(400, collection)), 'got tag 400')
    refused(cbor2.dumps(collection), 'got map')
    # a bare COSE_Sign1 (tag 18) is not a collection
    refused(t.sign1(t.realm_claims(keys), keys.rak), 'got tag 18')


def test_wrong_inner_tag(keys):
    realm = t.sign1(t.realm_claims(keys), keys.rak, tag=17)
    refused(t.token(keys, realm_token=realm),
            r'realm token must be a COSE_Sign1 \(CBOR tag 18\), got tag 17')
    untagged = t.sign1(t.realm_claims(keys), keys.rak, tag=None)
    refused(t.token(keys, realm_token=untagged), 'got array')


def test_missing_or_extra_token(keys):
    collection = dict(cbor2.loads(t.token(keys)).value)
    platform = collection.pop(44234)
    refused(cbor2.dumps(cbor2.CBORTag(399, collection)),
            'lacks its platform token')
    collection.update({44234: platform, 1: b''})
    refused(cbor2.dumps(cbor2.CBORTag(399, collection)), 'unexpected keys')


def test_cose_sign1_shape(keys):
    claims = cbor2.dumps(t.realm_claims(keys))
    for message, match in (
            ([b'', {}, claims], 'array of 4 items, got 3 items'),
            ([{1: -35}, {}, claims, b''], 'protected header must be a byte'),
            ([cbor2.dumps({1: -35}), [], claims, b''], 'unprotected header'),
            ([cbor2.dumps({1: -35}), {}, None, b''], 'payload must be'),
            ([cbor2.dumps({}), {1: -35}, claims, b''],
             r'unprotected header names an algorithm \(label 1\); only '
             'the protected header may'),
            ([cbor2.dumps({1: -35}), {1: -35}, claims, b''],
             'unprotected header names an algorithm'),
            ([cbor2.dumps({1: -35}), {1.0: -7}, claims, b''],
             'unprotected header has a label of type float'),
            ([cbor2.dumps({1: -35, b'x': 1}), {}, claims, b''],
             'protected header has a label of type byte string'),
            ([cbor2.dumps([1]), {}, claims, b''], 'must encode a map')):
        bad = cbor2.dumps(cbor2.CBORTag(18, message))
        refused(t.token(keys, realm_token=bad), match)


def test_cmw_entry_shape(keys):
    good = cbor2.loads(t.token(keys, envelope=907)).value
    for entry, match in (([264, good[44241][1]], 'must be 263, got 264'),
                         (good[44241][1], 'CMW collection entry')):
        collection = {44234: good[44234], 44241: entry}
        refused(cbor2.dumps(cbor2.CBORTag(907, collection)), match)


@pytest.mark.parametrize('claim,value,match', [
    (10, t.DROP, 'lacks its mandatory challenge claim'),
    (10, b'\x00' * 65, r'challenge \(10\) must be 64 bytes, got 65'),
    (10, b'\x00' * 4000, 'must be 64 bytes, got 4000'),
    (10, 'text', 'must be a byte string, got text string'),
    (44235, b'\x00' * 100, 'personalization-value .* must be 64 bytes'),
    (44238, b'\x00' * 33, 'initial-measurement .* 32 or 48 or 64 bytes'),
    (44239, [b'\x00' * 32] * 3, 'array of 4 measurements'),
    (44239, [b'\x00' * 32] * 3 + [b'\x00' * 4097], r'\[3\] must be 32'),
    (44237, t.DROP, 'lacks its mandatory public-key'),
    (44240, 'x' * 300, 'at most 256 characters'),
    (44240, 5, 'must be text'),
])
def test_hostile_realm_claims(keys, claim, value, match):
    realm = t.realm_claims(keys)
    if value is t.DROP:
        del realm[claim]
    else:
        realm[claim] = value
    refused(t.token(keys, realm=realm,
                    platform=t.platform_claims(t.realm_claims(keys))),
            'realm token.*' + match)


@pytest.mark.parametrize('claim,value,match', [
    (10, t.DROP, 'platform token lacks its mandatory challenge'),
    (10, b'\x00' * 31, 'challenge .* 32 or 48 or 64 bytes, got 31'),
    (2395, -1, 'lifecycle .* integer 0..65535'),
    (2395, True, 'lifecycle .* integer 0..65535'),
    (2399, {}, 'sw-components .* array'),
    (2399, [1], r'sw-components \(2399\)\[0\] must be a map'),
    (265, t.DROP, 'lacks its mandatory profile'),
    (2401, b'\x00' * 5000, 'config .* at most 4096 bytes'),
])
def test_hostile_platform_claims(keys, claim, value, match):
    realm = t.realm_claims(keys)
    platform = t.platform_claims(realm)
    if value is t.DROP:
        del platform[claim]
    else:
        platform[claim] = value
    refused(t.token(keys, realm=realm, platform=platform), match)


def test_claim_keys_are_integers(keys):
    realm = t.realm_claims(keys)
    realm['challenge'] = b''
    refused(t.token(keys, realm=realm,
                    platform=t.platform_claims(t.realm_claims(keys))),
            "claim key 'challenge'")


def test_duplicate_claim_is_refused(keys):
    # two challenge claims: a verifier and a relying party could each
    # read a different one
    payload = bytes([0xa2]) + cbor2.dumps(10)[0:1] + cbor2.dumps(t.NONCE) \
        + cbor2.dumps(10)[0:1] + cbor2.dumps(bytes(64))
    realm = t.sign1(None, keys.rak, payload=payload)
    refused(t.token(keys, realm_token=realm), 'not well-formed CBOR')


def test_deep_nesting_is_refused():
    nested = []
    for _ in range(20):
        nested = [nested]
    refused(cbor2.dumps(cbor2.CBORTag(399, {44234: nested})),
            'not well-formed CBOR')


def _outcome(data, cpak=None):
    """A verdict or a "not a token" refusal: never another exception."""
    try:
        decoded = token.decode(data)
    except TokenError as e:
        assert str(e)
        return 'not a token'
    result = verify.verify(decoded, verify.Expectations(
        nonce=t.NONCE, cpak=cpak))
    return result.outcome


@hypothesis.settings(max_examples=300, deadline=None)
@hypothesis.given(st.binary(max_size=512))
def test_any_bytes_give_a_verdict_or_a_refusal(data):
    assert _outcome(data) in ('not a token',) + verify.OUTCOMES


@hypothesis.settings(max_examples=200, deadline=None)
@hypothesis.given(st.data())
def test_mutated_tokens_give_a_verdict_or_a_refusal(data):
    keys = _KEYS
    good = _GOOD
    position = data.draw(st.integers(0, len(good) - 1))
    byte = data.draw(st.integers(0, 255))
    mutated = good[:position] + bytes([byte]) + good[position + 1:]
    outcome = _outcome(mutated, keys.cpak.public_key())
    if mutated != good:
        # with the CPAK, a changed byte never yields a token that verifies
        assert outcome != verify.VERIFIED, (position, byte)


CBOR_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() |
    st.binary(max_size=80) | st.text(max_size=20),
    lambda inner: st.lists(inner, max_size=5) |
    st.dictionaries(st.integers(0, 45000), inner, max_size=5) |
    st.builds(cbor2.CBORTag, st.integers(0, 70000), inner),
    max_leaves=20)


@hypothesis.settings(max_examples=150, deadline=None)
@hypothesis.given(CBOR_VALUES)
def test_wellformed_cbor_of_any_shape_is_refused_clearly(value):
    for wrapped in (value, cbor2.CBORTag(399, value),
                    cbor2.CBORTag(399, {44234: value, 44241: value}),
                    cbor2.CBORTag(907, {44234: [263, value],
                                        44241: [263, value]})):
        assert _outcome(cbor2.dumps(wrapped)) == 'not a token'


_KEYS = t.Keys()
_GOOD = t.token(_KEYS)


@pytest.mark.parametrize('claim', [
    'd81c81d81d00',                   # a list that contains itself
    'c5821b7fffffffffffffff01',       # bigfloat 2 ** (2 ** 63 - 1)
    'c074323032362d31312d32365430303a30303a30305a',   # a date
])
def test_semantic_tags_stay_plain_tags(keys, claim):
    # an unknown claim may hold anything; it is shown, never interpreted
    realm = t.realm_claims(keys)
    payload = cbor2.dumps(realm)
    assert payload[0] == 0xa0 + len(realm)
    # one more map entry: claim 424242 with the raw CBOR value
    payload = bytes([payload[0] + 1]) + payload[1:] + \
        cbor2.dumps(424242) + bytes.fromhex(claim)
    data = t.token(keys, realm_token=t.sign1(None, keys.rak,
                                             payload=payload),
                   platform=t.platform_claims(realm))
    report = verify.verify(token.decode(data),
                           verify.Expectations()).to_dict()
    assert report['outcome'] == 'UNANCHORED'
    assert report['realm']['claim-424242'].startswith('CBORTag(')


@hypothesis.settings(max_examples=100, deadline=None)
@hypothesis.given(st.dictionaries(st.integers(0, 2 ** 32), CBOR_VALUES,
                                  max_size=3))
def test_signed_tokens_with_any_claims_give_a_report(extra):
    # claims a signer added: a verdict and a printable report, or a
    # refusal naming a claim; never an exception
    realm = t.realm_claims(_KEYS)
    realm.update(extra)
    data = t.token(_KEYS, realm=realm,
                   platform=t.platform_claims(t.realm_claims(_KEYS)))
    try:
        decoded = token.decode(data)
    except TokenError as e:
        assert 'realm token' in str(e)
        return
    report = verify.verify(decoded, verify.Expectations()).to_dict()
    assert json.loads(json.dumps(report))['outcome'] in (
        'UNANCHORED', 'DOES NOT VERIFY')
    assert attest.to_text(report)


REALM_KEYS = sorted(t.realm_claims(_KEYS))
PLATFORM_KEYS = sorted(t.platform_claims(t.realm_claims(_KEYS)))


@hypothesis.settings(max_examples=150, deadline=None)
@hypothesis.given(st.sampled_from(['realm', 'platform']), st.data(),
                  shapes.CBOR)
def test_any_shape_in_any_known_claim(which, data, value):
    # signed with the right keys, so every check runs on what decodes
    realm = t.realm_claims(_KEYS)
    platform = t.platform_claims(realm)
    claims = realm if which == 'realm' else platform
    claims[data.draw(st.sampled_from(
        REALM_KEYS if which == 'realm' else PLATFORM_KEYS))] = value
    outcome = _outcome(t.token(_KEYS, realm=realm, platform=platform),
                       _KEYS.cpak.public_key())
    assert outcome in ('not a token',) + verify.OUTCOMES


@hypothesis.settings(max_examples=100, deadline=None)
@hypothesis.given(shapes.CBOR)
def test_any_shape_as_a_signed_payload(value):
    realm_token = t.sign1(None, _KEYS.rak, payload=cbor2.dumps(value))
    assert _outcome(t.token(_KEYS, realm_token=realm_token)) == \
        'not a token'
