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


"""No character of a token reaches the terminal unescaped."""

import json

import cbor2
import hypothesis
from hypothesis import strategies as st
import pytest

from nova_cca_attest import cmd as attest
from nova_cca_attest import printable
from nova_cca_attest.tests import cca_tokens as t
from nova_cca_attest import token
from nova_cca_attest import verify

CLEAR_SCREEN = '\x1b[2J\x1b[H'
#: what a hostile token would paint after clearing the screen
FAKE_REPORT = CLEAR_SCREEN + 'CCA token collection: VERIFIED\n  pass\r'
HOSTILE = [
    CLEAR_SCREEN, FAKE_REPORT,
    '\x9b2J',                  # CSI as one C1 character
    'abc\u202edcba',           # right-to-left override
    '\u2066x\u2069',           # isolates
    'del\x7f', 'bell\x07', 'nul\x00', 'line\u2028sep', 'zw\u200bsp',
    '\x1b]0;title\x07',        # set the window title
]


@pytest.fixture(scope='module')
def keys():
    return t.Keys()


def terminal_safe(text):
    """Every character printable, or a line break between lines."""
    return all(char.isprintable() or char == '\n' for char in text)


@pytest.mark.parametrize('text,shown', [
    ('BL', 'BL'), ('RSE_BL1_2 v1.0', 'RSE_BL1_2 v1.0'),
    ('é ü 中', 'é ü 中'),
    (CLEAR_SCREEN, '\\x1b[2J\\x1b[H'),
    ('a\rb\nc\td', 'a\\x0db\\x0ac\\x09d'),
    ('\x7f\x9b', '\\x7f\\x9b'),
    ('x\u202ey\u2066z', 'x\\u202ey\\u2066z'),
    ('\u2028\u00a0\ufeff', '\\u2028\\xa0\\ufeff'),
    ('\U000e0041\U0010fffd', '\\U000e0041\\U0010fffd'),
])
def test_escape(text, shown):
    assert printable.escape(text) == shown
    assert terminal_safe(printable.escape(text))


def test_json_text_escapes_del():
    document = json.dumps({'a': '\x1b\x7f\u202e'})
    assert printable.json_text(document) == \
        '{"a": "\\u001b\\u007f\\u202e"}'
    assert json.loads(printable.json_text(document)) == {'a': '\x1b\x7f'
                                                              '\u202e'}


def hostile_token(keys, text):
    """A token that verifies with its own keys, ``text`` in every text
    claim that does not stop it from verifying, and in claims that make
    checks fail and print what they found.
    """
    realm = t.realm_claims(keys, {265: t.REALM_PROFILE,
                                  44236: 'sha-256', 77777: text})
    platform = t.platform_claims(realm, {
        2399: [{1: text, 2: bytes(32), 4: text, 5: bytes(32), 6: text,
                text: text}],
        2400: text, 88888: [text, {text: text}]})
    return t.token(keys, realm=realm, platform=platform)


def failing_tokens(keys, text):
    """Tokens whose checks fail with ``text`` in their reasons."""
    yield t.token(keys, realm=t.realm_claims(keys, {265: text}))
    realm = t.realm_claims(keys)
    yield t.token(keys, realm=realm,
                  platform=t.platform_claims(realm, {265: text}))
    realm = t.realm_claims(keys, {44236: text})
    yield t.token(keys, realm=realm)
    realm = t.realm_claims(keys, {44240: text})
    yield t.token(keys, realm=realm,
                  platform=t.platform_claims(t.realm_claims(keys)))
    yield t.token(keys, realm_alg=text)


def refused_tokens(keys, text):
    """Not tokens, with ``text`` where bytes or integers belong."""
    realm = t.realm_claims(keys)
    yield t.token(keys, realm=realm,
                  platform=t.platform_claims(realm, {2396: text}))
    yield t.token(keys, realm=realm,
                  platform=t.platform_claims(realm, {text: 1}))
    yield t.token(keys, realm=t.realm_claims(keys, {text: 1}),
                  platform=t.platform_claims(realm))
    yield cbor2.dumps(cbor2.CBORTag(399, {text: b''}))


def run(path, capsys, *options):
    code = attest.run(['verify', str(path)] + list(options))
    out, err = capsys.readouterr()
    return code, out, err


@pytest.mark.parametrize('text', HOSTILE)
def test_hostile_text_claims_are_printed_escaped(keys, tmp_path, capsys,
                                                 text):
    path = tmp_path / 'token.cbor'
    cpak = keys.write_cpak_pem(tmp_path / 'cpak.pem')
    path.write_bytes(hostile_token(keys, text))
    code, out, err = run(path, capsys, '--cpak', cpak)
    assert code == 0, out
    assert terminal_safe(out + err)
    assert printable.escape(text) in out
    # the report has its own lines only: none painted by the token
    lines = out.split('\n')
    path.write_bytes(hostile_token(keys, 'plain'))
    assert len(lines) == len(run(path, capsys, '--cpak', cpak)[1].split(
        '\n'))
    # the text shown escaped, as itself or inside JSON
    shown = (printable.escape(text), json.dumps(text)[1:-1])
    assert [line for line in lines if 'VERIFIED' in line and
            not any(form in line for form in shown)] == [lines[0]]
    for data in failing_tokens(keys, text):
        path.write_bytes(data)
        code, out, err = run(path, capsys, '--cpak', cpak)
        assert code == 1
        assert terminal_safe(out + err), out
        assert out.startswith('CCA token collection (CBOR tag 399): DOES '
                              'NOT VERIFY\n')
    for data in refused_tokens(keys, text):
        path.write_bytes(data)
        code, out, err = run(path, capsys)
        assert code == 4
        assert out == ''
        assert terminal_safe(err), err


def test_escaped_in_json_too(keys, tmp_path, capsys):
    path = tmp_path / 'token.cbor'
    path.write_bytes(hostile_token(keys, FAKE_REPORT + '\x7f\u202e'))
    code, out, _ = run(path, capsys, '--json')
    assert code == 5
    assert terminal_safe(out)
    report = json.loads(out)
    assert report['platform']['verification-service'] == \
        FAKE_REPORT + '\x7f\u202e'
    path.write_bytes(next(refused_tokens(keys, FAKE_REPORT + '\x7f')))
    code, out, err = run(path, capsys, '--json')
    assert code == 4
    assert terminal_safe(out + err)
    assert json.loads(out)['outcome'] == 'NOT A TOKEN'


def test_hostile_file_name_is_escaped(tmp_path, capsys):
    code, _, err = run(tmp_path / ('missing' + CLEAR_SCREEN), capsys)
    assert code == 2
    assert terminal_safe(err)
    assert 'missing\\x1b[2J' in err


_KEYS = t.Keys()


@hypothesis.settings(max_examples=60, deadline=None)
@hypothesis.given(st.text(max_size=40))
def test_any_text_in_the_claims_prints_safely(text):
    for data in (hostile_token(_KEYS, text),
                 *failing_tokens(_KEYS, text)):
        report = verify.verify(token.decode(data), verify.Expectations(
            cpak=_KEYS.cpak.public_key()))
        assert terminal_safe(attest.to_text(report.to_dict()))
