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

"""WSGI entry point of the metadata API with nova-cca active.

``nova_cca.wsgi.metadata:application``
"""
from nova import monkey_patch; monkey_patch.patch(backend='threading')  # noqa

import nova_cca  # noqa: E402

nova_cca.activate()

from nova.wsgi.metadata import application  # noqa: E402,F401
