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

"""A REST client of the deployment, as a user (or an admin) calls it.

No keystone: the compute API's pipeline trusts the identity headers
(docs/deployment.md), Placement runs noauth2 and takes the token "admin".
"""

import requests

from nova_cca import rest
from nova_cca_deploy import topology

#: a current compute API microversion (Nova 34 serves up to 2.10x)
MICROVERSION = '2.96'
PROJECT = '6f70656e-7374-6163-6b00-000000000001'
USER = '75736572-0000-0000-0000-000000000001'


class Client:
    def __init__(self, project=PROJECT, user=USER,
                 microversion=MICROVERSION):
        self.base = 'http://127.0.0.1:%d/v2.1' % topology.COMPUTE_API_PORT
        self.placement_base = 'http://127.0.0.1:%d' % (
            topology.PLACEMENT_PORT)
        self.project = project
        self.user = user
        self.microversion = microversion
        self.session = requests.Session()

    def _headers(self, roles):
        return {'X-User-Id': self.user, 'X-Project-Id': self.project,
                'X-Roles': roles, 'X-Auth-Token': 'nova-cca-deploy',
                'OpenStack-API-Version': 'compute %s' % self.microversion,
                'Content-Type': 'application/json'}

    def user_call(self, method, path, body=None):
        return requests.request(method, self.base + path, json=body,
                                headers=self._headers('member,reader'),
                                timeout=120)

    def admin(self, method, path, body=None):
        return requests.request(method, self.base + path, json=body,
                                headers=self._headers('admin,member,reader'),
                                timeout=120)

    def placement(self, method, path, body=None, microversion='1.39'):
        return requests.request(
            method, self.placement_base + path, json=body, timeout=60,
            headers={'X-Auth-Token': 'admin',
                     'OpenStack-API-Version': 'placement %s' % microversion})

    def placement_reader(self):
        """Placement read by :class:`nova_cca.rest.PlacementReader`."""
        return rest.PlacementReader(_Get(self.placement))

    def compute_reader(self):
        """The compute API read as an admin, by
        :class:`nova_cca.rest.ComputeReader`.
        """
        return rest.ComputeReader(_Get(self.admin))


class _Get:
    """A request method of :class:`Client` as a nova_cca.rest transport."""

    def __init__(self, request):
        self._request = request

    def get(self, path, **kwargs):
        return self._request('GET', path, **kwargs)
