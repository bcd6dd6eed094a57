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

"""``nova-cca-attest`` (also ``nova-cca attest``): collect a realm's
attestation token, verify one.

    nova-cca-attest verify TOKEN|- [--cpak FILE] [--nonce HEX]
        [--rpv BASE64 | --server UUID] [--algo sha256|sha512] [--rim HEX]
        [--reference CORIM|RVSTORE] [--allow-debug-lifecycle] [--json]
    nova-cca-attest reference (--domain XML | --vmm qemu|kvmtool)
        --host-params FILE... [--kernel F] [--initrd F] [--firmware F]
        [--dtb F] [--corim FILE] [--profile PROFILE] [--json]
    nova-cca-attest collect --nonce HEX [--output FILE] [--tsm-root DIR]

Exit codes of ``verify``, one per outcome (docs/attestation.md):

- 0 VERIFIED: every check passed, the platform signature with the key
  given with ``--cpak`` among them;
- 1 DOES NOT VERIFY: a check failed;
- 2 usage error (bad option, unreadable token or key file);
- 4 NOT A TOKEN: the input is not a CCA attestation token;
- 5 UNANCHORED: every check that ran passed, but no ``--cpak`` was given,
  so nothing anchors the token in genuine CCA hardware. Not 0, so that
  ``verify ... && trust`` never trusts an unanchored token; not 1, so
  that a script tells "forged or wrong" from "not anchored"; not 3, which
  nova-cca's other commands use for "cannot check".

``reference`` computes the measurements a realm should report
(:mod:`nova_cca_attest.reference`): 0 computed; 1 the inputs describe no
realm launch that can be measured; 2 usage error.

Every text the token carries is printed escaped (no control character
reaches the terminal). ``collect``: 0 the token was written; 1 it could
not be collected; 2 usage error.
"""

import argparse
import json
import sys
from typing import Any

VERIFIED = 0
DOES_NOT_VERIFY = 1
USAGE = 2
NOT_A_TOKEN = 4
UNANCHORED = 5
COLLECT_FAILED = 1

#: the exit code of each outcome of verify (nova_cca_attest.verify)
EXIT_CODES = {'VERIFIED': VERIFIED, 'UNANCHORED': UNANCHORED,
              'DOES NOT VERIFY': DOES_NOT_VERIFY, 'NOT A TOKEN': NOT_A_TOKEN}


def add_parser(commands: argparse._SubParsersAction
               ) -> argparse.ArgumentParser:
    """Add ``attest`` and its sub-commands to ``nova-cca``'s parser."""
    attest = commands.add_parser(
        'attest', help="collect or verify a realm's attestation token",
        description="Collect a CCA attestation token inside a realm guest, "
                    "or verify one on the tenant's own machine.")
    add_actions(attest)
    return attest


def add_actions(parser: argparse.ArgumentParser) -> None:
    """Add ``verify`` and ``collect`` to ``parser``."""
    actions = parser.add_subparsers(dest='attest_command', required=True)
    verify = actions.add_parser(
        'verify', help='verify a CCA attestation token',
        description='Verify a CCA attestation token. Exit 0 VERIFIED: '
                    'every check passed, the platform signature with '
                    '--cpak among them; 5 UNANCHORED: every check passed '
                    'but no --cpak was given; 1 DOES NOT VERIFY: a check '
                    'failed; 4 NOT A TOKEN; 2: usage error.')
    verify.add_argument('token', help="token file, or '-' for stdin")
    verify.add_argument('--cpak', metavar='FILE',
                        help="the platform's attestation public key (JWK "
                             "or PEM); without it the platform is not "
                             "authenticated")
    verify.add_argument('--nonce', metavar='HEX', type=_nonce,
                        help='the nonce given to collect (32-64 bytes)')
    rpv = verify.add_mutually_exclusive_group()
    rpv.add_argument('--rpv', metavar='BASE64', type=_rpv,
                     help='the expected personalization value')
    rpv.add_argument('--server', metavar='UUID', type=_server,
                     help="the server's UUID: expect the personalization "
                          "value nova-cca derives from it")
    verify.add_argument('--algo', type=_algorithm,
                        help='the expected measurement algorithm '
                             '(sha256 or sha512)')
    verify.add_argument('--rim', metavar='HEX', type=_rim,
                        help='the expected initial measurement (from your '
                             'own build)')
    verify.add_argument('--reference', metavar='FILE',
                        help='reference values: an unsigned CoRIM in a '
                             'CCA realm profile (e.g. from "reference '
                             '--corim") or a Trustee reference-value store; '
                             'the token must match one of them')
    verify.add_argument('--allow-debug-lifecycle', action='store_true',
                        help='let a platform in a recoverable debug '
                             'lifecycle state pass (a decommissioned one '
                             'never does)')
    verify.add_argument('--json', action='store_true',
                        help='print one JSON document')
    _add_reference(actions)
    collect = actions.add_parser(
        'collect', help="ask this realm guest's kernel for a token",
        description='Inside a realm guest: ask the kernel (configfs TSM '
                    'reports) for a CCA attestation token bound to NONCE.')
    collect.add_argument('--nonce', metavar='HEX', type=_nonce,
                         required=True,
                         help='a fresh nonce from the verifier (32-64 '
                              'bytes, hex)')
    collect.add_argument('--output', metavar='FILE',
                         help='write the token here (default: stdout)')
    collect.add_argument('--tsm-root', metavar='DIR', default=None,
                         help='configfs TSM report directory (default '
                              '/sys/kernel/config/tsm/report)')


def _add_reference(actions):
    reference = actions.add_parser(
        'reference', help="compute a realm's expected measurements",
        description="Compute the initial measurement (RIM) a realm should "
                    "report, from its libvirt domain XML (or a VMM layout), "
                    "its payload files and the host's realm parameters; "
                    "print it, or write an unsigned CoRIM for a verifier.")
    source = reference.add_mutually_exclusive_group(required=True)
    source.add_argument('--domain', metavar='XML',
                        help='the libvirt domain XML of the realm (QEMU)')
    source.add_argument('--vmm', choices=('qemu', 'kvmtool'),
                        help='no domain XML: the VMM whose layout to use, '
                             'with --cpus, --memory, --append')
    reference.add_argument('--host-params', metavar='FILE', action='append',
                           required=True,
                           help="the host's realm parameters (JSON, YAML or "
                                "key = value); repeat to overlay")
    for name in ('kernel', 'initrd', 'firmware', 'dtb'):
        reference.add_argument('--' + name, metavar='FILE',
                               help='the %s (a local copy of the file the '
                                    'domain XML names)' % name)
    reference.add_argument('--cpus', type=int, default=1,
                           help='vCPUs (with --vmm)')
    reference.add_argument('--memory', metavar='MiB', type=int, default=128,
                           help='RAM in MiB (with --vmm)')
    reference.add_argument('--append', metavar='TEXT',
                           help='kernel command line (with --vmm)')
    reference.add_argument('--measurement-log', action='store_true',
                           help='the VMM loads a measurement log (with '
                                '--vmm)')
    reference.add_argument('--rems-at-launch', action='store_true',
                           help='also publish REM0-3 as they are at launch '
                                '(zero): only for a guest that extends none')
    reference.add_argument('--corim', metavar='FILE',
                           help='write the reference values as an unsigned '
                                'CoRIM')
    reference.add_argument('--profile', default='tag:arm.com,2025:'
                           'cca_realm#1.0.0',
                           choices=('tag:arm.com,2025:cca_realm#1.0.0',
                                    'http://arm.com/cca/realm/1'),
                           help='the CoRIM profile (default: %(default)s)')
    reference.add_argument('--output-dtb', metavar='FILE',
                           help='write the device tree that was measured')
    reference.add_argument('--json', action='store_true',
                           help='print one JSON document')


def _hex(text, what, sizes):
    try:
        value = bytes.fromhex(text)
    except ValueError:
        raise argparse.ArgumentTypeError('%s must be hex, got %r'
                                         % (what, text[:80])) from None
    if len(value) not in sizes:
        raise argparse.ArgumentTypeError(
            '%s must be %s bytes, got %d' % (
                what, '%d to %d' % (min(sizes), max(sizes))
                if len(sizes) > 3 else ' or '.join(map(str, sizes)),
                len(value)))
    return value


def _nonce(text):
    return _hex(text, 'a nonce', range(32, 65))


def _rim(text):
    return _hex(text, 'an initial measurement', (32, 48, 64))


def _rpv(text):
    from nova_cca_attest import personalization
    try:
        return personalization.decode(text)
    except ValueError as e:
        raise argparse.ArgumentTypeError(str(e)) from None


def _server(text):
    from nova_cca_attest import personalization
    try:
        return text, personalization.derive(text)
    except ValueError:
        raise argparse.ArgumentTypeError('a server UUID, got %r'
                                         % text[:80]) from None


def _algorithm(text):
    names = {'sha256': 'sha-256', 'sha-256': 'sha-256',
             'sha512': 'sha-512', 'sha-512': 'sha-512'}
    try:
        return names[text.lower()]
    except KeyError:
        raise argparse.ArgumentTypeError(
            'the measurement algorithm is sha256 or sha512, got %r'
            % text[:40]) from None


def run(argv: list[str] | None = None) -> int:
    """``nova-cca-attest``: the same sub-commands without nova-cca."""
    parser = argparse.ArgumentParser(
        prog='nova-cca-attest',
        description="Arm CCA realm attestation: collect a realm's token in "
                    "the guest, verify it on your own machine.")
    add_actions(parser)
    return main(parser.parse_args(argv))


def main(args: argparse.Namespace) -> int:
    if args.attest_command == 'collect':
        return collect(args)
    if args.attest_command == 'reference':
        return reference(args)
    return verify(args)


def _error(message, code):
    from nova_cca_attest import printable
    print('nova-cca attest: %s' % printable.escape(message),
          file=sys.stderr)
    return code


def _print_json(document):
    from nova_cca_attest import printable
    print(printable.json_text(json.dumps(document, indent=2)))


def collect(args: argparse.Namespace) -> int:
    from nova_cca_attest import collect as tsm
    if not args.output and sys.stdout.isatty():
        return _error('the token is binary: give --output FILE or redirect '
                      'standard output', USAGE)
    reports = tsm.TsmReports(args.tsm_root or tsm.DEFAULT_TSM_ROOT)
    try:
        token = reports.collect(args.nonce)
    except tsm.CollectError as e:
        return _error('cannot collect a token: %s' % e, COLLECT_FAILED)
    try:
        if args.output:
            with open(args.output, 'wb') as f:
                f.write(token)
        else:
            sys.stdout.buffer.write(token)
            sys.stdout.flush()
    except OSError as e:
        return _error('cannot write the token to %s: %s'
                      % (args.output or 'stdout', e.strerror or e),
                      COLLECT_FAILED)
    return 0


def verify(args: argparse.Namespace) -> int:
    try:
        from nova_cca_attest import keys
        from nova_cca_attest import token as cca_token
        from nova_cca_attest import TokenError
        from nova_cca_attest import verify as checks
    except ImportError as e:
        return _error("verify needs the 'verify' extra (pip install "
                      "'nova-cca-attest[verify]'): %s" % e, USAGE)
    expected = checks.Expectations(
        nonce=args.nonce, rim=args.rim, algorithm=args.algo,
        allow_debug_lifecycle=args.allow_debug_lifecycle)
    if args.rpv is not None:
        expected.rpv, expected.rpv_source = args.rpv, 'given (--rpv)'
    elif args.server is not None:
        server, expected.rpv = args.server
        expected.rpv_source = 'nova-cca derives for server %s' % server
    if args.cpak:
        try:
            expected.cpak = keys.load_public_key(args.cpak)
        except keys.KeyFileError as e:
            return _error(str(e), USAGE)
    if args.reference:
        from nova_cca_attest.reference import corim
        try:
            with open(args.reference, 'rb') as f:
                expected.references = corim.read(f.read(), args.reference)
        except OSError as e:
            return _error('cannot read reference values %s: %s'
                          % (args.reference, e.strerror or e), USAGE)
        except corim.ReferenceError as e:
            return _error('unusable reference values: %s' % e, USAGE)
    try:
        data = _read_token(args.token, cca_token.MAX_TOKEN_BYTES)
    except OSError as e:
        return _error('cannot read token %s: %s'
                      % (args.token, e.strerror or e), USAGE)
    try:
        token = cca_token.decode(data)
    except TokenError as e:
        if args.json:
            _print_json({'outcome': checks.NOT_A_TOKEN,
                         'verdict': checks.NOT_A_TOKEN.lower(),
                         'error': str(e)})
        return _error('not a CCA attestation token: %s' % e, NOT_A_TOKEN)
    result = checks.verify(token, expected)
    if args.json:
        _print_json(result.to_dict())
    else:
        sys.stdout.write(to_text(result.to_dict()))
    return EXIT_CODES[result.outcome]


def reference(args: argparse.Namespace) -> int:
    from nova_cca_attest.reference import launch as launches
    from nova_cca_attest.reference import ReferenceError
    files = {name: getattr(args, name)
             for name in ('kernel', 'initrd', 'firmware', 'dtb')}
    try:
        domain_xml = None
        if args.domain:
            with open(args.domain, encoding='utf-8') as f:
                domain_xml = f.read()
    except (OSError, UnicodeDecodeError) as e:
        return _error('cannot read %s: %s' % (args.domain, e), USAGE)
    try:
        result = launches.compute(
            args.host_params, domain_xml=domain_xml, vmm=args.vmm,
            files=files, cpus=args.cpus, memory=args.memory << 20,
            append=args.append, measurement_log=args.measurement_log)
    except ReferenceError as e:
        return _error(str(e), 1)
    if args.output_dtb:
        try:
            with open(args.output_dtb, 'wb') as f:
                f.write(result.plan.dtb)
        except OSError as e:
            return _error('cannot write %s: %s' % (args.output_dtb, e), USAGE)
    if args.corim:
        try:
            from nova_cca_attest.reference import corim
        except ImportError as e:
            return _error("--corim needs the 'verify' extra (cbor2): %s"
                          % e, USAGE)
        try:
            with open(args.corim, 'wb') as f:
                f.write(corim.build(result.reference(args.rems_at_launch),
                                    args.profile))
        except OSError as e:
            return _error('cannot write %s: %s' % (args.corim, e), USAGE)
    if args.json:
        _print_json(result.to_dict())
    else:
        sys.stdout.write(result.to_text())
    return 0


def _read_token(path, limit):
    """At most ``limit + 1`` bytes, so that decode can refuse a larger
    input without reading all of it.
    """
    if path == '-':
        return sys.stdin.buffer.read(limit + 1)
    with open(path, 'rb') as f:
        return f.read(limit + 1)


#: what the first line of the text report adds to an outcome
OUTCOME_NOTES = {
    'UNANCHORED': ' (no --cpak: consistent in itself, but nothing shows '
                  'that genuine CCA hardware made it)',
}


def to_text(report: dict[str, Any]) -> str:
    """The report as text lines; every line is escaped, so no character
    of the token reaches the terminal unescaped.
    """
    from nova_cca_attest import printable
    lines = ['%s: %s%s' % (report['envelope'], report['outcome'],
                           OUTCOME_NOTES.get(report['outcome'], '')), '']
    width = max(len(check['name']) for check in report['checks'])
    for check in report['checks']:
        lines.append('  %-7s  %-*s  %s' % (
            check['verdict'], width, check['name'], check['detail']))
    for part in ('realm', 'platform'):
        lines += ['', '%s claims:' % part.capitalize()]
        for name, value in report[part].items():
            if isinstance(value, list) and value and all(
                    isinstance(item, dict) for item in value):
                lines.append('  %s:' % name)
                lines += ['    - %s' % _text(item) for item in value]
            else:
                lines.append('  %s: %s' % (name, _text(value)))
    return '\n'.join(printable.escape(line) for line in lines) + '\n'


def _text(value):
    if isinstance(value, (list, dict)):
        return json.dumps(value)
    return str(value)
