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

"""``nova-cca-attest verify|collect`` (also ``nova-cca attest``): output
and exit codes.
"""

import io
import json
import sys

import pytest

from nova_cca_attest import cmd as attest
from nova_cca_attest import personalization
from nova_cca_attest.tests import cca_tokens as t
from nova_cca_attest.tests import test_collect as fake
from nova_cca_attest.tests.test_vectors import DATA
from nova_cca_attest.tests.test_vectors import needs_vectors

SERVER = '7d1d6a4a-93a5-4e2b-9d3f-3f9cf1a8e2b1'


@pytest.fixture(scope='module')
def keys():
    return t.Keys()


@pytest.fixture
def realm_token(keys, tmp_path):
    realm = t.realm_claims(keys, {44235: personalization.derive(SERVER)})
    path = tmp_path / 'token.cbor'
    path.write_bytes(t.token(keys, realm=realm))
    return str(path)


@pytest.fixture
def cpak(keys, tmp_path):
    return keys.write_cpak_pem(tmp_path / 'cpak.pem')


def run(argv, capsys):
    code = attest.run(argv)
    out, err = capsys.readouterr()
    return code, out, err


def test_documented_exit_codes():
    assert (attest.VERIFIED, attest.DOES_NOT_VERIFY, attest.USAGE,
            attest.NOT_A_TOKEN, attest.UNANCHORED) == (0, 1, 2, 4, 5)
    for line in ('0 VERIFIED', '1 DOES NOT VERIFY', '2 usage error',
                 '4 NOT A TOKEN', '5 UNANCHORED'):
        assert line in attest.__doc__
    # one exit code per outcome, distinct
    from nova_cca_attest import verify
    assert set(attest.EXIT_CODES) == set(verify.OUTCOMES)
    assert len(set(attest.EXIT_CODES.values())) == len(verify.OUTCOMES)


@needs_vectors
def test_public_vector_verifies(capsys):
    code, out, _ = run(['verify', str(DATA / 'cca_example_token.cbor'),
                        '--cpak', str(DATA / 'cca_platform.pub')], capsys)
    assert code == 0
    assert out.startswith('CMW collection (CBOR tag 907): VERIFIED\n')
    assert 'pass     platform-signature' in out


@needs_vectors
def test_public_vector_without_cpak_is_unanchored(capsys):
    code, out, _ = run(['verify', str(DATA / 'cca_example_token.cbor')],
                       capsys)
    assert code == 5
    assert out.startswith('CMW collection (CBOR tag 907): UNANCHORED (no '
                          '--cpak')
    assert 'skipped  platform-signature' in out
    code, out, _ = run(['verify', str(DATA / 'cca_example_token.cbor'),
                        '--json'], capsys)
    assert code == 5
    assert json.loads(out)['outcome'] == 'UNANCHORED'


@needs_vectors
def test_public_negative_vector_does_not_verify(capsys):
    code, out, _ = run(['verify', str(DATA / 'bug-33-repro.cbor'),
                        '--cpak', str(DATA / 'cpak.json'), '--json'],
                       capsys)
    report = json.loads(out)
    assert code == 1
    assert report['outcome'] == 'DOES NOT VERIFY'
    assert report['verdict'] == 'does not verify'
    assert [c['name'] for c in report['checks']
            if c['verdict'] == 'fail'] == ['binding']


def test_all_checks_pass_with_jwk_and_pem(keys, realm_token, tmp_path,
                                          capsys):
    for cpak in (keys.write_cpak_jwk(tmp_path / 'cpak.jwk'),
                 keys.write_cpak_pem(tmp_path / 'cpak.pem')):
        code, out, _ = run(['verify', realm_token, '--cpak', cpak,
                            '--nonce', t.NONCE.hex(), '--server', SERVER,
                            '--algo', 'sha256', '--rim', t.RIM.hex(),
                            '--json'], capsys)
        report = json.loads(out)
        assert code == 0, report
        assert report['outcome'] == 'VERIFIED'
        assert {c['verdict'] for c in report['checks']} == {'pass'}
        assert 'derives for server %s' % SERVER in str(report['checks'])


def test_rpv_option(realm_token, cpak, capsys):
    rpv = personalization.derive_base64(SERVER)
    assert run(['verify', realm_token, '--rpv', rpv, '--cpak', cpak],
               capsys)[0] == 0
    other = personalization.derive_base64(SERVER[:-1] + '2')
    code, out, _ = run(['verify', realm_token, '--rpv', other,
                        '--cpak', cpak], capsys)
    assert code == 1
    assert 'fail     personalization-value' in out


@pytest.mark.parametrize('option,value', [
    ('--nonce', 'ff' * 64), ('--server', SERVER[:-1] + '2'),
    ('--algo', 'sha512'), ('--rim', '00' * 32)])
def test_a_failing_check_exits_1(realm_token, cpak, capsys, option,
                                 value):
    # with or without the platform key: a failed check is a failure
    for anchor in ([], ['--cpak', cpak]):
        code, out, _ = run(['verify', realm_token, option, value] + anchor,
                           capsys)
        assert code == 1
        assert out.startswith('CCA token collection (CBOR tag 399): DOES '
                              'NOT VERIFY\n')


def test_without_cpak_exits_5_unanchored(realm_token, capsys):
    code, out, _ = run(['verify', realm_token, '--nonce', t.NONCE.hex(),
                        '--server', SERVER], capsys)
    assert code == 5
    assert out.startswith('CCA token collection (CBOR tag 399): UNANCHORED '
                          '(no --cpak: consistent in itself, but nothing '
                          'shows that genuine CCA hardware made it)\n')
    assert 'VERIFIED' not in out
    code, out, _ = run(['verify', realm_token, '--json'], capsys)
    report = json.loads(out)
    assert code == 5
    assert (report['outcome'], report['verdict']) == ('UNANCHORED',
                                                      'unanchored')


def test_a_token_signed_by_any_key_is_not_verified(tmp_path, capsys):
    # the case: a token made by anybody with keys of their own
    path = tmp_path / 'forged.cbor'
    path.write_bytes(t.token(t.Keys()))
    assert run(['verify', str(path)], capsys)[0] == 5
    assert run(['verify', str(path), '--cpak', t.Keys().write_cpak_pem(
        tmp_path / 'genuine.pem')], capsys)[0] == 1


@pytest.mark.parametrize('lifecycle,allow,code', [
    (0x3000, False, 0), (0x30ff, False, 0),
    (0x4000, False, 1), (0x4000, True, 0),
    (0x50a1, False, 1), (0x50a1, True, 0),
    (0x6000, False, 1), (0x6000, True, 1),
    (0x0000, True, 1), (0x2000, True, 1), (0x7000, True, 1),
])
def test_lifecycle_policy(keys, cpak, tmp_path, capsys, lifecycle, allow,
                          code):
    realm = t.realm_claims(keys)
    path = tmp_path / 'token.cbor'
    path.write_bytes(t.token(keys, realm=realm, platform=t.platform_claims(
        realm, {2395: lifecycle})))
    argv = ['verify', str(path), '--cpak', cpak, '--json']
    got, out, _ = run(argv + (['--allow-debug-lifecycle'] if allow else []),
                      capsys)
    assert got == code
    check = next(c for c in json.loads(out)['checks']
                 if c['name'] == 'platform-lifecycle')
    assert check['verdict'] == ('pass' if code == 0 else 'fail')


def test_not_a_token_exits_4(tmp_path, capsys):
    path = tmp_path / 'junk'
    path.write_bytes(b'\xd9\x01\x8f\xa1')
    code, out, err = run(['verify', str(path)], capsys)
    assert code == 4
    assert 'not a CCA attestation token: the input is not well-formed' in err
    code, out, err = run(['verify', str(path), '--json'], capsys)
    assert code == 4
    assert json.loads(out)['verdict'] == 'not a token'


def test_oversized_input_exits_4(tmp_path, capsys):
    path = tmp_path / 'big'
    path.write_bytes(bytes(10 ** 6))
    code, _, err = run(['verify', str(path)], capsys)
    assert code == 4
    assert 'a CCA token is at most 65536' in err


def test_token_from_stdin(keys, cpak, monkeypatch, capsys):
    monkeypatch.setattr(sys, 'stdin', io.TextIOWrapper(
        io.BytesIO(t.token(keys))))
    assert run(['verify', '-', '--cpak', cpak], capsys)[0] == 0


@pytest.mark.parametrize('argv,message', [
    (['--nonce', 'zz'], 'a nonce must be hex'),
    (['--nonce', 'ab' * 16 + 'ab' * 49], 'a nonce must be 32 to 64 bytes'),
    (['--rim', 'ab' * 20], 'an initial measurement must be 32 or 48 or 64'),
    (['--rpv', 'abc'], 'personalization value is base64'),
    (['--server', 'not-a-uuid'], 'a server UUID'),
    (['--algo', 'md5'], 'sha256 or sha512'),
    (['--rpv', personalization.derive_base64(SERVER), '--server', SERVER],
     'not allowed with argument'),
])
def test_usage_errors_exit_2(realm_token, capsys, argv, message):
    with pytest.raises(SystemExit) as exit:
        attest.run(['verify', realm_token] + argv)
    assert exit.value.code == 2
    assert message in capsys.readouterr().err


def test_unusable_key_file_exits_2(realm_token, tmp_path, capsys):
    bad = tmp_path / 'bad.jwk'
    bad.write_text('{"kty": "RSA"}')
    code, _, err = run(['verify', realm_token, '--cpak', str(bad)], capsys)
    assert code == 2
    assert 'JWK kty must be "EC"' in err
    code, _, err = run(['verify', realm_token, '--cpak',
                        str(tmp_path / 'missing')], capsys)
    assert code == 2
    assert 'cannot read key file' in err


def test_unreadable_token_exits_2(tmp_path, capsys):
    code, _, err = run(['verify', str(tmp_path / 'missing')], capsys)
    assert code == 2
    assert 'cannot read token' in err


def test_collect_without_the_interface(tmp_path, capsys):
    code, out, err = run(['collect', '--nonce', t.NONCE.hex(),
                          '--tsm-root', str(tmp_path / 'absent')], capsys)
    assert code == 1
    assert 'no configfs TSM report interface' in err
    assert out == ''


def test_collect_refuses_to_print_binary_to_a_terminal(monkeypatch,
                                                       capsys):
    monkeypatch.setattr(sys.stdout, 'isatty', lambda: True)
    code, _, err = run(['collect', '--nonce', t.NONCE.hex()], capsys)
    assert code == 2
    assert 'give --output FILE' in err


def test_collect_then_verify(tmp_path, monkeypatch, capsys):
    kernel = fake.FakeKernel(tmp_path / 'tsm')
    (tmp_path / 'tsm').mkdir()
    monkeypatch.setattr(attest_collect_module(), 'TsmReports',
                        lambda root: kernel)
    output = tmp_path / 'token.cbor'
    code, _, err = run(['collect', '--nonce', t.NONCE.hex(), '--output',
                        str(output)], capsys)
    assert code == 0, err
    code, out, _ = run(['verify', str(output), '--nonce', t.NONCE.hex(),
                        '--cpak', kernel.keys.write_cpak_pem(
                            tmp_path / 'cpak.pem')], capsys)
    assert code == 0
    assert 'pass     challenge' in out


def attest_collect_module():
    from nova_cca_attest import collect
    return collect


def test_collect_to_stdout(tmp_path, monkeypatch, capsysbinary):
    from nova_cca_attest import token
    kernel = fake.FakeKernel(tmp_path)
    monkeypatch.setattr(attest_collect_module(), 'TsmReports',
                        lambda root: kernel)
    assert attest.run(['collect', '--nonce', t.NONCE.hex()]) == 0
    out = capsysbinary.readouterr().out
    assert token.decode(out).realm_claims[10] == t.NONCE


@pytest.mark.parametrize('cpak_given,code', [(True, 0), (False, 5)])
def test_nova_cca_attest_is_the_same_command(realm_token, cpak, capsys,
                                             cpak_given, code):
    # `nova-cca attest` where nova-cca (and so Nova) is installed
    main = pytest.importorskip('nova_cca.cmd.main')
    argv = ['verify', realm_token] + (['--cpak', cpak] if cpak_given else [])
    assert main.main(['attest'] + argv) == code
    through_nova_cca = capsys.readouterr().out
    assert attest.run(argv) == code
    assert capsys.readouterr().out == through_nova_cca
