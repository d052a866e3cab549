# Copyright: (c) 2026, underlay.network contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""A host's side of its underlay networks as one desired state, converged as one transaction.

VLAN sub-interfaces, shims (link, an address per subnet, a route per ip range) and the host's
network sysctls are planned from one read of the namespace; Docker and Podman networks from one
read of each engine (sources.read_sources, which also reads CNI configurations).
Apply order: sysctls, links (one engine Transaction), then Docker and Podman networks, then the
reachability gate. When any of them fails, everything before it is put back: sysctls written
back, engine networks this run created removed, and the Transaction rolls the links back to the
first read. Ownership is on the objects: links we create carry OWNER_MARK in IFLA_IFALIAS, routes
protocol 209, Docker and Podman networks ENGINE_LABEL; `absent` removes only what carries the mark.
"""

from __future__ import annotations

import os
import sys

from ansible_collections.underlay.network.plugins.module_utils._common.change import Change, step
from ansible_collections.underlay.network.plugins.module_utils._common.errors import UnderlayError, ValidationError
from ansible_collections.underlay.network.plugins.module_utils._common.vocabulary import (
    ENGINE_NAMES, OWNER_MARK, PORT_KINDS)
from ansible_collections.underlay.network.plugins.module_utils._host import gate
from ansible_collections.underlay.network.plugins.module_utils._host.lock import NamespaceLock
from ansible_collections.underlay.network.plugins.module_utils._host.shim import ShimSpec
from ansible_collections.underlay.network.plugins.module_utils._kernel import netlink, sysctl
from ansible_collections.underlay.network.plugins.module_utils._links.kinds import KINDS
from ansible_collections.underlay.network.plugins.module_utils._links.spec import LinkSpec, build_spec
from ansible_collections.underlay.network.plugins.module_utils._networks.definitions import (
    normalise_networks, shim_args)
from ansible_collections.underlay.network.plugins.module_utils._networks.docker import DockerClient
from ansible_collections.underlay.network.plugins.module_utils._networks.options import ENGINES
from ansible_collections.underlay.network.plugins.module_utils._networks.sources import Sources, read_sources
from ansible_collections.underlay.network.plugins.module_utils._reconcile.plan import port_siblings
from ansible_collections.underlay.network.plugins.module_utils._reconcile.read import Snapshot
from ansible_collections.underlay.network.plugins.module_utils._reconcile.transaction import Transaction


class HostFailure(UnderlayError):
    """A step failed after others were applied; the message says what failed and what was put back."""


def unmarked_vlans(vlans, snapshot):
    """The names of the VLANs the snapshot has without our mark: someone else made them (the networks only sit on
    them, and the persistence backends leave them to their owner)."""
    return {vlan['name'] for vlan in vlans
            if vlan['name'] in snapshot.links and snapshot.links[vlan['name']].get('alias') != OWNER_MARK}


class HostNetworks:
    """The desired host side of `networks` in namespace `netns` (params: the host_networks module's)."""

    def __init__(self, params: dict, sources: Sources, check_mode: bool = False):
        """`sources`: what the Docker and Podman networks and CNI configurations the networks name say, read
        beforehand by `read()`, with the engine clients the run creates and removes networks with."""
        self.params = params
        self.check_mode = check_mode
        self.netns = params.get('netns') or None
        self.state = params.get('state') or 'present'
        self.sources = sources
        self.views = {'docker': sources.docker, 'podman': sources.podman}
        self.clients = {'docker': sources.docker_client, 'podman': sources.podman_client}
        self.derived = normalise_networks(params.get('networks'), **sources.normalise_args())
        # each engine network the definitions name, with the engine it belongs to
        self.engine_networks = [dict(net, engine=engine) for engine in ENGINES
                                for net in self.derived['%s_networks' % engine]]
        self.sysctls = sysctl.normalise_sysctls(params.get('sysctls')) if self.state == 'present' else {}
        # a boot replay also answers for the addresses the parent had at the last run: the network stack may
        # not have put them back yet when the replay runs (the next Ansible run drops those it no longer has)
        remembered = params.get('proxy_ndp_at_last_run') or {}
        # the shims NetworkManager keeps through profiles of ours (_persist.networkmanager reads their mark)
        kept = set(params.get('kept_by_network_manager') or ())
        self.shims = [ShimSpec(dict(shim_args(net), netns=self.netns, state=self.state,
                                    allow_overlap=params.get('allow_overlap'),
                                    controller_address=params.get('controller_address'),
                                    remembered_proxies=remembered.get(net['shim_name'], ()),
                                    kept_by_network_manager=net['shim_name'] in kept))
                      for net in self.derived['networks']]
        self.changes = []  # every step of the run, as result dicts, in order
        self.created, self.modified, self.removed, self.left = [], [], [], []
        self.verify, self.warnings = [], []
        self.sysctl_steps = []
        self.proxy_ndp = {}  # shim name -> the addresses it answers neighbour solicitations for
        self.unmarked_vlans = set()  # the networks' VLANs that were there without our mark (someone else's)

    @classmethod
    def read(cls, params: dict, check_mode: bool = False, docker_client: DockerClient | None = None,
             run_command=None) -> HostNetworks:
        """The desired host side, with the sources it names read (an engine only when a network names it;
        `run_command`, AnsibleModule.run_command, runs the podman command)."""
        return cls(params, read_sources(params.get('networks'), params.get('docker_host'), params.get('podman_host'),
                                        docker_client=docker_client, netns=params.get('netns') or None,
                                        run_command=run_command), check_mode)

    # ------------------------------------------------------------ the run

    def converge(self):
        with NamespaceLock(self.netns, self.params.get('lock_timeout') or 120, _holder()):
            with Transaction(check_mode=self.check_mode, namespaces=[self.netns], routes=True, proxies=True) as tx:
                if self.netns in tx.missing and self.state == 'present' and not self.check_mode:
                    raise ValidationError("netns: namespace '%s' does not exist; create it first "
                                          "(underlay.network.netns), or leave netns out for the namespace the task "
                                          "runs in" % self.netns, 'netns', self.netns)
                snapshot = tx.before.get(self.netns) or Snapshot(self.netns, [], [], routes=[])
                self.unmarked_vlans = unmarked_vlans(self.derived['vlans'], snapshot)
                if self.state == 'present':
                    self._present(tx, snapshot)
                else:
                    self._absent(tx, snapshot)
                return self._result(tx)

    def _present(self, tx, snapshot):
        names = {shim.name for shim in self.shims}
        for shim in self.shims:
            shim.check_safety(snapshot, ours=names)
        engine_plan = [net for net in self.engine_networks if not net['exists']]
        if self.netns in tx.missing:  # check mode: the namespace comes later; every sysctl would be set
            sysctl_steps = [Change('set sysctl', key, None, value) for key, value in sorted(self.sysctls.items())]
        else:
            sysctl_steps = sysctl.plan(self.sysctls, sysctl.read(self.netns, self.sysctls) if self.sysctls else {})
        self.sysctl_steps = sysctl_steps
        shims = [shim.link_spec(snapshot) for shim in self.shims]
        # what each shim answers for as a proxy (the parent's IPv6 addresses now): a backend that persists the
        # shims itself (networkd) writes the same
        self.proxy_ndp = {spec.name: spec.proxies for spec in shims if spec.ipv6_conf}
        tx.plan(self._vlan_specs(snapshot) + shims)
        # sysctls go first: they name what exists already, and one such as all.forwarding is copied by the
        # kernel into every interface, which would undo a shim's own forwarding if it came after the links
        self.changes.extend(_sysctl_change(step, self.netns) for step in sysctl_steps)
        self._record_links(tx)
        self.changes.extend(_engine_change('create', net) for net in engine_plan)
        self.created.extend(net['name'] for net in engine_plan)
        if self.check_mode:
            return
        made, written = [], []
        try:
            written = sysctl_steps  # a write that fails half way is undone too (writing a value back is harmless)
            sysctl.apply(self.netns, sysctl_steps)
            tx.apply()  # on a refusal it puts the links back itself, then raises
            for net in engine_plan:
                self.clients[net['engine']].create(dict(net['params'], name=net['name']))
                made.append(net)
            self._gate()
        except UnderlayError as exc:
            raise self._undo(tx, exc, made, written)

    def _absent(self, tx, snapshot):
        to_remove = [net for net in self.engine_networks if net['exists'] and self._view(net)['managed']]
        for net in to_remove:
            users = self._view(net)['containers']
            if users:
                raise ValidationError("network '%s': %s network '%s' still has containers attached: %s. Stop or "
                                      "disconnect them first; nothing was changed" % (
                                          net['network'], ENGINE_NAMES[net['engine']], net['name'], ', '.join(users)),
                                      net['engine'], net['name'])
        going = {(net['engine'], net['name']) for net in to_remove}
        kept_parents = {net['link_parent'] for net in self.derived['networks'] for engine in ENGINES
                        if net[engine] and (engine, net[engine]['name']) not in going}
        specs = []
        for shim in self.shims:
            link = snapshot.links.get(shim.name)
            if link is not None and link.get('alias') == OWNER_MARK:
                specs.append(shim.link_spec(snapshot))
            elif link is not None:
                self.left.append('%s (a shim not made by this collection: no ownership mark)' % shim.name)
        going = {spec.name for spec in specs}
        for vlan in self.derived['vlans']:
            link = snapshot.links.get(vlan['name'])
            if link is None:
                continue
            reason = self._vlan_stays(vlan, link, snapshot, going, kept_parents)
            if reason:
                self.left.append('%s (%s)' % (vlan['name'], reason))
            else:
                specs.append(LinkSpec('vlan', vlan['name'], None, netns=self.netns, state='absent'))
        tx.plan(specs)
        self._record_links(tx)
        self.changes.extend(_engine_change('remove', net) for net in to_remove)
        self.removed.extend(net['name'] for net in to_remove)
        for net in self.engine_networks:
            if net['exists'] and net not in to_remove:
                engine = ENGINE_NAMES[net['engine']]
                self.left.append("%s network %s (not created by this collection)" % (engine, net['name']))
        if self.check_mode:
            return
        tx.apply()
        try:
            for net in to_remove:
                self.clients[net['engine']].remove_network(self._view(net)['id'], net['name'])
        except UnderlayError as exc:
            raise self._undo(tx, exc, [], [])

    def _view(self, net):
        return self.views[net['engine']][net['name']]

    def _vlan_stays(self, vlan, link, snapshot, going, kept_parents):
        if link.get('alias') != OWNER_MARK:
            return 'not made by this collection: no ownership mark'
        if vlan['name'] in kept_parents:
            return 'a Docker or Podman network that stays sits on it'
        # ports on it in any named namespace (the containers' links), other than the shims going now
        probe = LinkSpec('vlan', None, vlan['name'], netns=self.netns, parent_netns=self.netns)
        users = [other['name'] for netns, other in port_siblings(probe, {self.netns: snapshot}, PORT_KINDS + ('vlan',))
                 if not (netns == self.netns and other['name'] in going)]
        if users:
            return 'still the parent of %s' % ', '.join(sorted(users))
        return None

    def _vlan_specs(self, snapshot):
        """VLAN sub-interfaces the networks sit on; those we create get the ownership mark."""
        specs = []
        for vlan in self.derived['vlans']:
            exists = vlan['name'] in snapshot.links
            params = dict(name=vlan['name'], parent=vlan['parent'], vlan_id=vlan['vlan_id'], netns=self.netns,
                          parent_netns=self.netns)
            spec = build_spec('vlan', params, KINDS['vlan'].normalise(params))
            spec.alias = None if exists else OWNER_MARK
            parent = snapshot.links.get(vlan['parent'])
            if parent is not None and not parent['flags'] & netlink.IFF_UP:
                # a VLAN cannot be up on a parent that is down (ENETDOWN): a boot replay that runs as the NIC appears
                # makes it down, and the kernel brings it up with its parent
                spec.admin_state = None
            specs.append(spec)
        return specs

    def _record_links(self, tx):
        for plan in tx.plans:
            if not plan.changed:
                continue
            actions = [change.action for change in plan.changes]
            if 'create' in actions:
                self.created.append(plan.spec.name)
            elif 'delete' in actions:
                self.removed.append(plan.spec.name)
            else:
                self.modified.append(plan.spec.name)
            self.changes.extend(change.as_dict(plan.spec) for change in plan.changes)

    def _gate(self):
        """The reachability gate over every network's verify targets (skipped when verify is false)."""
        if self.params.get('verify') is False:
            return
        self.verify, self.warnings = gate.check(self.netns, self.derived['networks'],
                                                self.params.get('verify_timeout') or 3,
                                                self.params.get('on_unreachable') or 'rollback')

    def _undo(self, tx, exc, made, written):
        """Put back what ran before `exc` (newest first); the error then says what was put back."""
        back = []
        try:
            for net in reversed(made):
                client = self.clients[net['engine']]
                if client.network(net['name']):
                    client.remove_network(net['name'], net['name'])  # both engines take a name for an id
                back.append('removed %s network %s' % (ENGINE_NAMES[net['engine']], net['name']))
            back.extend(tx.rollback())
            if written:
                sysctl.apply(self.netns, written, backwards=True)
                back.append('sysctls %s' % ', '.join(step.attribute for step in written))
        except UnderlayError as undo_error:
            return HostFailure('%s; putting things back failed too: %s (after: %s)' % (
                exc.message, undo_error.message, ', '.join(back) or 'nothing'), exc.field, exc.value)
        return HostFailure('%s; the host was put back as it was before the task (%s)' % (
            exc.message, ', '.join(back) or 'nothing had changed yet'), exc.field, exc.value)

    # ------------------------------------------------------------ the result

    def _result(self, tx):
        results = {plan.spec.name: result for plan, result in zip(tx.plans, tx.results())}
        networks = []
        for net, shim in zip(self.derived['networks'], self.shims):
            link = (results.get(shim.name) or {}).get('link') if self.state == 'present' else None
            networks.append({
                'name': net['name'], 'driver': net['driver'], 'parent': net['link_parent'],
                'vlan': net['link_parent'] if net['vlan_id'] is not None else None,
                'docker_network': net['docker']['name'] if net['docker'] else None,
                'podman_network': net['podman']['name'] if net['podman'] else None,
                'shim': shim.name if self.state == 'present' else None,
                'addresses': (link or {}).get('addresses', [str(a) for a in shim.addresses]) if self.state == 'present' else [],
                'routes': [item['route'] for item in (link or {}).get('routes', [])] if link else (
                    [str(r) for r in shim.routes] if self.state == 'present' and self.check_mode else []),
                'verify_targets': net['verify_targets'],
            })
        before = {name: result['diff']['before'] for name, result in results.items() if result['changed']}
        after = {name: result['diff']['after'] for name, result in results.items() if result['changed']}
        if self.sysctl_steps:
            before['sysctls'] = {step.attribute: step.before for step in self.sysctl_steps}
            after['sysctls'] = {step.attribute: step.after for step in self.sysctl_steps}
        for change in self.changes:
            if change['kind'] in _ENGINE_KINDS:  # what an engine has is shown by docker_network; here: there or not
                before['%s %s' % (change['kind'], change['name'])] = 'absent' if change['action'] == 'create' else 'present'
                after['%s %s' % (change['kind'], change['name'])] = 'present' if change['action'] == 'create' else 'absent'
        return {
            'changed': bool(self.changes),
            'changes': self.changes,
            'created': self.created, 'modified': self.modified, 'removed': self.removed, 'left': self.left,
            'networks': networks,
            'drivers': self.derived['drivers'],
            'verify': self.verify,
            'diff': {'before': before, 'after': after},
            'warnings': [w for result in results.values() for w in result['warnings']] + self.warnings,
        }


_ENGINE_KINDS = {'%s network' % engine for engine in ENGINES}


def _engine_change(action, net):
    return step(action, '%s network' % net['engine'], net['name'], network=net['network'])


def _sysctl_change(change, netns):
    return change.record('sysctl', change.attribute, netns)


def _holder():
    return 'pid %d (%s)' % (os.getpid(), os.path.basename(sys.argv[0]) or 'python')


def converge_host(params: dict, check_mode: bool = False, docker_client: DockerClient | None = None) -> dict:
    """host_networks without persistence (what a boot replay runs): read, plan, apply, gate, result."""
    return HostNetworks.read(params, check_mode, docker_client).converge()
