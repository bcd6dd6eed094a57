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

from nova_cca.simulation import compute as sim_compute
from nova_cca.simulation import harness
from nova_cca.simulation import report as sim_report
from nova_cca.simulation import scenario as sim_scenario

#: seconds a step may take before the report calls it timed out
STEP_TIMEOUT = 60


class ScenarioAborted(Exception):
    """The API refused a flavor or image of the scenario."""


class SimulatedCloud(harness.InProcessCloud):
    """One run of a scenario, as a case of Nova's functional environment."""

    ADMIN_API = False

    scenario = None
    progress = staticmethod(lambda message: None)

    def run_scenario(self):
        started = time.monotonic()
        self._hosts = {}
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
                  'http_status': None, 'message': None, 'host': None,
                  'allocations': {}, 'domain_xml': None}
        try:
            if step.kind == 'boot':
                self._boot(step, result)
            else:
                self._act(step, result)
        except api_client.OpenStackApiException as e:
            result.update(outcome='rejected',
                          http_status=e.response.status_code,
                          message=_api_message(e))
        except harness.SettleTimeout as e:
            result.update(outcome='error', message=str(e))
        self._describe_server(step.server, result)
        return result

    def _boot(self, step, result):
        server = {'name': step.server, 'flavorRef': self._flavors[step.flavor],
                  'imageRef': self._images[step.image], 'networks': 'none'}
        api = self.api
        if step.host:  # an admin picks the host (microversion 2.74)
            server['host'] = step.host
            api = self.admin_api
        created = api.post_server({'server': server})
        result['http_status'] = 202
        self._servers[step.server] = created['id']
        server = self._settle(created['id'], ('ACTIVE', 'ERROR'))
        self._finish(server, 'ACTIVE', 'active', result)

    def _act(self, step, result):
        server_id = self._servers.get(step.server)
        if server_id is None:
            result.update(outcome='error',
                          message='server %s was never created'
                                  % step.server)
            return
        if step.do == 'delete':
            self.api.delete_server(server_id)
            result['http_status'] = 204
            self._settle_deleted(server_id)
            result['outcome'] = 'done'
            return
        action = sim_scenario.ACTIONS[step.do]
        expected = action.settles_in
        args = dict(action.body) if action.body is not None else None
        if action.needs == 'flavor':
            args['flavorRef'] = self._flavors[step.flavor]
        if action.needs == 'image':
            args['imageRef'] = self._images[step.image]
        if action.targets_host and step.host:
            args = dict(args or {}, host=step.host)
        api = self.admin_api if action.by == 'admin' else self.api
        api.post_server_action(server_id, {action.request: args})
        result['http_status'] = 202
        server = self._settle(server_id, (expected, 'ERROR'))
        if server['status'] == 'VERIFY_RESIZE':
            self.api.post_server_action(server_id, {'confirmResize': None})
            server = self._settle(server_id, ('ACTIVE', 'SHUTOFF', 'ERROR'))
            expected = server['status'] if server['status'] != 'ERROR' \
                else 'ACTIVE'
        self._finish(server, expected, 'done', result)

    def _finish(self, server, expected, outcome, result):
        if server['status'] == expected:
            result['outcome'] = outcome
        else:
            result['outcome'] = 'error'
            result['message'] = (server.get('fault') or {}).get(
                'message', 'server ended in %s' % server['status'])

    def _settle(self, server_id, statuses, timeout=STEP_TIMEOUT):
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

    def _host_report(self, host):
        realm = self._hosts[host.name].driver._host.realm_capability
        return {'name': host.name, 'arch': host.arch,
                'cca': {'supported': realm.supported,
                        'measurement_algos': list(realm.measurement_algos)}}


def _api_message(error):
    body = error.response.json() if error.response.text else {}
    for value in body.values():
        if isinstance(value, dict) and 'message' in value:
            return value['message']
    return error.response.text


def _describe(step):
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
