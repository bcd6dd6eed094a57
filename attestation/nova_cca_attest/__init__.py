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

"""Arm CCA attestation for tenants: decode and verify a realm's token.

A CCA attestation token (RMM specification, section A.7) is a CBOR-tagged
collection of a platform token and a realm token, each a COSE_Sign1. The
modules here each do one job:

- :mod:`.cbor`: strict, bounded CBOR decoding of untrusted bytes;
- :mod:`.cose`: the COSE_Sign1 structure and its ECDSA signature;
- :mod:`.keys`: public keys (the realm's RAK from its claim, the
  platform's CPAK from a JWK or PEM file);
- :mod:`.claims`: the realm and platform claims, their syntax and names;
- :mod:`.token`: the collection around the two tokens;
- :mod:`.verify`: the checks a tenant asks for, each with a verdict, and
  the outcome (VERIFIED, UNANCHORED, DOES NOT VERIFY, NOT A TOKEN);
- :mod:`.printable`: token text escaped for a terminal;
- :mod:`.collect`: asking a realm guest's kernel for a token (configfs
  TSM reports).

Decoding and verifying need the ``verify`` extra (cbor2, cryptography);
nothing here needs Nova or nova-cca.
"""


class TokenError(ValueError):
    """The input is not a (well-formed) CCA attestation token."""
