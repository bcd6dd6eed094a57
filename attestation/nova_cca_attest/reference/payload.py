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


"""What a VMM puts into realm memory, and where.

A :class:`Launch` says what the VMM is asked for (vCPUs, memory, the
payload files, kernel command line, PMU, measurement log). A VMM layout
(:data:`LAYOUTS`: QEMU's ``virt`` machine, kvmtool) turns it, with the
host's :class:`~.rmm.RealmParams`, into a :class:`Plan`: the realm
parameters the RMM sees, the RAM whose RIPAS is initialised, each
measured blob and its address, the REC's entry point and registers, and
the unmeasured measurement log. :func:`measure` replays a plan in the
order the VMMs follow (RIPAS of all RAM, blobs by address, the REC, the
log), as Veraison's cca-realm-measurements does.

The device tree is the one payload a tenant does not build: the VMM
generates it, and its bytes depend on the VMM's version. Give the DTB the
VMM really loaded (``Launch.dtb``, e.g. from QEMU's ``-machine
dumpdtb=FILE`` with the same options); without one, the layouts generate
the device tree that cca-realm-measurements generates for that VMM,
which matches a given VMM version only if that version builds the same
tree.
"""

import dataclasses
import gzip
import struct

from nova_cca_attest.reference import fdt
from nova_cca_attest.reference import ReferenceError
from nova_cca_attest.reference import rmm

KIB = 1 << 10
MIB = 1 << 20
GIB = 1 << 30

#: arm64 Linux image header (Documentation/arch/arm64/booting.rst)
LINUX_MAGIC = 0x644d5241
LINUX_HEADER = struct.Struct('<IIQQQQQQII')


def align_up(value: int, alignment: int) -> int:
    return -(-value // alignment) * alignment


@dataclasses.dataclass
class Launch:
    """A realm launch as the VMM is asked for it."""
    cpus: int = 1
    memory: int = 128 * MIB
    kernel: bytes = None
    initrd: bytes = None
    firmware: bytes = None
    #: the device tree the VMM loads, measured as given (None: generated)
    dtb: bytes = None
    bootargs: str = None
    #: PMU, SVE vector length, debug resources the VM asks for (None: the
    #: host's value); a VM can only lower what the host offers
    pmu: bool = None
    pmu_num_ctrs: int = None
    sve_vl: int = None
    num_bps: int = None
    num_wps: int = None
    its: bool = True
    measurement_log: bool = False
    #: measurement algorithm asked for (None: the layout's default)
    algorithm: str = None
    #: kvmtool only: virtio devices on the MMIO transport
    virtio_mmio_devices: int = 0


@dataclasses.dataclass
class Blob:
    name: str
    address: int
    content: bytes


@dataclasses.dataclass
class Plan:
    """What the host does to create the realm, in RMM terms."""
    params: rmm.RealmParams
    ram: list = dataclasses.field(default_factory=list)   # (base, size)
    blobs: list = dataclasses.field(default_factory=list)  # Blob
    pc: int = 0
    gprs: list = dataclasses.field(default_factory=lambda: [0] * 8)
    unmeasured: list = dataclasses.field(default_factory=list)
    dtb: bytes = None
    dtb_generated: bool = False
    #: what the realm's firmware receives outside the RIM (fw_cfg)
    outside_rim: list = dataclasses.field(default_factory=list)


def measure(plan: Plan) -> rmm.Realm:
    """The realm's measurements after the host carried out ``plan``."""
    realm = rmm.Realm(plan.params)
    for base, size in sorted(plan.ram):
        top = align_up(base + size - 1, rmm.GRANULE)
        realm.init_ripas(base - base % rmm.GRANULE, top)
    addresses = [blob.address for blob in plan.blobs]
    if len(set(addresses)) != len(addresses):
        raise ReferenceError('two payloads load at the same address')
    for blob in sorted(plan.blobs, key=lambda b: b.address):
        realm.data_create(blob.address, blob.content, blob.name)
    realm.rec_create(plan.pc, plan.gprs)
    for address, size, name in plan.unmeasured:
        realm.data_create_unmeasured(address, size, name)
    return realm


def linux_image(data: bytes) -> tuple[bytes, int, int]:
    """``(image, text_offset, image_size)`` of an arm64 Linux kernel,
    decompressed first if gzip-compressed (QEMU accepts both).
    """
    image = data
    if len(image) < LINUX_HEADER.size or \
            LINUX_HEADER.unpack_from(image)[8] != LINUX_MAGIC:
        try:
            image = gzip.decompress(data)
        except (OSError, EOFError, ValueError):
            raise ReferenceError('the kernel is not an arm64 Linux image '
                                 '(no ARM\\x64 header, not gzip)') from None
    if len(image) < LINUX_HEADER.size:
        raise ReferenceError('the kernel is shorter than an arm64 header')
    fields = LINUX_HEADER.unpack_from(image)
    if fields[8] != LINUX_MAGIC:
        raise ReferenceError('the kernel has no arm64 Linux header')
    return image, fields[2], fields[3]


def _restrict(host, wanted):
    """The VM's value, never above what the host offers."""
    if wanted is None:
        return host
    if host is None:
        return wanted
    return min(host, wanted)


def realm_params(host: rmm.RealmParams, launch: Launch, ipa_bits: int,
                 default_algorithm: str) -> rmm.RealmParams:
    params = dataclasses.replace(host)
    params.ipa_bits = _restrict(host.ipa_bits, ipa_bits)
    params.pmu = _restrict(host.pmu, launch.pmu)
    params.pmu_num_ctrs = _restrict(host.pmu_num_ctrs, launch.pmu_num_ctrs)
    params.sve_vl = _restrict(host.sve_vl, launch.sve_vl)
    params.num_bps = _restrict(host.num_bps, launch.num_bps)
    params.num_wps = _restrict(host.num_wps, launch.num_wps)
    params.hash_algo = rmm.algorithm_name(
        launch.algorithm or host.hash_algo or default_algorithm)
    return params


# device tree pieces both layouts share (interrupt specifier cells)
IRQ_SPI, IRQ_PPI = 0, 1
IRQ_EDGE_RISING, IRQ_LEVEL_HIGH, IRQ_LEVEL_LOW = 1, 4, 8
PCI_IOPORT, PCI_MMIO, PCI_MMIO_64 = 0x01000000, 0x02000000, 0x03000000


def _dt_root(dt, memory, cpus, intc, bootargs, initrd):
    dt.begin('')
    dt.string('compatible', 'linux,dummy-virt')
    dt.string('model', 'linux,dummy-virt-realm')
    dt.u32('#address-cells', 2)
    dt.u32('#size-cells', 2)
    dt.u32('interrupt-parent', intc)
    dt.begin('chosen')
    if bootargs is not None:
        dt.string('bootargs', bootargs)
    if initrd:
        dt.u64('linux,initrd-start', initrd[0])
        dt.u64('linux,initrd-end', initrd[0] + initrd[1])
    dt.end()
    dt.begin('memory@%x' % memory[0])
    dt.string('device_type', 'memory')
    dt.u64('reg', *memory)
    dt.end()
    dt.begin('cpus')
    dt.u32('#size-cells', 0)
    dt.u32('#address-cells', 1)
    for index in range(cpus):
        dt.begin('cpu@%d' % index)
        dt.u32('reg', index)
        dt.string('enable-method', 'psci')
        dt.string('compatible', 'arm,armv8')
        dt.string('device_type', 'cpu')
        dt.end()
    dt.end()
    dt.begin('psci')
    dt.u32('cpu_on', 0xc4000003)
    dt.u32('cpu_off', 0x84000002)
    dt.string('method', 'smc')
    dt.string('compatible', 'arm,psci-1.0', 'arm,psci-0.2', 'arm,psci')
    dt.end()


def _dt_timer(dt, trigger):
    dt.begin('timer')
    dt.u32('interrupts', *[cell for irq in (13, 14, 11)
                           for cell in (IRQ_PPI, irq, trigger)])
    dt.null('always-on')
    dt.string('compatible', 'arm,armv8-timer', 'arm,armv7-timer')
    dt.end()


def _dt_pmu(dt):
    dt.begin('pmu')
    dt.u32('interrupts', IRQ_PPI, 7, IRQ_LEVEL_HIGH)
    dt.string('compatible', 'arm,armv8-pmuv3')
    dt.end()


def _dt_event_log(dt, log, order):
    base, size = log
    dt.begin('reserved-memory')
    for name in order:
        if name == 'ranges':
            dt.null('ranges')
        else:
            dt.u32(name, 2)
    dt.begin('event-log@%x' % base)
    if order[0] == 'ranges':
        dt.u64('reg', base, size)
        dt.string('compatible', 'cc-event-log')
    else:
        dt.string('compatible', 'cc-event-log')
        dt.u64('reg', base, size)
    dt.end()
    dt.end()


class QemuVirt:
    """QEMU's ``virt`` machine (the layout of the Linaro RME series)."""
    name = 'qemu'
    default_algorithm = 'sha-512'
    MEM_BASE = 0x40000000
    HIGH_REDIST_BASE = 0x40_0000_0000
    HIGH_REDIST_SIZE = 64 * MIB
    HIGH_PCI_CFG_SIZE = 256 * MIB
    HIGH_PCI_MMIO_SIZE = 512 * GIB
    REDIST_SIZE = 0x00f60000
    DTB_SIZE = 1 * MIB
    LOG_SIZE = 64 * KIB
    CLOCK = 0x8000

    def __init__(self, launch: Launch, max_memory: int = None,
                 slots: int = 0):
        self.launch = launch
        max_memory = max_memory or launch.memory
        hotplug_base = align_up(self.MEM_BASE + launch.memory, GIB)
        address = hotplug_base + align_up(
            max_memory - launch.memory + slots * GIB, GIB)
        address = max(address, self.HIGH_REDIST_BASE)
        self.high_redist = align_up(address, self.HIGH_REDIST_SIZE)
        address += self.HIGH_REDIST_SIZE
        self.high_pci_cfg = align_up(address, self.HIGH_PCI_CFG_SIZE)
        address += self.HIGH_PCI_CFG_SIZE
        self.high_pci_mmio = align_up(address, self.HIGH_PCI_MMIO_SIZE)
        address += self.HIGH_PCI_MMIO_SIZE
        #: the IPA width the memory map needs
        self.ipa_bits = address.bit_length() - 1 + 2

    def plan(self, host: rmm.RealmParams) -> Plan:
        launch = self.launch
        plan = Plan(params=realm_params(host, launch, self.ipa_bits,
                                        self.default_algorithm))
        plan.ram.append((self.MEM_BASE, launch.memory))
        dtb_at, initrd = self.MEM_BASE, None
        if launch.kernel is not None:
            image, text_offset, image_size = linux_image(launch.kernel)
            kernel_at = self.MEM_BASE + text_offset
            initrd_at = max(self.MEM_BASE + min(launch.memory // 2,
                                                128 * MIB),
                            kernel_at + (image_size or len(image)))
            initrd_at = align_up(initrd_at, 4 * KIB)
            initrd_size = 0
            kernel = Blob('kernel', kernel_at, image)
            if launch.initrd is not None:
                initrd_size = len(launch.initrd)
                initrd = (initrd_at, initrd_size)
            loaded = [kernel] + ([Blob('initrd', initrd_at, launch.initrd)]
                                 if initrd else [])
            if launch.firmware is not None:
                plan.outside_rim += loaded
            else:
                plan.blobs += loaded
            dtb_at = align_up(initrd_at + initrd_size, 2 * MIB)
        elif launch.initrd is not None:
            raise ReferenceError('an initrd needs a kernel')
        if launch.firmware is not None:
            plan.blobs.append(Blob('firmware', 0, launch.firmware))
            dtb_at = self.MEM_BASE
        log = None
        if launch.measurement_log:
            log = (dtb_at + self.DTB_SIZE, self.LOG_SIZE)
        plan.pc = 0 if launch.firmware is not None else self.MEM_BASE
        plan.gprs = [0 if launch.firmware is not None else dtb_at] + [0] * 7
        if log:
            plan.unmeasured.append((log[0], log[1], 'measurement log'))
        plan.dtb = launch.dtb
        if plan.dtb is None:
            plan.dtb = self.device_tree(plan.params, initrd, log)
            plan.dtb_generated = True
        plan.blobs.append(Blob('dtb', dtb_at, plan.dtb))
        return plan

    def device_tree(self, params, initrd, log) -> bytes:
        launch, dt = self.launch, fdt.Writer()
        gic = self.CLOCK + launch.cpus + 1
        its = gic + 1
        _dt_root(dt, (self.MEM_BASE, launch.memory), launch.cpus, gic,
                 launch.bootargs, initrd)
        dt.begin('platform-bus@c000000')
        dt.u32('interrupt-parent', gic)
        dt.u32('ranges', 0, 0, 0x0c000000, 0x02000000)
        dt.u32('#address-cells', 1)
        dt.u32('#size-cells', 1)
        dt.string('compatible', 'qemu,platform', 'simple-bus')
        dt.end()
        if log:
            _dt_event_log(dt, log, ('ranges', '#size-cells',
                                    '#address-cells'))
        dt.begin('fw-cfg@9020000')
        dt.null('dma-coherent')
        dt.u64('reg', 0x09020000, 0x18)
        dt.string('compatible', 'qemu,fw-cfg-mmio')
        dt.end()
        for index in range(32):
            address = 0x0a000000 + index * 0x200
            dt.begin('virtio_mmio@%x' % address)
            dt.null('dma-coherent')
            dt.u32('interrupts', IRQ_SPI, 16 + index, IRQ_EDGE_RISING)
            dt.u64('reg', address, 0x200)
            dt.string('compatible', 'virtio,mmio')
            dt.end()
        dt.begin('pcie@10000000')
        dt.u32('interrupt-map', *[
            cell for dev in range(4) for pin in range(4)
            for cell in (dev << 11, 0, 0, pin + 1, gic, 0, 0, IRQ_SPI,
                         3 + (pin + dev) % 4, IRQ_LEVEL_HIGH)])
        dt.u32('interrupt-map-mask', 3 << 11, 0, 0, 7)
        dt.u32('#interrupt-cells', 1)
        mmio = self.high_pci_mmio
        dt.u32('ranges', PCI_IOPORT, 0, 0, 0, 0x3eff0000, 0, 0x10000,
               PCI_MMIO, 0, 0x10000000, 0, 0x10000000, 0, 0x2eff0000,
               PCI_MMIO_64, mmio >> 32, mmio & 0xffffffff, mmio >> 32,
               mmio & 0xffffffff, self.HIGH_PCI_MMIO_SIZE >> 32,
               self.HIGH_PCI_MMIO_SIZE & 0xffffffff)
        dt.u64('reg', self.high_pci_cfg, self.HIGH_PCI_CFG_SIZE)
        if launch.its:
            dt.u32('msi-map', 0, its, 0, 0x10000)
        dt.null('dma-coherent')
        dt.u32('bus-range', 0, 0xff)
        dt.u32('linux,pci-domain', 0)
        dt.u32('#size-cells', 2)
        dt.u32('#address-cells', 3)
        dt.string('device_type', 'pci')
        dt.string('compatible', 'pci-host-ecam-generic')
        dt.end()
        dt.begin('pl031@9010000')
        dt.string('clock-names', 'apb_pclk')
        dt.u64('reg', 0x09010000, 0x1000)
        dt.u32('clocks', self.CLOCK)
        dt.u32('interrupts', IRQ_SPI, 2, IRQ_LEVEL_HIGH)
        dt.string('compatible', 'arm,pl031', 'arm,primecell')
        dt.end()
        dt.begin('pl011@9000000')
        dt.string('clock-names', 'uartclk', 'apb_pclk')
        dt.u64('reg', 0x09000000, 0x1000)
        dt.u32('clocks', self.CLOCK, self.CLOCK)
        dt.u32('interrupts', IRQ_SPI, 1, IRQ_LEVEL_HIGH)
        dt.string('compatible', 'arm,pl011', 'arm,primecell')
        dt.end()
        if params.pmu:
            _dt_pmu(dt)
        regs = [0x08000000, 0x10000, 0x080a0000, self.REDIST_SIZE]
        if launch.cpus > self.REDIST_SIZE // 0x20000:
            regs += [self.high_redist, self.HIGH_REDIST_SIZE]
        dt.begin('intc@8000000')
        dt.u32('phandle', gic)
        dt.u64('reg', *regs)
        dt.u32('#redistributor-regions', len(regs) // 2 - 1)
        dt.string('compatible', 'arm,gic-v3')
        dt.null('ranges')
        dt.u32('#size-cells', 2)
        dt.u32('#address-cells', 2)
        dt.null('interrupt-controller')
        dt.u32('#interrupt-cells', 3)
        if launch.its:
            dt.begin('its@8080000')
            dt.u32('phandle', its)
            dt.u64('reg', 0x08080000, 0x20000)
            dt.u32('#msi-cells', 1)
            dt.null('msi-controller')
            dt.string('compatible', 'arm,gic-v3-its')
            dt.end()
        dt.end()
        _dt_timer(dt, IRQ_LEVEL_HIGH)
        dt.begin('apb-pclk')
        dt.u32('phandle', self.CLOCK)
        dt.string('clock-output-names', 'clk24mhz')
        dt.u32('clock-frequency', 24000000)
        dt.u32('#clock-cells', 0)
        dt.string('compatible', 'fixed-clock')
        dt.end()
        dt.end()
        return dt.finish()


class Kvmtool:
    """kvmtool's arm64 layout (``lkvm run --realm``)."""
    name = 'kvmtool'
    default_algorithm = 'sha-256'
    MEM_BASE = 0x80000000
    FDT_SIZE = 0x10000
    FDT_ALIGN = 2 * MIB
    LOG_SIZE = 64 * KIB
    GIC_DIST = 0x3fff0000
    PCI_CFG = 0x40000000
    PCI_MMIO = 0x50000000

    def __init__(self, launch: Launch, firmware_address: int = None):
        self.launch = launch
        self.firmware_address = firmware_address or self.MEM_BASE
        last = self.MEM_BASE + launch.memory - 1
        self.ipa_bits = max(last.bit_length() - 1, 32) + 1

    def plan(self, host: rmm.RealmParams) -> Plan:
        launch = self.launch
        if launch.memory % (2 * MIB):
            raise ReferenceError('kvmtool needs RAM in 2 MiB multiples')
        plan = Plan(params=realm_params(host, launch, self.ipa_bits,
                                        self.default_algorithm))
        dtb_at = min(self.MEM_BASE + launch.memory,
                     self.MEM_BASE + 256 * MIB)
        log = None
        if launch.measurement_log:
            log = (dtb_at - self.LOG_SIZE, self.LOG_SIZE)
            dtb_at -= self.LOG_SIZE
        dtb_at = align_up(dtb_at - self.FDT_ALIGN - self.FDT_SIZE,
                          self.FDT_ALIGN)
        plan.ram.append((self.MEM_BASE, launch.memory))
        initrd = None
        if launch.kernel is not None:
            image, text_offset, _ = linux_image(launch.kernel)
            plan.pc = self.MEM_BASE
            plan.blobs.append(Blob('kernel', self.MEM_BASE + text_offset,
                                   image))
        if launch.initrd is not None:
            at = align_up(dtb_at - len(launch.initrd) - 4, 4)
            initrd = (at, len(launch.initrd))
            plan.blobs.append(Blob('initrd', at, launch.initrd))
        if launch.firmware is not None:
            plan.pc = self.firmware_address
            plan.blobs.append(Blob('firmware', self.firmware_address,
                                   launch.firmware))
        plan.gprs = [dtb_at] + [0] * 7
        if log:
            plan.unmeasured.append((log[0], log[1], 'measurement log'))
        plan.dtb = launch.dtb
        if plan.dtb is None:
            plan.dtb = self.device_tree(plan.params, initrd, log)
            plan.dtb_generated = True
        plan.blobs.append(Blob('dtb', dtb_at, plan.dtb))
        return plan

    def device_tree(self, params, initrd, log) -> bytes:
        launch, dt = self.launch, fdt.Writer()
        bootargs = ' console=hvc0 root=/dev/vda rw '
        if launch.bootargs:
            bootargs += ' ' + launch.bootargs
        _dt_root(dt, (self.MEM_BASE, launch.memory), launch.cpus, 1,
                 bootargs, initrd)
        redist_size = launch.cpus * 0x20000
        redist = self.GIC_DIST - redist_size
        dt.begin('intc')
        dt.string('compatible', 'arm,gic-v3')
        dt.u32('#interrupt-cells', 3)
        dt.null('interrupt-controller')
        dt.u64('reg', self.GIC_DIST, 0x10000, redist, redist_size)
        dt.u32('phandle', 1)
        dt.u32('#address-cells', 2)
        dt.u32('#size-cells', 2)
        dt.null('ranges')
        if launch.its:
            dt.begin('msic')
            dt.string('compatible', 'arm,gic-v3-its')
            dt.null('msi-controller')
            dt.u32('phandle', 2)
            dt.u64('reg', redist - 128 * KIB, 128 * KIB)
            dt.end()
        dt.end()
        if log:
            _dt_event_log(dt, log, ('#address-cells', '#size-cells',
                                    'ranges'))
        _dt_timer(dt, IRQ_LEVEL_LOW)
        if params.pmu:
            _dt_pmu(dt)
        for index in range(4):
            address = 0x01000000 + index * 0x1000
            dt.begin('U6_16550A@%x' % address)
            dt.string('compatible', 'ns16550a')
            dt.u64('reg', address, 8)
            dt.u32('interrupts', IRQ_SPI, index, IRQ_LEVEL_HIGH)
            dt.u32('clock-frequency', 1843200)
            dt.end()
        for index in range(launch.virtio_mmio_devices):
            address = 0x03000000 + index * 0x200
            dt.begin('virtio@%x' % address)
            dt.string('compatible', 'virtio,mmio')
            dt.u64('reg', address, 0x200)
            dt.null('dma-coherent')
            dt.u32('interrupts', IRQ_SPI, 4 + index, IRQ_EDGE_RISING)
            dt.end()
        dt.begin('rtc@1010000')
        dt.string('compatible', 'motorola,mc146818')
        dt.u64('reg', 0x01010000, 2)
        dt.end()
        dt.begin('pci@40000000')
        dt.string('device_type', 'pci')
        dt.u32('#address-cells', 3)
        dt.u32('#size-cells', 2)
        dt.null('dma-coherent')
        dt.u32('bus-range', 0, 0)
        dt.string('compatible', 'pci-host-ecam-generic')
        dt.u64('reg', self.PCI_CFG, 1 << 28)
        dt.u32('ranges', PCI_IOPORT, 0, 0, 0, 0, 0, 0x10000,
               PCI_MMIO, 0, self.PCI_MMIO, 0, self.PCI_MMIO, 0,
               self.MEM_BASE - self.PCI_MMIO)
        dt.u32('interrupt-map', *[
            cell for slot in range(32)
            for cell in (slot << 11, 0, 0, 1, 1, 0, 0, IRQ_SPI, 64 + slot,
                         IRQ_LEVEL_HIGH)])
        dt.u32('interrupt-map-mask', 0x1f << 11, 0, 0, 7)
        dt.u32('#interrupt-cells', 1)
        if launch.its:
            dt.u32('msi-map', 0, 2, 0, 0x10000)
        dt.end()
        dt.end()
        blob = dt.finish()
        if len(blob) > self.FDT_SIZE:
            raise ReferenceError('the device tree is larger than kvmtool '
                                 'allows (%d > %d)' % (len(blob),
                                                       self.FDT_SIZE))
        return blob.ljust(self.FDT_SIZE, b'\0')


LAYOUTS = {layout.name: layout for layout in (QemuVirt, Kvmtool)}
