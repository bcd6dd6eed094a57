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


"""The verifier installs and runs without Nova (and without nova-cca)."""

import ast
import pathlib
import subprocess
import sys
import tomllib

import pytest

import nova_cca_attest
from nova_cca_attest.tests import cca_tokens as t

PACKAGE = pathlib.Path(nova_cca_attest.__file__).resolve().parent
PYPROJECT = PACKAGE.parent / 'pyproject.toml'
#: top-level packages a tenant's machine does not have
NOVA_PACKAGES = ('nova', 'nova_cca', 'nova_cca_simulator', 'oslo_config',
                 'stevedore')

#: imported first in the child: importing any of NOVA_PACKAGES fails
#: there (None in sys.modules makes import raise ImportError)
SITECUSTOMIZE = '''import sys
for name in %r:
    sys.modules[name] = None
''' % (NOVA_PACKAGES,)

VERIFY = '''import sys
from nova_cca_attest import cmd
code = cmd.run(sys.argv[1:])
loaded = sorted(name for name, module in sys.modules.items()
                if module is not None and
                name.split('.')[0] in %r)
print('loaded:', loaded)
sys.exit(code)
''' % (NOVA_PACKAGES,)


def test_pyproject_declares_no_nova():
    project = tomllib.loads(PYPROJECT.read_text())['project']
    requirements = list(project.get('dependencies', []))
    for extra in project.get('optional-dependencies', {}).values():
        requirements += extra
    names = [r.split(';')[0].split('[')[0].strip().lower()
             .replace('_', '-') for r in requirements]
    for name in names:
        name = name.split('<')[0].split('>')[0].split('=')[0].split('!')[0]
        assert not name.startswith('nova') and \
            not name.startswith('oslo'), requirements
    assert project['scripts']['nova-cca-attest'] == 'nova_cca_attest.cmd:run'


def test_no_module_imports_nova():
    for path in PACKAGE.glob('*.py'):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom):
                names = [node.module or '']
            else:
                continue
            for name in names:
                assert name.split('.')[0] not in NOVA_PACKAGES, (path, name)


@pytest.fixture
def no_nova(tmp_path):
    """Environment of a Python in which Nova cannot be imported."""
    site = tmp_path / 'site'
    site.mkdir()
    (site / 'sitecustomize.py').write_text(SITECUSTOMIZE)
    return {'PYTHONPATH': str(site), 'PATH': '/usr/bin:/bin',
            'LC_ALL': 'C.UTF-8'}


def verify_without_nova(env, *argv):
    return subprocess.run([sys.executable, '-c', VERIFY, 'verify'] +
                          [str(a) for a in argv], env=env,
                          capture_output=True, text=True, timeout=120)


def test_nova_is_blocked_in_the_child(no_nova):
    child = subprocess.run(
        [sys.executable, '-c', 'import nova'], env=no_nova,
        capture_output=True, text=True, timeout=60)
    assert child.returncode == 1
    assert 'import of nova halted; None in sys.modules' in child.stderr


def test_verify_without_nova(no_nova, tmp_path):
    keys = t.Keys()
    path = tmp_path / 'token.cbor'
    path.write_bytes(t.token(keys))
    cpak = keys.write_cpak_jwk(tmp_path / 'cpak.jwk')
    child = verify_without_nova(no_nova, path, '--cpak', cpak,
                                '--nonce', t.NONCE.hex())
    assert child.returncode == 0, child.stderr
    assert child.stdout.startswith('CCA token collection (CBOR tag 399): '
                                   'VERIFIED\n')
    assert 'pass     challenge' in child.stdout
    assert child.stdout.rstrip().endswith('loaded: []')
    # and the other outcomes
    child = verify_without_nova(no_nova, path)
    assert child.returncode == 5, child.stderr
    path.write_bytes(b'not a token')
    child = verify_without_nova(no_nova, path)
    assert child.returncode == 4, child.stderr
