"""Is this compute host ready for Arm CCA realms?

The checks of ``nova-cca status``, in the style of ``nova-status upgrade
check``: each returns an oslo.upgradecheck Result (Success, Warning or
Failure) whose details say precisely what was found.
"""

import configparser
import errno
import fcntl
import os
import platform
import shutil
import subprocess

from oslo_upgradecheck import upgradecheck

from nova_cca import detection
from nova_cca import model

Code = upgradecheck.Code
Result = upgradecheck.Result

DRIVER = 'libvirt_cca.LibvirtCCADriver'
#: KVM_CHECK_EXTENSION = _IO(KVMIO, 0x03)
KVM_CHECK_EXTENSION = 0xAE03
#: where kernels with host realm support export KVM_CAP_ARM_RMI's number
RMI_CAP_PARAMETER = 'sys/module/kvm/parameters/kvm_cap_arm_rmi'


def _version(number):
    major, rest = divmod(number, 1000000)
    minor, micro = divmod(rest, 1000)
    return '%d.%d.%d' % (major, minor, micro)


class RealmReadiness(upgradecheck.UpgradeCommands):
    """The readiness checks of one compute host.

    :param conf: a parsed nova.conf (oslo.config ConfigOpts)
    :param libvirt_uri: where libvirt listens; default [libvirt]
        connection_uri or qemu:///system
    :param root: file-system root for /dev and /sys (tests use a tree)
    :param machine: the host architecture (default: this machine's)
    """

    display_title = 'Arm CCA Realm Readiness'

    def __init__(self, conf, libvirt_uri=None, root='/', machine=None):
        self.conf = conf
        self.libvirt_uri = (libvirt_uri or conf.libvirt.connection_uri or
                            'qemu:///system')
        self.root = root
        self.machine = machine or platform.machine()
        self._connection = None
        self._connection_error = None

    # host

    def _check_architecture(self):
        if self.machine == model.AARCH64:
            return Result(Code.SUCCESS, 'Host architecture is aarch64.')
        return Result(Code.FAILURE,
                      'Host architecture is %s; Arm CCA realms need an '
                      'aarch64 host with the Realm Management Extension.'
                      % self.machine)

    def _check_kernel(self):
        kvm = os.path.join(self.root, 'dev/kvm')
        if not os.path.exists(kvm):
            return Result(Code.FAILURE,
                          '%s does not exist: KVM is not available on this '
                          'host, so neither are realms.' % kvm)
        parameter = os.path.join(self.root, RMI_CAP_PARAMETER)
        try:
            with open(parameter) as f:
                capability = int(f.read().strip())
        except FileNotFoundError:
            return Result(Code.FAILURE,
                          'The kernel does not export %s: it has no host '
                          'realm support (KVM_CAP_ARM_RMI, formerly '
                          'KVM_CAP_ARM_RME).' % parameter)
        except (OSError, ValueError) as e:
            return Result(Code.FAILURE, 'Cannot read %s: %s' % (parameter, e))
        try:
            fd = os.open(kvm, os.O_RDWR)
        except OSError as e:
            return Result(Code.FAILURE, 'Cannot open %s: %s' % (kvm, e))
        try:
            supported = fcntl.ioctl(fd, KVM_CHECK_EXTENSION, capability)
        except OSError as e:
            if e.errno in (errno.ENOTTY, errno.EINVAL):
                supported = 0
            else:
                return Result(Code.FAILURE,
                              'KVM_CHECK_EXTENSION(%d) on %s failed: %s'
                              % (capability, kvm, e))
        finally:
            os.close(fd)
        if supported > 0:
            return Result(Code.SUCCESS,
                          'KVM reports realm support (KVM_CAP_ARM_RMI = %d).'
                          % capability)
        return Result(Code.FAILURE,
                      'KVM does not report realm support: '
                      'KVM_CHECK_EXTENSION(KVM_CAP_ARM_RMI = %d) returned '
                      '%d (no RMM, or RME disabled in firmware).'
                      % (capability, supported))

    # libvirt

    def _connect(self):
        if self._connection is None and self._connection_error is None:
            try:
                import libvirt
            except ImportError:
                self._connection_error = (
                    'the libvirt Python binding (libvirt-python) is not '
                    'installed')
                return None
            # libvirt prints every error to stderr unless told otherwise;
            # the checks report them.
            libvirt.registerErrorHandler(lambda context, error: None, None)
            try:
                # read-write, as nova-compute connects: read-only
                # connections may not read domain capabilities
                self._connection = libvirt.open(self.libvirt_uri)
            except libvirt.libvirtError as e:
                self._connection_error = 'cannot connect to %s: %s' % (
                    self.libvirt_uri, e.get_error_message())
        return self._connection

    def _check_libvirt(self):
        connection = self._connect()
        if connection is None:
            return Result(Code.FAILURE,
                          'libvirt is not reachable: %s.'
                          % self._connection_error)
        return Result(Code.SUCCESS, 'libvirt %s at %s.' % (
            _version(connection.getLibVersion()), self.libvirt_uri))

    def _domain_capabilities(self):
        import libvirt
        connection = self._connect()
        virt_type = self.conf.libvirt.virt_type
        try:
            return connection.getDomainCapabilities(
                None, model.AARCH64, model.REALM_MACHINE_TYPE, virt_type, 0)
        except libvirt.libvirtError as e:
            raise LookupError(
                'libvirt has no domain capabilities for %s guests on '
                "machine '%s' with virt_type %s: %s" % (
                    model.AARCH64, model.REALM_MACHINE_TYPE, virt_type,
                    e.get_error_message()))

    def _check_cca(self):
        if self._connect() is None:
            return Result(Code.FAILURE, 'Not checked: libvirt is not '
                                        'reachable (%s).'
                          % self._connection_error)
        try:
            xml = self._domain_capabilities()
        except LookupError as e:
            return Result(Code.FAILURE, '%s.' % e)
        # what libvirt states; the host architecture is a check of its own
        capability = detection.parse_domain_capabilities(xml)
        if not capability.supported:
            return Result(Code.FAILURE,
                          'No Arm CCA in libvirt domain capabilities: %s.'
                          % capability.reason)
        return Result(Code.SUCCESS,
                      'Arm CCA supported (%s); measurement algorithms: %s.'
                      % (capability.reason,
                         ', '.join(capability.measurement_algos) or
                         'none listed (platform default)'))

    def _check_qemu(self):
        connection = self._connect()
        if connection is None:
            return Result(Code.FAILURE, 'Not checked: libvirt is not '
                                        'reachable (%s).'
                          % self._connection_error)
        import libvirt
        try:
            return Result(Code.SUCCESS, 'QEMU %s (as libvirt reports it).'
                          % _version(connection.getVersion()))
        except libvirt.libvirtError as e:
            reason = e.get_error_message()
        emulator = shutil.which('qemu-system-aarch64')
        if emulator is None:
            return Result(Code.FAILURE,
                          'No QEMU for aarch64 guests: libvirt says "%s" '
                          'and qemu-system-aarch64 is not installed.'
                          % reason)
        output = subprocess.run([emulator, '--version'], capture_output=True,
                                text=True, timeout=30).stdout
        return Result(Code.SUCCESS, '%s (libvirt cannot report it for this '
                                    'host: %s).'
                      % (output.splitlines()[0] if output else emulator,
                         reason))

    # nova.conf

    def _check_driver(self):
        driver = self.conf.compute_driver
        if driver == DRIVER:
            return Result(Code.SUCCESS, 'compute_driver = %s.' % DRIVER)
        return Result(Code.FAILURE,
                      'compute_driver = %s; realms need [DEFAULT] '
                      'compute_driver = %s.' % (driver, DRIVER))

    def _check_virt_type(self):
        virt_type = self.conf.libvirt.virt_type
        if virt_type == 'kvm':
            return Result(Code.SUCCESS, '[libvirt] virt_type = kvm.')
        return Result(Code.FAILURE,
                      '[libvirt] virt_type = %s; realms run only under KVM '
                      '(set virt_type = kvm).' % virt_type)

    def _check_options(self):
        found = []
        for name in ('max_guests', 'default_measurement_algo',
                     'provider_layout'):
            try:
                found.append('%s = %s' % (
                    name, getattr(self.conf.arm_cca, name)))
            except ValueError as e:  # oslo.config: invalid value in file
                reason = str(e).rsplit('is not valid: ', 1)[-1]
                return Result(Code.FAILURE, '[arm_cca] %s = %s is invalid: %s'
                              % (name, self._raw_value('arm_cca', name),
                                 reason))
        return Result(Code.SUCCESS, '[arm_cca] ' + ', '.join(found) + '.')

    def _raw_value(self, group, name):
        parser = configparser.RawConfigParser(strict=False)
        parser.read(getattr(self.conf, 'config_file', None) or [])
        return parser.get(group, name, fallback='?')

    def _check_overcommit(self):
        name = 'ram_allocation_ratio'
        ratio = self.conf.ram_allocation_ratio
        if ratio is None:
            name = 'initial_ram_allocation_ratio'
            ratio = self.conf.initial_ram_allocation_ratio
        if ratio > 1.0:
            return Result(Code.WARNING,
                          '%s = %s: realm memory cannot be swapped, so '
                          'overcommitting RAM on a realm host is unsafe; '
                          'use 1.0.' % (name, ratio))
        return Result(Code.SUCCESS, 'RAM is not overcommitted (ratio %s).'
                      % ratio)

    _upgrade_checks = (
        ('Host architecture', _check_architecture),
        ('Kernel realm support', _check_kernel),
        ('libvirt', _check_libvirt),
        ('Arm CCA in libvirt', _check_cca),
        ('QEMU', _check_qemu),
        ('Compute driver', _check_driver),
        ('libvirt virt_type', _check_virt_type),
        ('[arm_cca] options', _check_options),
        ('RAM overcommit', _check_overcommit),
    )

    def results(self):
        """[(check name, Result)] in order."""
        return [(name, check(self)) for name, check in self._upgrade_checks]
