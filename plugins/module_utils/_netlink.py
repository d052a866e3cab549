# -*- coding: utf-8 -*-
# Copyright: (c) 2026, underlay.network contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""The one place that talks to pyroute2.

Everything above this module works with plain dicts and value objects; everything
version-specific (pyroute2 0.7.x from the distros, 0.9.x from PyPI) stays here.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import errno
import os
import traceback

try:
    import pyroute2
    from pyroute2 import IPRoute
    from pyroute2 import netns as pyroute2_netns
    from pyroute2.netlink import nla
    from pyroute2.netlink.exceptions import NetlinkError
    from pyroute2.netlink.rtnl.ifinfmsg import ifinfmsg
    HAS_PYROUTE2 = True
    PYROUTE2_IMPORT_ERROR = None
except ImportError:  # the modules report this through missing_required_lib
    HAS_PYROUTE2 = False
    PYROUTE2_IMPORT_ERROR = traceback.format_exc()

    class NetlinkError(Exception):
        """Stand-in so that `except NetlinkError` works without pyroute2."""

        code = 0

NETNS_RUN_DIR = '/var/run/netns'
IFF_UP = 0x1
IFF_PROMISC = 0x100
RT_TABLE_MAIN = 254


def pyroute2_version():
    return getattr(pyroute2, '__version__', 'unknown') if HAS_PYROUTE2 else None


def _register_ipvlan_flags():
    """pyroute2 knows IFLA_IPVLAN_MODE only; teach it IFLA_IPVLAN_FLAGS (u16, attr 2).

    Without this the kernel's flags read back as UNKNOWN and cannot be set at all.
    """
    class ipvlan_data(nla):
        prefix = 'IFLA_'
        nla_map = (
            ('IFLA_IPVLAN_UNSPEC', 'none'),
            ('IFLA_IPVLAN_MODE', 'uint16'),
            ('IFLA_IPVLAN_FLAGS', 'uint16'),
        )

    ifinfmsg.ifinfo.data_map['ipvlan'] = ipvlan_data


if HAS_PYROUTE2:
    _register_ipvlan_flags()


# ---------------------------------------------------------------- namespaces

def list_namespaces():
    """Names of the named network namespaces (`ip netns` style, /var/run/netns)."""
    try:
        return sorted(os.listdir(NETNS_RUN_DIR))
    except OSError as exc:
        if exc.errno == errno.ENOENT:
            return []
        raise


def namespace_exists(name):
    return name is None or name in list_namespaces()


def create_namespace(name):
    pyroute2_netns.create(name)


def remove_namespace(name):
    pyroute2_netns.remove(name)


def open_socket(netns):
    """An rtnetlink socket bound to `netns` (None: the namespace we run in).

    Never creates a namespace: callers check `namespace_exists` first, because
    pyroute2 silently creates a missing one (which check mode must not do).
    """
    if netns is None:
        return IPRoute()
    if not namespace_exists(netns):
        raise LookupError(netns)
    try:
        return IPRoute(netns=netns, flags=0)  # pyroute2 >= 0.9 opens it in the namespace
    except TypeError:
        # pyroute2 0.7: enter the namespace, open a plain socket there, come back.
        # The socket stays bound to the namespace it was created in.
        pyroute2_netns.pushns(netns)
        try:
            return IPRoute()
        finally:
            pyroute2_netns.popns()


# ---------------------------------------------------------------- decoding

def _value(msg, name, default=None):
    value = msg.get_attr(name)
    return default if value is None else value


def _info_data(msg):
    linkinfo = msg.get_attr('IFLA_LINKINFO')
    if linkinfo is None:
        return None, None
    return linkinfo.get_attr('IFLA_INFO_KIND'), linkinfo.get_attr('IFLA_INFO_DATA')


def _data_attrs(data):
    """IFLA_INFO_DATA as a dict name -> decoded value (nested ones stay nla objects)."""
    if data is None or not hasattr(data, 'get'):
        return {}
    return dict((attr[0], attr[1]) for attr in data.get('attrs', []) if attr[0] != 'UNKNOWN')


def decode_link(msg):
    """One RTM_NEWLINK message as a plain dict; `data` holds the driver's attributes."""
    kind, data = _info_data(msg)
    return {
        'index': msg['index'],
        'name': _value(msg, 'IFLA_IFNAME'),
        'kind': kind,
        'flags': msg['flags'],
        'mtu': _value(msg, 'IFLA_MTU'),
        'macaddress': (_value(msg, 'IFLA_ADDRESS') or '').lower() or None,
        'link': _value(msg, 'IFLA_LINK'),
        'link_netnsid': _value(msg, 'IFLA_LINK_NETNSID'),
        'master': _value(msg, 'IFLA_MASTER'),
        'operstate': _value(msg, 'IFLA_OPERSTATE'),
        'data': _data_attrs(data),
        'raw_data': data,
    }


def decode_address(msg):
    address = _value(msg, 'IFA_ADDRESS')
    local = _value(msg, 'IFA_LOCAL')
    # On point-to-point links IFA_ADDRESS is the peer; IFA_LOCAL is ours when present.
    return {
        'index': msg['index'],
        'family': msg['family'],
        'address': local or address,
        'prefixlen': msg['prefixlen'],
        'scope': msg['scope'],
    }


def decode_route(msg):
    return {
        'family': msg['family'],
        'dst': _value(msg, 'RTA_DST'),
        'dst_len': msg['dst_len'],
        'oif': _value(msg, 'RTA_OIF'),
        'gateway': _value(msg, 'RTA_GATEWAY'),
        'prefsrc': _value(msg, 'RTA_PREFSRC'),
        'priority': _value(msg, 'RTA_PRIORITY', 0),
        'table': _value(msg, 'RTA_TABLE', msg['table']),
        'type': msg['type'],
        'proto': msg['proto'],
        'scope': msg['scope'],
    }


# ---------------------------------------------------------------- the socket wrapper

class Netlink:
    """A tiny, version-neutral facade over one rtnetlink socket in one namespace."""

    def __init__(self, netns=None):
        self.netns = netns
        self._ipr = open_socket(netns)

    def close(self):
        self._ipr.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    # One dump each: the engine never looks links up one by one.
    def links(self):
        return [decode_link(msg) for msg in self._ipr.get_links()]

    def addresses(self):
        return [decode_address(msg) for msg in self._ipr.get_addr()]

    def routes(self, family):
        return [decode_route(msg) for msg in self._ipr.get_routes(family=family, table=RT_TABLE_MAIN)]

    def link_add(self, **attrs):
        self._ipr.link('add', **attrs)

    def link_set(self, index, **attrs):
        self._ipr.link('set', index=index, **attrs)

    def link_del(self, index):
        self._ipr.link('del', index=index)

    def addr_add(self, index, address, prefixlen):
        self._ipr.addr('add', index=index, address=address, prefixlen=prefixlen)

    def addr_del(self, index, address, prefixlen):
        self._ipr.addr('del', index=index, address=address, prefixlen=prefixlen)

    def route(self, command, **attrs):
        self._ipr.route(command, **attrs)
