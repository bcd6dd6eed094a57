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

"""Patches of ``nova.api``: the flavor extra specs of a realm.

============================  ==============================================
patch                         contract
============================  ==============================================
api.model_validator           ``arm-cca`` among the values of
                              ``hw:mem_encryption_model``. No seam: Nova's
                              ``hw`` validators list the models literally.
                              Upstream: the CCA spec adds the value.
api.realm_validators          the ``hw:cca_*`` validators
                              (:mod:`nova_cca.api.validation.extra_specs.
                              cca`) join ``VALIDATORS``. Registered here,
                              not through the ``nova.api.extra_spec_
                              validators`` entry point, so that an API
                              without nova-cca active refuses ``hw:cca_*``
                              (an unknown key in Nova's ``hw`` namespace)
                              instead of accepting keys nothing honours.
                              Upstream: the CCA spec's extra specs.
============================  ==============================================
"""

import dataclasses

from nova_cca.activation import patch as contract
from nova_cca import glossary

MODEL_KEY = 'hw:mem_encryption_model'


def _register_model_validator() -> None:
    from nova.api.validation.extra_specs import validators

    current = validators.VALIDATORS[MODEL_KEY]
    if glossary.ARM_CCA in current.value['enum']:
        return
    value = dict(current.value,
                 enum=list(current.value['enum']) + [glossary.ARM_CCA])
    validators.VALIDATORS[MODEL_KEY] = dataclasses.replace(current,
                                                           value=value)


def _register_realm_validators() -> None:
    from nova.api.validation.extra_specs import validators

    from nova_cca.api.validation.extra_specs import cca

    for validator in cca.register():
        validators.VALIDATORS.setdefault(validator.name, validator)


PATCHES = [
    contract.Patch(
        name='api.model_validator',
        target='nova.api.validation.extra_specs.validators:VALIDATORS',
        changes="hw:mem_encryption_model accepts 'arm-cca'",
        why="nova/api/validation/extra_specs/hw.py lists the models "
            "literally",
        upstream="the Arm CCA spec adds 'arm-cca' to the validator",
        apply=_register_model_validator),
    contract.Patch(
        name='api.realm_validators',
        target='nova.api.validation.extra_specs.validators:VALIDATORS',
        changes='hw:cca_measurement_algo, hw:cca_personalization and '
                'hw:cca_measurement_log are validated (refused by an API '
                'without nova-cca)',
        why="the entry point would make an unactivated API accept them",
        upstream="the Arm CCA spec's flavor extra specs",
        apply=_register_realm_validators),
]
