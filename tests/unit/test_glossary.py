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

"""The glossary: its names as Nova, os-traits and Placement spell them,
and defined nowhere else.
"""

import ast
import pathlib
import re
import subprocess
import sys

from nova.objects import fields
from nova.virt.libvirt import host as nova_host
import os_resource_classes as orc
import os_traits
from placement.schemas import common as placement_schema
import pytest

from nova_cca import conf as realm_conf
from nova_cca import glossary
from nova_cca.virt.libvirt import host as realm_host

ROOT = pathlib.Path(__file__).resolve().parents[2]
#: where shared names must come from the glossary
SCANNED = ('nova_cca', 'simulator/nova_cca_simulator',
           'tools/nova_cca_deploy', 'benchmarks')
#: names that only the glossary may spell in code
OWNED = ('CUSTOM_HW_CPU_AARCH64_CCA', 'SimulatedLibvirtCCADriver',
         'LibvirtCCADriver')


def test_imports_nothing():
    tree = ast.parse((ROOT / 'nova_cca' / 'glossary.py').read_text())
    assert not [node for node in ast.walk(tree)
                if isinstance(node, (ast.Import, ast.ImportFrom))]
    # a tool reads the names without loading Nova (the nova_cca package
    # itself loads only oslo libraries)
    code = ('import sys, nova_cca.glossary; '
            'print(sorted(m for m in sys.modules '
            "if m.split('.')[0] in ('nova', 'os_traits', 'placement')))")
    out = subprocess.run([sys.executable, '-c', code], check=True,
                         capture_output=True, text=True).stdout
    assert out.strip() == '[]'


def test_resource_class_is_placements():
    assert glossary.REALM_RESOURCE_CLASS == orc.MEM_ENCRYPTION_CONTEXT
    assert glossary.REALM_RESOURCE_CLASS in orc.STANDARDS


def test_standard_traits_are_os_traits():
    assert (glossary.STATELESS_FIRMWARE_TRAIT ==
            os_traits.COMPUTE_SECURITY_STATELESS_FIRMWARE)


@pytest.mark.parametrize('trait', [
    glossary.REALM_TRAIT, glossary.PERSONALIZATION_TRAIT,
    glossary.MEASUREMENT_LOG_TRAIT] + [
    glossary.measurement_trait(a) for a in glossary.MEASUREMENT_ALGORITHMS])
def test_realm_traits_are_custom_traits_placement_accepts(trait):
    # os-traits ships none of them: Placement takes them as CUSTOM_*
    assert os_traits.is_custom(trait)
    assert trait not in os_traits.get_traits()
    assert re.match(placement_schema.CUSTOM_TRAIT_PATTERN, trait)
    assert len(trait) <= 255
    assert glossary.is_realm_trait(trait)


def test_capability_traits_extend_the_realm_trait():
    assert glossary.PERSONALIZATION_TRAIT == (
        glossary.REALM_TRAIT + '_PERSONALIZATION')
    assert glossary.MEASUREMENT_LOG_TRAIT == (
        glossary.REALM_TRAIT + '_MEASUREMENT_LOG')


@pytest.mark.parametrize('algorithm, trait', [
    ('sha256', 'CUSTOM_HW_CPU_AARCH64_CCA_MEASUREMENT_SHA256'),
    ('sha512', 'CUSTOM_HW_CPU_AARCH64_CCA_MEASUREMENT_SHA512'),
])
def test_measurement_trait(algorithm, trait):
    assert glossary.measurement_trait(algorithm) == trait


@pytest.mark.parametrize('trait', [
    'CUSTOM_HW_CPU_AARCH64_CCAX', 'HW_CPU_AARCH64_CCA', 'COMPUTE_NODE',
    os_traits.COMPUTE_SECURITY_STATELESS_FIRMWARE])
def test_other_traits_are_not_realm_traits(trait):
    assert not glossary.is_realm_trait(trait)


def test_architecture_is_novas():
    assert glossary.AARCH64 == fields.Architecture.AARCH64
    assert glossary.AARCH64 in fields.Architecture.ALL


def test_model_key_follows_novas_hook_convention():
    # Nova calls supports_<model with underscores> on every Host, and
    # names the child provider <node>_<model with underscores>
    for model in ('amd-sev', 'amd-sev-snp', 'intel-tdx'):
        assert hasattr(nova_host.Host, 'supports_' + model.replace('-', '_'))
    assert glossary.MODEL_KEY == glossary.ARM_CCA.replace('-', '_')
    assert hasattr(realm_host.RealmHost, 'supports_' + glossary.MODEL_KEY)
    assert hasattr(realm_host.RealmHost,
                   '_get_mem_encryption_slots_' + glossary.MODEL_KEY)
    assert glossary.child_provider_name('cn1') == 'cn1_arm_cca'
    assert glossary.CHILD_PROVIDER_SUFFIX == '_' + glossary.MODEL_KEY


def test_model_is_novas_once_activated():
    # activated in every test process (tests/conftest.py)
    assert glossary.ARM_CCA in fields.MemEncryptionModel.ALL


def test_config_uses_the_glossary():
    assert realm_conf.arm_cca_group.name == glossary.CONFIG_GROUP
    opts = {o.name: o for o in realm_conf.arm_cca_opts}
    layout = opts['provider_layout']
    assert tuple(layout.type.choices) == glossary.PROVIDER_LAYOUTS
    assert layout.default == glossary.DEFAULT_PROVIDER_LAYOUT
    assert tuple(opts['default_measurement_algo'].type.choices) == \
        glossary.MEASUREMENT_ALGORITHMS


def test_driver_names():
    assert glossary.DRIVER == '%s.%s' % (glossary.DRIVER_PACKAGE,
                                         glossary.DRIVER_CLASS)
    assert glossary.SIMULATED_DRIVER == '%s.%s' % (
        glossary.DRIVER_PACKAGE, glossary.SIMULATED_DRIVER_CLASS)
    from nova_cca.virt.libvirt import driver
    assert driver.LibvirtCCADriver.__name__ == glossary.DRIVER_CLASS


def _docstrings(tree):
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef,
                             ast.AsyncFunctionDef)):
            body = node.body
            if body and isinstance(body[0], ast.Expr) and isinstance(
                    body[0].value, ast.Constant):
                found.add(id(body[0].value))
    return found


def owned_names_in(path):
    """[(line, name)] of OWNED names in string constants (not docstrings)."""
    tree = ast.parse(path.read_text(), str(path))
    docstrings = _docstrings(tree)
    hits = []
    for node in ast.walk(tree):
        if (isinstance(node, ast.Constant) and
                isinstance(node.value, str) and id(node) not in docstrings):
            hits += [(node.lineno, name) for name in OWNED
                     if name in node.value]
    return sorted(hits)


def test_scan_finds_owned_names(tmp_path):
    sample = tmp_path / 'sample.py'
    sample.write_text('"""CUSTOM_HW_CPU_AARCH64_CCA in a docstring."""\n'
                      'def f():\n'
                      '    """LibvirtCCADriver too."""\n'
                      "    return 'x_CUSTOM_HW_CPU_AARCH64_CCA_Y'\n"
                      "D = 'libvirt_cca.SimulatedLibvirtCCADriver'\n")
    assert owned_names_in(sample) == [
        (4, 'CUSTOM_HW_CPU_AARCH64_CCA'),
        (5, 'LibvirtCCADriver'), (5, 'SimulatedLibvirtCCADriver')]


def test_only_the_glossary_spells_the_shared_names():
    glossary_file = ROOT / 'nova_cca' / 'glossary.py'
    offenders = []
    scanned = 0
    for where in SCANNED:
        for path in sorted((ROOT / where).rglob('*.py')):
            if path == glossary_file:
                continue
            scanned += 1
            offenders += ['%s:%d %s' % (path.relative_to(ROOT), line, name)
                          for line, name in owned_names_in(path)]
    assert scanned > 50
    assert offenders == []
    assert owned_names_in(glossary_file)
