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

"""``nova-cca attest verify|collect``: output and exit codes."""

import io
import json
import sys

import pytest

from nova_cca.cmd import main
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


def run(argv, capsys):
    code = main.main(['attest'] + argv)
    out, err = capsys.readouterr()
    return code, out, err


def test_documented_exit_codes():
    assert (attest.VERIFIED, attest.DOES_NOT_VERIFY, attest.USAGE,
            attest.NOT_A_TOKEN) == (0, 1, 2, 4)
    assert '4 the input is not a CCA attestation token' in attest.__doc__


@needs_vectors
def test_public_vector_verifies(capsys):
    code, out, _ = run(['verify', str(DATA / 'cca_example_token.cbor'),
                        '--cpak', str(DATA / 'cca_platform.pub')], capsys)
    assert code == 0
    assert out.startswith('CMW collection (CBOR tag 907): VERIFIED')
    assert 'pass     platform-signature' in out


@needs_vectors
def test_public_negative_vector_does_not_verify(capsys):
    code, out, _ = run(['verify', str(DATA / 'bug-33-repro.cbor'),
                        '--cpak', str(DATA / 'cpak.json'), '--json'],
                       capsys)
    report = json.loads(out)
    assert code == 1
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
        assert {c['verdict'] for c in report['checks']} == {'pass'}
        assert 'derives for server %s' % SERVER in str(report['checks'])


def test_rpv_option(realm_token, capsys):
    rpv = personalization.derive_base64(SERVER)
    assert run(['verify', realm_token, '--rpv', rpv], capsys)[0] == 0
    other = personalization.derive_base64(SERVER[:-1] + '2')
    code, out, _ = run(['verify', realm_token, '--rpv', other], capsys)
    assert code == 1
    assert 'fail     personalization-value' in out


@pytest.mark.parametrize('option,value', [
    ('--nonce', 'ff' * 64), ('--server', SERVER[:-1] + '2'),
    ('--algo', 'sha512'), ('--rim', '00' * 32)])
def test_a_failing_check_exits_1(realm_token, capsys, option, value):
    code, out, _ = run(['verify', realm_token, option, value], capsys)
    assert code == 1
    assert 'DOES NOT VERIFY' in out


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


def test_token_from_stdin(keys, monkeypatch, capsys):
    monkeypatch.setattr(sys, 'stdin', io.TextIOWrapper(
        io.BytesIO(t.token(keys))))
    assert run(['verify', '-'], capsys)[0] == 0


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
        main.main(['attest', 'verify', realm_token] + argv)
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
    assert main.main(['attest', 'collect', '--nonce', t.NONCE.hex()]) == 0
    out = capsysbinary.readouterr().out
    assert token.decode(out).realm_claims[10] == t.NONCE
