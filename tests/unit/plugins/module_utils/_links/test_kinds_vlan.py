# Copyright: (c) 2026, underlay.network contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""_kinds.Vlan: option defaults and validation, the default name, reading the 8021q driver's IFLA_INFO_DATA,
encoding flags under a mask and QoS maps (clearing stale entries), and what cannot change in place."""


import struct

import pytest

from ansible_collections.underlay.network.plugins.module_utils._common.errors import ValidationError
from ansible_collections.underlay.network.plugins.module_utils._common.vocabulary import VLAN_PROTOCOLS
from ansible_collections.underlay.network.plugins.module_utils._kernel import netlink
from ansible_collections.underlay.network.plugins.module_utils._links.kinds import (
    KINDS, VLAN_FLAGS, VLAN_PROTOCOL_NAMES, Vlan)
from ansible_collections.underlay.network.tests.unit import fakes


VLAN = Vlan()
DEFAULTS = {'vlan_id': 10, 'protocol': '802.1Q', 'reorder_hdr': True, 'gvrp': False, 'mvrp': False,
            'loose_binding': False, 'ingress_qos_map': None, 'egress_qos_map': None}
FLAG_BITS = [('reorder_hdr', 0x1), ('gvrp', 0x2), ('loose_binding', 0x4), ('mvrp', 0x8)]  # VLAN_FLAG_* (if_vlan.h)
U32_MAX = 2 ** 32 - 1


def normalise(**params):
    return VLAN.normalise(dict({'vlan_id': 10}, **params))


# Attributes as the kernel lays them out (our own packing, not the engine's encoders).

def u16(kind, value):
    return struct.pack('=HHH', 6, kind, value) + b'\0\0'


def be16(kind, value):
    return struct.pack('=HH', 6, kind) + struct.pack('>H', value) + b'\0\0'


def flags_attr(flags, mask):
    return struct.pack('=HHII', 12, 2, flags, mask)  # IFLA_VLAN_FLAGS: struct ifla_vlan_flags


def qos(kind, *entries):
    """IFLA_VLAN_INGRESS_QOS (4) / EGRESS_QOS (3), nested, one IFLA_VLAN_QOS_MAPPING (1) per (from, to)."""
    body = b''.join(struct.pack('=HHII', 12, 1, key, target) for key, target in entries)
    return struct.pack('=HH', 4 + len(body), kind | 0x8000) + body


def read_raw(raw):
    return VLAN.read({'data': netlink.parse_attrs(raw)})


def test_registered_under_its_kind():
    assert KINDS['vlan'].kind == 'vlan'
    assert KINDS['vlan'].options == ('vlan_id', 'protocol', 'reorder_hdr', 'gvrp', 'mvrp', 'loose_binding',
                                     'ingress_qos_map', 'egress_qos_map')
    assert KINDS['vlan'].port_options == ()  # nothing shared with siblings


def test_tables_match_the_uapi_numbers():
    assert VLAN_PROTOCOLS == {'802.1Q': 0x8100, '802.1ad': 0x88a8}  # ETH_P_8021Q, ETH_P_8021AD
    assert VLAN_PROTOCOL_NAMES == {0x8100: '802.1Q', 0x88a8: '802.1ad'}
    assert sorted(VLAN_FLAGS) == sorted(FLAG_BITS)


# ---------------------------------------------------------------- normalise

def test_normalise_makes_defaults_explicit():
    assert normalise() == DEFAULTS
    assert normalise(protocol=None, reorder_hdr=None, gvrp=None, mvrp=None, loose_binding=None,
                     ingress_qos_map=None, egress_qos_map=None) == DEFAULTS


@pytest.mark.parametrize('vlan_id', [1, 2, 100, 4094])
def test_vlan_id_in_range(vlan_id):
    assert normalise(vlan_id=vlan_id)['vlan_id'] == vlan_id


@pytest.mark.parametrize('vlan_id', [None, 0, 4095, -1, 4096, 65535])
def test_vlan_id_out_of_range_names_the_field(vlan_id):
    with pytest.raises(ValidationError) as exc:
        VLAN.normalise({'vlan_id': vlan_id})
    assert exc.value.message == ("vlan_id %s is out of range: give an 802.1Q VLAN id from 1 to 4094 (0 and 4095 are "
                                 "reserved)" % vlan_id)
    assert (exc.value.field, exc.value.value) == ('vlan_id', vlan_id)


def test_vlan_id_missing_is_refused():
    with pytest.raises(ValidationError) as exc:
        VLAN.normalise({})
    assert exc.value.field == 'vlan_id' and 'vlan_id None is out of range' in exc.value.message


@pytest.mark.parametrize('protocol', ['802.1Q', '802.1ad'])
def test_protocol_kept(protocol):
    assert normalise(protocol=protocol)['protocol'] == protocol


@pytest.mark.parametrize('name', ['reorder_hdr', 'gvrp', 'mvrp', 'loose_binding'])
@pytest.mark.parametrize('value', [True, False])
def test_flags_kept(name, value):
    assert normalise(**{name: value})[name] is value


@pytest.mark.parametrize('name', ['gvrp', 'mvrp', 'loose_binding'])
@pytest.mark.parametrize('value, expected', [(None, False), (0, False), (1, True)])
def test_flags_are_booleans(name, value, expected):
    assert normalise(**{name: value})[name] is expected


@pytest.mark.parametrize('field', ['ingress_qos_map', 'egress_qos_map'])
@pytest.mark.parametrize('value, expected', [
    (None, None),                                   # unmanaged
    ({}, ()),                                       # managed and empty: clear every entry
    ({5: 3}, ((5, 3),)),
    ({'5': '3'}, ((5, 3),)),                        # YAML may give strings
    ({'6': 2, 1: '7', 3: 4}, ((1, 7), (3, 4), (6, 2))),  # mixed, sorted by key
    ({1: 0, 2: 3}, ((2, 3),)),                      # a 0 target means 'no mapping': dropped
    ({1: 0}, ()),
])
def test_qos_maps_normalised(field, value, expected):
    assert normalise(**{field: value})[field] == expected


@pytest.mark.parametrize('field, value, words', [
    ('ingress_qos_map', {8: 1}, 'ingress_qos_map: 8 -> 1 is out of range: keys 0-7, values 0-%d' % U32_MAX),
    ('ingress_qos_map', {-1: 1}, 'ingress_qos_map: -1 -> 1 is out of range'),
    ('ingress_qos_map', {1: 2 ** 32}, 'ingress_qos_map: 1 -> %d is out of range' % 2 ** 32),
    ('ingress_qos_map', {1: -1}, 'ingress_qos_map: 1 -> -1 is out of range'),
    ('egress_qos_map', {1: 8}, 'egress_qos_map: 1 -> 8 is out of range: keys 0-%d, values 0-7' % U32_MAX),
    ('egress_qos_map', {'3': '9'}, 'egress_qos_map: 3 -> 9 is out of range'),
    ('egress_qos_map', {2 ** 32: 1}, 'egress_qos_map: %d -> 1 is out of range' % 2 ** 32),
    ('egress_qos_map', {-5: 0}, 'egress_qos_map: -5 -> 0 is out of range'),  # checked before 0 targets drop
])
def test_qos_map_out_of_range_refused(field, value, words):
    with pytest.raises(ValidationError) as exc:
        normalise(**{field: value})
    assert exc.value.message == words or exc.value.message.startswith(words)
    assert (exc.value.field, exc.value.value) == (field, value)


@pytest.mark.parametrize('value', [{'a': 1}, {1: 'high'}, {1: None}, {'': 2}])
def test_qos_map_entries_must_be_numbers(value):
    with pytest.raises(ValidationError) as exc:
        normalise(egress_qos_map=value)
    assert 'is not a number-to-number mapping; write it like {5: 3}' in exc.value.message
    assert (exc.value.field, exc.value.value) == ('egress_qos_map', value)


def test_qos_map_boundaries():
    assert normalise(ingress_qos_map={0: U32_MAX, 7: 1})['ingress_qos_map'] == ((0, U32_MAX), (7, 1))
    assert normalise(egress_qos_map={U32_MAX: 7, 0: 1})['egress_qos_map'] == ((0, 1), (U32_MAX, 7))


# ---------------------------------------------------------------- default name

@pytest.mark.parametrize('params, expected', [
    ({'parent': 'eth0', 'vlan_id': 10}, 'eth0.10'),
    ({'parent': 'bond0', 'vlan_id': 4094}, 'bond0.4094'),
    ({'parent': 'eth0', 'vlan_id': None}, None),
    ({'parent': None, 'vlan_id': 10}, None),
    ({'vlan_id': 10}, None),
    ({}, None),
])
def test_default_name_is_parent_dot_id(params, expected):
    assert VLAN.default_name(params) == expected


def test_default_name_used_by_build_spec():
    assert fakes.vlan_spec(vlan_id=20).name == 'eth0.20'
    assert fakes.vlan_spec(name='trunk20', vlan_id=20).name == 'trunk20'


# ---------------------------------------------------------------- read

def test_read_a_full_dump():
    raw = be16(5, 0x8100) + u16(1, 10) + flags_attr(0x1, U32_MAX)
    assert read_raw(raw) == dict(DEFAULTS, ingress_qos_map=(), egress_qos_map=())


@pytest.mark.parametrize('flags', range(16))
def test_read_flags_struct(flags):
    options = read_raw(u16(1, 10) + flags_attr(flags, U32_MAX))
    assert {name: options[name] for name, _bit in FLAG_BITS} == {
        name: bool(flags & bit) for name, bit in FLAG_BITS}


def test_read_flags_ignores_the_mask_and_unknown_bits():
    options = read_raw(u16(1, 10) + flags_attr(0x10 | 0x2, 0))  # bridge_binding is not ours
    assert (options['reorder_hdr'], options['gvrp'], options['loose_binding'], options['mvrp']) == (
        False, True, False, False)


def test_read_without_flags_attribute():
    """vlan_fill_info() leaves IFLA_VLAN_FLAGS out when no flag is set."""
    options = read_raw(u16(1, 10))
    assert [options[name] for name, _bit in FLAG_BITS] == [False] * 4


@pytest.mark.parametrize('value, protocol', [(0x8100, '802.1Q'), (0x88a8, '802.1ad'), (0x9100, '0x9100')])
def test_read_protocol_is_big_endian(value, protocol):
    assert read_raw(be16(5, value) + u16(1, 10))['protocol'] == protocol


def test_read_protocol_bytes_are_network_order():
    assert read_raw(b'\x06\x00\x05\x00\x88\xa8\x00\x00')['protocol'] == '802.1ad'
    assert read_raw(b'\x06\x00\x05\x00\x81\x00\x00\x00')['protocol'] == '802.1Q'


def test_read_without_protocol_or_id():
    options = read_raw(b'')
    assert (options['vlan_id'], options['protocol']) == (None, '802.1Q')


@pytest.mark.parametrize('vlan_id', [1, 10, 4094])
def test_read_vlan_id(vlan_id):
    assert read_raw(u16(1, vlan_id))['vlan_id'] == vlan_id


def test_read_ingress_and_egress_maps():
    raw = u16(1, 10) + qos(4, (1, 5), (3, 2)) + qos(3, (100, 7), (2, 1), (U32_MAX, 4))
    options = read_raw(raw)
    assert options['ingress_qos_map'] == ((1, 5), (3, 2))
    assert options['egress_qos_map'] == ((2, 1), (100, 7), (U32_MAX, 4))  # sorted whatever the dump order


def test_read_qos_maps_ignore_zero_targets():
    options = read_raw(u16(1, 10) + qos(4, (0, 0), (2, 9)) + qos(3, (5, 0)))
    assert (options['ingress_qos_map'], options['egress_qos_map']) == (((2, 9),), ())


def test_read_qos_maps_absent_or_empty():
    options = read_raw(u16(1, 10) + qos(4))
    assert (options['ingress_qos_map'], options['egress_qos_map']) == ((), ())


def test_read_a_decoded_dump():
    link = fakes.vlan(vlan_id=300, protocol=0x88a8, flags=0x1 | 0x8, ingress=[(4, 40)], egress=[(7, 3)])
    assert VLAN.read(link) == {'vlan_id': 300, 'protocol': '802.1ad', 'reorder_hdr': True, 'gvrp': False,
                               'mvrp': True, 'loose_binding': False, 'ingress_qos_map': ((4, 40),),
                               'egress_qos_map': ((7, 3),)}


# ---------------------------------------------------------------- encode

def test_encode_a_create():
    assert VLAN.encode(normalise()) == [u16(1, 10), be16(5, 0x8100), flags_attr(0x1, 0xf)]


def test_encode_every_flag():
    options = normalise(vlan_id=4094, protocol='802.1ad', reorder_hdr=False, gvrp=True, mvrp=True, loose_binding=True)
    assert VLAN.encode(options) == [u16(1, 4094), be16(5, 0x88a8), flags_attr(0xe, 0xf)]


@pytest.mark.parametrize('options, attrs', [
    ({'gvrp': True}, [flags_attr(0x2, 0x2)]),             # only the managed flag is in the mask
    ({'reorder_hdr': False}, [flags_attr(0x0, 0x1)]),
    ({'mvrp': True, 'loose_binding': False}, [flags_attr(0x8, 0xc)]),
    ({'gvrp': None, 'mvrp': None}, []),
    ({}, []),
    ({'protocol': '802.1ad'}, [be16(5, 0x88a8)]),
    ({'vlan_id': 7}, [u16(1, 7)]),
])
def test_encode_only_what_is_given(options, attrs):
    assert VLAN.encode(options) == attrs


def test_encode_qos_entries():
    options = {'ingress_qos_map': ((1, 5), (3, 2)), 'egress_qos_map': ((2, 1), (U32_MAX, 7))}
    assert VLAN.encode(options) == [qos(4, (1, 5), (3, 2)), qos(3, (2, 1), (U32_MAX, 7))]


def test_encode_empty_qos_map_without_current_sends_nothing():
    assert VLAN.encode({'ingress_qos_map': (), 'egress_qos_map': ()}) == []


def test_encode_unmanaged_qos_map_sends_nothing_even_with_current():
    current = {'ingress_qos_map': [(1, 5)], 'egress_qos_map': [(2, 1)]}
    assert VLAN.encode({'ingress_qos_map': None, 'gvrp': True}, current=current) == [flags_attr(0x2, 0x2)]


@pytest.mark.parametrize('wanted, current, entries', [
    ((), [(1, 5), (3, 2)], [(1, 0), (3, 0)]),               # clear everything
    (((3, 4),), [(1, 5), (3, 2)], [(1, 0), (3, 4)]),        # 1 is stale, 3 gets its new target
    (((3, 2),), [(1, 5), (3, 2)], [(1, 0), (3, 2)]),
    (((0, 9), (7, 1)), [], [(0, 9), (7, 1)]),               # nothing stale
    (((2, 6),), None, [(2, 6)]),                            # the current link has no map
])
def test_encode_clears_stale_entries_with_target_0(wanted, current, entries):
    options = {'ingress_qos_map': wanted}
    assert VLAN.encode(options, current={'ingress_qos_map': current}) == [qos(4, *entries)]


def test_encode_clears_stale_entries_from_a_link_view():
    """The engine passes plan.before (a link_view: lists of tuples, every option present)."""
    before = dict(DEFAULTS, ingress_qos_map=[(1, 5)], egress_qos_map=[(100, 7), (2, 1)], index=30, mtu=1500)
    encoded = VLAN.encode({'egress_qos_map': ((2, 3),), 'ingress_qos_map': ((1, 5),)}, current=before)
    assert encoded == [qos(4, (1, 5)), qos(3, (2, 3), (100, 0))]


def test_encode_clears_only_the_map_being_set():
    before = {'ingress_qos_map': [(1, 5)], 'egress_qos_map': [(2, 1)]}
    assert VLAN.encode({'egress_qos_map': ()}, current=before) == [qos(3, (2, 0))]


@pytest.mark.parametrize('params', [
    {},
    {'vlan_id': 4094, 'protocol': '802.1ad'},
    {'reorder_hdr': False, 'gvrp': True, 'mvrp': True, 'loose_binding': True},
    {'ingress_qos_map': {0: 1, 7: U32_MAX}, 'egress_qos_map': {U32_MAX: 7, 4: 2}},
    {'ingress_qos_map': {}, 'egress_qos_map': {}},
])
def test_round_trip_through_a_new_link_body(params):
    """normalise -> encode -> new_link() body -> decode_link -> read gives the options back (empty maps read as ())."""
    options = normalise(**params)
    _msg_type, _flags, body = netlink.new_link('eth0.10', 2, 'vlan', VLAN.encode(options))
    expected = dict(options, ingress_qos_map=options['ingress_qos_map'] or (),
                    egress_qos_map=options['egress_qos_map'] or ())
    assert VLAN.read(netlink.decode_link(body)) == expected


# ---------------------------------------------------------------- fixed changes

def test_fixed_changes_none_when_id_and_protocol_agree():
    current = dict(DEFAULTS, gvrp=True, ingress_qos_map=((1, 2),))
    assert VLAN.fixed_changes(current, DEFAULTS) == []


def test_fixed_changes_vlan_id():
    assert VLAN.fixed_changes(DEFAULTS, dict(DEFAULTS, vlan_id=20)) == [
        ('vlan_id', 'the kernel cannot change the vlan id of a vlan link in place (10 -> 20)')]


def test_fixed_changes_protocol():
    assert VLAN.fixed_changes(DEFAULTS, dict(DEFAULTS, protocol='802.1ad')) == [
        ('protocol', 'the kernel cannot change the protocol of a vlan link in place (802.1Q -> 802.1ad)')]


def test_fixed_changes_both_in_option_order():
    changes = VLAN.fixed_changes(dict(DEFAULTS, protocol='0x9100'), dict(DEFAULTS, vlan_id=11, protocol='802.1ad'))
    assert [name for name, _why in changes] == ['vlan_id', 'protocol']
    assert '(0x9100 -> 802.1ad)' in changes[1][1]
