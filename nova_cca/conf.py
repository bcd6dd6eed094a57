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

"""Configuration options of nova-cca, group ``[arm_cca]``."""

from nova.db import constants as db_const
from oslo_config import cfg

from nova_cca import glossary

arm_cca_group = cfg.OptGroup(
    glossary.CONFIG_GROUP,
    title='Arm CCA options',
    help='Options for Arm Confidential Compute Architecture realms on '
         'libvirt compute hosts (compute_driver = %s).' % glossary.DRIVER)

arm_cca_opts = [
    cfg.IntOpt(
        'max_guests',
        min=0,
        # Placement refuses an inventory total above this
        max=db_const.MAX_INT,
        default=None,
        help="""
Maximum number of realms this compute host runs at once.

Reported to Placement as the total of the %(rc)s inventory
of the host's Arm CCA provider. When unset the inventory is unlimited
(nova.db.constants.MAX_INT), but the hardware is not: RMM 1.0 gives each
realm its own VMID, so at most 256 realms run on hardware with 8-bit VMIDs
and 65,536 with 16-bit VMIDs (host VMs share the same VMIDs). Set it on
8-bit-VMID hardware, and wherever memory or firmware limits realms below
that. 0 keeps realms off this host even when it supports Arm CCA. At most
2147483647, the largest inventory total Placement accepts.
""" % {'rc': glossary.REALM_RESOURCE_CLASS}),
    cfg.StrOpt(
        'default_measurement_algo',
        choices=[(a, 'Measure the realm with %s' % a.upper())
                 for a in glossary.MEASUREMENT_ALGORITHMS],
        default=None,
        help="""
Measurement algorithm written into the realm's launchSecurity.

Used only when the host's libvirt advertises this algorithm in its domain
capabilities; otherwise the element is omitted and the platform default
applies (sha512 in QEMU's realm support). A user's choice
(hw:cca_measurement_algo, hw_cca_measurement_algo) takes precedence; such a
realm is placed only on hosts that advertise the chosen algorithm.
"""),
    cfg.BoolOpt(
        'personalization_value',
        default=False,
        help="""
Whether realms on this host may carry a personalization value (RPV).

libvirt does not advertise whether its QEMU can set a realm's
personalization value (QEMUs for the newer KVM interface cannot). Set this
to true only when it can: the host then reports the trait
%s, and only such hosts receive
realms whose flavor or image asks for one (hw:cca_personalization).
""" % glossary.PERSONALIZATION_TRAIT),
    cfg.BoolOpt(
        'measurement_log',
        default=False,
        help="""
Whether realms on this host may keep a measurement log.

libvirt does not advertise whether its QEMU keeps a realm's measurement
log. Set this to true only when it does: the host then reports the trait
%s, and only such hosts receive
realms whose flavor or image asks for one (hw:cca_measurement_log).
""" % glossary.MEASUREMENT_LOG_TRAIT),
    cfg.StrOpt(
        'provider_layout',
        choices=[
            (glossary.ROOT_LAYOUT,
             '%s inventory and the realm traits on the compute node '
             'resource provider' % glossary.REALM_RESOURCE_CLASS),
            (glossary.CHILD_LAYOUT,
             "Nova's generic layout: a child resource provider %s with "
             'that inventory and traits'
             % glossary.child_provider_name('<node>')),
        ],
        default=glossary.DEFAULT_PROVIDER_LAYOUT,
        help="""
Where the host's realm slots appear in Placement.

Both layouts answer Nova's scheduler request (%(rc)s: 1
and the %(trait)s trait) and both enforce max_guests.
'root' keeps allocation candidates as cheap as for a plain request at large
scale; 'child' is Nova's generic per-model layout (see docs/benchmarks.md).
nova-scheduler reads this option too, unless scheduler_root_traits is set:
with 'root' it asks for the realm's traits on the compute node provider
(root_required), which hosts in the child layout do not match.
Changing it on a host that runs realms moves their allocations when
nova-compute restarts (a Placement reshape).
""" % {'rc': glossary.REALM_RESOURCE_CLASS,
        'trait': glossary.REALM_TRAIT}),
    cfg.BoolOpt(
        'scheduler_root_traits',
        default=None,
        help="""
nova-scheduler: ask Placement for a realm's traits on the compute node.

When true, the scheduler sends the realm request's traits
(%(trait)s, %(trait)s_* and
%(stateless)s) in root_required instead of the
unsuffixed group's required: the same hosts in the root provider layout,
at the cost of a plain request once Placement holds any nested provider
(see docs/benchmarks.md). When false, the scheduler asks as Nova does,
which matches hosts of both layouts. Unset (the default): true when this
configuration's provider_layout is 'root', false when it is 'child', which
is right when nova-scheduler reads the same nova.conf as the computes.

Must match the computes: set it to false if any compute host uses
provider_layout = child (a deployment mixing layouts, or one moving
between them): root_required does not match a host whose realm traits sit
on a child provider, so realms would not be scheduled there. Only
nova-scheduler reads this option.
""" % {'trait': glossary.REALM_TRAIT,
        'stateless': glossary.STATELESS_FIRMWARE_TRAIT}),
]


def register_opts(conf: cfg.ConfigOpts) -> None:
    conf.register_group(arm_cca_group)
    conf.register_opts(arm_cca_opts, group=arm_cca_group)


def list_opts() -> list[tuple[cfg.OptGroup, list[cfg.Opt]]]:
    """Entry point for oslo-config-generator (``oslo.config.opts``)."""
    return [(arm_cca_group, arm_cca_opts)]


def _register_with_nova() -> None:
    import nova.conf
    register_opts(nova.conf.CONF)


_register_with_nova()
