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

"""nova_cca.virt.request: which model a request without one means."""

from nova import objects
import pytest

from nova_cca.virt import request


def flavor(**extra_specs):
    return objects.Flavor(name='f', extra_specs=extra_specs)


def image(**props):
    return objects.ImageMeta.from_dict({'properties': props})


def test_aarch64_image_without_model_implies_arm_cca():
    assert request.implied_model(
        flavor(), image(hw_architecture='aarch64',
                        hw_mem_encryption=True)) == 'arm-cca'


def test_aarch64_image_with_flavor_request_implies_arm_cca():
    assert request.implied_model(
        flavor(**{'hw:mem_encryption': 'true'}),
        image(hw_architecture='aarch64')) == 'arm-cca'


def test_flavor_without_extra_specs_attribute():
    # extra_specs not loaded on the flavor object
    assert request.implied_model(
        objects.Flavor(name='f'),
        image(hw_architecture='aarch64')) == 'arm-cca'


@pytest.mark.parametrize('model', ['amd-sev', 'arm-cca'])
def test_model_on_image_implies_nothing(model):
    assert request.implied_model(
        flavor(), image(hw_architecture='aarch64',
                        hw_mem_encryption_model=model)) is None


@pytest.mark.parametrize('model', ['amd-sev', 'arm-cca'])
def test_model_on_flavor_implies_nothing(model):
    assert request.implied_model(
        flavor(**{'hw:mem_encryption_model': model}),
        image(hw_architecture='aarch64')) is None


def test_no_architecture_implies_nothing():
    assert request.implied_model(
        flavor(), image(hw_mem_encryption=True)) is None


def test_other_architecture_implies_nothing():
    assert request.implied_model(
        flavor(), image(hw_architecture='x86_64',
                        hw_mem_encryption=True)) is None


def test_with_implied_model_sets_model_on_a_copy():
    original = image(hw_architecture='aarch64', hw_mem_encryption=True)
    result = request.with_implied_model(flavor(), original)
    assert result is not original
    assert result.properties.hw_mem_encryption_model == 'arm-cca'
    # the input is not mutated
    assert 'hw_mem_encryption_model' not in original.properties
    assert original.properties.get('hw_mem_encryption_model') is None
    # everything else is kept
    assert result.properties.hw_architecture == 'aarch64'
    assert result.properties.hw_mem_encryption is True


def test_with_implied_model_returns_input_unchanged_without_implied():
    original = image(hw_architecture='aarch64',
                     hw_mem_encryption_model='amd-sev')
    assert request.with_implied_model(flavor(), original) is original
    assert original.properties.hw_mem_encryption_model == 'amd-sev'

    no_arch = image(hw_mem_encryption=True)
    assert request.with_implied_model(flavor(), no_arch) is no_arch
    assert 'hw_mem_encryption_model' not in no_arch.properties
