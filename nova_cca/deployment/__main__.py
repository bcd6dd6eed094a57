"""python -m nova_cca.deployment start|check|stop [--root DIR]"""

import argparse
import os
import sys

from nova_cca.deployment import control


def main(argv=None):
    parser = argparse.ArgumentParser(prog='tools/deploy')
    parser.add_argument('command', choices=['start', 'check', 'stop'])
    parser.add_argument('--root',
                        default=os.path.join(os.getcwd(), '.deploy'),
                        help='where configs, logs and PIDs go')
    parser.add_argument('--real-host', action='store_true',
                        help="also a compute on the machine's libvirtd "
                             '(needs a QEMU libvirt reports for this '
                             'machine; not yet proven end to end)')
    parser.add_argument('--without-load', action='store_true',
                        help='check: leave out the 50-client load check '
                             '(see docs/deployment.md, known problems)')
    args = parser.parse_args(argv)
    deployment = control.Deployment(args.root)
    if args.command == 'start':
        deployment.start(real_host=None if args.real_host else False)
        return 0
    if args.command == 'stop':
        deployment.stop()
        return 0
    from nova_cca.deployment import check
    return check.main(deployment, load=not args.without_load)


if __name__ == '__main__':
    sys.exit(main())
