# Copyright: (c) 2026, underlay.network contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""_kinds.Macvlan: option defaults, reading the driver's IFLA_INFO_DATA, encoding it for requests."""


import binascii
import struct

import pytest

from ansible_collections.underlay.network.plugins.module_utils._common.errors import ValidationError
from ansible_collections.underlay.network.plugins.module_utils._common.vocabulary import MACVLAN_MODES
from ansible_collections.underlay.network.plugins.module_utils._links.kinds import (
    KINDS, MACVLAN_MODE_NAMES, LinkKind, Macvlan)
from ansible_collections.underlay.network.tests.unit import fakes


MACVLAN = Macvlan()


def test_registered_under_its_kind():
    assert KINDS['macvlan'].kind == 'macvlan'
    assert KINDS['macvlan'].options == ('mode', 'nopromisc', 'source_macs')


def test_mode_tables_are_inverse():
    assert MACVLAN_MODES == {'private': 1, 'vepa': 2, 'bridge': 4, 'passthru': 8, 'source': 16}  # enum macvlan_mode
    assert {v: k for k, v in MACVLAN_MODES.items()} == MACVLAN_MODE_NAMES


def test_base_kind_has_no_options():
    base = LinkKind()
    assert (base.normalise({}), base.read({}), base.encode({}), base.fixed_changes({}, {})) == ({}, {}, [], [])


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
    (4, 0, {'mode': 'bridge', 'nopromisc': None}),
    (4, None, {'mode': 'bridge', 'nopromisc': None}),              # no IFLA_MACVLAN_FLAGS
    (1, 0, {'mode': 'private', 'nopromisc': None}),
    (2, 0, {'mode': 'vepa', 'nopromisc': None}),
    (None, None, {'mode': 'vepa', 'nopromisc': None}),             # no attribute: the kernel's default
    (4, 1, {'mode': 'bridge', 'nopromisc': None}),                 # flag only counts in passthru
    (8, 1, {'mode': 'passthru', 'nopromisc': True}),
    (8, 3, {'mode': 'passthru', 'nopromisc': True}),               # NOPROMISC | NODST
    (8, 2, {'mode': 'passthru', 'nopromisc': False}),
    (8, 0, {'mode': 'passthru', 'nopromisc': False}),
    (8, None, {'mode': 'passthru', 'nopromisc': False}),
    (16, 0, {'mode': 'source', 'nopromisc': None}),
])
def test_read_decodes_the_drivers_numbers(mode, flags, expected):
    options = MACVLAN.read(fakes.macvlan(mode=mode, flags=flags))
    assert {key: options[key] for key in ('mode', 'nopromisc')} == expected


def test_read_keeps_an_unknown_mode_number():
    assert MACVLAN.read(fakes.macvlan(mode=32))['mode'] == 32


def test_read_source_macs_sorted_lowercase():
    link = fakes.macvlan(mode='source', source_macs=['02:00:00:00:00:0B', '02:00:00:00:00:01'])
    assert MACVLAN.read(link) == {'mode': 'source', 'nopromisc': None,
                                  'source_macs': ('02:00:00:00:00:01', '02:00:00:00:00:0b')}


@pytest.mark.parametrize('source_macs', [None, []], ids=['no-count', 'count-0-no-nest'])
def test_read_source_mode_without_list_is_empty(source_macs):
    assert MACVLAN.read(fakes.macvlan(mode='source', source_macs=source_macs))['source_macs'] == ()


def test_read_source_macs_ignored_outside_source_mode():
    assert MACVLAN.read(fakes.macvlan(mode='bridge', source_macs=['02:00:00:00:00:01']))['source_macs'] is None


# ---------------------------------------------------------------- encode

def u32(kind, value):
    return struct.pack('=HHI', 8, kind, value)


def u16(kind, value):
    return struct.pack('=HHH', 6, kind, value) + b'\0\0'


def mac_attr(text):
    return struct.pack('=HH', 10, 4) + binascii.unhexlify(text.replace(':', '')) + b'\0\0'


@pytest.mark.parametrize('options, expected', [
    ({'mode': 'bridge', 'nopromisc': None, 'source_macs': None}, [u32(1, 4)]),
    ({'mode': 'private'}, [u32(1, 1)]),
    ({'mode': 'vepa'}, [u32(1, 2)]),
    ({'mode': 'passthru', 'nopromisc': True}, [u32(1, 8), u16(2, 1)]),
    ({'mode': 'passthru', 'nopromisc': False}, [u32(1, 8), u16(2, 0)]),
    ({'nopromisc': True}, [u16(2, 1)]),  # only the changed option
    ({}, []),
    ({'mode': 'source', 'source_macs': ('02:00:00:00:00:01', '02:00:00:00:00:02')},
     [u32(1, 16), u32(3, 3),  # IFLA_MACVLAN_MACADDR_MODE: MACVLAN_MACADDR_SET (replace the list)
      struct.pack('=HH', 28, 5 | 0x8000) + mac_attr('02:00:00:00:00:01') + mac_attr('02:00:00:00:00:02')]),
    ({'source_macs': ()}, [u32(3, 3), struct.pack('=HH', 4, 5 | 0x8000)]),  # an empty SET clears the list
])
def test_encode_is_the_drivers_attributes(options, expected):
    assert MACVLAN.encode(options) == expected


@pytest.mark.parametrize('params', [
    {}, {'mode': 'private'}, {'mode': 'vepa'}, {'mode': 'passthru', 'nopromisc': True}, {'mode': 'passthru'},
    {'mode': 'source', 'source_macs': ['02:00:00:00:00:02', '02:00:00:00:00:01']},
    {'mode': 'source', 'source_macs': []},
])
def test_normalise_encode_read_round_trip(params):
    """What encode() sends, decoded from a link body that carries it, reads back as the same options."""
    options = MACVLAN.normalise(params)
    link = fakes.link('mv0', 7, kind='macvlan', parent=2, data=MACVLAN.encode(options))
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
