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

"""Strict CBOR decoding of untrusted bytes.

Every failure of the decoder, whatever its kind, becomes a
:class:`~nova_cca_attest.TokenError`: hostile input never escapes as
another exception. Duplicate map keys, trailing bytes and deep nesting are
refused. Semantic tags stay plain tags: cbor2 would otherwise build
self-referencing containers (tags 28/29), compute huge numbers (bigfloats,
tag 5) or parse dates, regular expressions and MIME messages from
untrusted bytes; a token needs none of that.
"""

from collections.abc import Mapping
import functools
import io
from typing import Any

import cbor2

from nova_cca_attest import TokenError

#: deepest container nesting a token needs is 4; leave room, refuse abuse
MAX_DEPTH = 16
#: tags below this number that cbor2 might interpret are kept as tags (it
#: interprets none above it)
SEMANTIC_TAG_LIMIT = 65536


@functools.cache
def _plain_tags():
    def plain(number):
        return lambda value, immutable: cbor2.CBORTag(number, value)
    return {number: plain(number) for number in range(SEMANTIC_TAG_LIMIT)}


def loads(data: bytes, what: str) -> Any:
    """The one CBOR item in ``data``; ``what`` names it in errors."""
    if not isinstance(data, (bytes, bytearray)):
        raise TokenError('%s must be a CBOR byte string, got %s'
                         % (what, _type_name(data)))
    stream = io.BytesIO(bytes(data))
    try:
        decoder = cbor2.CBORDecoder(stream, max_depth=MAX_DEPTH,
                                    allow_duplicate_keys=False,
                                    semantic_decoders=_plain_tags())
        value = decoder.decode()
    except Exception as e:  # noqa: anything the decoder raises is a refusal
        raise TokenError('%s is not well-formed CBOR: %s'
                         % (what, _reason(e))) from None
    if stream.tell() != len(data):
        raise TokenError('%s has %d trailing bytes after its CBOR item'
                         % (what, len(data) - stream.tell()))
    if not _well_formed(value):
        # e.g. a lone "break" (0xff), which some cbor2 releases return as
        # a sentinel object instead of raising
        raise TokenError('%s is not well-formed CBOR: an item outside '
                         "CBOR's data model" % what)
    return value


#: what the decoder may return for a well-formed item
_ITEM_TYPES = (bytes, bytearray, str, int, float, bool, type(None),
               cbor2.CBORSimpleValue, type(cbor2.undefined))


def _well_formed(value: Any) -> bool:
    if isinstance(value, _ITEM_TYPES):
        return True
    if isinstance(value, cbor2.CBORTag):
        return _well_formed(value.value)
    if isinstance(value, Mapping):
        return all(_well_formed(k) and _well_formed(v)
                   for k, v in value.items())
    if isinstance(value, (list, tuple, frozenset)):
        return all(_well_formed(item) for item in value)
    return False


def dumps(value: Any) -> bytes:
    """Deterministic encoding (for the COSE Sig_structure)."""
    return cbor2.dumps(value)


def tag(value: Any) -> tuple[int | None, Any]:
    """``(tag number, content)`` of a tagged item, or ``(None, value)``."""
    if isinstance(value, cbor2.CBORTag):
        return value.tag, value.value
    return None, value


def _reason(error):
    text = str(error) or type(error).__name__
    return text[:200]


def _type_name(value):
    if isinstance(value, cbor2.CBORTag):
        return 'tag %d' % value.tag
    if isinstance(value, Mapping):
        return 'map'
    return {bytes: 'byte string', str: 'text string', int: 'integer',
            list: 'array', tuple: 'array', bool: 'boolean',
            float: 'float', type(None): 'null'}.get(
                type(value), type(value).__name__)


#: the CBOR name of a decoded value's type, for error messages
type_name = _type_name


def is_map(value: Any) -> bool:
    return isinstance(value, Mapping)


def is_array(value: Any) -> bool:
    return isinstance(value, (list, tuple))
