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

"""COSE_Sign1 (RFC 9052): its structure and its ECDSA signature.

A CCA token's platform and realm tokens are tagged COSE_Sign1 messages
with the algorithm in the protected header and the signature as the raw
``r || s`` of ECDSA (RFC 9053, section 2.1). The algorithm is taken from
the protected header only: a message that names one in its unprotected
header, which the signature does not cover, is refused.
"""

import dataclasses

from cryptography import exceptions as crypto_exceptions
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric import utils as ec_utils
from cryptography.hazmat.primitives import hashes

from nova_cca_attest import cbor
from nova_cca_attest import TokenError

COSE_SIGN1_TAG = 18
HEADER_ALG = 1
HEADER_CRIT = 2


@dataclasses.dataclass(frozen=True)
class Algorithm:
    name: str
    cose_id: int
    curve: type
    hash: type
    coordinate_bytes: int


#: the ECDSA algorithms a CCA token may use, by COSE identifier
ALGORITHMS = {a.cose_id: a for a in (
    Algorithm('ES256', -7, ec.SECP256R1, hashes.SHA256, 32),
    Algorithm('ES384', -35, ec.SECP384R1, hashes.SHA384, 48),
    Algorithm('ES512', -36, ec.SECP521R1, hashes.SHA512, 66),
)}


class SignatureError(Exception):
    """A COSE_Sign1 signature does not verify; the message says why."""


@dataclasses.dataclass(frozen=True)
class Sign1:
    """A decoded COSE_Sign1: what was signed and by which algorithm."""
    what: str
    protected: bytes
    header: dict
    payload: bytes
    signature: bytes

    @property
    def alg_id(self) -> int | str:
        return self.header[HEADER_ALG]

    @property
    def algorithm(self) -> 'Algorithm | None':
        """The :class:`Algorithm`, or None for one a token may not use."""
        return ALGORITHMS.get(self.alg_id)

    @property
    def alg_name(self) -> str:
        alg = self.algorithm
        return alg.name if alg else 'COSE algorithm %r' % (self.alg_id,)

    def to_be_signed(self) -> bytes:
        """The Sig_structure the signature covers (RFC 9052, 4.4)."""
        return cbor.dumps(['Signature1', self.protected, b'', self.payload])


def decode_sign1(data: bytes, what: str) -> 'Sign1':
    """The tagged COSE_Sign1 encoded in ``data`` (bytes).

    :raises TokenError: ``data`` is not a tagged COSE_Sign1 with an
        algorithm in its protected header and an attached payload.
    """
    number, content = cbor.tag(cbor.loads(data, what))
    if number != COSE_SIGN1_TAG:
        raise TokenError('%s must be a COSE_Sign1 (CBOR tag %d), got %s'
                         % (what, COSE_SIGN1_TAG, 'tag %d' % number
                            if number is not None
                            else cbor.type_name(content)))
    if not cbor.is_array(content) or len(content) != 4:
        raise TokenError('%s: a COSE_Sign1 is an array of 4 items, got %s'
                         % (what, cbor.type_name(content) if not
                            cbor.is_array(content)
                            else '%d items' % len(content)))
    protected, unprotected, payload, signature = content
    for name, value, kind in (('protected header', protected, bytes),
                              ('payload', payload, bytes),
                              ('signature', signature, bytes)):
        if not isinstance(value, kind):
            raise TokenError('%s: its %s must be a byte string, got %s'
                             % (what, name, cbor.type_name(value)))
    if not cbor.is_map(unprotected):
        raise TokenError('%s: its unprotected header must be a map, got %s'
                         % (what, cbor.type_name(unprotected)))
    header = cbor.loads(protected, '%s protected header' % what) \
        if protected else {}
    if not cbor.is_map(header):
        raise TokenError('%s: its protected header must encode a map, got '
                         '%s' % (what, cbor.type_name(header)))
    for name, labels in (('protected', header),
                         ('unprotected', unprotected)):
        for label in labels:
            if type(label) is not int and not isinstance(label, str):
                raise TokenError('%s: its %s header has a label of type %s; '
                                 'header labels are integers or text'
                                 % (what, name, cbor.type_name(label)))
    if HEADER_ALG in unprotected:
        # nobody signs the unprotected header: whoever carries the token
        # could change an algorithm there
        raise TokenError('%s: its unprotected header names an algorithm '
                         '(label 1); only the protected header may'
                         % what)
    if HEADER_ALG not in header:
        raise TokenError('%s: its protected header names no algorithm '
                         '(label 1)' % what)
    alg = header[HEADER_ALG]
    if isinstance(alg, bool) or not isinstance(alg, (int, str)):
        raise TokenError('%s: its algorithm must be an integer or text, '
                         'got %s' % (what, cbor.type_name(alg)))
    return Sign1(what=what, protected=protected, header=dict(header),
                 payload=payload, signature=signature)


def verify(message: 'Sign1',
           public_key: ec.EllipticCurvePublicKey) -> None:
    """Check ``message``'s signature with an EC ``public_key``.

    :raises SignatureError: naming why it does not verify.
    """
    alg = message.algorithm
    if alg is None:
        raise SignatureError('%s is signed with %s; a CCA token uses %s'
                             % (message.what, message.alg_name,
                                ', '.join(a.name
                                          for a in ALGORITHMS.values())))
    if HEADER_CRIT in message.header:
        raise SignatureError('%s has critical header parameters %r that '
                             'this verifier does not understand'
                             % (message.what, message.header[HEADER_CRIT]))
    if not isinstance(public_key.curve, alg.curve):
        raise SignatureError('%s says %s, but its key is on curve %s'
                             % (message.what, alg.name,
                                public_key.curve.name))
    if len(message.signature) != 2 * alg.coordinate_bytes:
        raise SignatureError('%s: an %s signature is %d bytes, got %d'
                             % (message.what, alg.name,
                                2 * alg.coordinate_bytes,
                                len(message.signature)))
    half = alg.coordinate_bytes
    r = int.from_bytes(message.signature[:half], 'big')
    s = int.from_bytes(message.signature[half:], 'big')
    try:
        public_key.verify(ec_utils.encode_dss_signature(r, s),
                          message.to_be_signed(), ec.ECDSA(alg.hash()))
    except (crypto_exceptions.InvalidSignature, ValueError):
        raise SignatureError('%s: the %s signature does not match its '
                             'content and key' % (message.what, alg.name)
                             ) from None
