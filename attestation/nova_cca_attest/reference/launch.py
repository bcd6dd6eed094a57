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


"""One realm launch from its inputs to its expected measurements.

:func:`compute` reads the host parameters, the launch (a libvirt domain
XML and the payload files, or a VMM layout with explicit options), plans
what the host does and measures it. The :class:`Result` says which inputs
were the host's to decide, and what it could not reproduce.
"""

import dataclasses

from nova_cca_attest.reference import domain as domains
from nova_cca_attest.reference import host as hosts
from nova_cca_attest.reference import payload
from nova_cca_attest.reference import ReferenceError
from nova_cca_attest.reference import rmm

ZERO_RPV = bytes(64)


@dataclasses.dataclass
class Result:
    plan: payload.Plan
    realm: rmm.Realm
    rpv: bytes
    vmm: str
    notes: list

    def reference(self, rems_at_launch: bool = False):
        """The result as a :class:`~.corim.Reference`."""
        from nova_cca_attest.reference import corim
        measurements = self.realm.measurements
        return corim.Reference(
            rim=measurements['rim'], algorithm=self.realm.algorithm,
            rpv=self.rpv, source='nova-cca-attest reference',
            rems=[measurements['rem%d' % i] if rems_at_launch else None
                  for i in range(4)])

    def to_dict(self) -> dict:
        measurements = self.realm.measurements
        return {
            'vmm': self.vmm,
            'algorithm': self.realm.algorithm,
            'rim': measurements['rim'].hex(),
            'rems_at_launch': [measurements['rem%d' % i].hex()
                               for i in range(4)],
            'rpv': self.rpv.hex(),
            'realm_params': {
                field.name: getattr(self.plan.params, field.name)
                for field in dataclasses.fields(self.plan.params)},
            'dtb_generated': self.plan.dtb_generated,
            'steps': self.realm.steps,
            'notes': self.notes,
        }

    def to_text(self) -> str:
        document = self.to_dict()
        lines = ['RIM: %s' % document['rim'],
                 'algorithm: %s' % document['algorithm'],
                 'RPV: %s' % document['rpv']]
        lines += ['REM%d at launch: %s' % (i, rem)
                  for i, rem in enumerate(document['rems_at_launch'])]
        lines += ['', 'Host operations measured:']
        lines += ['  ' + step for step in document['steps']]
        if self.notes:
            lines += ['', 'Notes:'] + ['  - ' + note for note in self.notes]
        return '\n'.join(lines) + '\n'


def compute(host_params: list[str], domain_xml: str = None,
            vmm: str = None, files: dict = None, cpus: int = 1,
            memory: int = 128 * payload.MIB, append: str = None,
            measurement_log: bool = False) -> Result:
    """The expected measurements of one realm launch.

    ``domain_xml`` (text) describes a QEMU launch; without it, ``vmm``
    (``qemu`` or ``kvmtool``) with ``cpus``, ``memory`` (bytes),
    ``append`` and ``measurement_log`` does. ``files`` maps kernel,
    initrd, firmware and dtb to local paths.
    """
    host = hosts.load(host_params)
    notes = []
    rpv = None
    layout_options = {}
    if domain_xml is not None:
        described = domains.read(domain_xml, files)
        launch, rpv = described.launch, described.rpv
        vmm = 'qemu'
        if host.vmm not in (None, 'qemu'):
            raise ReferenceError('a libvirt domain runs on QEMU; the host '
                                 'parameters say %s' % host.vmm)
        layout_options = {'max_memory': described.max_memory,
                          'slots': described.slots}
    else:
        vmm = vmm or host.vmm
        if vmm not in payload.LAYOUTS:
            raise ReferenceError('no VMM layout %r (known: %s)' % (
                vmm, ', '.join(payload.LAYOUTS)))
        launch = payload.Launch(cpus=cpus, memory=memory, bootargs=append,
                                measurement_log=measurement_log)
        for name, path in (files or {}).items():
            if path:
                try:
                    with open(path, 'rb') as f:
                        setattr(launch, name, f.read())
                except OSError as e:
                    raise ReferenceError('cannot read the %s %s: %s' % (
                        name, path, e.strerror or e)) from None
    if not host.algorithm_settable:
        fixed = host.params.hash_algo or 'sha-512'
        if launch.algorithm and rmm.algorithm_name(launch.algorithm) != fixed:
            notes.append('the launch asks for %s, but this host cannot set '
                         'the algorithm: the realm measures with %s'
                         % (rmm.algorithm_name(launch.algorithm), fixed))
        launch.algorithm = fixed
    if rpv is not None and not host.rpv_settable:
        notes.append('the launch sets a personalization value, but this '
                     'host cannot: the realm reports all zeros')
        rpv = None
    layout = payload.LAYOUTS[vmm](launch, **{
        key: value for key, value in layout_options.items() if value})
    plan = layout.plan(host.params)
    realm = payload.measure(plan)
    if plan.dtb_generated:
        notes.append('the device tree was generated as cca-realm-'
                     'measurements generates it for %s; the RIM matches '
                     'only if the VMM builds the same bytes (give the DTB '
                     'the VMM loaded with --dtb to be sure)' % vmm)
    if plan.outside_rim:
        notes.append('with firmware, %s reach the realm through fw_cfg, '
                     'outside the RIM: what the firmware measures into the '
                     'REMs depends on the firmware'
                     % ' and '.join(blob.name for blob in plan.outside_rim))
    if launch.measurement_log:
        notes.append('the measurement log is loaded unmeasured; its '
                     'granules still enter the RIM')
    notes.append('REMs are zero at launch; the guest extends them later')
    return Result(plan=plan, realm=realm, rpv=rpv or ZERO_RPV, vmm=vmm,
                  notes=notes)
