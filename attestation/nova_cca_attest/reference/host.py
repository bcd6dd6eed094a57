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


"""The host-parameters file: what only the host knows.

The RMM measures realm parameters the tenant cannot see from outside: the
IPA width, breakpoints and watchpoints, SVE vector length, PMU counters,
LPA2 that hardware, RMM and hypervisor together offer, and which VMM lays
out realm memory. A host-parameters file says them, in JSON, YAML (with
PyYAML installed) or the ``key = value`` form (TOML) of
cca-realm-measurements' ``configs/*.conf``::

    {"vmm": "qemu", "ipa_bits": 52, "num_bps": 6, "num_wps": 4,
     "sve_vl": 512, "pmu": true, "pmu_num_ctrs": 6, "lpa2": false,
     "hash_algo": "sha512", "algorithm_settable": false,
     "rpv_settable": false}

Several files overlay as cca-realm-measurements' ``-c`` options do: a
later file can only lower a capability an earlier one set (hardware,
then firmware, then hypervisor). ``algorithm_settable`` and
``rpv_settable`` false describe hosts on the KVM interface from v12 on
(``KVM_CAP_ARM_RMI``): the realm measures with ``hash_algo`` (SHA-512
there) and its personalization value is all zeros, whatever the domain
XML asks.
"""

import dataclasses
import json
import tomllib

from nova_cca_attest.reference import ReferenceError
from nova_cca_attest.reference import rmm

CAPABILITIES = {'ipa_bits': int, 'num_bps': int, 'num_wps': int,
                'sve_vl': int, 'pmu_num_ctrs': int, 'pmu': bool,
                'lpa2': bool}
SETTINGS = {'vmm': str, 'hash_algo': str, 'algorithm_settable': bool,
            'rpv_settable': bool}


@dataclasses.dataclass
class Host:
    params: rmm.RealmParams = dataclasses.field(
        default_factory=rmm.RealmParams)
    vmm: str = None
    algorithm_settable: bool = True
    rpv_settable: bool = True
    sources: list = dataclasses.field(default_factory=list)

    def overlay(self, values: dict, source: str) -> None:
        """Take ``values``; capabilities already set only go down."""
        unknown = sorted(set(values) - set(CAPABILITIES) - set(SETTINGS))
        if unknown:
            raise ReferenceError('%s: unknown host parameters %s (known: %s)'
                                 % (source, ', '.join(unknown), ', '.join(
                                     sorted({**CAPABILITIES, **SETTINGS}))))
        for name, value in values.items():
            kind = {**CAPABILITIES, **SETTINGS}[name]
            if kind is int and (isinstance(value, bool) or
                                not isinstance(value, int)):
                raise ReferenceError('%s: %s must be an integer, got %r'
                                     % (source, name, value))
            if kind is not int and not isinstance(value, kind):
                raise ReferenceError('%s: %s must be %s, got %r'
                                     % (source, name, kind.__name__, value))
            if name in CAPABILITIES:
                current = getattr(self.params, name)
                setattr(self.params, name, value if current is None
                        else min(current, value))
            elif name == 'hash_algo':
                self.params.hash_algo = rmm.algorithm_name(value)
            else:
                setattr(self, name, value)
        self.sources.append(source)


def parse(text: str, source: str) -> dict:
    """A host-parameters document as a dict (JSON, YAML or TOML)."""
    stripped = text.lstrip()
    if stripped.startswith('{'):
        try:
            values = json.loads(text)
        except ValueError as e:
            raise ReferenceError('%s: not JSON: %s' % (source, e)) from None
    else:
        try:
            values = tomllib.loads(text)
        except tomllib.TOMLDecodeError:
            values = _yaml(text, source)
    if not isinstance(values, dict):
        raise ReferenceError('%s: host parameters are a mapping' % source)
    return values


def _yaml(text, source):
    try:
        import yaml
    except ImportError:
        raise ReferenceError('%s: neither JSON nor key = value; YAML needs '
                             'PyYAML' % source) from None
    try:
        return yaml.safe_load(text)
    except yaml.YAMLError as e:
        raise ReferenceError('%s: not YAML: %s' % (source, e)) from None


def load(paths: list[str]) -> Host:
    """The overlay of host-parameter files ``paths``, in order."""
    host = Host()
    for path in paths:
        try:
            with open(path, encoding='utf-8') as f:
                text = f.read()
        except (OSError, UnicodeDecodeError) as e:
            raise ReferenceError('cannot read host parameters %s: %s'
                                 % (path, e)) from None
        host.overlay(parse(text, path), path)
    return host
