# -*- coding: utf-8 -*-
# Copyright: (c) 2026, underlay.network contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""What differs between link kinds: their options, how they read and write in netlink,
and which changes the kernel cannot make in place.

A kind is a small object; the engine never branches on the kind's name.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.underlay.network.plugins.module_utils import _netlink as nl
from ansible_collections.underlay.network.plugins.module_utils._errors import ValidationError
from ansible_collections.underlay.network.plugins.module_utils._spec import check_mac


class LinkKind:
    """Base: a kind with no options of its own."""

    kind = None
    options = ()  # names of the kind-specific options, in diff order

    def normalise(self, params):
        """Module params -> dict of kind options with defaults explicit (raises ValidationError)."""
        return {}

    def read(self, link):
        """A decoded kernel link -> dict of kind options as the kernel has them."""
        return {}

    def encode(self, options):
        """Kind options (all, or only the changed ones) -> IFLA_INFO_DATA attributes (bytes)."""
        return []

    def fixed_changes(self, current, desired):
        """[(option, why)] for differences the kernel cannot apply in place."""
        return []

    def recreate_only(self, option):
        return False


# ---------------------------------------------------------------- macvlan

MACVLAN_MODES = {1: 'private', 2: 'vepa', 4: 'bridge', 8: 'passthru', 16: 'source'}
MACVLAN_MODE_VALUES = dict((name, value) for value, name in MACVLAN_MODES.items())
MACVLAN_FLAG_NOPROMISC = 1
MACVLAN_MACADDR_SET = 3
IFLA_MACVLAN_MODE, IFLA_MACVLAN_FLAGS, IFLA_MACVLAN_MACADDR_MODE = 1, 2, 3
IFLA_MACVLAN_MACADDR, IFLA_MACVLAN_MACADDR_DATA = 4, 5


class Macvlan(LinkKind):
    kind = 'macvlan'
    options = ('mode', 'nopromisc', 'source_macs')

    def normalise(self, params):
        mode = params.get('mode') or 'bridge'
        nopromisc = params.get('nopromisc')
        source_macs = params.get('source_macs')
        if nopromisc and mode != 'passthru':
            raise ValidationError("nopromisc is only meaningful with mode passthru, not mode %s: drop "
                                  "nopromisc or set mode: passthru" % mode, 'nopromisc', nopromisc)
        if source_macs is not None and mode != 'source':
            raise ValidationError("source_macs only applies to mode source, not mode %s: drop source_macs "
                                  "or set mode: source" % mode, 'source_macs', source_macs)
        if source_macs is not None:
            source_macs = tuple(sorted(set(check_mac('source_macs', mac) for mac in source_macs)))
        return {
            'mode': mode,
            'nopromisc': bool(nopromisc) if mode == 'passthru' else None,
            'source_macs': source_macs,
        }

    def read(self, link):
        data = link['data']
        mode_value = nl.as_u32(data[IFLA_MACVLAN_MODE]) if IFLA_MACVLAN_MODE in data else 2  # kernel default: vepa
        mode = MACVLAN_MODES.get(mode_value, mode_value)
        flags = nl.as_u16(data[IFLA_MACVLAN_FLAGS]) if IFLA_MACVLAN_FLAGS in data else 0
        options = {'mode': mode, 'nopromisc': bool(flags & MACVLAN_FLAG_NOPROMISC) if mode == 'passthru' else None,
                   'source_macs': None}
        if mode == 'source':
            entries = nl.parse_attrs(data[IFLA_MACVLAN_MACADDR_DATA]) if IFLA_MACVLAN_MACADDR_DATA in data else {}
            options['source_macs'] = tuple(sorted(nl.as_mac(mac) for mac in entries.get(('list', IFLA_MACVLAN_MACADDR), [])))
        return options

    def encode(self, options):
        attrs = []
        if options.get('mode') is not None:
            attrs.append(nl.u32(IFLA_MACVLAN_MODE, MACVLAN_MODE_VALUES[options['mode']]))
        if options.get('nopromisc') is not None:
            attrs.append(nl.u16(IFLA_MACVLAN_FLAGS, MACVLAN_FLAG_NOPROMISC if options['nopromisc'] else 0))
        if options.get('source_macs') is not None:
            attrs.append(nl.u32(IFLA_MACVLAN_MACADDR_MODE, MACVLAN_MACADDR_SET))
            attrs.append(nl.nested(IFLA_MACVLAN_MACADDR_DATA,
                                   *[nl.mac(IFLA_MACVLAN_MACADDR, mac) for mac in options['source_macs']]))
        return attrs

    def fixed_changes(self, current, desired):
        # The kernel refuses to switch a macvlan into or out of passthru (it owns the whole parent).
        if (current['mode'] == 'passthru') != (desired['mode'] == 'passthru'):
            return [('mode', "a macvlan cannot switch between passthru and other modes in place "
                             "(%s -> %s)" % (current['mode'], desired['mode']))]
        return []


KINDS = {
    'macvlan': Macvlan(),
}
