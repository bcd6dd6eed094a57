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


"""Reference values (nova_cca_attest.reference) against published data.

Veraison's cca-realm-measurements publishes expected RIMs in its tests
(commit 08aaf5a: tests/cmdline.rs, tests/event_log.rs,
src/realm_config.rs); each case below gives the same inputs (the VMM
options of its command line, the host capabilities it passes, the file
contents it writes) and expects the same value. Its data files (the test
kernel, the host configs) and Veraison's CCA realm CoRIMs and Trustee's
reference-value store are read from ``<clone>/../shared/reference-data``
(``$NOVA_CCA_REFERENCE_DATA`` overrides it); tests that need them skip,
naming the path, when absent.
"""

import base64
import json
import os
import pathlib

import pytest

from nova_cca_attest import cmd as attest
from nova_cca_attest import personalization
from nova_cca_attest.reference import corim
from nova_cca_attest.reference import domain
from nova_cca_attest.reference import host as hosts
from nova_cca_attest.reference import launch
from nova_cca_attest.reference import payload
from nova_cca_attest.reference import ReferenceError
from nova_cca_attest.reference import rmm
from nova_cca_attest.tests import cca_tokens as t
from nova_cca_attest import token
from nova_cca_attest import verify

_REPO = pathlib.Path(__file__).resolve().parents[3]
REFERENCE_DATA = pathlib.Path(os.environ.get(
    'NOVA_CCA_REFERENCE_DATA', _REPO.parent / 'shared' / 'reference-data'))
CRM = REFERENCE_DATA / 'cca-realm-measurements'
VERAISON = REFERENCE_DATA / 'veraison-arm-cca-corim'
TRUSTEE = REFERENCE_DATA / 'trustee-cca'

needs_crm = pytest.mark.skipif(
    not (CRM / 'testdata' / 'linux.bin').is_file(),
    reason="cca-realm-measurements' data not found in %s" % CRM)
needs_veraison = pytest.mark.skipif(
    not (VERAISON / 'corim-cca-realm-valid.cbor').is_file(),
    reason="Veraison's CCA CoRIMs not found in %s" % VERAISON)
needs_trustee = pytest.mark.skipif(
    not (TRUSTEE / 'conf' / 'rvstore.json').is_file(),
    reason="Trustee's CCA fixture not found in %s" % TRUSTEE)

MIB, GIB = payload.MIB, payload.GIB
#: the file contents cca-realm-measurements' tests write
FIRMWARE = b'FW CONTENT'
INITRD = b'INITRD CONTENT'


def rim(realm):
    return realm.measurements['rim'].hex()


# -- the RMM's rules ---------------------------------------------------

def test_realm_params_only_rim_sha256_and_sha512():
    """src/realm_config.rs test_rim: IPA 48, 2 watchpoints, 2
    breakpoints, no SVE, no PMU counters.
    """
    params = rmm.RealmParams(ipa_bits=48, num_wps=2, num_bps=2, sve_vl=0,
                             pmu_num_ctrs=0, hash_algo='sha256')
    assert list(rmm.Realm(params).rim) == [
        103, 57, 223, 178, 43, 117, 238, 18, 104, 208, 141, 250, 131, 105,
        245, 1, 188, 11, 6, 98, 67, 85, 63, 6, 159, 86, 13, 31, 161, 23, 41,
        115] + [0] * 32
    params.hash_algo = 'sha512'
    assert list(rmm.Realm(params).rim) == [
        121, 158, 67, 64, 72, 251, 87, 235, 157, 79, 14, 42, 43, 152, 21,
        135, 32, 55, 114, 82, 222, 171, 43, 223, 205, 105, 181, 168, 248, 34,
        55, 244, 52, 189, 107, 177, 199, 91, 241, 96, 162, 212, 147, 130, 247,
        51, 179, 67, 154, 63, 247, 105, 228, 234, 93, 217, 166, 247, 34, 57,
        212, 75, 187, 171]


def test_realm_create_event_of_a_log():
    """tests/event_log.rs: a REALM_CREATE event with s2sz 48, num_bps 5,
    num_wps 3 (encoded minus one), SHA-256; REMs stay zero.
    """
    realm = rmm.Realm(rmm.RealmParams(ipa_bits=48, num_bps=6, num_wps=4,
                                      hash_algo='sha-256'))
    assert base64.b64encode(realm.measurements['rim']) == \
        b'iWDVaCY3CqpvybOgQdQkBolYK6QeKti7j5rfbSoM1ec='
    assert set(realm.measurements.values()) - {realm.measurements['rim']} \
        == {bytes(32)}


@pytest.mark.parametrize('bits,sizes', [
    (52, 0x8040201000), (48, 0x8040201000), (44, 0x8040201000),
    (43, 0x0040201000), (39, 0x0040201000), (35, 0x0040201000),
    (34, 0x0000201000), (30, 0x0000201000), (26, 0x0000201000),
    (25, 0x0000001000), (20, 0x0000001000)])
def test_translation_block_sizes(bits, sizes):
    assert rmm.translation_block_sizes(bits) == sizes


@pytest.mark.parametrize('start,top,sizes,size', [
    (0, 0x1000, 0x40201000, 0x1000),
    (0, 0x40000000, 0x40201000, 0x40000000),
    (0x40000000, 0x80000000, 0x201000, 0x200000),
    (0x80001000, 0x80200000, 0x40201000, 0x1000),
    (0x6300000, 0x70000000, 0x40201000, 0x1000),
    (0x400000, 0x800000, 0x40201000, 0x200000)])
def test_block_size(start, top, sizes, size):
    assert rmm.block_size(start, top, sizes) == size


def test_rem_extend_hashes_old_value_and_data():
    realm = rmm.Realm(rmm.RealmParams(ipa_bits=40, num_bps=2, num_wps=2,
                                      hash_algo='sha-256'))
    realm.rem_extend(0, b'\x01' * 32)
    import hashlib
    assert realm.measurements['rem0'] == hashlib.sha256(
        bytes(32) + b'\x01' * 32).digest()
    with pytest.raises(ReferenceError):
        realm.rem_extend(4, b'')


def test_missing_realm_parameters_are_named():
    with pytest.raises(ReferenceError, match='num_bps, num_wps'):
        rmm.Realm(rmm.RealmParams(ipa_bits=40, hash_algo='sha-512'))


# -- VMM layouts: cca-realm-measurements' command-line tests -----------

KVMTOOL_HOST = rmm.RealmParams(num_wps=6, num_bps=6)


@pytest.mark.parametrize('firmware,expected', [
    # kvmtool_params: --num-wps 6 --num-bps 6 kvmtool --realm -c 1 -m 512M
    (None, '998dfdf6401d69f73ed88ac53d62d5ea2cfac6320b887ce4599aa8671791d4d'),
    # kvmtool_measurements: ... --firmware firmware (FW CONTENT)
    (FIRMWARE,
     'cf37146fce0ad50e1be1a04580c1024e5449b430b0dd96b6ef5c9a2b73767bf5'),
])
def test_kvmtool(firmware, expected):
    plan = payload.Kvmtool(payload.Launch(
        cpus=1, memory=512 * MIB, firmware=firmware)).plan(KVMTOOL_HOST)
    realm = payload.measure(plan)
    assert realm.algorithm == 'sha-256'
    assert rim(realm).startswith(expected)
    assert len(plan.dtb) == payload.Kvmtool.FDT_SIZE


QEMU_HOST = rmm.RealmParams(num_wps=6, num_bps=6, ipa_bits=52,
                            pmu_num_ctrs=6)
NO_ARGUMENTS = ('cf409055d866eea6c8d5e7862b540ff1cac9b11f125d088587d5ae97a0e3'
                '341667cf8fb3983e7377bca5c01d037bd97081ebf3b4dcb648442149749f'
                '4d65eeb0')


@pytest.mark.parametrize('host,changes,expected', [
    # qemu_params: no arguments, pmu=off (same RIM)
    (QEMU_HOST, {}, NO_ARGUMENTS),
    (QEMU_HOST, {'pmu': False}, NO_ARGUMENTS),
    # pmu=off on a platform with the PMU on
    (rmm.RealmParams(num_wps=6, num_bps=6, ipa_bits=52, pmu_num_ctrs=6,
                     pmu=True), {'pmu': False}, NO_ARGUMENTS),
    # -cpu pmu=on
    (QEMU_HOST, {'pmu': True},
     '8120ef921a987a3f8b9d4bb5e40f8489e2b4fc69c5e1b17b1a9b040884a1211d99b2'
     'bddc3fddcc99ec99f4244743fe3dcd3d9020583b47f7b66a2ec66bb897b9'),
    # -cpu pmu=on,num-pmu-counters=2
    (QEMU_HOST, {'pmu': True, 'pmu_num_ctrs': 2},
     'ef4e6f78ea9630f66146b33a405a07b669ef94dd9aca6935d4fd23fea32f98f96424'
     '1a2f9a9c20c9fcd74e20031c51c4beb8e577873e0348e891ee2d727e2807'),
])
def test_qemu_params(host, changes, expected):
    realm = payload.measure(payload.QemuVirt(
        payload.Launch(**changes)).plan(host))
    assert realm.algorithm == 'sha-512'
    assert rim(realm) == expected


@needs_crm
@pytest.mark.parametrize('payloads,expected', [
    # qemu_measurements: -smp 2 -m 1G, measurement-algorithm=sha256
    ({'firmware': FIRMWARE},
     'cbf533a94009dfa6b83016a89b428d1d910fb3593856bb386d7b2bd07a1bc834'),
    # -bios with -kernel: the kernel goes through fw_cfg, not the RIM
    ({'firmware': FIRMWARE, 'kernel': 'linux.bin'},
     'cbf533a94009dfa6b83016a89b428d1d910fb3593856bb386d7b2bd07a1bc834'),
    # -bios, -kernel, -append: the command line is in the DTB
    ({'firmware': FIRMWARE, 'kernel': 'linux.bin',
      'bootargs': 'root=/dev/vda2'},
     'fd3ce1072c3e95cd3a4d1a07729756564f260f9f7e95014418b416673a268b7a'),
    ({'kernel': 'linux.bin'},
     'e8862e21b8eb6b4bdeeff244dc59d2935c26d92c52d346f06e224fe712267a6'),
    ({'kernel': 'linux.bin', 'initrd': INITRD},
     '9af47a8e4d6ac775e05f8a8893f9e383694688719d1bbb4281ed1c25056e0911'),
    ({'kernel': 'linux.bin', 'initrd': INITRD,
      'bootargs': 'root=/dev/vda2'},
     '22d398e695e776385bc268454587b418dde16e34bc69d9a24fc96abb3050a24e'),
    # qemu_dtb: sha512, -bios, generated DTB
    ({'firmware': FIRMWARE, 'algorithm': 'sha512'},
     '3175b3c0c201081ad410defe6c32e145fd77ff03e63518a9f00831b12b6ec207'
     '0f743f43f0ff3290902ecebd4e6bea8d5926dca19dc1a06fb8d51d551a4a2b79'),
])
def test_qemu_measurements(payloads, expected):
    if payloads.get('kernel'):
        payloads['kernel'] = (CRM / 'testdata' / 'linux.bin').read_bytes()
    changes = dict(cpus=2, memory=GIB, algorithm='sha256')
    changes.update(payloads)
    realm = payload.measure(payload.QemuVirt(
        payload.Launch(**changes)).plan(QEMU_HOST))
    assert rim(realm).startswith(expected)


@needs_crm
def test_qemu_given_dtb_is_measured_as_is():
    """qemu_dtb: the DTB the tool generated, given back with --dtb, gives
    the same RIM even with 8 vCPUs.
    """
    two = payload.QemuVirt(payload.Launch(cpus=2, memory=GIB,
                                          firmware=FIRMWARE)).plan(QEMU_HOST)
    eight = payload.QemuVirt(payload.Launch(
        cpus=8, memory=GIB, firmware=FIRMWARE, dtb=two.dtb)).plan(QEMU_HOST)
    assert not eight.dtb_generated
    assert rim(payload.measure(eight)) == rim(payload.measure(two)) == (
        '3175b3c0c201081ad410defe6c32e145fd77ff03e63518a9f00831b12b6ec207'
        '0f743f43f0ff3290902ecebd4e6bea8d5926dca19dc1a06fb8d51d551a4a2b79')


@needs_crm
def test_linux_images():
    """src/vmm.rs test_linux_kernel: the image header, gzip, refusals."""
    for name in ('linux.bin', 'linux.bin.gz'):
        image, text_offset, size = payload.linux_image(
            (CRM / 'testdata' / name).read_bytes())
        assert (len(image), text_offset, size) == (256, 0, 0x2d10000)
    for name in ('randombytes.bin', 'randombytes.bin.gz', 'some-file.txt'):
        with pytest.raises(ReferenceError):
            payload.linux_image((CRM / 'testdata' / name).read_bytes())


# -- host parameters ---------------------------------------------------

@needs_crm
def test_host_configs_overlay_lowering_only():
    host = hosts.load([str(CRM / 'configs' / 'fvp.conf'),
                       str(CRM / 'configs' / 'rmm-1.0-eac5.conf')])
    assert (host.params.ipa_bits, host.params.num_bps, host.params.num_wps,
            host.params.sve_vl, host.params.lpa2) == (52, 2, 2, 512, False)
    host = hosts.load([str(CRM / 'configs' / 'rmm-1.0-eac5.conf'),
                       str(CRM / 'configs' / 'fvp.conf')])
    assert host.params.num_bps == 2


def test_host_parameters_json_and_refusals(tmp_path):
    path = tmp_path / 'host.json'
    path.write_text(json.dumps({'vmm': 'qemu', 'num_bps': 6,
                                'hash_algo': 'sha512',
                                'rpv_settable': False}))
    host = hosts.load([str(path)])
    assert (host.vmm, host.params.num_bps, host.params.hash_algo,
            host.rpv_settable) == ('qemu', 6, 'sha-512', False)
    for bad in ({'num_bps': '6'}, {'colour': 'red'}, {'pmu': 1}):
        path.write_text(json.dumps(bad))
        with pytest.raises(ReferenceError):
            hosts.load([str(path)])


# -- libvirt domain XML ------------------------------------------------

DOMAIN = """<domain type='kvm'>
  <name>realm</name>
  <memory unit='GiB'>1</memory>
  <vcpu>2</vcpu>
  <os><type arch='aarch64' machine='virt'>hvm</type>
    <kernel>/var/lib/nova/instances/x/kernel</kernel>
    <initrd>/var/lib/nova/instances/x/ramdisk</initrd>
    <cmdline>root=/dev/vda2</cmdline>
  </os>
  <launchSecurity type='cca'%s>
    <measurement-algo>sha256</measurement-algo>%s
  </launchSecurity>
</domain>"""


def domain_xml(log='', rpv=''):
    return DOMAIN % (log, rpv and '\n    <personalization-value>%s'
                     '</personalization-value>' % rpv)


def test_domain_xml_launch():
    rpv = personalization.derive_base64(
        '7d1d6a4a-93a5-4e2b-9d3f-3f9cf1a8e2b1')
    described = domain.parse(domain_xml(" measurement-log='yes'", rpv))
    assert (described.launch.cpus, described.launch.memory,
            described.launch.bootargs, described.launch.algorithm,
            described.launch.measurement_log) == (
        2, GIB, 'root=/dev/vda2', 'sha256', True)
    assert described.rpv == personalization.decode(rpv)
    assert described.paths['kernel'].endswith('/kernel')


@pytest.mark.parametrize('xml,reason', [
    ('<domain><memory>1</memory></domain>', 'not a realm'),
    ('<domain><memory>1</memory><launchSecurity type="cca"/>'
     '<features><gic version="2"/></features></domain>', 'GICv3'),
    ('<domain><launchSecurity type="cca"/><os><type arch="x86_64"/></os>'
     '</domain>', 'aarch64'),
    ('<domain>', 'not a domain XML'),
])
def test_domain_xml_refusals(xml, reason):
    with pytest.raises(ReferenceError, match=reason):
        domain.parse(xml)


@needs_crm
def test_domain_xml_reproduces_the_qemu_command_line_value(tmp_path):
    """The XML that libvirt turns into cca-realm-measurements' QEMU case
    "kernel + initrd + cmdline" gives its RIM.
    """
    host = tmp_path / 'host.json'
    host.write_text(json.dumps({'vmm': 'qemu', 'num_bps': 6, 'num_wps': 6,
                                'ipa_bits': 52, 'pmu_num_ctrs': 6}))
    initrd = tmp_path / 'initrd'
    initrd.write_bytes(INITRD)
    result = launch.compute([str(host)], domain_xml=domain_xml(), files={
        'kernel': str(CRM / 'testdata' / 'linux.bin'),
        'initrd': str(initrd)})
    assert result.to_dict()['rim'] == (
        '22d398e695e776385bc268454587b418dde16e34bc69d9a24fc96abb3050a24e')
    assert result.plan.dtb_generated
    assert any('device tree was generated' in n for n in result.notes)


def test_host_that_cannot_set_algorithm_or_rpv(tmp_path):
    """On KVM v12+ hosts the XML's algorithm and RPV do not reach the
    RMM: the reference says SHA-512 and zeros, and says why.
    """
    host = tmp_path / 'host.json'
    host.write_text(json.dumps({'num_bps': 6, 'num_wps': 6, 'ipa_bits': 48,
                                'algorithm_settable': False,
                                'rpv_settable': False}))
    rpv = personalization.encode(b'\1' * 64)
    xml = domain_xml(rpv=rpv).replace('<kernel>', '<!--').replace(
        '</initrd>', '-->')
    result = launch.compute([str(host)], domain_xml=xml)
    assert result.realm.algorithm == 'sha-512'
    assert result.rpv == bytes(64)
    assert len(result.notes) >= 2


# -- CoRIM -------------------------------------------------------------

@needs_veraison
def test_veraison_valid_realm_corim():
    [reference] = corim.read(
        (VERAISON / 'corim-cca-realm-valid.cbor').read_bytes())
    assert (reference.algorithm, reference.rim, reference.rpv) == (
        'sha-512', b'C' * 64, b'AD' * 32)
    assert reference.rems == [b'C' * 64] * 4


@needs_veraison
@pytest.mark.parametrize('name,reason', [
    ('corim-cca-realm-bad-instance.cbor', 'class-id must be tagged bytes'),
    ('corim-cca-realm-bad-no-instance.cbor', 'has no class'),
    ('corim-cca-realm-bad-no-integ-regs.cbor', 'cca.rim has no digests'),
    ('corim-cca-realm-bad-no-raw-value.cbor', 'cca.rpv'),
    ('corim-cca-realm-bad-no-rim.cbor', 'no cca.rim'),
    ('corim-cca-platform-valid.cbor', 'not a CCA realm profile'),
])
def test_veraison_negative_realm_corims(name, reason):
    with pytest.raises(ReferenceError, match=reason):
        corim.read((VERAISON / name).read_bytes(), name)


@pytest.mark.parametrize('profile', corim.PROFILES)
def test_corim_round_trip(profile):
    reference = corim.Reference(rim=b'\1' * 64, algorithm='sha-512',
                                rpv=b'\2' * 64, rems=[bytes(64)] * 4)
    data = corim.build(reference, profile)
    [back] = corim.read(data)
    assert (back.rim, back.algorithm, back.rpv, back.rems) == (
        reference.rim, reference.algorithm, reference.rpv, reference.rems)
    assert profile in back.source


@needs_veraison
def test_corim_has_the_shape_of_veraisons_valid_one():
    """Ours and Veraison's valid CoRIM decode to the same structure,
    key by key, apart from identifiers, entities and values.
    """
    import cbor2
    ours = cbor2.loads(corim.build(corim.Reference(
        rim=b'C' * 64, algorithm='sha-512', rpv=b'AD' * 32,
        rems=[b'C' * 64] * 4), corim.PROFILE))
    theirs = cbor2.loads(
        (VERAISON / 'corim-cca-realm-valid.cbor').read_bytes())
    assert ours.tag == theirs.tag and ours.value[3] == theirs.value[3]
    assert cbor2.loads(ours.value[1][0].value)[4] == \
        cbor2.loads(theirs.value[1][0].value)[4]


@needs_trustee
def test_trustee_reference_value_store():
    [reference] = corim.read((TRUSTEE / 'conf' / 'rvstore.json').read_bytes())
    assert reference.algorithm == 'sha-512'
    assert reference.rim.hex().startswith('ae87fbf7f105e71a')
    assert reference.rpv == bytes(64) and reference.rems == [bytes(64)] * 4


def test_unusable_references():
    for data in (b'', b'{"realm": []}', b'{"realm": [{"initial-measurement":'
                 b' "abcd"}]}', b'\xd9\x01\xf5\xa0', b'\xa0'):
        with pytest.raises(ReferenceError):
            corim.read(data)


# -- from reference value to verdict -----------------------------------

@needs_trustee
def test_trustee_token_against_its_store_and_another_rim(tmp_path):
    data = (TRUSTEE / 'misc' / 'cca-example-token.cbor').read_bytes()
    references = corim.read((TRUSTEE / 'conf' / 'rvstore.json').read_bytes())
    result = verify.verify(token.decode(data),
                           verify.Expectations(references=references))
    checks = {check.name: check.verdict for check in result.checks}
    assert checks['reference-values'] == 'pass'
    other = corim.read(corim.build(corim.Reference(
        rim=b'\1' * 64, algorithm='sha-512'), corim.PROFILE))
    result = verify.verify(token.decode(data),
                           verify.Expectations(references=other))
    assert result.outcome == verify.DOES_NOT_VERIFY


def test_reference_then_verify_end_to_end(tmp_path, capsys):
    """A tenant computes a realm's reference with ``reference``, a token
    is made for a realm with that RIM, ``verify --reference`` accepts it;
    a token with another RIM does not verify.
    """
    host = tmp_path / 'host.json'
    host.write_text(json.dumps({'num_bps': 6, 'num_wps': 6,
                                'ipa_bits': 48}))
    xml = tmp_path / 'domain.xml'
    xml.write_text(domain_xml().replace('<kernel>', '<!--').replace(
        '</initrd>', '-->'))
    reference_file = tmp_path / 'realm.corim'
    assert attest.run(['reference', '--domain', str(xml), '--host-params',
                       str(host), '--corim', str(reference_file),
                       '--json']) == 0
    computed = json.loads(capsys.readouterr().out)
    expected_rim = bytes.fromhex(computed['rim'])
    keys = t.Keys()
    cpak = keys.write_cpak_pem(tmp_path / 'cpak.pem')
    for rim_claim, code in ((expected_rim, attest.VERIFIED),
                            (b'\1' * 32, attest.DOES_NOT_VERIFY)):
        path = tmp_path / 'token.cbor'
        path.write_bytes(t.token(keys, realm=t.realm_claims(keys, {
            44238: rim_claim, 44236: 'sha-256', 44235: bytes(64)})))
        assert attest.run(['verify', str(path), '--cpak', cpak,
                           '--reference', str(reference_file)]) == code
        out = capsys.readouterr().out
        assert 'reference-values' in out


def test_reference_command_errors(tmp_path, capsys):
    host = tmp_path / 'host.json'
    host.write_text('{"num_bps": 6}')
    xml = tmp_path / 'domain.xml'
    xml.write_text(domain_xml())
    assert attest.run(['reference', '--domain', str(xml), '--host-params',
                       str(host)]) == 1
    assert 'give a local copy with --kernel' in capsys.readouterr().err
    bad = tmp_path / 'bad.corim'
    bad.write_bytes(b'\xa0')
    assert attest.run(['verify', str(bad), '--reference', str(bad)]) == \
        attest.USAGE
