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

"""Realm traits created in Placement at deployment time."""

import pytest

from nova_cca import traits


class Response:
    def __init__(self, status_code, text=''):
        self.status_code = status_code
        self.text = text


class PlacementAdapter:
    """Records PUT /traits/{name} like Placement answers it."""

    def __init__(self, existing=(), refuse=None):
        self.existing = set(existing)
        self.refuse = refuse
        self.calls = []

    def put(self, url, microversion=None, raise_exc=True):
        self.calls.append((url, microversion))
        name = url.rsplit('/', 1)[1]
        if name == self.refuse:
            return Response(400, 'bad trait')
        if name in self.existing:
            return Response(204)
        self.existing.add(name)
        return Response(201)


def test_realm_traits():
    assert traits.realm_traits() == [
        'CUSTOM_HW_CPU_AARCH64_CCA',
        'CUSTOM_HW_CPU_AARCH64_CCA_MEASUREMENT_SHA256',
        'CUSTOM_HW_CPU_AARCH64_CCA_MEASUREMENT_SHA512',
        'CUSTOM_HW_CPU_AARCH64_CCA_PERSONALIZATION',
        'CUSTOM_HW_CPU_AARCH64_CCA_MEASUREMENT_LOG']


def test_create_then_exists():
    adapter = PlacementAdapter(existing={'CUSTOM_HW_CPU_AARCH64_CCA'})
    outcome = traits.create(adapter)
    assert outcome['CUSTOM_HW_CPU_AARCH64_CCA'] == 'exists'
    assert outcome['CUSTOM_HW_CPU_AARCH64_CCA_MEASUREMENT_SHA512'] == \
        'created'
    assert all(mv == '1.6' for _, mv in adapter.calls)
    assert set(traits.create(adapter).values()) == {'exists'}


def test_refusal_names_the_trait():
    adapter = PlacementAdapter(
        refuse='CUSTOM_HW_CPU_AARCH64_CCA_MEASUREMENT_SHA256')
    with pytest.raises(RuntimeError, match='MEASUREMENT_SHA256: 400'):
        traits.create(adapter)
