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

"""nova_cca.virt.libvirt.slot: when the compute refuses to start a realm."""

from nova_cca.virt.libvirt import detection
from nova_cca.virt.libvirt import slot

CCA = detection.RealmCapability(True, ('sha256',), "<cca supported='yes'>")
NO_CCA = detection.RealmCapability.unsupported(
    "libvirt reports <cca supported='no'>")
ROOT, CHILD, OTHER = 'rp-root', 'rp-child', 'rp-other-host'


def allocation(**by_rp):
    return {rp: {'resources': resources} for rp, resources in by_rp.items()}


def test_slot_on_this_hosts_root_or_child():
    tree = {ROOT, CHILD}
    assert slot.holds_slot(allocation(**{ROOT: {
        'VCPU': 1, 'MEM_ENCRYPTION_CONTEXT': 1}}), tree)
    assert slot.holds_slot(allocation(**{
        ROOT: {'VCPU': 1}, CHILD: {'MEM_ENCRYPTION_CONTEXT': 1}}), tree)
    assert slot.refusal(CCA, allocation(**{ROOT: {
        'MEM_ENCRYPTION_CONTEXT': 1}}), tree) is None


def test_no_slot_or_a_slot_elsewhere():
    tree = {ROOT, CHILD}
    # an evacuation holds the old host's slot as well: only ours counts
    elsewhere = allocation(**{ROOT: {'VCPU': 1},
                              OTHER: {'MEM_ENCRYPTION_CONTEXT': 1}})
    for allocations in ({}, None, allocation(**{ROOT: {'VCPU': 1}}),
                        elsewhere):
        assert not slot.holds_slot(allocations, tree)
        assert slot.refusal(CCA, allocations, tree) == (
            'its allocation holds no realm slot (MEM_ENCRYPTION_CONTEXT) '
            'on this host')


def test_host_without_cca_is_refused_whatever_it_holds():
    assert slot.refusal(NO_CCA, allocation(**{ROOT: {
        'MEM_ENCRYPTION_CONTEXT': 1}}), {ROOT}) == (
        "the host does not support Arm CCA (libvirt reports "
        "<cca supported='no'>)")


def test_the_refusal_names_realm_host_and_outcome():
    error = slot.RealmCannotRun(instance_uuid='u-1', host='cca-1',
                                reason='why')
    assert str(error) == ('Arm CCA realm u-1 cannot run on cca-1: why; it '
                          'is not started as a plain guest.')
