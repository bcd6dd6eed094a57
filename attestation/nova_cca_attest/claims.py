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

"""The realm and platform claims of a CCA token: syntax and names.

Claim keys and types follow the RMM specification (section A.7.2) and the
CCA platform token profile. :func:`realm` and :func:`platform` decode a
token's payload and refuse, naming the claim, a missing mandatory claim or
one of the wrong type or size. Claims they do not know are kept and shown
under their number (newer RMM versions add claims).
"""

import dataclasses
import hashlib
import math
from typing import Any

from nova_cca_attest import cbor
from nova_cca_attest import TokenError

PROFILE = 265
CHALLENGE = 10
# realm token
PERSONALIZATION_VALUE = 44235
HASH_ALGORITHM = 44236
PUBLIC_KEY = 44237
INITIAL_MEASUREMENT = 44238
EXTENSIBLE_MEASUREMENTS = 44239
PUBLIC_KEY_HASH_ALGORITHM = 44240
# platform token
INSTANCE_ID = 256
LIFECYCLE = 2395
IMPLEMENTATION_ID = 2396
SW_COMPONENTS = 2399
VERIFICATION_SERVICE = 2400
CONFIG = 2401
PLATFORM_HASH_ALGORITHM = 2402

#: realm profiles (none: the RMM 1.0 token, which carries no profile)
REALM_PROFILES = (None, 'tag:arm.com,2023:realm#1.0.0',
                  'tag:arm.com,2024:realm#2.0.0')
PLATFORM_PROFILES = ('http://arm.com/CCA-SSD/1.0.0',
                     'tag:arm.com,2023:cca_platform#1.0.0')

#: hash algorithm names of the claims (IANA "Named Information" names)
HASHES = {'sha-256': hashlib.sha256, 'sha-384': hashlib.sha384,
          'sha-512': hashlib.sha512}

DIGEST_SIZES = (32, 48, 64)
REM_COUNT = 4
MAX_TEXT = 256
MAX_BYTES = 4096
MAX_SW_COMPONENTS = 64


@dataclasses.dataclass(frozen=True)
class Claim:
    key: int
    name: str
    kind: str          # 'bytes', 'text', 'uint', 'digests', 'components'
    sizes: tuple = ()  # allowed byte lengths, empty: up to MAX_BYTES
    mandatory: bool = True


REALM_CLAIMS = {c.key: c for c in (
    Claim(PROFILE, 'profile', 'text', mandatory=False),
    Claim(CHALLENGE, 'challenge', 'bytes', (64,)),
    Claim(PERSONALIZATION_VALUE, 'personalization-value', 'bytes', (64,)),
    Claim(INITIAL_MEASUREMENT, 'initial-measurement', 'bytes',
          DIGEST_SIZES),
    Claim(EXTENSIBLE_MEASUREMENTS, 'extensible-measurements', 'digests',
          DIGEST_SIZES),
    Claim(HASH_ALGORITHM, 'hash-algorithm', 'text'),
    Claim(PUBLIC_KEY, 'public-key', 'bytes'),
    Claim(PUBLIC_KEY_HASH_ALGORITHM, 'public-key-hash-algorithm', 'text'),
)}

PLATFORM_CLAIMS = {c.key: c for c in (
    Claim(PROFILE, 'profile', 'text'),
    Claim(CHALLENGE, 'challenge', 'bytes', DIGEST_SIZES),
    Claim(IMPLEMENTATION_ID, 'implementation-id', 'bytes', (32,)),
    Claim(INSTANCE_ID, 'instance-id', 'bytes', (33,)),
    Claim(CONFIG, 'config', 'bytes'),
    Claim(LIFECYCLE, 'lifecycle', 'uint'),
    Claim(SW_COMPONENTS, 'sw-components', 'components'),
    Claim(VERIFICATION_SERVICE, 'verification-service', 'text',
          mandatory=False),
    Claim(PLATFORM_HASH_ALGORITHM, 'hash-algorithm', 'text'),
)}

#: software component map keys (PSA token profile)
SW_COMPONENT_FIELDS = {1: 'component-type', 2: 'measurement-value',
                       4: 'version', 5: 'signer-id',
                       6: 'hash-algorithm'}

#: the CCA platform lifecycle states (claim 2395; the PSA lifecycle of the
#: PSA attestation token, RFC 9783, as the CCA platform token profile
#: uses it): the high byte is the state, the low byte is implementation
#: defined. Values outside these ranges name no state.
LIFECYCLE_STATES = {
    0x00: 'unknown',
    0x10: 'assembly-and-test',
    0x20: 'cca-platform-rot-provisioning',
    0x30: 'secured',
    0x40: 'non-cca-platform-rot-debug',
    0x50: 'recoverable-cca-platform-rot-debug',
    0x60: 'decommissioned',
}

#: the realm measurement algorithms (claim 44236) and their digest sizes
REALM_MEASUREMENT_SIZES = {'sha-256': 32, 'sha-512': 64}


def lifecycle_state(value: int) -> str | None:
    """The name of the lifecycle state ``value`` (claim 2395) is in, or
    None when it is in none.
    """
    return LIFECYCLE_STATES.get(value >> 8)


def realm(payload: bytes) -> dict[int, Any]:
    """The realm token's claims, ``{key: value}``, checked."""
    return _decode(payload, 'realm token', REALM_CLAIMS)


def platform(payload: bytes) -> dict[int, Any]:
    """The platform token's claims, ``{key: value}``, checked."""
    return _decode(payload, 'platform token', PLATFORM_CLAIMS)


def _decode(payload, what, known):
    claims = cbor.loads(payload, '%s payload' % what)
    if not cbor.is_map(claims):
        raise TokenError('%s payload must be a claims map, got %s'
                         % (what, cbor.type_name(claims)))
    for key in claims:
        if isinstance(key, bool) or not isinstance(key, int):
            raise TokenError('%s has a claim key %s; claim keys are '
                             'integers' % (what, _short(key)))
    for claim in known.values():
        if claim.key not in claims:
            if claim.mandatory:
                raise TokenError('%s lacks its mandatory %s claim (%d)'
                                 % (what, claim.name, claim.key))
            continue
        _check(what, claim, claims[claim.key])
    return dict(claims)


def _check(what, claim, value):
    label = '%s claim %s (%d)' % (what, claim.name, claim.key)
    if claim.kind == 'text':
        if not isinstance(value, str) or len(value) > MAX_TEXT:
            raise TokenError('%s must be text of at most %d characters, '
                             'got %s' % (label, MAX_TEXT, _describe(value)))
    elif claim.kind == 'bytes':
        _check_bytes(label, claim.sizes, value)
    elif claim.kind == 'uint':
        if isinstance(value, bool) or not isinstance(value, int) or \
                not 0 <= value <= 0xffff:
            raise TokenError('%s must be an integer 0..65535, got %s'
                             % (label, _describe(value)))
    elif claim.kind == 'digests':
        if not cbor.is_array(value) or len(value) != REM_COUNT:
            raise TokenError('%s must be an array of %d measurements, got %s'
                             % (label, REM_COUNT, _describe(value)))
        for index, item in enumerate(value):
            _check_bytes('%s[%d]' % (label, index), claim.sizes, item)
    elif claim.kind == 'components':
        if not cbor.is_array(value) or len(value) > MAX_SW_COMPONENTS:
            raise TokenError('%s must be an array of at most %d software '
                             'components, got %s'
                             % (label, MAX_SW_COMPONENTS, _describe(value)))
        for index, item in enumerate(value):
            if not cbor.is_map(item):
                raise TokenError('%s[%d] must be a map, got %s'
                                 % (label, index, _describe(item)))


def _check_bytes(label, sizes, value):
    if not isinstance(value, bytes):
        raise TokenError('%s must be a byte string, got %s'
                         % (label, _describe(value)))
    if sizes and len(value) not in sizes:
        raise TokenError('%s must be %s bytes, got %d' % (
            label, ' or '.join(str(s) for s in sizes), len(value)))
    if len(value) > MAX_BYTES:
        raise TokenError('%s must be at most %d bytes, got %d'
                         % (label, MAX_BYTES, len(value)))


def _describe(value):
    if isinstance(value, (bytes, str)) or cbor.is_array(value):
        return '%s of length %d' % (cbor.type_name(value), len(value))
    return cbor.type_name(value)


def _short(value):
    text = repr(value)
    return text if len(text) <= 40 else text[:37] + '...'


def names(claims: dict[int, Any],
          known: dict[int, 'Claim']) -> dict[str, Any]:
    """Claims as ``{name: JSON-friendly value}`` (bytes in hex)."""
    out = {}
    for key, value in claims.items():
        claim = known.get(key)
        if claim is not None and claim.kind == 'components':
            value = [{SW_COMPONENT_FIELDS.get(k, str(k))
                      if type(k) is int else str(k): v
                      for k, v in item.items()} for item in value]
        out[claim.name if claim else 'claim-%d' % key] = jsonable(value)
    return out


def jsonable(value: Any) -> Any:
    """A decoded CBOR value as JSON-friendly data (bytes in hex)."""
    if isinstance(value, bytes):
        return value.hex()
    if cbor.is_map(value):
        return {str(jsonable(k)) if not isinstance(k, str) else k:
                jsonable(v) for k, v in value.items()}
    if cbor.is_array(value):
        return [jsonable(v) for v in value]
    if isinstance(value, float) and not math.isfinite(value):
        return repr(value)
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    return repr(value)
