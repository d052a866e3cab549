# -*- coding: utf-8 -*-
# Copyright: (c) 2026, underlay.network contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""The reconcile engine: read -> plan -> apply -> read back and verify -> report.

"Changed or not" is decided from the live kernel only: one netlink dump per namespace
involved, compared with the normalised desired links.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import binascii
import errno
import ipaddress
import os

from ansible_collections.underlay.network.plugins.module_utils import _netlink as netlink
from ansible_collections.underlay.network.plugins.module_utils._errors import (
    KernelError, UnderlayError, ValidationError, translate)
from ansible_collections.underlay.network.plugins.module_utils._kinds import KINDS, LinkKind
from ansible_collections.underlay.network.plugins.module_utils._spec import address_sort_key


def _ns_words(netns):
    return "namespace '%s'" % netns if netns else 'the root namespace'


# ---------------------------------------------------------------- reading

def is_link_local(text):
    """IPv6 fe80::/10: the address the kernel gives every link itself (IPv4 169.254/16 is the user's)."""
    ip = ipaddress.ip_interface(u'%s' % text).ip
    return ip.version == 6 and ip.is_link_local


class Snapshot:
    """Links and addresses of one namespace, from one dump of each."""

    def __init__(self, netns, links, addresses, peer_nsids=None):
        self.netns = netns
        self.links = dict((link['name'], link) for link in links)
        self.by_index = dict((link['index'], link) for link in links)
        self.addresses = {}
        for addr in addresses:
            if addr['address'] is None:
                continue
            ip = ipaddress.ip_address(u'%s' % addr['address'])
            self.addresses.setdefault(addr['index'], []).append('%s/%d' % (ip, addr['prefixlen']))
        # namespace name -> the id links here use for it in IFLA_LINK_NETNSID
        self.peer_nsids = peer_nsids or {}

    @classmethod
    def read(cls, sock, peers=()):
        peer_nsids = dict((peer, sock.nsid_of(peer)) for peer in peers if peer != sock.netns)
        return cls(sock.netns, sock.links(), sock.addresses(), peer_nsids)

    def addresses_of(self, link, keep=()):
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


def link_view(kind, link, snapshot, snapshots, spec_parent_netns, keep_addresses=()):
    """A kernel link in the same shape as LinkSpec.view(): what the diff shows as 'before'."""
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
    view.update((key, list(value) if isinstance(value, tuple) else value)
                for key, value in kind.read(link).items())
    return view


# how each kind's options are read back; tap flavours carry the same data, other kinds only the common fields
_READERS = dict(KINDS, macvtap=KINDS['macvlan'], ipvtap=KINDS['ipvlan'])


def describe_links(netns=None, kinds=None, names=None):
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


# ---------------------------------------------------------------- planning

class Change:
    """One small named step of a plan, e.g. `set mode` bridge -> private."""

    def __init__(self, action, attribute=None, before=None, after=None, reason=None):
        self.action = action
        self.attribute = attribute
        self.before = before
        self.after = after
        self.reason = reason

    def as_dict(self, spec):
        result = {'action': self.action, 'kind': spec.kind, 'name': spec.name, 'netns': spec.netns}
        for key in ('attribute', 'before', 'after', 'reason'):
            value = getattr(self, key)
            if value is not None:
                result[key] = list(value) if isinstance(value, tuple) else value
        return result


class LinkPlan:
    def __init__(self, spec, before, changes, warnings=None):
        self.spec = spec
        self.before = before  # view of the current link, or None
        self.changes = changes
        self.warnings = warnings or []

    @property
    def changed(self):
        return bool(self.changes)

    def predicted_after(self):
        if self.spec.state == 'absent':
            return None
        after = dict(self.before or {})
        after.pop('index', None)
        after.update(self.spec.view())
        return after


def _compare(changes, attribute, current, desired):
    if desired is not None and current != desired:
        changes.append(Change('set %s' % attribute, attribute, current, desired))


def plan_link(spec, snapshots, missing_namespaces=(), check_mode=False):
    """Compare one desired link with the kernel; return its LinkPlan (raises on refusal)."""
    kind = KINDS[spec.kind]
    warnings = []
    snapshot = snapshots.get(spec.netns)
    current = snapshot.links.get(spec.name) if snapshot else None

    if current is not None and current['kind'] != spec.kind:
        raise ValidationError(
            "name: '%s' in %s already exists as a %s link, not a %s; this module will not touch "
            "another kind of link: remove it or choose another name"
            % (spec.name, _ns_words(spec.netns), current['kind'] or 'plain', spec.kind), 'name', spec.name)

    declared = spec.addresses or ()
    before = link_view(kind, current, snapshot, snapshots, spec.parent_netns, declared) if current else None
    if spec.state == 'absent':
        return LinkPlan(spec, before, [Change('delete')] if current else [])

    for field, netns in (('netns', spec.netns), ('parent_netns', spec.parent_netns)):
        if netns in missing_namespaces:
            warnings.append("%s '%s' does not exist yet; check mode assumes an earlier task creates it"
                            % (field, netns))
    parent_snapshot = snapshots.get(spec.parent_netns)
    parent = parent_snapshot.links.get(spec.parent) if parent_snapshot else None
    if parent is None and parent_snapshot is not None:
        if not check_mode:
            raise ValidationError(
                "parent: '%s' does not exist in %s; create it first, or set parent_netns to the "
                "namespace it lives in" % (spec.parent, _ns_words(spec.parent_netns)), 'parent', spec.parent)
        warnings.append("parent '%s' does not exist yet; check mode assumes an earlier task creates it"
                        % spec.parent)
    if spec.parent == spec.name and spec.parent_netns == spec.netns:
        raise ValidationError("parent: '%s' is the link itself; give the lower device" % spec.parent,
                              'parent', spec.parent)

    if current is None:
        changes = [Change('create', after=spec.view())]
        changes.extend(Change('add address', 'addresses', after=a) for a in declared)
        return LinkPlan(spec, None, changes, warnings)

    fixed = []
    if (before['parent'], before['parent_netns']) != (spec.parent, spec.parent_netns):
        fixed.append(('parent', "the kernel cannot move a %s to another parent (%s in %s -> %s in %s)"
                      % (spec.kind, before['parent'], _ns_words(before['parent_netns']),
                         spec.parent, _ns_words(spec.parent_netns))))
    current_options = kind.read(current)
    fixed.extend(kind.fixed_changes(current_options, spec.options))
    if fixed:
        if not spec.recreate:
            attribute, why = fixed[0]
            raise ValidationError(
                "%s: %s; set recreate: true to delete and re-create '%s' (its addresses are re-added, "
                "anything else using it is interrupted)" % (attribute, why, spec.name), attribute,
                getattr(spec, attribute, None) or spec.options.get(attribute))
        changes = [Change('recreate', ', '.join(a for a, _why in fixed), reason='; '.join(w for _a, w in fixed))]
        # Addresses come back: the declared ones, or (unmanaged) the ones the old link had.
        keep = declared if spec.addresses is not None else before['addresses']
        changes.extend(Change('add address', 'addresses', after=a) for a in keep)
        return LinkPlan(spec, before, changes, warnings)

    changes = []
    for option in kind.options:
        _compare(changes, option, current_options.get(option), spec.options.get(option))
    _compare(changes, 'mtu', before['mtu'], spec.mtu)
    _compare(changes, 'macaddress', before['macaddress'], spec.macaddress)
    if spec.addresses is not None:
        have = set(before['addresses'])
        # Adds first: removing a subnet's primary address also drops its secondaries, and an
        # address added afterwards in that subnet would be re-added by the repair pass anyway.
        changes.extend(Change('add address', 'addresses', after=a) for a in declared if a not in have)
        changes.extend(Change('remove address', 'addresses', before=a) for a in before['addresses']
                       if a not in declared)
    _compare(changes, 'admin_state', before['admin_state'], spec.admin_state)
    return LinkPlan(spec, before, changes, warnings)


# ---------------------------------------------------------------- options that belong to the parent

def port_siblings(spec, snapshots, kinds=None):
    """[(netns, link)] of the other links of `kinds` (default: spec.kind's driver family) on the same
    parent, in every named namespace.

    The snapshots already read are used as they are; other namespaces cost one dump each, and
    this only runs when a plan would set a per-parent option. Namespaces without a name (a
    container runtime's, not under /var/run/netns) cannot be seen.
    """
    parent_snapshot = snapshots.get(spec.parent_netns)
    parent = parent_snapshot.links.get(spec.parent) if parent_snapshot else None
    if parent is None:
        return []
    kinds = kinds or KINDS[spec.kind].port_kinds or (spec.kind,)
    found = []
    for netns in [None] + netlink.list_namespaces():
        if netns in snapshots and (netns == spec.parent_netns or spec.parent_netns in snapshots[netns].peer_nsids):
            snapshot = snapshots[netns]
        else:
            try:
                with netlink.Netlink(netns) as sock:
                    snapshot = Snapshot(netns, sock.links(), [], {} if netns == spec.parent_netns else {
                        spec.parent_netns: sock.nsid_of(spec.parent_netns)})
            except (netlink.NetlinkError, OSError):
                continue  # removed since it was listed (or a stale entry): it holds no ports
        for link in snapshot.links.values():
            if link['kind'] not in kinds or link['link'] != parent['index'] or (netns, link['name']) == spec.identity:
                continue
            if netns == spec.parent_netns:
                ours = link['link_netnsid'] is None
            else:
                ours = link['link_netnsid'] is not None and link['link_netnsid'] == snapshot.peer_nsids.get(spec.parent_netns)
            if ours:
                found.append((netns, link))
    return found


def _check_port_options_agree(specs):
    """Two links of one run on the same parent must not want different per-parent options."""
    wanted = {}
    for spec in specs:
        kind = KINDS[spec.kind]
        if not kind.port_options or spec.state == 'absent':
            continue
        key = (kind.port_kinds, spec.parent_netns, spec.parent)
        options = tuple(spec.options[o] for o in kind.port_options)
        first = wanted.setdefault(key, (spec, options))
        if first[1] != options:
            raise ValidationError(
                "%s: '%s' and '%s' share parent '%s', whose %s are one setting in the kernel, but want %s and %s; "
                "give them the same values" % (kind.port_options[0], first[0].name, spec.name, spec.parent,
                                               ' and '.join(kind.port_options), '/'.join(first[1]), '/'.join(options)),
                kind.port_options[0], spec.options[kind.port_options[0]])


def _check_port_options(plan, snapshots):
    """Refuse to change a per-parent option (ipvlan mode/flag) under siblings, unless allowed."""
    spec = plan.spec
    kind = KINDS[spec.kind]
    if not kind.port_options or spec.state == 'absent':
        return
    if not any(c.action in ('create', 'recreate') or c.attribute in kind.port_options for c in plan.changes):
        return
    siblings = port_siblings(spec, snapshots)
    if not siblings:
        return
    port = kind.read(siblings[0][1])
    differing = [option for option in kind.port_options if port[option] != spec.options[option]]
    if not differing:
        return
    names = ', '.join("'%s' in %s" % (link['name'], _ns_words(netns)) for netns, link in siblings)
    have = ', '.join('%s %s' % (option, port[option]) for option in kind.port_options)
    if not spec.change_siblings:
        raise ValidationError(
            "%s: the kernel keeps %s %s per parent, and parent '%s' already has %s ports with %s: %s. "
            "Setting %s would silently change all of them. Use %s, or set change_siblings: true to change "
            "every port on '%s'" % (
                differing[0], spec.kind, ' and '.join(kind.port_options), spec.parent, spec.kind, have, names,
                ', '.join('%s %s' % (o, spec.options[o]) for o in differing),
                ', '.join('%s: %s' % (o, port[o]) for o in differing), spec.parent),
            differing[0], spec.options[differing[0]])
    for option in differing:
        plan.changes.append(Change('change siblings', option, port[option], spec.options[option],
                                   reason='siblings on the same parent: %s' % names))


# ---------------------------------------------------------------- applying

DRIVERS_THAT_HOLD_A_PARENT = ('macvlan', 'macvtap', 'ipvlan', 'ipvtap')


class Applier:
    """Turns plans into netlink requests, sends them in batches, and undoes its creations on failure."""

    def __init__(self, sockets, snapshots):
        self.sockets = sockets
        self.snapshots = snapshots
        self.created = []  # (netns, name) of links this run created
        self._fds = {}
        self._queue = []  # (socket key, Request) in plan order
        self._moves = []  # (spec, temporary name): links created in the parent namespace, to move after a flush

    def close(self):
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

    def flush(self):
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

    def _note_created(self, requests):
        moving = dict((spec.identity, temporary) for spec, temporary in self._moves)
        for request in requests:
            spec, action = request.tag
            if action == 'create':
                self.created.append((spec.netns, spec.name))
                if spec.identity in moving:  # until it has moved, it sits next to its parent
                    self.created.append((spec.parent_netns, moving[spec.identity]))

    def _hint(self, code, spec):
        """What the snapshots tell about the cause of an error (None when they cannot tell)."""
        try:
            return self._find_cause(code, spec)
        except Exception:  # pylint: disable=broad-except
            return None  # a hint must never hide the error itself, nor skip the undo

    def _find_cause(self, code, spec):
        snapshot = self.snapshots.get(spec.parent_netns)
        parent = snapshot.links.get(spec.parent) if snapshot else None
        if parent is None:
            return None
        if code == errno.EBUSY:
            if parent['master']:
                master = snapshot.by_index.get(parent['master'], {}).get('name', parent['master'])
                return "parent '%s' is enslaved to '%s'; use that master device or release it" % (spec.parent, master)
            others = [kind for kind in DRIVERS_THAT_HOLD_A_PARENT if kind not in KINDS[spec.kind].port_kinds]
            holders = port_siblings(spec, self.snapshots, others)
            if holders:
                return ("parent '%s' already carries %s; a parent takes ports of one driver only: use "
                        "another parent or a VLAN sub-interface of it" % (spec.parent, ', '.join(
                            "%s port '%s' in %s" % (link['kind'], link['name'], _ns_words(netns))
                            for netns, link in holders)))
        if code == errno.EEXIST:
            kind = KINDS[spec.kind]
            for link in snapshot.links.values():
                if link['kind'] == spec.kind and link['link'] == parent['index'] and link['link_netnsid'] is None \
                        and link['name'] != spec.name and kind.duplicate(spec.options, kind.read(link)):
                    return ("parent '%s' already has the same %s as '%s'; use that link or remove it"
                            % (spec.parent, spec.kind, link['name']))
        if code in (errno.EADDRINUSE, errno.EEXIST) and spec.macaddress:
            target = self.snapshots.get(spec.netns)
            if target is None or spec.name not in target.links:
                return 'macaddress'
        return None

    def queue_link_changes(self, plan):
        spec = plan.spec
        kind = KINDS[spec.kind]
        for change in plan.changes:
            if change.action in ('delete', 'recreate'):
                self._queue_request(spec.netns, netlink.del_link(plan.before['index']), spec, 'delete')
            if change.action in ('create', 'recreate'):
                self._queue_create(spec, kind)
        sets = dict((c.attribute, c.after) for c in plan.changes if c.action.startswith('set '))
        options = dict((name, value) for name, value in sets.items() if name in kind.options)
        if options:
            encoded = kind.encode(options, current=plan.before)
            self._queue_request(spec.netns, netlink.set_link(plan.before['index'], spec.kind, encoded),
                                spec, 'change %s of' % ', '.join(sorted(options)))
        plain = dict((name, sets[name]) for name in ('mtu', 'macaddress', 'admin_state') if name in sets)
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
                # elsewhere, so seed 000's eth0-inside-net1 is made as the seed does it: a temporary name
                # next to the parent, then moved and renamed in one request.
                name = 'ultmp%s' % binascii.hexlify(os.urandom(5)).decode()
                self._moves.append((spec, name))
            else:
                # Created straight into its namespace under its final name: one request.
                netns_fd = self._netns_fd(spec.netns)
        request = netlink.new_link(name, parent['index'], spec.kind, kind.encode(spec.options), mtu=spec.mtu,
                                   macaddress=spec.macaddress, netns_fd=netns_fd, up=spec.admin_state == 'up')
        self._queue_request(spec.parent_netns, request, spec, 'create')

    def finish_moves(self):
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

    def queue_addresses(self, spec, changes, snapshot):
        link = snapshot.links.get(spec.name)
        for change in changes:
            interface = ipaddress.ip_interface(u'%s' % (change.after or change.before))
            if change.action == 'add address':
                self._queue_request(spec.netns, netlink.add_address(link['index'], interface), spec,
                                    'add address %s to' % interface)
            else:
                self._queue_request(spec.netns, netlink.del_address(link['index'], interface), spec,
                                    'remove address %s from' % interface)

    def undo_created(self):
        """Best effort: delete what this run created, newest first."""
        by_netns = {}
        for netns, name in reversed(self.created):
            try:
                if netns not in self.sockets:
                    continue
                if netns not in by_netns:
                    by_netns[netns] = dict((link['name'], link) for link in self.sockets[netns].links())
                link = by_netns[netns].get(name)
                if link is not None:
                    self.sockets[netns].request(*netlink.del_link(link['index']))
            except Exception:  # pylint: disable=broad-except
                pass  # the original error is what the user needs to see


# ---------------------------------------------------------------- the whole run

def _check_unique(specs):
    seen = set()
    for spec in specs:
        if spec.identity in seen:
            raise ValidationError("links: '%s' in %s is declared twice; declare each link once"
                                  % (spec.name, _ns_words(spec.netns)), 'name', spec.name)
        seen.add(spec.identity)


def _namespaces(specs):
    """Every namespace involved, in first-seen order, and for each the parent namespaces its links use."""
    namespaces, peers = [], {}
    for spec in specs:
        for netns in (spec.netns, spec.parent_netns):
            if netns not in namespaces:
                namespaces.append(netns)
        if spec.parent_netns != spec.netns:
            peers.setdefault(spec.netns, set()).add(spec.parent_netns)
        if spec.netns is not None:
            # also ask for the namespace we run in, so a parent found there (not where declared) is named
            peers.setdefault(spec.netns, set()).add(None)
    return namespaces, peers


def reconcile(specs, check_mode=False):
    """Bring the kernel to `specs`; returns a list of per-link result dicts."""
    _check_unique(specs)
    _check_port_options_agree(specs)
    namespaces, peers = _namespaces(specs)
    existing = set(netlink.list_namespaces())
    missing = set(ns for ns in namespaces if ns is not None and ns not in existing)
    for spec in specs:
        absent_missing = [ns for ns in (spec.netns, spec.parent_netns) if ns in missing]
        if spec.state == 'present' and absent_missing and not check_mode:
            field = 'netns' if spec.netns in missing else 'parent_netns'
            raise ValidationError("%s: namespace '%s' does not exist; create it first (underlay.network.netns)"
                                  % (field, absent_missing[0]), field, absent_missing[0])

    sockets = {}
    try:
        for netns in namespaces:
            if netns not in missing:
                sockets[netns] = netlink.Netlink(netns)

        def read(netns):
            return Snapshot.read(sockets[netns], [p for p in peers.get(netns, ()) if p not in missing])
        snapshots = dict((netns, read(netns)) for netns in sockets)
        plans = [plan_link(spec, snapshots, missing, check_mode) for spec in specs]
        for plan in plans:
            _check_port_options(plan, snapshots)
        if not check_mode and any(plan.changed for plan in plans):
            snapshots = _apply(plans, sockets, snapshots, read)
            _verify(plans, snapshots, missing)
        return [_result(plan, snapshots, check_mode) for plan in plans]
    except netlink.NetlinkError as exc:  # a read failed: nothing was changed
        raise translate(exc.code, 'read links for', {'kind': 'link', 'name': '*', 'netns': None})
    finally:
        for sock in sockets.values():
            sock.close()


def _apply(plans, sockets, snapshots, read):
    applier = Applier(sockets, snapshots)
    try:
        for plan in plans:
            if plan.changed:
                applier.queue_link_changes(plan)
        applier.flush()
        applier.finish_moves()
        _apply_addresses(applier, plans, snapshots, read)
    except UnderlayError:
        applier.undo_created()
        raise
    finally:
        applier.close()
    return dict((netns, read(netns)) for netns in sockets)


def _apply_addresses(applier, plans, snapshots, read):
    """Address steps need the index of links created just now: one fresh dump per namespace concerned.

    A second pass re-adds declared addresses the kernel dropped on its own (deleting a subnet's
    primary address takes its secondaries with it unless promote_secondaries is set).
    """
    wanted = [p for p in plans if any(c.attribute == 'addresses' for c in p.changes)]
    for attempt in range(2):
        if not wanted:
            return
        fresh = dict((ns, read(ns)) for ns in set(p.spec.netns for p in wanted))
        for plan in wanted:
            if attempt == 0:
                changes = [c for c in plan.changes if c.attribute == 'addresses']
            else:
                link = fresh[plan.spec.netns].links.get(plan.spec.name)
                have = fresh[plan.spec.netns].addresses_of(link, plan.spec.addresses or ()) if link else ()
                changes = [Change('add address', 'addresses', after=a) for a in plan.spec.addresses or () if a not in have]
            applier.queue_addresses(plan.spec, changes, fresh[plan.spec.netns])
        applier.flush()
        wanted = [p for p in wanted if p.spec.addresses]


def _verify(plans, snapshots, missing):
    """Plan again from a fresh read: anything left over is a change the kernel did not take."""
    for plan in plans:
        left = plan_link(plan.spec, snapshots, missing).changes
        if left:
            steps = ', '.join(_describe(c) for c in left)
            raise KernelError("the kernel did not apply every change to %s '%s' in %s: still to do: %s; "
                              "the kernel accepted the request but kept its own value (driver or kernel "
                              "version limits)" % (plan.spec.kind, plan.spec.name, _ns_words(plan.spec.netns), steps))


def _describe(change):
    before, after = _plain(change.before), _plain(change.after)
    if before is not None and after is not None:
        return '%s %s -> %s' % (change.action, before, after)
    if before is not None or after is not None:
        return '%s %s' % (change.action, after if after is not None else before)
    return change.action


def _plain(value):
    """Tuples (of tuples) as lists, the way results show them."""
    if isinstance(value, tuple):
        return [_plain(item) for item in value]
    return value


def _result(plan, snapshots, check_mode):
    spec = plan.spec
    if check_mode or spec.state == 'absent':
        after = plan.predicted_after() if plan.changed else (plan.before if spec.state == 'present' else None)
    else:
        snapshot = snapshots[spec.netns]
        link = snapshot.links.get(spec.name)
        after = (link_view(KINDS[spec.kind], link, snapshot, snapshots, spec.parent_netns, spec.addresses or ())
                 if link else None)
    return {
        'changed': plan.changed,
        'changes': [change.as_dict(spec) for change in plan.changes],
        'diff': {'before': _diff_view(plan.before), 'after': _diff_view(after)},
        'link': after,
        'warnings': plan.warnings,
    }


def _diff_view(view):
    if not view:
        return {}
    return dict((key, value) for key, value in view.items() if key != 'index')
