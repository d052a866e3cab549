# Copyright: (c) 2026, underlay.network contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""_spec: every field is validated and normalised before any socket is opened."""


import ipaddress

import pytest

from ansible_collections.underlay.network.plugins.module_utils._common.errors import ValidationError
from ansible_collections.underlay.network.plugins.module_utils._links.spec import (
    LINK_ARGUMENT_SPEC, LinkSpec, build_spec, normalise_addresses)
from ansible_collections.underlay.network.plugins.module_utils._common.fields import (
    check_ifname, check_mac, check_mtu, check_netns, parse_interface, parse_network)


# ---------------------------------------------------------------- interface names

@pytest.mark.parametrize('value', ['eth0', 'a', 'a' * 15, 'eth0.4094', 'mv-0_1', 'br@x'])
def test_ifname_accepts_valid_names(value):
    assert check_ifname('name', value) == value


@pytest.mark.parametrize('value, words', [
    ('', ['name is required', 'give the interface name']),
    (None, ['name is required']),
    ('a' * 16, ["'aaaaaaaaaaaaaaaa'", '16 bytes long', 'at most 15', 'choose a shorter name']),
    ('macvlan-to-net1x', ['16 bytes long']),
    ('eth0/1', ["'eth0/1'", 'not a valid interface name', "no spaces, '/' or ':'"]),
    ('eth0:1', ["'eth0:1'", 'not a valid interface name']),
    ('eth 0', ["'eth 0'", 'not a valid interface name']),
    ('eth\t0', ['not a valid interface name']),
    ('.', ['not a valid interface name']),
    ('..', ['not a valid interface name']),
])
def test_ifname_rejects_bad_names_naming_field_value_and_fix(value, words):
    with pytest.raises(ValidationError) as exc:
        check_ifname('name', value)
    for word in words:
        assert word in exc.value.message
    assert exc.value.field == 'name'
    assert exc.value.value == value


def test_ifname_error_names_the_field_it_was_given():
    with pytest.raises(ValidationError) as exc:
        check_ifname('parent', 'x' * 20)
    assert exc.value.message.startswith("parent 'xxxxxxxxxxxxxxxxxxxx' is 20 bytes long")
    assert exc.value.field == 'parent'


def test_ifname_limit_counts_bytes_not_characters():
    """The kernel's IFNAMSIZ limit is 15 bytes of UTF-8, not 15 characters."""
    with pytest.raises(ValidationError) as exc:
        check_ifname('name', '\u00e9' * 10)  # 10 characters, 20 bytes
    assert '20 bytes long' in exc.value.message
    assert check_ifname('name', '\u00e9' * 7 + 'a') == '\u00e9' * 7 + 'a'  # 15 bytes


# ---------------------------------------------------------------- namespaces

@pytest.mark.parametrize('value, expected', [(None, None), ('', None), ('net1', 'net1'), ('lab-c1', 'lab-c1')])
def test_netns_normalises(value, expected):
    assert check_netns('netns', value) == expected


@pytest.mark.parametrize('value', ['/var/run/netns/net1', 'a/b', '.', '..'])
def test_netns_rejects_paths(value):
    with pytest.raises(ValidationError) as exc:
        check_netns('parent_netns', value)
    assert exc.value.message.startswith("parent_netns '%s' is not a namespace name" % value)
    assert '`ip netns list`' in exc.value.message
    assert exc.value.field == 'parent_netns'


# ---------------------------------------------------------------- mtu

@pytest.mark.parametrize('value', [None, 68, 1500, 9000, 65535])
def test_mtu_accepts_range(value):
    assert check_mtu(value) == value


@pytest.mark.parametrize('value', [0, 67, 65536, -1])
def test_mtu_rejects_out_of_range(value):
    with pytest.raises(ValidationError) as exc:
        check_mtu(value)
    assert exc.value.message.startswith('mtu %d is out of range' % value)
    assert 'from 68 to 65535' in exc.value.message
    assert (exc.value.field, exc.value.value) == ('mtu', value)


# ---------------------------------------------------------------- MAC addresses

@pytest.mark.parametrize('value, expected', [
    (None, None),
    ('02:00:5e:10:00:01', '02:00:5e:10:00:01'),
    ('02:00:5E:10:0A:FF', '02:00:5e:10:0a:ff'),
    ('02-00-5e-10-00-01', '02:00:5e:10:00:01'),
    ('AA-BB-CC-DD-EE-FF', 'aa:bb:cc:dd:ee:ff'),
    ('  02:00:5e:10:00:01 ', '02:00:5e:10:00:01'),
])
def test_mac_normalised_to_lowercase_colons(value, expected):
    assert check_mac('macaddress', value) == expected


@pytest.mark.parametrize('value, words', [
    ('01:00:5e:00:00:01', ['multicast MAC address', 'lowest bit of the first octet', 'unicast']),
    ('33:33:00:00:00:01', ['multicast MAC address']),
    ('FF:FF:FF:FF:FF:FF', ["'FF:FF:FF:FF:FF:FF'", 'multicast']),
    ('00:00:00:00:00:00', ['all zeros', 'real unicast MAC address']),
    ('00-00-00-00-00-00', ["'00-00-00-00-00-00'", 'all zeros']),
    ('02:00:5e:10:00', ['is not a MAC address', 'six hex pairs like 02:00:5e:10:00:01']),
    ('0200.5e10.0001', ['is not a MAC address']),
    ('02:00:5e:10:00:0g', ['is not a MAC address']),
    ('02:00:5e:10:00:01:02', ['is not a MAC address']),
    ('', ['is not a MAC address']),
])
def test_mac_rejected_with_reason(value, words):
    with pytest.raises(ValidationError) as exc:
        check_mac('macaddress', value)
    assert exc.value.message.startswith("macaddress '%s'" % value)
    for word in words:
        assert word in exc.value.message
    assert (exc.value.field, exc.value.value) == ('macaddress', value)


# ---------------------------------------------------------------- addresses

@pytest.mark.parametrize('values, expected', [
    (None, None),
    ([], ()),
    (['198.18.0.10'], ('198.18.0.10/32',)),
    (['2001:db8::10'], ('2001:db8::10/128',)),
    (['198.18.248.10/20'], ('198.18.248.10/20',)),
    ([' 10.0.0.1/24 '], ('10.0.0.1/24',)),
    (['2001:DB8:0:0::A/64'], ('2001:db8::a/64',)),
    (['2001:db8::1/64', '198.18.0.10/24', '10.0.0.2/8', '10.0.0.1/8'],
     ('10.0.0.1/8', '10.0.0.2/8', '198.18.0.10/24', '2001:db8::1/64')),
    (['10.0.0.10/24', '10.0.0.9/24'], ('10.0.0.9/24', '10.0.0.10/24')),  # by address, not text
    (['169.254.1.1/16'], ('169.254.1.1/16',)),
])
def test_addresses_normalised_and_sorted(values, expected):
    assert normalise_addresses(values) == expected


@pytest.mark.parametrize('values, duplicate', [
    (['10.0.0.1/24', '10.0.0.1/25'], '10.0.0.1'),
    (['10.0.0.1', '10.0.0.1/32'], '10.0.0.1'),
    (['2001:db8::1/64', '2001:DB8::1/128'], '2001:db8::1'),
    (['10.0.0.1/24', '10.0.0.1/24'], '10.0.0.1'),
])
def test_addresses_listed_twice_rejected(values, duplicate):
    with pytest.raises(ValidationError) as exc:
        normalise_addresses(values)
    assert exc.value.message.startswith('addresses: %s is listed twice' % duplicate)
    assert 'list each address once' in exc.value.message
    assert exc.value.field == 'addresses'


@pytest.mark.parametrize('value', ['198.18.0.300/24', 'not-an-ip', '10.0.0.1/33', '2001:db8::1/129', '', None, 42,
                                   '10.0.0.1/24/1'])
def test_addresses_bad_text_rejected(value):
    with pytest.raises(ValidationError) as exc:
        normalise_addresses(['10.0.0.1/24', value])
    assert exc.value.message == ("addresses: '%s' is not an IP address with prefix; write it like "
                                 "198.18.0.10/24 or 2001:db8::10/64" % value)
    assert (exc.value.field, exc.value.value) == ('addresses', value)


@pytest.mark.parametrize('value', ['224.0.0.1/24', '239.1.1.1', 'ff02::1/64', '0.0.0.0/0', '::/0'])
def test_addresses_non_unicast_rejected(value):
    with pytest.raises(ValidationError) as exc:
        normalise_addresses([value])
    assert exc.value.message == "addresses: '%s' is not a unicast address; give a host address" % value


def test_parse_interface_bare_address_is_host_prefix():
    assert parse_interface('address', '198.18.0.1') == ipaddress.ip_interface('198.18.0.1/32')
    assert parse_interface('address', 'fd00::1').network.prefixlen == 128


# ---------------------------------------------------------------- networks (routes)

@pytest.mark.parametrize('value, expected', [
    ('198.18.16.0/20', '198.18.16.0/20'),
    (' 10.0.0.0/8', '10.0.0.0/8'),
    ('198.18.0.1', '198.18.0.1/32'),
    ('2001:db8:1::/64', '2001:db8:1::/64'),
])
def test_parse_network_accepts(value, expected):
    assert str(parse_network('routes', value)) == expected


@pytest.mark.parametrize('value, suggestion', [
    ('198.18.16.1/20', '198.18.16.0/20'),
    ('198.18.31.255/20', '198.18.16.0/20'),
    ('2001:db8:1::1/64', '2001:db8:1::/64'),
])
def test_parse_network_host_bits_suggests_the_network(value, suggestion):
    with pytest.raises(ValidationError) as exc:
        parse_network('routes', value)
    assert exc.value.message == "routes: '%s' has host bits set; did you mean %s?" % (value, suggestion)
    assert (exc.value.field, exc.value.value) == ('routes', value)


@pytest.mark.parametrize('value', ['nonsense', '10.0.0.0/33', ''])
def test_parse_network_bad_text(value):
    with pytest.raises(ValidationError) as exc:
        parse_network('routes', value)
    assert exc.value.message == ("routes: '%s' is not a network; write it like 198.18.16.0/20 or "
                                 "2001:db8:1::/64" % value)


def test_parse_network_not_a_string():
    with pytest.raises(ValidationError) as exc:
        parse_network('routes', None)
    assert exc.value.message == "routes: 'None' is not a network"


# ---------------------------------------------------------------- build_spec

def _module_params(**overrides):
    """params as AnsibleModule hands them over: every shared option present, defaults applied."""
    params = {key: value.get('default') for key, value in LINK_ARGUMENT_SPEC.items()}
    params.update(overrides)
    return params


@pytest.mark.parametrize('params', [
    {'name': 'mv0', 'parent': 'eth0'},
    _module_params(name='mv0', parent='eth0'),
], ids=['sparse', 'module-params'])
def test_build_spec_defaults(params):
    spec = build_spec('macvlan', params, {'mode': 'bridge'})
    assert isinstance(spec, LinkSpec)
    assert (spec.kind, spec.name, spec.parent) == ('macvlan', 'mv0', 'eth0')
    assert spec.state == 'present'
    assert spec.admin_state == 'up'
    assert spec.recreate is False
    assert spec.netns is None and spec.parent_netns is None
    assert spec.mtu is None and spec.macaddress is None and spec.addresses is None  # unmanaged
    assert spec.options == {'mode': 'bridge'}
    assert spec.identity == (None, 'mv0')


def test_build_spec_normalises_every_field():
    spec = build_spec('macvlan', _module_params(
        name='eth0', parent='eth0', netns='net1', parent_netns='', admin_state='down', mtu=1400,
        macaddress='02-00-5E-10-00-01', addresses=['2001:db8::10/64', '198.18.248.10'], recreate='yes'), {})
    assert spec.identity == ('net1', 'eth0')
    assert spec.parent_netns is None
    assert spec.admin_state == 'down'
    assert spec.mtu == 1400
    assert spec.macaddress == '02:00:5e:10:00:01'
    assert spec.addresses == ('198.18.248.10/32', '2001:db8::10/64')
    assert spec.recreate is True


def test_build_spec_default_name():
    spec = build_spec('vlan', {'parent': 'eth0'}, {'vlan_id': 10}, default_name='eth0.10')
    assert spec.name == 'eth0.10'
    assert build_spec('vlan', {'name': 'v10', 'parent': 'eth0'}, {}, default_name='eth0.10').name == 'v10'


@pytest.mark.parametrize('params, field, words', [
    ({'parent': 'eth0'}, 'name', ['name is required']),
    ({'name': 'mv0'}, 'parent', ['parent is required']),
    ({'name': 'mv0', 'parent': 'eth0', 'mtu': 10}, 'mtu', ['mtu 10 is out of range']),
    ({'name': 'mv0', 'parent': 'eth0', 'macaddress': '01:00:5e:00:00:01'}, 'macaddress', ['multicast']),
    ({'name': 'mv0', 'parent': 'eth0', 'addresses': ['10.0.0.256/24']}, 'addresses', ["'10.0.0.256/24'"]),
    ({'name': 'mv0', 'parent': 'eth0', 'netns': '/run/netns/x'}, 'netns', ['not a namespace name']),
    ({'name': 'mv0', 'parent': 'eth0 '}, 'parent', ['not a valid interface name']),
])
def test_build_spec_rejects_bad_fields(params, field, words):
    with pytest.raises(ValidationError) as exc:
        build_spec('macvlan', params, {})
    assert exc.value.field == field
    for word in words:
        assert word in exc.value.message


def test_build_spec_absent_needs_no_parent():
    spec = build_spec('macvlan', _module_params(name='mv0', state='absent'), {})
    assert spec.state == 'absent'
    assert spec.parent is None


def test_build_spec_absent_still_checks_a_given_parent():
    with pytest.raises(ValidationError) as exc:
        build_spec('macvlan', {'name': 'mv0', 'state': 'absent', 'parent': 'p' * 16}, {})
    assert exc.value.field == 'parent'


# ---------------------------------------------------------------- the views the diff shows

def test_view_leaves_unmanaged_attributes_out():
    spec = build_spec('macvlan', {'name': 'mv0', 'parent': 'eth0'},
                      {'mode': 'bridge', 'nopromisc': None, 'source_macs': None})
    assert spec.view() == {'kind': 'macvlan', 'name': 'mv0', 'netns': None, 'parent': 'eth0',
                           'parent_netns': None, 'admin_state': 'up', 'mode': 'bridge'}


def test_view_lists_managed_attributes_and_tuples_as_lists():
    spec = build_spec('macvlan', {'name': 'mv0', 'parent': 'eth0', 'mtu': 1400, 'addresses': [],
                                  'macaddress': '02:00:00:00:00:01'},
                      {'mode': 'source', 'source_macs': ('02:00:00:00:00:02',)})
    view = spec.view()
    assert view['mtu'] == 1400
    assert view['macaddress'] == '02:00:00:00:00:01'
    assert view['addresses'] == []
    assert view['source_macs'] == ['02:00:00:00:00:02']


def test_describe_is_what_error_translation_needs():
    spec = build_spec('macvlan', {'name': 'eth0', 'parent': 'eth0', 'netns': 'net1'}, {})
    assert spec.describe() == {'kind': 'macvlan', 'name': 'eth0', 'netns': 'net1', 'parent': 'eth0',
                               'parent_netns': None, 'macaddress': None}
