# -*- coding: utf-8 -*-
# Copyright: (c) 2026, underlay.network contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""_kinds.Macvlan: option defaults, reading what pyroute2 decoded, encoding for link()."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import pytest

from ansible_collections.underlay.network.plugins.module_utils import _netlink as netlink
from ansible_collections.underlay.network.plugins.module_utils._errors import ValidationError
from ansible_collections.underlay.network.plugins.module_utils._kinds import (
    KINDS, MACVLAN_MODE_VALUES, MACVLAN_MODES, LinkKind, Macvlan)

from ansible_collections.underlay.network.tests.unit import fakes

MACVLAN = Macvlan()


def test_registered_under_its_kind():
    assert KINDS['macvlan'].kind == 'macvlan'
    assert KINDS['macvlan'].options == ('mode', 'nopromisc', 'source_macs')


def test_mode_tables_are_inverse():
    assert MACVLAN_MODE_VALUES == {'private': 1, 'vepa': 2, 'bridge': 4, 'passthru': 8, 'source': 16}
    assert dict((v, k) for k, v in MACVLAN_MODE_VALUES.items()) == MACVLAN_MODES


def test_base_kind_has_no_options():
    base = LinkKind()
    assert (base.normalise({}), base.read({}), base.encode({}), base.fixed_changes({}, {})) == ({}, {}, {}, [])


# ---------------------------------------------------------------- normalise

@pytest.mark.parametrize('params, expected', [
    ({}, {'mode': 'bridge', 'nopromisc': None, 'source_macs': None}),
    ({'mode': None, 'nopromisc': None, 'source_macs': None}, {'mode': 'bridge', 'nopromisc': None, 'source_macs': None}),
    ({'mode': 'private'}, {'mode': 'private', 'nopromisc': None, 'source_macs': None}),
    ({'mode': 'vepa', 'nopromisc': False}, {'mode': 'vepa', 'nopromisc': None, 'source_macs': None}),
    ({'mode': 'passthru'}, {'mode': 'passthru', 'nopromisc': False, 'source_macs': None}),
    ({'mode': 'passthru', 'nopromisc': True}, {'mode': 'passthru', 'nopromisc': True, 'source_macs': None}),
    ({'mode': 'source'}, {'mode': 'source', 'nopromisc': None, 'source_macs': None}),
    ({'mode': 'source', 'source_macs': []}, {'mode': 'source', 'nopromisc': None, 'source_macs': ()}),
])
def test_normalise_makes_defaults_explicit(params, expected):
    assert MACVLAN.normalise(params) == expected


@pytest.mark.parametrize('mode', [None, 'bridge', 'private', 'vepa', 'source'])
def test_nopromisc_only_with_passthru(mode):
    with pytest.raises(ValidationError) as exc:
        MACVLAN.normalise({'mode': mode, 'nopromisc': True})
    assert exc.value.message == ("nopromisc is only meaningful with mode passthru, not mode %s: drop nopromisc "
                                 "or set mode: passthru" % (mode or 'bridge'))
    assert (exc.value.field, exc.value.value) == ('nopromisc', True)


@pytest.mark.parametrize('mode', [None, 'bridge', 'passthru'])
def test_source_macs_only_with_source(mode):
    with pytest.raises(ValidationError) as exc:
        MACVLAN.normalise({'mode': mode, 'source_macs': ['02:00:00:00:00:01']})
    assert exc.value.message.startswith('source_macs only applies to mode source, not mode %s' % (mode or 'bridge'))
    assert 'set mode: source' in exc.value.message
    assert exc.value.field == 'source_macs'


def test_source_macs_normalised_deduplicated_sorted():
    options = MACVLAN.normalise({'mode': 'source', 'source_macs': [
        '02:00:00:00:00:0B', '02-00-00-00-00-0a', '02:00:00:00:00:0b', ' 02:00:00:00:00:01']})
    assert options['source_macs'] == ('02:00:00:00:00:01', '02:00:00:00:00:0a', '02:00:00:00:00:0b')


@pytest.mark.parametrize('mac, words', [('02:00:00:00:00', 'not a MAC address'), ('01:00:5e:00:00:01', 'multicast')])
def test_source_macs_validated(mac, words):
    with pytest.raises(ValidationError) as exc:
        MACVLAN.normalise({'mode': 'source', 'source_macs': ['02:00:00:00:00:01', mac]})
    assert words in exc.value.message
    assert (exc.value.field, exc.value.value) == ('source_macs', mac)


# ---------------------------------------------------------------- read

@pytest.mark.parametrize('mode, flags, expected', [
    ('bridge', None, {'mode': 'bridge', 'nopromisc': None}),       # pyroute2 mapped the enum to a string
    (4, None, {'mode': 'bridge', 'nopromisc': None}),              # ... or left it an int
    ('private', 'none', {'mode': 'private', 'nopromisc': None}),
    (1, 0, {'mode': 'private', 'nopromisc': None}),
    ('vepa', None, {'mode': 'vepa', 'nopromisc': None}),
    (None, None, {'mode': 'vepa', 'nopromisc': None}),             # no attribute: the kernel's default
    ('bridge', 'nopromisc', {'mode': 'bridge', 'nopromisc': None}),  # flag only counts in passthru
    ('passthru', 'nopromisc', {'mode': 'passthru', 'nopromisc': True}),
    (8, 1, {'mode': 'passthru', 'nopromisc': True}),
    (8, 3, {'mode': 'passthru', 'nopromisc': True}),               # NOPROMISC | NODST
    (8, 2, {'mode': 'passthru', 'nopromisc': False}),
    ('passthru', 'none', {'mode': 'passthru', 'nopromisc': False}),
    ('passthru', 0, {'mode': 'passthru', 'nopromisc': False}),
    ('passthru', None, {'mode': 'passthru', 'nopromisc': False}),
    (16, None, {'mode': 'source', 'nopromisc': None}),
])
def test_read_decodes_strings_and_ints(mode, flags, expected):
    options = MACVLAN.read(fakes.macvlan(mode=mode, flags=flags))
    assert dict((key, options[key]) for key in ('mode', 'nopromisc')) == expected


def test_read_keeps_an_unknown_mode_number():
    assert MACVLAN.read(fakes.macvlan(mode=32))['mode'] == 32


def test_read_source_macs_sorted_lowercase():
    link = fakes.macvlan(mode='source', source_macs=['02:00:00:00:00:0B', '02:00:00:00:00:01'])
    assert MACVLAN.read(link) == {'mode': 'source', 'nopromisc': None,
                                  'source_macs': ('02:00:00:00:00:01', '02:00:00:00:00:0b')}


def test_read_source_mode_without_list_is_empty():
    assert MACVLAN.read(fakes.macvlan(mode='source'))['source_macs'] == ()


def test_read_source_macs_ignored_outside_source_mode():
    assert MACVLAN.read(fakes.macvlan(mode='bridge', source_macs=['02:00:00:00:00:01']))['source_macs'] is None


# ---------------------------------------------------------------- encode

@pytest.mark.parametrize('options, expected', [
    ({'mode': 'bridge', 'nopromisc': None, 'source_macs': None}, {'kind': 'macvlan', 'macvlan_mode': 4}),
    ({'mode': 'private'}, {'kind': 'macvlan', 'macvlan_mode': 1}),
    ({'mode': 'vepa'}, {'kind': 'macvlan', 'macvlan_mode': 2}),
    ({'mode': 'passthru', 'nopromisc': True}, {'kind': 'macvlan', 'macvlan_mode': 8, 'macvlan_flags': 1}),
    ({'mode': 'passthru', 'nopromisc': False}, {'kind': 'macvlan', 'macvlan_mode': 8, 'macvlan_flags': 0}),
    ({'nopromisc': True}, {'kind': 'macvlan', 'macvlan_flags': 1}),  # only the changed option
    ({}, {'kind': 'macvlan'}),
    ({'mode': 'source', 'source_macs': ('02:00:00:00:00:01', '02:00:00:00:00:02')},
     {'kind': 'macvlan', 'macvlan_mode': 16, 'macvlan_macaddr_mode': 3,
      'macvlan_macaddr_data': {'attrs': [('IFLA_MACVLAN_MACADDR', '02:00:00:00:00:01'),
                                         ('IFLA_MACVLAN_MACADDR', '02:00:00:00:00:02')]}}),
])
def test_encode(options, expected):
    assert MACVLAN.encode(options) == expected


@pytest.mark.parametrize('params', [
    {}, {'mode': 'private'}, {'mode': 'passthru', 'nopromisc': True}, {'mode': 'passthru'},
    {'mode': 'source', 'source_macs': ['02:00:00:00:00:02', '02:00:00:00:00:01']},
])
def test_normalise_encode_read_round_trip(params):
    """What encode() asks for reads back, via the ints pyroute2 sends, as the same options."""
    options = MACVLAN.normalise(params)
    attrs = MACVLAN.encode(options)
    macs = None
    if 'macvlan_macaddr_data' in attrs:
        macs = [mac for _, mac in attrs['macvlan_macaddr_data']['attrs']]
    link = fakes.macvlan(mode=attrs['macvlan_mode'], flags=attrs.get('macvlan_flags'), source_macs=macs)
    assert MACVLAN.read(link) == options


# ---------------------------------------------------------------- fixed changes

@pytest.mark.parametrize('current, desired, fixed', [
    ('bridge', 'private', False),
    ('vepa', 'source', False),
    ('source', 'bridge', False),
    ('passthru', 'passthru', False),
    ('bridge', 'passthru', True),
    ('private', 'passthru', True),
    ('passthru', 'bridge', True),
    ('passthru', 'source', True),
])
def test_fixed_changes_passthru_in_or_out(current, desired, fixed):
    changes = MACVLAN.fixed_changes({'mode': current}, {'mode': desired})
    if not fixed:
        assert changes == []
    else:
        assert len(changes) == 1
        attribute, why = changes[0]
        assert attribute == 'mode'
        assert 'cannot switch between passthru and other modes in place' in why
        assert '(%s -> %s)' % (current, desired) in why


# ---------------------------------------------------------------- with the real pyroute2 decoder

def _decoded(mode, flags, macs=None):
    """A macvlan RTM_NEWLINK built, encoded and decoded by the installed pyroute2 (no socket)."""
    ifinfmsg = pytest.importorskip('pyroute2.netlink.rtnl.ifinfmsg').ifinfmsg
    data = [('IFLA_MACVLAN_MODE', mode), ('IFLA_MACVLAN_FLAGS', flags)]
    if macs is not None:
        data.append(('IFLA_MACVLAN_MACADDR_DATA', {'attrs': [('IFLA_MACVLAN_MACADDR', m) for m in macs]}))
    msg = ifinfmsg()
    msg['index'] = 7
    msg['flags'] = netlink.IFF_UP
    msg['attrs'] = [('IFLA_IFNAME', 'mv0'), ('IFLA_MTU', 1500), ('IFLA_ADDRESS', '02:AA:BB:CC:DD:EE'),
                    ('IFLA_LINK', 2),
                    ('IFLA_LINKINFO', {'attrs': [('IFLA_INFO_KIND', 'macvlan'), ('IFLA_INFO_DATA', {'attrs': data})]})]
    msg.encode()
    parsed = ifinfmsg(msg.data)
    parsed.decode()
    return netlink.decode_link(parsed)


@pytest.mark.parametrize('mode, flags, expected', [
    (4, 0, {'mode': 'bridge', 'nopromisc': None, 'source_macs': None}),
    (8, 1, {'mode': 'passthru', 'nopromisc': True, 'source_macs': None}),
    (8, 0, {'mode': 'passthru', 'nopromisc': False, 'source_macs': None}),
    (16, 0, {'mode': 'source', 'nopromisc': None, 'source_macs': ('02:00:00:00:00:01', '02:00:00:00:00:02')}),
])
def test_read_what_pyroute2_decodes(mode, flags, expected):
    link = _decoded(mode, flags, ['02:00:00:00:00:02', '02:00:00:00:00:01'] if mode == 16 else None)
    assert (link['index'], link['name'], link['kind'], link['link']) == (7, 'mv0', 'macvlan', 2)
    assert link['macaddress'] == '02:aa:bb:cc:dd:ee'
    assert MACVLAN.read(link) == expected
