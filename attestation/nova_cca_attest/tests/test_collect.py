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

"""Collecting a token through a tree that mimics configfs TSM reports.

A plain directory does not behave like configfs: ``mkdir`` creates no
attribute files, and writing ``inblob`` makes no ``outblob``. The fake
below stands in for the kernel's side only (the file operations of
``TsmReports``); the collection logic under test is the product's.
"""

import os

import pytest

from nova_cca_attest import collect as tsm
from nova_cca_attest.tests import cca_tokens as t
from nova_cca_attest import token

NONCE = bytes(range(64))


class FakeKernel(tsm.TsmReports):
    """configfs semantics on a plain directory, answering with tokens
    signed by test keys (or misbehaving on request).
    """

    def __init__(self, root, provider='arm_cca_guest', intruder=False):
        super().__init__(str(root))
        self.provider = provider
        self.intruder = intruder
        self.entries = []
        self.keys = t.Keys()

    def make_entry(self, path):
        super().make_entry(path)
        self.entries.append(path)
        for name, value in (('provider', self.provider + '\n'),
                            ('generation', '0\n')):
            with open(os.path.join(path, name), 'w') as f:
                f.write(value)

    def remove_entry(self, path):
        for name in os.listdir(path):
            os.unlink(os.path.join(path, name))
        super().remove_entry(path)

    def write(self, path, data):
        super().write(path, data)
        entry = os.path.dirname(path)
        generation = 1 + (1 if self.intruder else 0)
        with open(os.path.join(entry, 'generation'), 'w') as f:
            f.write('%d\n' % generation)
        challenge = data + bytes(64 - len(data))
        realm = t.realm_claims(self.keys, {10: challenge})
        with open(os.path.join(entry, 'outblob'), 'wb') as f:
            f.write(t.token(self.keys, realm=realm))


def test_collects_a_token_for_the_nonce_and_cleans_up(tmp_path):
    kernel = FakeKernel(tmp_path)
    data = kernel.collect(NONCE)
    assert token.decode(data).realm_claims[10] == NONCE
    assert len(kernel.entries) == 1
    assert os.path.basename(kernel.entries[0]).startswith('nova-cca-')
    assert os.listdir(tmp_path) == []


def test_32_byte_nonce(tmp_path):
    data = FakeKernel(tmp_path).collect(NONCE[:32])
    assert token.decode(data).realm_claims[10] == NONCE[:32] + bytes(32)


@pytest.mark.parametrize('size', [0, 31, 65])
def test_nonce_size(tmp_path, size):
    with pytest.raises(tsm.CollectError, match='32 to 64 bytes, got %d'
                       % size):
        FakeKernel(tmp_path).collect(bytes(size))


def test_interface_absent(tmp_path):
    with pytest.raises(tsm.CollectError,
                       match='no configfs TSM report interface at .*absent'
                             '.*not a realm guest'):
        tsm.collect(NONCE, root=str(tmp_path / 'absent'))


def test_plain_directory_is_not_configfs(tmp_path):
    # mkdir works, but no attribute appears: say so and leave nothing
    with pytest.raises(tsm.CollectError,
                       match='has no provider attribute: .* is not a '
                             'configfs TSM report interface'):
        tsm.collect(NONCE, root=str(tmp_path))
    assert os.listdir(tmp_path) == []


def test_other_provider_is_not_a_realm(tmp_path):
    kernel = FakeKernel(tmp_path, provider='tdx_guest')
    with pytest.raises(tsm.CollectError,
                       match="provider is 'tdx_guest', not 'arm_cca_guest'"):
        kernel.collect(NONCE)
    assert os.listdir(tmp_path) == []


def test_concurrent_writer_is_detected(tmp_path):
    with pytest.raises(tsm.CollectError,
                       match=r'someone else wrote .* \(generation 2, '
                             r'expected 1\)'):
        FakeKernel(tmp_path, intruder=True).collect(NONCE)
    assert os.listdir(tmp_path) == []


def test_kernel_refusing_the_nonce(tmp_path):
    class Refusing(FakeKernel):
        def write(self, path, data):
            raise OSError(22, 'Invalid argument')
    with pytest.raises(tsm.CollectError,
                       match='the kernel refused the nonce: Invalid'):
        Refusing(tmp_path).collect(NONCE)
    assert os.listdir(tmp_path) == []
