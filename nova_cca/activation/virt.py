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

"""Patches of ``nova.virt``: the realm's config, host hooks, driver path.

===============================  ===========================================
patch                            contract
===============================  ===========================================
virt.config_factory              ``MemEncryptionConfig.create('arm-cca')``
                                 returns :class:`RealmEncryptionConfig`;
                                 every other model goes to Nova's factory
                                 unchanged. No seam: the factory is a
                                 literal dict. Upstream: a registry of
                                 configs.
virt.implied_model               ``get_mem_encryption_constraint`` treats
                                 an aarch64 image that asks for encryption
                                 without a model as ``arm-cca`` (Nova's
                                 default amd-sev cannot exist on Arm), and
                                 refuses ``hw:cca_*``/``hw_cca_*`` outside a
                                 realm. For a request without those, it
                                 reads nothing Nova does not read and
                                 calls Nova once. No seam: the default is
                                 literal. Upstream: a per-architecture
                                 default model.
virt.host_hooks                  ``Host.supports_arm_cca`` (False) and the
                                 ``_get_mem_encryption_*_arm_cca`` hooks
                                 (0 slots, no traits) for a plain libvirt
                                 host, which Nova calls for every model in
                                 ``ALL``; ``RealmHost`` overrides them.
                                 Adds names, replaces none. Upstream: the
                                 CCA spec's Host methods.
virt.domain_caps_features        Nova's domain-capabilities parser keeps
                                 ``<cca>`` (nova_cca.virt.libvirt.
                                 detection). No seam: unknown feature tags
                                 are dropped. Upstream: the CCA spec's
                                 config object.
virt.compute_driver_module       ``nova.virt.libvirt_cca``, whence
                                 ``compute_driver = libvirt_cca.<Name>``
                                 loads ``LibvirtCCADriver`` or a driver
                                 another distribution registers in the
                                 ``nova_cca.compute_drivers`` entry point
                                 group. No seam: Nova imports
                                 ``nova.virt.<compute_driver>``. Upstream:
                                 drivers as entry points.
===============================  ===========================================
"""

import importlib
import importlib.metadata
import sys
import threading
import types
from typing import Any

from nova_cca.activation import patch as contract
from nova_cca import glossary

#: compute_driver = libvirt_cca.<name>: where each driver class lives
DRIVER_MODULE = 'nova.virt.' + glossary.DRIVER_PACKAGE
#: the product's drivers; other distributions add theirs through
#: :data:`DRIVER_ENTRY_POINTS`
DRIVERS = {
    glossary.DRIVER_CLASS: 'nova_cca.virt.libvirt.driver:' +
    glossary.DRIVER_CLASS,
}
DRIVER_ENTRY_POINTS = glossary.DRIVER_ENTRY_POINTS

_lock = threading.Lock()


def _config_factory(original: Any) -> Any:
    from nova_cca.virt import model

    def create(cls: Any, model_name: str) -> Any:
        if model_name == glossary.ARM_CCA:
            return model.RealmEncryptionConfig()
        return original(model_name)
    return create


def _register_config_factory() -> None:
    from nova.virt import hardware

    base = hardware.MemEncryptionConfig
    current = base.__dict__['create'].__func__
    if getattr(current, contract.MARK, False):
        return
    wrapper = _config_factory(base.create)
    wrapper.__wrapped__ = current
    setattr(wrapper, contract.MARK, True)
    base.create = classmethod(wrapper)


def _implied_model(original: Any) -> Any:
    from nova_cca.virt import measurement
    from nova_cca.virt import request

    def get_mem_encryption_constraint(flavor: Any, image_meta: Any,
                                      machine_type: str | None = None
                                      ) -> Any:
        config = original(flavor,
                          request.with_implied_model(flavor, image_meta),
                          machine_type)
        measurement.check_request(flavor, image_meta, config)
        return config
    return get_mem_encryption_constraint


def _register_implied_model() -> None:
    from nova.virt import hardware

    contract.wrap(hardware, 'get_mem_encryption_constraint', _implied_model)


def _register_host_hooks() -> None:
    from nova.virt.libvirt import host

    if 'supports_arm_cca' in vars(host.Host):
        return
    host.Host.supports_arm_cca = property(lambda self: False)
    host.Host._get_mem_encryption_slots_arm_cca = lambda self: 0
    host.Host._get_mem_encryption_traits_arm_cca = lambda self: []


def _domain_caps_features(original: Any) -> Any:
    from nova_cca.virt.libvirt import detection

    def parse_dom(self: Any, xmldoc: Any) -> None:
        original(self, xmldoc)
        self.features.extend(detection.parse_features(xmldoc))
    return parse_dom


def register_domain_caps_features() -> None:
    """Let Nova's domain-capabilities parser read ``<cca>``.

    Idempotent; ``nova-cca readiness`` calls it alone, without the rest of
    activation.
    """
    from nova.virt.libvirt import config as vconfig

    contract.wrap(vconfig.LibvirtConfigDomainCapsFeatures, 'parse_dom',
                  _domain_caps_features)


def domain_caps_features_registered() -> bool:
    from nova.virt.libvirt import config as vconfig

    return getattr(vconfig.LibvirtConfigDomainCapsFeatures.parse_dom,
                   contract.MARK, False)


def known_drivers() -> dict[str, str]:
    """``{name: 'module:Class'}`` of every loadable realm driver.

    Reads the entry points' metadata only: nothing is imported until a
    driver is asked for by name, so loading ``LibvirtCCADriver`` never
    imports another distribution's driver (the simulator's).
    """
    drivers = dict(DRIVERS)
    for entry_point in importlib.metadata.entry_points(
            group=DRIVER_ENTRY_POINTS):
        drivers.setdefault(entry_point.name, entry_point.value)
    return drivers


class _LazyDriverModule(types.ModuleType):
    """``nova.virt.libvirt_cca``: imports a driver on first use, so that
    processes which never load a compute driver do not import the libvirt
    driver.
    """

    def __getattr__(self, name: str) -> Any:
        if name.startswith('__'):
            raise AttributeError(name)
        drivers = known_drivers()
        if name not in drivers:
            raise AttributeError(
                'nova.virt.libvirt_cca has no driver %r; known: %s'
                % (name, ', '.join(sorted(drivers))))
        module_name, _, attribute = drivers[name].partition(':')
        return getattr(importlib.import_module(module_name), attribute)


def _register_compute_driver() -> None:
    import nova.virt

    with _lock:
        if DRIVER_MODULE in sys.modules:
            return
        module = _LazyDriverModule(
            DRIVER_MODULE, 'Arm CCA libvirt compute drivers (nova-cca)')
        sys.modules[DRIVER_MODULE] = module
        nova.virt.libvirt_cca = module


PATCHES = [
    contract.Patch(
        name='virt.config_factory',
        target='nova.virt.hardware:MemEncryptionConfig.create',
        changes="create('arm-cca') returns RealmEncryptionConfig; other "
                "models reach Nova's factory unchanged",
        why='the factory is a literal dict',
        upstream='a registry of MemEncryptionConfig classes',
        apply=_register_config_factory,
        signature="(cls, model: str) -> 'MemEncryptionConfig'",
        source_sha256='7fb50f50e9c8a475'),
    contract.Patch(
        name='virt.implied_model',
        target='nova.virt.hardware:get_mem_encryption_constraint',
        changes='an aarch64 image asking for encryption without a model '
                'means arm-cca; hw:cca_*/hw_cca_* outside a realm are '
                'refused',
        why="the default model (amd-sev) is literal",
        upstream='a default model per architecture',
        apply=_register_implied_model,
        signature="(flavor: 'objects.Flavor', image_meta: "
                  "'objects.ImageMeta', machine_type: str | None = None) -> "
                  'nova.virt.hardware.MemEncryptionConfig | None',
        source_sha256='e0c7a4a2d94e3adc'),
    contract.Patch(
        name='virt.host_hooks',
        target='nova.virt.libvirt.host:Host',
        changes='adds supports_arm_cca and the arm_cca slot and trait '
                'hooks (a plain host: not supported, 0 slots); Nova then '
                'reports an arm_cca inventory of 0 like the other models',
        why='get_mem_encryption_inventories calls hooks by model name',
        upstream="the CCA spec's Host methods",
        apply=_register_host_hooks),
    contract.Patch(
        name='virt.domain_caps_features',
        target='nova.virt.libvirt.config:'
               'LibvirtConfigDomainCapsFeatures.parse_dom',
        changes='keeps <cca> among the parsed features',
        why='the parser drops unknown feature tags',
        upstream="the CCA spec's domain-capabilities config object",
        apply=register_domain_caps_features,
        signature='(self, xmldoc)',
        source_sha256='1e75a175d25c99f5'),
    contract.Patch(
        name='virt.compute_driver_module',
        target='nova.virt.driver:load_compute_driver',
        changes='adds the module nova.virt.libvirt_cca (a new name)',
        why="Nova imports 'nova.virt.' + compute_driver",
        upstream='compute drivers as entry points',
        apply=_register_compute_driver,
        signature='(virtapi, compute_driver=None)',
        source_sha256='95359ce0479e6c7b'),
]
