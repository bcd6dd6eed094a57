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

"""A small nova-cca cloud on this machine, as separate processes.

``tools/deploy start|check|stop`` (docs/deployment.md): Placement and the
compute API under uWSGI, conductor and scheduler, simulated CCA and plain
computes as processes of their own, and a compute on the real libvirtd
where one runs; MariaDB and RabbitMQ already running on the machine. This
is tooling around the product, not part of what an operator installs.
"""
