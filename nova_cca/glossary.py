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

"""The names nova-cca shares with Nova, Placement, libvirt and its tools.

One definition of each name that crosses a module boundary: the model, the
resource class and traits a realm host shows in Placement, the provider
layouts, the compute driver names. The extension, the simulator, the
deployment tool and the benchmarks all read them from here; this module
imports nothing, so a tool can use it without loading Nova.

Where Nova, os-traits or os-resource-classes already spell a name, the
value here is the same string (tests/unit/test_glossary.py checks it).
"""

# the model

#: the memory-encryption model (``hw:mem_encryption_model=arm-cca``)
ARM_CCA = 'arm-cca'
#: how Nova spells the model in its per-model ``Host`` hooks
#: (``supports_arm_cca``) and child provider names (``<node>_arm_cca``)
MODEL_KEY = 'arm_cca'
#: nova.conf group of nova-cca's options (``[arm_cca]``)
CONFIG_GROUP = MODEL_KEY
#: architecture of a realm and of its host (Nova's ``Architecture.AARCH64``)
AARCH64 = 'aarch64'
#: measurement algorithms as libvirt names them (``measurement-algo``)
MEASUREMENT_ALGORITHMS = ('sha256', 'sha512')
#: ``<launchSecurity type=...>`` of a realm guest in libvirt
LAUNCH_SECURITY_TYPE = 'cca'

# Placement

#: resource class of a realm slot: one per realm on its host
#: (``os_resource_classes.MEM_ENCRYPTION_CONTEXT``)
REALM_RESOURCE_CLASS = 'MEM_ENCRYPTION_CONTEXT'
#: trait of a provider that can host realms; Placement needs the CUSTOM_
#: prefix until os-traits ships ``HW_CPU_AARCH64_CCA``
REALM_TRAIT = 'CUSTOM_HW_CPU_AARCH64_CCA'
#: trait of a host whose realms may carry a personalization value
#: (``[arm_cca] personalization_value``)
PERSONALIZATION_TRAIT = 'CUSTOM_HW_CPU_AARCH64_CCA_PERSONALIZATION'
#: trait of a host whose realms may keep a measurement log
#: (``[arm_cca] measurement_log``)
MEASUREMENT_LOG_TRAIT = 'CUSTOM_HW_CPU_AARCH64_CCA_MEASUREMENT_LOG'
#: trait Nova requires for an image with ``hw_firmware_stateless``, which
#: every realm image has (``os_traits.COMPUTE_SECURITY_STATELESS_FIRMWARE``)
STATELESS_FIRMWARE_TRAIT = 'COMPUTE_SECURITY_STATELESS_FIRMWARE'


def measurement_trait(algorithm: str) -> str:
    """The trait of a host that measures realms with ``algorithm``.

    ``sha256`` -> ``CUSTOM_HW_CPU_AARCH64_CCA_MEASUREMENT_SHA256``.
    """
    return '%s_MEASUREMENT_%s' % (REALM_TRAIT, algorithm.upper())


def is_realm_trait(trait: str) -> bool:
    """Whether ``trait`` is the realm trait or one of its ``_*`` traits."""
    return trait == REALM_TRAIT or trait.startswith(REALM_TRAIT + '_')


# provider layouts ([arm_cca] provider_layout)

#: realm slots and traits on the compute node (root) provider
ROOT_LAYOUT = 'root'
#: realm slots and traits on Nova's child provider ``<node>_arm_cca``
CHILD_LAYOUT = 'child'
PROVIDER_LAYOUTS = (ROOT_LAYOUT, CHILD_LAYOUT)
DEFAULT_PROVIDER_LAYOUT = ROOT_LAYOUT
#: what Nova appends to the node name for the model's child provider
CHILD_PROVIDER_SUFFIX = '_arm_cca'


def child_provider_name(nodename: str) -> str:
    """Nova's name of the Arm CCA child provider of ``nodename``."""
    return nodename + CHILD_PROVIDER_SUFFIX


# compute drivers (compute_driver = libvirt_cca.<class>)

#: the ``nova.virt`` package under which nova-cca's drivers load
DRIVER_PACKAGE = 'libvirt_cca'
#: the product's libvirt driver class
DRIVER_CLASS = 'LibvirtCCADriver'
#: the simulator's driver class (nova-cca-simulator registers it)
SIMULATED_DRIVER_CLASS = 'SimulatedLibvirtCCADriver'
#: ``[DEFAULT] compute_driver`` of a realm compute host
DRIVER = 'libvirt_cca.LibvirtCCADriver'
#: ``[DEFAULT] compute_driver`` of a simulated realm compute host
SIMULATED_DRIVER = 'libvirt_cca.SimulatedLibvirtCCADriver'
#: entry point group in which a distribution registers a driver class
DRIVER_ENTRY_POINTS = 'nova_cca.compute_drivers'
