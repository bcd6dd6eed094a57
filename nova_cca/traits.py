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

"""The realm traits, created in Placement before any CCA host registers.

A realm request names ``CUSTOM_HW_CPU_AARCH64_CCA`` (and, when the user
asks for them, a measurement-algorithm trait and the personalization and
measurement-log traits). Placement answers a query for a
custom trait nobody created with 400 "No such trait(s)", which Nova's
scheduler logs as an ERROR before giving No valid host; created up front,
the same request simply finds no host. ``nova-cca traits`` does it with
the ``[placement]`` credentials of nova.conf.
"""

from typing import Any

from nova_cca import glossary

#: PUT /traits/{name} needs Placement microversion 1.6
MICROVERSION = '1.6'


def realm_traits() -> list[str]:
    """Every trait a realm request can name.

    The realm trait, one per measurement algorithm, and the traits of the
    personalization value and the measurement log (a request with
    ``hw:cca_personalization`` or ``hw:cca_measurement_log`` names them).
    """
    return ([glossary.REALM_TRAIT] +
            [glossary.measurement_trait(algo)
             for algo in glossary.MEASUREMENT_ALGORITHMS] +
            [glossary.PERSONALIZATION_TRAIT, glossary.MEASUREMENT_LOG_TRAIT])


def create(adapter: Any) -> dict[str, str]:
    """PUT each realm trait; returns {trait: 'created'|'exists'}.

    :param adapter: a keystoneauth Adapter for Placement
    """
    outcome: dict[str, str] = {}
    for trait in realm_traits():
        response = adapter.put('/traits/%s' % trait,
                               microversion=MICROVERSION, raise_exc=False)
        if response.status_code == 201:
            outcome[trait] = 'created'
        elif response.status_code == 204:
            outcome[trait] = 'exists'
        else:
            raise RuntimeError('Placement refused trait %s: %s %s' % (
                trait, response.status_code, response.text[:200]))
    return outcome


def placement_adapter(config_files: list[str]) -> Any:
    """A Placement adapter from ``[placement]`` of the given nova.conf."""
    import nova.conf
    from nova import utils

    args = []
    for path in config_files:
        args += ['--config-file', path]
    nova.conf.CONF(args, project='nova')
    return utils.get_ksa_adapter('placement')
