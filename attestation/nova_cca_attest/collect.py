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

"""Ask a realm guest's kernel for a CCA attestation token.

Linux (6.13 and later, driver ``arm-cca-guest``) gives a realm its token
through configfs TSM reports (``Documentation/ABI/testing/
configfs-tsm-report``): creating a directory under
``/sys/kernel/config/tsm/report/`` makes a report entry with the
attributes ``inblob`` (write: up to 64 bytes of user data, here the
nonce), ``outblob`` (read: the token), ``provider`` (read: the name of the
driver that answers, ``arm_cca_guest`` in a realm) and ``generation``
(read: a counter that each write to the entry increments, so that a reader
can tell whether someone else wrote in between). Removing the directory
frees the entry.
"""

import errno
import os
import secrets

DEFAULT_TSM_ROOT = '/sys/kernel/config/tsm/report'
ARM_CCA_PROVIDER = 'arm_cca_guest'
#: the Arm CCA guest driver takes 32 to 64 bytes of challenge
MIN_NONCE_BYTES = 32
MAX_NONCE_BYTES = 64
#: a larger outblob is not a CCA token (the kernel caps it at 32 KiB)
MAX_OUTBLOB_BYTES = 64 * 1024


class CollectError(Exception):
    """The token could not be collected; the message says why."""


class TsmReports:
    """The configfs TSM report directory at ``root``.

    The file operations are methods so that a test can stand in for the
    kernel's side of them (configfs creates an entry's attributes on
    ``mkdir``; a plain directory does not).
    """

    def __init__(self, root=DEFAULT_TSM_ROOT):
        self.root = root

    def make_entry(self, path: str) -> None:
        os.mkdir(path)

    def remove_entry(self, path: str) -> None:
        os.rmdir(path)

    def read(self, path: str, limit: int = 4096) -> bytes:
        with open(path, 'rb') as f:
            return f.read(limit + 1)

    def write(self, path: str, data: bytes) -> None:
        with open(path, 'wb') as f:
            f.write(data)

    def collect(self, nonce: bytes) -> bytes:
        """The token the kernel gives for ``nonce`` (32 to 64 bytes)."""
        if not MIN_NONCE_BYTES <= len(nonce) <= MAX_NONCE_BYTES:
            raise CollectError('the nonce must be %d to %d bytes, got %d'
                               % (MIN_NONCE_BYTES, MAX_NONCE_BYTES,
                                  len(nonce)))
        if not os.path.isdir(self.root):
            raise CollectError(
                'no configfs TSM report interface at %s: this is not a '
                'realm guest, its kernel lacks TSM reports (Linux 6.13 or '
                'later with the arm-cca-guest driver), or configfs is not '
                'mounted (mount -t configfs none /sys/kernel/config)'
                % self.root)
        entry = os.path.join(self.root, 'nova-cca-%d-%s'
                             % (os.getpid(), secrets.token_hex(4)))
        try:
            self.make_entry(entry)
        except OSError as e:
            raise CollectError('cannot create a report entry in %s: %s%s'
                               % (self.root, e.strerror or e,
                                  ' (run as root)' if e.errno in
                                  (errno.EACCES, errno.EPERM) else '')
                               ) from None
        try:
            return self._report(entry, nonce)
        finally:
            try:
                self.remove_entry(entry)
            except OSError:
                pass

    def _report(self, entry, nonce):
        provider = self._attribute(entry, 'provider').decode(
            'ascii', 'replace').strip()
        if provider != ARM_CCA_PROVIDER:
            raise CollectError('the TSM report provider is %r, not %r: this '
                               'guest is not an Arm CCA realm'
                               % (provider[:40], ARM_CCA_PROVIDER))
        before = self._generation(entry)
        try:
            self.write(os.path.join(entry, 'inblob'), bytes(nonce))
        except OSError as e:
            raise CollectError('the kernel refused the nonce: %s'
                               % (e.strerror or e)) from None
        token = self._attribute(entry, 'outblob', MAX_OUTBLOB_BYTES)
        after = self._generation(entry)
        if after != before + 1:
            raise CollectError(
                'someone else wrote to report entry %s while the token was '
                'made (generation %d, expected %d): the token may not be for '
                'this nonce; try again' % (entry, after, before + 1))
        if not token:
            raise CollectError('the kernel returned an empty token')
        if len(token) > MAX_OUTBLOB_BYTES:
            raise CollectError('the kernel returned over %d bytes: not a '
                               'CCA token' % MAX_OUTBLOB_BYTES)
        return token

    def _attribute(self, entry, name, limit=4096):
        path = os.path.join(entry, name)
        try:
            return self.read(path, limit)
        except FileNotFoundError:
            raise CollectError('%s has no %s attribute: %s is not a configfs '
                               'TSM report interface'
                               % (entry, name, self.root)) from None
        except OSError as e:
            raise CollectError('cannot read %s: %s'
                               % (path, e.strerror or e)) from None

    def _generation(self, entry):
        text = self._attribute(entry, 'generation').strip()
        try:
            return int(text)
        except ValueError:
            raise CollectError('%s/generation is not a number: %r'
                               % (entry, text[:40])) from None


def collect(nonce: bytes, root: str = DEFAULT_TSM_ROOT) -> bytes:
    """The CCA token the guest kernel at ``root`` gives for ``nonce``."""
    return TsmReports(root).collect(nonce)
