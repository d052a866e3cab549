# Copyright: (c) 2026, underlay.network contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""host_networks as a whole: the runtime transaction, then what it made kept for the next boot: one desired state on disk, replayed by the same engine.

Backends:
  engine    the desired state as JSON (/etc/underlay.network/host-networks.json, one file per
            namespace), a copy of this engine's code (/usr/lib/underlay.network) and systemd units
            that replay the state with it (_replay): at boot, whenever a parent NIC appears (a
            `.wants/` link of its device unit, so a late or re-created parent gets its VLANs and shims
            back) and after systemd-networkd or NetworkManager (re)starts.
  networkd  the same state as systemd-networkd files: .netdev for the VLANs and shims, .network for
            their addresses and routes, .link for the ownership mark, and on the parent a drop-in on
            the .network networkd uses for it (a netplan-generated file stays as it is), or a .network
            of ours when it has none.
  networkmanager  NetworkManager keyfile profiles (_persist.networkmanager): a vlan profile per VLAN, a
            macvlan profile per macvlan shim, loaded with nmcli and activated (NetworkManager takes the
            links over and keeps them); what NetworkManager cannot keep (ipvlan before 1.52) goes to the
            engine backend on the same host, and the result says which network went where.
  none      nothing persistent; what an earlier run persisted is removed.

Everything here is a planned list of file changes (write, remove, link) with a diff, applied after
the runtime transaction succeeded and under the same namespace lock, so a replay never reads a
state the kernel does not have. Files are found again by their names (and a header line), never by
a side record.
"""

from __future__ import annotations

import json
import os
import sys

from ansible_collections.underlay.network.plugins.module_utils._common.change import step
from ansible_collections.underlay.network.plugins.module_utils._common.errors import ValidationError
from ansible_collections.underlay.network.plugins.module_utils._common.vocabulary import DOCKER_HOST
from ansible_collections.underlay.network.plugins.module_utils._host.converge import HostNetworks
from ansible_collections.underlay.network.plugins.module_utils._host.lock import NamespaceLock
from ansible_collections.underlay.network.plugins.module_utils._persist.engine import (
    NM_UNMANAGED_CONF, engine_files, root_links)
from ansible_collections.underlay.network.plugins.module_utils._persist.files import (
    NETWORKD_DIR, NM_DIR, NM_PROFILE_SUFFIX, STATE_DIR, UNIT_DIR, File, PersistError, apply_files, changes_and_diff,
    leftovers, plan_files)
from ansible_collections.underlay.network.plugins.module_utils._persist.marks import without_foreign_vlans
from ansible_collections.underlay.network.plugins.module_utils._persist.networkd import networkd_cleanup, networkd_files
from ansible_collections.underlay.network.plugins.module_utils._persist.networkmanager import (
    NetworkManagerCli, kept_links, link_exists, link_macs, networkmanager_cleanup,
    networkmanager_files, profile_id, profile_link, read_profile, split)
from ansible_collections.underlay.network.plugins.module_utils._persist.state import (
    read_state, resolved, state_document, state_file, stored_states)


BACKENDS = ('engine', 'networkd', 'networkmanager', 'none')

# host_networks' options (the module's argument spec, and the host_reachability part of underlay_host)
HOST_NETWORKS_OPTIONS = dict(
    networks=dict(type='list', elements='dict', required=True),  # each checked against NETWORK_OPTIONS
    state=dict(type='str', default='present', choices=['present', 'absent']),
    netns=dict(type='str'),
    docker_host=dict(type='str', default=DOCKER_HOST),
    podman_host=dict(type='str'),
    sysctls=dict(type='dict', default={}),
    allow_overlap=dict(type='bool', default=False),
    controller_address=dict(type='list', elements='str'),
    verify=dict(type='bool', default=True),
    verify_timeout=dict(type='float', default=3),
    on_unreachable=dict(type='str', default='rollback', choices=['rollback', 'warn']),
    lock_timeout=dict(type='int', default=120),
    persist=dict(type='str', default='none', choices=list(BACKENDS)),
    persist_root=dict(type='path', default='/'),
)


class Persistence:
    """The files of one host_networks run: backend, namespace, root (a directory standing in for /)."""

    def __init__(self, backend, netns, root='/', state='present', python=None, nm_version=None):
        if backend not in BACKENDS:
            raise ValidationError("persist: '%s' is not a backend; use engine, networkd, networkmanager or none"
                                  % backend, 'persist', backend)
        if backend in ('networkd', 'networkmanager') and netns:
            raise ValidationError("persist: %s configures the host's own namespace only, not namespace '%s'; "
                                  "use persist: engine (its boot replay enters the namespace)" % (backend, netns),
                                  'persist', backend)
        self.backend = backend if state == 'present' else 'none'
        self.netns = netns
        self.root = root or '/'
        self.python = python or sys.executable or '/usr/bin/python3'
        self.nm_version = nm_version  # NetworkManager's (major, minor); None: not asked (a persist_root), 1.42's rules
        self.kept_by = {}  # network name -> the backend that keeps it
        self.desired_profiles = []  # the profiles of this run, VLANs first
        self.root_networks = []  # the host namespace's stored networks (the engine's NetworkManager drop-in)

    def _split(self, host):
        """(what networkd or NetworkManager keeps, the names of the networks the engine's state keeps: None for
        all). A VLAN someone else made, which a network only sits on, stays theirs: no file of ours takes it."""
        derived = resolved(host.derived, self.netns)
        if self.backend == 'networkmanager':
            kept, engine_names = split(derived, self.nm_version)
            self.kept_by = {net['name']: 'engine' if net['name'] in engine_names else 'networkmanager'
                            for net in derived['networks']}
            return without_foreign_vlans(self.root, kept, host.unmarked_vlans), engine_names
        self.kept_by = {net['name']: self.backend for net in derived['networks']}
        return (without_foreign_vlans(self.root, derived, host.unmarked_vlans) if self.backend == 'networkd' else None), None

    def desired(self, host):
        mine = state_file(self.netns)
        docs_after, unreadable = {}, False
        for path in stored_states(self.root):
            if path != mine:
                try:
                    doc = read_state(self.root, path)
                except (OSError, ValueError, PersistError):
                    unreadable = True  # not ours to judge: it stays, and so does the engine with its units
                    continue
                docs_after[doc.get('netns')] = doc
        # first what a run killed while writing left behind (engine_files sweeps the engine's own tree)
        files = leftovers(self.root, [STATE_DIR, UNIT_DIR, os.path.join(UNIT_DIR, '*.wants'), NETWORKD_DIR,
                                      os.path.join(NETWORKD_DIR, '*.d'), 'etc/sysctl.d', NM_DIR])
        kept, engine_names = self._split(host)
        if self.backend == 'engine' or engine_names:
            doc = state_document(host, engine_names)
            docs_after[self.netns] = doc
            state = File(mine, content=json.dumps(doc, indent=2, sort_keys=True) + '\n')
        else:
            state = File(mine)
        self.root_networks = (docs_after.get(None) or {}).get('networks', [])  # what the engine's drop-in names
        # a state is removed before the engine that replays it, and written after it: a power cut in between never
        # leaves a state whose engine is missing or half copied
        files += [state] if state.absent else []
        files += engine_files(self.root, docs_after, self.python, keep=unreadable)
        if not self.netns:
            wanted = networkd_files(self.root, kept, host.proxy_ndp) if self.backend == 'networkd' else []
            # profiles are written VLANs first: the order they are activated in
            profiles = networkmanager_files(kept, host.proxy_ndp, link_macs(self.root, [
                net['shim_name'] for net in kept['networks']])) if self.backend == 'networkmanager' else []
            self.desired_profiles = [item for item in profiles if item.path.endswith(NM_PROFILE_SUFFIX)]
            wanted += profiles
            files += wanted + networkd_cleanup(self.root, wanted) + networkmanager_cleanup(self.root, wanted)
        return files + ([] if state.absent else [state])

    def converge(self, host, check_mode, nmcli=None, run_ip=None):
        """The files planned and (unless check mode) written; `nmcli`: NetworkManager told about our profiles."""
        warnings = []
        mine = state_file(self.netns)
        full = os.path.join(self.root, mine)
        if os.path.isfile(full) and not os.path.islink(full):  # a planted symlink is refused by the plan
            try:
                read_state(self.root, mine)
            except (OSError, PersistError) as exc:  # the run rewrites (or removes) it: say what it replaces
                warnings.append('the stored state /%s could not be read and is replaced: %s'
                                % (mine, getattr(exc, 'message', None) or exc))
        plan = plan_files(self.root, self.desired(host))
        changes, before, after = changes_and_diff(plan)
        units_changed = any(want.path.startswith(UNIT_DIR) for want, _have, _action in plan)
        profiles = [(want, have, action) for want, have, action in plan if want.path.endswith(NM_PROFILE_SUFFIX)]
        # NetworkManager is told about our profiles when it runs (with persist: networkmanager it must: preflight);
        # profiles of an earlier run on a host where it is gone are only removed
        tell = nmcli is not None and self.root == '/' and (self.backend == 'networkmanager' or (
            bool(profiles) and nmcli.running()))
        # a profile that goes while its link stays: NetworkManager lets go of the link and its routes are ours again
        released = []
        for _want, have, action in profiles if tell else ():
            profile = read_profile(self.root, have.path) if action == 'remove file' else None
            link = (profile or {}).get('connection', {}).get('interface-name')
            if link and link_exists(link):
                released.append((link, profile))
        if not check_mode:
            for link, profile in released:
                nmcli.release(link, profile, run_ip)
        changes = [step('release link', 'networkmanager', link) for link, _profile in released] + changes  # first
        if plan and not check_mode:
            apply_files(self.root, plan)
        unmanaged = [want for want, _have, action in plan if want.path == NM_UNMANAGED_CONF and action == 'write file']
        if unmanaged and nmcli is not None and not check_mode and self.root == '/':  # leave_alone: when it runs
            nmcli.leave_alone(root_links(self.root_networks))
        # NetworkManager takes over the links of the profiles written, and of ours it does not hold (an activation
        # that failed, a link made again by the engine), VLANs first: the order the profiles are planned in
        up = []
        if tell and self.backend == 'networkmanager':
            written = {profile_link(want.path) for want, _have, action in profiles if action == 'write file'}
            active = nmcli.active_profiles()
            up = [profile_link(item.path) for item in self.desired_profiles
                  if profile_link(item.path) in written or (link_exists(profile_link(item.path))
                                                            and active.get(profile_link(item.path)) != profile_id(item.path))]
        if tell:
            if not check_mode:
                nmcli.load([want.path for want, _have, _action in profiles])
                nmcli.activate(up)
            changes += [step('activate profile', 'networkmanager', link) for link in up]
        return {'backend': self.backend, 'changes': changes, 'before': before, 'after': after, 'warnings': warnings,
                'files': sorted({want.path for want, _h, _a in plan}),
                # a running systemd must read the units again (not under a test root, nor in a container)
                'reload_systemd': bool(units_changed and not check_mode and self.root == '/'
                                       and os.path.isdir('/run/systemd/system'))}


def converge_persistent(params, check_mode=False, docker_client=None, run_command=None):
    """host_networks with persistence: the runtime transaction, then its files, under one lock.

    `run_command` (AnsibleModule.run_command) tells a running systemd that the units changed."""
    root = params.get('persist_root') or '/'
    root = '/' if os.path.realpath(root) == '/' else root  # '//' or '/.' is the host's own root too
    nmcli = NetworkManagerCli(run_command) if run_command is not None and root == '/' else None
    kept = kept_links(root) if not params.get('netns') else {}  # NetworkManager keeps these through our profiles
    version = None
    if nmcli is not None and params.get('persist') == 'networkmanager' and params.get('state') != 'absent':
        version = nmcli.preflight()  # before anything changes
    persistence = Persistence(params.get('persist') or 'none', params.get('netns') or None, root,
                              params.get('state') or 'present', nm_version=version)
    host = HostNetworks.read(dict(params, kept_by_network_manager=sorted(kept)), check_mode, docker_client,
                             run_command=run_command)
    with NamespaceLock(host.netns, params.get('lock_timeout') or 120, 'pid %d (host_networks)' % os.getpid()):
        result = host.converge()
        persisted = persistence.converge(host, check_mode, nmcli, lambda argv: _run_checked(run_command, argv))
    if persisted['reload_systemd'] and run_command is not None:
        code, _out, err = run_command(['systemctl', 'daemon-reload'])
        if code != 0:
            raise PersistError('systemctl daemon-reload failed (%s): %s; the files are written, the next boot reads '
                               'them' % (code, err.strip()), 'persist', 'daemon-reload')
    result['changes'] = result['changes'] + persisted['changes']
    result['warnings'] = result.get('warnings', []) + persisted['warnings']
    result['changed'] = bool(result['changes'])
    result['diff']['before'].update(persisted['before'])
    result['diff']['after'].update(persisted['after'])
    result['persist'] = {'backend': persisted['backend'], 'changed_files': persisted['files'],
                         'state_file': '/' + state_file(host.netns) if persisted['backend'] == 'engine'
                         or 'engine' in persistence.kept_by.values() else None}
    if persisted['backend'] == 'networkmanager':  # which network went where
        result['persist']['kept_by'] = persistence.kept_by
    return result


def _run_checked(run_command, argv):
    code, out, err = run_command(argv)
    if code != 0:
        raise PersistError('%s failed (%s): %s' % (' '.join(argv), code, (err or out).strip()), 'persist', argv[0])
    return out
