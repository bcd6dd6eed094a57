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

"""What a rebuild may not change: whether a server is a realm, and how.

A rebuild with a new image keeps the server on its host and, as Nova does
not schedule it again for resources, keeps its allocation. A new image that
asks for a realm where there was none (or for none, or another model,
where there was a realm) would need a different host or a realm slot the
server does not hold; one that changes a realm's measurement settings
would silently give another realm. Such a rebuild is refused, as Nova
refuses one that changes a server's NUMA topology; the user boots a new
server instead. A rebuild that involves no realm on either side is Nova's
alone.
"""

from typing import Any

from nova import exception
from nova import objects

from nova_cca import glossary
from nova_cca.i18n import _
from nova_cca.virt import measurement
from nova_cca.virt import model
from nova_cca.virt import request


class EncryptionRequestChanged(exception.ImageUnacceptable):
    """A new image changes what the server asks of memory encryption.

    An ImageUnacceptable, so that the API answers 400 Bad Request.
    """


def _properties(image_meta: 'objects.ImageMeta') -> dict[str, Any]:
    props = image_meta.properties
    return {key: props.get(key) for key in request.REQUEST_PROPERTIES}


def check_new_image(instance: 'objects.Instance', flavor: 'objects.Flavor',
                    image: dict[str, Any]) -> None:
    """Refuse a new ``image`` whose request differs from the server's.

    :param instance: the server (its current image is
        ``instance.image_meta``)
    :param flavor: the server's flavor
    :param image: the new image, as the compute API has it (a dict)
    :raises: EncryptionRequestChanged naming the image properties that
        change the request
    """
    try:
        new_meta = objects.ImageMeta.from_dict(image)
        current = request.encryption_request(flavor, instance.image_meta)
        wanted = request.encryption_request(flavor, new_meta)
    except (exception.NovaException, ValueError):
        # an image or flavor Nova refuses itself, in its own words
        return
    if glossary.ARM_CCA not in (current.model, wanted.model):
        # not a realm before or after: Nova's rules alone
        return
    if current == wanted:
        # a realm also keeps how it is measured (algorithm, RPV, log)
        measurement.refuse_change(
            measurement.realm_request(flavor, instance.image_meta),
            measurement.realm_request(flavor, new_meta),
            'Rebuild with image %s' % (
                new_meta.id if 'id' in new_meta else image.get('id')))
        return
    old_props, new_props = _properties(instance.image_meta), _properties(
        new_meta)
    changed = [key for key in request.REQUEST_PROPERTIES
               if old_props[key] != new_props[key]]
    described = ', '.join(
        '%s=%s (now %s)' % (key, _shown(new_props[key]),
                            _shown(old_props[key]))
        for key in changed)
    raise EncryptionRequestChanged(
        image_id=new_meta.id if 'id' in new_meta else image.get('id'),
        reason=(_('a rebuild cannot change the memory encryption of '
                  'server %s from %s to %s (image %s); boot a new server '
                  'instead') % (instance.uuid, current, wanted,
                   described or 'properties ' +
                   ', '.join(request.REQUEST_PROPERTIES))))


def _shown(value: Any) -> Any:
    return 'unset' if value is None else value


def keeps_allocation_after_failure(instance: 'objects.Instance', host: str,
                                   node: str, node_type: str) -> bool:
    """Whether a realm keeps its allocation after its rebuild failed here.

    When a rebuild on the server's own host fails, Nova's error path
    removes the server's allocation from this host as if an evacuation to
    it had failed, and the server (in ERROR) would later run again without
    its realm slot. A realm keeps its allocation instead: it stays in
    ERROR on its host, holding its slot, and a hard reboot or a rebuild
    with a working image brings it back.

    :param host: the compute host whose resource tracker is asked to remove
        the allocation
    :param node: its node
    :param node_type: ``destination`` on the rebuild and evacuation error
        paths, ``source`` when an evacuated server's old host cleans up
    """
    return (node_type == 'destination' and instance.host == host and
            instance.node == node and
            model.is_realm(instance.flavor, instance.image_meta))
