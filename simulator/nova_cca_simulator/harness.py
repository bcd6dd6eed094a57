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
* :class:`PlacementClientTransport` and :class:`ComputeClientTransport`:
  Nova's in-process API clients as transports of :mod:`nova_cca.rest`,
  whose readers read Placement (``self.placement_view``) and the servers;
* :func:`wait_for_server` and :func:`wait_for_deletion`: wait for a server
  to settle (:func:`nova_cca.rest.wait_for_server`'s meaning) through an
  in-process API client.

Import this module before anything else imports Nova.
"""

import os

# Before anything imports Nova: run its services on native threads.
os.environ.setdefault('OS_NOVA_DISABLE_EVENTLET_PATCHING', '1')

from nova import monkey_patch  # noqa: E402

monkey_patch.patch()

import functools  # noqa: E402
import logging  # noqa: E402
import sysconfig  # noqa: E402
import unittest  # noqa: E402
import urllib.parse  # noqa: E402
import warnings  # noqa: E402

import fixtures  # noqa: E402
from nova.tests.functional.libvirt import base as libvirt_base  # noqa: E402
from sqlalchemy import exc as sqla_exc  # noqa: E402

from nova_cca import glossary  # noqa: E402
from nova_cca import rest  # noqa: E402

#: the wheel installs api-paste.ini under the environment's prefix, while
#: Nova's ConfFixture looks for it below site-packages
API_PASTE_INI = os.path.join(sysconfig.get_path('data'), 'etc', 'nova',
                             'api-paste.ini')

#: the Placement microversion of every read (:mod:`nova_cca.rest`)
PLACEMENT_VERSION = rest.PLACEMENT_MICROVERSION


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
    :data:`nova_cca.glossary.SIMULATED_DRIVER`; start one with
    :class:`~nova_cca_simulator.compute.SimulatedComputeHost`.
    ``self.placement_view`` (a :class:`nova_cca.rest.PlacementReader`)
    reads Placement by provider name.
    """

    microversion = 'latest'

    def _setup_services(self):
        self.flags(api_paste_config=API_PASTE_INI, group='wsgi')
        super()._setup_services()

    def setUp(self):
        super().setUp()
        keep_noload_a_warning()
        self.placement_view = rest.PlacementReader(
            PlacementClientTransport(self.placement))

    def _setup_compute_service(self):
        self.flags(compute_driver=glossary.SIMULATED_DRIVER)


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


class _Response:
    """An APIResponse of Nova's test clients as a requests response."""

    def __init__(self, api_response):
        self.status_code = api_response.status
        self.text = api_response.content
        self._body = api_response.body

    def json(self):
        return self._body


class PlacementClientTransport:
    """Nova's Placement fixture client (``self.placement`` of a case) as a
    :mod:`nova_cca.rest` transport.
    """

    def __init__(self, placement):
        self.placement = placement

    def get(self, path, microversion=None):
        return _Response(self.placement.get(path, version=microversion))


class ComputeClientTransport:
    """Nova's compute API test client (``self.api``, ``self.admin_api``)
    as a :mod:`nova_cca.rest` transport, at the client's microversion.
    """

    def __init__(self, api):
        self.api = api

    def get(self, path):
        # no status check: the reader decides what a status means
        return self.api.api_request(path)


def wait_for_server(api, server_id, statuses=None, timeout=60,
                    interval=0.05):
    """:func:`nova_cca.rest.wait_for_server` through Nova's API client.

    :returns: the server document
    :raises nova_cca.rest.SettleTimeout: after ``timeout`` seconds
    """
    reader = rest.ComputeReader(ComputeClientTransport(api))
    return rest.wait_for_server(functools.partial(reader.server, server_id),
                                statuses, timeout, interval)


def wait_for_deletion(api, server_id, timeout=60, interval=0.05):
    """:func:`nova_cca.rest.wait_for_deletion` through Nova's API client.

    :raises nova_cca.rest.SettleTimeout: after ``timeout`` seconds
    """
    reader = rest.ComputeReader(ComputeClientTransport(api))
    rest.wait_for_deletion(functools.partial(reader.server, server_id),
                           timeout, interval)
