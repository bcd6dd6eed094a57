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
