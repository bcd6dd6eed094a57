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

"""Translation of nova-cca's user-facing messages (oslo.i18n).

Messages a user or operator reads (API refusals, instance faults, command
output) are marked with ``_()``; log messages are not translated, as in
Nova.
"""

import oslo_i18n

DOMAIN = 'nova_cca'

_translators = oslo_i18n.TranslatorFactory(domain=DOMAIN)

#: the primary translation function
_ = _translators.primary
