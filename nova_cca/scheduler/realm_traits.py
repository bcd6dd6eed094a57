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

"""How the scheduler asks Placement for a realm.

Nova puts the traits of a realm request (``CUSTOM_HW_CPU_AARCH64_CCA``, the
measurement and capability traits ``CUSTOM_HW_CPU_AARCH64_CCA_*``, and
``COMPUTE_SECURITY_STATELESS_FIRMWARE``, which every realm image asks for)
into the unsuffixed request group's ``required``. Once any provider in
Placement has a parent, Placement checks such traits tree by tree, which
costs a realm request several times a plain one at 10,000 hosts
(docs/benchmarks.md, docs/placement-scaling.md).

In the ``root`` provider layout every one of those traits is on the compute
node provider, the root of the host's tree, which also provides the
request's VCPU and MEMORY_MB. Asking for them in ``root_required``
(Placement microversion 1.35) therefore selects the same hosts and the
same candidates, at the cost of a plain request. In the ``child`` layout
the realm traits are on the child ``<node>_arm_cca``: ``root_required``
would not match, so the request stays as Nova builds it.

Nova offers no seam to change the unsuffixed group, so this takes two
steps, both hooked into Nova by nova_cca.activation and both running in
nova-scheduler only:

* :func:`require_realm_traits_on_root`, a scheduler request filter: it adds
  the traits to the request spec's ``root_required``, the way Nova's own
  filters add ``OWNER_NOVA``;
* :func:`drop_traits_required_on_root`: Nova builds the Placement request
  from the request spec after the filters ran and still lists the traits
  in ``required``; this removes exactly those it finds in
  ``root_required`` from the unsuffixed group.

A request that is not a realm request is never changed.
"""

from typing import TYPE_CHECKING

from nova import objects
from nova.scheduler import request_filter
from nova.scheduler import utils as scheduler_utils
from oslo_log import log as logging

import nova.conf
from nova_cca import glossary
from nova_cca.virt import measurement
from nova_cca.virt import model

if TYPE_CHECKING:
    from nova import context as nova_context
    from oslo_config import cfg

LOG = logging.getLogger(__name__)


def asks_on_root(conf: 'cfg.ConfigOpts | None' = None) -> bool:
    """Does this scheduler ask for realm traits on the root provider?

    ``[arm_cca] scheduler_root_traits`` when set; unset, it follows
    ``[arm_cca] provider_layout`` of the same configuration (``root``:
    yes), which is right when nova-scheduler reads the computes' nova.conf.
    """
    conf = conf or nova.conf.CONF
    explicit = conf.arm_cca.scheduler_root_traits
    if explicit is not None:
        return explicit
    return conf.arm_cca.provider_layout == glossary.ROOT_LAYOUT


def is_root_trait(trait: str) -> bool:
    """A trait a realm host carries on its root in the ``root`` layout."""
    return (glossary.is_realm_trait(trait) or
            trait == glossary.STATELESS_FIRMWARE_TRAIT)


def realm_root_traits(
        resource_request: 'scheduler_utils.ResourceRequest') -> set[str]:
    """The unsuffixed group's traits to ask on the root, for a realm.

    ``resource_request`` is the ``nova.scheduler.utils.ResourceRequest``
    Nova builds. A realm request is one whose unsuffixed group asks for
    MEM_ENCRYPTION_CONTEXT and requires ``CUSTOM_HW_CPU_AARCH64_CCA`` (what
    Nova makes of ``hw:mem_encryption`` with the ``arm-cca`` model). Returns
    its required traits that :func:`is_root_trait`, or an empty set for
    any other request.
    """
    if (glossary.REALM_TRAIT not in resource_request.all_required_traits or
            glossary.REALM_RESOURCE_CLASS not in
            resource_request.merged_resources()):
        return set()
    unsuffixed = resource_request.get_request_group(None)
    if (glossary.REALM_RESOURCE_CLASS not in unsuffixed.resources or
            glossary.REALM_TRAIT not in unsuffixed.required_traits):
        # the realm is asked in a numbered group only: not Nova's form;
        # leave it (and drop the empty group get_request_group() made)
        resource_request.strip_zeros()
        return set()
    return {t for t in unsuffixed.required_traits if is_root_trait(t)}


@request_filter.trace_request_filter
def require_realm_traits_on_root(ctxt: 'nova_context.RequestContext',
                                 request_spec: 'objects.RequestSpec'
                                 ) -> bool:
    """Scheduler request filter: a realm's root traits in root_required.

    Runs in Nova's ``process_reqspec`` before the Placement request is
    built; returns whether it changed ``request_spec`` (Nova's filter
    convention).
    """
    if not _is_realm_spec(request_spec) or not asks_on_root():
        return False
    traits = realm_root_traits(
        scheduler_utils.ResourceRequest.from_request_spec(request_spec))
    if not traits:
        return False
    request_spec.root_required.update(traits)
    LOG.debug('Realm request: traits %s required on the compute node '
              'provider (root_required)', ', '.join(sorted(traits)))
    return True


def _is_realm_spec(request_spec: 'objects.RequestSpec') -> bool:
    # the image as Nova's ResourceRequest.from_request_spec takes it
    image = request_spec.image if 'image' in request_spec else None
    if image is None:
        image = objects.ImageMeta(properties=objects.ImageMetaProps())
    return model.is_realm(request_spec.flavor, image)


def add_measurement_traits(
        resource_request: 'scheduler_utils.ResourceRequest',
        flavor: 'objects.Flavor', image: 'objects.ImageMeta') -> None:
    """Require the traits of a realm's measurement settings.

    Runs after Nova translated the memory-encryption request into
    ``resource_request``; does nothing unless Nova required the realm
    trait (a request that asks for no memory encryption costs two key
    lookups).
    """
    if not model.asks_for_encryption(flavor, image):
        return
    if glossary.REALM_TRAIT not in resource_request.all_required_traits:
        return
    for trait in measurement.required_traits(flavor, image):
        resource_request._add_trait(trait, 'required')


def drop_traits_required_on_root(
        request_spec: 'objects.RequestSpec',
        resource_request: 'scheduler_utils.ResourceRequest') -> set[str]:
    """Remove from the unsuffixed group what the filter required on the root.

    Only the realm root traits found in ``request_spec.root_required`` go;
    every other requirement stays. Returns the traits removed. A request
    whose ``root_required`` holds no realm trait is not looked at.
    """
    root_required = set(request_spec.root_required)
    if glossary.REALM_TRAIT not in root_required:
        return set()
    moved = realm_root_traits(resource_request) & root_required
    if not moved:
        return set()
    unsuffixed = resource_request.get_request_group(None)
    unsuffixed.required_traits = unsuffixed.required_traits - moved
    return moved
