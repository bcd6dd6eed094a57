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

"""Scenario files: every mistake named by its place, before anything runs."""

import pathlib

from hypothesis import given
from hypothesis import settings
from hypothesis import strategies as st
import pytest
import yaml

from nova_cca_simulator import scenario
from tests.unit.simulator import hostile_scenarios

GOOD = """
hosts:
  - {name: cca-1, cca: true, config: {arm_cca: {max_guests: 2}}}
  - {name: cca-2, measurement_algos: [sha256]}
  - {name: x86-1, arch: x86_64, vcpus: 4, memory_mb: 4096, disk_gb: 20}
flavors:
  - {name: realm, extra_specs: {"hw:mem_encryption": true}}
images:
  - {name: img, properties: {hw_architecture: aarch64}}
steps:
  - boot: {name: r1, flavor: realm, image: img, host: cca-1}
  - action: {server: r1, do: resize, flavor: realm}
  - action: {server: r1, do: migrate, host: cca-2}
  - action: {server: r1, do: delete}
"""


def parse(text, tmp_path=None):
    return scenario.parse(yaml.safe_load(text), base_dir=tmp_path)


def test_good_scenario():
    s = parse(GOOD)
    cca1, cca2, x86 = s.hosts
    assert (cca1.cca, cca1.arm_cca) == (True, {'max_guests': 2})
    assert (cca2.cca, cca2.measurement_algos) == (True, ('sha256',))
    assert 'sha512' not in cca2.domcaps_xml()
    assert (x86.arch, x86.vcpus, x86.memory_mb, x86.disk_gb) == (
        'x86_64', 4, 4096, 20)
    assert x86.domcaps_xml() is None
    assert s.flavors[0].extra_specs == {'hw:mem_encryption': 'true'}
    assert [(st.kind, st.do) for st in s.steps] == [
        ('boot', None), ('action', 'resize'), ('action', 'migrate'),
        ('action', 'delete')]


def test_default_scenario_is_valid():
    s = scenario.default()
    assert {h.name for h in s.hosts} == {'cca-1', 'cca-2', 'arm-1'}
    assert any(st.do == 'suspend' for st in s.steps)
    assert any(st.do == 'migrate' for st in s.steps)


def test_domcaps_path_is_relative_to_the_file(tmp_path):
    (tmp_path / 'caps.xml').write_text('<domainCapabilities/>')
    path = tmp_path / 's.yaml'
    path.write_text('hosts: [{name: a, domcaps: caps.xml}]\nsteps: []\n')
    (host,) = scenario.load(path).hosts
    assert host.domcaps_xml() == '<domainCapabilities/>'


@pytest.mark.parametrize('text, place', [
    ('hosts: []\nsteps: []', 'hosts: at least one host'),
    ('steps: []', "missing 'hosts'"),
    ('hosts: [{name: a}]\nsteps: []\nextra: 1', "unknown key 'extra'"),
    ('hosts: [{name: a}, {name: a}]\nsteps: []',
     "hosts[1].name: 'a' is defined twice"),
    ('hosts: [{name: a, arch: riscv64}]\nsteps: []',
     "hosts[0].arch: 'riscv64' is not one of"),
    ('hosts: [{name: a, arch: x86_64, cca: true}]\nsteps: []',
     'hosts[0]: only aarch64 hosts can have CCA'),
    ('hosts: [{name: a, cca: yes please}]\nsteps: []',
     'hosts[0].cca: expected true or false'),
    ('hosts: [{name: a, measurement_algos: [md5]}]\nsteps: []',
     'hosts[0].measurement_algos: expected a list of sha256, sha512'),
    ('hosts: [{name: a, cca: true, domcaps: c.xml}]\nsteps: []',
     'hosts[0]: give either domcaps or cca'),
    ('hosts: [{name: a, domcaps: nope.xml}]\nsteps: []',
     'hosts[0].domcaps: no such file'),
    ('hosts: [{name: a, vcpus: 64}]\nsteps: []',
     'hosts[0].vcpus: expected an integer from 1 to 16 (a simulated host '
     'has at most 16), got 64'),
    ('hosts: [{name: a, vcpus: 0}]\nsteps: []',
     'hosts[0].vcpus: expected an integer from 1 to 16'),
    ('hosts: [{name: a, config: {libvirt: {virt_type: qemu}}}]\nsteps: []',
     "hosts[0].config: unknown key 'libvirt'"),
    ('hosts: [{name: a, config: {arm_cca: {max_guests: -1}}}]\nsteps: []',
     'hosts[0].config.arm_cca.max_guests'),
    ('hosts: [{name: a, config: {arm_cca: {provider_layout: tree}}}]\n'
     'steps: []', 'hosts[0].config.arm_cca.provider_layout'),
    ('hosts: [{name: a}]\nflavors: [{vcpus: 1}]\nsteps: []',
     "flavors[0]: missing 'name'"),
    ('hosts: [{name: a}]\nimages: [{name: i, props: {}}]\nsteps: []',
     "images[0]: unknown key 'props'"),
    ('hosts: [{name: a}]\nsteps: [{reboot: {server: s}}]',
     "steps[0]: unknown step 'reboot'"),
    ('hosts: [{name: a}]\nimages: [{name: i}]\nflavors: [{name: f}]\n'
     'steps: [{boot: {name: s, flavor: f, image: i, host: b}}]',
     "steps[0].boot.host: unknown host 'b'"),
    ('hosts: [{name: a}]\nimages: [{name: i}]\nflavors: [{name: f}]\n'
     'steps: [{boot: {name: s, flavor: f, image: i}}, '
     '{action: {server: s, do: hibernate}}]',
     "steps[1].action.do: unknown action 'hibernate'"),
    ('hosts: [{name: a}]\nimages: [{name: i}]\nflavors: [{name: f}]\n'
     'steps: [{boot: {name: s, flavor: f, image: i}}, '
     '{action: {server: s, do: resize}}]',
     "steps[1].action: resize needs 'flavor'"),
    ('hosts: [{name: a}]\nimages: [{name: i}]\nflavors: [{name: f}]\n'
     'steps: [{boot: {name: s, flavor: f, image: i}}, '
     '{action: {server: s, do: rebuild, image: j}}]',
     "steps[1].action.image: unknown image 'j'"),
])
def test_mistakes_name_their_place(tmp_path, text, place):
    with pytest.raises(scenario.ScenarioError) as error:
        parse(text, tmp_path)
    assert place in str(error.value)


def test_unreadable_file(tmp_path):
    with pytest.raises(scenario.ScenarioError, match='No such file'):
        scenario.load(tmp_path / 'missing.yaml')
    bad = tmp_path / 'bad.yaml'
    bad.write_text('hosts: [unclosed')
    with pytest.raises(scenario.ScenarioError, match='not valid YAML'):
        scenario.load(bad)


def write(directory, files):
    for name, content in files.items():
        path = directory / name
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content, encoding='utf-8')
    return directory / 's.yaml'


@pytest.mark.parametrize('files, place, text', hostile_scenarios.HOSTILE)
def test_hostile_input_is_refused_in_one_line(tmp_path, files, place, text):
    with pytest.raises(scenario.ScenarioError) as error:
        scenario.load(write(tmp_path, files))
    message = str(error.value)
    place = str(tmp_path / place) if place == 's.yaml' else place
    assert message.startswith(place + ': '), message
    assert text in message, message
    assert error.value.place == place
    assert '\n' not in message and len(message) <= scenario.MAX_MESSAGE


def test_the_table_is_large_enough():
    assert len(hostile_scenarios.HOSTILE) >= 60
    ids = [p.id for p in hostile_scenarios.HOSTILE]
    assert len(set(ids)) == len(ids)


def test_a_long_error_is_cut_to_one_short_line():
    error = scenario.ScenarioError('steps[0]', 'x\n' * 1000)
    assert len(str(error)) == scenario.MAX_MESSAGE
    assert '\n' not in str(error) and str(error).endswith('...')


def test_host_steps_and_evacuate():
    s = scenario.parse(yaml.safe_load(
        'hosts: [{name: a}, {name: b}]\n' + hostile_scenarios.FI +
        'steps:\n'
        '  - boot: {name: s, flavor: f, image: i, host: a}\n'
        '  - host-down: a\n'
        '  - action: {server: s, do: evacuate, host: b}\n'
        '  - host-up: a\n'
        '  - action: {server: s, do: evacuate}\n'))
    assert [(st_.kind, st_.do, st_.host) for st_ in s.steps] == [
        ('boot', None, 'a'), ('host', 'host-down', 'a'),
        ('action', 'evacuate', 'b'), ('host', 'host-up', 'a'),
        ('action', 'evacuate', None)]


def test_a_deleted_server_name_can_be_booted_again():
    s = scenario.parse(yaml.safe_load(
        hostile_scenarios.HOST + hostile_scenarios.FI + 'steps: [%s, '
        '{action: {server: s, do: delete}}, %s]' % (
            hostile_scenarios.BOOT, hostile_scenarios.BOOT)))
    assert [st_.kind for st_ in s.steps] == ['boot', 'action', 'boot']


def test_aliases_within_bounds_and_a_bom_are_fine(tmp_path):
    path = tmp_path / 's.yaml'
    path.write_bytes(
        '\ufeffhosts: [{name: a}]\nflavors:\n'
        '  - {name: f, extra_specs: &realm {"hw:mem_encryption": true}}\n'
        '  - {name: g, extra_specs: *realm}\nsteps: []\n'.encode())
    s = scenario.load(path)
    assert s.flavors[1].extra_specs == {'hw:mem_encryption': 'true'}


def test_hosts_named_like_providers_only_clash_with_their_host():
    s = scenario.parse(yaml.safe_load(
        'hosts: [{name: x_arm_cca}, {name: y}]\nsteps: []'))
    assert [h.name for h in s.hosts] == ['x_arm_cca', 'y']


def test_largest_values_placement_accepts():
    (host,) = scenario.parse(yaml.safe_load(
        'hosts: [{name: %s, vcpus: 16, memory_mb: 2147483647, '
        'disk_gb: 2147483647, config: {arm_cca: {max_guests: 2147483647}}}]'
        '\nsteps: []' % ('h' * 192))).hosts
    assert (host.memory_mb, host.disk_gb, host.arm_cca) == (
        2147483647, 2147483647, {'max_guests': 2147483647})


def test_domcaps_are_served_as_libvirt_returns_them(tmp_path):
    (tmp_path / 'c.xml').write_text(
        '<?xml version="1.0" encoding="UTF-8"?>\n<domainCapabilities>'
        '<arch>aarch64</arch></domainCapabilities>\n')
    path = tmp_path / 's.yaml'
    path.write_text('hosts: [{name: a, domcaps: c.xml}]\nsteps: []\n')
    (host,) = scenario.load(path).hosts
    assert host.domcaps_xml() == (
        '<domainCapabilities><arch>aarch64</arch></domainCapabilities>')


# generated documents: each either validates or is a ScenarioError

KEYS = ('hosts', 'steps', 'flavors', 'images', 'name', 'arch', 'cca',
        'measurement_algos', 'domcaps', 'vcpus', 'memory_mb', 'disk_gb',
        'config', 'arm_cca', 'max_guests', 'provider_layout',
        'default_measurement_algo', 'ram', 'disk', 'extra_specs',
        'properties', 'boot', 'action', 'server', 'do', 'flavor', 'image',
        'host', 'host-down', 'host-up', 'evacuate', 'delete')
SCALARS = st.one_of(
    st.none(), st.booleans(), st.integers(), st.floats(),
    st.integers(min_value=-2 ** 70, max_value=2 ** 70),
    st.sampled_from(KEYS + ('a', 'b', 'f', 'i', 's', 'x86_64', 'aarch64',
                            'sha256', 'c.xml', 'suspend', 'migrate',
                            'resize', 'child')),
    st.text(max_size=20))
VALUES = st.recursive(
    SCALARS, lambda inner: st.one_of(
        st.lists(inner, max_size=4),
        st.dictionaries(st.one_of(st.sampled_from(KEYS), SCALARS), inner,
                        max_size=4)),
    max_leaves=30)


def _parse_or_refuse(document, base_dir=pathlib.Path('.')):
    try:
        result = scenario.parse(document, base_dir=base_dir)
    except scenario.ScenarioError as e:
        assert '\n' not in str(e) and len(str(e)) <= scenario.MAX_MESSAGE
        return None
    assert isinstance(result, scenario.Scenario)
    return result


@settings(max_examples=300, deadline=None)
@given(VALUES)
def test_generated_values(document):
    _parse_or_refuse(document)


NAMES = st.sampled_from(('a', 'b', 'f', 'i', 's', 't'))
HOSTS = st.lists(st.fixed_dictionaries({'name': NAMES}, optional={
    'arch': st.sampled_from(('aarch64', 'x86_64', 'arm')),
    'cca': st.one_of(st.booleans(), SCALARS),
    'measurement_algos': st.lists(st.sampled_from(('sha256', 'sha512'))),
    'vcpus': st.one_of(st.integers(-2, 20), SCALARS),
    'memory_mb': st.one_of(st.integers(0, 2 ** 32), SCALARS),
    'config': st.fixed_dictionaries({'arm_cca': st.fixed_dictionaries(
        {}, optional={'max_guests': st.one_of(st.integers(-1, 2 ** 32),
                                              SCALARS),
                      'provider_layout': st.sampled_from(
                          ('root', 'child', 'tree'))})})}), max_size=3)
STEPS = st.lists(st.one_of(
    st.fixed_dictionaries({'boot': st.fixed_dictionaries(
        {'name': NAMES, 'flavor': NAMES, 'image': NAMES},
        optional={'host': NAMES})}),
    st.fixed_dictionaries({'action': st.fixed_dictionaries(
        {'server': NAMES,
         'do': st.sampled_from(tuple(scenario.ACTIONS) + ('pause',))},
        optional={'flavor': NAMES, 'image': NAMES, 'host': NAMES})}),
    st.fixed_dictionaries({'host-down': NAMES}),
    st.fixed_dictionaries({'host-up': NAMES}),
    VALUES), max_size=6)


@settings(max_examples=300, deadline=None)
@given(st.fixed_dictionaries(
    {'hosts': HOSTS, 'steps': STEPS},
    optional={'flavors': st.lists(st.fixed_dictionaries(
        {'name': NAMES}, optional={'vcpus': st.integers(-1, 3),
                                   'extra_specs': VALUES}), max_size=2),
              'images': st.lists(st.fixed_dictionaries(
                  {'name': NAMES}, optional={'properties': VALUES}),
                  max_size=2)}))
def test_generated_scenarios(document):
    _parse_or_refuse(document)


@settings(max_examples=200, deadline=None)
@given(st.one_of(st.binary(max_size=200),
                 VALUES.map(lambda v: yaml.safe_dump(v).encode()),
                 st.text(max_size=200).map(str.encode)))
def test_generated_files(data):
    try:
        document = scenario.loads(data)
    except scenario.ScenarioError as e:
        assert '\n' not in str(e) and len(str(e)) <= scenario.MAX_MESSAGE
        return
    _parse_or_refuse(document)


def test_measurement_example_parses_with_per_host_realm_options():
    import pathlib
    path = (pathlib.Path(__file__).parents[3] / "examples" /
            'measurement.yaml')
    s = scenario.parse(yaml.safe_load(path.read_text()),
                       base_dir=path.parent)
    options = {h.name: h.arm_cca for h in s.hosts}
    assert options['full-host'] == {'personalization_value': True,
                                    'measurement_log': True,
                                    'default_measurement_algo': 'sha256'}
    assert options['sha256-host'] == {'personalization_value': True}
    assert options['newer-kvm-host'] == {}
