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

"""Every patch of Nova is a contract (issue 19, item 4).

A patch that wraps, replaces or relies on a Nova callable records that
callable's signature and source fingerprint; when a Nova update changes it,
the test named after the patch fails and prints the new values for review.
Activation is idempotent, refuses another Nova and changes nothing then,
and nothing outside ``nova_cca/activation/`` changes Nova.
"""

import ast
import dataclasses
import importlib
import inspect
import pathlib
import sys

from nova.api.validation.extra_specs import validators
from nova.objects import fields
from nova.objects import image_meta
from nova.scheduler import request_filter
from nova.virt.libvirt import host as libvirt_host
import pytest

import nova_cca
from nova_cca import activation
from nova_cca.activation import patch as contract

#: patches with a fingerprinted Nova callable
SIGNED = [p for p in activation.PATCHES if p.signature is not None]
#: fingerprinted callables nova-cca relies on without replacing them
RELIED_ON = {'virt.compute_driver_module'}
LAYERS = (activation.objects, activation.api, activation.scheduler,
          activation.compute, activation.virt)
CCA_KEYS = ('hw:cca_measurement_algo', 'hw:cca_personalization',
            'hw:cca_measurement_log')
IMAGE_KEYS = ('hw_cca_measurement_algo', 'hw_cca_personalization',
              'hw_cca_measurement_log')


def _owner_and_name(patch):
    module_name, _, path = patch.target.partition(':')
    owner = importlib.import_module(module_name)
    parts = path.split('.')
    for part in parts[:-1]:
        owner = inspect.getattr_static(owner, part)
    return owner, parts[-1]


def _installed(patch):
    """What Nova's namespace holds at the patch's target now (unwrapped
    from staticmethod/classmethod, not from nova-cca's wrappers).
    """
    owner, name = _owner_and_name(patch)
    obj = inspect.getattr_static(owner, name)
    if isinstance(obj, (staticmethod, classmethod)):
        obj = obj.__func__
    return obj


def _defined_in(patch):
    for layer in LAYERS:
        if any(p.name == patch.name for p in layer.PATCHES):
            return layer.__file__
    return '?'


def _state():
    """Everything activate() changes, by identity."""
    state = {'target ' + p.name: _installed(p) for p in activation.PATCHES}
    state.update({
        'MemEncryptionModel.ALL': fields.MemEncryptionModel.ALL,
        'MemEncryptionModelField valid values':
            fields.MemEncryptionModelField.AUTO_TYPE._valid_values,
        'validator hw:mem_encryption_model':
            validators.VALIDATORS['hw:mem_encryption_model'],
        'ALL_REQUEST_FILTERS length': len(request_filter.ALL_REQUEST_FILTERS),
        'ImageMetaProps.VERSION': image_meta.ImageMetaProps.VERSION,
        'driver module': sys.modules[activation.DRIVER_MODULE],
    })
    for key in CCA_KEYS:
        state['validator ' + key] = validators.VALIDATORS[key]
    for key in IMAGE_KEYS:
        state['field ' + key] = image_meta.ImageMetaProps.fields[key]
        state['accessor ' + key] = vars(image_meta.ImageMetaProps)[key]
    for name in ('supports_arm_cca', '_get_mem_encryption_slots_arm_cca',
                 '_get_mem_encryption_traits_arm_cca'):
        state['Host.' + name] = vars(libvirt_host.Host)[name]
    return state


def _assert_unchanged(before, after):
    assert before.keys() == after.keys()
    changed = [k for k in before if before[k] is not after[k] and
               before[k] != after[k]]
    assert changed == []


@pytest.fixture
def rerun():
    """Let activate() run its steps again in this test."""
    assert activation.is_active()
    activation._active = False
    yield
    activation._active = True


@pytest.mark.parametrize('patch', SIGNED, ids=[p.name for p in SIGNED])
def test_nova_code_under_the_patch_is_unchanged(patch):
    signature, digest = contract.fingerprint(patch.resolve())
    assert (signature, digest) == (patch.signature, patch.source_sha256), (
        'Nova changed under patch %s (target %s, recorded in %s).\n'
        '  recorded: signature=%r source_sha256=%r\n'
        '  installed: signature=%r source_sha256=%r\n'
        'Read the installed Nova code, check that the patch (%s) still '
        'holds, then record the new values in its Patch.'
        % (patch.name, patch.target, _defined_in(patch), patch.signature,
           patch.source_sha256, signature, digest, patch.changes))


def test_every_patch_with_code_is_fingerprinted():
    # a signature without a digest (or the reverse) checks half the code
    for patch in activation.PATCHES:
        assert (patch.signature is None) == (patch.source_sha256 is None), (
            patch.name)
        if patch.source_sha256 is not None:
            assert len(patch.source_sha256) == 16, patch.name
            int(patch.source_sha256, 16)


@pytest.mark.parametrize('patch', activation.PATCHES,
                         ids=[p.name for p in activation.PATCHES])
def test_every_patch_says_what_why_and_upstream(patch):
    for field in ('changes', 'why', 'upstream'):
        assert getattr(patch, field).strip(), (patch.name, field)
    assert callable(patch.apply)
    # the target exists in the installed Nova
    assert patch.resolve() is not None
    assert patch.target.startswith('nova.'), patch.target


def test_patch_names_are_unique_and_name_their_layer():
    names = [p.name for p in activation.PATCHES]
    assert len(names) == len(set(names))
    for layer in LAYERS:
        prefix = layer.__name__.rsplit('.', 1)[-1] + '.'
        assert layer.PATCHES
        assert all(p.name.startswith(prefix) for p in layer.PATCHES)
    # PATCHES is every layer's patches, in the layers' order
    assert activation.PATCHES == [p for layer in LAYERS
                                  for p in layer.PATCHES]


@pytest.mark.parametrize('patch', SIGNED, ids=[p.name for p in SIGNED])
def test_wrapped_nova_function_leads_back_to_the_fingerprinted_one(patch):
    installed = _installed(patch)
    if patch.name in RELIED_ON:
        # used as Nova defines it
        assert not getattr(installed, contract.MARK, False)
        assert installed is patch.resolve()
        return
    assert getattr(installed, contract.MARK, False) is True, patch.name
    function = installed
    hops = 0
    while getattr(function, contract.MARK, False):
        function = function.__wrapped__
        hops += 1
    assert hops == 1, '%s is wrapped %d times' % (patch.name, hops)
    assert function is not installed
    assert function is patch.resolve()
    assert function.__module__.split('.')[0] in ('nova',
                                                 'oslo_versionedobjects')
    assert contract.fingerprint(function) == (patch.signature,
                                              patch.source_sha256)


@pytest.mark.parametrize('patch', SIGNED, ids=[p.name for p in SIGNED])
def test_check_signatures_names_a_patch_whose_signature_changed(patch):
    contract.check_signatures([patch])
    changed = dataclasses.replace(patch, signature='(self, *args)')
    with pytest.raises(contract.NovaChanged) as caught:
        contract.check_signatures([patch, changed])
    message = str(caught.value)
    assert '%s (%s: was (self, *args), now %s)' % (
        patch.name, patch.target, patch.signature) in message
    # only the changed copy is named
    assert message.count(patch.name + ' (') == 1


def test_activate_refuses_a_changed_nova_and_changes_nothing(
        rerun, monkeypatch):
    target = next(p for p in SIGNED if p.name == 'virt.implied_model')
    changed = dataclasses.replace(target, signature='(flavor, image_meta)')
    patches = [changed if p is target else p for p in activation.PATCHES]
    monkeypatch.setattr(activation, 'PATCHES', patches)
    before = _state()
    with pytest.raises(activation.NovaChanged, match='virt.implied_model '
                       r'\(nova.virt.hardware:get_mem_encryption_constraint'):
        nova_cca.activate()
    assert not activation.is_active()
    _assert_unchanged(before, _state())


def test_activate_refuses_wrong_installed_nova_and_changes_nothing(
        rerun, monkeypatch):
    monkeypatch.setattr(activation, 'installed_nova_version',
                        lambda: '35.0.0')
    before = _state()
    with pytest.raises(nova_cca.UnsupportedNovaVersion,
                       match='Nova 34.x.*nova 35.0.0'):
        nova_cca.activate()
    assert not activation.is_active()
    _assert_unchanged(before, _state())


def test_second_activation_changes_nothing(rerun):
    before = _state()
    filters = list(request_filter.ALL_REQUEST_FILTERS)
    nova_cca.activate()
    assert activation.is_active()
    after = _state()
    assert before.keys() == after.keys()
    for key in before:
        assert before[key] is after[key], key
    assert request_filter.ALL_REQUEST_FILTERS == filters
    assert fields.MemEncryptionModel.ALL.count('arm-cca') == 1


def test_activate_is_a_no_op_once_active():
    before = _state()
    nova_cca.activate()
    _assert_unchanged(before, _state())


# -- only nova_cca/activation/ changes Nova ---------------------------------

PACKAGE = pathlib.Path(nova_cca.__file__).parent
ACTIVATION = PACKAGE / 'activation'
MUTATORS = {'append', 'extend', 'insert', 'update', 'setdefault', 'pop',
            'remove', 'clear', 'add', 'discard', '__setitem__',
            '__setattr__'}


def _root(node):
    while isinstance(node, (ast.Attribute, ast.Subscript)):
        node = node.value
    return node.id if isinstance(node, ast.Name) else None


def _changes_to_nova(path):
    """Statements of ``path`` that change Nova (or the import system).

    Nova names: names bound by ``import nova...``/``from nova... import``,
    and names assigned from an attribute chain of one
    (``base = hardware.MemEncryptionConfig``). A change: an assignment or
    ``del`` of an attribute or item under a Nova name, a mutating method
    called on one, ``setattr``/``delattr`` (any), ``sys.modules``
    assignment, mock.patch or MonkeyPatch.
    """
    tree = ast.parse(path.read_text())
    nova_names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name.split('.')[0] == 'nova':
                    nova_names.add((alias.asname or alias.name).split('.')[0])
        elif isinstance(node, ast.ImportFrom):
            if (node.module or '').split('.')[0] == 'nova':
                nova_names.update(a.asname or a.name for a in node.names)
    for _ in range(3):  # aliases of aliases
        for node in ast.walk(tree):
            if (isinstance(node, ast.Assign) and
                    isinstance(node.value, (ast.Attribute, ast.Name)) and
                    _root(node.value) in nova_names):
                nova_names.update(t.id for t in node.targets
                                  if isinstance(t, ast.Name))
    found = []

    def report(node, what):
        found.append('%s:%d %s' % (path.relative_to(PACKAGE), node.lineno,
                                   what))

    for node in ast.walk(tree):
        targets = []
        if isinstance(node, ast.Assign):
            targets = node.targets
        elif isinstance(node, (ast.AugAssign, ast.AnnAssign)):
            targets = [node.target]
        elif isinstance(node, ast.Delete):
            targets = node.targets
        for target in targets:
            if not isinstance(target, (ast.Attribute, ast.Subscript)):
                continue
            root = _root(target)
            if root in nova_names:
                report(node, 'assigns %s' % ast.unparse(target))
            elif ast.unparse(target).startswith('sys.modules['):
                report(node, 'assigns %s' % ast.unparse(target))
        if isinstance(node, ast.Call):
            func = node.func
            if isinstance(func, ast.Name) and func.id in ('setattr',
                                                          'delattr'):
                report(node, ast.unparse(node))
            elif isinstance(func, ast.Attribute):
                text = ast.unparse(func)
                if (func.attr in MUTATORS and
                        isinstance(func.value, (ast.Attribute,
                                                ast.Subscript)) and
                        _root(func.value) in nova_names):
                    report(node, ast.unparse(node))
                elif 'mock.patch' in text or 'MonkeyPatch' in text:
                    report(node, ast.unparse(node))
    return found


def test_the_scanner_sees_what_activation_changes():
    found = []
    for path in sorted(ACTIVATION.rglob('*.py')):
        found += _changes_to_nova(path)
    text = '\n'.join(found)
    for expected in (
            'patch.py:', 'setattr(owner, name',  # contract.wrap
            'enum_cls.ALL',  # objects.model_enum
            'shared._valid_values',
            "props.fields[name]",  # objects.image_properties
            'validators.VALIDATORS[MODEL_KEY]',  # api.model_validator
            'validators.VALIDATORS.setdefault',  # api.realm_validators
            'request_filter.ALL_REQUEST_FILTERS.append',
            'base.create',  # virt.config_factory
            'host.Host.supports_arm_cca',  # virt.host_hooks
            'sys.modules[DRIVER_MODULE]', 'nova.virt.libvirt_cca'):
        assert expected in text, expected


def test_only_the_activation_package_changes_nova():
    offenders = []
    for path in sorted(PACKAGE.rglob('*.py')):
        if ACTIVATION in path.parents:
            continue
        offenders += _changes_to_nova(path)
    assert offenders == []
