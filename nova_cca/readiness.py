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

"""Is this compute host ready for Arm CCA realms?

The checks of ``nova-cca readiness``, run and printed by oslo.upgradecheck as
``nova-status upgrade check`` does: each returns a Result (Success,
Warning or Failure) whose details say precisely what was found.

Exit codes (docs/operator-guide.md):

* 0 (``Code.SUCCESS``) ready;
* 1 (``Code.WARNING``) ready, with warnings;
* 2 (``Code.FAILURE``) not ready;
* 3 (:data:`CANNOT_CHECK`) cannot check: the configuration cannot be read
  or holds an invalid value, or libvirt is not reachable.
"""

import configparser
import errno
import fcntl
import os
import platform
import shutil
import subprocess
import sys
from typing import Any
from typing import TYPE_CHECKING

from nova.db import constants as db_const
from oslo_upgradecheck import upgradecheck

from nova_cca import glossary
from nova_cca.virt.libvirt import detection
from nova_cca.virt import model

if TYPE_CHECKING:
    from oslo_config import cfg

Code = upgradecheck.Code
Result = upgradecheck.Result
#: exit code when the checks cannot run (see the module docstring)
CANNOT_CHECK = 3
#: the libvirt driver type of QEMU/KVM (virConnectGetType)
QEMU_DRIVER_TYPE = 'QEMU'
#: options outside [arm_cca] the checks read: an invalid value stops them
READ_OPTIONS = (
    (None, 'compute_driver'),
    (None, 'ram_allocation_ratio'),
    (None, 'initial_ram_allocation_ratio'),
    ('libvirt', 'virt_type'),
    ('libvirt', 'connection_uri'),
)

#: KVM_CHECK_EXTENSION = _IO(KVMIO, 0x03)
KVM_CHECK_EXTENSION = 0xAE03
#: where kernels with host realm support export KVM_CAP_ARM_RMI's number
RMI_CAP_PARAMETER = 'sys/module/kvm/parameters/kvm_cap_arm_rmi'


def _reason(error: Exception) -> str:
    """oslo.config's reason for an invalid value, without its preamble."""
    return str(error).rsplit('is not valid: ', 1)[-1]


def _version(number: int) -> str:
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

    def __init__(self, conf: 'cfg.ConfigOpts', libvirt_uri: str | None = None,
                 root: str = '/', machine: str | None = None) -> None:
        self.conf = conf
        self._libvirt_uri = libvirt_uri
        self.root = root
        self.machine = machine or platform.machine()
        #: a libvirt.virConnect once connected
        self._connection: Any = None
        self._connection_error: str | None = None

    @property
    def libvirt_uri(self) -> str:
        """--libvirt-uri, else [libvirt] connection_uri, else the system
        QEMU.
        """
        return (self._libvirt_uri or self.conf.libvirt.connection_uri or
                'qemu:///system')

    def check(self) -> int:  # type: ignore[override]
        """Run and print the checks; return the exit code.

        0, 1 or 2 as oslo.upgradecheck decides from the results, or
        CANNOT_CHECK (with one line on stderr) when an option the checks
        read is invalid or libvirt is not reachable. Never raises.
        """
        problem = self.invalid_option()
        if problem is not None:
            return self._cannot_check(problem)
        try:
            code = super().check()
        except Exception as e:  # a check must not end in a traceback
            return self._cannot_check('%s: %s' % (type(e).__name__, e))
        if self._connection_error is not None:
            print('nova-cca readiness: cannot check: libvirt is not reachable '
                  '(%s).' % self._connection_error, file=sys.stderr)
            return CANNOT_CHECK
        return int(code)

    @staticmethod
    def _cannot_check(problem: str) -> int:
        print('nova-cca readiness: cannot check: %s' % problem,
              file=sys.stderr)
        return CANNOT_CHECK

    def invalid_option(self) -> str | None:
        """What is wrong with an option the checks read, or None.

        ``[arm_cca]`` options are not included: the ``[arm_cca] options``
        check reports them.
        """
        for group, name in READ_OPTIONS:
            try:
                getattr(self.conf if group is None else
                        getattr(self.conf, group), name)
            except ValueError as e:  # oslo.config: invalid value in file
                return '[%s] %s = %s is invalid: %s' % (
                    group or 'DEFAULT', name,
                    self._raw_value(group or 'DEFAULT', name),
                    _reason(e))
        return None

    # host

    def _check_architecture(self) -> Result:
        refused = detection.unsupported_host_arch(self.machine)
        if refused is None:
            return Result(Code.SUCCESS, 'Host architecture is aarch64.')
        return Result(Code.FAILURE,
                      'Host architecture is %s; Arm CCA realms need an '
                      'aarch64 host with the Realm Management Extension.'
                      % self.machine)

    def _check_kernel(self) -> Result:
        kvm = os.path.join(self.root, 'dev/kvm')
        if not os.path.exists(kvm):
            return Result(Code.FAILURE,
                          '%s does not exist: KVM is not available on this '
                          'host, so neither are realms.' % kvm)
        return Result(Code.SUCCESS,
                      '%s exists. %s' % (kvm, self._rmi_information()))

    def _rmi_information(self) -> str:
        """What the kernel says about KVM_CAP_ARM_RMI, for information.

        Only some kernels export the capability's number, which is not
        stable across the KVM series: realm support is read from libvirt's
        domain capabilities, never from here.
        """
        parameter = os.path.join(self.root, RMI_CAP_PARAMETER)
        note = ('(information only: realm support is read from libvirt\'s '
                'domain capabilities)')
        try:
            with open(parameter) as f:
                capability = int(f.read().strip())
        except FileNotFoundError:
            return ('The kernel does not export %s; only some kernels do %s.'
                    % (parameter, note))
        except (OSError, ValueError) as e:
            return 'Cannot read %s: %s %s.' % (parameter, e, note)
        try:
            fd = os.open(os.path.join(self.root, 'dev/kvm'), os.O_RDWR)
        except OSError as e:
            return 'Cannot open /dev/kvm: %s %s.' % (e, note)
        try:
            answer = fcntl.ioctl(fd, KVM_CHECK_EXTENSION, capability)
        except OSError as e:
            if e.errno not in (errno.ENOTTY, errno.EINVAL):
                return ('KVM_CHECK_EXTENSION(%d) failed: %s %s.'
                        % (capability, e, note))
            answer = 0
        finally:
            os.close(fd)
        return ('KVM_CHECK_EXTENSION(KVM_CAP_ARM_RMI = %d) returned %d %s.'
                % (capability, answer, note))

    # libvirt

    def _connect(self) -> Any:
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

    def _check_libvirt(self) -> Result:
        connection = self._connect()
        if connection is None:
            return Result(Code.FAILURE,
                          'libvirt is not reachable: %s.'
                          % self._connection_error)
        driver_type = self._driver_type()
        if driver_type != QEMU_DRIVER_TYPE:
            return Result(Code.FAILURE,
                          "libvirt at %s is its '%s' driver, not QEMU/KVM: "
                          'realms run only under QEMU/KVM.'
                          % (self.libvirt_uri, driver_type))
        return Result(Code.SUCCESS, 'libvirt %s at %s.' % (
            _version(connection.getLibVersion()), self.libvirt_uri))

    def _driver_type(self) -> str:
        import libvirt
        try:
            return self._connect().getType()
        except libvirt.libvirtError as e:
            return 'unknown (%s)' % e.get_error_message()

    def _not_checked(self) -> Result | None:
        """Why the libvirt checks cannot run, or None."""
        if self._connect() is None:
            return Result(Code.FAILURE, 'Not checked: libvirt is not '
                                        'reachable (%s).'
                          % self._connection_error)
        driver_type = self._driver_type()
        if driver_type != QEMU_DRIVER_TYPE:
            return Result(Code.FAILURE, "Not checked: libvirt's '%s' driver "
                                        'is not QEMU/KVM.' % driver_type)
        return None

    def _domain_capabilities(self) -> str:
        import libvirt
        connection = self._connect()
        virt_type = self.conf.libvirt.virt_type
        try:
            return connection.getDomainCapabilities(
                None, glossary.AARCH64, model.REALM_MACHINE_TYPE, virt_type, 0)
        except libvirt.libvirtError as e:
            raise LookupError(
                'libvirt has no domain capabilities for %s guests on '
                "machine '%s' with virt_type %s: %s" % (
                    glossary.AARCH64, model.REALM_MACHINE_TYPE, virt_type,
                    e.get_error_message()))

    def _check_cca(self) -> Result:
        not_checked = self._not_checked()
        if not_checked is not None:
            return not_checked
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

    def _check_qemu(self) -> Result:
        not_checked = self._not_checked()
        if not_checked is not None:
            return not_checked
        connection = self._connect()
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

    def _check_driver(self) -> Result:
        driver = self.conf.compute_driver
        if driver == glossary.DRIVER:
            return Result(Code.SUCCESS,
                          'compute_driver = %s.' % glossary.DRIVER)
        return Result(Code.FAILURE,
                      'compute_driver = %s; realms need [DEFAULT] '
                      'compute_driver = %s.' % (driver, glossary.DRIVER))

    def _check_virt_type(self) -> Result:
        virt_type = self.conf.libvirt.virt_type
        if virt_type == 'kvm':
            return Result(Code.SUCCESS, '[libvirt] virt_type = kvm.')
        return Result(Code.FAILURE,
                      '[libvirt] virt_type = %s; realms run only under KVM '
                      '(set virt_type = kvm).' % virt_type)

    def _check_options(self) -> Result:
        found = []
        for name in ('max_guests', 'default_measurement_algo',
                     'provider_layout'):
            try:
                found.append('%s = %s' % (
                    name, getattr(self.conf.arm_cca, name)))
            except ValueError as e:  # oslo.config: invalid value in file
                reason = _reason(e)
                if name == 'max_guests':
                    reason = ('allowed are 0 to %d, the largest inventory '
                              'total Placement accepts' % db_const.MAX_INT)
                return Result(Code.FAILURE, '[arm_cca] %s = %s is invalid: %s'
                              % (name, self._raw_value('arm_cca', name),
                                 reason))
        return Result(Code.SUCCESS, '[arm_cca] ' + ', '.join(found) + '.')

    def _raw_value(self, group: str, name: str) -> str:
        parser = configparser.RawConfigParser(strict=False)
        try:
            parser.read(getattr(self.conf, 'config_file', None) or [],
                        encoding='utf-8')
            value = parser.get(group, name, fallback='?')
        except (configparser.Error, OSError, UnicodeError):
            return '?'
        return value if len(value) <= 80 else value[:77] + '...'

    def _check_overcommit(self) -> Result:
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
