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

"""nova_cca.activation.compute on Nova's real objects.

A realm is refused suspend and live migration, a rebuild into or out of
``arm-cca`` and a rebuild or resize that changes its measurement; every
other server is Nova's alone (issue 19: plain <-> SEV rebuilds pass).
"""

from nova.compute import api as compute_api
from nova.compute import resource_tracker
from nova import context as nova_context
from nova import exception
from nova.network import model as network_model
from nova import objects
from nova import utils
import pytest

from nova_cca.activation import patch as contract
from nova_cca.compute import lifecycle
from nova_cca.compute import rebuild
from nova_cca.compute import resize

INSTANCE_UUID = 'a0000000-0000-4000-8000-000000000001'
REALM = {'hw_architecture': 'aarch64', 'hw_mem_encryption': 'true',
         'hw_firmware_type': 'uefi', 'hw_firmware_stateless': 'true'}
#: name: properties of the images a server is rebuilt from and to
IMAGES = {
    'plain': {},
    'aarch64': {'hw_architecture': 'aarch64'},
    'sev': {'hw_mem_encryption': 'true', 'hw_firmware_type': 'uefi'},
    'sev-es': {'hw_mem_encryption': 'true', 'hw_firmware_type': 'uefi',
               'hw_mem_encryption_model': 'amd-sev-es'},
    'tdx': {'hw_mem_encryption': 'true', 'hw_firmware_type': 'uefi',
            'hw_mem_encryption_model': 'intel-tdx',
            'hw_firmware_stateless': 'true', 'hw_video_model': 'none'},
    'arm-cca': dict(REALM, hw_mem_encryption_model='arm-cca'),
    'arm-cca implied': REALM,
    'arm-cca sha256': dict(REALM, hw_cca_measurement_algo='sha256'),
    'arm-cca sha512': dict(REALM, hw_cca_measurement_algo='sha512'),
}


def _image(name):
    number = sorted(IMAGES).index(name) + 1
    return {'id': 'c0ffee00-0000-4000-8000-%012d' % number, 'name': name,
            'properties': dict(IMAGES[name])}


def _flavor(name='m1', **extra_specs):
    return objects.Flavor(name=name, flavorid=name, vcpus=1, memory_mb=512,
                          root_gb=1, ephemeral_gb=0, swap=0,
                          extra_specs=extra_specs)


def _instance(image_name, flavor=None, vm_state='active'):
    image = _image(image_name)
    return objects.Instance(
        uuid=INSTANCE_UUID, image_ref=image['id'], flavor=flavor or _flavor(),
        vm_state=vm_state, task_state=None, locked=False, locked_by=None,
        host='host1', node='node1',
        info_cache=objects.InstanceInfoCache(
            network_info=network_model.NetworkInfo()),
        system_metadata=utils.get_system_metadata_from_image(image))


# -- compute.rebuild_image -------------------------------------------------

@pytest.mark.parametrize('old,new', [
    ('plain', 'plain'), ('plain', 'sev'), ('sev', 'plain'),
    ('sev', 'sev-es'), ('sev-es', 'sev'), ('plain', 'tdx'),
    ('tdx', 'sev'), ('plain', 'aarch64'),
    ('arm-cca', 'arm-cca'), ('arm-cca', 'arm-cca implied'),
    ('arm-cca implied', 'arm-cca'), ('arm-cca sha256', 'arm-cca sha256'),
])
def test_rebuild_that_keeps_the_realm_question_passes(old, new):
    instance = _instance(old)
    rebuild.check_new_image(instance, instance.flavor, _image(new))
    # through Nova's rebuild image check, as the compute API calls it
    compute_api.API._validate_numa_rebuild(instance, _image(new),
                                           instance.flavor)


@pytest.mark.parametrize('old,new', [
    ('plain', 'arm-cca'), ('arm-cca', 'plain'), ('aarch64', 'arm-cca'),
    ('arm-cca implied', 'aarch64'), ('sev', 'arm-cca'), ('arm-cca', 'sev'),
])
def test_rebuild_into_or_out_of_a_realm_is_refused(old, new):
    instance = _instance(old)
    with pytest.raises(rebuild.EncryptionRequestChanged,
                       match='cannot change the memory encryption of server '
                             '%s' % INSTANCE_UUID):
        rebuild.check_new_image(instance, instance.flavor, _image(new))
    with pytest.raises(exception.ImageUnacceptable, match='arm-cca'):
        compute_api.API._validate_numa_rebuild(instance, _image(new),
                                               instance.flavor)


@pytest.mark.parametrize('old,new', [
    ('arm-cca', 'arm-cca sha256'), ('arm-cca sha256', 'arm-cca sha512'),
    ('arm-cca sha512', 'arm-cca implied'),
])
def test_rebuild_that_changes_a_realm_measurement_is_refused(old, new):
    instance = _instance(old)
    with pytest.raises(exception.FlavorImageConflict,
                       match='measurement_algo'):
        compute_api.API._validate_numa_rebuild(instance, _image(new),
                                               instance.flavor)


def test_rebuild_check_stays_a_staticmethod_and_is_marked():
    wrapped = vars(compute_api.API)['_validate_numa_rebuild']
    assert isinstance(wrapped, staticmethod)
    assert getattr(compute_api.API._validate_numa_rebuild, contract.MARK)


# -- compute.resize_flavor -------------------------------------------------

@pytest.mark.parametrize('image', ['plain', 'sev', 'aarch64'])
@pytest.mark.parametrize('current,new', [
    ({}, {}),
    ({}, {'hw:mem_encryption': 'true'}),
    ({'hw:mem_encryption': 'true'}, {}),
    ({}, {'hw:cpu_policy': 'dedicated'}),
])
def test_resize_of_a_server_that_is_not_a_realm_is_novas(image, current,
                                                          new):
    image_meta = objects.ImageMeta.from_dict(_image(image))
    assert resize.check_new_flavor(_flavor('old', **current),
                                   _flavor('new', **new), image_meta) is None
    compute_api.API._validate_vtpm_secret_security(
        _flavor('old', **current), _flavor('new', **new), image_meta)


def test_resize_that_changes_a_realm_measurement_is_refused():
    image_meta = objects.ImageMeta.from_dict(_image('arm-cca'))
    current = _flavor('realm', **{'hw:cca_measurement_algo': 'sha256'})
    same = _flavor('bigger', **{'hw:cca_measurement_algo': 'sha256'})
    other = _flavor('realm512', **{'hw:cca_measurement_algo': 'sha512'})
    resize.check_new_flavor(current, same, image_meta)
    compute_api.API._validate_vtpm_secret_security(current, same,
                                                   image_meta)
    with pytest.raises(exception.FlavorImageConflict,
                       match='Resize to flavor realm512 .*measurement_algo '
                             'sha256 -> sha512'):
        resize.check_new_flavor(current, other, image_meta)
    with pytest.raises(exception.FlavorImageConflict,
                       match='measurement_algo sha256 -> sha512'):
        compute_api.API._validate_vtpm_secret_security(current, other,
                                                       image_meta)


def test_resize_check_stays_a_staticmethod_and_is_marked():
    wrapped = vars(compute_api.API)['_validate_vtpm_secret_security']
    assert isinstance(wrapped, staticmethod)
    assert getattr(compute_api.API._validate_vtpm_secret_security,
                   contract.MARK)
    # API.resize itself is Nova's (issue 19: no database read per resize)
    assert not getattr(compute_api.API.resize, contract.MARK, False)


# -- compute.suspend, compute.live_migrate ---------------------------------

@pytest.fixture
def api_and_context():
    # the methods under test use neither RPC nor the database for a realm
    api = compute_api.API.__new__(compute_api.API)
    return api, nova_context.RequestContext('user', 'project',
                                            is_admin=True)


def test_realm_operations_are_guarded():
    for method in ('suspend', 'live_migrate'):
        assert getattr(getattr(compute_api.API, method), contract.MARK,
                       False)


@pytest.mark.parametrize('image', ['arm-cca', 'arm-cca implied'])
def test_suspend_and_live_migration_of_a_realm_are_refused(
        api_and_context, image):
    api, ctxt = api_and_context
    with pytest.raises(lifecycle.RealmOperationRefused,
                       match='Arm CCA realm mode.*so suspend is impossible'):
        api.suspend(ctxt, _instance(image))
    with pytest.raises(lifecycle.RealmOperationRefused,
                       match='so live-migration is impossible'):
        api.live_migrate(ctxt, _instance(image), False, False, None)


@pytest.mark.parametrize('image,vm_state', [
    ('plain', 'active'), ('plain', 'stopped'), ('sev', 'active')])
def test_other_servers_reach_novas_suspend_and_live_migration(
        api_and_context, image, vm_state):
    # Nova's own method runs: the same outcome as Nova's unwrapped method
    # (here its first database read, which this unit test has not got)
    api, ctxt = api_and_context
    calls = {
        'suspend': lambda method: method(api, ctxt,
                                         _instance(image, vm_state=vm_state)),
        'live_migrate': lambda method: method(
            api, ctxt, _instance(image, vm_state=vm_state), False, False,
            None),
    }
    for name, call in calls.items():
        installed = getattr(compute_api.API, name)
        with pytest.raises(Exception) as novas:
            call(contract.original(installed))
        with pytest.raises(Exception) as mine:
            call(installed)
        assert not isinstance(mine.value, lifecycle.RealmOperationRefused)
        assert type(mine.value) is type(novas.value)
        assert str(mine.value) == str(novas.value)


# -- compute.failed_rebuild_allocation -------------------------------------

class RecordingReportClient:
    def __init__(self):
        self.removed = []

    def remove_provider_tree_from_instance_allocation(self, context,
                                                      consumer, rp_uuid):
        self.removed.append((consumer, rp_uuid))
        return True


@pytest.fixture
def tracker():
    tracker = resource_tracker.ResourceTracker.__new__(
        resource_tracker.ResourceTracker)
    tracker.host = 'host1'
    tracker.compute_nodes = {
        'node1': objects.ComputeNode(
            uuid='b0000000-0000-4000-8000-000000000001')}
    tracker.reportclient = RecordingReportClient()
    return tracker


def test_failed_rebuild_allocation_is_guarded():
    assert getattr(resource_tracker.ResourceTracker.
                   delete_allocation_for_evacuated_instance,
                   contract.MARK, False)


def test_a_realm_whose_rebuild_failed_on_its_host_keeps_its_allocation(
        tracker):
    tracker.delete_allocation_for_evacuated_instance(
        None, _instance('arm-cca'), 'node1', node_type='destination')
    assert tracker.reportclient.removed == []


@pytest.mark.parametrize('image,host,node_type', [
    ('plain', 'host1', 'destination'),
    ('sev', 'host1', 'destination'),
    # an evacuated realm's old host cleans up
    ('arm-cca', 'host1', 'source'),
    # an evacuation to this host failed
    ('arm-cca', 'host2', 'destination'),
])
def test_other_allocations_are_removed_as_nova_does(tracker, image, host,
                                                    node_type):
    instance = _instance(image)
    instance.host = host
    tracker.delete_allocation_for_evacuated_instance(
        None, instance, 'node1', node_type=node_type)
    assert tracker.reportclient.removed == [
        (INSTANCE_UUID, 'b0000000-0000-4000-8000-000000000001')]
