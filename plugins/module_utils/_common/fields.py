# Copyright: (c) 2026, underlay.network contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Single fields a user writes (interface and namespace names, MTU, MAC, addresses, networks), checked
and normalised before anything is read or changed; each refusal names the field, the value and the fix."""

from __future__ import annotations

import ipaddress
import re

from ansible_collections.underlay.network.plugins.module_utils._common.errors import ValidationError


IFNAMSIZ = 15  # the kernel's limit on interface names, without the trailing NUL
_BAD_NAME = re.compile(r'[\s/:]')
_MAC = re.compile(r'^([0-9a-f]{2}:){5}[0-9a-f]{2}$')


def check_ifname(field, value):
    if not value:
        raise ValidationError("%s is required: give the interface name" % field, field, value)
    size = len(value.encode('utf-8'))  # the kernel counts bytes
    if size > IFNAMSIZ:
        raise ValidationError("%s '%s' is %d bytes long; the kernel allows at most %d: choose a "
                              "shorter name" % (field, value, size, IFNAMSIZ), field, value)
    if _BAD_NAME.search(value) or value in ('.', '..'):
        raise ValidationError("%s '%s' is not a valid interface name: no spaces, '/' or ':'"
                              % (field, value), field, value)
    return value


def check_netns(field, value):
    if value in (None, ''):
        return None
    if '/' in value or value in ('.', '..'):
        raise ValidationError("%s '%s' is not a namespace name: give the name `ip netns list` shows, "
                              "not a path" % (field, value), field, value)
    return value


def check_mtu(value):
    if value is None:
        return None
    if not 68 <= value <= 65535:
        raise ValidationError("mtu %s is out of range: give a value from 68 to 65535 (at most the "
                              "parent's mtu for macvlan/ipvlan/vlan)" % value, 'mtu', value)
    return value


def check_mac(field, value):
    if value is None:
        return None
    mac = value.strip().lower().replace('-', ':')
    if not _MAC.match(mac):
        raise ValidationError("%s '%s' is not a MAC address: write six hex pairs like 02:00:5e:10:00:01"
                              % (field, value), field, value)
    if int(mac[:2], 16) & 1:
        raise ValidationError("%s '%s' is a multicast MAC address (lowest bit of the first octet set); "
                              "use a unicast one such as 02:...:..." % (field, value), field, value)
    if mac == '00:00:00:00:00:00':
        raise ValidationError("%s '%s' is all zeros; use a real unicast MAC address" % (field, value),
                              field, value)
    return mac


def shared_prefix_length(first, second) -> int:
    """How many leading bits two addresses of one family share."""
    return first.max_prefixlen - (int(first) ^ int(second)).bit_length()


def covering_network(start, end):
    """The smallest prefix that holds every address from `start` to `end` (a range as one route)."""
    return ipaddress.ip_network('%s/%d' % (start, shared_prefix_length(start, end)), strict=False)


def parse_interface(field, value):
    """'198.18.0.1/24' -> IPv4Interface; a bare address means a host prefix (/32 or /128)."""
    try:
        return ipaddress.ip_interface(str(value.strip()))
    except (ValueError, AttributeError):
        raise ValidationError("%s: '%s' is not an IP address with prefix; write it like "
                              "198.18.0.10/24 or 2001:db8::10/64" % (field, value), field, value)


def parse_network(field, value):
    """'198.18.16.0/20' -> IPv4Network; host bits set is an error, not silently masked."""
    try:
        return ipaddress.ip_network(str(value.strip()), strict=True)
    except ValueError as exc:
        if 'host bits set' in str(exc):
            fixed = ipaddress.ip_network(str(value.strip()), strict=False)
            raise ValidationError("%s: '%s' has host bits set; did you mean %s?" % (field, value, fixed),
                                  field, value)
        raise ValidationError("%s: '%s' is not a network; write it like 198.18.16.0/20 or "
                              "2001:db8:1::/64" % (field, value), field, value)
    except AttributeError:
        raise ValidationError("%s: '%s' is not a network" % (field, value), field, value)
