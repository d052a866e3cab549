# Copyright: (c) 2026, underlay.network contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Applying: plans turned into netlink requests, sent in windowed batches per namespace."""

from __future__ import annotations

import binascii
import ipaddress
import os
import socket
from typing import TYPE_CHECKING

from ansible_collections.underlay.network.plugins.module_utils._common.errors import translate
from ansible_collections.underlay.network.plugins.module_utils._common.change import Change
from ansible_collections.underlay.network.plugins.module_utils._kernel import netlink, sysctl
from ansible_collections.underlay.network.plugins.module_utils._links.kinds import KINDS
from ansible_collections.underlay.network.plugins.module_utils._reconcile.diagnose import find_cause


if TYPE_CHECKING:  # names for the annotations only
    from ansible_collections.underlay.network.plugins.module_utils._links.spec import LinkSpec
    from ansible_collections.underlay.network.plugins.module_utils._reconcile.plan import LinkPlan
    from ansible_collections.underlay.network.plugins.module_utils._reconcile.read import Snapshot


class Applier:
    """Turns plans into netlink requests, sends them in batches, and undoes its creations on failure."""

    def __init__(self, sockets: dict[str | None, netlink.Netlink], snapshots: dict[str | None, Snapshot]):
        self.sockets = sockets
        self.snapshots = snapshots
        self.created = []  # (netns, name) of links this run created
        self._fds = {}
        self._queue = []  # (socket key, Request) in plan order
        self._moves = []  # (spec, temporary name): links created in the parent namespace, to move after a flush
        self._settings = []  # (netns, sysctl Change): a link's IPv6 settings, written after the requests of a flush

    def close(self) -> None:
        for fd in self._fds.values():
            os.close(fd)

    def _netns_fd(self, netns):
        """An fd for IFLA_NET_NS_FD (opened once per namespace per run)."""
        if netns not in self._fds:
            self._fds[netns] = netlink.namespace_fd(netns)
        return self._fds[netns]

    def _queue_request(self, netns, request, spec, action):
        msg_type, flags, body = request
        self._queue.append((netns, netlink.Request(msg_type, flags, body, tag=(spec, action))))

    def flush(self) -> None:
        """Send the queue, one batch per run of requests for the same namespace, in order."""
        queue, self._queue = self._queue, []
        while queue:
            netns = queue[0][0]
            run = []
            while queue and queue[0][0] == netns:
                run.append(queue.pop(0)[1])
            try:
                done = self.sockets[netns].run(run)
            except netlink.BatchError as exc:
                self._note_created(exc.done)
                spec, action = exc.request.tag
                raise translate(exc.error.code, action, spec.describe(), self._hint(exc.error.code, spec))
            self._note_created(done)
        settings, self._settings = self._settings, []
        for netns in dict.fromkeys(netns for netns, _change in settings):
            # /proc/sys has no netlink way in for IPv6 interface settings
            sysctl.apply(netns, [change for where, change in settings if where == netns])

    def _note_created(self, requests):
        moving = {spec.identity: temporary for spec, temporary in self._moves}
        for request in requests:
            spec, action = request.tag
            if action == 'create':
                self.created.append((spec.netns, spec.name))
                if spec.identity in moving:  # until it has moved, it sits next to its parent
                    self.created.append((spec.parent_netns, moving[spec.identity]))

    def _hint(self, code, spec):
        return find_cause(code, spec, self.snapshots)

    def queue_link_changes(self, plan: LinkPlan) -> None:
        spec = plan.spec
        kind = KINDS[spec.kind]
        for change in plan.changes:
            if change.action in ('delete', 'recreate'):
                self._queue_request(spec.netns, netlink.del_link(plan.before['index']), spec, 'delete')
            if change.action in ('create', 'recreate'):
                self._queue_create(spec, kind)
        sets = {c.attribute: c.after for c in plan.changes if c.action.startswith('set ')}
        options = {name: value for name, value in sets.items() if name in kind.options}
        if options:
            encoded = kind.encode(options, current=plan.before)
            self._queue_request(spec.netns, netlink.set_link(plan.before['index'], spec.kind, encoded),
                                spec, 'change %s of' % ', '.join(sorted(options)))
        plain = {name: sets[name] for name in ('mtu', 'macaddress', 'admin_state') if name in sets}
        if plain:
            request = netlink.set_link(plan.before['index'], mtu=plain.get('mtu'), macaddress=plain.get('macaddress'),
                                       up=None if 'admin_state' not in plain else plain['admin_state'] == 'up')
            self._queue_request(spec.netns, request, spec, 'change %s of' % ', '.join(sorted(plain)))

    def _queue_create(self, spec, kind):
        parent_snapshot = self.snapshots[spec.parent_netns]
        parent = parent_snapshot.links[spec.parent]
        name, netns_fd = spec.name, None
        if spec.netns != spec.parent_netns:
            if spec.name in parent_snapshot.links:
                # Kernels before 6.2 check the name in the parent's namespace even when the link is created
                # elsewhere, so a child named like a link there (eth0 inside a container) is made under a
                # temporary name next to the parent, then moved and renamed in one request.
                name = 'ultmp%s' % binascii.hexlify(os.urandom(5)).decode()
                self._moves.append((spec, name))
            else:
                # Created straight into its namespace under its final name: one request.
                netns_fd = self._netns_fd(spec.netns)
        request = netlink.new_link(name, parent['index'], spec.kind, kind.encode(spec.options), mtu=spec.mtu,
                                   macaddress=spec.macaddress, netns_fd=netns_fd, up=spec.admin_state == 'up')
        self._queue_request(spec.parent_netns, request, spec, 'create')

    def finish_moves(self) -> None:
        """Move links created under a temporary name into their namespace under their final name."""
        moves, self._moves = self._moves, []
        for spec, temporary in moves:
            sock = self.sockets[spec.parent_netns]
            try:
                link = sock.get(netlink.RTM_GETLINK, netlink.ifinfo() + netlink.string(netlink.IFLA_IFNAME, temporary),
                                netlink.decode_link)
                sock.request(*netlink.move_link(link['index'], self._netns_fd(spec.netns), spec.name,
                                                up=spec.admin_state == 'up'))
            except netlink.NetlinkError as exc:
                self.created.append((spec.parent_netns, temporary))
                raise translate(exc.code, 'move into its namespace', spec.describe(), self._hint(exc.code, spec))

    def queue_followups(self, spec: LinkSpec, changes: list[Change], snapshot: Snapshot) -> None:
        """Steps that need the link's index (it may have been created just now): its mark, addresses, routes,
        IPv6 settings and proxy entries."""
        link = snapshot.links.get(spec.name)
        for change in changes:
            if change.attribute == 'ipv6_conf':
                key = 'net/ipv6/conf/%s/%s' % (spec.name, change.details['setting'])
                self._settings.append((spec.netns, Change('set sysctl', key, str(change.before), str(change.after))))
                continue
            if change.attribute == 'proxies':
                address = change.after or change.before
                request = netlink.proxy_neighbour(change.action == 'add proxy', link['index'], address)
                doing = '%s %s on' % (change.action, address)
            elif change.action == 'set alias':
                request, doing = netlink.set_link(link['index'], alias=change.after or ''), 'mark'
            elif change.attribute == 'addresses':
                interface = ipaddress.ip_interface(str(change.after or change.before))
                if change.action == 'add address':
                    request = netlink.add_address(link['index'], interface, nodad=spec.nodad)
                    doing = 'add address %s to' % interface
                else:
                    request, doing = netlink.del_address(link['index'], interface), 'remove address %s from' % interface
            else:
                self._queue_route(spec, change, link['index'])
                continue
            self._queue_request(spec.netns, request, spec, doing)

    def _queue_route(self, spec, change, oif):
        network = ipaddress.ip_network(str(change.details['route']))
        family = socket.AF_INET if network.version == 4 else socket.AF_INET6
        where = (family, str(network.network_address), network.prefixlen, oif)
        # a new metric or source replaces the route: the kernel keys it by its metric, and keeps its source
        old = {'remove route': change.details.get('metric'), 'set route metric': change.before,
               'set route source': change.details.get('old_metric')}.get(change.action)
        if old is not None:
            # with the protocol the route has (the plan names another than ours: NetworkManager's)
            protocol = change.details.get('protocol', netlink.RTPROT_UNDERLAY)
            self._queue_request(spec.netns, netlink.del_route(*(where + (old, protocol))), spec,
                                'remove route %s via' % network)
        if change.action in ('add route', 'set route metric', 'set route source'):
            new = change.after if change.action == 'set route metric' else change.details['metric']
            source = change.after if change.action == 'set route source' else change.details.get('source')
            self._queue_request(spec.netns, netlink.add_route(*(where + (new, netlink.RTPROT_UNDERLAY)),
                                                              prefsrc=source), spec,
                                'add route %s via' % network)

    def undo_created(self) -> None:
        """Best effort: delete what this run created, newest first."""
        by_netns = {}
        for netns, name in reversed(self.created):
            try:
                if netns not in self.sockets:
                    continue
                if netns not in by_netns:
                    by_netns[netns] = {link['name']: link for link in self.sockets[netns].links()}
                link = by_netns[netns].get(name)
                if link is not None:
                    self.sockets[netns].request(*netlink.del_link(link['index']))
            except Exception:  # pylint: disable=broad-except
                pass  # the original error is what the user needs to see
