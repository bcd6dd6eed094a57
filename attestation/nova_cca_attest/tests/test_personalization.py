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

import base64
import hashlib

import pytest

from nova_cca_attest import personalization

UUID = '7d1d6a4a-93a5-4e2b-9d3f-3f9cf1a8e2b1'


def test_derivation_is_the_documented_hash():
    expected = hashlib.sha512(
        b'nova-cca realm personalization value v1:' + UUID.encode()).digest()
    assert personalization.derive(UUID) == expected
    assert len(personalization.derive_base64(UUID)) == 88


def test_uuid_is_canonicalised():
    assert personalization.derive(UUID.upper()) == personalization.derive(
        UUID)
    assert personalization.derive(UUID.replace('-', '')) == \
        personalization.derive(UUID)


def test_different_servers_differ():
    other = '7d1d6a4a-93a5-4e2b-9d3f-3f9cf1a8e2b2'
    assert personalization.derive(UUID) != personalization.derive(other)


def test_not_a_uuid():
    with pytest.raises(ValueError):
        personalization.derive('server-1')


def test_decode_round_trip():
    text = personalization.derive_base64(UUID)
    assert personalization.decode(text) == personalization.derive(UUID)


@pytest.mark.parametrize('text, fragment', [
    (base64.b64encode(b'x' * 63).decode(), '88 characters'),
    (base64.b64encode(b'x' * 65).decode(), 'decodes to 65'),
    ('!' * 88, 'must be base64'),
    (None, 'NoneType'),
])
def test_decode_refuses(text, fragment):
    with pytest.raises(ValueError, match=fragment):
        personalization.decode(text)


def test_encode_refuses_wrong_length():
    with pytest.raises(ValueError, match='64 bytes'):
        personalization.encode(b'x' * 32)
