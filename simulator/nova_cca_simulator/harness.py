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

"""Nova's in-process environment: its plumbing in one place.

The simulated cloud (``nova-cca simulate``), the functional tests and the
benchmarks all run Nova's real API, conductor, scheduler and compute
services in one process on Nova's own functional test environment
(in-memory databases, in-process RPC and Placement, fake Glance/Neutron).
This module holds what they share:

* start-up: importing this module puts Nova in native-thread mode (no
  eventlet, as Nova's tox does); :func:`start` activates nova-cca;
* :class:`InProcessCloud`: Nova's libvirt functional test case with our
  simulated compute driver, the api-paste path of the installed wheel and
  the SQLAlchemy ``noload()`` warning kept a warning;
* :func:`run_case`: run one case and return the exception that ended it;
* :class:`PlacementRequestLog`: what Placement was asked;
* :class:`PlacementView`: providers, inventories, usages, traits and
  allocations by provider name;
* :func:`wait_for_server` and :func:`wait_for_deletion`: wait for a server
  to settle.

Import this module before anything else imports Nova.
"""

import os

# Before anything imports Nova: run its services on native threads.
os.environ.setdefault('OS_NOVA_DISABLE_EVENTLET_PATCHING', '1')

from nova import monkey_patch  # noqa: E402

monkey_patch.patch()

import logging  # noqa: E402
import sysconfig  # noqa: E402
import time  # noqa: E402
import unittest  # noqa: E402
import urllib.parse  # noqa: E402
import warnings  # noqa: E402

import fixtures  # noqa: E402
from nova.tests.functional.api import client as api_client  # noqa: E402
from nova.tests.functional.libvirt import base as libvirt_base  # noqa: E402
from sqlalchemy import exc as sqla_exc  # noqa: E402

from nova_cca_simulator import compute as sim_compute  # noqa: E402

#: the wheel installs api-paste.ini under the environment's prefix, while
#: Nova's ConfFixture looks for it below site-packages
API_PASTE_INI = os.path.join(sysconfig.get_path('data'), 'etc', 'nova',
                             'api-paste.ini')

#: the Placement microversion of the views (parents, 1.14; all reads, 1.36)
PLACEMENT_VERSION = '1.36'

#: server statuses of a server Nova is still working on (with or without a
#: task): a server has settled when it has none of these and no task
BUSY_STATUSES = frozenset(('BUILD', 'REBUILD', 'RESIZE', 'MIGRATING',
                           'REBOOT', 'HARD_REBOOT', 'REVERT_RESIZE',
                           'PASSWORD'))


def start(activate=True):
    """Make this process ready for Nova's in-process services.

    Idempotent. Silences two messages that say nothing about the run
    (eventlet's deprecation notice, and Nova's thread-pool shutdown lines
    logged after a case's log capture has ended) and activates nova-cca.
    """
    warnings.filterwarnings('ignore', message=r'\s*Eventlet is deprecated')
    logging.getLogger('nova.thread_pool_factory').setLevel(logging.WARNING)
    if activate:
        import nova_cca
        nova_cca.activate()


def keep_noload_a_warning():
    """SQLAlchemy 2.1 deprecates ``noload()``, which Nova 34 uses when it
    buries an instance in cell0; Nova's WarningsFixture would turn it into
    an error (and the API into a 500). Call after that fixture's set-up.
    """
    warnings.filterwarnings(
        'ignore', message=r'The noload\(\) option is deprecated',
        category=sqla_exc.SADeprecationWarning)


class InProcessCloud(libvirt_base.ServersTestBase):
    """Nova's libvirt functional environment with simulated hosts.

    Every compute service runs ``compute_driver`` =
    :data:`nova_cca_simulator.compute.DRIVER`; start one with
    :class:`~nova_cca_simulator.compute.SimulatedComputeHost`.
    ``self.placement_view`` reads Placement by provider name.
    """

    microversion = 'latest'

    def _setup_services(self):
        self.flags(api_paste_config=API_PASTE_INI, group='wsgi')
        super()._setup_services()

    def setUp(self):
        super().setUp()
        keep_noload_a_warning()
        self.placement_view = PlacementView(self.placement)

    def _setup_compute_service(self):
        self.flags(compute_driver=sim_compute.DRIVER)


def run_case(case):
    """Run one case of Nova's test framework (a testtools ``TestCase``).

    :returns: the first exception raised in its set-up, test method or
        clean-up, with its traceback (``__traceback__``); a
        :class:`unittest.SkipTest` for a skipped case; None when it passed
    """
    caught = []
    case.addOnException(lambda exc_info: caught.append(exc_info[1]))
    result = unittest.TestResult()
    case.run(result)
    if caught:
        return caught[0]
    problems = result.errors + result.failures
    if problems:
        return RuntimeError(problems[0][1])
    if result.skipped:
        return unittest.SkipTest(result.skipped[0][1])
    return None


class PlacementRequestLog(fixtures.Fixture):
    """What Placement was asked, read from Placement's own request log."""

    def _setUp(self):
        #: [(method, URI)], in order
        self.requests = []
        log = logging.getLogger('placement.requestlog')
        collector = _Collector(self.requests)
        log.addHandler(collector)
        self.addCleanup(log.removeHandler, collector)
        previous = log.level
        log.setLevel(logging.INFO)
        self.addCleanup(log.setLevel, previous)

    def query_strings(self, method, path_end):
        """Query string of every ``method`` request to a path ending in
        ``path_end``, in order.
        """
        return [uri.partition('?')[2] for m, uri in self.requests
                if m == method and uri.partition('?')[0].endswith(path_end)]

    def allocation_candidate_queries(self):
        """Parsed query of every GET /allocation_candidates, in order."""
        return [urllib.parse.parse_qs(query) for query in
                self.query_strings('GET', '/allocation_candidates')]


class _Collector(logging.Handler):

    def __init__(self, sink):
        super().__init__(logging.INFO)
        self.sink = sink

    def emit(self, record):
        args = record.args if isinstance(record.args, dict) else {}
        if 'REQUEST_METHOD' in args:
            self.sink.append((args['REQUEST_METHOD'], args['REQUEST_URI']))


class PlacementView:
    """Placement read by provider name.

    :param placement: the client of Nova's ``PlacementFixture``
        (``self.placement`` of a functional case)
    """

    def __init__(self, placement):
        self.placement = placement

    def _get(self, path):
        return self.placement.get(path, version=PLACEMENT_VERSION).body

    def provider_uuid(self, name):
        """UUID of the provider called ``name``, or None."""
        found = self._get('/resource_providers?name=%s' %
                          urllib.parse.quote(name))['resource_providers']
        return found[0]['uuid'] if found else None

    def provider_name(self, rp_uuid):
        return self._get('/resource_providers/%s' % rp_uuid)['name']

    def _record(self, rp_uuid):
        base = '/resource_providers/%s' % rp_uuid
        return {
            'uuid': rp_uuid,
            'inventories': self._get(base + '/inventories')['inventories'],
            'traits': sorted(self._get(base + '/traits')['traits']),
            'usages': self._get(base + '/usages')['usages'],
        }

    def provider(self, name):
        """``{uuid, inventories, traits, usages}`` of a provider, or None.

        ``inventories`` holds Placement's full records by resource class,
        ``traits`` is sorted, ``usages`` is ``{resource class: used}``.
        """
        rp_uuid = self.provider_uuid(name)
        return None if rp_uuid is None else self._record(rp_uuid)

    def providers(self):
        """Every provider, sorted by name: :meth:`provider`'s record plus
        ``name`` and ``parent`` (the parent's name, or None).
        """
        found = self._get('/resource_providers')['resource_providers']
        names = {p['uuid']: p['name'] for p in found}
        out = []
        for p in sorted(found, key=lambda p: p['name']):
            record = {'name': p['name'],
                      'parent': names.get(p['parent_provider_uuid'])}
            record.update(self._record(p['uuid']))
            out.append(record)
        return out

    def allocations(self, consumer):
        """``{provider name: {resource class: amount}}`` of a consumer."""
        allocations = self._get('/allocations/%s' % consumer)['allocations']
        return {self.provider_name(rp): a['resources']
                for rp, a in allocations.items()}


class SettleTimeout(Exception):
    """A server did not settle in time; the message says where it was."""


def settled(server, statuses=None):
    """Whether Nova has finished with ``server`` (an API server document):
    no task in progress and not in a busy status; with ``statuses``, also
    in one of them.
    """
    if server.get('OS-EXT-STS:task_state') or \
            server['status'] in BUSY_STATUSES:
        return False
    return statuses is None or server['status'] in statuses


def wait_for_server(api, server_id, statuses=None, timeout=60,
                    interval=0.05):
    """Poll ``api`` until the server has settled (see :func:`settled`).

    :returns: the server document
    :raises SettleTimeout: after ``timeout`` seconds
    """
    deadline = time.monotonic() + timeout
    while True:
        server = api.get_server(server_id)
        if settled(server, statuses):
            return server
        if time.monotonic() > deadline:
            raise SettleTimeout(
                'timed out after %ds waiting for server %s to reach %s '
                '(status %s, task %s)' % (
                    timeout, server_id,
                    ' or '.join(statuses) if statuses else 'a settled state',
                    server['status'], server.get('OS-EXT-STS:task_state')))
        time.sleep(interval)


def wait_for_deletion(api, server_id, timeout=60, interval=0.05):
    """Poll ``api`` until the server is gone.

    :raises SettleTimeout: after ``timeout`` seconds
    """
    deadline = time.monotonic() + timeout
    while True:
        try:
            api.get_server(server_id)
        except api_client.OpenStackApiNotFoundException:
            return
        if time.monotonic() > deadline:
            raise SettleTimeout('timed out after %ds waiting for server %s '
                                'to be deleted' % (timeout, server_id))
        time.sleep(interval)
