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

"""Patches of ``nova.scheduler``: what Placement is asked for a realm.

======================================  ====================================
patch                                   contract
======================================  ====================================
scheduler.measurement_traits            a realm request also requires the
                                        traits of its measurement settings.
                                        No seam: a model has one
                                        ``required_trait``. Upstream: a
                                        ``MemEncryptionConfig`` hook for
                                        extra traits.
scheduler.root_traits_filter            a request filter that puts a
                                        realm's root traits in
                                        ``root_required``. No seam:
                                        ``ALL_REQUEST_FILTERS`` is a fixed
                                        list. Upstream: request filters as
                                        plugins.
scheduler.resources_from_request_spec   removes those traits from the
                                        unsuffixed group. No seam: Nova
                                        builds the group after the filters.
                                        Upstream: a model property "traits
                                        on the compute node".
======================================  ====================================

None of them changes a request that is not a realm request, and none
does work for one: each returns at its first check (an attribute test).
"""

from typing import Any

from nova_cca.activation import patch as contract


def _measurement_traits(original: Any) -> Any:
    from nova_cca.scheduler import realm_traits

    def _translate_mem_encryption_request(self: Any, flavor: Any,
                                          image: Any) -> None:
        original(self, flavor, image)
        realm_traits.add_measurement_traits(self, flavor, image)
    return _translate_mem_encryption_request


def _register_measurement_traits() -> None:
    from nova.scheduler import utils as scheduler_utils

    contract.wrap(scheduler_utils.ResourceRequest,
                  '_translate_mem_encryption_request', _measurement_traits)


def _register_root_traits_filter() -> None:
    from nova.scheduler import request_filter

    from nova_cca.scheduler import realm_traits

    realm_filter = realm_traits.require_realm_traits_on_root
    if realm_filter not in request_filter.ALL_REQUEST_FILTERS:
        request_filter.ALL_REQUEST_FILTERS.append(realm_filter)


def _resources(original: Any) -> Any:
    from nova_cca.scheduler import realm_traits

    def resources_from_request_spec(ctxt: Any, spec_obj: Any,
                                    host_manager: Any,
                                    enable_pinning_translate: bool = True
                                    ) -> Any:
        resources = original(ctxt, spec_obj, host_manager,
                             enable_pinning_translate)
        realm_traits.drop_traits_required_on_root(spec_obj, resources)
        return resources
    return resources_from_request_spec


def _register_resources() -> None:
    from nova.scheduler import utils as scheduler_utils

    contract.wrap(scheduler_utils, 'resources_from_request_spec', _resources)


PATCHES = [
    contract.Patch(
        name='scheduler.measurement_traits',
        target='nova.scheduler.utils:ResourceRequest.'
               '_translate_mem_encryption_request',
        changes='a realm request requires the traits of its measurement '
                'settings; other requests are untouched',
        why='MemEncryptionConfig has one required_trait',
        upstream='a MemEncryptionConfig property listing further traits',
        apply=_register_measurement_traits,
        signature='(self, flavor, image)',
        source_sha256='b340bd1429bb0c4d'),
    contract.Patch(
        name='scheduler.root_traits_filter',
        target='nova.scheduler.request_filter:ALL_REQUEST_FILTERS',
        changes='appends require_realm_traits_on_root (returns at once for '
                'a request that is not a realm)',
        why='request filters are a fixed list',
        upstream='request filters loaded as plugins',
        apply=_register_root_traits_filter),
    contract.Patch(
        name='scheduler.resources_from_request_spec',
        target='nova.scheduler.utils:resources_from_request_spec',
        changes="removes the realm traits that root_required holds from "
                "the unsuffixed group (only when root_required holds the "
                "realm trait)",
        why='Nova builds the unsuffixed group after the request filters',
        upstream='a MemEncryptionConfig property: traits on the compute '
                 'node provider',
        apply=_register_resources,
        signature='(ctxt, spec_obj, host_manager, '
                  'enable_pinning_translate=True)',
        source_sha256='53069bb50d14c178'),
]
