"""Simulated Arm CCA compute hosts on Nova's fake libvirt.

No CCA hardware is at hand, so realms are exercised on hosts whose libvirt
is Nova's in-process fake (``nova.tests.fixtures.libvirt``), serving the
domain capabilities of an aarch64 host with or without CCA. Used by the
functional tests and by ``nova-cca simulate``.
"""

from nova_cca import activation

#: compute_driver of a simulated host (see simulation.compute)
DRIVER_NAME = 'SimulatedLibvirtCCADriver'

activation.register_compute_driver(DRIVER_NAME, 'nova_cca.simulation.driver')
