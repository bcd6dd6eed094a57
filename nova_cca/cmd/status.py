"""``nova-cca status``: print the readiness checks, exit 0/1/2."""

import json
import sys

import prettytable


def load_conf(config_file):
    import nova.conf

    from nova_cca import conf as realm_conf
    conf = nova.conf.CONF
    realm_conf.register_opts(conf)
    args = ['--config-file', config_file] if config_file else []
    conf(args, project='nova', default_config_files=None if not
         config_file else [])
    return conf


def main(args):
    from oslo_config import cfg

    from nova_cca import status
    try:
        conf = load_conf(args.config_file)
    except cfg.Error as e:
        print('nova-cca status: cannot read configuration: %s' % e,
              file=sys.stderr)
        return 2
    checks = status.RealmReadiness(conf, libvirt_uri=args.libvirt_uri)
    results = checks.results()
    code = max([status.Code.SUCCESS] + [r.code for _, r in results])
    if args.json:
        print(json.dumps({'name': checks.display_title, 'checks': [
            {'check': name, 'result': int(result.code),
             'status': status.upgradecheck.UPGRADE_CHECK_MSG_MAP[
                 result.code],
             'details': result.details} for name, result in results]},
            indent=2))
    else:
        table = prettytable.PrettyTable([checks.display_title],
                                        hrules=prettytable.ALL)
        table.align = 'l'
        for name, result in results:
            table.add_row(['Check: %s\nResult: %s\nDetails: %s' % (
                name, status.upgradecheck.UPGRADE_CHECK_MSG_MAP[result.code],
                checks._get_details(result))])
        print(table)
    return int(code)
