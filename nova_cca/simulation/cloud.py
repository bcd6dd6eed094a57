"""A simulated CCA cloud in one process, running a scenario.

Nova's real API, conductor, scheduler and one compute service per host,
with real Placement, all activated, assembled by Nova's own functional test
environment (in-memory databases, in-process RPC and Placement, fake
Glance/Neutron, fake libvirt). The scenario runs as one case of that
environment; :func:`run` returns the report.
"""

import os
import sysconfig
import time
import unittest
import warnings

import nova.conf
from nova.tests.functional.api import client as api_client
from nova.tests.functional.libvirt import base as libvirt_base
from sqlalchemy import exc as sqla_exc

from nova_cca.simulation import compute as sim_compute
from nova_cca.simulation import report as sim_report

API_PASTE_INI = os.path.join(sysconfig.get_path('data'), 'etc', 'nova',
                             'api-paste.ini')

#: seconds a step may take before the report calls it timed out
STEP_TIMEOUT = 60

# What each action does: (API request body, who may do it, state to wait
# for). Migrations and resizes are confirmed automatically.
_ACTIONS = {
    'suspend': ({'suspend': None}, 'user', 'SUSPENDED'),
    'resume': ({'resume': None}, 'user', 'ACTIVE'),
    'live-migrate': ({'os-migrateLive': {'host': None,
                                         'block_migration': 'auto'}},
                     'admin', 'ACTIVE'),
    'migrate': ({'migrate': None}, 'admin', 'VERIFY_RESIZE'),
    'resize': ({'resize': {}}, 'user', 'VERIFY_RESIZE'),
    'reboot': ({'reboot': {'type': 'HARD'}}, 'user', 'ACTIVE'),
    'stop': ({'os-stop': None}, 'user', 'SHUTOFF'),
    'start': ({'os-start': None}, 'user', 'ACTIVE'),
    'rebuild': ({'rebuild': {}}, 'user', 'ACTIVE'),
    'shelve': ({'shelve': None}, 'user', 'SHELVED_OFFLOADED'),
    'unshelve': ({'unshelve': None}, 'user', 'ACTIVE'),
}


class ScenarioAborted(Exception):
    """The API refused a flavor or image of the scenario."""


class SimulatedCloud(libvirt_base.ServersTestBase):
    """One run of a scenario, as a case of Nova's functional environment."""

    microversion = 'latest'
    ADMIN_API = False

    scenario = None
    progress = staticmethod(lambda message: None)

    def _setup_services(self):
        # the wheel installs api-paste.ini under the environment's prefix
        self.flags(api_paste_config=API_PASTE_INI, group='wsgi')
        super()._setup_services()

    def setUp(self):
        super().setUp()
        # SQLAlchemy 2.1 deprecates noload(), which Nova 34 uses when it
        # buries an instance in cell0; Nova's warnings fixture would turn
        # that into an API error.
        warnings.filterwarnings(
            'ignore', message=r'The noload\(\) option is deprecated',
            category=sqla_exc.SADeprecationWarning)

    def _setup_compute_service(self):
        self.flags(compute_driver=sim_compute.DRIVER)

    def run_scenario(self):
        started = time.monotonic()
        self._hosts = {}
        # nova-scheduler reads nova.conf, not the hosts' own [arm_cca]: as
        # an operator would, it asks as Nova does (required=) once a host
        # keeps the child layout (nova_cca.scheduling)
        if any(h.arm_cca.get('provider_layout') == 'child'
               for h in self.scenario.hosts):
            self.flags(scheduler_root_traits=False, group='arm_cca')
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
        except _Timeout as e:
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
        body, who, expected = _ACTIONS[step.do]
        action, args = next(iter(body.items()))
        args = dict(args) if isinstance(args, dict) else args
        if step.do == 'resize':
            args['flavorRef'] = self._flavors[step.flavor]
        if step.do == 'rebuild':
            args['imageRef'] = self._images[step.image]
        if step.do in ('migrate', 'live-migrate') and step.host:
            args = dict(args or {}, host=step.host)
        api = self.admin_api if who == 'admin' else self.api
        api.post_server_action(server_id, {action: args})
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
        deadline = time.monotonic() + timeout
        while True:
            server = self.admin_api.get_server(server_id)
            if server['status'] in statuses and not server.get(
                    'OS-EXT-STS:task_state'):
                return server
            if time.monotonic() > deadline:
                raise _Timeout(
                    'timed out after %ds waiting for server %s to reach %s '
                    '(status %s, task %s)' % (
                        timeout, server_id, ' or '.join(statuses),
                        server['status'], server.get('OS-EXT-STS:task_state')))
            time.sleep(0.05)

    def _settle_deleted(self, server_id, timeout=STEP_TIMEOUT):
        deadline = time.monotonic() + timeout
        while True:
            try:
                self.admin_api.get_server(server_id)
            except api_client.OpenStackApiNotFoundException:
                return
            if time.monotonic() > deadline:
                raise _Timeout('timed out after %ds waiting for server %s '
                               'to be deleted' % (timeout, server_id))
            time.sleep(0.05)

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
        allocations = self.placement.get(
            '/allocations/%s' % consumer, version='1.28').body['allocations']
        return {self._provider_name(rp): a['resources']
                for rp, a in allocations.items()}

    def _provider_name(self, rp_uuid):
        return self.placement.get('/resource_providers/%s' % rp_uuid,
                                  version='1.14').body['name']

    def _providers(self):
        providers = self.placement.get(
            '/resource_providers', version='1.14').body['resource_providers']
        names = {p['uuid']: p['name'] for p in providers}
        out = []
        for p in sorted(providers, key=lambda p: p['name']):
            base = '/resource_providers/%s' % p['uuid']
            inventories = self.placement.get(
                base + '/inventories').body['inventories']
            out.append({
                'name': p['name'],
                'parent': names.get(p['parent_provider_uuid']),
                'inventories': {rc: inv['total']
                                for rc, inv in sorted(inventories.items())},
                'traits': sorted(self.placement.get(
                    base + '/traits', version='1.6').body['traits']),
                'usages': dict(sorted(self.placement.get(
                    base + '/usages').body['usages'].items())),
            })
        return out

    def _host_report(self, host):
        realm = self._hosts[host.name].driver._host.realm_capability
        return {'name': host.name, 'arch': host.arch,
                'cca': {'supported': realm.supported,
                        'measurement_algos': list(realm.measurement_algos)}}


class _Timeout(Exception):
    pass


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
    """The simulated cloud could not run the scenario."""


def run(scenario, progress=None):
    """Run ``scenario``; return the report (see sim_report)."""
    case_class = type('SimulatedCloudRun', (SimulatedCloud,), {
        'scenario': scenario,
        'progress': staticmethod(progress or (lambda message: None)),
    })
    case = case_class('run_scenario')
    result = unittest.TestResult()
    case.run(result)
    problems = result.errors + result.failures
    if problems:
        _, text = problems[0]
        aborted = text.strip().splitlines()[-1]
        if 'ScenarioAborted' in aborted:
            raise ScenarioAborted(aborted.split(': ', 1)[-1])
        raise SimulationFailed(text)
    return sim_report.finish(case._report, scenario)
