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

"""nova_cca.virt.libvirt.config: <launchSecurity type='cca'> in a guest."""

from hypothesis import assume
from hypothesis import given
from hypothesis import settings
from hypothesis import strategies as st
from lxml import etree
from nova import exception
import pytest

from nova_cca.virt.libvirt import config as guest

XML_TEXT = st.text(alphabet=st.characters(blacklist_categories=('Cs', 'Cc')))
PV = 'A' * 86 + '=='  # base64 of 64 bytes


def xml_compatible(text):
    """No character XML 1.0 cannot hold (after excluding Cs and Cc)."""
    return '\ufffe' not in text and '\uffff' not in text


def realm(**attrs):
    config = guest.LibvirtConfigGuestRealmLaunchSecurity()
    for name, value in attrs.items():
        setattr(config, name, value)
    return config


def parsed(xml):
    config = guest.LibvirtConfigGuestRealmLaunchSecurity()
    config.parse_dom(etree.fromstring(xml))
    return config


# --- format_dom / to_xml ------------------------------------------------

def test_default_has_type_cca_and_no_children():
    config = realm()
    assert config.measurement_algo is None
    assert config.personalization_value is None
    assert config.measurement_log is None
    root = config.format_dom()
    assert root.tag == 'launchSecurity'
    assert dict(root.attrib) == {'type': 'cca'}
    assert len(root) == 0
    assert root.text is None


def test_default_to_xml():
    xml = realm().to_xml()
    root = etree.fromstring(xml)
    assert root.tag == 'launchSecurity'
    assert root.get('type') == 'cca'
    assert list(root) == []


def test_measurement_algo():
    root = realm(measurement_algo='sha512').format_dom()
    assert [c.tag for c in root] == ['measurement-algo']
    assert root.findtext('measurement-algo') == 'sha512'


def test_personalization_value():
    root = realm(personalization_value=PV).format_dom()
    assert [c.tag for c in root] == ['personalization-value']
    assert root.findtext('personalization-value') == PV


@pytest.mark.parametrize('value, attribute', [(True, 'yes'),
                                              (False, 'no')])
def test_measurement_log_is_an_attribute(value, attribute):
    root = realm(measurement_log=value).format_dom()
    assert dict(root.attrib) == {'type': 'cca',
                                 'measurement-log': attribute}
    assert len(root) == 0


def test_all_children_in_order():
    xml = realm(measurement_algo='sha256', personalization_value=PV,
                measurement_log=True).to_xml()
    root = etree.fromstring(xml)
    assert root.get('type') == 'cca'
    assert root.get('measurement-log') == 'yes'
    assert [c.tag for c in root] == [
        'measurement-algo', 'personalization-value']
    assert root.findtext('measurement-algo') == 'sha256'
    assert root.findtext('personalization-value') == PV


def test_to_xml_is_a_string():
    xml = realm(measurement_algo='sha256').to_xml()
    assert isinstance(xml, str)
    assert "<launchSecurity type=\"cca\">" in xml
    assert '<measurement-algo>sha256</measurement-algo>' in xml


# --- parse_dom ----------------------------------------------------------

@pytest.mark.parametrize('attrs', [
    {},
    {'measurement_algo': 'sha256'},
    {'measurement_algo': 'sha512', 'measurement_log': False},
    {'personalization_value': PV, 'measurement_log': True},
    {'measurement_algo': 'sha512', 'personalization_value': PV,
     'measurement_log': False},
])
def test_round_trip(attrs):
    config = parsed(realm(**attrs).to_xml())
    expected = {'measurement_algo': None, 'personalization_value': None,
                'measurement_log': None}
    expected.update(attrs)
    assert {name: getattr(config, name) for name in expected} == expected
    assert config.root_name == 'launchSecurity'


def test_parse_child_elements():
    config = parsed(
        "<launchSecurity type='cca' measurement-log='yes'>"
        "<measurement-algo>sha512</measurement-algo>"
        "<personalization-value>%s</personalization-value>"
        "</launchSecurity>" % PV)
    assert config.measurement_algo == 'sha512'
    assert config.personalization_value == PV
    assert config.measurement_log is True


def test_parse_ignores_a_measurement_log_element():
    # not in libvirt's grammar: only the attribute counts
    config = parsed("<launchSecurity type='cca'><measurement-log "
                    "state='on'/></launchSecurity>")
    assert config.measurement_log is None


@pytest.mark.parametrize('value, expected', [('yes', True), ('no', False)])
def test_parse_measurement_log_attribute(value, expected):
    config = parsed("<launchSecurity type='cca' measurement-log='%s'/>"
                    % value)
    assert config.measurement_log is expected
    assert config.measurement_algo is None
    assert config.personalization_value is None


def test_parse_attribute_wins_over_an_element():
    config = parsed("<launchSecurity type='cca' measurement-log='yes'>"
                    "<measurement-log state='off'/></launchSecurity>")
    assert config.measurement_log is True


def test_parse_without_log():
    config = parsed("<launchSecurity type='cca'/>")
    assert config.measurement_log is None


@pytest.mark.parametrize('xml', [
    "<launchSecurity type='sev'><policy>0x0033</policy></launchSecurity>",
    "<launchSecurity type='tdx'/>",
    "<launchSecurity/>",
])
def test_parse_refuses_other_types(xml):
    with pytest.raises(ValueError) as info:
        parsed(xml)
    assert 'cca' in str(info.value)


def test_parse_refuses_other_root_element():
    with pytest.raises(exception.InvalidInput):
        parsed("<memoryBacking type='cca'/>")


@pytest.mark.parametrize('value', [
    'sha256</measurement-algo><measurement-log state="on"/>',
    '<![CDATA[x]]>', '&amp;', ']]>', '"\'<>&',
])
def test_markup_in_values_is_escaped(value):
    xml = realm(measurement_algo=value, personalization_value=value).to_xml()
    root = etree.fromstring(xml)
    assert [c.tag for c in root] == ['measurement-algo',
                                     'personalization-value']
    assert root.find('measurement-log') is None
    assert root.get('measurement-log') is None
    config = parsed(xml)
    assert config.measurement_algo == value
    assert config.personalization_value == value
    assert config.measurement_log is None


# --- choose_measurement_algo --------------------------------------------

@pytest.mark.parametrize('configured, advertised, expected', [
    ('sha256', ('sha256', 'sha512'), 'sha256'),
    ('sha512', ('sha256', 'sha512'), 'sha512'),
    ('sha512', ('sha512',), 'sha512'),
    ('sha512', ('sha256',), None),
    ('sha256', ('sha512',), None),
    (None, ('sha256', 'sha512'), None),
    ('', ('sha256', 'sha512'), None),
    ('sha256', (), None),
    (None, (), None),
])
def test_choose_measurement_algo(configured, advertised, expected):
    assert guest.choose_measurement_algo(configured, advertised) == expected


@pytest.mark.parametrize('configured', [None, 'sha256', 'sha512'])
@pytest.mark.parametrize('requested', ['sha256', 'sha512'])
def test_the_users_algorithm_comes_first(configured, requested):
    assert guest.choose_measurement_algo(
        configured, ('sha256', 'sha512'), requested) == requested


@pytest.mark.parametrize('advertised', [(), ('sha512',)])
def test_an_unadvertised_user_algorithm_is_refused(advertised):
    with pytest.raises(guest.RealmSettingUnavailable) as info:
        guest.choose_measurement_algo('sha512', advertised, 'sha256')
    assert 'sha256' in str(info.value)
    assert (', '.join(advertised) or 'none') in str(info.value)


# --- properties ---------------------------------------------------------

@settings(max_examples=300, deadline=None)
@given(XML_TEXT)
def test_measurement_algo_text_round_trips(value):
    assume(xml_compatible(value))
    xml = realm(measurement_algo=value).to_xml()
    root = etree.fromstring(xml)
    # exactly one child: the value is text, never markup
    assert [c.tag for c in root] == ['measurement-algo']
    assert len(root[0]) == 0
    assert dict(root.attrib) == {'type': 'cca'}
    assert (root[0].text or '') == value
    assert parsed(xml).measurement_algo == value


@settings(max_examples=50, deadline=None)
@given(XML_TEXT, st.sampled_from(['\ufffe', '\uffff']), XML_TEXT)
def test_xml_incompatible_text_is_refused_not_written(head, bad, tail):
    value = head + bad + tail
    with pytest.raises(ValueError):
        realm(measurement_algo=value).to_xml()


@settings(max_examples=200, deadline=None)
@given(XML_TEXT)
def test_personalization_value_text_round_trips(value):
    assume(xml_compatible(value))
    xml = realm(personalization_value=value).to_xml()
    root = etree.fromstring(xml)
    assert [c.tag for c in root] == ['personalization-value']
    assert parsed(xml).personalization_value == value


@settings(max_examples=100, deadline=None)
@given(st.sampled_from(['sha256', 'sha512', None]),
       st.one_of(st.none(), st.text(alphabet='ABCDEFGHIJKLMNOPQRSTUVWXYZ'
                                             'abcdefghijklmnopqrstuvwxyz'
                                             '0123456789+/=')),
       st.sampled_from([True, False, None]))
def test_any_configuration_round_trips(algo, pv, log):
    config = parsed(realm(measurement_algo=algo, personalization_value=pv,
                          measurement_log=log).to_xml())
    assert (config.measurement_algo, config.personalization_value,
            config.measurement_log) == (algo, pv, log)
