"""Configuration options of nova-cca, group ``[arm_cca]``."""

from nova.db import constants as db_const
from oslo_config import cfg

from nova_cca import model

arm_cca_group = cfg.OptGroup(
    'arm_cca',
    title='Arm CCA options',
    help='Options for Arm Confidential Compute Architecture realms on '
         'libvirt compute hosts (compute_driver = '
         'libvirt_cca.LibvirtCCADriver).')

arm_cca_opts = [
    cfg.IntOpt(
        'max_guests',
        min=0,
        # Placement refuses an inventory total above this
        max=db_const.MAX_INT,
        default=None,
        help="""
Maximum number of realms this compute host runs at once.

Reported to Placement as the total of the MEM_ENCRYPTION_CONTEXT inventory
of the host's Arm CCA provider. RMM 1.0 has no per-host realm limit, so
when unset the inventory is unlimited (nova.db.constants.MAX_INT). 0 keeps
realms off this host even when it supports Arm CCA. At most 2147483647,
the largest inventory total Placement accepts.
"""),
    cfg.StrOpt(
        'default_measurement_algo',
        choices=[(a, 'Measure the realm with %s' % a.upper())
                 for a in model.MEASUREMENT_ALGORITHMS],
        default=None,
        help="""
Measurement algorithm written into the realm's launchSecurity.

Used only when the host's libvirt advertises this algorithm in its domain
capabilities; otherwise the element is omitted and the platform default
applies (sha512 in QEMU's realm support).
"""),
    cfg.StrOpt(
        'provider_layout',
        choices=[
            ('root', 'MEM_ENCRYPTION_CONTEXT inventory and the realm traits '
                     'on the compute node resource provider'),
            ('child', "Nova's generic layout: a child resource provider "
                      '<node>_arm_cca with that inventory and traits'),
        ],
        default='root',
        help="""
Where the host's realm slots appear in Placement.

Both layouts answer the same scheduler request (MEM_ENCRYPTION_CONTEXT: 1
and the CUSTOM_HW_CPU_AARCH64_CCA trait) and both enforce max_guests.
'root' keeps allocation candidates as cheap as for a plain request at large
scale; 'child' is Nova's generic per-model layout (see docs/benchmarks.md).
Changing it on a host that runs realms moves their allocations when
nova-compute restarts (a Placement reshape).
"""),
]


def register_opts(conf):
    conf.register_group(arm_cca_group)
    conf.register_opts(arm_cca_opts, group=arm_cca_group)


def list_opts():
    """Entry point for oslo-config-generator (``oslo.config.opts``)."""
    return [(arm_cca_group, arm_cca_opts)]


def _register_with_nova():
    import nova.conf
    register_opts(nova.conf.CONF)


_register_with_nova()
