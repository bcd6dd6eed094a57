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

"""The checks a tenant asks of a CCA token, each with a verdict.

:func:`verify` always checks both profiles, the realm token's signature
with the RAK it carries, the RAK's binding to the platform token, the
platform's lifecycle state and the sizes of the realm's measurements; it
checks the platform token's signature when given the CPAK, and compares
the challenge, personalization value, measurement algorithm and initial
measurement with what the tenant expects when told.

A :class:`Result` has one of four outcomes (:data:`OUTCOMES`):

- ``VERIFIED``: every check passed, the platform signature among them: the
  token is anchored in the platform key the tenant trusts;
- ``UNANCHORED``: every check that ran passed, but no platform key was
  given: the token is consistent in itself, and anybody with a key of
  their own could have made it;
- ``DOES NOT VERIFY``: a check failed;
- ``NOT A TOKEN``: the input is not a CCA attestation token (the decoder
  says so before any check runs).
"""

import dataclasses
import hmac
from typing import Any
from typing import TYPE_CHECKING

from nova_cca_attest import claims as c
from nova_cca_attest import cose
from nova_cca_attest import keys
from nova_cca_attest import TokenError

if TYPE_CHECKING:
    from nova_cca_attest import token as cca_token

PASS = 'pass'
FAIL = 'fail'
SKIPPED = 'skipped'

VERIFIED = 'VERIFIED'
UNANCHORED = 'UNANCHORED'
DOES_NOT_VERIFY = 'DOES NOT VERIFY'
NOT_A_TOKEN = 'NOT A TOKEN'
OUTCOMES = (VERIFIED, UNANCHORED, DOES_NOT_VERIFY, NOT_A_TOKEN)

#: lifecycle states (claims.LIFECYCLE_STATES) that pass: a secured
#: platform, whose CCA platform root of trust nobody can debug
SECURED_STATES = ('secured',)
#: states that pass only when the tenant allows debug: the realm
#: management security domain (the RMM) or the platform's root world
#: can be debugged, recoverably; a debugger there sees and changes realms
DEBUG_STATES = ('non-cca-platform-rot-debug',
                'recoverable-cca-platform-rot-debug')
#: every other state fails, whatever the tenant allows: decommissioned
#: (also how a platform whose root world debug cannot be undone reports
#: itself), unknown, assembly and test, provisioning, and values in no
#: state

CHALLENGE_BYTES = 64
#: the nonce a tenant may give: the kernel takes 32 to 64 bytes and pads
#: shorter ones with zeros to the 64-byte challenge
MIN_NONCE_BYTES = 32


@dataclasses.dataclass
class Expectations:
    """What the tenant expects; None where they did not say."""
    nonce: bytes = None
    rpv: bytes = None
    rpv_source: str = None     # where the RPV came from, for the report
    algorithm: str = None      # 'sha-256' or 'sha-512'
    rim: bytes = None
    cpak: object = None        # an EllipticCurvePublicKey
    #: let a platform in a (recoverable) debug lifecycle state pass
    allow_debug_lifecycle: bool = False
    #: reference values (nova_cca_attest.reference.corim.Reference): the
    #: token passes when it matches one of them entirely
    references: list = None


@dataclasses.dataclass(frozen=True)
class Check:
    name: str
    verdict: str
    detail: str


@dataclasses.dataclass
class Result:
    token: object
    checks: list

    @property
    def outcome(self) -> str:
        """VERIFIED, UNANCHORED or DOES_NOT_VERIFY."""
        if any(check.verdict == FAIL for check in self.checks):
            return DOES_NOT_VERIFY
        if any(check.name == 'platform-signature' and check.verdict == PASS
               for check in self.checks):
            return VERIFIED
        return UNANCHORED

    @property
    def verified(self) -> bool:
        """Every check passed and the token is anchored (VERIFIED)."""
        return self.outcome == VERIFIED

    def to_dict(self) -> dict[str, Any]:
        return {
            'outcome': self.outcome,
            'verdict': self.outcome.lower(),
            'envelope': self.token.envelope,
            'checks': [dataclasses.asdict(check) for check in self.checks],
            'realm': c.names(self.token.realm_claims, c.REALM_CLAIMS),
            'platform': c.names(self.token.platform_claims,
                                c.PLATFORM_CLAIMS),
        }


def pad_nonce(nonce: bytes) -> bytes:
    """The 64-byte challenge a realm reports for ``nonce``."""
    if not MIN_NONCE_BYTES <= len(nonce) <= CHALLENGE_BYTES:
        raise ValueError('a nonce is %d to %d bytes, got %d'
                         % (MIN_NONCE_BYTES, CHALLENGE_BYTES, len(nonce)))
    return bytes(nonce) + bytes(CHALLENGE_BYTES - len(nonce))


def verify(token: 'cca_token.Token', expected: Expectations) -> 'Result':
    """Every check on ``token`` (from :func:`token.decode`) as a Result."""
    realm, platform = token.realm_claims, token.platform_claims
    checks = [
        _profile('platform-profile', platform.get(c.PROFILE),
                 c.PLATFORM_PROFILES),
        _profile('realm-profile', realm.get(c.PROFILE), c.REALM_PROFILES),
        _realm_signature(token),
        _platform_signature(token, expected.cpak),
        _binding(token),
        _lifecycle(platform[c.LIFECYCLE], expected.allow_debug_lifecycle),
        _measurement_sizes(realm),
    ]
    if expected.nonce is not None:
        checks.append(_equal(
            'challenge', realm[c.CHALLENGE], pad_nonce(expected.nonce),
            'the realm challenge (10) is the nonce', hex))
    if expected.rpv is not None:
        checks.append(_equal(
            'personalization-value', realm[c.PERSONALIZATION_VALUE],
            expected.rpv, 'the personalization value (44235) is the one %s'
            % (expected.rpv_source or 'given'), hex))
    if expected.algorithm is not None:
        checks.append(_equal(
            'measurement-algorithm', realm[c.HASH_ALGORITHM],
            expected.algorithm, 'the realm measurement algorithm (44236) '
            'is %s' % expected.algorithm, str))
    if expected.rim is not None:
        checks.append(_equal(
            'initial-measurement', realm[c.INITIAL_MEASUREMENT],
            expected.rim, 'the initial measurement (44238) is the '
            'expected one', hex))
    if expected.references:
        checks.append(_references(realm, expected.references))
    return Result(token=token, checks=checks)


def _references(realm, references):
    """Pass when one reference's algorithm, RIM and (where it gives
    them) RPV and REMs are the token's.
    """
    found = {'algorithm': realm[c.HASH_ALGORITHM],
             'rim': realm[c.INITIAL_MEASUREMENT],
             'rpv': realm[c.PERSONALIZATION_VALUE]}
    misses = []
    for reference in references:
        wrong = []
        if reference.algorithm and reference.algorithm != found['algorithm']:
            wrong.append('algorithm %s, token %s' % (
                reference.algorithm, found['algorithm']))
        if not hmac.compare_digest(reference.rim, found['rim']):
            wrong.append('RIM %s, token %s' % (reference.rim.hex(),
                                               found['rim'].hex()))
        if reference.rpv is not None and \
                not hmac.compare_digest(reference.rpv, found['rpv']):
            wrong.append('RPV differs')
        for index, rem in enumerate(reference.rems):
            if rem is not None and not hmac.compare_digest(
                    rem, realm[c.EXTENSIBLE_MEASUREMENTS][index]):
                wrong.append('REM%d differs' % index)
        if not wrong:
            given = ['RIM'] + (['RPV'] if reference.rpv is not None else [])
            given += ['REM%d' % i for i, rem in enumerate(reference.rems)
                      if rem is not None]
            return Check('reference-values', PASS,
                         'the %s match %s' % (', '.join(given),
                                              reference.source))
        misses.append('%s: %s' % (reference.source, '; '.join(wrong)))
    return Check('reference-values', FAIL,
                 'no reference value matches: %s' % ' | '.join(misses))


def _profile(name, value, known):
    if value in known:
        return Check(name, PASS, 'profile %s' % (
            value or 'absent (RMM 1.0 realm token)'))
    return Check(name, FAIL, 'unknown profile %r; known: %s' % (
        value if value is None else value[:80],
        ', '.join('none' if p is None else p for p in known)))


def _realm_signature(token):
    try:
        rak = keys.rak_from_claim(token.realm_claims[c.PUBLIC_KEY])
    except TokenError as e:
        return Check('realm-signature', FAIL, str(e))
    if token.realm.algorithm is not cose.ALGORITHMS[-35]:
        return Check('realm-signature', FAIL,
                     'the realm token is signed with %s; the RMM signs it '
                     'with ES384' % token.realm.alg_name)
    try:
        cose.verify(token.realm, rak)
    except cose.SignatureError as e:
        return Check('realm-signature', FAIL, str(e))
    return Check('realm-signature', PASS,
                 'signed by the realm attestation key it carries '
                 '(ES384); this alone proves nothing about the platform')


def _platform_signature(token, cpak):
    if cpak is None:
        return Check('platform-signature', SKIPPED,
                     'no CPAK given (--cpak): nothing shows that the token '
                     'comes from genuine CCA hardware')
    try:
        cose.verify(token.platform, cpak)
    except cose.SignatureError as e:
        return Check('platform-signature', FAIL, str(e))
    return Check('platform-signature', PASS,
                 'signed by the given platform attestation key (%s)'
                 % token.platform.alg_name)


def _binding(token):
    rak = token.realm_claims[c.PUBLIC_KEY]
    algorithm = token.realm_claims[c.PUBLIC_KEY_HASH_ALGORITHM]
    hash_function = c.HASHES.get(algorithm)
    if hash_function is None:
        return Check('binding', FAIL,
                     'unknown public key hash algorithm (44240) %r'
                     % algorithm[:40])
    digest = hash_function(rak).digest()
    if hmac.compare_digest(digest, token.platform_claims[c.CHALLENGE]):
        return Check('binding', PASS,
                     'the platform challenge is the %s of the realm '
                     'public key' % algorithm)
    return Check('binding', FAIL,
                 'the platform challenge is not the %s of the realm public '
                 'key: the platform token was not issued for this realm '
                 'token' % algorithm)


def _lifecycle(value, allow_debug):
    state = c.lifecycle_state(value)
    shown = '0x%04x (%s)' % (value, state or 'no lifecycle state')
    if state in SECURED_STATES:
        return Check('platform-lifecycle', PASS,
                     'the platform is %s' % shown)
    if state in DEBUG_STATES:
        if allow_debug:
            return Check('platform-lifecycle', PASS,
                         'the platform is %s, a DEBUG state: allowed by '
                         '--allow-debug-lifecycle; whoever debugs it can '
                         'read and change realms' % shown)
        return Check('platform-lifecycle', FAIL,
                     'the platform is %s, a debug state: whoever debugs '
                     'it can read and change realms (allow it with '
                     '--allow-debug-lifecycle)' % shown)
    return Check('platform-lifecycle', FAIL,
                 'the platform is %s; only a secured platform passes'
                 % shown)


def _measurement_sizes(realm):
    algorithm = realm[c.HASH_ALGORITHM]
    size = c.REALM_MEASUREMENT_SIZES.get(algorithm)
    if size is None:
        return Check('measurement-sizes', FAIL,
                     'unknown realm measurement algorithm (44236) %r; a '
                     'realm measures with %s' % (
                         algorithm[:40],
                         ' or '.join(c.REALM_MEASUREMENT_SIZES)))
    wrong = ['initial measurement (44238)'] \
        if len(realm[c.INITIAL_MEASUREMENT]) != size else []
    wrong += ['extensible measurement %d (44239)' % index
              for index, rem in enumerate(realm[c.EXTENSIBLE_MEASUREMENTS])
              if len(rem) != size]
    if wrong:
        return Check('measurement-sizes', FAIL,
                     'the realm measures with %s (%d-byte digests), but '
                     'its %s %s not %d bytes' % (
                         algorithm, size, ', '.join(wrong),
                         'is' if len(wrong) == 1 else 'are', size))
    return Check('measurement-sizes', PASS,
                 'the initial and extensible measurements are %s digests '
                 '(%d bytes)' % (algorithm, size))


def _equal(name, found, wanted, statement, show):
    if isinstance(found, bytes):
        same = hmac.compare_digest(found, wanted)
    else:
        same = found == wanted
    if same:
        return Check(name, PASS, statement)
    return Check(name, FAIL, 'expected %s, token has %s' % (
        _show(wanted, show), _show(found, show)))


def _show(value, show):
    return value.hex() if show is hex else str(value)
