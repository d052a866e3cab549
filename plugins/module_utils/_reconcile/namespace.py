# Copyright: (c) 2026, underlay.network contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Named network namespaces: the same read -> plan -> apply -> verify loop as links."""

from __future__ import annotations

from ansible_collections.underlay.network.plugins.module_utils._common.change import report, step
from ansible_collections.underlay.network.plugins.module_utils._common.errors import KernelError
from ansible_collections.underlay.network.plugins.module_utils._common.fields import check_netns
from ansible_collections.underlay.network.plugins.module_utils._kernel import netlink


def _describe(netns):
    """The namespace as the module returns it, read from the kernel (None if it does not exist)."""
    if not netlink.namespace_exists(netns):
        return None
    with netlink.Netlink(netns) as sock:
        links = sorted(sock.links(), key=lambda link: link['index'])
    return {
        'name': netns,
        'links': [{'name': link['name'], 'kind': link['kind'] or ('loopback' if link['name'] == 'lo' else None),
                   'index': link['index'],
                   'admin_state': 'up' if link['flags'] & netlink.IFF_UP else 'down'} for link in links],
    }


def _loopback(view):
    for link in view['links'] if view else []:
        if link['name'] == 'lo':
            return link
    return None


def reconcile_namespace(name: str, state: str = 'present', loopback_up: bool = True, check_mode: bool = False) -> dict:
    name = check_netns('name', name)
    before = _describe(name)
    changes = []
    if state == 'absent':
        if before is not None:
            changes.append(step('delete', 'netns', name, name))
    else:
        if before is None:
            changes.append(step('create', 'netns', name, name))
        lo = _loopback(before)
        if loopback_up and (lo is None or lo['admin_state'] != 'up'):
            changes.append(step('set admin_state', 'loopback', 'lo', name, attribute='admin_state',
                                before=lo['admin_state'] if lo else 'down', after='up'))

    if changes and not check_mode:
        _apply(name, changes)
        after = _describe(name)
        if (after is None) != (state == 'absent') or (
                state == 'present' and loopback_up and _loopback(after)['admin_state'] != 'up'):
            raise KernelError("namespace '%s' did not reach state %s: the kernel shows %s" % (name, state, after))
    elif check_mode:
        after = None if state == 'absent' else _predict(name, before, loopback_up)
    else:
        after = before
    return report(changes, _diff_view(before), _diff_view(after), namespace=after)


def _predict(name, before, loopback_up):
    view = before or {'name': name, 'links': [{'name': 'lo', 'kind': 'loopback', 'index': 1, 'admin_state': 'down'}]}
    if loopback_up:
        for link in view['links']:
            if link['name'] == 'lo':
                link['admin_state'] = 'up'
    return view


def _diff_view(view):
    if view is None:
        return {}
    return {'name': view['name'], 'links': ['%s (%s, %s)' % (link['name'], link['kind'], link['admin_state'])
                                            for link in view['links']]}


def _apply(name, changes):
    actions = [change['action'] for change in changes]
    try:
        if 'delete' in actions:
            netlink.remove_namespace(name)
            return
        if 'create' in actions:
            netlink.create_namespace(name)
        if 'set admin_state' in actions:
            with netlink.Netlink(name) as sock:
                lo = [link for link in sock.links() if link['name'] == 'lo'][0]
                sock.request(*netlink.set_link(lo['index'], up=True))
    except (OSError, netlink.NetlinkError) as exc:
        raise KernelError("cannot %s namespace '%s': %s" % (actions[0], name, exc), getattr(exc, 'errno', None),
                          field='name', value=name)
