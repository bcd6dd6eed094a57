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

"""Simulated Arm CCA compute hosts on Nova's fake libvirt.

No CCA hardware is at hand, so realms are exercised on hosts whose libvirt
is Nova's in-process fake (``nova.tests.fixtures.libvirt``), serving the
domain capabilities of an aarch64 host with or without CCA. Used by the
functional tests and by ``nova-cca simulate``.
The simulated driver is ``compute_driver =
libvirt_cca.SimulatedLibvirtCCADriver``: this distribution registers it in
the ``nova_cca.compute_drivers`` entry point group, which nova-cca's
``nova.virt.libvirt_cca`` module reads.
"""
