"""Scenario files: every mistake named by its place, before anything runs."""

import pytest
import yaml

from nova_cca.simulation import scenario

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
     'hosts[0].vcpus: a simulated host has at most 16'),
    ('hosts: [{name: a, vcpus: 0}]\nsteps: []',
     'hosts[0].vcpus: expected an integer >= 1'),
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


def test_measurement_example_parses_with_per_host_realm_options():
    import pathlib
    path = (pathlib.Path(__file__).parents[2] / 'examples' /
            'measurement.yaml')
    s = scenario.parse(yaml.safe_load(path.read_text()),
                       base_dir=path.parent)
    options = {h.name: h.arm_cca for h in s.hosts}
    assert options['full-host'] == {'personalization_value': True,
                                    'measurement_log': True,
                                    'default_measurement_algo': 'sha256'}
    assert options['sha256-host'] == {'personalization_value': True}
    assert options['newer-kvm-host'] == {}
