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

"""nova_cca.activation.scheduler on Nova's real objects.

A realm request asks Placement for its measurement traits; a request that
is not a realm is built as Nova builds it, with no more work: the same
number of ``ResourceRequest.from_request_spec`` and
``get_mem_encryption_constraint`` calls as Nova alone (issue 19: the realm
request filter rebuilt the resource request for every request).
"""

import collections
import functools

from nova import context as nova_context
from nova import objects
from nova.scheduler import request_filter
from nova.scheduler import utils as scheduler_utils
from nova.virt import hardware
import pytest

from nova_cca.activation import patch as contract
from nova_cca.scheduler import realm_traits

REALM_TRAIT = 'CUSTOM_HW_CPU_AARCH64_CCA'
#: request specs that are not realms: (flavor extra specs, image properties)
NOT_REALMS = {
    'plain': ({}, {}),
    'plain x86_64': ({}, {'hw_architecture': 'x86_64'}),
    'plain aarch64': ({}, {'hw_architecture': 'aarch64',
                           'hw_firmware_type': 'uefi'}),
    'plain, other extra specs': ({'hw:cpu_policy': 'dedicated',
                                  'trait:HW_CPU_X86_AVX2': 'required'}, {}),
    'sev by flavor': ({'hw:mem_encryption': 'true'},
                      {'hw_firmware_type': 'uefi'}),
    'sev-es by image': ({}, {'hw_mem_encryption': True,
                             'hw_mem_encryption_model': 'amd-sev-es',
                             'hw_firmware_type': 'uefi'}),
}


def _request_spec(extra_specs, properties):
    return objects.RequestSpec(
        flavor=objects.Flavor(name='m1', vcpus=1, memory_mb=512, root_gb=1,
                              ephemeral_gb=0, swap=0,
                              extra_specs=dict(extra_specs)),
        image=objects.ImageMeta.from_dict({'properties': dict(properties)}),
        is_bfv=False, project_id='project', user_id='user',
        availability_zone=None,
        instance_uuid='a0000000-0000-4000-8000-000000000001')


def test_realm_requests_ask_for_their_measurement_traits():
    flavor = objects.Flavor(name='f', extra_specs={
        'hw:mem_encryption': 'true', 'hw:mem_encryption_model': 'arm-cca',
        'hw:cca_measurement_algo': 'sha256',
        'hw:cca_measurement_log': 'true'})
    image = objects.ImageMeta.from_dict({'properties': {
        'hw_architecture': 'aarch64', 'hw_firmware_type': 'uefi',
        'hw_firmware_stateless': True, 'hw_cca_personalization': 'uuid'}})
    request = scheduler_utils.ResourceRequest()
    request._translate_mem_encryption_request(flavor, image)
    assert request.get_request_group(None).required_traits == {
        REALM_TRAIT, REALM_TRAIT + '_MEASUREMENT_SHA256',
        REALM_TRAIT + '_PERSONALIZATION',
        REALM_TRAIT + '_MEASUREMENT_LOG'}


@pytest.mark.parametrize('kind', sorted(NOT_REALMS))
def test_other_requests_get_novas_traits(kind):
    spec = _request_spec(*NOT_REALMS[kind])
    mine = scheduler_utils.ResourceRequest()
    mine._translate_mem_encryption_request(spec.flavor, spec.image)
    novas = scheduler_utils.ResourceRequest()
    contract.original(
        scheduler_utils.ResourceRequest._translate_mem_encryption_request)(
            novas, spec.flavor, spec.image)
    assert mine.to_querystring() == novas.to_querystring()


def test_realm_request_filter_runs_last_once():
    filters = request_filter.ALL_REQUEST_FILTERS
    assert filters.count(realm_traits.require_realm_traits_on_root) == 1
    assert filters[-1] is realm_traits.require_realm_traits_on_root
    # Nova's own filters are all still there, before ours
    assert request_filter.owner_nova_filter in filters[:-1]
    assert request_filter.isolate_aggregates in filters[:-1]


def test_scheduler_drops_traits_required_on_root(monkeypatch):
    # the wrapped resources_from_request_spec hands Nova's ResourceRequest
    # to drop_traits_required_on_root, then returns it
    wrapped = scheduler_utils.resources_from_request_spec
    assert getattr(wrapped, contract.MARK, False)
    seen = []
    monkeypatch.setattr(realm_traits, 'drop_traits_required_on_root',
                        lambda spec, res: seen.append((spec, res)))
    spec = _request_spec({}, {})
    resources = wrapped(None, spec, None)
    assert seen == [(spec, resources)]
    assert isinstance(resources, scheduler_utils.ResourceRequest)


def test_a_realm_request_asks_for_its_traits_on_the_root(monkeypatch):
    monkeypatch.setattr(objects.service, 'get_minimum_version_all_cells',
                        lambda *args, **kwargs: 10 ** 6)
    spec = _request_spec(
        {'hw:mem_encryption': 'true', 'hw:cca_measurement_algo': 'sha256'},
        {'hw_architecture': 'aarch64', 'hw_firmware_type': 'uefi',
         'hw_firmware_stateless': True})
    request_filter.process_reqspec(nova_context.get_admin_context(), spec)
    resources = scheduler_utils.resources_from_request_spec(None, spec,
                                                            None)
    assert {REALM_TRAIT, REALM_TRAIT + '_MEASUREMENT_SHA256'} <= (
        spec.root_required)
    assert REALM_TRAIT not in resources.get_request_group(
        None).required_traits
    assert 'MEM_ENCRYPTION_CONTEXT' in resources.get_request_group(
        None).resources


# -- no extra work for requests that are not realms ------------------------

def _schedule(monkeypatch, spec, nova_alone):
    """Nova's scheduler steps before Placement, counting the calls.

    ``process_reqspec`` (the request filters) then
    ``resources_from_request_spec`` (the Placement request), as the
    scheduler manager calls them; with ``nova_alone``, Nova's original
    functions and filter list. Returns the counts, the Placement query
    and the request spec's root_required.
    """
    calls = collections.Counter()

    def counted(name, function):
        @functools.wraps(function)
        def counting(*args, **kwargs):
            calls[name] += 1
            return function(*args, **kwargs)
        return counting

    with monkeypatch.context() as patched:
        # owner_nova_filter's database read: every compute is new
        patched.setattr(objects.service, 'get_minimum_version_all_cells',
                        lambda *args, **kwargs: 10 ** 6)
        constraint = hardware.get_mem_encryption_constraint
        translate = (scheduler_utils.ResourceRequest.
                     _translate_mem_encryption_request)
        resources = scheduler_utils.resources_from_request_spec
        filters = list(request_filter.ALL_REQUEST_FILTERS)
        if nova_alone:
            constraint = contract.original(constraint)
            translate = contract.original(translate)
            resources = contract.original(resources)
            filters.remove(realm_traits.require_realm_traits_on_root)
        patched.setattr(request_filter, 'ALL_REQUEST_FILTERS', filters)
        patched.setattr(scheduler_utils.ResourceRequest,
                        '_translate_mem_encryption_request', translate)
        patched.setattr(scheduler_utils, 'resources_from_request_spec',
                        resources)
        patched.setattr(hardware, 'get_mem_encryption_constraint',
                        counted('get_mem_encryption_constraint',
                                constraint))
        from_request_spec = vars(scheduler_utils.ResourceRequest)[
            'from_request_spec'].__func__
        patched.setattr(scheduler_utils.ResourceRequest, 'from_request_spec',
                        classmethod(counted('from_request_spec',
                                            from_request_spec)))

        request_filter.process_reqspec(nova_context.get_admin_context(),
                                       spec)
        request = scheduler_utils.resources_from_request_spec(
            nova_context.get_admin_context(), spec, None)
    return dict(calls), request.to_querystring(), set(spec.root_required)


@pytest.mark.parametrize('kind', sorted(NOT_REALMS))
def test_no_more_work_than_nova_for_a_request_that_is_not_a_realm(
        monkeypatch, kind):
    novas = _schedule(monkeypatch, _request_spec(*NOT_REALMS[kind]),
                      nova_alone=True)
    mine = _schedule(monkeypatch, _request_spec(*NOT_REALMS[kind]),
                     nova_alone=False)
    # Nova builds the resource request once, and reads the memory
    # encryption request once, in _translate_mem_encryption_request
    assert novas[0] == {'from_request_spec': 1,
                        'get_mem_encryption_constraint': 1}
    assert mine[0] == novas[0], (
        'activated: %s, Nova alone: %s' % (mine[0], novas[0]))
    # and the same request
    assert mine[1:] == novas[1:]
    assert REALM_TRAIT not in mine[1]


def test_the_counting_sees_a_realm_requests_work(monkeypatch):
    # the counting works: a realm request does cost more, on purpose
    realm = ({'hw:mem_encryption': 'true'},
             {'hw_architecture': 'aarch64', 'hw_firmware_type': 'uefi',
              'hw_firmware_stateless': True})
    novas = _schedule(monkeypatch, _request_spec(*realm), nova_alone=True)
    mine = _schedule(monkeypatch, _request_spec(*realm), nova_alone=False)
    assert mine[0]['from_request_spec'] == novas[0]['from_request_spec'] + 1
    assert REALM_TRAIT in mine[2]
