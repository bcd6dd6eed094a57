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


"""Reference values: the measurements a realm should report.

A realm's initial measurement (RIM) is the hash chain the RMM builds while
the host creates the realm (RMM specification, DEN0137, "Realm
measurement"): it starts from the measured realm parameters, then takes
one measurement descriptor per initialised RIPAS range, per DATA granule
(measured or not) and per runnable REC. Whoever knows what the host did
can compute it in advance; the modules here do, without Nova:

- :mod:`.rmm`: the RMM's rules (realm parameters, descriptors, REMs);
- :mod:`.host`: the host's realm parameters (a host-parameters file);
- :mod:`.fdt`: a flattened device tree writer, for VMM device trees;
- :mod:`.payload`: what a VMM puts in realm memory, and where (kernel,
  initrd, DTB, firmware, measurement log) for QEMU's ``virt`` machine and
  kvmtool;
- :mod:`.domain`: a libvirt domain XML read as a QEMU launch;
- :mod:`.launch`: one launch from its inputs to its measurements;
- :mod:`.corim`: the result as an unsigned CoRIM in the CCA realm
  profiles, and reference values read back from a CoRIM or a Trustee
  reference-value store.
"""


class ReferenceError(ValueError):
    """The inputs do not describe a realm launch that can be measured."""
