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

"""``nova-cca simulate`` from outside, as a newcomer and acceptance tests
run it: the default scenario, a scenario file, the JSON contract, errors.
"""

import json
import os
import pathlib
import subprocess
import sys

import pytest

SCENARIOS = pathlib.Path(__file__).parent / 'scenarios'
STEP_KEYS = {'index', 'kind', 'server', 'do', 'outcome', 'http_status',
             'message', 'status', 'host', 'allocations', 'domain_xml'}


def nova_cca(*args, timeout=300):
    env = dict(os.environ)
    env.pop('OS_NOVA_DISABLE_EVENTLET_PATCHING', None)
    return subprocess.run(
        [sys.executable, '-m', 'nova_cca.cmd.main', *args],
        capture_output=True, text=True, timeout=timeout, env=env)


@pytest.fixture(scope='module')
def default_text():
    return nova_cca('simulate')


@pytest.fixture(scope='module')
def default_json():
    run = nova_cca('simulate', '--json')
    assert run.returncode == 0, run.stderr
    return json.loads(run.stdout)


@pytest.fixture(scope='module')
def full_json():
    run = nova_cca('simulate', str(SCENARIOS / 'full.yaml'), '--json')
    assert run.returncode == 0, run.stderr
    return json.loads(run.stdout)


def test_default_report_tells_the_whole_story(default_text):
    assert default_text.returncode == 0, default_text.stderr
    out = default_text.stdout
    assert "<launchSecurity type=\"cca\"" in out
    assert 'REJECTED (HTTP 400)' in out and 'hw_firmware_type=bios' in out
    assert 'REJECTED (HTTP 409)' in out and 'Arm CCA realm' in out
    assert 'MEM_ENCRYPTION_CONTEXT   total 2147483647' in out
    assert 'CUSTOM_HW_CPU_AARCH64_CCA' in out
    assert 'Integrity audit (after the last step)\n  clean: ' in out
    # progress while it works
    assert '] step 0: boot realm-1' in default_text.stderr


def test_default_json_contract(default_json):
    assert set(default_json) == {'hosts', 'providers', 'steps', 'audit'}
    assert default_json['audit'] == {'clean': True, 'violations': []}
    hosts = {h['name']: h for h in default_json['hosts']}
    assert hosts['cca-1']['cca'] == {
        'supported': True, 'measurement_algos': ['sha256', 'sha512']}
    assert hosts['cca-2']['cca']['measurement_algos'] == ['sha256']
    assert hosts['arm-1'] == {'name': 'arm-1', 'arch': 'aarch64',
                              'cca': {'supported': False,
                                      'measurement_algos': []}}
    providers = {p['name']: p for p in default_json['providers']}
    # default layout: realm slots and traits on the compute node provider
    assert set(providers) == {'cca-1', 'cca-2', 'arm-1'}
    assert providers['cca-2']['parent'] is None
    assert providers['cca-2']['inventories']['MEM_ENCRYPTION_CONTEXT'] == 4
    assert providers['cca-1']['inventories'][
        'MEM_ENCRYPTION_CONTEXT'] == 2147483647
    assert 'CUSTOM_HW_CPU_AARCH64_CCA_MEASUREMENT_SHA512' in \
        providers['cca-1']['traits']
    assert 'MEM_ENCRYPTION_CONTEXT' not in providers['arm-1']['inventories']
    assert 'CUSTOM_HW_CPU_AARCH64_CCA' not in providers['arm-1']['traits']
    assert all(set(p) == {'name', 'parent', 'inventories', 'traits',
                          'usages'} for p in default_json['providers'])
    # everything deleted at the end: no usage anywhere
    assert all(not any(p['usages'].values())
               for p in default_json['providers'])
    steps = default_json['steps']
    assert all(set(s) == STEP_KEYS for s in steps)
    realm, plain, bad, suspend, migrate = steps[:5]
    assert (realm['kind'], realm['outcome'], realm['host']) == (
        'boot', 'active', 'cca-1')
    assert realm['allocations'] == {'cca-1': {
        'VCPU': 1, 'MEMORY_MB': 512, 'DISK_GB': 1,
        'MEM_ENCRYPTION_CONTEXT': 1}}
    assert "<launchSecurity type=\"cca\"" in realm['domain_xml']
    assert plain['outcome'] == 'active'
    assert '<launchSecurity' not in plain['domain_xml']
    assert (bad['outcome'], bad['http_status']) == ('rejected', 400)
    assert 'hw_firmware_type=bios' in bad['message']
    assert (suspend['do'], suspend['outcome'], suspend['http_status']) == (
        'suspend', 'rejected', 409)
    assert (migrate['do'], migrate['outcome'], migrate['host']) == (
        'migrate', 'done', 'cca-2')
    assert '<measurement-algo>sha256</measurement-algo>' in \
        migrate['domain_xml']
    assert [s['outcome'] for s in steps[6:]] == ['done'] * 3


def test_full_scenario(full_json):
    steps = full_json['steps']
    by = {(s['server'], s['do']): s for s in steps}
    assert [s['outcome'] for s in steps[:4]] == [
        'active', 'active', 'error', 'active']
    assert 'No valid host' in steps[2]['message']     # max_guests: 2
    assert steps[2]['allocations'] == {}
    assert steps[3]['host'] == 'x86-1'
    assert '<launchSecurity' not in steps[3]['domain_xml']
    assert by[('r1', 'live-migrate')]['http_status'] == 409
    assert by[('r1', 'suspend')]['http_status'] == 409
    assert by[('x1', 'suspend')]['outcome'] == 'done'
    for action in ('stop', 'start', 'reboot', 'rebuild', 'resize'):
        assert by[('r1', action)]['outcome'] == 'done', by[('r1', action)]
    resized = by[('r1', 'resize')]
    assert resized['host'] == 'cca-b'     # a resize moves to another host
    assert resized['allocations'] == {'cca-b': {
        'VCPU': 2, 'MEMORY_MB': 1024, 'DISK_GB': 1,
        'MEM_ENCRYPTION_CONTEXT': 1}}
    assert "<launchSecurity type=\"cca\"" in resized['domain_xml']
    assert by[('r2', 'shelve')]['allocations'] == {}
    assert by[('r2', 'unshelve')]['outcome'] == 'done'
    migrated = by[('r2', 'migrate')]
    assert (migrated['outcome'], migrated['host']) == ('done', 'cca-b')
    providers = {p['name']: p for p in full_json['providers']}
    assert {rc: providers['cca-b']['inventories'][rc] for rc in (
        'DISK_GB', 'MEMORY_MB', 'VCPU')} == {
        'DISK_GB': 50, 'MEMORY_MB': 8192, 'VCPU': 4}
    # cca-a keeps Nova's child layout (per-host provider_layout)
    assert providers['cca-a_arm_cca']['parent'] == 'cca-a'
    assert providers['cca-a_arm_cca']['inventories'] == {
        'MEM_ENCRYPTION_CONTEXT': 2}
    assert set(providers['cca-a_arm_cca']['traits']) == {
        'CUSTOM_HW_CPU_AARCH64_CCA', 'OWNER_NOVA'}
    assert providers['cca-b']['inventories']['MEM_ENCRYPTION_CONTEXT'] == \
        2147483647
    hosts = {h['name']: h for h in full_json['hosts']}
    assert hosts['x86-1']['cca']['supported'] is False
    assert full_json['audit'] == {'clean': True, 'violations': []}


def test_flavor_refused_by_the_api_ends_the_run():
    run = nova_cca('simulate', str(SCENARIOS / 'bad-flavor.yaml'))
    assert run.returncode != 0
    assert 'realm.bad' in run.stderr and 'arm-xyz' in run.stderr
    assert run.stdout == ''


@pytest.mark.parametrize('document, place', [
    ('hosts: [{name: a, cpus: 2}]\nsteps: []', "hosts[0]: unknown key 'cpus'"),
    ('hosts: [{arch: aarch64}]\nsteps: []', "hosts[0]: missing 'name'"),
    ('hosts: [{name: a}]\nsteps: [{boot: {name: s, flavor: nope, '
     'image: i}}]\nimages: [{name: i}]',
     "steps[0].boot.flavor: unknown flavor 'nope'"),
    ('hosts: [{name: a}]\nsteps: [{action: {server: s, do: suspend}}]',
     "steps[0].action.server: no earlier boot of 's'"),
])
def test_malformed_scenario_names_the_place(tmp_path, document, place):
    path = tmp_path / 'scenario.yaml'
    path.write_text(document)
    run = nova_cca('simulate', str(path))
    assert run.returncode == 2
    assert place in run.stderr
    assert 'starting' not in run.stderr   # nothing started


@pytest.fixture(scope='module')
def semantics():
    run = nova_cca('simulate', str(SCENARIOS / 'real-semantics.yaml'),
                   '--json')
    assert run.returncode == 0, run.stderr
    return json.loads(run.stdout)['steps']


def test_casts_stay_casts(semantics):
    (p1, p1_live, r1, r1_live, r2, r1_migrate, r2_shelve, r3, r2_unshelve,
     odd, p1_delete, p2, down, evacuate, up) = semantics
    # a plain server live-migrates; a realm is refused by the API
    assert (p1_live['outcome'], p1_live['http_status'], p1_live['host'],
            p1_live['status']) == ('done', 202, 'arm-2', 'ACTIVE')
    assert (r1_live['outcome'], r1_live['http_status']) == ('rejected', 409)
    # no free CCA host: accepted, then No valid host (never an HTTP 500)
    assert (r1_migrate['outcome'], r1_migrate['http_status'],
            r1_migrate['status'], r1_migrate['host']) == (
        'error', 202, 'ACTIVE', 'cca-1')
    assert 'No valid host' in r1_migrate['message']
    # unshelve without a free realm slot: No valid host, no timeout
    assert (r2_unshelve['outcome'], r2_unshelve['status']) == (
        'error', 'SHELVED_OFFLOADED')
    assert 'No valid host' in r2_unshelve['message']
    assert 'timed out' not in r2_unshelve['message']
    # a boot that fails on the compute names the compute's cause
    assert (odd['outcome'], odd['http_status'], odd['status']) == (
        'error', 202, 'ERROR')
    assert 'virt-99.9' in odd['message'] and 'machine type' in \
        odd['message']
    assert '\n' not in odd['message']
    # evacuation of a plain server from a host that is down
    assert [s['outcome'] for s in (down, evacuate, up)] == ['done'] * 3
    assert (evacuate['host'], evacuate['status']) == ('arm-2', 'SHUTOFF')
    assert (down['kind'], down['do'], down['host']) == (
        'host', 'host-down', 'arm-1')
