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

"""Reading Nova's compute API and Placement over REST, for every tool.

One reader of each, with one meaning, used by the simulated cloud, the
functional tests, the deployment check and the benchmarks (and a live
cloud's audit):

* :class:`PlacementReader`: providers (with parent and root), their
  inventories, usages and traits, and a consumer's allocations, by
  provider name;
* :class:`ComputeReader`: servers and flavors, following the API's
  ``next`` links;
* :func:`wait_for_server` and :func:`wait_for_deletion`: wait until Nova
  has finished with a server, or until it is gone.

A reader takes a *transport*: any object whose ``get(path, **kw)``
returns a response with ``status_code`` and ``json()``, such as a
keystoneauth ``Adapter`` made with ``raise_exc=False`` for the service, a
wrapper of a ``requests`` session that sets the headers, or an adapter of
Nova's in-process test clients. The Placement reader passes
``microversion=`` to ``get``; the compute reader passes nothing (its
transport sets the compute microversion). Nothing here imports Nova.
"""

import time
from typing import Any, Callable, Iterable, Protocol
import urllib.parse

#: Placement microversion of every read (1.14: parents and roots; 1.36:
#: what Nova 34's scheduler uses)
PLACEMENT_MICROVERSION = '1.36'

#: server statuses of a server Nova is still working on, with or without a
#: task state
BUSY_STATUSES = frozenset(('BUILD', 'REBUILD', 'RESIZE', 'MIGRATING',
                           'REBOOT', 'HARD_REBOOT', 'REVERT_RESIZE',
                           'PASSWORD'))
TASK_STATE = 'OS-EXT-STS:task_state'


class Response(Protocol):
    status_code: int

    def json(self) -> Any:
        ...


class Transport(Protocol):
    def get(self, path: str, **kwargs: Any) -> Response:
        ...


class RestError(Exception):
    """A read answered with an unexpected status."""

    def __init__(self, path: str, status: int, detail: str = ''):
        self.path = path
        self.status = status
        super().__init__('GET %s: %s%s' % (path, status,
                                          ' %s' % detail if detail else ''))


class NotFound(RestError):
    """A read answered 404."""


class SettleTimeout(Exception):
    """A server did not settle in time; the message says where it was."""


def _detail(response: Any) -> str:
    text = getattr(response, 'text', '')
    return text[:200] if isinstance(text, str) else ''


def _body(response: Any, path: str) -> Any:
    status = response.status_code
    if status == 404:
        raise NotFound(path, status, _detail(response))
    if status != 200:
        raise RestError(path, status, _detail(response))
    return response.json()


class PlacementReader:
    """Placement read by provider name (microversion 1.36).

    :param transport: see the module docstring; its ``get`` is called with
        ``microversion=``
    """

    def __init__(self, transport: Transport,
                 microversion: str = PLACEMENT_MICROVERSION):
        self.transport = transport
        self.microversion = microversion

    def _get(self, path: str) -> Any:
        return _body(self.transport.get(path, microversion=self.microversion),
                     path)

    def provider_list(self) -> list[dict]:
        """Placement's records of every provider (``GET
        /resource_providers``): uuid, name, generation, parent and root
        provider uuids.
        """
        return self._get('/resource_providers')['resource_providers']

    def provider_uuid(self, name: str) -> str | None:
        """UUID of the provider called ``name``, or None."""
        found = self._get('/resource_providers?name=%s' % urllib.parse.quote(
            name, safe=''))['resource_providers']
        return found[0]['uuid'] if found else None

    def provider_name(self, rp_uuid: str) -> str:
        """Name of the provider ``rp_uuid``; NotFound if there is none."""
        return self._get('/resource_providers/%s' % rp_uuid)['name']

    def inventories(self, rp_uuid: str) -> dict:
        """Placement's full inventory records, by resource class."""
        return self._get('/resource_providers/%s/inventories'
                         % rp_uuid)['inventories']

    def usages(self, rp_uuid: str) -> dict:
        """``{resource class: used}`` of the provider."""
        return self._get('/resource_providers/%s/usages'
                         % rp_uuid)['usages']

    def traits(self, rp_uuid: str) -> list[str]:
        """The provider's traits, sorted."""
        return sorted(self._get('/resource_providers/%s/traits'
                                % rp_uuid)['traits'])

    def _record(self, rp_uuid: str) -> dict:
        return {'uuid': rp_uuid,
                'inventories': self.inventories(rp_uuid),
                'traits': self.traits(rp_uuid),
                'usages': self.usages(rp_uuid)}

    def provider(self, name: str) -> dict | None:
        """``{uuid, inventories, traits, usages}`` of a provider, or None.

        ``inventories`` holds Placement's full records by resource class,
        ``traits`` is sorted, ``usages`` is ``{resource class: used}``.
        """
        rp_uuid = self.provider_uuid(name)
        return None if rp_uuid is None else self._record(rp_uuid)

    def providers(self) -> list[dict]:
        """Every provider, sorted by name: :meth:`provider`'s record plus
        ``name``, ``generation``, ``parent`` and ``root`` (provider names;
        ``parent`` None for a root).
        """
        found = self.provider_list()
        names = {p['uuid']: p['name'] for p in found}
        out = []
        for p in sorted(found, key=lambda p: p['name']):
            record = {'name': p['name'], 'generation': p['generation'],
                      'parent': names.get(p['parent_provider_uuid']),
                      'root': names.get(p['root_provider_uuid'])}
            record.update(self._record(p['uuid']))
            out.append(record)
        return out

    def allocations_by_uuid(self, consumer: str) -> dict:
        """``{provider uuid: {resource class: amount}}`` of a consumer
        (``{}`` when it holds nothing).
        """
        allocations = self._get('/allocations/%s' % consumer)['allocations']
        return {rp: a['resources'] for rp, a in allocations.items()}

    def allocations(self, consumer: str) -> dict:
        """``{provider name: {resource class: amount}}`` of a consumer."""
        return {self.provider_name(rp): resources for rp, resources in
                self.allocations_by_uuid(consumer).items()}


class ComputeReader:
    """Nova's compute API, read.

    :param transport: see the module docstring; it sets the compute
        microversion and identity, and takes paths below the API root
        (``/servers/detail``)
    """

    def __init__(self, transport: Transport):
        self.transport = transport

    def _get(self, path: str) -> Any:
        return _body(self.transport.get(path), path)

    def _pages(self, path: str, key: str) -> Iterable[dict]:
        """Every item of a paginated list, following ``<key>_links``.

        The ``next`` link's query (its marker, limit and filters) is asked
        of ``path`` again, so the transport's endpoint is kept whatever
        host name the API writes into its links.
        """
        base = path.partition('?')[0]
        seen = set()
        while True:
            body = self._get(path)
            yield from body[key]
            following = [link['href'] for link in body.get(key + '_links', ())
                         if link.get('rel') == 'next']
            if not following or not body[key]:
                return
            query = urllib.parse.urlsplit(following[0]).query
            if query in seen:
                raise RestError(path, 200, 'the next link repeats itself')
            seen.add(query)
            path = base + '?' + query

    @staticmethod
    def _query(params: dict) -> str:
        params = {k: v for k, v in params.items() if v is not None}
        return '?' + urllib.parse.urlencode(params) if params else ''

    def server(self, server_id: str) -> dict:
        """The server document; :class:`NotFound` when it is gone."""
        return self._get('/servers/%s' % server_id)['server']

    def servers(self, detail: bool = True, all_tenants: bool = False,
                limit: int | None = None, **filters: Any) -> list[dict]:
        """Every server (every page), with the given filters."""
        params = dict(filters, limit=limit)
        if all_tenants:
            params['all_tenants'] = 1
        path = ('/servers/detail' if detail else '/servers') + \
            self._query(params)
        return list(self._pages(path, 'servers'))

    def flavors(self, detail: bool = True,
                limit: int | None = None) -> list[dict]:
        """Every flavor (every page)."""
        path = ('/flavors/detail' if detail else '/flavors') + \
            self._query({'limit': limit})
        return list(self._pages(path, 'flavors'))

    def flavor(self, flavor_id: str) -> dict:
        """The flavor document; :class:`NotFound` when there is none."""
        return self._get('/flavors/%s' % flavor_id)['flavor']


def settled(server: dict, statuses: Iterable[str] | None = None) -> bool:
    """Whether Nova has finished with ``server`` (a server document).

    Settled: no task state and a status that is not busy
    (:data:`BUSY_STATUSES`); with ``statuses``, also one of them.
    """
    if server.get(TASK_STATE) or server['status'] in BUSY_STATUSES:
        return False
    return statuses is None or server['status'] in statuses


def wait_for_server(get_server: Callable[[], dict],
                    statuses: Iterable[str] | None = None,
                    timeout: float = 60, interval: float = 0.5, *,
                    clock: Callable[[], float] = time.monotonic,
                    sleep: Callable[[float], Any] = time.sleep) -> dict:
    """Poll ``get_server()`` until the server has settled (:func:`settled`).

    A server that settles in a status outside ``statuses`` is polled on
    (``VERIFY_RESIZE`` becomes ``ACTIVE`` after a confirmation, with no
    task state in between): ask for every status you accept, ``ERROR``
    included, to be answered at once.

    :param get_server: returns the server document, e.g.
        ``functools.partial(ComputeReader.server, reader, server_id)``
    :returns: the server document
    :raises SettleTimeout: after ``timeout`` seconds, naming the server's
        last status and task state
    """
    statuses = tuple(statuses) if statuses is not None else None
    deadline = clock() + timeout
    while True:
        server = get_server()
        if settled(server, statuses):
            return server
        if clock() > deadline:
            raise SettleTimeout(
                'timed out after %ds waiting for server %s to reach %s '
                '(status %s, task %s)' % (
                    timeout, server.get('id'),
                    ' or '.join(statuses) if statuses else 'a settled state',
                    server['status'], server.get(TASK_STATE)))
        sleep(interval)


def wait_for_deletion(get_server: Callable[[], dict], timeout: float = 60,
                      interval: float = 0.5, *,
                      clock: Callable[[], float] = time.monotonic,
                      sleep: Callable[[float], Any] = time.sleep) -> None:
    """Poll ``get_server()`` until it raises :class:`NotFound`.

    :raises SettleTimeout: after ``timeout`` seconds, naming the server's
        last status
    """
    deadline = clock() + timeout
    while True:
        try:
            server = get_server()
        except NotFound:
            return
        if clock() > deadline:
            raise SettleTimeout(
                'timed out after %ds waiting for server %s to be deleted '
                '(status %s, task %s)' % (
                    timeout, server.get('id'), server.get('status'),
                    server.get(TASK_STATE)))
        sleep(interval)
