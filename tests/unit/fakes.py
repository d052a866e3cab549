# -*- coding: utf-8 -*-
# Copyright: (c) 2026, underlay.network contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Hand-built kernel state for the unit tests: decoded links and addresses in the shapes
_netlink.decode_link / decode_address return, Snapshots made of them, specs built the way the
modules build them, and a tiny in-memory "kernel" that stands in for _netlink.Netlink.

Nothing here opens a socket.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import ipaddress

from ansible_collections.underlay.network.plugins.module_utils import _netlink as netlink
from ansible_collections.underlay.network.plugins.module_utils._engine import Snapshot
from ansible_collections.underlay.network.plugins.module_utils._kinds import KINDS, MACVLAN_MODES
from ansible_collections.underlay.network.plugins.module_utils._spec import build_spec

PARENT_INDEX = 2
PARENT_MAC = '52:54:00:12:34:56'


# ---------------------------------------------------------------- decoded links and addresses

def link(name, index, kind=None, parent=None, up=True, mtu=1500, mac=None, data=None,
         link_netnsid=None, master=None):
    """A link as _netlink.decode_link returns it."""
    return {
        'index': index,
        'name': name,
        'kind': kind,
        'flags': (netlink.IFF_UP if up else 0) | 0x1002,  # plus IFF_BROADCAST | IFF_MULTICAST
        'mtu': mtu,
        'macaddress': mac,
        'link': parent,
        'link_netnsid': link_netnsid,
        'master': master,
        'operstate': 'UP' if up else 'DOWN',
        'data': dict(data or {}),
        'raw_data': None,
    }


def loopback():
    return link('lo', 1, mtu=65536, mac='00:00:00:00:00:00')


def ethernet(name='eth0', index=PARENT_INDEX, mac=PARENT_MAC, **kwargs):
    return link(name, index, mac=mac, **kwargs)


def macvlan(name='mv0', index=10, parent=PARENT_INDEX, mode='bridge', flags=None, source_macs=None,
            mac='02:00:5e:00:00:0a', **kwargs):
    """A decoded macvlan; `mode`/`flags` as pyroute2 gives them (strings, or ints when unmapped)."""
    data = {}
    if mode is not None:
        data['IFLA_MACVLAN_MODE'] = mode
    if flags is not None:
        data['IFLA_MACVLAN_FLAGS'] = flags
    if source_macs is not None:
        data['IFLA_MACVLAN_MACADDR_DATA'] = {'attrs': [('IFLA_MACVLAN_MACADDR', m) for m in source_macs]}
    return link(name, index, kind='macvlan', parent=parent, mac=mac, data=data, **kwargs)


def ipvlan(name='ipv0', index=20, parent=PARENT_INDEX, **kwargs):
    return link(name, index, kind='ipvlan', parent=parent, mac=PARENT_MAC,
                data={'IFLA_IPVLAN_MODE': 0, 'IFLA_IPVLAN_FLAGS': 0}, **kwargs)


def address(index, cidr, scope=0):
    """An address as _netlink.decode_address returns it."""
    interface = ipaddress.ip_interface(u'%s' % cidr)
    return {'index': index, 'family': 2 if interface.version == 4 else 10, 'address': str(interface.ip),
            'prefixlen': interface.network.prefixlen, 'scope': scope}


def snapshot(links, addresses=(), netns=None):
    return Snapshot(netns, list(links), list(addresses))


def root_with_parent(*extra_links, **kwargs):
    """{None: Snapshot} of a root namespace with lo, eth0 and `extra_links`."""
    return {None: snapshot([loopback(), ethernet()] + list(extra_links), kwargs.get('addresses', ()))}


# ---------------------------------------------------------------- desired links

def macvlan_spec(name='mv0', parent='eth0', **params):
    """A LinkSpec built exactly as run_link_module builds it for macvlan_link."""
    params = dict(params, name=name, parent=parent)
    state = params.get('state') or 'present'
    options = KINDS['macvlan'].normalise(params) if state == 'present' else {}
    return build_spec('macvlan', params, options)


# ---------------------------------------------------------------- a kernel in memory

class FakeKernel:
    """Namespaces of links and addresses that FakeNetlink sockets read and change.

    `drop` lists link() keywords the fake "pyroute2" silently ignores (as the real one does with
    keywords it does not know); `fail` maps a method name to the errno it raises.
    """

    def __init__(self, namespaces):
        self.namespaces = dict((netns, {'links': list(links), 'addresses': list(addrs)})
                               for netns, (links, addrs) in namespaces.items())
        self.calls = []
        self.drop = set()
        self.fail = {}
        self.opened = []
        self._next_index = 100

    def socket(self, netns=None):
        if netns not in self.namespaces:
            raise LookupError(netns)
        self.opened.append(netns)
        return FakeNetlink(self, netns)

    def list_namespaces(self):
        return sorted(ns for ns in self.namespaces if ns is not None)

    def find(self, netns, name):
        for item in self.namespaces[netns]['links']:
            if item['name'] == name:
                return item
        return None

    def addresses_of(self, netns, name):
        found = self.find(netns, name)
        return sorted('%s/%d' % (a['address'], a['prefixlen']) for a in self.namespaces[netns]['addresses']
                      if found is not None and a['index'] == found['index'])

    def new_index(self):
        self._next_index += 1
        return self._next_index


class FakeNetlink:
    """Stands in for _netlink.Netlink: the same methods, on a FakeKernel."""

    def __init__(self, kernel, netns):
        self.kernel = kernel
        self.netns = netns
        self.closed = False

    def _record(self, method, *args, **kwargs):
        self.kernel.calls.append((self.netns, method, args, kwargs))
        code = self.kernel.fail.get(method)
        if code is not None:
            raise netlink.NetlinkError(code)

    def _state(self):
        return self.kernel.namespaces[self.netns]

    def _by_index(self, index):
        return [item for item in self._state()['links'] if item['index'] == index][0]

    def close(self):
        self.closed = True

    def links(self):
        return [dict(item, data=dict(item['data'])) for item in self._state()['links']]

    def addresses(self):
        return [dict(item) for item in self._state()['addresses']]

    def link_add(self, **attrs):
        self._record('link_add', **attrs)
        attrs = dict((k, v) for k, v in attrs.items() if k not in self.kernel.drop)
        target = attrs.get('net_ns_fd', self.netns)
        target = None if isinstance(target, int) else target
        index = self.kernel.new_index()
        created = macvlan(name=attrs['ifname'], index=index, parent=attrs['link'],
                          mode=MACVLAN_MODES[attrs.get('macvlan_mode', 2)],
                          flags='nopromisc' if attrs.get('macvlan_flags') else 'none',
                          mac=attrs.get('address', '02:00:00:00:00:%02x' % (index % 256)),
                          mtu=attrs.get('mtu', self._by_index(attrs['link'])['mtu']),
                          up=attrs.get('state') == 'up',
                          link_netnsid=0 if target != self.netns else None)
        self.kernel.namespaces[target]['links'].append(created)

    def link_set(self, index, **attrs):
        self._record('link_set', index, **attrs)
        item = self._by_index(index)
        for key, value in attrs.items():
            if key in self.kernel.drop:
                continue
            if key == 'mtu':
                item['mtu'] = value
            elif key == 'address':
                item['macaddress'] = value
            elif key == 'state':
                item['flags'] = item['flags'] | netlink.IFF_UP if value == 'up' else item['flags'] & ~netlink.IFF_UP
            elif key == 'macvlan_mode':
                item['data']['IFLA_MACVLAN_MODE'] = MACVLAN_MODES[value]
            elif key == 'macvlan_flags':
                item['data']['IFLA_MACVLAN_FLAGS'] = 'nopromisc' if value else 'none'

    def link_del(self, index):
        self._record('link_del', index)
        state = self._state()
        state['links'] = [item for item in state['links'] if item['index'] != index]
        state['addresses'] = [item for item in state['addresses'] if item['index'] != index]

    def addr_add(self, index, address_, prefixlen):
        self._record('addr_add', index, address_, prefixlen)
        self._state()['addresses'].append(address(index, '%s/%d' % (address_, prefixlen)))

    def addr_del(self, index, address_, prefixlen):
        self._record('addr_del', index, address_, prefixlen)
        state = self._state()
        state['addresses'] = [item for item in state['addresses']
                              if (item['index'], item['address'], item['prefixlen']) != (index, address_, prefixlen)]


def calls_of(kernel, method):
    """The recorded calls of one FakeNetlink method, as (netns, args, kwargs)."""
    return [(netns, args, kwargs) for netns, name, args, kwargs in kernel.calls if name == method]
