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

"""Patches of ``nova.compute``: what the compute API refuses a realm.

=====================================  =====================================
patch                                  contract
=====================================  =====================================
compute.suspend,                       a realm is refused with 409 and the
compute.live_migrate                   reason before Nova's generic 400 for
                                       encrypted guests. No seam: Nova's
                                       ``reject_mem_enc_instances`` is a
                                       decorator bound at class creation.
                                       Upstream: a model property
                                       "supports suspend/live migration".
compute.rebuild_image                  a rebuild whose new image moves a
                                       server into or out of ``arm-cca``,
                                       or changes a realm's measurement
                                       settings, is refused (400). Hooked
                                       into ``_validate_numa_rebuild``, the
                                       image check Nova runs only when the
                                       image changes, before anything is
                                       saved. No seam: rebuild validation
                                       is one method. Upstream: the CCA
                                       spec's rebuild rule.
compute.resize_flavor                  a resize to a flavor that changes a
                                       realm's measurement settings is
                                       refused (400). Hooked into
                                       ``_validate_vtpm_secret_security``,
                                       which Nova calls with both flavors
                                       and the image only when the flavor
                                       changes, after its own guards and
                                       before anything is saved. No seam
                                       for a per-model resize check.
                                       Upstream: the same rule in Nova.
compute.failed_rebuild_allocation      a realm whose rebuild failed on its
                                       own host keeps its allocation (its
                                       slot). No seam: the error path is
                                       shared with evacuation. Upstream: a
                                       bug report (docs/upstream.md).
=====================================  =====================================
"""

from typing import Any

from oslo_log import log as logging

from nova_cca.activation import patch as contract

LOG = logging.getLogger(__name__)


def _refusal(operation: str) -> Any:
    from nova_cca.compute import lifecycle

    def make(original: Any) -> Any:
        def refuse_realm(self: Any, context: Any, instance: Any,
                         *args: Any, **kwargs: Any) -> Any:
            lifecycle.refuse_for_realm(instance, operation)
            return original(self, context, instance, *args, **kwargs)
        return refuse_realm
    return make


def _register_lifecycle() -> None:
    from nova.compute import api as compute_api

    from nova_cca.compute import lifecycle

    for method, operation in lifecycle.REFUSED_OPERATIONS.items():
        contract.wrap(compute_api.API, method, _refusal(operation))


def _rebuild_image(original: Any) -> Any:
    from nova_cca.compute import rebuild

    def _validate_numa_rebuild(instance: Any, image: Any,
                               flavor: Any) -> Any:
        rebuild.check_new_image(instance, flavor, image)
        return original(instance, image, flavor)
    return _validate_numa_rebuild


def _register_rebuild_image() -> None:
    from nova.compute import api as compute_api

    contract.wrap(compute_api.API, '_validate_numa_rebuild', _rebuild_image)


def _resize_flavor(original: Any) -> Any:
    from nova_cca.compute import resize

    def _validate_vtpm_secret_security(current_flavor: Any, new_flavor: Any,
                                       image_meta: Any) -> Any:
        resize.check_new_flavor(current_flavor, new_flavor, image_meta)
        return original(current_flavor, new_flavor, image_meta)
    return _validate_vtpm_secret_security


def _register_resize_flavor() -> None:
    from nova.compute import api as compute_api

    contract.wrap(compute_api.API, '_validate_vtpm_secret_security',
                  _resize_flavor)


def _failed_rebuild(original: Any) -> Any:
    from nova_cca.compute import rebuild

    def delete_allocation_for_evacuated_instance(
            self: Any, context: Any, instance: Any, node: Any,
            node_type: str = 'source') -> Any:
        if rebuild.keeps_allocation_after_failure(instance, self.host, node,
                                                  node_type):
            LOG.warning('The rebuild of Arm CCA realm failed on its own '
                        'host %s: it keeps its allocation there (its realm '
                        'slot) and stays in ERROR.', self.host,
                        instance=instance)
            return None
        return original(self, context, instance, node, node_type)
    return delete_allocation_for_evacuated_instance


def _register_failed_rebuild() -> None:
    from nova.compute import resource_tracker

    contract.wrap(resource_tracker.ResourceTracker,
                  'delete_allocation_for_evacuated_instance', _failed_rebuild)


PATCHES = [
    contract.Patch(
        name='compute.suspend',
        target='nova.compute.api:API.suspend',
        changes='409 for a realm (the host cannot save realm memory)',
        why='reject_mem_enc_instances is bound at class creation',
        upstream='a MemEncryptionConfig property: supports suspend',
        apply=_register_lifecycle,
        signature='(self, context, instance)',
        source_sha256='58900fd82145501a'),
    contract.Patch(
        name='compute.live_migrate',
        target='nova.compute.api:API.live_migrate',
        changes='409 for a realm (realm memory cannot be moved)',
        why='reject_mem_enc_instances is bound at class creation',
        upstream='a MemEncryptionConfig property: supports live migration',
        apply=_register_lifecycle,
        signature='(self, context, instance, block_migration, '
                  'disk_over_commit, host_name, force=None, async_=False)',
        source_sha256='e9dcb526e44a2c04'),
    contract.Patch(
        name='compute.rebuild_image',
        target='nova.compute.api:API._validate_numa_rebuild',
        changes="400 for a new image that moves a server into or out of "
                "arm-cca or changes a realm's measurement settings",
        why='rebuild validation is one private method',
        upstream="the CCA spec's rebuild rule",
        apply=_register_rebuild_image,
        signature='(instance, image, flavor)',
        source_sha256='cb85dc884e4d35bd'),
    contract.Patch(
        name='compute.resize_flavor',
        target='nova.compute.api:API._validate_vtpm_secret_security',
        changes="400 for a new flavor that changes a realm's measurement "
                "settings",
        why='no per-model resize check',
        upstream="the CCA spec's resize rule",
        apply=_register_resize_flavor,
        signature='(current_flavor, new_flavor, image_meta)',
        source_sha256='2c57b4f210c92ffe'),
    contract.Patch(
        name='compute.failed_rebuild_allocation',
        target='nova.compute.resource_tracker:ResourceTracker.'
               'delete_allocation_for_evacuated_instance',
        changes='a realm whose rebuild failed on its own host keeps its '
                'allocation',
        why='the failed-rebuild path is shared with evacuation',
        upstream='bug report: a failed same-host rebuild drops the '
                 "server's allocation (docs/upstream.md)",
        apply=_register_failed_rebuild,
        signature="(self, context, instance, node, node_type='source')",
        source_sha256='69f9b6a5ffd02016'),
]
