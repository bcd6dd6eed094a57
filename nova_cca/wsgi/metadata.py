"""WSGI entry point of the metadata API with nova-cca active.

``nova_cca.wsgi.metadata:application``
"""
from nova import monkey_patch; monkey_patch.patch(backend='threading')  # noqa

import nova_cca  # noqa: E402

nova_cca.activate()

from nova.wsgi.metadata import application  # noqa: E402,F401
