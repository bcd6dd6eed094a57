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

"""Flavor extra specs of nova-cca, validated like Nova's own.

Nova's API loads validators from the ``nova.api.extra_spec_validators``
entry point (pyproject.toml) and checks every extra spec of a flavor
against them (microversion 2.86 and later). A key in Nova's ``hw``
namespace without a validator is refused, so each key nova-cca reads is
registered here.
"""

from nova.api.validation.extra_specs import base

from nova_cca import glossary
from nova_cca.virt import measurement


def register() -> list[base.ExtraSpecValidator]:
    """Entry point: the validators of nova-cca's ``hw:`` keys."""
    return [
        base.ExtraSpecValidator(
            name=measurement.flavor_key(measurement.ALGO_SETTING),
            description=(
                'Measurement algorithm of an Arm CCA realm. The realm is '
                'placed only on hosts whose libvirt offers it.'),
            value={
                'type': str,
                'description': 'The measurement algorithm',
                'enum': list(glossary.MEASUREMENT_ALGORITHMS),
            },
        ),
        base.ExtraSpecValidator(
            name=measurement.flavor_key(measurement.PERSONALIZATION_SETTING),
            description=(
                'Give an Arm CCA realm a personalization value (RPV). '
                "'uuid': derived from the server's UUID (see nova-cca's "
                'user guide). The realm is placed only on hosts that can '
                'set one.'),
            value={
                'type': str,
                'description': 'Where the personalization value comes from',
                'enum': list(measurement.PERSONALIZATION_SOURCES),
            },
        ),
        base.ExtraSpecValidator(
            name=measurement.flavor_key(measurement.LOG_SETTING),
            description=(
                'Give an Arm CCA realm a measurement log. The realm is '
                'placed only on hosts that keep one.'),
            value={
                'type': bool,
                'description': 'Whether the realm keeps a measurement log',
            },
        ),
    ]
