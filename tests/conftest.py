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

"""Nova's test harness under pytest.

Nova's in-process environment itself (native threads instead of eventlet,
nova-cca activated, the api-paste path, the SQLAlchemy ``noload()``
warning) is :mod:`nova_cca_simulator.harness`, shared with
``nova-cca simulate`` and the benchmarks; importing it here sets it up
before any test module imports Nova. Two quirks are pytest's alone and
live here:

* ``nova.test.TestCase._clear_attrs`` deletes instance attributes in
  cleanup, including the one pytest's unittest plugin set to the running
  test method; keep ``test*`` attributes. (The simulator and the
  benchmarks run their cases with ``harness.run_case``, which never needs
  them.)
* ``CellDatabases`` guards cell switching with a writer-preferring
  reader/writer lock. Under many native threads (50 concurrent boots in
  ``test_concurrency``) a reader waiting behind a queued writer while it
  holds SQLite's writer lock deadlocks against another reader. Its write
  sections only swap a reference and hold no other lock, so a
  reader-preferring lock is as correct and cannot deadlock that way. The
  simulator and the benchmarks send one request at a time and keep Nova's
  lock.
"""

import contextlib
import sys

import pytest

# before anything imports Nova
from nova_cca_simulator import harness

harness.start()

from nova import test as nova_test  # noqa: E402

nova_fixture_module = sys.modules['nova.tests.fixtures.nova']


class ReaderPreferringLock:
    """A reader/writer lock whose readers never wait for queued writers."""

    def __init__(self):
        import threading
        self._condition = threading.Condition()
        self._readers = 0
        self._writer = None

    @contextlib.contextmanager
    def read_lock(self):
        import threading
        me = threading.get_ident()
        with self._condition:
            while self._writer not in (None, me):
                self._condition.wait()
            self._readers += 1
        try:
            yield
        finally:
            with self._condition:
                self._readers -= 1
                self._condition.notify_all()

    @contextlib.contextmanager
    def write_lock(self):
        import threading
        with self._condition:
            while self._writer is not None or self._readers:
                self._condition.wait()
            self._writer = threading.get_ident()
        try:
            yield
        finally:
            with self._condition:
                self._writer = None
                self._condition.notify_all()


@pytest.fixture(autouse=True, scope='session')
def _nova_harness():
    original_clear_attrs = nova_test.TestCase._clear_attrs
    original_rw_lock = nova_fixture_module.ReaderWriterLock

    def clear_attrs(self):
        kept = {k: v for k, v in self.__dict__.items()
                if k.startswith('test')}
        original_clear_attrs(self)
        self.__dict__.update(kept)

    nova_test.TestCase._clear_attrs = clear_attrs
    nova_fixture_module.ReaderWriterLock = ReaderPreferringLock
    yield
    nova_fixture_module.ReaderWriterLock = original_rw_lock
    nova_test.TestCase._clear_attrs = original_clear_attrs


@pytest.fixture(scope='session')
def libvirtd():
    """A running libvirtd on qemu:///system (started here if needed).

    .ci/run and tools/run-tests install libvirt-daemon-system,
    qemu-system-arm and qemu-efi-aarch64.
    """
    import shutil
    import subprocess
    import time

    import libvirt

    for daemon in ('virtlogd', 'libvirtd'):
        if shutil.which(daemon) is None:
            pytest.fail('%s is not installed: run tools/run-tests (it '
                        'installs libvirt-daemon-system)' % daemon)
        if subprocess.run(['pgrep', '-x', daemon],
                          capture_output=True).returncode != 0:
            subprocess.run([daemon, '-d'], check=True)
    libvirt.registerErrorHandler(lambda context, error: None, None)
    deadline = time.monotonic() + 30
    while True:
        try:
            connection = libvirt.open('qemu:///system')
            break
        except libvirt.libvirtError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.2)
    yield connection
    connection.close()
