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

"""nova_cca.activation.api: the flavor extra specs of a realm.

Activated, the compute API validates ``hw:cca_*`` and accepts ``arm-cca``
for ``hw:mem_encryption_model``; an API without nova-cca active refuses
both, although nova-cca is installed (issue 19: no entry point registers
the validators behind activation's back).
"""

import json
import os
import subprocess
import sys

from nova.api.validation.extra_specs import validators
from nova import exception
import pytest

MODEL = 'hw:mem_encryption_model'
NOVA_MODELS = ('amd-sev', 'amd-sev-es', 'amd-sev-snp', 'intel-tdx')
VALID = [('hw:cca_measurement_algo', 'sha256'),
         ('hw:cca_measurement_algo', 'sha512'),
         ('hw:cca_personalization', 'uuid'),
         ('hw:cca_measurement_log', 'true'),
         ('hw:cca_measurement_log', 'false')]
#: (key, value, what Nova's validator says): Nova's words name the value
#: and the valid ones, not the key (as for its own extra specs; the API
#: answers the request that set the key)
INVALID = [('hw:cca_measurement_algo', 'md5', 'not one of: sha256, sha512'),
           ('hw:cca_measurement_algo', 'SHA256', 'not one of: sha256'),
           ('hw:cca_personalization', 'random', 'not one of: uuid'),
           ('hw:cca_measurement_log', 'maybe', 'not a valid boolean')]


@pytest.mark.parametrize('key,value', VALID)
def test_realm_extra_specs_are_validated(key, value):
    validators.validate(key, value)


@pytest.mark.parametrize('key,value,said', INVALID)
def test_invalid_realm_extra_specs_are_refused(key, value, said):
    with pytest.raises(exception.ValidationError) as caught:
        validators.validate(key, value)
    assert str(caught.value).startswith(
        "Validation failed; '%s' is %s" % (value, said))
    # the key is refused through its own validator, not as unknown
    assert validators.VALIDATORS[key].name == key


def test_unknown_realm_extra_spec_is_refused():
    # the hw namespace is Nova's: a key without a validator is refused
    with pytest.raises(exception.ValidationError,
                       match='hw:cca_measurement_algorithm'):
        validators.validate('hw:cca_measurement_algorithm', 'sha256')


def test_flavor_validator_accepts_arm_cca_only_besides_nova_models():
    validators.validate(MODEL, 'arm-cca')
    for model in NOVA_MODELS:
        validators.validate(MODEL, model)
    with pytest.raises(exception.ValidationError, match='arm-cca'):
        validators.validate(MODEL, 'arm-xyz')
    enum = validators.VALIDATORS[MODEL].value['enum']
    assert enum.count('arm-cca') == 1
    assert enum[-1] == 'arm-cca'


def test_an_api_without_activation_refuses_realm_extra_specs():
    code = '''
import json
from nova.api.validation.extra_specs import validators
from nova import exception
import nova_cca  # installed, not activated
out = {}
for key, value in json.loads(%r):
    try:
        validators.validate(key, value)
        out[key + '=' + value] = None
    except exception.ValidationError as error:
        out[key + '=' + value] = str(error)
print(json.dumps(out))
''' % json.dumps([('hw:cca_measurement_algo', 'sha256'),
                  ('hw:cca_personalization', 'uuid'),
                  ('hw:cca_measurement_log', 'true'),
                  (MODEL, 'arm-cca'), (MODEL, 'amd-sev')])
    env = dict(os.environ, OS_NOVA_DISABLE_EVENTLET_PATCHING='1')
    result = subprocess.run([sys.executable, '-c', code],
                            capture_output=True, text=True, env=env,
                            timeout=300)
    assert result.returncode == 0, result.stderr[-3000:]
    out = json.loads(result.stdout.strip().splitlines()[-1])
    for key in ('hw:cca_measurement_algo', 'hw:cca_personalization',
                'hw:cca_measurement_log'):
        refused = [v for k, v in out.items() if k.startswith(key + '=')]
        assert refused[0] is not None and key in refused[0], out
    assert out[MODEL + '=arm-cca'] is not None
    assert 'arm-cca' in out[MODEL + '=arm-cca']
    assert out[MODEL + '=amd-sev'] is None
