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

"""nova_cca.audit: the realm promise checked on gathered states."""

from nova_cca import audit

REALM_XML = ("<domain><uuid>u</uuid><launchSecurity type='cca'/>"
             "</domain>")
PLAIN_XML = '<domain><uuid>u</uuid></domain>'
SEV_XML = "<domain><launchSecurity type='sev'/></domain>"


def host(name='cca-1', cca=True, used=0):
    return audit.HostState(name, cca, used)


def server(name='r', host='cca-1', realm=True, vm_state='active',
           xml=REALM_XML, slots=None):
    if slots is None:
        slots = {host: 1} if realm and host else {}
    return audit.ServerState(name, 'uuid-' + name, host, realm, vm_state,
                             xml, slots)


def problems(hosts, servers):
    return [str(v) for v in audit.check(hosts, servers)]


def test_clean_cloud():
    hosts = [host(used=2), host('cca-2'), host('arm-1', cca=False)]
    servers = [server('r1'), server('r2'),
               server('p1', 'arm-1', realm=False, xml=PLAIN_XML),
               server('shelved', host=None, xml=None, vm_state='shelved')]
    assert problems(hosts, servers) == []
    assert audit.summary([]) == {'clean': True, 'violations': []}


def test_realm_without_launch_security_on_a_plain_host():
    # reproduction 1 of issue 9
    violations = audit.check(
        [host('arm-1', cca=False)],
        [server('r', 'arm-1', xml=PLAIN_XML, slots={})])
    assert [str(v) for v in violations] == [
        'r on arm-1: a realm on a host without Arm CCA',
        'r on arm-1: a realm whose guest has no launchSecurity',
        'r on arm-1: a realm holding 0 realm slots on its host, not 1',
        '(host) on arm-1: realm slots used: 0, realms on the host: 1',
    ]
    assert violations[0].as_dict() == {
        'host': 'arm-1', 'server': 'r',
        'problem': 'a realm on a host without Arm CCA'}


def test_realm_beyond_the_slots():
    # reproduction 2: realm XML without an allocated slot
    assert problems([host(used=1)], [
        server('r1'), server('r2', slots={})]) == [
        'r2 on cca-1: a realm holding 0 realm slots on its host, not 1',
        '(host) on cca-1: realm slots used: 1, realms on the host: 2']


def test_plain_server_holding_a_slot():
    # reproduction 3: a realm rebuilt into a plain server kept its slot
    assert problems([host(used=1)], [
        server('p', realm=False, xml=PLAIN_XML, slots={'cca-1': 1})]) == [
        'p on cca-1: not a realm, but holds 1 realm slot(s)',
        '(host) on cca-1: realm slots used: 1, realms on the host: 0']


def test_plain_server_with_launch_security():
    assert problems([host()], [server('p', realm=False, xml=SEV_XML)]) == [
        "p on cca-1: not a realm, but its guest has launchSecurity "
        "type='sev'"]


def test_slot_elsewhere_and_twice():
    assert problems([host(used=2), host('cca-2', used=1)], [
        server('r', slots={'cca-1': 2, 'cca-2': 1})]) == [
        'r on cca-1: a realm holding 2 realm slots on its host, not 1',
        'r on cca-2: a realm holding 1 realm slot(s) on cca-2, which is '
        'not its host',
        '(host) on cca-1: realm slots used: 2, realms on the host: 1',
        '(host) on cca-2: realm slots used: 1, realms on the host: 0']


def test_realm_without_host_holding_a_slot():
    assert problems([host(used=1)], [
        server('r', host=None, xml=None, vm_state='shelved_offloaded',
               slots={'cca-1': 1})]) == [
        'r on cca-1: a realm without a host holds 1 realm slot(s)',
        '(host) on cca-1: realm slots used: 1, realms on the host: 0']


def test_running_realm_needs_a_guest_but_an_errored_one_not():
    assert problems([host(used=1)], [server(xml=None)]) == [
        'r on cca-1: a running realm without a guest on its host']
    assert problems([host(used=1)], [server(xml=None, vm_state='error')]) \
        == []


def test_other_launch_security_type_on_a_realm():
    assert problems([host(used=1)], [server(xml=SEV_XML)]) == [
        "r on cca-1: a realm whose guest has launchSecurity type='sev'"]


def test_summary_lists_violations():
    violations = audit.check([host(used=1)], [])
    assert audit.summary(violations) == {'clean': False, 'violations': [
        {'host': 'cca-1', 'server': None,
         'problem': 'realm slots used: 1, realms on the host: 0'}]}
