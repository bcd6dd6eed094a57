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

"""The tenant's checks on tokens built and signed in the test."""

import hashlib
import re

import cbor2
from cryptography.hazmat.primitives.asymmetric import ec
import pytest

from nova_cca_attest import personalization
from nova_cca_attest.tests import cca_tokens as t
from nova_cca_attest import token
from nova_cca_attest import verify

SERVER = '7d1d6a4a-93a5-4e2b-9d3f-3f9cf1a8e2b1'


@pytest.fixture(scope='module')
def keys():
    return t.Keys()


def run(data, **expected):
    return verify.verify(token.decode(data), verify.Expectations(**expected))


def verdicts(result):
    return {check.name: check.verdict for check in result.checks}


def detail(result, name):
    return next(c.detail for c in result.checks if c.name == name)


def test_everything_asked_and_everything_passes(keys):
    rpv = personalization.derive(SERVER)
    data = t.token(keys, realm=t.realm_claims(keys, {44235: rpv}))
    result = run(data, cpak=keys.cpak.public_key(), nonce=t.NONCE, rpv=rpv,
                 rpv_source='derived', algorithm='sha-256', rim=t.RIM)
    assert verdicts(result) == {
        'platform-profile': 'pass', 'realm-profile': 'pass',
        'realm-signature': 'pass', 'platform-signature': 'pass',
        'binding': 'pass', 'platform-lifecycle': 'pass',
        'measurement-sizes': 'pass', 'challenge': 'pass',
        'personalization-value': 'pass', 'measurement-algorithm': 'pass',
        'initial-measurement': 'pass'}
    assert result.verified
    assert result.outcome == verify.VERIFIED
    assert result.to_dict()['outcome'] == 'VERIFIED'
    assert result.to_dict()['verdict'] == 'verified'


def test_raw_point_rak_and_cmw_envelope(keys):
    realm = t.realm_claims(keys, rak_form='point')
    assert 265 not in realm
    result = run(t.token(keys, realm=realm, envelope=907),
                 cpak=keys.cpak.public_key())
    assert result.verified


def test_es256_platform_key():
    keys = t.Keys(cpak_curve=ec.SECP256R1)
    result = run(t.token(keys, platform_alg=t.ES256),
                 cpak=keys.cpak.public_key())
    assert result.verified


def test_without_cpak_the_platform_is_not_authenticated(keys):
    result = run(t.token(keys))
    assert verdicts(result)['platform-signature'] == 'skipped'
    assert 'genuine CCA hardware' in detail(result, 'platform-signature')
    assert not any(c.verdict == 'fail' for c in result.checks)
    # consistent in itself, but not anchored: never VERIFIED
    assert result.outcome == verify.UNANCHORED
    assert not result.verified
    assert result.to_dict()['outcome'] == 'UNANCHORED'


def test_a_failure_without_cpak_does_not_verify(keys):
    result = run(t.token(keys), nonce=bytes(64))
    assert result.outcome == verify.DOES_NOT_VERIFY


def test_other_platform_key_fails(keys):
    other = t.Keys()
    result = run(t.token(keys), cpak=other.cpak.public_key())
    assert verdicts(result)['platform-signature'] == 'fail'
    assert not result.verified


@pytest.mark.parametrize('name,value', [
    ('nonce', bytes(64)),
    ('rpv', personalization.derive(SERVER)),
    ('algorithm', 'sha-512'),
    ('rim', hashlib.sha256(b'somebody else').digest()),
])
def test_expectation_not_met(keys, name, value):
    result = run(t.token(keys), **{name: value})
    failed = [c for c in result.checks if c.verdict == 'fail']
    assert len(failed) == 1
    assert failed[0].detail.startswith('expected ')
    assert not result.verified


def test_short_nonce_is_zero_padded(keys):
    nonce = bytes(range(1, 33))
    data = t.token(keys, realm=t.realm_claims(
        keys, {10: nonce + bytes(32)}))
    assert run(data, nonce=nonce).outcome == verify.UNANCHORED
    assert run(data, nonce=nonce + b'\x01').outcome == \
        verify.DOES_NOT_VERIFY


def test_modified_claim_breaks_the_realm_signature(keys):
    realm = t.realm_claims(keys)
    message = list(cbor2.loads(t.sign1(realm, keys.rak)).value)
    realm[44238] = hashlib.sha256(b'what the host wanted').digest()
    message[2] = cbor2.dumps(realm)
    tampered = cbor2.dumps(cbor2.CBORTag(18, message))
    result = run(t.token(keys, realm_token=tampered), rim=t.RIM)
    assert verdicts(result)['realm-signature'] == 'fail'
    assert 'does not match' in detail(result, 'realm-signature')
    assert not result.verified


def test_realm_key_swapped_breaks_the_binding(keys):
    # a host re-signs the realm token with a key of its own: the
    # signature verifies, the binding to the platform does not
    host = t.Keys()
    realm = t.realm_claims(host)
    platform = t.platform_claims(t.realm_claims(keys))
    result = run(t.token(keys, realm=realm, platform=platform,
                         realm_token=t.sign1(realm, host.rak)),
                 cpak=keys.cpak.public_key())
    assert verdicts(result)['realm-signature'] == 'pass'
    assert verdicts(result)['binding'] == 'fail'
    assert not result.verified


def test_swapped_platform_token_breaks_the_binding(keys):
    other = t.Keys()
    other.cpak = keys.cpak   # the same genuine platform, another realm
    stolen = cbor2.loads(t.token(other)).value[44234]
    result = run(t.token(keys, platform_token=stolen),
                 cpak=keys.cpak.public_key())
    assert verdicts(result)['platform-signature'] == 'pass'
    assert verdicts(result)['binding'] == 'fail'
    assert 'not issued for this realm token' in detail(result, 'binding')


def test_wrong_cose_algorithm(keys):
    for alg, match in ((t.ES256, 'signed with ES256; the RMM signs it '
                                 'with ES384'),
                       (-8, 'signed with COSE algorithm -8'),
                       ('ES384', "COSE algorithm 'ES384'")):
        result = run(t.token(keys, realm_alg=alg))
        assert verdicts(result)['realm-signature'] == 'fail'
        assert match in detail(result, 'realm-signature')


def test_platform_alg_must_match_the_cpak_curve(keys):
    result = run(t.token(keys, platform_alg=t.ES256),
                 cpak=keys.cpak.public_key())
    assert 'says ES256, but its key is on curve secp384r1' in detail(
        result, 'platform-signature')


@pytest.mark.parametrize('which,profile', [
    ('realm', 'tag:arm.com,2099:realm#9.0.0'),
    ('platform', 'http://arm.com/psa/2.0.0'),
])
def test_wrong_profile(keys, which, profile):
    realm = t.realm_claims(keys)
    platform = t.platform_claims(realm)
    (realm if which == 'realm' else platform)[265] = profile
    result = run(t.token(keys, realm=realm, platform=platform))
    assert verdicts(result)['%s-profile' % which] == 'fail'
    assert 'unknown profile' in detail(result, '%s-profile' % which)
    assert not result.verified


def test_unknown_rak_hash_algorithm_fails_the_binding(keys):
    realm = t.realm_claims(keys, {44240: 'md5'})
    platform = t.platform_claims(t.realm_claims(keys))
    result = run(t.token(keys, realm=realm, platform=platform))
    assert "unknown public key hash algorithm (44240) 'md5'" in detail(
        result, 'binding')


def test_rak_that_is_not_a_key_fails_the_realm_signature(keys):
    realm = t.realm_claims(keys, {44237: b'\x04' + bytes(96)})
    result = run(t.token(keys, realm=realm))
    assert 'not a point on secp384r1' in detail(result, 'realm-signature')
    realm = t.realm_claims(keys, {44237: cbor2.dumps({1: 1, -1: 6})})
    result = run(t.token(keys, realm=realm))
    assert 'kty (1) must be EC2' in detail(result, 'realm-signature')


def test_signature_of_wrong_length(keys):
    realm = t.sign1(t.realm_claims(keys), keys.rak, signature=bytes(95))
    result = run(t.token(keys, realm_token=realm))
    assert 'signature is 96 bytes, got 95' in detail(result,
                                                     'realm-signature')


def test_critical_headers_are_not_ignored(keys):
    protected = cbor2.dumps({1: -35, 2: [99]})
    realm = t.sign1(t.realm_claims(keys), keys.rak, protected=protected)
    result = run(t.token(keys, realm_token=realm))
    assert 'critical header' in detail(result, 'realm-signature')


def test_report_names_the_claims(keys):
    report = run(t.token(keys)).to_dict()
    assert report['realm']['challenge'] == t.NONCE.hex()
    assert report['realm']['initial-measurement'] == t.RIM.hex()
    assert report['platform']['sw-components'][0]['component-type'] == 'BL'
    assert set(report) == {'outcome', 'verdict', 'envelope', 'checks',
                           'realm', 'platform'}


@pytest.mark.parametrize('value,state,allowed', [
    (0x3000, 'secured', True), (0x3003, 'secured', True),
    (0x30ff, 'secured', True),
    (0x4000, 'non-cca-platform-rot-debug', 'debug'),
    (0x5001, 'recoverable-cca-platform-rot-debug', 'debug'),
    (0x6000, 'decommissioned', False), (0x60ff, 'decommissioned', False),
    (0x0000, 'unknown', False), (0x1000, 'assembly-and-test', False),
    (0x2000, 'cca-platform-rot-provisioning', False),
    (0x3100, 'no lifecycle state', False),
    (0x7000, 'no lifecycle state', False),
    (0xffff, 'no lifecycle state', False),
])
def test_lifecycle_policy(keys, value, state, allowed):
    realm = t.realm_claims(keys)
    data = t.token(keys, realm=realm,
                   platform=t.platform_claims(realm, {2395: value}))
    cpak = keys.cpak.public_key()
    strict = run(data, cpak=cpak)
    lenient = run(data, cpak=cpak, allow_debug_lifecycle=True)
    assert '0x%04x (%s)' % (value, state) in detail(strict,
                                                    'platform-lifecycle')
    assert strict.verified is (allowed is True)
    assert lenient.verified is bool(allowed)
    if allowed == 'debug':
        assert '--allow-debug-lifecycle' in detail(strict,
                                                   'platform-lifecycle')
        assert 'DEBUG state: allowed' in detail(lenient,
                                                'platform-lifecycle')
    if not allowed:
        assert lenient.outcome == verify.DOES_NOT_VERIFY


@pytest.mark.parametrize('algorithm,rim,rems,match', [
    ('sha-256', bytes(64), [bytes(32)] * 4,
     r'its initial measurement \(44238\) is not 32 bytes'),
    ('sha-512', bytes(64), [bytes(64)] * 3 + [bytes(32)],
     r'its extensible measurement 3 \(44239\) is not 64 bytes'),
    ('sha-512', bytes(32), [bytes(32)] * 4,
     r'initial measurement \(44238\), extensible measurement 0 \(44239\)'
     r'.* are not 64 bytes'),
    ('sha-384', bytes(48), [bytes(48)] * 4,
     "unknown realm measurement algorithm \\(44236\\) 'sha-384'"),
])
def test_measurement_sizes_follow_the_algorithm(keys, algorithm, rim, rems,
                                                match):
    realm = t.realm_claims(keys, {44236: algorithm, 44238: rim,
                                  44239: rems})
    result = run(t.token(keys, realm=realm), cpak=keys.cpak.public_key())
    assert verdicts(result)['measurement-sizes'] == 'fail'
    assert re.search(match, detail(result, 'measurement-sizes'))
    assert result.outcome == verify.DOES_NOT_VERIFY


def test_sha512_measurements_pass(keys):
    realm = t.realm_claims(keys, {44236: 'sha-512', 44238: bytes(64),
                                  44239: [bytes(64)] * 4})
    result = run(t.token(keys, realm=realm), cpak=keys.cpak.public_key())
    assert detail(result, 'measurement-sizes') == (
        'the initial and extensible measurements are sha-512 digests '
        '(64 bytes)')
    assert result.verified
