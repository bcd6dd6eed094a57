"""Arm CCA confidential VMs (realms) for OpenStack Nova.

Every Nova process of a deployment calls :func:`activate` before it starts
its service; the ``nova-cca-*`` console scripts and WSGI modules do that.
"""

from nova_cca.activation import activate
from nova_cca.activation import UnsupportedNovaVersion

__all__ = ['activate', 'UnsupportedNovaVersion']
