# Copyright: (c) 2026, underlay.network contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""_kinds.Ipvlan: option defaults, reading the driver's IFLA_INFO_DATA bytes, encoding it for requests."""


import struct

import pytest

from ansible_collections.underlay.network.plugins.module_utils._common.vocabulary import IPVLAN_FLAGS, IPVLAN_MODES
from ansible_collections.underlay.network.plugins.module_utils._kernel import netlink
from ansible_collections.underlay.network.plugins.module_utils._links.kinds import (
    IPVLAN_FLAG_NAMES, IPVLAN_MODE_NAMES, KINDS, Ipvlan)
from ansible_collections.underlay.network.tests.unit import fakes


IPVLAN = Ipvlan()
MODES = [('l2', 0), ('l3', 1), ('l3s', 2)]  # enum ipvlan_mode (if_link.h)
FLAGS = [('bridge', 0), ('private', 1), ('vepa', 2)]  # 0, IPVLAN_F_PRIVATE, IPVLAN_F_VEPA


def u16(kind, value):
    """An NLA_U16 attribute as the kernel lays it out: 4-byte header, 2-byte value, 2 bytes of padding."""
    return struct.pack('=HHH', 6, kind, value) + b'\0\0'


def read_raw(raw):
    """Ipvlan.read() of a link whose IFLA_INFO_DATA is exactly `raw`."""
    return IPVLAN.read({'data': netlink.parse_attrs(raw)})


def test_registered_under_its_kind():
    assert KINDS['ipvlan'].kind == 'ipvlan'
    assert KINDS['ipvlan'].options == ('mode', 'flag')
    assert KINDS['ipvlan'].port_options == ('mode', 'flag')  # per parent, guarded by the engine


def test_tables_match_the_uapi_numbers():
    assert IPVLAN_MODES == dict(MODES) and IPVLAN_FLAGS == dict(FLAGS)
    assert IPVLAN_MODE_NAMES == {value: name for name, value in MODES}
    assert IPVLAN_FLAG_NAMES == {value: name for name, value in FLAGS}
    assert fakes.IPVLAN_MODE_VALUES == dict(MODES) and fakes.IPVLAN_FLAG_VALUES == dict(FLAGS)


def test_no_name_default():
    assert IPVLAN.default_name({'parent': 'eth0', 'mode': 'l2'}) is None


def test_no_fixed_changes():
    """Mode and flag change in place (on the whole port); nothing needs a re-create."""
    assert IPVLAN.fixed_changes({'mode': 'l2', 'flag': 'bridge'}, {'mode': 'l3s', 'flag': 'vepa'}) == []


# ---------------------------------------------------------------- normalise

@pytest.mark.parametrize('params', [{}, {'mode': None, 'flag': None}, {'mode': '', 'flag': ''}, {'name': 'x', 'parent': 'eth0'}])
def test_normalise_defaults_are_l2_bridge(params):
    assert IPVLAN.normalise(params) == {'mode': 'l2', 'flag': 'bridge'}


@pytest.mark.parametrize('mode', [name for name, _value in MODES])
@pytest.mark.parametrize('flag', [name for name, _value in FLAGS])
def test_normalise_keeps_what_is_given(mode, flag):
    assert IPVLAN.normalise({'mode': mode, 'flag': flag}) == {'mode': mode, 'flag': flag}


def test_normalise_defaults_each_option_alone():
    assert IPVLAN.normalise({'mode': 'l3'}) == {'mode': 'l3', 'flag': 'bridge'}
    assert IPVLAN.normalise({'flag': 'private'}) == {'mode': 'l2', 'flag': 'private'}


# ---------------------------------------------------------------- read

@pytest.mark.parametrize('mode, mode_value', MODES)
@pytest.mark.parametrize('flag, flag_value', FLAGS)
def test_read_raw_bytes_every_mode_and_flag(mode, mode_value, flag, flag_value):
    assert read_raw(u16(1, mode_value) + u16(2, flag_value)) == {'mode': mode, 'flag': flag}


@pytest.mark.parametrize('mode, mode_value', MODES)
def test_read_without_flags_attribute_is_bridge(mode, mode_value):
    assert read_raw(u16(1, mode_value)) == {'mode': mode, 'flag': 'bridge'}


def test_read_without_any_attribute():
    assert read_raw(b'') == {'mode': 'l2', 'flag': 'bridge'}
    assert IPVLAN.read(fakes.ipvlan(mode=None, flags=None)) == {'mode': 'l2', 'flag': 'bridge'}


def test_read_attributes_in_any_order():
    assert read_raw(u16(2, 1) + u16(1, 2)) == {'mode': 'l3s', 'flag': 'private'}


def test_read_keeps_unknown_numbers():
    """A newer kernel's mode, or flags with both bits set, come back as the number rather than a wrong name."""
    assert read_raw(u16(1, 3) + u16(2, 3)) == {'mode': 3, 'flag': 3}


@pytest.mark.parametrize('mode, _mode_value', MODES)
@pytest.mark.parametrize('flag, _flag_value', FLAGS)
def test_read_a_decoded_dump(mode, _mode_value, flag, _flag_value):
    """The same through a whole RTM_NEWLINK body and decode_link (also for the ipvtap flavour)."""
    assert IPVLAN.read(fakes.ipvlan(mode=mode, flags=flag)) == {'mode': mode, 'flag': flag}
    assert IPVLAN.read(fakes.ipvlan(mode=mode, flags=flag, kind='ipvtap')) == {'mode': mode, 'flag': flag}


# ---------------------------------------------------------------- encode

@pytest.mark.parametrize('options, expected', [
    ({'mode': 'l2', 'flag': 'bridge'}, [u16(1, 0), u16(2, 0)]),
    ({'mode': 'l3', 'flag': 'private'}, [u16(1, 1), u16(2, 1)]),
    ({'mode': 'l3s', 'flag': 'vepa'}, [u16(1, 2), u16(2, 2)]),
    ({'mode': 'l3'}, [u16(1, 1)]),        # only the changed option
    ({'flag': 'vepa'}, [u16(2, 2)]),
    ({'mode': None, 'flag': 'private'}, [u16(2, 1)]),
    ({}, []),
])
def test_encode_is_the_drivers_bytes(options, expected):
    assert IPVLAN.encode(options) == expected


def test_encode_ignores_current():
    assert IPVLAN.encode({'mode': 'l3'}, current={'mode': 'l2', 'flag': 'vepa'}) == [u16(1, 1)]


@pytest.mark.parametrize('mode', [name for name, _value in MODES])
@pytest.mark.parametrize('flag', [name for name, _value in FLAGS])
def test_round_trip_through_a_new_link_body(mode, flag):
    """normalise -> encode -> the RTM_NEWLINK body new_link() sends -> decode_link -> read gives the options back."""
    options = IPVLAN.normalise({'mode': mode, 'flag': flag})
    _msg_type, _flags, body = netlink.new_link('ipv0', 2, 'ipvlan', IPVLAN.encode(options), mtu=1400)
    decoded = netlink.decode_link(body)
    assert decoded['kind'] == 'ipvlan'
    assert IPVLAN.read(decoded) == options
    assert fakes.read_link_request(body)['info_data'] == {'mode': dict(MODES)[mode], 'flags': dict(FLAGS)[flag]}
