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

"""python -m nova_cca_deploy start|check|stop [--root DIR]"""

import argparse
import os
import sys

from nova_cca_deploy import control


def main(argv=None):
    parser = argparse.ArgumentParser(prog='tools/deploy')
    parser.add_argument('command', choices=['start', 'check', 'stop'])
    parser.add_argument('--root',
                        default=os.path.join(os.getcwd(), '.deploy'),
                        help='where configs, logs and PIDs go')
    real = parser.add_mutually_exclusive_group()
    real.add_argument('--real-host', dest='real_host', action='store_true',
                      default=None,
                      help="start: a compute on the machine's libvirtd is "
                           'required (by default it runs wherever '
                           'libvirtd, libvirt-python and a QEMU for this '
                           'machine are there)')
    real.add_argument('--no-real-host', dest='real_host',
                      action='store_false',
                      help="start: no compute on the machine's libvirtd")
    spaces = parser.add_mutually_exclusive_group()
    spaces.add_argument('--namespaces', dest='namespaces',
                        action='store_true', default=None,
                        help='start: every compute in a network namespace '
                             'of its own is required (by default where '
                             'the machine allows it)')
    spaces.add_argument('--no-namespaces', dest='namespaces',
                        action='store_false',
                        help='start: every process on the loopback')
    parser.add_argument('--without-load', action='store_true',
                        help='check: leave out the 50-client load check '
                             '(see docs/deployment.md, known problems)')
    args = parser.parse_args(argv)
    deployment = control.Deployment(args.root)
    if args.command == 'start':
        deployment.start(real_host=args.real_host,
                         namespaces=args.namespaces)
        return 0
    if args.command == 'stop':
        deployment.stop()
        return 0
    from nova_cca_deploy import check
    return check.main(deployment, load=not args.without_load)


if __name__ == '__main__':
    sys.exit(main())
