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
- :mod:`.verify`: the checks a tenant asks for, each with a verdict;
- :mod:`.collect`: asking a realm guest's kernel for a token (configfs
  TSM reports).

They need the ``attest`` extra (cbor2, cryptography); nothing else in
nova-cca imports them.
"""


class TokenError(ValueError):
    """The input is not a (well-formed) CCA attestation token."""
