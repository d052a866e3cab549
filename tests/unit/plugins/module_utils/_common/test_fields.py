# Copyright: (c) 2026, underlay.network contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""_common.fields: the single fields a user writes, checked before anything is read; each refusal names the
field, the value and the fix."""


import ipaddress

import pytest

from ansible_collections.underlay.network.plugins.module_utils._common.errors import ValidationError
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


# ---------------------------------------------------------------- addresses and networks

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
