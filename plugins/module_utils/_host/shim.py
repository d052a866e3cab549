# Copyright: (c) 2026, underlay.network contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""The host shim: a macvlan/ipvlan port of the host on the parent, with host addresses and
on-link routes to the container ranges, so the host reaches its own children.

A shim is one desired link for the engine: its addresses and its routes are attributes of that
link (routes carry protocol 209, so only routes we made are ever removed), and the link carries
the ownership mark. This file validates a shim, checks it cannot cut the host off, and turns it
into that LinkSpec; host_shim and host_networks both apply it through one Transaction.
"""

from __future__ import annotations

import ipaddress
import os

from ansible_collections.underlay.network.plugins.module_utils._common.errors import ValidationError
from ansible_collections.underlay.network.plugins.module_utils._common.fields import (
    check_netns, parse_interface, parse_network, shared_prefix_length)
from ansible_collections.underlay.network.plugins.module_utils._common.vocabulary import (
    DEFAULT_MODES, MODES, NETWORK_MODES, OWNER_MARK)
from ansible_collections.underlay.network.plugins.module_utils._kernel import netlink
from ansible_collections.underlay.network.plugins.module_utils._links.kinds import KINDS
from ansible_collections.underlay.network.plugins.module_utils._links.spec import (
    ROUTES_OURS, ROUTES_OURS_OR_STATIC, address_sort_key, build_spec, normalise_routes)
from ansible_collections.underlay.network.plugins.module_utils._reconcile.plan import port_siblings
from ansible_collections.underlay.network.plugins.module_utils._reconcile.read import Snapshot
from ansible_collections.underlay.network.plugins.module_utils._reconcile.transaction import Transaction


def _address(field, value):
    """A host address of the shim; a bare address means /32 (or /128)."""
    interface = parse_interface(field, value)
    if interface.ip.is_multicast or interface.ip.is_unspecified or interface.ip.is_loopback:
        raise ValidationError("%s: '%s' is not a unicast host address; give the host's shim IP, "
                              "for example 198.18.244.254" % (field, value), field, value)
    return interface


def _routes(values, addresses):
    routes = []
    families = {address.version for address in addresses}
    for value in values or ():
        network = parse_network('routes', value)
        if addresses and network.version not in families:
            raise ValidationError("routes: %s is IPv%d but the shim has no IPv%d address (%s); give ranges of the "
                                  "address's family, or an address of this family too"
                                  % (network, network.version, network.version,
                                     ', '.join(str(a) for a in addresses)), 'routes', value)
        if network.prefixlen == 0:
            raise ValidationError("routes: %s would send all traffic through the shim; list the container "
                                  "ranges only" % network, 'routes', value)
        if network not in routes:
            routes.append(network)
    return routes


def controller_addresses(given=None):
    """The address(es) the controller reaches this host from: given, or the peer of our SSH session."""
    if given:
        return [ipaddress.ip_address(str(value)) for value in given]
    for variable in ('SSH_CONNECTION', 'SSH_CLIENT'):
        words = os.environ.get(variable, '').split()
        if words:
            try:
                return [ipaddress.ip_address(str(words[0].split('%')[0]))]
            except ValueError:
                continue
    return []


# shim modes whose containers find the host by neighbour discovery (an ipvlan l3 port has none: its packets
# for the host's address are routed to it); the per-interface settings proxy NDP needs on the shim
ANSWERS_FOR_HOST = NETWORK_MODES['macvlan'] + ('l2',)
PROXY_NDP_SETTINGS = {'proxy_ndp': 1, 'forwarding': 1}


class ShimSpec:
    """Validated shim parameters: those of host_shim, or `addresses` (one per subnet) from host_networks."""

    def __init__(self, params):
        self.name = params.get('name')
        self.parent = params.get('parent')
        self.netns = check_netns('netns', params.get('netns'))
        self.state = params.get('state') or 'present'
        self.kind = params.get('kind') or 'macvlan'
        given = params.get('addresses') or ([params['address']] if params.get('address') else [])
        self.addresses = [_address('address', value) for value in given]
        self.routes = _routes(params.get('routes'), self.addresses)
        self.metric = params.get('metric') or 0
        self.allow_overlap = bool(params.get('allow_overlap'))
        self.mode = params.get('mode')
        self.change_siblings = bool(params.get('change_siblings'))
        if self.state == 'present' and not self.addresses:
            raise ValidationError("address is required with state present: give the host's shim IP "
                                  "(a bare address means /32)", 'address', None)
        if self.mode and self.mode not in MODES[self.kind]:
            raise ValidationError("mode '%s' is not a %s mode: use one of %s"
                                  % (self.mode, self.kind, ', '.join(MODES[self.kind])), 'mode', self.mode)
        if self.metric < 0:
            raise ValidationError("metric %d is negative; give 0 or more" % self.metric, 'metric', self.metric)
        self.controllers = controller_addresses(params.get('controller_address'))
        self.remembered_proxies = tuple(params.get('remembered_proxies') or ())
        # NetworkManager keeps this shim through a profile of ours: the routes it set (its protocol) are ours too
        self.kept_by_network_manager = bool(params.get('kept_by_network_manager'))

    def route_sources(self) -> dict[str, str | None]:
        """Each route's source: with several addresses of a family (a network of several subnets), the one that
        shares the longest prefix with the range, so a container answers to the shim address of its own subnet
        (its reply to another subnet would go to its gateway); with one, the kernel's choice (no source)."""
        sources = {}
        for network in self.routes:
            family = [address.ip for address in self.addresses if address.version == network.version]
            if len(family) < 2:
                sources[str(network)] = None
                continue
            sources[str(network)] = str(max(family, key=lambda ip: (
                shared_prefix_length(ip, network.network_address), -family.index(ip))))
        return sources

    def link_spec(self, snapshot):
        """The shim as the engine's desired link, its mode inherited from the parent's ports when not given."""
        if self.state == 'absent':
            return build_spec(self.kind, dict(name=self.name, netns=self.netns, state='absent'), {})
        params = dict(name=self.name, parent=self.parent, netns=self.netns, parent_netns=self.netns,
                      admin_state='up', mode=self._mode(snapshot), change_siblings=self.change_siblings,
                      addresses=[str(address) for address in self.addresses])
        spec = build_spec(self.kind, params, KINDS[self.kind].normalise(params))
        spec.routes = normalise_routes([str(network) for network in self.routes], self.metric)
        spec.route_sources = self.route_sources()
        spec.route_protocols = ROUTES_OURS_OR_STATIC if self.kept_by_network_manager else ROUTES_OURS
        spec.alias = OWNER_MARK
        spec.nodad = True  # the host address is usable when the task returns
        if any(address.version == 6 for address in self.addresses) and spec.options['mode'] in ANSWERS_FOR_HOST:
            # IPv6 neighbour discovery answers only for the interface's own addresses (ARP answers for any), so
            # a container's solicitation for the host's address on the parent reaches the shim and dies there:
            # the shim answers for them as a proxy, which the kernel does on an interface that forwards
            spec.ipv6_conf = dict(PROXY_NDP_SETTINGS)
            parent = snapshot.links.get(self.parent)
            current = {str(ipaddress.ip_interface(text).ip) for text in (snapshot.addresses_of(parent) if parent else ())
                       if ':' in text and text not in snapshot.passing}
            spec.proxies = tuple(sorted(current | set(self.remembered_proxies), key=address_sort_key))
        else:
            spec.proxies = ()  # a shim that no longer answers (its network lost IPv6, an l3 mode) keeps no entry
        return spec

    def _mode(self, snapshot):
        """ipvlan mode is per parent: a shim without a mode takes its siblings' (l2 when it has none)."""
        if self.mode:
            return self.mode
        if self.kind == 'macvlan':
            return DEFAULT_MODES['macvlan']  # the kernel default, vepa, cannot talk to bridge-mode children
        probe = build_spec('ipvlan', dict(name=self.name, parent=self.parent, netns=self.netns,
                                          parent_netns=self.netns), {})
        siblings = port_siblings(probe, {self.netns: snapshot})
        return KINDS['ipvlan'].read(siblings[0][1])['mode'] if siblings else DEFAULT_MODES['ipvlan']

    def check_safety(self, snapshot, ours=()):
        """Refuse what would cut the host off or hijack an address, before anything changes.

        `ours`: names of links whose addresses may be this shim's (other shims of the same run are
        checked against each other by the network validation).
        """
        if self.allow_overlap or self.state != 'present':
            return
        fix = "narrow the range to the containers' ip range, or set allow_overlap: true"
        for route in snapshot.routes or ():
            if route['dst_len'] == 0 and route['gateway'] and route['table'] == netlink.RT_TABLE_MAIN:
                self._refuse_capture(ipaddress.ip_address(str(route['gateway'])), 'the default gateway %s', fix,
                                     'routing it through the shim would cut the host off')
        for address in self.controllers:
            self._refuse_capture(address, 'the address %s the controller connects from', fix,
                                 'Ansible would lose this host in the middle of the run')
        parent = snapshot.links.get(self.parent)
        if parent is not None:
            for text in snapshot.addresses_of(parent):
                self._refuse_capture(ipaddress.ip_interface(str(text)).ip, "%%s, the parent '%s''s own address"
                                     % parent['name'], fix, None)
        owners = snapshot.owners()
        for address in self.addresses:
            owner = owners.get(address.ip)
            if owner is not None and owner != self.name and owner not in ours:
                raise ValidationError(
                    "address: %s is already used by '%s' on this host; give the shim an unused address "
                    "(with Docker, the one reserved as aux address 'host'), or set allow_overlap: true"
                    % (address.ip, owner), 'address', str(address))

    def _refuse_capture(self, ip, what, fix, why):
        for network in self.routes:
            if ip.version == network.version and ip in network:
                raise ValidationError("routes: %s contains %s%s; %s" % (
                    network, what % ip, '; ' + why if why else '', fix), 'routes', str(network))


def reconcile_shim(params, check_mode=False):
    """The host_shim module: one shim, planned and applied as one transaction."""
    shim = ShimSpec(params)
    with Transaction(check_mode=check_mode, namespaces=[shim.netns], routes=True, proxies=True) as tx:
        snapshot = tx.before.get(shim.netns) or Snapshot(shim.netns, [], [], routes=[])
        shim.check_safety(snapshot)
        tx.plan([shim.link_spec(snapshot)])
        tx.apply()
        result = tx.results()[0]
    return dict(result, address=', '.join(str(a) for a in shim.addresses) if shim.state == 'present' else None,
                routes=[item['route'] for item in (result['link'] or {}).get('routes', [])])
