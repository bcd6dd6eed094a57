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


"""How the RMM measures a realm (RMM specification 1.0, DEN0137).

The RIM starts as the hash of the measured realm parameters (the 4 KiB
``RmiRealmParams`` with only ``flags``, ``s2sz``, ``sve_vl``, ``num_bps``,
``num_wps``, ``pmu_num_ctrs`` and ``hash_algo`` kept, every other byte
zero: the RPV is not part of it). Each later operation replaces it with
the hash of a 256-byte measurement descriptor that carries the current
RIM:

- ``RMI_RTT_INIT_RIPAS``: a RIPAS descriptor (type 2) per translation
  table entry the range covers, with its base and top;
- ``RMI_DATA_CREATE``: a DATA descriptor (type 0) per granule, with its
  IPA, its flags (1: content measured) and the hash of its 4 KiB content
  (zero when not measured);
- ``RMI_REC_CREATE``: a REC descriptor (type 1) with the hash of the 4 KiB
  ``RmiRecParams`` with only ``flags``, ``pc`` and ``gprs[0..7]`` kept.

A SHA-256 measurement sits in the first 32 bytes of a 64-byte field.
``RSI_MEASUREMENT_EXTEND`` makes a REM the hash of its old value (the
algorithm's digest size) followed by the extended data.
"""

import dataclasses
import hashlib
import struct

from nova_cca_attest.reference import ReferenceError

GRANULE = 0x1000
MEASUREMENT_WIDTH = 64
DESCRIPTOR_SIZE = 0x100
PARAMS_SIZE = 0x1000

#: RmiHashAlgorithm encodings and the claim names of the token
HASH_ALGORITHMS = {'sha-256': 0, 'sha-512': 1}
HASH_FUNCTIONS = {'sha-256': hashlib.sha256, 'sha-512': hashlib.sha512}
DIGEST_SIZES = {'sha-256': 32, 'sha-512': 64}

#: RmiRealmFlags
FLAG_LPA2 = 1 << 0
FLAG_SVE = 1 << 1
FLAG_PMU = 1 << 2
#: RmiRecCreateFlags: the REC runs at reset
REC_RUNNABLE = 1 << 0
#: RmmDataFlags: the granule's content is measured
DATA_MEASURED = 1 << 0

DESC_DATA = 0
DESC_REC = 1
DESC_RIPAS = 2

REM_COUNT = 4


def algorithm_name(text: str) -> str:
    """``sha-256`` or ``sha-512`` from any usual spelling."""
    names = {'sha256': 'sha-256', 'sha-256': 'sha-256',
             'sha512': 'sha-512', 'sha-512': 'sha-512'}
    try:
        return names[str(text).lower()]
    except KeyError:
        raise ReferenceError('a realm measures with sha256 or sha512, not '
                             '%r' % str(text)[:40]) from None


def sve_vq(vector_length: int) -> int:
    """The ``sve_vl`` field of a vector length in bits (128..2048)."""
    if vector_length % 128 or not 128 <= vector_length <= 2048:
        raise ReferenceError('an SVE vector length is a multiple of 128 '
                             'from 128 to 2048 bits, not %r'
                             % vector_length)
    return vector_length // 128 - 1


@dataclasses.dataclass
class RealmParams:
    """The realm parameters the host gives ``RMI_REALM_CREATE``.

    Counts are as a user says them (``num_bps=6`` means six breakpoints);
    :meth:`measured_bytes` encodes them as the RMM does (count minus one,
    SVE vector length as VQ). ``sve_vl`` 0 or None disables SVE; without
    ``pmu`` the PMU is off and ``pmu_num_ctrs`` is not used.
    """
    ipa_bits: int = None
    num_bps: int = None
    num_wps: int = None
    sve_vl: int = None
    pmu: bool = None
    pmu_num_ctrs: int = None
    lpa2: bool = None
    hash_algo: str = None

    def missing(self) -> list[str]:
        wanted = ['ipa_bits', 'num_bps', 'num_wps', 'hash_algo']
        if self.pmu:
            wanted.append('pmu_num_ctrs')
        return [name for name in wanted if getattr(self, name) is None]

    def flags(self) -> int:
        flags = FLAG_LPA2 if self.lpa2 else 0
        if self.sve_vl:
            flags |= FLAG_SVE
        if self.pmu:
            flags |= FLAG_PMU
        return flags

    def measured_bytes(self) -> bytes:
        """The 4 KiB ``RmiRealmParams`` the RIM starts from."""
        missing = self.missing()
        if missing:
            raise ReferenceError('the realm parameters lack %s (give them '
                                 'in the host-parameters file)'
                                 % ', '.join(missing))
        for name, low, high in (('num_bps', 2, 64), ('num_wps', 2, 64)):
            if not low <= getattr(self, name) <= high:
                raise ReferenceError('%s is %d to %d, not %r' % (
                    name, low, high, getattr(self, name)))
        if self.pmu and not 0 <= self.pmu_num_ctrs <= 31:
            raise ReferenceError('pmu_num_ctrs is 0 to 31, not %r'
                                 % self.pmu_num_ctrs)
        params = bytearray(PARAMS_SIZE)
        struct.pack_into('<Q', params, 0x00, self.flags())
        params[0x08] = self.ipa_bits
        params[0x10] = sve_vq(self.sve_vl) if self.sve_vl else 0
        params[0x18] = self.num_bps - 1
        params[0x20] = self.num_wps - 1
        params[0x28] = self.pmu_num_ctrs if self.pmu else 0
        params[0x30] = HASH_ALGORITHMS[algorithm_name(self.hash_algo)]
        return bytes(params)


def rec_params(pc: int, gprs: list[int], runnable: bool = True) -> bytes:
    """The 4 KiB ``RmiRecParams`` a REC descriptor hashes."""
    if len(gprs) > 8:
        raise ReferenceError('a REC takes at most 8 GPRs')
    params = bytearray(PARAMS_SIZE)
    struct.pack_into('<Q', params, 0x000, REC_RUNNABLE if runnable else 0)
    struct.pack_into('<Q', params, 0x200, pc)
    struct.pack_into('<8Q', params, 0x300, *(list(gprs) + [0] * 8)[:8])
    return bytes(params)


def translation_block_sizes(ipa_bits: int) -> int:
    """The block sizes (a bit mask) of a stage 2 table for ``ipa_bits``
    with 4 KiB granules, the host concatenating initial-level tables of
    16 or fewer entries (as KVM does).
    """
    page_bits, bits_per_level = 12, 9
    table_bits = ipa_bits - page_bits
    levels = -(-table_bits // bits_per_level)
    if table_bits - bits_per_level * (levels - 1) <= 4:
        levels -= 1
    sizes = 0
    for level in range(4 - levels, 4):
        sizes |= GRANULE << (bits_per_level * (3 - level))
    return sizes


def block_size(start: int, top: int, sizes: int) -> int:
    """The largest block of ``sizes`` that maps ``start`` and fits below
    ``top``.
    """
    if start:
        sizes &= (1 << ((start & -start).bit_length())) - 1
    while sizes:
        size = 1 << (sizes.bit_length() - 1)
        if top - start >= size:
            return size
        sizes &= ~size
    raise ReferenceError('no block maps 0x%x..0x%x' % (start, top))


class Realm:
    """A realm's measurements as the RMM builds them."""

    def __init__(self, params: RealmParams):
        self.algorithm = algorithm_name(params.hash_algo)
        self._hash = HASH_FUNCTIONS[self.algorithm]
        self.size = DIGEST_SIZES[self.algorithm]
        self._blocks = translation_block_sizes(params.ipa_bits)
        self.rim = self.measure(params.measured_bytes())
        self.rems = [bytes(MEASUREMENT_WIDTH)] * REM_COUNT
        #: one line per operation, for a reader to follow
        self.steps = ['REALM_CREATE %s' % _describe(params)]

    def measure(self, data: bytes) -> bytes:
        """The hash of ``data`` in a 64-byte measurement field."""
        return self._hash(data).digest().ljust(MEASUREMENT_WIDTH, b'\0')

    def _extend_rim(self, descriptor: bytes) -> None:
        self.rim = self.measure(descriptor.ljust(DESCRIPTOR_SIZE, b'\0'))

    def _header(self, kind: int) -> bytes:
        return struct.pack('<B7xQ', kind, DESCRIPTOR_SIZE) + self.rim

    def init_ripas(self, base: int, top: int) -> None:
        """``RMI_RTT_INIT_RIPAS`` over ``[base, top)``."""
        if top <= base or (base | top) % GRANULE:
            raise ReferenceError('RIPAS range 0x%x..0x%x is not granule '
                                 'aligned' % (base, top))
        self.steps.append('INIT_RIPAS 0x%x..0x%x' % (base, top))
        current = base
        while current < top:
            size = block_size(current, top, self._blocks)
            self._extend_rim(self._header(DESC_RIPAS) + struct.pack(
                '<QQ', current, current + size))
            current += size

    def data_create(self, address: int, content: bytes,
                    what: str = 'data') -> None:
        """``RMI_DATA_CREATE`` with its content measured, one call per
        granule: ``content`` placed at ``address``, the granules around
        it filled with zeros.
        """
        base = address - address % GRANULE
        data = bytes(address - base) + bytes(content)
        data = data.ljust(-(-len(data) // GRANULE) * GRANULE, b'\0')
        self.steps.append('DATA %s 0x%x..0x%x (%d bytes)' % (
            what, base, base + len(data), len(content)))
        for offset in range(0, len(data), GRANULE):
            granule = data[offset:offset + GRANULE]
            self._extend_rim(self._header(DESC_DATA) + struct.pack(
                '<QQ', base + offset, DATA_MEASURED) + self.measure(granule))

    def data_create_unmeasured(self, address: int, size: int,
                               what: str = 'data') -> None:
        """``RMI_DATA_CREATE`` without measuring the content (a
        measurement log): the descriptors still enter the RIM.
        """
        base = address - address % GRANULE
        top = -(-(address + size) // GRANULE) * GRANULE
        self.steps.append('DATA %s 0x%x..0x%x unmeasured' % (what, base, top))
        for granule in range(base, top, GRANULE):
            self._extend_rim(self._header(DESC_DATA) + struct.pack(
                '<QQ', granule, 0) + bytes(MEASUREMENT_WIDTH))

    def rec_create(self, pc: int, gprs: list[int]) -> None:
        """``RMI_REC_CREATE`` of a runnable REC."""
        self.steps.append('REC pc=0x%x x0=0x%x' % (pc, (list(gprs) or [0])[0]))
        self._extend_rim(self._header(DESC_REC) +
                         self.measure(rec_params(pc, gprs)))

    def rem_extend(self, index: int, data: bytes) -> None:
        """``RSI_MEASUREMENT_EXTEND`` of REM ``index`` with ``data`` (at
        most 64 bytes).
        """
        if not 0 <= index < REM_COUNT or len(data) > MEASUREMENT_WIDTH:
            raise ReferenceError('REM %r cannot be extended with %d bytes'
                                 % (index, len(data)))
        self.rems[index] = self.measure(self.rems[index][:self.size] + data)
        self.steps.append('REM%d extend %s' % (index, data.hex()))

    @property
    def measurements(self) -> dict[str, bytes]:
        """RIM and REMs at the algorithm's digest size."""
        out = {'rim': self.rim[:self.size]}
        for index, rem in enumerate(self.rems):
            out['rem%d' % index] = rem[:self.size]
        return out


def _describe(params):
    return ', '.join('%s=%s' % (field.name, getattr(params, field.name))
                     for field in dataclasses.fields(params)
                     if getattr(params, field.name) is not None)
