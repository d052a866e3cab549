# Copyright: (c) 2026, underlay.network contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""The reconcile engine: read -> plan -> apply -> read back and verify -> report, as one transaction.

"Changed or not" is decided from the live kernel only: one netlink dump per namespace involved
(links, addresses and, when a link manages them, routes), compared with the normalised desired
links. The pieces live in their own files: _read (snapshots), _plan (changes), _apply (requests
in batches), _diagnose (why the kernel refused). This file runs them as a Transaction: when any
step fails - here, or in whatever the caller does before it commits - every link the plans touched
is put back as the snapshot read before showed it, by planning and applying that old state.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Callable, Iterable

from ansible_collections.underlay.network.plugins.module_utils._common.change import Change, report
from ansible_collections.underlay.network.plugins.module_utils._common.errors import (
    KernelError, UnderlayError, ValidationError, ns_words, translate)
from ansible_collections.underlay.network.plugins.module_utils._kernel import netlink
from ansible_collections.underlay.network.plugins.module_utils._links.kinds import KINDS
from ansible_collections.underlay.network.plugins.module_utils._links.spec import LinkSpec, build_spec
from ansible_collections.underlay.network.plugins.module_utils._reconcile.apply import Applier
from ansible_collections.underlay.network.plugins.module_utils._reconcile.plan import (
    check_port_options, check_port_options_agree, plan_link)
from ansible_collections.underlay.network.plugins.module_utils._reconcile.read import Snapshot, spec_view


if TYPE_CHECKING:  # names for the annotations only
    from ansible_collections.underlay.network.plugins.module_utils._reconcile.plan import LinkPlan


FOLLOWUP_ATTRIBUTES = ('alias', 'addresses', 'routes', 'ipv6_conf', 'proxies')  # steps that need the link's index


def _check_unique(specs):
    seen = set()
    for spec in specs:
        if spec.identity in seen:
            raise ValidationError("links: '%s' in %s is declared twice; declare each link once"
                                  % (spec.name, ns_words(spec.netns)), 'name', spec.name)
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


class Transaction:
    """Desired links planned from one read per namespace, applied together, put back together on failure.

    with Transaction(specs, check_mode) as tx:
        tx.plan()         # refusals raise here, before anything changes
        tx.apply()        # raises after putting everything back when the kernel refuses a step
        ...               # more work of the caller's; on its failure: tx.rollback()
        tx.results()
    """

    def __init__(self, specs: Iterable[LinkSpec] = (), check_mode: bool = False,
                 namespaces: Iterable[str | None] = (), routes: bool = False, proxies: bool = False):
        """`specs` now, or later to plan(): then name the `namespaces` to read (and `routes`, `proxies` when they
        manage any)."""
        self.specs = list(specs)
        self.check_mode = check_mode
        self.namespaces, self.peers = _namespaces(self.specs)
        for netns in namespaces:
            if netns not in self.namespaces:
                self.namespaces.append(netns)
                if netns is not None:
                    self.peers.setdefault(netns, set()).add(None)
        self.with_routes = routes or any(spec.routes is not None for spec in self.specs)
        self.with_proxies = proxies or any(spec.proxies is not None for spec in self.specs)
        existing = set(netlink.list_namespaces())
        self.missing = {ns for ns in self.namespaces if ns is not None and ns not in existing}
        self._check_specs(self.specs)
        self.sockets = {}
        self.before = {}  # the snapshots read first: what a rollback restores
        self.snapshots = {}  # the newest read
        self.plans = []
        self.applied = False

    def __enter__(self):
        try:
            for netns in self.namespaces:
                if netns not in self.missing:
                    self.sockets[netns] = netlink.Netlink(netns)
            self.before = {netns: self.read(netns) for netns in self.sockets}
        except netlink.NetlinkError as exc:  # a read failed: nothing was changed
            self.close()
            raise translate(exc.code, 'read links for', {'kind': 'link', 'name': '*', 'netns': None})
        except BaseException:
            self.close()
            raise
        self.snapshots = self.before
        return self

    def __exit__(self, *exc):
        self.close()

    def close(self) -> None:
        for sock in self.sockets.values():
            sock.close()
        self.sockets = {}

    def read(self, netns: str | None, links_only: bool = False) -> Snapshot:
        peers = [p for p in self.peers.get(netns, ()) if p not in self.missing]
        return Snapshot.read(self.sockets[netns], peers, routes=self.with_routes, links_only=links_only,
                             proxies=self.with_proxies)

    def _check_specs(self, specs):
        """What is wrong with the specs alone, found before any socket opens."""
        _check_unique(specs)
        check_port_options_agree(specs)
        for spec in specs:
            absent_missing = [ns for ns in (spec.netns, spec.parent_netns) if ns in self.missing]
            if spec.state == 'present' and absent_missing and not self.check_mode:
                field = 'netns' if spec.netns in self.missing else 'parent_netns'
                raise ValidationError("%s: namespace '%s' does not exist; create it first (underlay.network.netns)"
                                      % (field, absent_missing[0]), field, absent_missing[0])

    def plan(self, specs: Iterable[LinkSpec] | None = None) -> list[LinkPlan]:
        """Plan `specs` (default: those given at the start) against the first read; raises on refusal."""
        if specs is not None:
            self.specs = list(specs)
            self._check_specs(self.specs)
        self.plans, planned = [], set()
        for spec in self.specs:
            plan = plan_link(spec, self.before, self.missing, self.check_mode, planned)
            if any(change.action == 'create' for change in plan.changes):
                planned.add(spec.identity)
            self.plans.append(plan)
        for plan in self.plans:
            check_port_options(plan, self.before)
        return self.plans

    @property
    def changed(self) -> bool:
        return any(plan.changed for plan in self.plans)

    def apply(self) -> None:
        """Apply every plan, read back and verify; on a refusal put everything back and raise."""
        if self.check_mode or not self.changed:
            return
        self.applied = True
        try:
            applier = Applier(self.sockets, self.before)
            try:
                self._apply_links(applier)
                self._apply_followups(applier)
            except UnderlayError:
                applier.undo_created()  # also what sits under a temporary name
                raise
            finally:
                applier.close()
            self.snapshots = {netns: self.read(netns) for netns in self.sockets}
            self._verify()
        except UnderlayError as exc:
            raise self.rolled_back(exc)
        except netlink.NetlinkError as exc:
            raise self.rolled_back(translate(exc.code, 'read back links for', {'kind': 'link', 'name': '*',
                                                                               'netns': None}))

    def _apply_links(self, applier):
        """Link requests in batches; a link whose parent this run creates (a shim on a new VLAN
        sub-interface) goes in the next batch, once a fresh read knows the parent's index."""
        pending = [plan for plan in self.plans if plan.changed]
        while pending:
            known = applier.snapshots
            ready = [plan for plan in pending if not _needs_parent(plan) or
                     plan.spec.parent in known[plan.spec.parent_netns].links]
            if not ready:
                raise KernelError("cannot create %s: its parent did not appear" % ', '.join(
                    "'%s'" % plan.spec.name for plan in pending))
            for plan in ready:
                applier.queue_link_changes(plan)
            applier.flush()
            applier.finish_moves()
            pending = [plan for plan in pending if plan not in ready]
            if pending:
                applier.snapshots = {netns: self.read(netns, links_only=True) for netns in self.sockets}

    def _apply_followups(self, applier):
        """Alias, address and route steps need the index of links created just now: one fresh dump per
        namespace concerned.

        A second pass re-adds declared addresses the kernel dropped on its own (deleting a subnet's
        primary address takes its secondaries with it unless promote_secondaries is set).
        """
        wanted = [p for p in self.plans if any(c.attribute in FOLLOWUP_ATTRIBUTES for c in p.changes)]
        for attempt in range(2):
            if not wanted:
                return
            # the first pass needs only the index of links made just now; the repair pass their addresses
            fresh = {ns: self.read(ns, links_only=attempt == 0) for ns in {p.spec.netns for p in wanted}}
            for plan in wanted:
                if attempt == 0:
                    changes = [c for c in plan.changes if c.attribute in FOLLOWUP_ATTRIBUTES]
                else:
                    link = fresh[plan.spec.netns].links.get(plan.spec.name)
                    have = fresh[plan.spec.netns].addresses_of(link, plan.spec.addresses or ()) if link else ()
                    changes = [Change('add address', 'addresses', after=a) for a in plan.spec.addresses or ()
                               if a not in have]
                applier.queue_followups(plan.spec, changes, fresh[plan.spec.netns])
            applier.flush()
            # only a removed address can take others with it (a subnet's primary takes its secondaries)
            wanted = [p for p in wanted if p.spec.addresses and any(c.action == 'remove address' for c in p.changes)]

    def _verify(self):
        """Plan again from a fresh read: anything left over is a change the kernel did not take."""
        for plan in self.plans:
            left = plan_link(plan.spec, self.snapshots, self.missing).changes
            if left:
                steps = ', '.join(_describe(c) for c in left)
                raise KernelError("the kernel did not apply every change to %s '%s' in %s: still to do: %s; "
                                  "the kernel accepted the request but kept its own value (driver or kernel "
                                  "version limits)" % (plan.spec.kind, plan.spec.name, ns_words(plan.spec.netns),
                                                       steps))

    def rollback(self) -> list[str]:
        """Put every link the plans changed back as the first read showed it; returns what was put back.

        The old state is planned and applied like any desired state (links made by this run deleted,
        attributes, addresses, marks and routes set back, deleted links made again), then verified.
        """
        if not self.applied:
            return []
        # newest first: a link made on a parent made by this run goes before its parent (deleting the parent
        # first would take the child with it, and the kernel then loses count of the parent's promiscuity),
        # and a parent this run deleted comes back before its children
        restore = [_restore_spec(plan) for plan in reversed(self.plans) if plan.changed]
        restore = [spec for spec in restore if spec is not None]
        with Transaction(restore) as undo:
            undo.plan()
            undo.apply()
        self.applied = False
        self.snapshots = {netns: self.read(netns) for netns in self.sockets}
        return ['%s %s' % ('removed' if spec.state == 'absent' else 'restored', spec.name)
                for spec, plan in zip(restore, undo.plans) if plan.changed]

    def rolled_back(self, exc: UnderlayError) -> UnderlayError:
        """`exc` with what the rollback did (or why it could not) added to its message."""
        try:
            restored = self.rollback()
        except UnderlayError as undo_error:
            exc.message += '; putting the links back failed too: %s' % undo_error.message
        else:
            exc.message += ('; everything this task changed was put back (%s)' % ', '.join(restored) if restored
                            else '; nothing was left changed')
        exc.args = (exc.message,)
        return exc

    def results(self) -> list[dict]:
        return [_result(plan, self.snapshots, self.check_mode) for plan in self.plans]


def reconcile(specs: Iterable[LinkSpec], check_mode: bool = False) -> list[dict]:
    """Bring the kernel to `specs`; returns a list of per-link result dicts."""
    with Transaction(specs, check_mode) as tx:
        tx.plan()
        tx.apply()
        return tx.results()


def _needs_parent(plan):
    return any(change.action in ('create', 'recreate') for change in plan.changes)


def _as_option(value):
    """Options as the kinds normalise them (tuples), from the lists a view shows."""
    return tuple(_as_option(item) for item in value) if isinstance(value, list) else value


def _restore_spec(plan):
    """The desired state that undoes `plan`: the link as it was before, or no link when there was none."""
    spec, before = plan.spec, plan.before
    if before is None:
        return LinkSpec(spec.kind, spec.name, None, netns=spec.netns, state='absent')
    if before['parent'] is None:
        return None  # its parent is out of sight: nothing could make it again
    options = {option: _as_option(before.get(option)) for option in KINDS[spec.kind].options}
    routes = {item['route']: item['metric'] for item in before['routes']} if 'routes' in before else None
    sources = {item['route']: item.get('source') for item in before['routes']} if 'routes' in before else None
    ipv6_conf = {name: value for name, value in before['ipv6_conf'].items() if value is not None} \
        if 'ipv6_conf' in before else None
    return LinkSpec(spec.kind, spec.name, before['parent'], netns=spec.netns, parent_netns=before['parent_netns'],
                    admin_state=before['admin_state'], mtu=before['mtu'], macaddress=before['macaddress'],
                    addresses=tuple(before['addresses']), options=options, recreate=True, change_siblings=True,
                    alias=before.get('alias', ''), routes=routes, route_sources=sources, route_protocols=spec.route_protocols,
                    nodad=True, ipv6_conf=ipv6_conf,
                    proxies=tuple(before['proxies']) if 'proxies' in before else None)


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
        after = spec_view(link, snapshot, snapshots, spec) if link else None
    return report([change.as_dict(spec) for change in plan.changes], _diff_view(plan.before), _diff_view(after),
                  link=after, warnings=plan.warnings)


def _diff_view(view):
    if not view:
        return {}
    return {key: value for key, value in view.items() if key != 'index'}


def reconcile_link_module(kind: str) -> Callable[[Any], dict]:
    """The body of a single-link module (run_module's `body`): its parameters as one link of `kind`, reconciled."""
    driver = KINDS[kind]

    def body(module) -> dict:
        params = module.params
        options = driver.normalise(params) if params['state'] == 'present' else {}
        desired = build_spec(kind, params, options, default_name=driver.default_name(params))
        return reconcile([desired], check_mode=module.check_mode)[0]
    return body
