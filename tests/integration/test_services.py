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

"""The production services carry no test or simulation code.

``nova-cca-compute`` runs on real compute hosts: it must start without
importing the simulator (or Nova's fake libvirt, which the simulator
installs), and the ``nova_cca`` package must not import the simulator or
the deployment tool anywhere.
"""

import ast
import importlib.util
import json
import os
import pathlib
import subprocess
import sys

import pytest

ROOT = pathlib.Path(__file__).parents[2]
FORBIDDEN = ('nova_cca_simulator', 'nova_cca_deploy')

#: runs ``nova-cca-compute``'s entry point up to Nova's main(), which it
#: replaces by a recorder; the recorder then loads the production driver
#: the way Nova would (``compute_driver = libvirt_cca.LibvirtCCADriver``)
COMPUTE_UP_TO_MAIN = '''
import json
import sys

import nova.cmd.compute


def loaded():
    return sorted(m for m in sys.modules
                  if m.startswith('nova_cca_simulator') or
                  m == 'nova.tests.fixtures.libvirt')


def recorder():
    before = loaded()
    activated = 'nova.virt.libvirt_cca' in sys.modules
    driver = getattr(sys.modules['nova.virt.libvirt_cca'],
                     'LibvirtCCADriver')
    print(json.dumps({'before_main': before, 'activated': activated,
                      'driver': driver.__module__ + '.' + driver.__name__,
                      'after_driver': loaded()}))
    sys.exit(0)


nova.cmd.compute.main = recorder
from nova_cca.cmd import services
services.compute()
'''


@pytest.fixture(scope='module')
def compute_up_to_main():
    """What ``nova-cca-compute`` had imported at Nova's main(), and after
    loading its driver.
    """
    env = dict(os.environ)
    env.pop('PYTHONPATH', None)
    run = subprocess.run([sys.executable, '-c', COMPUTE_UP_TO_MAIN],
                         capture_output=True, text=True, timeout=120,
                         env=env, cwd='/')
    assert run.returncode == 0, run.stderr
    seen = json.loads(run.stdout.strip().splitlines()[-1])
    # the recorder ran where Nova's main() would have, after activation
    assert seen['activated'] is True
    return seen


def test_the_simulator_is_installed():
    # otherwise the tests below prove nothing
    assert importlib.util.find_spec('nova_cca_simulator') is not None


def test_compute_starts_without_the_simulator(compute_up_to_main):
    assert compute_up_to_main['before_main'] == []


def test_compute_loads_its_driver_without_the_simulator(compute_up_to_main):
    assert compute_up_to_main['driver'] == (
        'nova_cca.virt.libvirt.driver.LibvirtCCADriver')
    assert compute_up_to_main['after_driver'] == []


def _imports(path):
    """Every module name ``path`` imports: import statements and
    ``importlib.import_module('<literal>')`` calls.
    """
    tree = ast.parse(path.read_text(), filename=str(path))
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield node.lineno, alias.name
        elif isinstance(node, ast.ImportFrom) and node.level == 0:
            yield node.lineno, node.module
            for alias in node.names:
                yield node.lineno, '%s.%s' % (node.module, alias.name)
        elif (isinstance(node, ast.Call) and
              isinstance(node.func, ast.Attribute) and
              node.func.attr == 'import_module' and node.args and
              isinstance(node.args[0], ast.Constant) and
              isinstance(node.args[0].value, str)):
            yield node.lineno, node.args[0].value


def _imports_of(package_dir, prefixes):
    found = []
    for path in sorted(package_dir.rglob('*.py')):
        for lineno, name in _imports(path):
            if any(name == p or name.startswith(p + '.') for p in prefixes):
                found.append('%s:%d %s' % (path.relative_to(ROOT), lineno,
                                           name))
    return found


def test_the_scan_sees_imports():
    # the simulator imports nova_cca in every form the scan reads
    found = _imports_of(ROOT / 'simulator' / 'nova_cca_simulator',
                        ('nova_cca',))
    assert any(' nova_cca.' in f for f in found), found
    found = _imports_of(ROOT / 'tools' / 'nova_cca_deploy',
                        ('nova_cca_deploy',))
    assert found


def test_nova_cca_imports_neither_simulator_nor_deployment_tool():
    assert (ROOT / 'nova_cca' / 'cmd' / 'services.py').is_file()
    assert _imports_of(ROOT / 'nova_cca', FORBIDDEN) == []
