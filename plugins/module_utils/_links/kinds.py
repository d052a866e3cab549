# Copyright: (c) 2026, underlay.network contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""What differs between link kinds: their options, how they read and write in netlink,
and which changes the kernel cannot make in place.

A kind is a small object; the engine never branches on the kind's name.
"""

from __future__ import annotations

import struct

from ansible_collections.underlay.network.plugins.module_utils._common.errors import ValidationError
from ansible_collections.underlay.network.plugins.module_utils._common.fields import check_mac
from ansible_collections.underlay.network.plugins.module_utils._common.vocabulary import (
    DEFAULT_IPVLAN_FLAG, DEFAULT_MODES, DEFAULT_VLAN_PROTOCOL, IPVLAN_FLAGS, IPVLAN_MODES, MACVLAN_MODES,
    VLAN_PROTOCOLS)
from ansible_collections.underlay.network.plugins.module_utils._kernel import netlink as nl


def _names(numbers: dict) -> dict:
    """A vocabulary table read backwards: the kernel's number -> our name."""
    return {value: name for name, value in numbers.items()}


class LinkKind:
    """Base: a kind with no options of its own."""

    kind: str | None = None
    options = ()  # names of the kind-specific options, in diff order
    port_options = ()  # options the kernel keeps per parent, shared by every sibling of this kind
    port_kinds = ()  # link kinds that share one port object on a parent (a driver family)

    def duplicate(self, desired: dict, existing: dict) -> bool:
        """True when `existing` (options of another link on the same parent) is the same thing as `desired`."""
        return False

    def default_name(self, params: dict) -> str | None:
        """The link name when the user gives none (None: the name is required)."""
        return None

    def normalise(self, params: dict) -> dict:
        """Module params -> dict of kind options with defaults explicit (raises ValidationError)."""
        return {}

    def read(self, link: dict) -> dict:
        """A decoded kernel link -> dict of kind options as the kernel has them."""
        return {}

    def encode(self, options: dict, current: dict | None = None) -> list[bytes]:
        """Kind options (all, or only the changed ones) -> IFLA_INFO_DATA attributes (bytes).

        `current` is what the kernel has (for options whose change must also clear old values).
        """
        return []

    def fixed_changes(self, current: dict, desired: dict) -> list[tuple[str, str]]:
        """[(option, why)] for differences the kernel cannot apply in place."""
        return []


# ---------------------------------------------------------------- macvlan

MACVLAN_MODE_NAMES = _names(MACVLAN_MODES)
MACVLAN_KERNEL_DEFAULT = MACVLAN_MODES['vepa']  # a macvlan made without IFLA_MACVLAN_MODE
MACVLAN_FLAG_NOPROMISC = 1
MACVLAN_MACADDR_SET = 3
IFLA_MACVLAN_MODE, IFLA_MACVLAN_FLAGS, IFLA_MACVLAN_MACADDR_MODE = 1, 2, 3
IFLA_MACVLAN_MACADDR, IFLA_MACVLAN_MACADDR_DATA = 4, 5


class Macvlan(LinkKind):
    kind = 'macvlan'
    port_kinds = ('macvlan', 'macvtap')
    options = ('mode', 'nopromisc', 'source_macs')

    def normalise(self, params: dict) -> dict:
        mode = params.get('mode') or DEFAULT_MODES['macvlan']
        nopromisc = params.get('nopromisc')
        source_macs = params.get('source_macs')
        if nopromisc and mode != 'passthru':
            raise ValidationError("nopromisc is only meaningful with mode passthru, not mode %s: drop "
                                  "nopromisc or set mode: passthru" % mode, 'nopromisc', nopromisc)
        if source_macs is not None and mode != 'source':
            raise ValidationError("source_macs only applies to mode source, not mode %s: drop source_macs "
                                  "or set mode: source" % mode, 'source_macs', source_macs)
        if source_macs is not None:
            source_macs = tuple(sorted({check_mac('source_macs', mac) for mac in source_macs}))
        return {
            'mode': mode,
            'nopromisc': bool(nopromisc) if mode == 'passthru' else None,
            'source_macs': source_macs,
        }

    def read(self, link: dict) -> dict:
        data = link['data']
        mode_value = nl.as_u32(data[IFLA_MACVLAN_MODE]) if IFLA_MACVLAN_MODE in data else MACVLAN_KERNEL_DEFAULT
        mode = MACVLAN_MODE_NAMES.get(mode_value, mode_value)
        flags = nl.as_u16(data[IFLA_MACVLAN_FLAGS]) if IFLA_MACVLAN_FLAGS in data else 0
        options = {'mode': mode, 'nopromisc': bool(flags & MACVLAN_FLAG_NOPROMISC) if mode == 'passthru' else None,
                   'source_macs': None}
        if mode == 'source':
            entries = nl.parse_attrs(data[IFLA_MACVLAN_MACADDR_DATA]) if IFLA_MACVLAN_MACADDR_DATA in data else {}
            options['source_macs'] = tuple(sorted(nl.as_mac(mac) for mac in entries.get(('list', IFLA_MACVLAN_MACADDR), [])))
        return options

    def encode(self, options: dict, current: dict | None = None) -> list[bytes]:
        attrs = []
        if options.get('mode') is not None:
            attrs.append(nl.u32(IFLA_MACVLAN_MODE, MACVLAN_MODES[options['mode']]))
        if options.get('nopromisc') is not None:
            attrs.append(nl.u16(IFLA_MACVLAN_FLAGS, MACVLAN_FLAG_NOPROMISC if options['nopromisc'] else 0))
        if options.get('source_macs') is not None:
            attrs.append(nl.u32(IFLA_MACVLAN_MACADDR_MODE, MACVLAN_MACADDR_SET))
            attrs.append(nl.nested(IFLA_MACVLAN_MACADDR_DATA,
                                   *[nl.mac(IFLA_MACVLAN_MACADDR, mac) for mac in options['source_macs']]))
        return attrs

    def fixed_changes(self, current: dict, desired: dict) -> list[tuple[str, str]]:
        # The kernel refuses to switch a macvlan into or out of passthru (it owns the whole parent).
        if (current['mode'] == 'passthru') != (desired['mode'] == 'passthru'):
            return [('mode', "a macvlan cannot switch between passthru and other modes in place "
                             "(%s -> %s)" % (current['mode'], desired['mode']))]
        return []


# ---------------------------------------------------------------- ipvlan

IPVLAN_MODE_NAMES = _names(IPVLAN_MODES)
IPVLAN_FLAG_NAMES = _names(IPVLAN_FLAGS)
IFLA_IPVLAN_MODE, IFLA_IPVLAN_FLAGS = 1, 2


class Ipvlan(LinkKind):
    kind = 'ipvlan'
    options = ('mode', 'flag')
    port_options = ('mode', 'flag')  # ipvlan mode and flags live on the parent's port, not the link
    port_kinds = ('ipvlan', 'ipvtap')

    def normalise(self, params: dict) -> dict:
        return {'mode': params.get('mode') or DEFAULT_MODES['ipvlan'], 'flag': params.get('flag') or DEFAULT_IPVLAN_FLAG}

    def read(self, link: dict) -> dict:
        data = link['data']
        mode = nl.as_u16(data[IFLA_IPVLAN_MODE]) if IFLA_IPVLAN_MODE in data else 0
        flags = nl.as_u16(data[IFLA_IPVLAN_FLAGS]) if IFLA_IPVLAN_FLAGS in data else 0
        return {'mode': IPVLAN_MODE_NAMES.get(mode, mode), 'flag': IPVLAN_FLAG_NAMES.get(flags, flags)}

    def encode(self, options: dict, current: dict | None = None) -> list[bytes]:
        attrs = []
        if options.get('mode') is not None:
            attrs.append(nl.u16(IFLA_IPVLAN_MODE, IPVLAN_MODES[options['mode']]))
        if options.get('flag') is not None:
            attrs.append(nl.u16(IFLA_IPVLAN_FLAGS, IPVLAN_FLAGS[options['flag']]))
        return attrs


# ---------------------------------------------------------------- 802.1Q / 802.1ad vlan

VLAN_PROTOCOL_NAMES = _names(VLAN_PROTOCOLS)
VLAN_FLAGS = (('reorder_hdr', 0x1), ('gvrp', 0x2), ('loose_binding', 0x4), ('mvrp', 0x8))
IFLA_VLAN_ID, IFLA_VLAN_FLAGS, IFLA_VLAN_EGRESS_QOS, IFLA_VLAN_INGRESS_QOS, IFLA_VLAN_PROTOCOL = 1, 2, 3, 4, 5
IFLA_VLAN_QOS_MAPPING = 1
_QOS_MAPPING = struct.Struct('=II')
_VLAN_FLAGS = struct.Struct('=II')


def _qos_map(field, value, from_range, to_range):
    """{from: to} with int keys; out-of-range entries are errors, 0 targets mean 'no mapping'."""
    if value is None:
        return None
    result = {}
    for key, target in value.items():
        try:
            key, target = int(key), int(target)
        except (TypeError, ValueError):
            raise ValidationError("%s: '%s: %s' is not a number-to-number mapping; write it like {5: 3}"
                                  % (field, key, target), field, value)
        if key not in from_range or target not in to_range:
            raise ValidationError("%s: %d -> %d is out of range: keys %d-%d, values %d-%d"
                                  % (field, key, target, from_range[0], from_range[-1], to_range[0], to_range[-1]),
                                  field, value)
        if target:
            result[key] = target
    return tuple(sorted(result.items()))


class Vlan(LinkKind):
    kind = 'vlan'
    options = ('vlan_id', 'protocol', 'reorder_hdr', 'gvrp', 'mvrp', 'loose_binding',
               'ingress_qos_map', 'egress_qos_map')

    def default_name(self, params: dict) -> str | None:
        if params.get('parent') and params.get('vlan_id') is not None:
            return '%s.%s' % (params['parent'], params['vlan_id'])
        return None

    def normalise(self, params: dict) -> dict:
        vlan_id = params.get('vlan_id')
        if vlan_id is None or not 1 <= vlan_id <= 4094:
            raise ValidationError("vlan_id %s is out of range: give an 802.1Q VLAN id from 1 to 4094 (0 and 4095 "
                                  "are reserved)" % vlan_id, 'vlan_id', vlan_id)
        options = {'vlan_id': vlan_id, 'protocol': params.get('protocol') or DEFAULT_VLAN_PROTOCOL}
        for name, _bit in VLAN_FLAGS:
            options[name] = params.get(name)
        if options['reorder_hdr'] is None:
            options['reorder_hdr'] = True  # what `ip link add ... type vlan` gives
        for name in ('gvrp', 'mvrp', 'loose_binding'):
            options[name] = bool(options[name])
        # ingress: 802.1p priority (0-7) -> skb priority; egress: skb priority -> 802.1p priority (0-7)
        options['ingress_qos_map'] = _qos_map('ingress_qos_map', params.get('ingress_qos_map'),
                                              range(0, 8), range(0, 2 ** 32))
        options['egress_qos_map'] = _qos_map('egress_qos_map', params.get('egress_qos_map'),
                                             range(0, 2 ** 32), range(0, 8))
        return options

    def read(self, link: dict) -> dict:
        data = link['data']
        flags = _VLAN_FLAGS.unpack(data[IFLA_VLAN_FLAGS][:8])[0] if IFLA_VLAN_FLAGS in data else 0
        protocol = nl.as_be16(data[IFLA_VLAN_PROTOCOL]) if IFLA_VLAN_PROTOCOL in data else VLAN_PROTOCOLS['802.1Q']
        options = {'vlan_id': nl.as_u16(data[IFLA_VLAN_ID]) if IFLA_VLAN_ID in data else None,
                   'protocol': VLAN_PROTOCOL_NAMES.get(protocol, hex(protocol))}
        for name, bit in VLAN_FLAGS:
            options[name] = bool(flags & bit)
        for name, attr in (('ingress_qos_map', IFLA_VLAN_INGRESS_QOS), ('egress_qos_map', IFLA_VLAN_EGRESS_QOS)):
            entries = nl.parse_attrs(data[attr]).get(('list', IFLA_VLAN_QOS_MAPPING), []) if attr in data else []
            options[name] = tuple(sorted(_QOS_MAPPING.unpack(entry[:8]) for entry in entries if _QOS_MAPPING.unpack(entry[:8])[1]))
        return options

    def encode(self, options: dict, current: dict | None = None) -> list[bytes]:
        attrs = []
        if options.get('vlan_id') is not None:
            attrs.append(nl.u16(IFLA_VLAN_ID, options['vlan_id']))
        if options.get('protocol') is not None:
            attrs.append(nl.be16(IFLA_VLAN_PROTOCOL, VLAN_PROTOCOLS[options['protocol']]))
        flags = mask = 0
        for name, bit in VLAN_FLAGS:
            if options.get(name) is not None:
                mask |= bit
                flags |= bit if options[name] else 0
        if mask:
            attrs.append(nl.attr(IFLA_VLAN_FLAGS, _VLAN_FLAGS.pack(flags, mask)))
        for name, attr in (('ingress_qos_map', IFLA_VLAN_INGRESS_QOS), ('egress_qos_map', IFLA_VLAN_EGRESS_QOS)):
            if options.get(name) is None:
                continue
            wanted = dict(options[name])
            # Mapping to 0 removes an entry: clear what the link has beyond the wanted map.
            stale = {key: 0 for key, _target in (current or {}).get(name) or () if key not in wanted}
            stale.update(wanted)
            entries = [nl.attr(IFLA_VLAN_QOS_MAPPING, _QOS_MAPPING.pack(key, target)) for key, target in sorted(stale.items())]
            if entries:
                attrs.append(nl.nested(attr, *entries))
        return attrs

    def duplicate(self, desired: dict, existing: dict) -> bool:
        # a parent carries each (id, protocol) once
        return (desired['vlan_id'], desired['protocol']) == (existing['vlan_id'], existing['protocol'])

    def fixed_changes(self, current: dict, desired: dict) -> list[tuple[str, str]]:
        # The kernel accepts a new id or protocol on an existing vlan link and silently ignores it.
        return [(name, "the kernel cannot change the %s of a vlan link in place (%s -> %s)"
                 % (name.replace('_', ' '), current[name], desired[name]))
                for name in ('vlan_id', 'protocol') if current[name] != desired[name]]


KINDS = {
    'macvlan': Macvlan(),
    'ipvlan': Ipvlan(),
    'vlan': Vlan(),
}
