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

"""``nova-cca readiness``: run the readiness checks, exit 0, 1, 2 or 3.

The checks (nova_cca.readiness) run and print through oslo.upgradecheck's
own ``main()``, as ``nova-status upgrade check`` does. Exit codes: 0
ready, 1 warnings, 2 not ready, 3 cannot check (see
docs/operator-guide.md).
"""

import argparse
import os
import sys


def config_file_problem(path: str) -> str | None:
    """Why ``path`` cannot be a configuration file, or None."""
    if not os.path.exists(path):
        return '%s does not exist' % path
    if os.path.isdir(path):
        return '%s is a directory, not a file' % path
    try:
        with open(path, 'rb') as f:
            data = f.read()
    except OSError as e:
        return 'cannot read %s: %s' % (path, e.strerror or e)
    try:
        data.decode('utf-8')
    except UnicodeDecodeError as e:
        return '%s is not UTF-8 text (byte %d)' % (path, e.start)
    return None


def main(args: argparse.Namespace) -> int:
    from oslo_config import cfg
    from oslo_upgradecheck import upgradecheck

    import nova.conf
    from nova_cca import activation
    from nova_cca import conf as realm_conf
    from nova_cca import readiness as status

    if args.config_file:
        problem = config_file_problem(args.config_file)
        if problem is not None:
            print('nova-cca readiness: cannot read the configuration: %s.'
                  % problem, file=sys.stderr)
            return status.CANNOT_CHECK
    # <cca> in Nova's parser of domain capabilities
    activation.register_domain_caps_features()
    conf = nova.conf.CONF
    realm_conf.register_opts(conf)
    checks = status.RealmReadiness(conf, libvirt_uri=args.libvirt_uri)
    argv = ['--config-file', args.config_file] if args.config_file else []
    argv += ['upgrade', 'check'] + (['--json'] if args.json else [])
    try:
        return upgradecheck.main(
            conf, 'nova', checks, argv=argv,
            default_config_files=[] if args.config_file else None)
    except (cfg.Error, OSError, UnicodeError) as e:
        reason = (str(e).strip().splitlines() or [type(e).__name__])[0]
        print('nova-cca readiness: cannot read the configuration: %s' % reason,
              file=sys.stderr)
        return status.CANNOT_CHECK
