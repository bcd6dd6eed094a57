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

"""nova_cca.activation: activate() as a whole.

Which Nova it accepts, that installing nova-cca changes nothing until a
process activates it, and that activation applies every layer's patches.
The contracts of the patches are in test_contracts, their behaviour in the
test module of each layer.
"""

import ast
import dataclasses
import json
import os
import pathlib
import re
import subprocess
import sys

import pytest

import nova_cca
from nova_cca import activation

#: what activate() changes, read in a fresh interpreter
SNAPSHOT = '''
def snapshot():
    import sys
    from nova.api.validation.extra_specs import validators
    from nova.compute import api as compute_api
    from nova.objects import fields
    from nova.objects import image_meta
    from nova.scheduler import request_filter
    from nova.virt import hardware
    from nova.virt.libvirt import host
    return {
        'models': list(fields.MemEncryptionModel.ALL),
        'field values': list(
            fields.MemEncryptionModelField.AUTO_TYPE._valid_values),
        'validator': list(validators.VALIDATORS[
            'hw:mem_encryption_model'].value['enum']),
        'cca validators': sorted(k for k in validators.VALIDATORS
                                 if k.startswith('hw:cca_')),
        'image fields': sorted(k for k in image_meta.ImageMetaProps.fields
                               if k.startswith('hw_cca_')),
        'props version': image_meta.ImageMetaProps.VERSION,
        'request filters': len(request_filter.ALL_REQUEST_FILTERS),
        'wrapped': sorted(
            name for name, obj in (
                ('constraint', hardware.get_mem_encryption_constraint),
                ('suspend', compute_api.API.suspend),
                ('create', hardware.MemEncryptionConfig.create)
            ) if getattr(obj, '__nova_cca_wrapped__', False)),
        'host hook': hasattr(host.Host, 'supports_arm_cca'),
        'driver module': 'nova.virt.libvirt_cca' in sys.modules,
    }
'''


def test_activated_for_the_session():
    # tests/conftest.py activates through nova_cca_simulator.harness
    assert activation.is_active()


@pytest.mark.parametrize('version', ['33.0.2', '35.0.0', '3.4.0', '340.1'])
def test_unsupported_nova_version_is_refused(version):
    with pytest.raises(nova_cca.UnsupportedNovaVersion,
                       match='Nova 34.x.*nova %s' % re.escape(version)):
        activation.check_nova_version(version)


@pytest.mark.parametrize('version', ['34.0.0', '34.1.2', '34.0.0.0rc1'])
def test_supported_nova_version(version):
    activation.check_nova_version(version)


def test_installed_nova_is_supported():
    assert activation.installed_nova_version().split('.')[0] == '34'
    activation.check_nova_version()


def test_installing_changes_nothing_until_a_process_activates():
    code = SNAPSHOT + '''
import json
before = snapshot()
import nova_cca
from nova_cca import activation
from nova_cca.api.validation.extra_specs import cca  # noqa
from nova_cca.compute import lifecycle, rebuild, resize  # noqa
from nova_cca.scheduler import realm_traits  # noqa
from nova_cca.virt import measurement, model, request  # noqa
imported = snapshot()
nova_cca.activate()
print(json.dumps([before, imported, snapshot()]))
'''
    env = dict(os.environ, OS_NOVA_DISABLE_EVENTLET_PATCHING='1')
    result = subprocess.run([sys.executable, '-c', code],
                            capture_output=True, text=True, env=env,
                            timeout=300)
    assert result.returncode == 0, result.stderr[-3000:]
    before, imported, activated = json.loads(
        result.stdout.strip().splitlines()[-1])
    assert imported == before
    assert 'arm-cca' not in before['models']
    assert before['cca validators'] == before['image fields'] == []
    assert before['wrapped'] == []
    assert activated['models'] == before['models'] + ['arm-cca']
    assert activated['field values'] == before['field values'] + [
        'arm-cca']
    assert activated['validator'] == before['validator'] + ['arm-cca']
    assert activated['cca validators'] == [
        'hw:cca_measurement_algo', 'hw:cca_measurement_log',
        'hw:cca_personalization']
    assert activated['image fields'] == [
        'hw_cca_measurement_algo', 'hw_cca_measurement_log',
        'hw_cca_personalization']
    assert activated['props version'] == '1.44.1'
    assert before['props version'] == '1.44'
    assert activated['request filters'] == before['request filters'] + 1
    assert activated['wrapped'] == ['constraint', 'create', 'suspend']
    assert activated['host hook'] and not before['host hook']
    assert activated['driver module'] and not before['driver module']


def test_activation_applies_each_patch_once(monkeypatch):
    assert activation.is_active()
    monkeypatch.setattr(activation, '_active', False)
    applied = []
    recorders = {}

    def recorder(apply):
        # patches that share an apply function (compute.suspend and
        # compute.live_migrate) share its recorder
        return recorders.setdefault(apply, lambda: applied.append(apply))

    monkeypatch.setattr(activation, 'PATCHES', [
        dataclasses.replace(p, apply=recorder(p.apply))
        for p in activation.PATCHES])
    nova_cca.activate()
    assert activation.is_active()
    # every apply function once, in PATCHES' order (objects first)
    assert applied == list(recorders)
    assert len(applied) < len(activation.PATCHES)


def test_product_code_does_not_need_fixtures():
    # fixtures comes with the simulator and the tests: no product module
    # imports it
    root = pathlib.Path(nova_cca.__file__).parent
    importers = []
    for path in root.rglob('*.py'):
        tree = ast.parse(path.read_text())
        for node in ast.walk(tree):
            names = ([a.name for a in node.names]
                     if isinstance(node, ast.Import) else
                     [node.module or ''] if isinstance(node, ast.ImportFrom)
                     else [])
            if any(n == 'fixtures' or n.startswith('fixtures.')
                   for n in names):
                importers.append(str(path.relative_to(root)))
    assert importers == []
