"""WSGI entry point of the compute API with nova-cca active.

``nova_cca.wsgi.osapi_compute:application``
"""
from nova import monkey_patch; monkey_patch.patch(backend='threading')  # noqa

import nova_cca  # noqa: E402

nova_cca.activate()

from nova.wsgi.osapi_compute import application  # noqa: E402,F401
