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

"""Public CCA token test vectors (docs/attestation-test-vectors.md).

The vectors are other projects' data: this repository does not carry
them. They are read from ``$NOVA_CCA_TEST_VECTORS`` or from
``attestation-vectors/`` in the team's shared folder beside the clone
(``<clone>/../shared``); the README of that folder cites each file's
source. Trustee's CCA fixture (a token, its platform key and its
reference values) is read from ``<clone>/../shared/reference-data/
trustee-cca`` (``$NOVA_CCA_REFERENCE_DATA`` overrides the folder).
Tests skip, naming the path, when their data is absent.
"""

import json
import os
import pathlib

import pytest

from nova_cca_attest import keys
from nova_cca_attest import token
from nova_cca_attest import verify

#: the clone: attestation/nova_cca_attest/tests/ is three levels below
_REPO = pathlib.Path(__file__).resolve().parents[3]
DATA = pathlib.Path(os.environ.get(
    'NOVA_CCA_TEST_VECTORS',
    _REPO.parent / 'shared' / 'attestation-vectors'))
TRUSTEE = pathlib.Path(os.environ.get(
    'NOVA_CCA_REFERENCE_DATA',
    _REPO.parent / 'shared' / 'reference-data')) / 'trustee-cca'

needs_vectors = pytest.mark.skipif(
    not (DATA / 'cca-token-01.cbor').is_file(),
    reason='public CCA test vectors not found in %s (see '
           'docs/attestation-test-vectors.md)' % DATA)
needs_trustee = pytest.mark.skipif(
    not (TRUSTEE / 'misc' / 'cca-example-token.cbor').is_file(),
    reason="Trustee's CCA fixture not found in %s" % TRUSTEE)


def load(name):
    return token.decode((DATA / name).read_bytes())


def trust_anchor_key(tmp_path, name):
    """The ``pkey`` JWK of a Veraison trust-anchor store file."""
    jwk = tmp_path / (name + '.jwk')
    jwk.write_text(json.dumps(json.loads((DATA / name).read_text())[0]
                              ['pkey']))
    return str(jwk)


def verdicts(result):
    return {check.name: check.verdict for check in result.checks}


TFA_TOKENS = ['cca-token-01.cbor', 'cca-token-draft-ffm-00.cbor',
              'cca_example_token.cbor', 'cca_example_token_legacy.cbor',
              'cca_token.cbor']


ALL_PASS = {
    'platform-profile': 'pass', 'realm-profile': 'pass',
    'realm-signature': 'pass', 'platform-signature': 'pass',
    'binding': 'pass', 'platform-lifecycle': 'pass',
    'measurement-sizes': 'pass'}


@needs_vectors
@pytest.mark.parametrize('name', TFA_TOKENS)
@pytest.mark.parametrize('cpak', ['cpak.json', 'cca_platform.pub'])
def test_published_tokens_verify_with_their_cpak(name, cpak):
    result = verify.verify(load(name), verify.Expectations(
        cpak=keys.load_public_key(str(DATA / cpak))))
    assert verdicts(result) == ALL_PASS
    assert result.outcome == verify.VERIFIED


@needs_vectors
@pytest.mark.parametrize('name', TFA_TOKENS)
def test_published_tokens_without_cpak_are_unanchored(name):
    result = verify.verify(load(name), verify.Expectations())
    assert verdicts(result)['platform-signature'] == 'skipped'
    assert result.outcome == verify.UNANCHORED
    assert not result.verified


@needs_vectors
def test_legacy_es256_token_signature_and_its_measurement_sizes(tmp_path):
    # Its platform token verifies with its trust anchor (ES256), as
    # upstream says; but its realm says sha-256 and carries 64-byte
    # measurements, which this verifier does not accept (upstream checks
    # only that a measurement is 32, 48 or 64 bytes).
    cpak = keys.load_public_key(trust_anchor_key(tmp_path, 'ta-02-ok.json'))
    result = verify.verify(load('cca-token-02.cbor'),
                           verify.Expectations(cpak=cpak))
    assert verdicts(result) == dict(ALL_PASS, **{
        'measurement-sizes': 'fail'})
    checks = {check.name: check.detail for check in result.checks}
    assert 'ES256' in checks['platform-signature']
    assert 'sha-256 (32-byte digests), but its initial measurement ' \
        '(44238), extensible measurement 0 (44239)' in \
        checks['measurement-sizes']
    assert result.outcome == verify.DOES_NOT_VERIFY


@needs_vectors
def test_legacy_token_fails_with_another_platform_key():
    cpak = keys.load_public_key(str(DATA / 'cpak.json'))
    result = verify.verify(load('cca-token-02.cbor'),
                           verify.Expectations(cpak=cpak))
    assert not result.verified
    assert verdicts(result)['platform-signature'] == 'fail'


@needs_vectors
def test_bad_trust_anchor_is_refused(tmp_path):
    # Upstream: the platform token fails crypto validation with it. Its
    # key is not even a point on P-256, so it is refused on loading.
    with pytest.raises(keys.KeyFileError, match='not a point on P-256'):
        keys.load_public_key(trust_anchor_key(tmp_path, 'ta-02-bad.json'))


@needs_vectors
def test_bug_33_token_fails_the_binding_only():
    # Upstream: platform trustworthy, realm fails crypto validation.
    result = verify.verify(load('bug-33-repro.cbor'), verify.Expectations(
        cpak=keys.load_public_key(str(DATA / 'cpak.json'))))
    assert verdicts(result) == dict(ALL_PASS, binding='fail')
    assert result.outcome == verify.DOES_NOT_VERIFY


@needs_vectors
def test_envelopes_and_rak_forms():
    assert load('cca-token-01.cbor').envelope.startswith(
        'CCA token collection')
    assert load('cca_token.cbor').envelope.startswith('CMW collection')
    # a raw EC point (no realm profile) and a COSE_Key (realm profile)
    assert load('cca-token-01.cbor').realm_claims[44237][0] == 0x04
    assert load('cca-token-draft-ffm-00.cbor').realm_claims[44237][0] == \
        0xa4


@needs_vectors
def test_published_claims_are_decoded():
    claims = verify.verify(load('cca-token-01.cbor'),
                           verify.Expectations()).to_dict()
    assert claims['realm']['challenge'] == 'ab' * 64
    assert claims['realm']['initial-measurement'] == '00' * 32
    assert claims['platform']['profile'] == 'http://arm.com/CCA-SSD/1.0.0'
    assert claims['platform']['sw-components'][0]['component-type'] == 'BL'
    assert claims['platform']['lifecycle'] == 0x3003


def trustee_expectations(tmp_path, **changes):
    """What Trustee's reference-value store expects of its token."""
    realm = json.loads((TRUSTEE / 'conf' / 'rvstore.json').read_text())[
        'realm'][0]
    anchor = tmp_path / 'trustee-cpak.jwk'
    anchor.write_text(json.dumps(json.loads(
        (TRUSTEE / 'conf' / 'tastore.json').read_text())[0]['pkey']))
    expected = dict(
        cpak=keys.load_public_key(str(anchor)), algorithm='sha-512',
        rim=bytes.fromhex(realm['initial-measurement']),
        rpv=bytes.fromhex(realm['personalization-value']))
    expected.update(changes)
    return verify.Expectations(**expected)


@needs_trustee
def test_trustee_token_verifies_against_its_reference_values(tmp_path):
    data = (TRUSTEE / 'misc' / 'cca-example-token.cbor').read_bytes()
    result = verify.verify(token.decode(data),
                           trustee_expectations(tmp_path))
    assert verdicts(result) == dict(ALL_PASS, **{
        'personalization-value': 'pass', 'measurement-algorithm': 'pass',
        'initial-measurement': 'pass'})
    assert result.outcome == verify.VERIFIED
    # its published platform key (misc/cpak-pub.json) is the anchor's
    assert keys.load_public_key(str(TRUSTEE / 'misc' / 'cpak-pub.json')
                                ).public_numbers() == \
        trustee_expectations(tmp_path).cpak.public_numbers()


@needs_trustee
def test_trustee_token_against_another_rim(tmp_path):
    data = (TRUSTEE / 'misc' / 'cca-example-token.cbor').read_bytes()
    result = verify.verify(token.decode(data), trustee_expectations(
        tmp_path, rim=bytes(64)))
    assert verdicts(result)['initial-measurement'] == 'fail'
    assert result.outcome == verify.DOES_NOT_VERIFY
