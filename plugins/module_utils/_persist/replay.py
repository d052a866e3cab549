# Copyright: (c) 2026, underlay.network contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""The boot replay: the stored desired state converged again by the same engine, without Ansible.

`replay [--root DIR] [--parent IFNAME]` reads every /etc/underlay.network/host-networks*.json and runs
host_networks' converge on it (present, no gate: nobody waits for it at boot). Networks whose parent
NIC is not there yet are left for later - the parent's device unit runs this again when it appears -
and never fail the boot. With --parent only the host namespace's networks on that NIC are converged.
The exit status is non-zero only when a converge itself failed (the unit shows it as failed).
"""

from __future__ import annotations

import os
import socket
import sys

from ansible_collections.underlay.network.plugins.module_utils._common.vocabulary import NETNS_RUN_DIR
from ansible_collections.underlay.network.plugins.module_utils._common.errors import UnderlayError
from ansible_collections.underlay.network.plugins.module_utils._host.converge import converge_host
from ansible_collections.underlay.network.plugins.module_utils._host.lock import NamespaceLock
from ansible_collections.underlay.network.plugins.module_utils._kernel import netlink, sysctl
from ansible_collections.underlay.network.plugins.module_utils._persist import state as persist


def say(text, stream=None):
    """One line for the journal (the unit's output)."""
    stream = stream or sys.stdout
    stream.write(text + '\n')
    stream.flush()


def _present(netns, names):
    """The names among `names` that are links in the namespace now."""
    found = set()
    with netlink.in_namespace(netns):
        for name in names:
            try:
                socket.if_nametoindex(name)
                found.add(name)
            except OSError:
                pass
    return found


def replay_one(root, path, only_parent=None, log=say):
    """Converges one stored state; returns True when it went well (or had nothing to do yet)."""
    doc = persist.read_state(root, path)
    netns = doc.get('netns')
    where = "namespace '%s'" % netns if netns else 'the host'
    if only_parent and netns:
        return True  # a device unit speaks for the host's own namespace only
    if netns and not os.path.exists(os.path.join(NETNS_RUN_DIR, netns)):
        log('%s: namespace %s does not exist (yet); nothing to do' % (path, netns))
        return True
    with NamespaceLock(netns, 300, 'underlay-network-replay pid %d' % os.getpid()):
        doc = persist.read_state(root, path)  # again, under the lock: a run of Ansible may just have changed it
        networks = [net for net in doc['networks'] if not only_parent or net['parent'] == only_parent]
        there = _present(netns, persist.root_parents(networks))
        waiting = sorted({net['parent'] for net in networks if net['parent'] not in there})
        for parent in waiting:
            log('%s: parent %s is not there yet; its networks (%s) come back when it appears' % (
                where, parent, ', '.join(net['name'] for net in networks if net['parent'] == parent)))
        ready = [net for net in networks if net['parent'] in there]
        if not ready:
            return True
        wanted = doc.get('sysctls') or {}
        current = sysctl.read(netns, wanted) if wanted else {}
        params = {'networks': ready, 'netns': netns, 'state': 'present', 'verify': False,
                  'allow_overlap': doc.get('allow_overlap', False), 'controller_address': None,
                  'proxy_ndp_at_last_run': doc.get('proxy_ndp') or {},
                  'sysctls': {key: value for key, value in wanted.items() if current.get(key) is not None}}
        try:
            result = converge_host(params)
        except UnderlayError as exc:
            log('%s: replaying %s failed: %s' % (where, path, exc.message))
            return False
    log('%s: networks %s: %s' % (where, ', '.join(net['name'] for net in ready), (
        '%d changes (created %s)' % (len(result['changes']), ', '.join(result['created']) or 'nothing')
        if result['changed'] else 'already as stored')))
    return True


def main(argv):
    root, only_parent = '/', None
    args = list(argv)
    while args:
        option = args.pop(0)
        if option in ('--root', '--parent') and args:
            value = args.pop(0)
            if option == '--root':
                root = value
            else:
                only_parent = value
        else:
            say('usage: replay [--root DIR] [--parent IFNAME]', sys.stderr)
            return 2
    paths = persist.stored_states(root)
    if not paths:
        say('no stored state under %s' % os.path.join(root, persist.STATE_DIR))
        return 0
    ok = True
    for path in paths:
        try:
            ok = replay_one(root, path, only_parent) and ok
        except Exception as exc:  # pylint: disable=broad-except  # one bad state must not keep the others back
            say('%s: cannot replay it: %s' % (path, getattr(exc, 'message', None) or '%s: %s' % (
                type(exc).__name__, exc)))
            ok = False
    return 0 if ok else 1
