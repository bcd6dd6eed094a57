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


"""Hypothesis strategies: values of any CBOR or JSON shape.

For property tests that feed hostile shapes to the decoder and the key
parsers: every scalar type CBOR has, containers nested a few levels, map
keys of every hashable type (integers, text, bytes, floats, booleans,
null, arrays), and tags of any number, among them the ones cbor2 would
interpret.
"""

import cbor2
from hypothesis import strategies as st

#: tag numbers that mean something to COSE, to CCA or to cbor2
TAG_NUMBERS = st.sampled_from([0, 1, 2, 3, 4, 5, 18, 24, 28, 29, 30, 35,
                               258, 263, 399, 907, 55799]) | \
    st.integers(0, 2 ** 64 - 1)

SCALARS = (st.none() | st.booleans() |
           st.integers(-2 ** 64, 2 ** 64 - 1) |
           st.sampled_from([-36, -35, -7, -4, -3, -2, -1, 0, 1, 2, 3]) |
           st.floats() | st.binary(max_size=140) | st.text(max_size=20))

#: CBOR map keys (hashable, as the decoder makes them)
KEYS = SCALARS | st.tuples(SCALARS, SCALARS)

CBOR = st.recursive(
    SCALARS,
    lambda inner: st.lists(inner, max_size=4) |
    st.dictionaries(KEYS, inner, max_size=4) |
    st.builds(cbor2.CBORTag, TAG_NUMBERS, inner),
    max_leaves=8)

JSON = st.recursive(
    st.none() | st.booleans() | st.integers() |
    st.floats(allow_nan=False, allow_infinity=False) | st.text(max_size=20),
    lambda inner: st.lists(inner, max_size=4) |
    st.dictionaries(st.text(max_size=5), inner, max_size=4),
    max_leaves=8)
