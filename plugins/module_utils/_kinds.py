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

from ansible_collections.underlay.network.plugins.module_utils._errors import ValidationError
from ansible_collections.underlay.network.plugins.module_utils._spec import check_mac


def _decode_enum(value, names):
    """pyroute2 decodes some enums to strings and leaves others as integers."""
    if isinstance(value, int):
        return names.get(value, value)
    return value


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
        """Kind options (all, or only the changed ones) -> pyroute2 link() keywords."""
        return {}

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
        mode = _decode_enum(data.get('IFLA_MACVLAN_MODE', 2), MACVLAN_MODES)  # the kernel's default: vepa
        flags = data.get('IFLA_MACVLAN_FLAGS', 0)
        nopromisc = flags == 'nopromisc' or (isinstance(flags, int) and bool(flags & MACVLAN_FLAG_NOPROMISC))
        options = {'mode': mode, 'nopromisc': nopromisc if mode == 'passthru' else None, 'source_macs': None}
        if mode == 'source':
            options['source_macs'] = tuple(sorted(_source_macs(data.get('IFLA_MACVLAN_MACADDR_DATA'))))
        return options

    def encode(self, options):
        attrs = {'kind': 'macvlan'}
        if options.get('mode') is not None:
            attrs['macvlan_mode'] = MACVLAN_MODE_VALUES[options['mode']]
        if options.get('nopromisc') is not None:
            attrs['macvlan_flags'] = MACVLAN_FLAG_NOPROMISC if options['nopromisc'] else 0
        if options.get('source_macs') is not None:
            attrs['macvlan_macaddr_mode'] = MACVLAN_MACADDR_SET
            attrs['macvlan_macaddr_data'] = {
                'attrs': [('IFLA_MACVLAN_MACADDR', mac) for mac in options['source_macs']]}
        return attrs

    def fixed_changes(self, current, desired):
        # The kernel refuses to switch a macvlan into or out of passthru (it owns the whole parent).
        if (current['mode'] == 'passthru') != (desired['mode'] == 'passthru'):
            return [('mode', "a macvlan cannot switch between passthru and other modes in place "
                             "(%s -> %s)" % (current['mode'], desired['mode']))]
        return []


def _source_macs(data):
    if data is None:
        return []
    return [str(attr[1]).lower() for attr in data.get('attrs', []) if attr[0] == 'IFLA_MACVLAN_MACADDR']


KINDS = {
    'macvlan': Macvlan(),
}
