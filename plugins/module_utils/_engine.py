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

import errno
import ipaddress
import os

from ansible_collections.underlay.network.plugins.module_utils import _netlink as netlink
from ansible_collections.underlay.network.plugins.module_utils._errors import (
    KernelError, UnderlayError, ValidationError, translate)
from ansible_collections.underlay.network.plugins.module_utils._kinds import KINDS
from ansible_collections.underlay.network.plugins.module_utils._spec import COMMON_VIEW_FIELDS


def _ns_words(netns):
    return "namespace '%s'" % netns if netns else 'the root namespace'


# ---------------------------------------------------------------- reading

class Snapshot:
    """Links and addresses of one namespace, from one dump of each."""

    def __init__(self, netns, links, addresses):
        self.netns = netns
        self.links = dict((link['name'], link) for link in links)
        self.by_index = dict((link['index'], link) for link in links)
        self.addresses = {}
        for addr in addresses:
            ip = ipaddress.ip_address(u'%s' % addr['address'])
            if ip.version == 6 and ip.is_link_local:
                continue  # the kernel's own fe80:: address is not the user's to manage
            self.addresses.setdefault(addr['index'], []).append('%s/%d' % (ip, addr['prefixlen']))

    @classmethod
    def read(cls, sock):
        return cls(sock.netns, sock.links(), sock.addresses())

    def addresses_of(self, link):
        return tuple(sorted(self.addresses.get(link['index'], []), key=_address_key))

    def children_of(self, parent, same_namespace=True):
        """Links here whose lower device is `parent` (a link of this snapshot)."""
        return [link for link in self.links.values()
                if link['link'] == parent['index'] and link['index'] != parent['index']
                and (link['link_netnsid'] is None) == same_namespace]


def _address_key(text):
    interface = ipaddress.ip_interface(u'%s' % text)
    return (interface.version, interface.ip, interface.network.prefixlen)


def link_view(kind, link, snapshot, snapshots, spec_parent_netns):
    """A kernel link in the same shape as LinkSpec.view(): what the diff shows as 'before'."""
    if link['link_netnsid'] is None:
        parent_netns, parent_snapshot = snapshot.netns, snapshot  # lower device is in this namespace
    else:
        parent_netns, parent_snapshot = spec_parent_netns, snapshots.get(spec_parent_netns)
    parent = parent_snapshot.by_index.get(link['link']) if parent_snapshot else None
    view = {
        'kind': link['kind'],
        'name': link['name'],
        'netns': snapshot.netns,
        'parent': parent['name'] if parent else None,
        'parent_netns': parent_netns,
        'admin_state': 'up' if link['flags'] & netlink.IFF_UP else 'down',
        'mtu': link['mtu'],
        'macaddress': link['macaddress'],
        'addresses': list(snapshot.addresses_of(link)),
        'index': link['index'],
    }
    view.update((key, list(value) if isinstance(value, tuple) else value)
                for key, value in kind.read(link).items())
    return view


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

    before = link_view(kind, current, snapshot, snapshots, spec.parent_netns) if current else None
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
        changes.extend(Change('add address', 'addresses', after=a) for a in spec.addresses or ())
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
        changes = [Change('recreate', ', '.join(a for a, _ in fixed), reason='; '.join(w for _, w in fixed))]
        changes.extend(Change('add address', 'addresses', after=a) for a in spec.addresses or ())
        return LinkPlan(spec, before, changes, warnings)

    changes = []
    for option in kind.options:
        _compare(changes, option, current_options.get(option), spec.options.get(option))
    _compare(changes, 'mtu', before['mtu'], spec.mtu)
    _compare(changes, 'macaddress', before['macaddress'], spec.macaddress)
    if spec.addresses is not None:
        have = set(before['addresses'])
        changes.extend(Change('remove address', 'addresses', before=a) for a in before['addresses']
                       if a not in spec.addresses)
        changes.extend(Change('add address', 'addresses', after=a) for a in spec.addresses if a not in have)
    _compare(changes, 'admin_state', before['admin_state'], spec.admin_state)
    return LinkPlan(spec, before, changes, warnings)


# ---------------------------------------------------------------- applying

class Applier:
    """Runs plans against the kernel and remembers what it created, to undo it on failure."""

    def __init__(self, sockets, snapshots):
        self.sockets = sockets
        self.snapshots = snapshots
        self.created = []  # (netns, name) of links this run created
        self._own_netns_fd = None

    def _netns_target(self, netns):
        """The IFLA_NET_NS_FD value that puts a new link into `netns`."""
        if netns is not None:
            return netns  # pyroute2 resolves a name under /var/run/netns
        if self._own_netns_fd is None:
            self._own_netns_fd = os.open('/proc/self/ns/net', os.O_RDONLY)
        return self._own_netns_fd

    def close(self):
        if self._own_netns_fd is not None:
            os.close(self._own_netns_fd)

    def _kernel(self, action, spec, func, *args, **kwargs):
        try:
            return func(*args, **kwargs)
        except netlink.NetlinkError as exc:
            raise translate(exc.code, action, spec.describe(), self._hint(exc.code, spec))

    def _hint(self, code, spec):
        """What the snapshot already tells about the cause of an error."""
        snapshot = self.snapshots.get(spec.parent_netns)
        parent = snapshot.links.get(spec.parent) if snapshot else None
        if parent is None:
            return None
        if code == errno.EBUSY:
            if parent['master']:
                master = snapshot.by_index.get(parent['master'], {}).get('name', parent['master'])
                return "parent '%s' is enslaved to '%s'; use that master device or release it" % (spec.parent, master)
            holders = [link for link in snapshot.children_of(parent) if link['kind'] != spec.kind]
            if holders:
                return ("parent '%s' already carries %s; a parent takes ports of one driver only: use "
                        "another parent or a VLAN sub-interface of it" % (
                            spec.parent, ', '.join("%s port '%s'" % (h['kind'], h['name']) for h in holders)))
        if code in (errno.EADDRINUSE, errno.EEXIST) and spec.macaddress and spec.name not in (
                self.snapshots.get(spec.netns).links if self.snapshots.get(spec.netns) else {}):
            return 'macaddress'
        return None

    def apply(self, plan):
        spec = plan.spec
        kind = KINDS[spec.kind]
        link_changes = [c for c in plan.changes if c.attribute != 'addresses']
        for change in link_changes:
            if change.action == 'delete':
                self._delete(spec, plan.before['index'])
            elif change.action == 'recreate':
                self._delete(spec, plan.before['index'])
                self._create(spec, kind)
            elif change.action == 'create':
                self._create(spec, kind)
        self._set_attributes(spec, kind, plan, link_changes)

    def _create(self, spec, kind):
        parent = self.snapshots[spec.parent_netns].links[spec.parent]
        attrs = dict(kind.encode(spec.options), ifname=spec.name, link=parent['index'])
        if spec.mtu is not None:
            attrs['mtu'] = spec.mtu
        if spec.macaddress is not None:
            attrs['address'] = spec.macaddress
        if spec.netns != spec.parent_netns:
            # Created straight into its namespace under its final name (seed 000's macvlan1 -> net1/eth0
            # in one step), so the name never clashes with the parent namespace's own eth0.
            attrs['net_ns_fd'] = self._netns_target(spec.netns)
        if spec.admin_state == 'up':
            attrs['state'] = 'up'
        self._kernel('create', spec, self.sockets[spec.parent_netns].link_add, **attrs)
        self.created.append((spec.netns, spec.name))

    def _delete(self, spec, index):
        self._kernel('delete', spec, self.sockets[spec.netns].link_del, index)

    def _set_attributes(self, spec, kind, plan, changes):
        sets = [c for c in changes if c.action.startswith('set ')]
        if not sets:
            return
        index = plan.before['index']
        sock = self.sockets[spec.netns]
        options = dict((c.attribute, c.after) for c in sets if c.attribute in kind.options)
        if options:
            self._kernel('change %s of' % ', '.join(sorted(options)), spec, sock.link_set, index,
                         **kind.encode(options))
        plain = {}
        for change in sets:
            if change.attribute == 'mtu':
                plain['mtu'] = change.after
            elif change.attribute == 'macaddress':
                plain['address'] = change.after
            elif change.attribute == 'admin_state':
                plain['state'] = change.after
        if plain:
            self._kernel('change %s of' % ', '.join(sorted(plain)), spec, sock.link_set, index, **plain)

    def apply_addresses(self, plan, snapshot):
        spec = plan.spec
        link = snapshot.links.get(spec.name)
        for change in plan.changes:
            if change.attribute != 'addresses' or link is None:
                continue
            interface = ipaddress.ip_interface(u'%s' % (change.after or change.before))
            args = (link['index'], str(interface.ip), interface.network.prefixlen)
            if change.action == 'add address':
                self._kernel('add address %s to' % interface, spec, self.sockets[spec.netns].addr_add, *args)
            else:
                self._kernel('remove address %s from' % interface, spec, self.sockets[spec.netns].addr_del, *args)

    def undo_created(self):
        """Best effort: delete what this run created, newest first."""
        by_netns = {}
        for netns, name in reversed(self.created):
            try:
                if netns not in by_netns:
                    by_netns[netns] = dict((link['name'], link) for link in self.sockets[netns].links())
                link = by_netns[netns].get(name)
                if link is not None:
                    self.sockets[netns].link_del(link['index'])
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


def reconcile(specs, check_mode=False):
    """Bring the kernel to `specs`; returns a list of per-link result dicts."""
    _check_unique(specs)
    namespaces = []
    for spec in specs:
        for netns in (spec.netns, spec.parent_netns):
            if netns not in namespaces:
                namespaces.append(netns)
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
        snapshots = dict((netns, Snapshot.read(sock)) for netns, sock in sockets.items())
        plans = [plan_link(spec, snapshots, missing, check_mode) for spec in specs]
        if not check_mode and any(plan.changed for plan in plans):
            snapshots = _apply(plans, sockets, snapshots, namespaces)
            _verify(plans, snapshots, missing)
        return [_result(plan, snapshots, check_mode) for plan in plans]
    except netlink.NetlinkError as exc:  # a read failed: nothing was changed
        raise KernelError("reading links failed: %s" % exc, getattr(exc, 'code', None))
    finally:
        for sock in sockets.values():
            sock.close()


def _apply(plans, sockets, snapshots, namespaces):
    applier = Applier(sockets, snapshots)
    try:
        for plan in plans:
            if plan.changed:
                applier.apply(plan)
        # Addresses need the index of links created just now: one more dump where that matters.
        touched = set(p.spec.netns for p in plans if any(c.attribute == 'addresses' for c in p.changes))
        fresh = dict((ns, Snapshot.read(sockets[ns]) if ns in touched else snapshots[ns]) for ns in snapshots)
        for plan in plans:
            if plan.spec.netns in touched:
                applier.apply_addresses(plan, fresh[plan.spec.netns])
    except UnderlayError:
        applier.undo_created()
        raise
    finally:
        applier.close()
    return dict((netns, Snapshot.read(sock)) for netns, sock in sockets.items())


def _verify(plans, snapshots, missing):
    """Plan again from a fresh read: anything left over is a change the kernel did not take."""
    for plan in plans:
        left = plan_link(plan.spec, snapshots, missing).changes
        if left:
            steps = ', '.join(_describe(c) for c in left)
            raise KernelError("the kernel did not apply every change to %s '%s' in %s: still to do: %s "
                              "(pyroute2 %s may not support this attribute)"
                              % (plan.spec.kind, plan.spec.name, _ns_words(plan.spec.netns), steps,
                                 netlink.pyroute2_version()))


def _describe(change):
    if change.before is not None or change.after is not None:
        return '%s %s -> %s' % (change.action, change.before, change.after)
    return change.action


def _result(plan, snapshots, check_mode):
    spec = plan.spec
    if check_mode or spec.state == 'absent':
        after = plan.predicted_after() if plan.changed else (plan.before if spec.state == 'present' else None)
    else:
        snapshot = snapshots[spec.netns]
        link = snapshot.links.get(spec.name)
        after = link_view(KINDS[spec.kind], link, snapshot, snapshots, spec.parent_netns) if link else None
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


__all__ = ['reconcile', 'plan_link', 'Snapshot', 'COMMON_VIEW_FIELDS']
