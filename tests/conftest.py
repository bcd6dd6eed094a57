"""Nova's test harness under pytest: every quirk in this one place.

* Nova's functional services run without eventlet (as Nova's tox does).
* nova-cca is activated once, before any Nova service starts.
* ``ConfFixture`` points ``[wsgi] api_paste_config`` below site-packages;
  the wheel installs api-paste.ini under the environment's prefix.
* ``nova.test.TestCase._clear_attrs`` deletes instance attributes in
  cleanup, including the one pytest's unittest plugin set to the running
  test method; keep ``test*`` attributes.
* ``CellDatabases`` guards cell switching with a writer-preferring
  reader/writer lock. Under many native threads (50 concurrent boots) a
  reader waiting behind a queued writer while it holds SQLite's writer lock
  deadlocks against another reader. Its write sections only swap a
  reference and hold no other lock, so a reader-preferring lock is as
  correct and cannot deadlock that way.
* Nova's ``WarningsFixture`` turns SQLAlchemy deprecations into errors;
  SQLAlchemy 2.1 deprecates ``noload()``, which Nova 34 still uses when an
  instance is buried in cell0. That one warning stays a warning.
"""

import contextlib
import os
import sys
import sysconfig
import warnings

os.environ.setdefault('OS_NOVA_DISABLE_EVENTLET_PATCHING', '1')

from nova import monkey_patch  # noqa: E402

monkey_patch.patch()  # before anything imports eventlet

import pytest  # noqa: E402

import nova_cca  # noqa: E402

nova_cca.activate()

from nova import test as nova_test  # noqa: E402
from nova.tests.fixtures import conf as nova_conf_fixture  # noqa: E402
from nova.tests import fixtures as nova_fixtures  # noqa: E402
from sqlalchemy import exc as sqla_exc  # noqa: E402

nova_fixture_module = sys.modules['nova.tests.fixtures.nova']

API_PASTE_INI = os.path.join(sysconfig.get_path('data'), 'etc', 'nova',
                             'api-paste.ini')


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
    original_conf_setup = nova_conf_fixture.ConfFixture.setUp
    original_clear_attrs = nova_test.TestCase._clear_attrs
    original_warnings_setup = nova_fixtures.WarningsFixture.setUp
    original_rw_lock = nova_fixture_module.ReaderWriterLock

    def conf_setup(self):
        original_conf_setup(self)
        self.conf.set_default('api_paste_config', API_PASTE_INI,
                              group='wsgi')

    def clear_attrs(self):
        kept = {k: v for k, v in self.__dict__.items()
                if k.startswith('test')}
        original_clear_attrs(self)
        self.__dict__.update(kept)

    def warnings_setup(self):
        original_warnings_setup(self)
        warnings.filterwarnings(
            'ignore', message=r'The noload\(\) option is deprecated',
            category=sqla_exc.SADeprecationWarning)

    nova_conf_fixture.ConfFixture.setUp = conf_setup
    nova_test.TestCase._clear_attrs = clear_attrs
    nova_fixtures.WarningsFixture.setUp = warnings_setup
    nova_fixture_module.ReaderWriterLock = ReaderPreferringLock
    yield
    nova_fixture_module.ReaderWriterLock = original_rw_lock
    nova_fixtures.WarningsFixture.setUp = original_warnings_setup
    nova_conf_fixture.ConfFixture.setUp = original_conf_setup
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
