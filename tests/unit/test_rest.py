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

"""nova_cca.rest against a fake transport."""

import functools
import urllib.parse

import pytest

from nova_cca import rest

ROOT_UUID, CHILD_UUID = 'rp-root', 'rp-child'


class Response:
    def __init__(self, status_code, body=None, text=''):
        self.status_code = status_code
        self._body = body
        self.text = text

    def json(self):
        return self._body


def canonical(path):
    """``path`` with its query parameters in one order."""
    base, _, query = path.partition('?')
    pairs = sorted(urllib.parse.parse_qsl(query))
    return base + ('?' + urllib.parse.urlencode(pairs) if pairs else '')


class Transport:
    """Answers GETs from {path: body or (status, text)}; records them."""

    def __init__(self, answers):
        self.answers = answers
        self.calls = []

    def get(self, path, **kwargs):
        self.calls.append((path, kwargs))
        answers = {canonical(p): a for p, a in self.answers.items()}
        answer = answers.get(canonical(path), (404, 'no such thing'))
        if isinstance(answer, tuple):
            return Response(answer[0], text=answer[1])
        return Response(200, answer)


def placement():
    providers = [
        {'uuid': CHILD_UUID, 'name': 'cn1_arm_cca', 'generation': 3,
         'parent_provider_uuid': ROOT_UUID, 'root_provider_uuid': ROOT_UUID},
        {'uuid': ROOT_UUID, 'name': 'cn1', 'generation': 5,
         'parent_provider_uuid': None, 'root_provider_uuid': ROOT_UUID},
    ]
    answers = {
        '/resource_providers': {'resource_providers': providers},
        '/resource_providers?name=cn1': {
            'resource_providers': [providers[1]]},
        '/resource_providers?name=cn%202': {'resource_providers': []},
        '/allocations/vm1': {'allocations': {
            ROOT_UUID: {'resources': {'VCPU': 1}, 'generation': 5},
            CHILD_UUID: {'resources': {'MEM_ENCRYPTION_CONTEXT': 1}}}},
        '/allocations/gone': {'allocations': {}},
    }
    for rp in providers:
        base = '/resource_providers/%s' % rp['uuid']
        answers[base] = rp
        answers[base + '/inventories'] = {'inventories': {
            'VCPU' if rp['uuid'] == ROOT_UUID else 'MEM_ENCRYPTION_CONTEXT':
            {'total': 4}}}
        answers[base + '/usages'] = {'usages': {'VCPU': 1}}
        answers[base + '/traits'] = {'traits': ['Z_TRAIT', 'A_TRAIT']}
    return Transport(answers)


def test_providers_by_name_with_parent_and_root():
    transport = placement()
    reader = rest.PlacementReader(transport)
    records = reader.providers()
    assert [r['name'] for r in records] == ['cn1', 'cn1_arm_cca']
    root, child = records
    assert (root['parent'], root['root']) == (None, 'cn1')
    assert (child['parent'], child['root']) == ('cn1', 'cn1')
    assert child['generation'] == 3
    assert child['inventories'] == {'MEM_ENCRYPTION_CONTEXT': {'total': 4}}
    assert child['traits'] == ['A_TRAIT', 'Z_TRAIT']
    assert child['usages'] == {'VCPU': 1}
    # every read at the one microversion
    assert {kw['microversion'] for _, kw in transport.calls} == {'1.36'}


def test_provider_by_name():
    reader = rest.PlacementReader(placement())
    assert reader.provider_uuid('cn1') == ROOT_UUID
    assert reader.provider('cn1')['inventories'] == {'VCPU': {'total': 4}}
    # the name is quoted, an unknown name is None
    assert reader.provider_uuid('cn 2') is None
    assert reader.provider('cn 2') is None


def test_allocations_by_uuid_and_by_name():
    reader = rest.PlacementReader(placement())
    assert reader.allocations_by_uuid('vm1') == {
        ROOT_UUID: {'VCPU': 1}, CHILD_UUID: {'MEM_ENCRYPTION_CONTEXT': 1}}
    assert reader.allocations('vm1') == {
        'cn1': {'VCPU': 1}, 'cn1_arm_cca': {'MEM_ENCRYPTION_CONTEXT': 1}}
    assert reader.allocations('gone') == {}


def test_placement_error_statuses():
    transport = placement()
    transport.answers['/resource_providers/broken/usages'] = (
        503, 'Service Unavailable')
    reader = rest.PlacementReader(transport)
    with pytest.raises(rest.NotFound) as raised:
        reader.provider_name('nowhere')
    assert raised.value.status == 404
    assert raised.value.path == '/resource_providers/nowhere'
    with pytest.raises(rest.RestError, match='503 Service Unavailable') as e:
        reader.usages('broken')
    assert not isinstance(e.value, rest.NotFound)


def test_other_microversion():
    transport = placement()
    rest.PlacementReader(transport, microversion='1.39').traits(ROOT_UUID)
    assert transport.calls[-1][1] == {'microversion': '1.39'}


def server_pages(count, limit):
    """Nova's /servers/detail answers for ``count`` servers, paged."""
    servers = [{'id': 'vm%02d' % i, 'name': 'vm%02d' % i}
               for i in range(count)]
    answers = {}
    marker = None
    start = 0
    while True:
        page = servers[start:start + limit]
        query = {'all_tenants': 1, 'limit': limit}
        if marker:
            query['marker'] = marker
        body = {'servers': page}
        if len(page) == limit:
            # Nova writes absolute links with its own host name
            body['servers_links'] = [{'rel': 'next', 'href':
                                      'http://nova.example:8774/v2.1/'
                                      'servers/detail?%s' %
                                      urllib.parse.urlencode(
                                          {'all_tenants': 1, 'limit': limit,
                                           'marker': page[-1]['id']})}]
        answers['/servers/detail?' + urllib.parse.urlencode(query)] = body
        if len(page) < limit:
            return servers, answers
        marker = page[-1]['id']
        start += limit


def test_servers_follow_next_links():
    servers, answers = server_pages(7, 3)
    transport = Transport(answers)
    reader = rest.ComputeReader(transport)
    assert reader.servers(all_tenants=True, limit=3) == servers
    # three full pages would need a fourth, empty one: 7 = 3 + 3 + 1
    assert len(transport.calls) == 3
    assert all(path.startswith('/servers/detail?')
               for path, _ in transport.calls)


def test_servers_exact_pages_end_on_an_empty_page():
    servers, answers = server_pages(6, 3)
    transport = Transport(answers)
    assert rest.ComputeReader(transport).servers(
        all_tenants=True, limit=3) == servers
    assert len(transport.calls) == 3


def test_a_next_link_that_repeats_is_an_error():
    link = {'rel': 'next', 'href': 'http://x/v2.1/flavors?marker=f1'}
    transport = Transport({
        '/flavors/detail': {'flavors': [{'id': 'f1'}],
                            'flavors_links': [link]},
        '/flavors/detail?marker=f1': {'flavors': [{'id': 'f1'}],
                                      'flavors_links': [link]}})
    with pytest.raises(rest.RestError, match='repeats'):
        rest.ComputeReader(transport).flavors()


def test_server_and_flavor():
    transport = Transport({'/servers/vm1': {'server': {'id': 'vm1'}},
                           '/flavors/f1': {'flavor': {'id': 'f1'}},
                           '/servers/bad': (500, 'boom')})
    reader = rest.ComputeReader(transport)
    assert reader.server('vm1') == {'id': 'vm1'}
    assert reader.flavor('f1') == {'id': 'f1'}
    with pytest.raises(rest.NotFound):
        reader.server('vm2')
    with pytest.raises(rest.RestError, match='GET /servers/bad: 500 boom'):
        reader.server('bad')
    # the compute transport sets its microversion itself
    assert all(kw == {} for _, kw in transport.calls)


class Clock:
    def __init__(self):
        self.now = 0.0

    def __call__(self):
        return self.now

    def sleep(self, seconds):
        self.now += seconds


def polled(documents):
    """get_server() answering each document in turn (the last forever);
    an exception in the list is raised.
    """
    seen = []

    def get_server():
        document = documents[min(len(seen), len(documents) - 1)]
        seen.append(document)
        if isinstance(document, Exception):
            raise document
        return document
    return get_server, seen


def server(status, task=None):
    return {'id': 'vm1', 'status': status, 'OS-EXT-STS:task_state': task}


def wait(get_server, *args, **kwargs):
    clock = Clock()
    return rest.wait_for_server(get_server, *args, clock=clock,
                                sleep=clock.sleep, **kwargs)


def test_settled_means_no_task_and_not_busy():
    assert rest.settled(server('ACTIVE'))
    assert rest.settled(server('ERROR'))
    assert rest.settled(server('VERIFY_RESIZE'))
    assert not rest.settled(server('ACTIVE', 'rebooting'))
    assert not rest.settled(server('BUILD'))
    assert not rest.settled(server('RESIZE'))
    assert rest.settled(server('SHUTOFF'), ('ACTIVE', 'SHUTOFF'))
    assert not rest.settled(server('SHUTOFF'), ('ACTIVE',))


def test_wait_returns_the_settled_server():
    get_server, seen = polled([server('BUILD', 'scheduling'),
                               server('BUILD', 'spawning'),
                               server('ACTIVE', 'powering-off'),
                               server('SHUTOFF')])
    assert wait(get_server)['status'] == 'SHUTOFF'
    assert len(seen) == 4


def test_wait_for_a_status_polls_past_other_settled_ones():
    # a confirmed resize: VERIFY_RESIZE with no task, then ACTIVE
    get_server, seen = polled([server('VERIFY_RESIZE'),
                               server('VERIFY_RESIZE'), server('ACTIVE')])
    assert wait(get_server, ('ACTIVE', 'ERROR'))['status'] == 'ACTIVE'
    assert len(seen) == 3


def test_wait_times_out_naming_status_and_task():
    get_server, seen = polled([server('RESIZE', 'resize_migrating')])
    with pytest.raises(rest.SettleTimeout) as raised:
        wait(get_server, ('VERIFY_RESIZE',), timeout=10, interval=1)
    message = str(raised.value)
    assert 'server vm1 to reach VERIFY_RESIZE' in message
    assert '(status RESIZE, task resize_migrating)' in message
    assert 10 <= len(seen) <= 12


def test_wait_does_not_swallow_errors():
    get_server, _ = polled([rest.RestError('/servers/vm1', 500)])
    with pytest.raises(rest.RestError):
        wait(get_server)


def test_wait_for_deletion():
    get_server, seen = polled([server('ACTIVE', 'deleting'),
                               server('ACTIVE', 'deleting'),
                               rest.NotFound('/servers/vm1', 404)])
    clock = Clock()
    assert rest.wait_for_deletion(get_server, clock=clock,
                                  sleep=clock.sleep) is None
    assert len(seen) == 3


def test_wait_for_deletion_times_out():
    get_server, _ = polled([server('ACTIVE', 'deleting')])
    clock = Clock()
    with pytest.raises(rest.SettleTimeout, match='vm1 to be deleted'):
        rest.wait_for_deletion(get_server, timeout=5, interval=1,
                               clock=clock, sleep=clock.sleep)


def test_wait_with_a_reader():
    transport = Transport({'/servers/vm1': {'server': server('ACTIVE')}})
    reader = rest.ComputeReader(transport)
    assert wait(functools.partial(reader.server, 'vm1'))['id'] == 'vm1'
