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

"""Hostile scenario files: each must be refused, naming its place.

Shared by the parser tests (tests/unit/simulator/test_scenario.py) and the
command tests (tests/unit/cmd/test_main.py). Each entry is
``pytest.param(files, place, text, id=...)``: ``files`` maps file names to
their content (the scenario is ``s.yaml``; str is written as UTF-8),
``place`` is what the message starts with and ``text`` a part of the rest.
"""

import pytest

HOST = 'hosts: [{name: a}]\n'
FI = ('flavors: [{name: f}]\nimages: [{name: i}]\n')
BOOT = '{boot: {name: s, flavor: f, image: i}}'
NOVA_CANNOT_READ = (
    '<domainCapabilities><features><sev supported="yes"><cbitpos>47'
    '</cbitpos><reducedPhysBits>1</reducedPhysBits><maxGuests>z</maxGuests>'
    '</sev></features></domainCapabilities>')
BOMB = ''.join(
    ['x0: &x0 [a, a, a, a, a, a, a, a, a, a]\n'] +
    ['x%d: &x%d [%s]\n' % (i, i, ', '.join(['*x%d' % (i - 1)] * 10))
     for i in range(1, 9)] + [HOST, 'steps: *x8\n'])


def _host(extra):
    return {'s.yaml': 'hosts: [{name: a, %s}]\nsteps: []\n' % extra}


def _hosts(*names):
    return {'s.yaml': 'hosts: [%s]\nsteps: []\n' % ', '.join(
        '{name: %s}' % n for n in names)}


def _caps(content):
    return {'s.yaml': 'hosts: [{name: a, domcaps: c.xml}]\nsteps: []\n',
            'c.xml': content}


def _flavor(extra):
    return {'s.yaml': HOST + 'flavors: [{name: f, %s}]\nsteps: []\n'
            % extra}


def _steps(*steps):
    return {'s.yaml': HOST + FI + 'steps: [%s]\n' % ', '.join(steps)}


def _config(extra):
    return _host('config: {arm_cca: {%s}}' % extra)


P = pytest.param
HOSTILE = [
    # the file
    P({'s.yaml': b'hosts: [{name: \xff\xfe}]\nsteps: []\n'}, 's.yaml',
      'not UTF-8 text', id='not-utf8'),
    P({'s.yaml': ''}, 's.yaml', 'expected a mapping, got nothing',
      id='empty-file'),
    P({'s.yaml': '# nothing here\n'}, 's.yaml', 'expected a mapping',
      id='only-a-comment'),
    P({'s.yaml': '- a\n- b\n'}, 's.yaml', 'expected a mapping, got a list',
      id='top-level-list'),
    P({'s.yaml': 'hello\n'}, 's.yaml', 'got a string', id='top-level-text'),
    P({'s.yaml': 'hosts: [unclosed\n'}, 's.yaml', 'not valid YAML (line',
      id='invalid-yaml'),
    P({'s.yaml': 'hosts:\n\t- name: a\n'}, 's.yaml', 'not valid YAML',
      id='tab-indent'),
    P({'s.yaml': HOST + 'steps: []\nhosts: [{name: b}]\n'}, 's.yaml',
      "key 'hosts' given twice (first on line 1)", id='duplicate-top-key'),
    P({'s.yaml': 'hosts: [{name: a, vcpus: 2, vcpus: 4}]\nsteps: []\n'},
      's.yaml', "key 'vcpus' given twice", id='duplicate-host-key'),
    P({'s.yaml': BOMB}, 's.yaml', 'more than 100000 values',
      id='alias-bomb'),
    P({'s.yaml': 'hosts: &h [{name: a}, *h]\nsteps: []\n'}, 's.yaml',
      'nests deeper than 32', id='recursive-alias'),
    P({'s.yaml': HOST + 'steps: ' + '[' * 40 + ']' * 40 + '\n'}, 's.yaml',
      'nests deeper than 32', id='deep-nesting'),
    P({'s.yaml': HOST + 'steps: ' + '[' * 5000 + ']' * 5000 + '\n'},
      's.yaml', 'not valid YAML', id='very-deep-nesting'),
    P({'s.yaml': 'hosts: [{name: a, vcpus: %s}]\nsteps: []\n' % ('9' * 5000)},
      's.yaml', 'not valid YAML', id='integer-5000-digits'),
    P({'s.yaml': HOST + 'steps: []\n# ' + 'x' * (1024 * 1024) + '\n'},
      's.yaml', 'larger than 1048576 bytes', id='file-too-large'),
    P({'s.yaml': 'hosts: !!python/object:os.system [ls]\nsteps: []\n'},
      's.yaml', 'not valid YAML', id='python-tag'),
    P({'s.yaml': 'hosts: !mine [{name: a}]\nsteps: []\n'}, 's.yaml',
      'not valid YAML', id='unknown-tag'),
    P({'s.yaml': 'hosts: [{name: a\x00}]\nsteps: []\n'}, 's.yaml',
      'not valid YAML', id='nul-character'),
    # the document
    P({'s.yaml': 'steps: []\n'}, 's.yaml', "missing 'hosts'",
      id='no-hosts'),
    P({'s.yaml': HOST}, 's.yaml', "missing 'steps'", id='no-steps'),
    P({'s.yaml': HOST + 'steps: []\nservers: []\n'}, 's.yaml',
      "unknown key 'servers'", id='unknown-top-key'),
    P({'s.yaml': 'hosts: {name: a}\nsteps: []\n'}, 'hosts',
      'expected a list, got a mapping', id='hosts-mapping'),
    P({'s.yaml': 'hosts: []\nsteps: []\n'}, 'hosts',
      'at least one host', id='hosts-empty'),
    P({'s.yaml': HOST + 'steps: {boot: x}\n'}, 'steps',
      'expected a list, got a mapping', id='steps-mapping'),
    # hosts
    P({'s.yaml': 'hosts: [a]\nsteps: []\n'}, 'hosts[0]',
      'expected a mapping, got a string', id='host-not-mapping'),
    P({'s.yaml': 'hosts: [{arch: aarch64}]\nsteps: []\n'}, 'hosts[0]',
      "missing 'name'", id='host-without-name'),
    P(_hosts('[a, b]'), 'hosts[0].name', 'expected a string, got a list',
      id='host-name-list'),
    P(_hosts('1'), 'hosts[0].name', 'expected a string, got an integer',
      id='host-name-integer'),
    P(_hosts('h' * 193), 'hosts[0].name', 'expected 1 to 192 characters',
      id='host-name-too-long'),
    P(_hosts('"a b"'), 'hosts[0].name', 'not a host name Nova accepts',
      id='host-name-space'),
    P(_hosts('höst'), 'hosts[0].name', 'not a host name Nova accepts',
      id='host-name-not-ascii'),
    P(_hosts('a/b'), 'hosts[0].name', 'not a host name Nova accepts',
      id='host-name-slash'),
    P(_hosts('a', 'a'), 'hosts[1].name', "'a' is defined twice",
      id='host-duplicate'),
    P(_hosts('cca', 'CCA'), 'hosts[1].name', 'case-insensitive',
      id='host-duplicate-case'),
    P(_hosts('x', 'x_arm_cca'), 'hosts[1].name',
      "the name of the realm provider of host 'x'", id='provider-clash'),
    P(_host('cpus: 2'), 'hosts[0]', "unknown key 'cpus'",
      id='host-unknown-key'),
    P(_host('arch: riscv64'), 'hosts[0].arch', "'riscv64' is not one of",
      id='arch-unknown'),
    P(_host('arch: [aarch64]'), 'hosts[0].arch', 'is not one of',
      id='arch-list'),
    P(_host('cca: yes please'), 'hosts[0].cca', 'expected true or false',
      id='cca-text'),
    P(_host('cca: 1'), 'hosts[0].cca', 'expected true or false',
      id='cca-integer'),
    P(_host('arch: x86_64, cca: true'), 'hosts[0]',
      'only aarch64 hosts can have CCA', id='x86-with-cca'),
    P(_host('measurement_algos: [md5]'), 'hosts[0].measurement_algos',
      'expected a list of sha256, sha512', id='algos-unknown'),
    P(_host('measurement_algos: sha256'), 'hosts[0].measurement_algos',
      'expected a list', id='algos-text'),
    P(_host('measurement_algos: [sha256, sha256]'),
      'hosts[0].measurement_algos', 'listed twice', id='algos-twice'),
    P(_host('cca: true, domcaps: c.xml'), 'hosts[0]',
      'give either domcaps or cca', id='domcaps-and-cca'),
    P({'s.yaml': 'hosts: [{name: a, domcaps: none.xml}]\nsteps: []\n'},
      'hosts[0].domcaps', 'no such file', id='domcaps-missing'),
    P(_caps(''), 'hosts[0].domcaps', 'is empty', id='domcaps-empty'),
    P(_caps('<domainCapabilities><arch>'), 'hosts[0].domcaps',
      'not well-formed XML', id='domcaps-not-well-formed'),
    P(_caps('<!DOCTYPE d [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
            '<domainCapabilities>&x;</domainCapabilities>'),
      'hosts[0].domcaps', 'document type declaration', id='domcaps-xxe'),
    P(_caps('<!DOCTYPE d [<!ENTITY a "aaaaaaaa"><!ENTITY b "&a;&a;&a;">]>'
            '<domainCapabilities>&b;</domainCapabilities>'),
      'hosts[0].domcaps', 'document type declaration',
      id='domcaps-entity-expansion'),
    P(_caps('<domainCapabilities>' + ' ' * (1024 * 1024) +
            '</domainCapabilities>'), 'hosts[0].domcaps',
      'larger than 1048576 bytes', id='domcaps-too-large'),
    P(_caps(b'\x89PNG\r\n\x1a\n\x00\x00'), 'hosts[0].domcaps',
      'not UTF-8', id='domcaps-binary'),
    P(_caps('<capabilities/>'), 'hosts[0].domcaps',
      'not <domainCapabilities>', id='domcaps-wrong-root'),
    P(_caps('just text'), 'hosts[0].domcaps', 'not well-formed XML',
      id='domcaps-not-xml'),
    P(_caps(NOVA_CANNOT_READ), 'hosts[0].domcaps', 'Nova cannot read it',
      id='domcaps-nova-cannot-read'),
    P({'s.yaml': 'hosts: [{name: a, domcaps: .}]\nsteps: []\n'},
      'hosts[0].domcaps', 'is not a file', id='domcaps-directory'),
    P(_host('domcaps: [c.xml]'), 'hosts[0].domcaps',
      'expected a file name, got a list', id='domcaps-list'),
    P(_host('vcpus: 64'), 'hosts[0].vcpus',
      'a simulated host has at most 16', id='vcpus-too-many'),
    P(_host('vcpus: 0'), 'hosts[0].vcpus', 'from 1 to 16',
      id='vcpus-zero'),
    P(_host('vcpus: true'), 'hosts[0].vcpus',
      'expected an integer, got a boolean', id='vcpus-boolean'),
    P(_host('vcpus: 2.5'), 'hosts[0].vcpus',
      'expected an integer, got a number', id='vcpus-fraction'),
    P(_host('vcpus: "4"'), 'hosts[0].vcpus',
      'expected an integer, got a string', id='vcpus-text'),
    P(_host('memory_mb: 10000000000000'), 'hosts[0].memory_mb',
      'from 512 to 2147483647', id='memory-beyond-placement'),
    P(_host('memory_mb: 1.0e+13'), 'hosts[0].memory_mb',
      'expected an integer, got a number', id='memory-float'),
    P(_host('memory_mb: 100'), 'hosts[0].memory_mb', 'from 512',
      id='memory-too-small'),
    P(_host('disk_gb: 3000000000'), 'hosts[0].disk_gb',
      'from 1 to 2147483647', id='disk-beyond-placement'),
    P(_host('disk_gb: 0'), 'hosts[0].disk_gb', 'from 1',
      id='disk-zero'),
    P(_host('config: [arm_cca]'), 'hosts[0].config',
      'expected a mapping', id='config-list'),
    P(_host('config: {libvirt: {virt_type: qemu}}'), 'hosts[0].config',
      "unknown key 'libvirt'", id='config-other-section'),
    P(_config('max_guests: true'), 'hosts[0].config.arm_cca.max_guests',
      'expected an integer, got a boolean', id='max-guests-boolean'),
    P(_config('max_guests: 3000000000'),
      'hosts[0].config.arm_cca.max_guests', 'from 0 to 2147483647',
      id='max-guests-too-large'),
    P(_config('max_guests: 2.7'), 'hosts[0].config.arm_cca.max_guests',
      'expected an integer, got a number', id='max-guests-fraction'),
    P(_config('max_guests: [1, 2]'), 'hosts[0].config.arm_cca.max_guests',
      'expected an integer, got a list', id='max-guests-list'),
    P(_config('max_guests: -1'), 'hosts[0].config.arm_cca.max_guests',
      'from 0 to', id='max-guests-negative'),
    P(_config('max_guests: "4"'), 'hosts[0].config.arm_cca.max_guests',
      'expected an integer, got a string', id='max-guests-text'),
    P(_config('provider_layout: sideways'),
      'hosts[0].config.arm_cca.provider_layout', 'Valid values are',
      id='layout-unknown'),
    P(_config('provider_layout: true'),
      'hosts[0].config.arm_cca.provider_layout',
      'expected a string, got a boolean', id='layout-boolean'),
    P(_config('default_measurement_algo: md5'),
      'hosts[0].config.arm_cca.default_measurement_algo',
      'Valid values are', id='algo-option-unknown'),
    P(_config('max_realms: 2'), 'hosts[0].config.arm_cca',
      "unknown key 'max_realms'", id='option-unknown'),
    # flavors
    P({'s.yaml': HOST + 'flavors: [f]\nsteps: []\n'}, 'flavors[0]',
      'expected a mapping', id='flavor-not-mapping'),
    P({'s.yaml': HOST + 'flavors: [{vcpus: 1}]\nsteps: []\n'},
      'flavors[0]', "missing 'name'", id='flavor-without-name'),
    P({'s.yaml': HOST + 'flavors: [{name: f}, {name: f}]\nsteps: []\n'},
      'flavors[1].name', "'f' is defined twice", id='flavor-duplicate'),
    P(_flavor('vcpus: 0'), 'flavors[0].vcpus', 'from 1 to 2147483647',
      id='flavor-vcpus-zero'),
    P(_flavor('ram: true'), 'flavors[0].ram', 'got a boolean',
      id='flavor-ram-boolean'),
    P(_flavor('disk: -1'), 'flavors[0].disk', 'from 0 to 2147483647',
      id='flavor-disk-negative'),
    P(_flavor('ram: 2147483648'), 'flavors[0].ram', 'to 2147483647',
      id='flavor-ram-too-large'),
    P(_flavor('extra_specs: [a]'), 'flavors[0].extra_specs',
      'expected a mapping, got a list', id='extra-specs-list'),
    P(_flavor('extra_specs: {"hw:mem_encryption": {a: b}}'),
      "flavors[0].extra_specs['hw:mem_encryption']",
      'expected a string, number or boolean, got a mapping',
      id='extra-spec-mapping'),
    P(_flavor('extra_specs: {"hw:mem_encryption": null}'),
      "flavors[0].extra_specs['hw:mem_encryption']", 'got nothing',
      id='extra-spec-null'),
    P(_flavor('extra_specs: {%s: x}' % ('k' * 300)),
      'flavors[0].extra_specs', 'keys of 1 to 255 characters',
      id='extra-spec-key-too-long'),
    P(_flavor('extra_specs: {1: x}'), 'flavors[0].extra_specs',
      'keys of 1 to 255 characters, got 1', id='extra-spec-key-integer'),
    P(_flavor('extra_specs: {"a/b": x}'), "flavors[0].extra_specs['a/b']",
      'Nova accepts extra spec keys', id='extra-spec-key-slash'),
    P(_flavor('extra_specs: {"hw:mem_encryption": "true", '
              '"hw:mem_encryption_model": arm-xyz}'),
      "flavors[0].extra_specs['hw:mem_encryption_model']",
      "flavor f: Validation failed; 'arm-xyz' is not one of",
      id='extra-spec-model-unknown'),
    # images
    P({'s.yaml': HOST + 'images: [{name: i, properties: [a]}]\nsteps: []\n'},
      'images[0].properties', 'expected a mapping, got a list',
      id='image-properties-list'),
    P({'s.yaml': HOST + 'images: [{name: i, properties: {hw_architecture: '
       '[aarch64]}}]\nsteps: []\n'},
      "images[0].properties['hw_architecture']", 'got a list',
      id='image-property-list'),
    P({'s.yaml': HOST + 'images: [{name: i}, {name: i}]\nsteps: []\n'},
      'images[1].name', "'i' is defined twice", id='image-duplicate'),
    P({'s.yaml': HOST + 'images: [{name: [i]}]\nsteps: []\n'},
      'images[0].name', 'expected a string, got a list', id='image-name-list'),
    # steps
    P(_steps('boot'), 'steps[0]', "expected one of 'boot: {...}'",
      id='step-text'),
    P(_steps('{boot: {name: s, flavor: f, image: i}, action: {}}'),
      'steps[0]', "expected one of", id='step-two-keys'),
    P(_steps('{reboot: {server: s}}'), 'steps[0]', "unknown step 'reboot'",
      id='step-unknown'),
    P(_steps('{boot: [s, f, i]}'), 'steps[0].boot', 'expected a mapping',
      id='boot-list'),
    P(_steps('{boot: {name: s, flavor: f}}'), 'steps[0].boot',
      "missing 'image'", id='boot-without-image'),
    P(_steps('{boot: {name: s, flavor: [f], image: i}}'),
      'steps[0].boot.flavor', 'expected the name of a flavor, got a list',
      id='flavor-ref-list'),
    P(_steps('{boot: {name: s, flavor: f, image: {name: i}}}'),
      'steps[0].boot.image', 'expected the name of a image, got a mapping',
      id='image-ref-mapping'),
    P(_steps('{boot: {name: s, flavor: f, image: i, host: [a]}}'),
      'steps[0].boot.host', 'expected the name of a host, got a list',
      id='host-ref-list'),
    P(_steps('{boot: {name: s, flavor: nope, image: i}}'),
      'steps[0].boot.flavor', "unknown flavor 'nope'", id='flavor-unknown'),
    P(_steps('{boot: {name: s, flavor: f, image: i, host: b}}'),
      'steps[0].boot.host', "unknown host 'b'", id='host-unknown'),
    P(_steps('{boot: {name: [s, t], flavor: f, image: i}}'),
      'steps[0].boot.name', 'expected a string, got a list',
      id='server-name-list'),
    P(_steps('{boot: {name: " s", flavor: f, image: i}}'),
      'steps[0].boot.name', 'white space', id='server-name-space'),
    P(_steps(BOOT, BOOT), 'steps[1].boot.name',
      "server 's' exists already (booted by steps[0])",
      id='server-duplicate'),
    P(_steps('{action: {server: s, do: suspend}}'),
      'steps[0].action.server', "no earlier boot of 's'",
      id='action-before-boot'),
    P(_steps(BOOT, '{action: {server: s, do: delete}}',
             '{action: {server: s, do: start}}'),
      'steps[2].action.server', "'s' was deleted by steps[1]",
      id='action-after-delete'),
    P(_steps(BOOT, '{action: {server: s, do: [stop]}}'),
      'steps[1].action.do', 'unknown action', id='do-list'),
    P(_steps(BOOT, '{action: {server: s, do: hibernate}}'),
      'steps[1].action.do', "unknown action 'hibernate'", id='do-unknown'),
    P(_steps(BOOT, '{action: {server: s, do: resize}}'),
      'steps[1].action', "resize needs 'flavor'", id='resize-no-flavor'),
    P(_steps(BOOT, '{action: {server: s, do: resize, flavor: [f]}}'),
      'steps[1].action.flavor', 'got a list', id='resize-flavor-list'),
    P(_steps(BOOT, '{action: {server: s, do: rebuild, image: j}}'),
      'steps[1].action.image', "unknown image 'j'", id='rebuild-unknown'),
    P(_steps(BOOT, '{action: {server: s, do: suspend, flavor: f}}'),
      'steps[1].action', "suspend takes no 'flavor'",
      id='action-extra-flavor'),
    P(_steps(BOOT, '{action: {server: s, do: reboot, host: a}}'),
      'steps[1].action', "reboot takes no 'host'", id='action-extra-host'),
    P(_steps(BOOT, '{action: {server: s, do: migrate, host: b}}'),
      'steps[1].action.host', "unknown host 'b'", id='migrate-unknown'),
    P(_steps(BOOT, '{action: {server: 7, do: stop}}'),
      'steps[1].action.server', 'expected a string, got an integer',
      id='action-server-integer'),
    P(_steps('{host-down: b}'), 'steps[0].host-down', "unknown host 'b'",
      id='host-down-unknown'),
    P(_steps('{host-down: [a]}'), 'steps[0].host-down',
      'expected the name of a host, got a list', id='host-down-list'),
    P(_steps('{host-down: null}'), 'steps[0].host-down',
      'expected the name of a host', id='host-down-nothing'),
    P(_steps('{host-down: a}', '{host-down: a}'), 'steps[1].host-down',
      "host 'a' is down already (steps[0])", id='host-down-twice'),
    P(_steps('{host-up: a}'), 'steps[0].host-up', "host 'a' is not down",
      id='host-up-not-down'),
]
