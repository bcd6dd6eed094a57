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


"""Token text made safe to print on a terminal.

A token's text claims (profiles, software component types and versions,
the verification service), its map keys and the reasons derived from them
are chosen by whoever made the token. Printed raw, an escape sequence in
them (ESC ``[2J`` clears the screen) or a bidirectional override could
paint a report that is not the verifier's. :func:`escape` writes every
character that is not printable as a Python-style escape: C0 and C1
controls (ESC, DEL, CR, ...), format characters (bidirectional overrides
and isolates, zero-width characters), separators other than the space
(line and paragraph separators, no-break spaces), surrogates, private-use
and unassigned code points (Python's ``str.isprintable``).
"""


def _escaped(char):
    code = ord(char)
    if code <= 0xff:
        return '\\x%02x' % code
    if code <= 0xffff:
        return '\\u%04x' % code
    return '\\U%08x' % code


def escape(text: object) -> str:
    """``text`` (a str, or anything ``str()`` takes) safe for a terminal.

    Printable characters, the space included, are kept as they are; every
    other character becomes ``\\xNN``, ``\\uNNNN`` or ``\\UNNNNNNNN``.
    """
    text = str(text)
    if text.isprintable():
        return text
    return ''.join(char if char.isprintable() else _escaped(char)
                   for char in text)


def json_text(document: str) -> str:
    """A JSON text (from ``json.dumps`` with ``ensure_ascii``) with DEL
    escaped too, the one control character JSON leaves raw.
    """
    return document.replace('\x7f', '\\u007f')
