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
