# Copyright: (c) 2026, underlay.network contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""The stored desired state: host_networks' own parameters for one namespace, as JSON a boot replays.

Docker keeps its own networks across reboots; what a boot needs is their host side, with every field
the Ansible run derived (from Docker, or left to the parent's ports) written out.
"""

from __future__ import annotations

import json
import os
import stat

from ansible_collections.underlay.network.plugins.module_utils._common.vocabulary import DEFAULT_MODES
from ansible_collections.underlay.network.plugins.module_utils._persist.files import (
    STATE_DIR, PersistError, open_regular, owned_paths)
from ansible_collections.underlay.network.plugins.module_utils._reconcile.read import describe_links


STATE_FORMAT = 1


def state_file(netns):
    return os.path.join(STATE_DIR, 'host-networks@%s.json' % netns if netns else 'host-networks.json')


def resolved(derived, netns):
    """`derived` with each ipvlan network's mode as its shim has it now, where the definition left it to the
    parent's ports: a boot, or networkd, must make the shim in that mode before any container is back."""
    open_modes = [net['shim_name'] for net in derived['networks'] if net['driver'] == 'ipvlan' and net['mode'] is None]
    if not open_modes:
        return derived
    found = {view['name']: view.get('mode') for view in describe_links(netns, ['ipvlan'], open_modes) or []}
    networks = [dict(net, mode=found.get(net['shim_name']) or DEFAULT_MODES['ipvlan']) if net['shim_name'] in open_modes else net
                for net in derived['networks']]
    return dict(derived, networks=networks)


def stored_networks(derived):
    """The networks as self-contained definitions: every field explicit, nothing left to Docker.

    Docker keeps its own networks across reboots; what a boot needs is their host side, with the
    fields the Ansible run derived from Docker written out.
    """
    networks = []
    for net in derived['networks']:
        item = {'name': net['name'], 'driver': net['driver'], 'parent': net['parent'],
                'subnets': [{key: value for key, value in subnet.items() if value is not None}
                            for subnet in net['subnets']],
                'shim_name': net['shim_name'], 'shim_address_reserved': net['shim_address_reserved'],
                'metric': net['metric']}
        if net['vlan_id'] is not None:
            item['vlan_id'] = net['vlan_id']
        if net['mode'] is not None:
            item['mode'] = net['mode']
        networks.append(item)
    return networks


def state_document(host, names=None):
    """The JSON a boot replays: host_networks' own parameters for the namespace (`names`: only these networks, the
    rest being kept by NetworkManager)."""
    doc = {
        'format': STATE_FORMAT,
        'comment': 'The desired host side of the underlay networks, replayed at boot by '
                   '/usr/lib/underlay.network/replay (the underlay.network engine). Written by Ansible: '
                   'edit the inventory, not this file.',
        'netns': host.netns,
        'networks': [net for net in stored_networks(resolved(host.derived, host.netns))
                     if names is None or net['name'] in names],
        'sysctls': host.sysctls,
        'allow_overlap': bool(host.params.get('allow_overlap')),
    }
    shims = {net['shim_name'] for net in doc['networks']}
    answered = {shim: list(addresses) for shim, addresses in sorted(host.proxy_ndp.items()) if addresses and shim in shims}
    if answered:  # what each shim answered for: the parent's IPv6 addresses at this run
        doc['proxy_ndp'] = answered
    return doc


def read_state(root, path):
    """A stored state, checked: PersistError says what is wrong with it (cut short, a newer format, a hand edit)."""
    full = os.path.join(root, path)
    fd = open_regular(full, 'refusing to read the stored state')
    info = os.fstat(fd)
    directory = os.lstat(os.path.dirname(full))
    if info.st_mode & 0o022 or info.st_uid != os.geteuid() or directory.st_mode & 0o022 \
            or directory.st_uid != os.geteuid() or stat.S_ISLNK(directory.st_mode):
        os.close(fd)
        raise PersistError('%s: it (or its directory) is writable by others or owned by another user, and it says '
                           'what root sets up at boot; run the playbook again to rewrite it' % path, 'state', path)
    try:
        with os.fdopen(fd) as handle:
            doc = json.load(handle)
    except ValueError as exc:
        raise PersistError('%s: not JSON (%s): cut short or edited by hand; run the playbook again to rewrite it'
                           % (path, exc), 'state', path) from None
    if not isinstance(doc, dict) or doc.get('format') != STATE_FORMAT:
        found = doc.get('format') if isinstance(doc, dict) else type(doc).__name__
        raise PersistError('%s: unknown format %r (this engine reads format %d: a newer release wrote it?); run the '
                           'playbook again to rewrite it' % (path, found, STATE_FORMAT), 'format', found)
    problem = _schema_problem(doc)
    if not problem and state_file(doc.get('netns')) != path:
        problem = "it is the state of %s, not of the namespace its name says" % (
            "namespace '%s'" % doc['netns'] if doc.get('netns') else 'the host')
    if problem:
        raise PersistError('%s: %s; run the playbook again to rewrite it' % (path, problem), 'state', path)
    return doc


def _schema_problem(doc):
    """What breaks the stored state's shape (a hand edit), or None."""
    if doc.get('netns') is not None and not isinstance(doc['netns'], str):
        return 'netns is %r, not a namespace name' % (doc['netns'],)
    for key, kind in (('networks', list), ('sysctls', dict), ('proxy_ndp', dict)):
        if key in doc and not isinstance(doc[key], kind):
            return '%s is a %s, not a %s' % (key, type(doc[key]).__name__, kind.__name__)
    if 'networks' not in doc:
        return 'it lists no networks'
    for index, net in enumerate(doc['networks']):
        if not isinstance(net, dict) or not all(isinstance(net.get(key), str) for key in ('name', 'parent')):
            return 'networks[%d] is not a network with a name and a parent' % index
    return None


def stored_states(root):
    """The stored states under ROOT, as paths relative to it (one per namespace)."""
    return owned_paths(root, os.path.join(STATE_DIR, 'host-networks*.json'))


def root_parents(networks):
    """The host NICs the networks hang off (a VLAN network's is the NIC its VLAN sits on)."""
    return sorted({net['parent'] for net in networks})
