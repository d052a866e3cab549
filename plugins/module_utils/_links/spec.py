# Copyright: (c) 2026, underlay.network contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Desired links as plain value objects, with every default made explicit.

Validation happens here, before any socket is opened: a bad value never gets as far
as the kernel.
"""

from __future__ import annotations

import functools
import ipaddress
from typing import Iterable

from ansible_collections.underlay.network.plugins.module_utils._common.errors import ValidationError
from ansible_collections.underlay.network.plugins.module_utils._common.fields import (
    check_ifname, check_mac, check_mtu, check_netns, parse_interface, parse_network)
from ansible_collections.underlay.network.plugins.module_utils._kernel.netlink import RTPROT_STATIC, RTPROT_UNDERLAY


IPV6_DEFAULT_METRIC = 1024  # what IPv6 stores for a route metric of 0 (IP6_RT_PRIO_USER)
ROUTES_OURS = (RTPROT_UNDERLAY,)
ROUTES_OURS_OR_STATIC = (RTPROT_UNDERLAY, RTPROT_STATIC)


# The options every link module shares (documented once in doc_fragments/link.py).
LINK_ARGUMENT_SPEC = dict(
    name=dict(type='str'),
    parent=dict(type='str'),
    state=dict(type='str', default='present', choices=['present', 'absent']),
    admin_state=dict(type='str', default='up', choices=['up', 'down']),
    mtu=dict(type='int'),
    addresses=dict(type='list', elements='str'),
    netns=dict(type='str'),
    parent_netns=dict(type='str'),
    recreate=dict(type='bool', default=False),
)
# a link that is to be present needs its parent (run_module's required_if)
LINK_REQUIRES_PARENT = ('state', 'present', ('parent',))


class LinkSpec:
    """One desired link. `None` for mtu/macaddress/addresses means 'leave as it is'."""

    __slots__ = ('kind', 'name', 'netns', 'parent', 'parent_netns', 'state', 'admin_state',
                 'mtu', 'macaddress', 'addresses', 'options', 'recreate', 'change_siblings',
                 'alias', 'routes', 'route_sources', 'route_protocols', 'nodad', 'ipv6_conf', 'proxies')

    def __init__(self, kind: str, name: str | None, parent: str | None, netns: str | None = None,
                 parent_netns: str | None = None, state: str = 'present', admin_state: str = 'up',
                 mtu: int | None = None, macaddress: str | None = None, addresses: tuple[str, ...] | None = None,
                 options: dict | None = None, recreate: bool = False, change_siblings: bool = False,
                 alias: str | None = None, routes: dict[str, int] | None = None, nodad: bool = False,
                 ipv6_conf: dict[str, int] | None = None, proxies: tuple[str, ...] | None = None,
                 route_sources: dict[str, str | None] | None = None, route_protocols: tuple[int, ...] = ROUTES_OURS):
        self.kind = kind
        self.name = name
        self.parent = parent
        self.netns = netns
        self.parent_netns = parent_netns
        self.state = state
        self.admin_state = admin_state
        self.mtu = mtu
        self.macaddress = macaddress
        self.addresses = addresses
        self.options = options or {}
        self.recreate = recreate
        self.change_siblings = change_siblings  # may a per-parent option (ipvlan mode) change the siblings too
        self.alias = alias  # IFLA_IFALIAS, the ownership mark; None: leave it as it is
        # {destination: metric}: the exact set of our (protocol 209) routes through the link; None: unmanaged
        self.routes = routes
        # {destination: source address or None}: the source the kernel gives traffic on each route (RTA_PREFSRC);
        # None: unmanaged. A link with addresses in several subnets needs it, or replies come back to the wrong one
        self.route_sources = route_sources
        # the rtm_protocol values that make a route through the link ours: 209, and on a link a network stack keeps
        # for us (a NetworkManager profile of ours) also static, the protocol that stack sets its routes with
        self.route_protocols = route_protocols
        self.nodad = nodad  # IPv6 addresses usable at once (no duplicate address detection)
        # {name: value} of net.ipv6.conf.<link>.* settings the link must have (proxy_ndp, forwarding); None: unmanaged
        self.ipv6_conf = ipv6_conf
        # the exact set of IPv6 addresses the link answers neighbour solicitations for (proxy NDP); None: unmanaged
        self.proxies = proxies

    @property
    def identity(self) -> tuple[str | None, str | None]:
        return (self.netns, self.name)

    def describe(self) -> dict:
        return {'kind': self.kind, 'name': self.name, 'netns': self.netns, 'parent': self.parent,
                'parent_netns': self.parent_netns, 'macaddress': self.macaddress}

    def view(self) -> dict:
        """The desired state as the diff shows it (unmanaged attributes left out)."""
        view = {'kind': self.kind, 'name': self.name, 'netns': self.netns, 'parent': self.parent,
                'parent_netns': self.parent_netns, 'admin_state': self.admin_state}
        for field in ('mtu', 'macaddress', 'addresses', 'alias'):
            if getattr(self, field) is not None:
                view[field] = list(self.addresses) if field == 'addresses' else getattr(self, field)
        if self.routes is not None:
            view['routes'] = route_list(self.routes, self.route_sources)
        if self.ipv6_conf is not None:
            view['ipv6_conf'] = dict(self.ipv6_conf)
        if self.proxies is not None:
            view['proxies'] = list(self.proxies)
        view.update((key, list(value) if isinstance(value, tuple) else value)
                    for key, value in self.options.items() if value is not None)
        return view


def normalise_addresses(values: Iterable[str] | None) -> tuple[str, ...] | None:
    if values is None:
        return None
    seen = {}
    for value in values:
        interface = parse_interface('addresses', value)
        if interface.ip.is_multicast or interface.ip.is_unspecified:
            raise ValidationError("addresses: '%s' is not a unicast address; give a host address"
                                  % value, 'addresses', value)
        key = str(interface)
        if interface.ip in [known.ip for known in seen.values()]:
            raise ValidationError("addresses: %s is listed twice; list each address once, with one prefix"
                                  % interface.ip, 'addresses', value)
        seen[key] = interface
    return tuple(sorted(seen, key=address_sort_key))


@functools.lru_cache(maxsize=8192)  # the same few addresses are sorted again in every view of a run
def address_sort_key(text: str) -> tuple:
    """Sort addresses IPv4 first, then by address and prefix."""
    interface = ipaddress.ip_interface(str(text))
    return (interface.version, interface.ip, interface.network.prefixlen)


def build_spec(kind: str, params: dict, options: dict, default_name: str | None = None) -> LinkSpec:
    """Normalise the shared options in `params` into a LinkSpec with kind `options`."""
    name = params.get('name') or default_name
    name = check_ifname('name', name)
    state = params.get('state') or 'present'
    parent = params.get('parent')
    if state == 'present' or parent:
        parent = check_ifname('parent', parent)
    netns = check_netns('netns', params.get('netns'))
    parent_netns = check_netns('parent_netns', params.get('parent_netns'))
    return LinkSpec(
        kind=kind, name=name, parent=parent, netns=netns, parent_netns=parent_netns, state=state,
        admin_state=params.get('admin_state') or 'up', mtu=check_mtu(params.get('mtu')),
        macaddress=check_mac('macaddress', params.get('macaddress')),
        addresses=normalise_addresses(params.get('addresses')), options=options,
        recreate=bool(params.get('recreate')), change_siblings=bool(params.get('change_siblings')))


def normalise_routes(values: Iterable[str], metric: int = 0) -> dict[str, int]:
    """Destinations (CIDR strings) -> {destination: metric as the kernel stores it}."""
    routes = {}
    for value in values:
        network = parse_network('routes', value)
        routes[str(network)] = metric or (IPV6_DEFAULT_METRIC if network.version == 6 else 0)
    return routes


def route_list(routes: dict[str, int], sources: dict[str, str | None] | None = None) -> list[dict]:
    """{destination: metric} as the sorted list results show: [{'route': ..., 'metric': ...}], with 'source' where
    `sources` gives the route one."""
    listed = []
    for dst, metric in sorted(routes.items(), key=_route_key):
        item = {'route': dst, 'metric': metric}
        if (sources or {}).get(dst):
            item['source'] = sources[dst]
        listed.append(item)
    return listed


def _route_key(item):
    network = ipaddress.ip_network(str(item[0]))
    return (network.version, network.network_address, network.prefixlen)
