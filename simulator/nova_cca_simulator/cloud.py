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

"""A simulated CCA cloud in one process, running a scenario.

Nova's real API, conductor, scheduler and one compute service per host,
with real Placement, all activated, assembled by Nova's own functional test
environment (in-memory databases, in-process RPC and Placement, fake
Glance/Neutron, fake libvirt). The scenario runs as one case of that
environment; :func:`run` returns the report.
"""

import time
import traceback

import nova.conf
from nova.tests.functional.api import client as api_client

from nova_cca import glossary
from nova_cca import rest
from nova_cca_simulator import compute as sim_compute
from nova_cca_simulator import harness
from nova_cca_simulator import report as sim_report
from nova_cca_simulator import scenario as sim_scenario

#: seconds a step may take before the report calls it timed out
STEP_TIMEOUT = 60
#: the statuses a migration (live, cold, evacuation) ends or pauses in
MIGRATION_ENDS = frozenset(('not started', 'finished', 'confirmed',
                            'completed', 'done', 'error', 'failed',
                            'cancelled', 'reverted'))


class ScenarioAborted(Exception):
    """The API refused a flavor or image of the scenario."""


class SimulatedCloud(harness.InProcessCloud):
    """One run of a scenario, as a case of Nova's functional environment."""

    ADMIN_API = False
    #: RPC casts stay casts, as in a real cloud: the API answers before
    #: the conductor and the computes have done the work (Nova's
    #: functional tests turn casts into calls)
    CAST_AS_CALL = False

    scenario = None
    progress = staticmethod(lambda message: None)

    def run_scenario(self):
        started = time.monotonic()
        self._hosts = {}
        # nova-scheduler reads nova.conf, not the hosts' own [arm_cca]: as
        # an operator would, it asks as Nova does (required=) once a host
        # keeps the child layout (nova_cca.scheduler.realm_traits)
        if any(h.arm_cca.get('provider_layout') == glossary.CHILD_LAYOUT
               for h in self.scenario.hosts):
            self.flags(scheduler_root_traits=False,
                       group=glossary.CONFIG_GROUP)
        for host in self.scenario.hosts:
            domcaps = host.domcaps_xml()
            self.progress('starting %s compute %s' % (host.arch, host.name))
            conf = sim_compute.HostConf(nova.conf.CONF, host.arm_cca) \
                if host.arm_cca else None
            self._hosts[host.name] = self.useFixture(
                sim_compute.SimulatedComputeHost(
                    self.start_service, host.name, arch=host.arch,
                    domcaps=domcaps, vcpus=host.vcpus,
                    memory_mb=host.memory_mb, disk_gb=host.disk_gb,
                    conf=conf))
        # what each host detected at start-up (a host may end down)
        self._capabilities = {
            name: host.driver._host.realm_capability
            for name, host in self._hosts.items()}
        self._flavors = {f.name: self._create_scenario_flavor(f)
                         for f in self.scenario.flavors}
        self._images = {i.name: self._create_scenario_image(i)
                        for i in self.scenario.images}
        self._servers = {}
        steps = []
        for step in self.scenario.steps:
            self.progress('step %d: %s' % (step.index, _describe(step)))
            steps.append(self._run_step(step))
        self._report = {
            'hosts': [self._host_report(h) for h in self.scenario.hosts],
            'providers': self._providers(),
            'steps': steps,
            'audit': self._audit(),
            'elapsed_s': round(time.monotonic() - started, 2),
        }

    # set-up

    def _create_scenario_flavor(self, flavor):
        try:
            body = self.admin_api.post_flavor({'flavor': {
                'name': flavor.name, 'vcpus': flavor.vcpus,
                'ram': flavor.ram, 'disk': flavor.disk}})
            if flavor.extra_specs:
                self.admin_api.post_extra_spec(
                    body['id'], {'extra_specs': flavor.extra_specs})
        except api_client.OpenStackApiException as e:
            raise ScenarioAborted('flavor %s refused by the API (%d): %s' % (
                flavor.name, e.response.status_code,
                _api_message(e))) from None
        return body['id']

    def _create_scenario_image(self, image):
        # Glance stores image properties as strings.
        props = {k: str(v) if not isinstance(v, str) else v
                 for k, v in image.properties.items()}
        created = self.glance.create(None, {
            'name': image.name, 'status': 'active', 'container_format': 'bare',
            'disk_format': 'qcow2', 'size': 25165824, 'min_ram': 0,
            'min_disk': 0, 'is_public': True, 'properties': props})
        return created['id']

    # steps

    def _run_step(self, step):
        result = {'index': step.index, 'kind': step.kind,
                  'server': step.server, 'do': step.do, 'outcome': None,
                  'http_status': None, 'message': None, 'status': None,
                  'host': None, 'allocations': {}, 'domain_xml': None}
        try:
            if step.kind == 'boot':
                self._boot(step, result)
            elif step.kind == 'host':
                self._host_step(step, result)
            else:
                self._act(step, result)
        except api_client.OpenStackApiException as e:
            result.update(outcome='rejected',
                          http_status=e.response.status_code,
                          message=_api_message(e))
        except rest.SettleTimeout as e:
            result.update(outcome='error', message=str(e))
        if result['message']:
            result['message'] = _one_line(result['message'])
        if step.kind == 'host':
            result['host'] = step.host
        else:
            self._describe_server(step.server, result)
        return result

    def _boot(self, step, result):
        server = {'name': step.server, 'flavorRef': self._flavors[step.flavor],
                  'imageRef': self._images[step.image], 'networks': 'none'}
        api = self.api
        if step.host:  # an admin picks the host (microversion 2.74)
            server['host'] = step.host
            api = self.admin_api
        response = api.api_post('/servers', {'server': server})
        result['http_status'] = response.status
        self._servers[step.server] = response.body['server']['id']
        server = self._settle(response.body['server']['id'])
        self._finish(server, 'ACTIVE', 'active', result)

    def _act(self, step, result):
        server_id = self._servers.get(step.server)
        if server_id is None:
            result.update(outcome='error',
                          message='server %s was never created'
                                  % step.server)
            return
        if step.do == 'delete':
            result['http_status'] = self.api.delete_server(server_id).status
            self._settle_deleted(server_id)
            result['outcome'] = 'done'
            return
        action = sim_scenario.ACTIONS[step.do]
        before = self.admin_api.get_server(server_id)
        expected = action.settles_in or before['status']
        args = dict(action.body) if action.body is not None else None
        if action.needs == 'flavor':
            args['flavorRef'] = self._flavors[step.flavor]
        if action.needs == 'image':
            args['imageRef'] = self._images[step.image]
        if action.targets_host and step.host:
            args = dict(args or {}, host=step.host)
        api = self.admin_api if action.by == 'admin' else self.api
        result['http_status'] = api.api_post(
            '/servers/%s/action' % server_id, {action.request: args}).status
        server = self._settle(server_id)
        if action.targets_host:
            self._settle_migration(server_id)
            server = self._settle(server_id)
        if server['status'] == 'VERIFY_RESIZE':
            # confirming changes no task state: wait for the status
            self.api.post_server_action(server_id, {'confirmResize': None})
            server = self._settle(server_id, ('ACTIVE', 'SHUTOFF', 'ERROR'))
            expected = server['status'] if server['status'] != 'ERROR' \
                else 'ACTIVE'
        self._finish(server, expected, 'done', result)
        host = server.get('OS-EXT-SRV-ATTR:host')
        if result['outcome'] == 'done' and action.targets_host and \
                host == before.get('OS-EXT-SRV-ATTR:host'):
            result['outcome'] = 'error'
            result['message'] = 'the server is still on %s (migration %s)' % (
                host, self._migration_status(server_id))

    def _settle_migration(self, server_id, timeout=STEP_TIMEOUT):
        deadline = time.monotonic() + timeout
        while self._migration_status(server_id) not in MIGRATION_ENDS:
            if time.monotonic() > deadline:
                raise rest.SettleTimeout(
                    'timed out after %ds waiting for the migration of '
                    'server %s (%s)' % (timeout, server_id,
                                        self._migration_status(server_id)))
            time.sleep(0.05)

    def _migration_status(self, server_id):
        migrations = self.admin_api.api_get(
            '/os-migrations?instance_uuid=%s' % server_id).body['migrations']
        return max(migrations, key=lambda m: m['id'])['status'] \
            if migrations else 'not started'

    def _host_step(self, step, result):
        """host-down: the compute service stops and an operator marks it
        forced down (as before an evacuation); host-up: unmarked, and a new
        compute service starts on the host.
        """
        host = self._hosts[step.host]
        (service,) = self.admin_api.get_services(binary='nova-compute',
                                                 host=step.host)
        if step.do == 'host-down':
            host.stop()
        else:
            # a restarted compute finishes the evacuations from its host
            # (their migrations become 'completed'); only then does the
            # API accept the host as up again
            host.start()
        response = self.admin_api.api_put(
            '/os-services/%s' % service['id'],
            {'forced_down': step.do == 'host-down'})
        result['http_status'] = response.status
        result['outcome'] = 'done'

    def _finish(self, server, expected, outcome, result):
        """The outcome of an accepted request: the server settled in the
        expected status and its last instance action had no error.
        """
        result['status'] = server['status']
        errors = self._action_errors(server['id'])
        if server['status'] == expected and not errors:
            result['outcome'] = outcome
            return
        result['outcome'] = 'error'
        fault = (server.get('fault') or {}).get('message')
        parts = ([fault] if fault else []) + [
            e for e in errors if not fault or fault.strip() not in e]
        result['message'] = ' - '.join(parts) if parts else (
            'server ended in %s' % server['status'])

    def _action_errors(self, server_id):
        """The error of each failed event of the server's last instance
        action, oldest first: ``[on HOST: ]details (event)``.
        """
        actions = self.admin_api.get_instance_actions(server_id)
        if not actions:
            return []
        last = max(actions, key=lambda a: a['start_time'])
        events = self.admin_api.get_instance_action_details(
            server_id, last['request_id'])['events']
        errors = []
        for event in sorted(events, key=lambda e: e['start_time']):
            if event.get('result') != 'Error':
                continue
            text = '%s%s (%s)' % (
                'on %s: ' % event['host'] if event.get('host') in
                self._hosts else '', event.get('details') or 'failed',
                event['event'])
            if not any(text.partition(' (')[0] in e for e in errors):
                errors.append(text)
        return errors

    def _settle(self, server_id, statuses=None, timeout=STEP_TIMEOUT):
        return harness.wait_for_server(self.admin_api, server_id, statuses,
                                       timeout)

    def _settle_deleted(self, server_id, timeout=STEP_TIMEOUT):
        harness.wait_for_deletion(self.admin_api, server_id, timeout)

    # reading back

    def _describe_server(self, name, result):
        server_id = self._servers.get(name)
        if server_id is None:
            return
        try:
            server = self.admin_api.get_server(server_id)
        except api_client.OpenStackApiNotFoundException:
            return
        result['status'] = server['status']
        result['host'] = server.get('OS-EXT-SRV-ATTR:host')
        result['allocations'] = self._allocations(server_id)
        if result['host'] in self._hosts:
            result['domain_xml'] = self._hosts[result['host']].guest_xml(
                server_id)

    def _allocations(self, consumer):
        return self.placement_view.allocations(consumer)

    def _providers(self):
        return [{'name': p['name'], 'parent': p['parent'],
                 'inventories': {rc: inv['total'] for rc, inv in
                                 sorted(p['inventories'].items())},
                 'traits': p['traits'],
                 'usages': dict(sorted(p['usages'].items()))}
                for p in self.placement_view.providers()]

    def _audit(self):
        # the realm integrity audit after the last step (nova_cca.audit)
        from nova_cca import audit
        from nova_cca_simulator import inspection
        return audit.summary(inspection.audit(
            self.admin_api, self.placement, self.glance, self._hosts))

    def _host_report(self, host):
        realm = self._capabilities[host.name]
        return {'name': host.name, 'arch': host.arch,
                'cca': {'supported': realm.supported,
                        'measurement_algos': list(realm.measurement_algos)}}


def _api_message(error):
    body = error.response.json() if error.response.text else {}
    for value in body.values():
        if isinstance(value, dict) and 'message' in value:
            return value['message']
    return error.response.text


def _one_line(text, limit=500):
    """A message as one line of at most ``limit`` characters."""
    text = ' '.join(str(text).split())
    return text if len(text) <= limit else text[:limit - 3] + '...'


def _describe(step):
    if step.kind == 'host':
        return '%s %s' % (step.do, step.host)
    if step.kind == 'boot':
        return 'boot %s (%s, %s%s)' % (step.server, step.flavor, step.image,
                                       ', on %s' % step.host if step.host
                                       else '')
    extra = step.flavor or step.image or step.host
    return '%s %s%s' % (step.do, step.server,
                        ' -> %s' % extra if extra else '')


class SimulationFailed(Exception):
    """The simulated cloud could not run the scenario.

    The message is the error's last line; ``details`` its traceback.
    """

    def __init__(self, error):
        self.error = error
        self.details = ''.join(traceback.format_exception(error))
        super().__init__(''.join(
            traceback.format_exception_only(error)).strip())


def run(scenario, progress=None):
    """Run ``scenario``; return the report (see sim_report).

    :raises ScenarioAborted: the API refused a flavor of the scenario
    :raises SimulationFailed: the simulated cloud failed (the message
        holds the traceback)
    """
    case_class = type('SimulatedCloudRun', (SimulatedCloud,), {
        'scenario': scenario,
        'progress': staticmethod(progress or (lambda message: None)),
    })
    case = case_class('run_scenario')
    error = harness.run_case(case)
    if isinstance(error, ScenarioAborted):
        raise error
    if error is not None:
        raise SimulationFailed(error)
    return sim_report.finish(case._report, scenario)
