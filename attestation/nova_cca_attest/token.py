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

"""The CCA attestation token: a collection of a platform and a realm token.

Two envelopes exist:

- the RMM 1.0 collection: CBOR tag 399 around a map of key 44234 (the
  platform token) and key 44241 (the realm token), each a byte string
  holding a tagged COSE_Sign1;
- the RATS conceptual-message-wrapper (CMW) collection that TF-M's tools
  and Veraison's newer libraries use: CBOR tag 907 around the same two
  keys, each holding ``[263, byte string]`` (a content format and the
  COSE_Sign1).

:func:`decode` accepts either, checks the structure of both COSE_Sign1s
and their claims, and refuses everything else with a
:class:`~nova_cca_attest.TokenError`.
"""

import dataclasses

from nova_cca_attest import cbor
from nova_cca_attest import claims as token_claims
from nova_cca_attest import cose
from nova_cca_attest import TokenError

#: a token larger than this is refused unread (real ones are ~2 KiB)
MAX_TOKEN_BYTES = 64 * 1024

CCA_TOKEN_TAG = 399
CMW_COLLECTION_TAG = 907
CMW_CONTENT_FORMAT = 263
PLATFORM_TOKEN = 44234
REALM_TOKEN = 44241

ENVELOPES = {CCA_TOKEN_TAG: 'CCA token collection (CBOR tag 399)',
             CMW_COLLECTION_TAG: 'CMW collection (CBOR tag 907)'}


@dataclasses.dataclass(frozen=True)
class Token:
    """A structurally valid CCA attestation token (not yet verified)."""
    envelope: str
    platform: cose.Sign1
    realm: cose.Sign1
    platform_claims: dict
    realm_claims: dict


def decode(data: bytes) -> 'Token':
    """Decode ``data`` (bytes) as a CCA attestation token.

    :raises TokenError: naming what makes ``data`` not a token.
    """
    if not isinstance(data, (bytes, bytearray)):
        raise TokenError('a token is bytes, got %s' % type(data).__name__)
    if not data:
        raise TokenError('the input is empty')
    if len(data) > MAX_TOKEN_BYTES:
        raise TokenError('the input is %d bytes; a CCA token is at most %d'
                         % (len(data), MAX_TOKEN_BYTES))
    number, collection = cbor.tag(cbor.loads(data, 'the input'))
    if number not in ENVELOPES:
        raise TokenError(
            'a CCA attestation token is CBOR tag %d (or %d), got %s'
            % (CCA_TOKEN_TAG, CMW_COLLECTION_TAG,
               'tag %d' % number if number is not None
               else cbor.type_name(collection)))
    if not cbor.is_map(collection):
        raise TokenError('the token collection must be a map, got %s'
                         % cbor.type_name(collection))
    extra = sorted(repr(k)[:20] for k in collection
                   if k not in (PLATFORM_TOKEN, REALM_TOKEN))
    if extra:
        raise TokenError('the token collection has unexpected keys %s '
                         '(only %d platform, %d realm)'
                         % (', '.join(extra), PLATFORM_TOKEN, REALM_TOKEN))
    messages = {}
    for key, what in ((PLATFORM_TOKEN, 'platform token'),
                      (REALM_TOKEN, 'realm token')):
        if key not in collection:
            raise TokenError('the token collection lacks its %s (%d)'
                             % (what, key))
        entry = collection[key]
        if number == CMW_COLLECTION_TAG:
            entry = _unwrap_cmw(entry, what)
        messages[key] = cose.decode_sign1(entry, what)
    platform, realm = messages[PLATFORM_TOKEN], messages[REALM_TOKEN]
    return Token(envelope=ENVELOPES[number], platform=platform, realm=realm,
                 platform_claims=token_claims.platform(platform.payload),
                 realm_claims=token_claims.realm(realm.payload))


def _unwrap_cmw(entry, what):
    if not cbor.is_array(entry) or len(entry) != 2:
        raise TokenError('%s: a CMW collection entry is [content format, '
                         'bytes], got %s' % (what, cbor.type_name(entry)))
    content_format, value = entry
    if content_format != CMW_CONTENT_FORMAT or \
            isinstance(content_format, bool):
        raise TokenError('%s: CMW content format must be %d, got %s'
                         % (what, CMW_CONTENT_FORMAT,
                            repr(content_format)[:40]))
    return value
