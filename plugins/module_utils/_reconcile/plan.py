# Copyright: (c) 2026, underlay.network contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Planning: desired links against a snapshot, as lists of small named changes (raises on refusal)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Collection

from ansible_collections.underlay.network.plugins.module_utils._common.change import Change
from ansible_collections.underlay.network.plugins.module_utils._common.errors import ValidationError, ns_words
from ansible_collections.underlay.network.plugins.module_utils._kernel import netlink
from ansible_collections.underlay.network.plugins.module_utils._links.kinds import KINDS
from ansible_collections.underlay.network.plugins.module_utils._reconcile.read import Snapshot, spec_view


if TYPE_CHECKING:  # names for the annotations only
    from ansible_collections.underlay.network.plugins.module_utils._links.spec import LinkSpec


class LinkPlan:
    def __init__(self, spec: LinkSpec, before: dict | None, changes: list[Change], warnings: list[str] | None = None):
        self.spec = spec
        self.before = before  # view of the current link, or None
        self.changes = changes
        self.warnings = warnings or []

    @property
    def changed(self) -> bool:
        return bool(self.changes)

    def predicted_after(self) -> dict | None:
        if self.spec.state == 'absent':
            return None
        after = dict(self.before or {})
        after.pop('index', None)
        after.update(self.spec.view())
        return after


def _compare(changes, attribute, current, desired):
    if desired is not None and current != desired:
        changes.append(Change('set %s' % attribute, attribute, current, desired))


def plan_link(spec: LinkSpec, snapshots: dict[str | None, Snapshot], missing_namespaces: Collection[str] = (),
              check_mode: bool = False, planned: Collection[tuple] = ()) -> LinkPlan:
    """Compare one desired link with the kernel; return its LinkPlan (raises on refusal).

    `planned`: (netns, name) of links an earlier spec of the same run creates, which may be parents.
    """
    kind = KINDS[spec.kind]
    warnings = []
    snapshot = snapshots.get(spec.netns)
    current = snapshot.links.get(spec.name) if snapshot else None

    if current is not None and current['kind'] != spec.kind:
        raise ValidationError(
            "name: '%s' in %s already exists as a %s link, not a %s; this module will not touch "
            "another kind of link: remove it or choose another name"
            % (spec.name, ns_words(spec.netns), current['kind'] or 'plain', spec.kind), 'name', spec.name)

    declared = spec.addresses or ()
    before = spec_view(current, snapshot, snapshots, spec) if current else None
    if spec.state == 'absent':
        return LinkPlan(spec, before, [Change('delete')] if current else [])

    for field, netns in (('netns', spec.netns), ('parent_netns', spec.parent_netns)):
        if netns in missing_namespaces:
            warnings.append("%s '%s' does not exist yet; check mode assumes an earlier task creates it"
                            % (field, netns))
    parent_snapshot = snapshots.get(spec.parent_netns)
    parent = parent_snapshot.links.get(spec.parent) if parent_snapshot else None
    if parent is None and parent_snapshot is not None and (spec.parent_netns, spec.parent) not in planned:
        if not check_mode:
            raise ValidationError(
                "parent: '%s' does not exist in %s; create it first, or set parent_netns to the "
                "namespace it lives in" % (spec.parent, ns_words(spec.parent_netns)), 'parent', spec.parent)
        warnings.append("parent '%s' does not exist yet; check mode assumes an earlier task creates it"
                        % spec.parent)
    if spec.parent == spec.name and spec.parent_netns == spec.netns:
        raise ValidationError("parent: '%s' is the link itself; give the lower device" % spec.parent,
                              'parent', spec.parent)

    if current is None:
        changes = [Change('create', after=spec.view())]
        changes.extend(_fresh_link_steps(spec, declared))
        return LinkPlan(spec, None, changes, warnings)

    fixed = []
    if (before['parent'], before['parent_netns']) != (spec.parent, spec.parent_netns):
        fixed.append(('parent', "the kernel cannot move a %s to another parent (%s in %s -> %s in %s)"
                      % (spec.kind, before['parent'], ns_words(before['parent_netns']),
                         spec.parent, ns_words(spec.parent_netns))))
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
        changes.extend(_fresh_link_steps(spec, keep))
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
    if spec.alias is not None and (current.get('alias') or '') != spec.alias:
        changes.append(Change('set alias', 'alias', current.get('alias'), spec.alias))
    if spec.routes is not None:
        routing = route_changes(snapshot.owned_routes(current, spec.route_protocols), spec.routes,
                                snapshot.owned_route_sources(current, spec.route_protocols), spec.route_sources)
        protocols = snapshot.owned_route_protocols(current, spec.route_protocols)
        for change in routing:  # a route another protocol of ours set (NetworkManager's) is removed as it is
            found = protocols.get(change.details['route'], netlink.RTPROT_UNDERLAY)
            if change.action != 'add route' and found != netlink.RTPROT_UNDERLAY:
                change.details['protocol'] = found
        changes.extend(routing)
    if spec.ipv6_conf:
        if None in before['ipv6_conf'].values():
            raise ValidationError(
                "ipv6_conf: IPv6 is off on %s '%s' in %s (disable_ipv6, or an MTU below 1280), so it cannot answer for "
                "the host's IPv6 addresses; turn IPv6 on for it, or leave IPv6 subnets out of its network"
                % (spec.kind, spec.name, ns_words(spec.netns)), 'ipv6_conf', spec.name)
        changes.extend(ipv6_conf_changes(before['ipv6_conf'], spec.ipv6_conf))
    if spec.proxies is not None:
        changes.extend(proxy_changes(before['proxies'], spec.proxies))
    return LinkPlan(spec, before, changes, warnings)


def _fresh_link_steps(spec, addresses):
    """What a link made just now still needs once it exists: its mark, addresses and routes."""
    steps = [Change('set alias', 'alias', None, spec.alias)] if spec.alias else []
    steps.extend(Change('add address', 'addresses', after=a) for a in addresses)
    steps.extend(route_changes({}, spec.routes or {}, {}, spec.route_sources))
    steps.extend(ipv6_conf_changes({}, spec.ipv6_conf or {}))
    steps.extend(proxy_changes((), spec.proxies or ()))
    return steps


def route_changes(have: dict[str, int], want: dict[str, int], have_sources: dict | None = None,
                  want_sources: dict | None = None) -> list[Change]:
    """Steps from the routes `have` to `want` (both {destination: metric}); the kernel keys a route by its
    metric too, so a new metric is a replacement. `want_sources` ({destination: source or None}; None when the
    link leaves them alone) sets each route's preferred source; a route with another source is replaced."""
    have_sources, wanted = have_sources or {}, want_sources or {}
    steps = [Change('remove route', 'routes', before=dst, route=dst, metric=metric)
             for dst, metric in sorted(have.items()) if dst not in want]
    steps.extend(Change('add route', 'routes', after=dst, route=dst, metric=metric, **_source(wanted.get(dst)))
                 for dst, metric in sorted(want.items()) if dst not in have)
    for dst, metric in sorted(want.items()):
        if dst not in have:
            continue
        if want_sources is not None and have_sources.get(dst) != wanted.get(dst):
            steps.append(Change('set route source', 'routes', have_sources.get(dst), wanted.get(dst), route=dst,
                                metric=metric, old_metric=have[dst]))
        elif have[dst] != metric:
            steps.append(Change('set route metric', 'routes', have[dst], metric, route=dst,
                                **_source(have_sources.get(dst))))
    return steps


def _source(address):
    return {'source': address} if address else {}


def ipv6_conf_changes(have: dict[str, int | None], want: dict[str, int]) -> list[Change]:
    """Steps that set the link's net.ipv6.conf.<link>.* settings `want` where they differ from `have`."""
    return [Change('set ipv6 %s' % name, 'ipv6_conf', have.get(name), value, setting=name)
            for name, value in sorted(want.items()) if have.get(name) != value]


def proxy_changes(have: Collection[str], want: Collection[str]) -> list[Change]:
    """Steps from the proxy neighbour entries `have` to `want` (IPv6 addresses the link answers for)."""
    steps = [Change('remove proxy', 'proxies', before=address) for address in have if address not in want]
    steps.extend(Change('add proxy', 'proxies', after=address) for address in want if address not in have)
    return steps


# ---------------------------------------------------------------- options that belong to the parent

def port_siblings(spec: LinkSpec, snapshots: dict[str | None, Snapshot],
                  kinds: tuple[str, ...] | None = None) -> list[tuple[str | None, dict]]:
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


def check_port_options_agree(specs: list[LinkSpec]) -> None:
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


def check_port_options(plan: LinkPlan, snapshots: dict[str | None, Snapshot]) -> None:
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
    names = ', '.join("'%s' in %s" % (link['name'], ns_words(netns)) for netns, link in siblings)
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
