# -*- coding: utf-8 -*-
# Copyright: (c) 2026, underlay.network contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""The host shim: a macvlan/ipvlan port of the host on the parent, with a host address and
on-link routes to the container ranges, so the host reaches its own children.

The link goes through the link engine; this adds the address safety checks and the routes.
Routes are marked with their own protocol number, so the shim only ever removes routes it made.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import ipaddress
import socket

from ansible_collections.underlay.network.plugins.module_utils import _netlink as netlink
from ansible_collections.underlay.network.plugins.module_utils._engine import Snapshot, port_siblings, reconcile
from ansible_collections.underlay.network.plugins.module_utils._errors import (
    KernelError, UnderlayError, ValidationError, translate)
from ansible_collections.underlay.network.plugins.module_utils._kinds import KINDS
from ansible_collections.underlay.network.plugins.module_utils._spec import (
    build_spec, check_netns, parse_interface, parse_network)

SHIM_MODES = {'macvlan': ('bridge', 'private', 'vepa', 'passthru', 'source'), 'ipvlan': ('l2', 'l3', 'l3s')}

# rtm_protocol of the routes the shim owns (unassigned in /etc/iproute2/rt_protos; `ip route` shows 209)
RTPROT_UNDERLAY = 209


def _address(value):
    """The shim's host address; a bare address means /32 (or /128)."""
    if value is None:
        return None
    interface = parse_interface('address', value)
    if interface.ip.is_multicast or interface.ip.is_unspecified or interface.ip.is_loopback:
        raise ValidationError("address: '%s' is not a unicast host address; give the host's shim IP, "
                              "for example 198.18.244.254" % value, 'address', value)
    return interface


def _routes(values, address):
    routes = []
    for value in values or ():
        network = parse_network('routes', value)
        if address is not None and network.version != address.version:
            raise ValidationError("routes: %s is IPv%d but the shim address %s is IPv%d; give ranges of the "
                                  "address's family (or a second shim)" % (network, network.version, address,
                                                                           address.version), 'routes', value)
        if network.prefixlen == 0:
            raise ValidationError("routes: %s would send all traffic through the shim; list the container "
                                  "ranges only" % network, 'routes', value)
        if network not in routes:
            routes.append(network)
    return routes


class ShimSpec:
    def __init__(self, params):
        self.netns = check_netns('netns', params.get('netns'))
        self.state = params.get('state') or 'present'
        self.kind = params.get('kind') or 'macvlan'
        self.address = _address(params.get('address'))
        self.routes = _routes(params.get('routes'), self.address)
        self.metric = params.get('metric') or 0
        self.allow_overlap = bool(params.get('allow_overlap'))
        if self.state == 'present' and self.address is None:
            raise ValidationError("address is required with state present: give the host's shim IP "
                                  "(a bare address means /32)", 'address', None)
        mode = params.get('mode')
        if mode and mode not in SHIM_MODES[self.kind]:
            raise ValidationError("mode '%s' is not a %s mode: use one of %s" % (mode, self.kind, ', '.join(SHIM_MODES[self.kind])),
                                  'mode', mode)
        if self.metric < 0:
            raise ValidationError("metric %d is negative; give 0 or more" % self.metric, 'metric', self.metric)
        self.params = params

    def link_spec(self, mode):
        params = dict(self.params, parent_netns=self.netns, admin_state='up', recreate=False,
                      addresses=[str(self.address)] if self.address else None, mode=mode)
        options = KINDS[self.kind].normalise(params) if self.state == 'present' else {}
        return build_spec(self.kind, params, options)

    def wanted_routes(self):
        return sorted('%s' % network for network in self.routes) if self.state == 'present' else []


def _owned_routes(snapshot_routes, oif):
    return sorted('%s/%d' % (route['dst'], route['dst_len']) for route in snapshot_routes
                  if route['oif'] == oif and route['proto'] == RTPROT_UNDERLAY and route['table'] == netlink.RT_TABLE_MAIN
                  and route['dst'] is not None)


def _read(netns):
    with netlink.Netlink(netns) as sock:
        snapshot = Snapshot.read(sock)
        routes = sock.routes(socket.AF_INET) + sock.routes(socket.AF_INET6)
    return snapshot, routes


def _safety(shim, snapshot, routes, shim_index):
    """Refuse what would cut the host off or hijack an address, before anything changes."""
    if shim.allow_overlap or shim.state != 'present':
        return
    parent = snapshot.links.get(shim.params.get('parent'))
    for route in routes:
        if route['dst_len'] == 0 and route['gateway'] and route['table'] == netlink.RT_TABLE_MAIN:
            gateway = ipaddress.ip_address(u'%s' % route['gateway'])
            for network in shim.routes:
                if gateway in network:
                    raise ValidationError(
                        "routes: %s contains the default gateway %s; routing it through the shim would cut the "
                        "host off. Narrow the range to the containers' ip range, or set allow_overlap: true"
                        % (network, gateway), 'routes', str(network))
    if parent is not None:
        for text in snapshot.addresses_of(parent):
            ip = ipaddress.ip_interface(u'%s' % text).ip
            for network in shim.routes:
                if ip in network:
                    raise ValidationError(
                        "routes: %s contains %s, the parent '%s''s own address; narrow the range to the "
                        "containers' ip range, or set allow_overlap: true" % (network, ip, parent['name']),
                        'routes', str(network))
    for index, texts in snapshot.addresses.items():
        if index == shim_index:
            continue
        for text in texts:
            if ipaddress.ip_interface(u'%s' % text).ip == shim.address.ip:
                owner = snapshot.by_index.get(index, {}).get('name', index)
                raise ValidationError(
                    "address: %s is already used by '%s' on this host; give the shim an unused address (with "
                    "Docker, the one reserved as aux address 'host'), or set allow_overlap: true"
                    % (shim.address.ip, owner), 'address', str(shim.address))


def _inherited_mode(shim, snapshot):
    """ipvlan mode is per parent: a shim without a mode takes its siblings' (l2 when it has none)."""
    if shim.params.get('mode') or shim.state != 'present':
        return shim.params.get('mode')
    if shim.kind == 'macvlan':
        return 'bridge'  # the kernel default, vepa, cannot talk to bridge-mode children
    probe = shim.link_spec('l2')
    siblings = port_siblings(probe, {shim.netns: snapshot})
    return KINDS['ipvlan'].read(siblings[0][1])['mode'] if siblings else 'l2'


def reconcile_shim(params, check_mode=False):
    shim = ShimSpec(params)
    if not netlink.namespace_exists(shim.netns):
        if check_mode or shim.state == 'absent':
            snapshot, routes = Snapshot(shim.netns, [], []), []
        else:
            raise ValidationError("netns: namespace '%s' does not exist; create it first (underlay.network.netns)"
                                  % shim.netns, 'netns', shim.netns)
    else:
        snapshot, routes = _read(shim.netns)
    current = snapshot.links.get(params['name'])
    _safety(shim, snapshot, routes, current['index'] if current else None)
    spec = shim.link_spec(_inherited_mode(shim, snapshot))

    before_routes = _owned_routes(routes, current['index']) if current else []
    after_routes = shim.wanted_routes()
    route_changes = [{'action': 'remove route', 'route': r, 'name': spec.name, 'netns': spec.netns}
                     for r in before_routes if r not in after_routes]
    route_changes += [{'action': 'add route', 'route': r, 'name': spec.name, 'netns': spec.netns, 'metric': shim.metric}
                      for r in after_routes if r not in before_routes]
    if current and shim.state == 'present':
        # a changed metric: the kernel keys routes by metric too, so replace each route
        metrics = dict(('%s/%d' % (r['dst'], r['dst_len']), r['priority']) for r in routes
                       if r['oif'] == current['index'] and r['proto'] == RTPROT_UNDERLAY)
        for route in after_routes:
            if route in before_routes and metrics.get(route) != shim.metric:
                route_changes.append({'action': 'set route metric', 'route': route, 'name': spec.name,
                                      'netns': spec.netns, 'before': metrics.get(route), 'after': shim.metric})

    if shim.state == 'absent':
        if route_changes and not check_mode:
            _apply_routes(shim, route_changes, current['index'], routes)  # routes first, then the link
        link_result = reconcile([spec], check_mode)[0]
    else:
        link_result = reconcile([spec], check_mode)[0]
        if route_changes and not check_mode:
            try:
                # the engine read the link back: its index is in the result, no second dump needed
                _apply_routes(shim, route_changes, link_result['link']['index'], routes)
            except UnderlayError:
                if any(change['action'] == 'create' for change in link_result['changes']):
                    # the task made the link: take it away again rather than leave a half shim
                    reconcile([build_spec(shim.kind, dict(name=spec.name, netns=spec.netns, state='absent'), {})])
                raise

    if not check_mode:
        snapshot, routes = _read(shim.netns) if netlink.namespace_exists(shim.netns) else (snapshot, [])
        link = snapshot.links.get(spec.name)
        final_routes = _owned_routes(routes, link['index']) if link else []
        if final_routes != after_routes:
            raise KernelError("the kernel did not keep the shim's routes on '%s': read back %s, wanted %s"
                              % (spec.name, final_routes, after_routes))
    else:
        final_routes = after_routes
    changes = link_result['changes'] + route_changes
    link_view = link_result['link']
    return {
        'changed': bool(changes),
        'changes': changes,
        'link': link_view,
        'address': str(shim.address) if shim.address and shim.state == 'present' else None,
        'routes': final_routes,
        'diff': {'before': dict(link_result['diff']['before'], routes=before_routes) if current else {},
                 'after': dict(link_result['diff']['after'], routes=final_routes) if shim.state == 'present' else {}},
        'warnings': link_result['warnings'],
    }


def _apply_routes(shim, changes, oif, routes):
    metrics = dict(('%s/%d' % (r['dst'], r['dst_len']), r['priority']) for r in routes if r['oif'] == oif)
    requests = []
    for change in changes:
        network = ipaddress.ip_network(u'%s' % change['route'])
        family = socket.AF_INET if network.version == 4 else socket.AF_INET6
        args = (family, str(network.network_address), network.prefixlen, oif)
        if change['action'] in ('remove route', 'set route metric'):
            old = netlink.del_route(*(args + (metrics.get(change['route'], 0), RTPROT_UNDERLAY)))
            requests.append(netlink.Request(*old, tag=change))
        if change['action'] in ('add route', 'set route metric'):
            new = netlink.add_route(*(args + (shim.metric, RTPROT_UNDERLAY)))
            requests.append(netlink.Request(*new, tag=change))
    with netlink.Netlink(shim.netns) as sock:
        try:
            sock.run(requests)
        except netlink.BatchError as exc:
            change = exc.request.tag
            raise translate(exc.error.code, '%s %s via' % (change['action'], change['route']),
                            {'kind': shim.kind, 'name': change['name'], 'netns': change['netns']})
