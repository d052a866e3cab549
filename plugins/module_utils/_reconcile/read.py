# Copyright: (c) 2026, underlay.network contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Reading: one netlink snapshot of a namespace, and kernel links in the shape of desired ones."""

from __future__ import annotations

import ipaddress
import socket
from typing import Collection, Iterable

from ansible_collections.underlay.network.plugins.module_utils._common.errors import translate
from ansible_collections.underlay.network.plugins.module_utils._kernel import netlink
from ansible_collections.underlay.network.plugins.module_utils._links.kinds import KINDS, LinkKind
from ansible_collections.underlay.network.plugins.module_utils._links.spec import (
    ROUTES_OURS, LinkSpec, address_sort_key, route_list)


def is_link_local(text: str) -> bool:
    """IPv6 fe80::/10: the address the kernel gives every link itself (IPv4 169.254/16 is the user's).

    `text` is canonical (as the decoder and the normaliser write addresses: lower case, compressed), so
    the first three hex digits tell: fe8 to feb.
    """
    return text[:3] in ('fe8', 'fe9', 'fea', 'feb') and ':' in text


class Snapshot:
    """Links and addresses of one namespace, from one dump of each."""

    def __init__(self, netns: str | None, links: list[dict], addresses: list[dict],
                 peer_nsids: dict[str | None, int] | None = None, routes: list[dict] | None = None,
                 proxies: list[dict] | None = None):
        self.netns = netns
        # None when not read: only runs that manage routes (proxy entries) dump them
        self.routes = routes
        self.proxies = {}
        for entry in proxies or ():
            self.proxies.setdefault(entry['index'], set()).add(entry['address'])
        self.links = {link['name']: link for link in links}
        self.by_index = {link['index']: link for link in links}
        self.addresses = {}
        # IPv6 privacy addresses (they come and go) and addresses that failed duplicate detection
        self.passing = set()
        for addr in addresses:
            if addr['address'] is None:
                continue
            # the decoder already wrote the address in its canonical form
            text = '%s/%d' % (addr['address'], addr['prefixlen'])
            self.addresses.setdefault(addr['index'], []).append(text)
            if addr['flags'] & (netlink.IFA_F_TEMPORARY | netlink.IFA_F_DADFAILED):
                self.passing.add(text)
        # namespace name -> the id links here use for it in IFLA_LINK_NETNSID
        self.peer_nsids = peer_nsids or {}
        self._owners = None

    @classmethod
    def read(cls, sock: netlink.Netlink, peers: Iterable[str | None] = (), routes: bool = False,
             links_only: bool = False, proxies: bool = False) -> Snapshot:
        """One dump of each: links, addresses and (when asked) the routes of both families and the IPv6 proxy
        neighbour entries."""
        peer_nsids = {peer: sock.nsid_of(peer) for peer in peers if peer != sock.netns}
        if links_only:  # enough to learn the index of links made just now
            return cls(sock.netns, sock.links(), [], peer_nsids)
        table = sock.routes(socket.AF_INET) + sock.routes(socket.AF_INET6) if routes else None
        return cls(sock.netns, sock.links(), sock.addresses(), peer_nsids, table, sock.proxies() if proxies else None)

    def owners(self) -> dict:
        """{IP address object: name of the link that has it}, parsed once per snapshot."""
        if self._owners is None:
            self._owners = {}
            for index, texts in self.addresses.items():
                name = self.by_index.get(index, {}).get('name', index)
                for text in texts:
                    self._owners.setdefault(ipaddress.ip_interface(str(text)).ip, name)
        return self._owners

    def owned_routes(self, link: dict | None, protocols: Collection[int] = ROUTES_OURS) -> dict[str, int]:
        """{destination: metric} of the main-table routes through `link` whose protocol is one of `protocols` (ours,
        209; on a link NetworkManager keeps for us also its own)."""
        return {'%s/%d' % (route['dst'], route['dst_len']): route['priority'] for route in self._owned(link, protocols)}

    def owned_route_sources(self, link: dict | None, protocols: Collection[int] = ROUTES_OURS) -> dict[str, str | None]:
        """{destination: preferred source or None} of the same routes."""
        return {'%s/%d' % (route['dst'], route['dst_len']): route['prefsrc'] for route in self._owned(link, protocols)}

    def owned_route_protocols(self, link: dict | None, protocols: Collection[int]) -> dict[str, int]:
        """{destination: protocol} of the same routes (a route is removed with the protocol it has)."""
        return {'%s/%d' % (route['dst'], route['dst_len']): route['proto'] for route in self._owned(link, protocols)}

    def _owned(self, link, protocols):
        return [route for route in self.routes or ()
                if link is not None and route['oif'] == link['index'] and route['dst'] is not None
                and route['proto'] in protocols and route['table'] == netlink.RT_TABLE_MAIN]

    def proxies_of(self, link: dict | None) -> tuple[str, ...]:
        """The addresses `link` answers neighbour solicitations for (its proxy entries), sorted."""
        return tuple(sorted(self.proxies.get(link['index'], ()), key=address_sort_key)) if link else ()

    def addresses_of(self, link: dict, keep: Collection[str] = ()) -> tuple[str, ...]:
        """The link's addresses; IPv6 link-local ones (the kernel's own) only when listed in `keep`."""
        return tuple(sorted((a for a in self.addresses.get(link['index'], []) if a in keep or not is_link_local(a)),
                            key=address_sort_key))


def _parent_of(link, snapshot, snapshots, declared_parent_netns):
    """(parent name, parent namespace) of a kernel link, as far as the namespaces read can tell."""
    if link['link_netnsid'] is None:
        parent_netns = snapshot.netns  # the lower device is in this namespace
    else:
        # Which namespace does this id stand for here? The declared one first, then any other asked about.
        candidates = [declared_parent_netns] + [ns for ns in snapshot.peer_nsids if ns != declared_parent_netns]
        known = [ns for ns in candidates if snapshot.peer_nsids.get(ns) == link['link_netnsid']]
        if not known:
            return None, '(another namespace)'
        parent_netns = known[0]
    parent_snapshot = snapshots.get(parent_netns)
    parent = parent_snapshot.by_index.get(link['link']) if parent_snapshot else None
    return (parent['name'] if parent else None), parent_netns


def link_view(kind: LinkKind, link: dict, snapshot: Snapshot, snapshots: dict[str | None, Snapshot],
              spec_parent_netns: str | None, keep_addresses: Collection[str] = (), with_routes: bool = False,
              ipv6_conf: Collection[str] = (), with_proxies: bool = False,
              route_protocols: Collection[int] = ROUTES_OURS) -> dict:
    """A kernel link in the same shape as LinkSpec.view(): what the diff shows as 'before'.

    `alias` is there only when the link has one (our ownership mark); `routes`, the `ipv6_conf` settings
    named and `proxies` only when asked for (when the desired link manages them).
    """
    parent, parent_netns = _parent_of(link, snapshot, snapshots, spec_parent_netns)
    view = {
        'kind': link['kind'],
        'name': link['name'],
        'netns': snapshot.netns,
        'parent': parent,
        'parent_netns': parent_netns,
        'admin_state': 'up' if link['flags'] & netlink.IFF_UP else 'down',
        'mtu': link['mtu'],
        'macaddress': link['macaddress'],
        'addresses': list(snapshot.addresses_of(link, keep_addresses)),
        'index': link['index'],
    }
    if link.get('alias'):
        view['alias'] = link['alias']
    if with_routes:
        view['routes'] = route_list(snapshot.owned_routes(link, route_protocols),
                                    snapshot.owned_route_sources(link, route_protocols))
    if ipv6_conf:
        view['ipv6_conf'] = netlink.ipv6_conf(link, sorted(ipv6_conf))
    if with_proxies:
        view['proxies'] = list(snapshot.proxies_of(link))
    view.update((key, list(value) if isinstance(value, tuple) else value)
                for key, value in kind.read(link).items())
    return view


def spec_view(link: dict, snapshot: Snapshot, snapshots: dict[str | None, Snapshot], spec: LinkSpec) -> dict:
    """link_view of a kernel link with what the desired link `spec` manages (its addresses, routes, IPv6
    settings and proxy entries)."""
    return link_view(KINDS[spec.kind], link, snapshot, snapshots, spec.parent_netns, spec.addresses or (),
                     spec.routes is not None, spec.ipv6_conf or (), spec.proxies is not None, spec.route_protocols)


# how each kind's options are read back; tap flavours carry the same data, other kinds only the common fields
_READERS = dict(KINDS, macvtap=KINDS['macvlan'], ipvtap=KINDS['ipvlan'])


def describe_links(netns: str | None = None, kinds: Collection[str] | None = None,
                   names: Collection[str] | None = None) -> list[dict] | None:
    """Read-only view of one namespace's links (what link_info returns): None when the namespace is missing.

    One link dump and one address dump; a second pair for the root namespace only when a link's
    parent lives in another namespace, so that parent can be named.
    """
    if netns is not None and not netlink.namespace_exists(netns):
        return None
    try:
        with netlink.Netlink(netns) as sock:
            snapshot = Snapshot.read(sock, [None] if netns is not None else [])
        snapshots = {netns: snapshot}
        crosses = any(link['link_netnsid'] is not None for link in snapshot.links.values())
        if netns is not None and crosses and snapshot.peer_nsids.get(None) is not None:
            with netlink.Netlink(None) as sock:
                snapshots[None] = Snapshot(None, sock.links(), [])
    except netlink.NetlinkError as exc:
        raise translate(exc.code, 'read links for', {'kind': 'link', 'name': '*', 'netns': netns})
    views = []
    for link in sorted(snapshot.links.values(), key=lambda item: item['index']):
        if kinds and link['kind'] not in kinds:
            continue
        if names and link['name'] not in names:
            continue
        kind = _READERS.get(link['kind'], LinkKind())
        views.append(link_view(kind, link, snapshot, snapshots, None))
    return views
