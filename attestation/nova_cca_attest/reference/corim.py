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


"""Reference values as an unsigned CoRIM, and read back for a verifier.

Two CCA realm CoRIM shapes exist (draft-ydb-rats-cca-endorsements and
Veraison's ``scheme/arm-cca``):

- ``tag:arm.com,2025:cca_realm#1.0.0`` (:data:`PROFILE`): the reference
  triple's environment is a class whose ``class-id`` is the RIM (tagged
  bytes, CBOR tag 560); its measurements are keyed ``cca.rim``,
  ``cca.rem0``..``cca.rem3`` (``digests``: ``[[algorithm, value]]``) and
  ``cca.rpv`` (``raw-value``, tag 560);
- ``http://arm.com/cca/realm/1`` (:data:`LEGACY_PROFILE`, what
  cca-realm-measurements and older Veraison releases use): the
  environment's ``instance`` is the RIM, one measurement carries the RPV
  as ``raw-value`` and ``integrity-registers`` (key 14) ``rim``,
  ``rem0``..``rem3``.

A CoRIM is CBOR tag 501 around ``{0: id, 1: [tag 506 (CoMID bytes)],
3: profile (tag 32 URI), 5: entities}``; a CoMID is ``{1: tag identity,
4: {0: reference triples}}``. Digest algorithms are IANA Named
Information numbers (1 sha-256, 7 sha-384, 8 sha-512).

:func:`read` also takes Trustee's CCA reference-value store (JSON,
``{"realm": [{"initial-measurement": hex, ...}]}``).
"""

import dataclasses
import json
import uuid

import cbor2

from nova_cca_attest import cbor
from nova_cca_attest.reference import ReferenceError
from nova_cca_attest import TokenError

PROFILE = 'tag:arm.com,2025:cca_realm#1.0.0'
LEGACY_PROFILE = 'http://arm.com/cca/realm/1'
PROFILES = (PROFILE, LEGACY_PROFILE)

CORIM_TAG = 501
COMID_TAG = 506
URI_TAG = 32
UUID_TAG = 37
BYTES_TAG = 560
COSE_SIGN1_TAG = 18

#: IANA Named Information hash algorithm numbers
ALGORITHM_IDS = {'sha-256': 1, 'sha-384': 7, 'sha-512': 8}
ALGORITHM_NAMES = {number: name for name, number in ALGORITHM_IDS.items()}
SIZES = {'sha-256': 32, 'sha-384': 48, 'sha-512': 64}

#: the class of the legacy shape's environment (a fixed name-based UUID)
LEGACY_CLASS = uuid.uuid5(uuid.NAMESPACE_URL, 'nova-cca:cca-realm')
REM_NAMES = ('rem0', 'rem1', 'rem2', 'rem3')


@dataclasses.dataclass
class Reference:
    """One realm's reference values; None where the source says nothing."""
    rim: bytes
    algorithm: str = None
    rpv: bytes = None
    rems: list = dataclasses.field(default_factory=lambda: [None] * 4)
    source: str = ''

    def to_dict(self) -> dict:
        return {'source': self.source, 'algorithm': self.algorithm,
                'rim': self.rim.hex(),
                'rpv': None if self.rpv is None else self.rpv.hex(),
                'rems': [None if rem is None else rem.hex()
                         for rem in self.rems]}


def _digests(algorithm, value):
    return [[ALGORITHM_IDS[algorithm], value]]


def build(reference: Reference, profile: str = PROFILE,
          corim_id: str = None, creator: str = 'nova-cca') -> bytes:
    """``reference`` as an unsigned CoRIM (CBOR) in ``profile``."""
    if reference.algorithm not in ('sha-256', 'sha-512'):
        raise ReferenceError('a realm reference needs its algorithm')
    alg = reference.algorithm
    rems = [(name, rem) for name, rem in zip(REM_NAMES, reference.rems)
            if rem is not None]
    if profile == PROFILE:
        environment = {0: {0: cbor2.CBORTag(BYTES_TAG, reference.rim)}}
        measurements = [{0: 'cca.rim',
                         1: {2: _digests(alg, reference.rim)}}]
        measurements += [{0: 'cca.' + name, 1: {2: _digests(alg, rem)}}
                         for name, rem in rems]
        if reference.rpv is not None:
            measurements.append({0: 'cca.rpv', 1: {
                4: cbor2.CBORTag(BYTES_TAG, reference.rpv)}})
    elif profile == LEGACY_PROFILE:
        environment = {0: {0: cbor2.CBORTag(UUID_TAG, LEGACY_CLASS.bytes),
                           1: creator},
                       1: cbor2.CBORTag(BYTES_TAG, reference.rim)}
        registers = {'rim': _digests(alg, reference.rim)}
        registers.update({name: _digests(alg, rem) for name, rem in rems})
        value = {14: registers}
        if reference.rpv is not None:
            value[4] = cbor2.CBORTag(BYTES_TAG, reference.rpv)
        measurements = [{1: value}]
    else:
        raise ReferenceError('unknown CCA realm CoRIM profile %r; known: %s'
                             % (profile, ', '.join(PROFILES)))
    identity = uuid.uuid5(uuid.NAMESPACE_URL,
                          'nova-cca:' + reference.rim.hex())
    comid = {1: {0: identity.bytes},
             4: {0: [[environment, measurements]]}}
    corim = {0: corim_id or str(uuid.uuid4()),
             1: [cbor2.CBORTag(COMID_TAG, cbor2.dumps(comid))],
             3: cbor2.CBORTag(URI_TAG, profile),
             5: [{0: creator, 2: [1]}]}
    return cbor2.dumps(cbor2.CBORTag(CORIM_TAG, corim))


def read(data: bytes, source: str = 'reference') -> list[Reference]:
    """The realm reference values in ``data``: an unsigned CoRIM in either
    CCA realm profile, or Trustee's reference-value store (JSON).

    :raises ReferenceError: naming what makes ``data`` unusable.
    """
    if data[:1] in (b'{', b'[') or data.lstrip()[:1] == b'{':
        return _trustee(data, source)
    try:
        corim = cbor.loads(data, source)
    except TokenError as e:
        raise ReferenceError('%s is neither JSON nor a CoRIM: %s'
                             % (source, e)) from None
    if isinstance(corim, cbor2.CBORTag) and corim.tag == COSE_SIGN1_TAG:
        raise ReferenceError('%s is a signed CoRIM; give its unsigned '
                             'payload (the signature is not checked here)'
                             % source)
    if not isinstance(corim, cbor2.CBORTag) or corim.tag != CORIM_TAG or \
            not cbor.is_map(corim.value):
        raise ReferenceError('%s is not an unsigned CoRIM (CBOR tag %d '
                             'around a map)' % (source, CORIM_TAG))
    profile = corim.value.get(3)
    if isinstance(profile, cbor2.CBORTag) and profile.tag == URI_TAG:
        profile = profile.value
    if profile not in PROFILES:
        raise ReferenceError('%s: CoRIM profile %r is not a CCA realm '
                             'profile (%s)' % (source, str(profile)[:80],
                                               ', '.join(PROFILES)))
    tags = corim.value.get(1)
    if not cbor.is_array(tags) or not tags:
        raise ReferenceError('%s: the CoRIM carries no tags' % source)
    references = []
    for tag in tags:
        if not isinstance(tag, cbor2.CBORTag) or tag.tag != COMID_TAG or \
                not isinstance(tag.value, bytes):
            continue
        try:
            comid = cbor.loads(tag.value, '%s: a CoMID' % source)
        except TokenError as e:
            raise ReferenceError(str(e)) from None
        triples = _get(comid, 4, cbor.is_map, source, 'CoMID triples')
        for triple in _get(triples, 0, cbor.is_array, source,
                           'reference triples'):
            if not cbor.is_array(triple) or len(triple) != 2:
                raise ReferenceError('%s: a reference triple is '
                                     '[environment, measurements]' % source)
            environment, measurements = triple
            if not cbor.is_array(measurements):
                raise ReferenceError('%s: measurements are a list' % source)
            read_triple = _realm if profile == PROFILE else _legacy_realm
            references.append(read_triple(environment, measurements,
                                          '%s (%s)' % (source, profile)))
    if not references:
        raise ReferenceError('%s: the CoRIM has no CoMID reference values'
                             % source)
    return references


def _get(mapping, key, kind, source, what):
    value = mapping.get(key) if cbor.is_map(mapping) else None
    if not kind(value):
        raise ReferenceError('%s: no %s' % (source, what))
    return value


def _tagged_bytes(value, source, what, sizes=None):
    if not isinstance(value, cbor2.CBORTag) or value.tag != BYTES_TAG or \
            not isinstance(value.value, bytes):
        raise ReferenceError('%s: %s must be tagged bytes (tag %d)'
                             % (source, what, BYTES_TAG))
    if sizes and len(value.value) not in sizes:
        raise ReferenceError('%s: %s is %d bytes, not %s' % (
            source, what, len(value.value), ' or '.join(map(str, sizes))))
    return value.value


def _digest(digests, source, what):
    if not cbor.is_array(digests) or len(digests) != 1 or \
            not cbor.is_array(digests[0]) or len(digests[0]) != 2:
        raise ReferenceError('%s: %s needs exactly one [algorithm, value] '
                             'digest' % (source, what))
    number, value = digests[0]
    algorithm = ALGORITHM_NAMES.get(number) if isinstance(number, int) \
        and not isinstance(number, bool) else None
    if algorithm is None or not isinstance(value, bytes) or \
            len(value) != SIZES[algorithm]:
        raise ReferenceError('%s: %s is not a sha-256/384/512 digest of its '
                             'size' % (source, what))
    return algorithm, value


def _realm(environment, measurements, source):
    klass = environment.get(0) if cbor.is_map(environment) else None
    if not cbor.is_map(klass):
        raise ReferenceError('%s: the environment has no class (the realm '
                             'profile names the realm by a class-id)'
                             % source)
    class_id = _tagged_bytes(klass.get(0), source, 'the class-id',
                             (32, 48, 64))
    values = {}
    for measurement in measurements:
        key = measurement.get(0) if cbor.is_map(measurement) else None
        value = measurement.get(1) if cbor.is_map(measurement) else None
        if not isinstance(key, str) or not cbor.is_map(value):
            raise ReferenceError('%s: a measurement needs a text key and a '
                                 'value' % source)
        if key in values:
            raise ReferenceError('%s: %s appears twice' % (source, key))
        values[key] = value
    if 'cca.rim' not in values:
        raise ReferenceError('%s: no cca.rim measurement' % source)
    if 2 not in values['cca.rim']:
        raise ReferenceError('%s: cca.rim has no digests' % source)
    algorithm, rim = _digest(values['cca.rim'][2], source, 'cca.rim')
    if rim != class_id:
        raise ReferenceError('%s: the class-id is not the cca.rim value'
                             % source)
    reference = Reference(rim=rim, algorithm=algorithm, source=source)
    for index, name in enumerate(REM_NAMES):
        if 'cca.' + name in values:
            rem_algorithm, reference.rems[index] = _digest(
                values['cca.' + name].get(2), source, 'cca.' + name)
            if rem_algorithm != algorithm:
                raise ReferenceError('%s: cca.%s is %s, cca.rim %s' % (
                    source, name, rem_algorithm, algorithm))
    if 'cca.rpv' in values:
        reference.rpv = _tagged_bytes(values['cca.rpv'].get(4), source,
                                      'cca.rpv (a raw-value)', (64,))
    unknown = sorted(set(values) - {'cca.rim', 'cca.rpv'} -
                     {'cca.' + name for name in REM_NAMES})
    if unknown:
        raise ReferenceError('%s: unknown measurement keys %s'
                             % (source, ', '.join(unknown)))
    return reference


def _legacy_realm(environment, measurements, source):
    if not cbor.is_map(environment) or 1 not in environment:
        raise ReferenceError('%s: the environment has no instance (the '
                             'legacy profile names the realm by its RIM)'
                             % source)
    instance = _tagged_bytes(environment[1], source, 'the instance',
                             (32, 48, 64))
    if len(measurements) != 1 or not cbor.is_map(measurements[0]) or \
            not cbor.is_map(measurements[0].get(1)):
        raise ReferenceError('%s: the legacy profile has one measurement'
                             % source)
    value = measurements[0][1]
    registers = value.get(14)
    if not cbor.is_map(registers) or 'rim' not in registers:
        raise ReferenceError('%s: no integrity register rim' % source)
    algorithm, rim = _digest(registers['rim'], source, 'rim')
    if rim != instance:
        raise ReferenceError('%s: the instance is not the rim register'
                             % source)
    reference = Reference(rim=rim, algorithm=algorithm, source=source)
    for index, name in enumerate(REM_NAMES):
        if name in registers:
            reference.rems[index] = _digest(registers[name], source, name)[1]
    if 4 in value:
        reference.rpv = _tagged_bytes(value[4], source, 'the raw-value (RPV)',
                                      (64,))
    return reference


def _trustee(data, source):
    try:
        store = json.loads(data)
    except ValueError as e:
        raise ReferenceError('%s: not JSON: %s' % (source, e)) from None
    realms = store.get('realm') if cbor.is_map(store) else None
    if not cbor.is_array(realms) or not realms:
        raise ReferenceError('%s: a reference-value store has a "realm" '
                             'list' % source)
    references = []
    for index, realm in enumerate(realms):
        where = '%s realm[%d]' % (source, index)
        if not cbor.is_map(realm):
            raise ReferenceError('%s is not an object' % where)
        rim = _hex(realm.get('initial-measurement'), where,
                   'initial-measurement', (32, 64))
        algorithm = {32: 'sha-256', 64: 'sha-512'}[len(rim)]
        reference = Reference(rim=rim, algorithm=algorithm, source=where)
        if realm.get('personalization-value') is not None:
            reference.rpv = _hex(realm['personalization-value'], where,
                                 'personalization-value', (64,))
        rems = realm.get('extensible-measurements')
        if rems is not None:
            if not cbor.is_array(rems) or len(rems) != 4:
                raise ReferenceError('%s: extensible-measurements is a list '
                                     'of 4' % where)
            reference.rems = [_hex(rem, where, 'extensible-measurement',
                                   (len(rim),)) for rem in rems]
        references.append(reference)
    return references


def _hex(text, where, what, sizes):
    try:
        value = bytes.fromhex(text)
    except (TypeError, ValueError):
        raise ReferenceError('%s: %s must be hex' % (where, what)) from None
    if len(value) not in sizes:
        raise ReferenceError('%s: %s is %d bytes, not %s' % (
            where, what, len(value), ' or '.join(map(str, sizes))))
    return value
