# Copyright: (c) 2026, underlay.network contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Promiscuous mode of one link: read, plan, apply, read back.

The kernel keeps two things. IFF_PROMISC in the flags of an ifinfomsg is the flag a user set
(`ip link set X promisc on`, dev->gflags); IFLA_PROMISCUITY is a counter that also counts
what asked for it internally (a bridge port, a macvlan passthru, a packet socket). So a bridge
port shows promiscuity 1 without IFF_PROMISC, and setting the flag there still matters: it is
what stays when the bridge lets go. This module manages the flag and reports the counter.
Setting it is one RTM_NEWLINK with ifi_change = IFF_PROMISC (the kernel's dev_change_flags
turns the flag into +1/-1 on the counter exactly once, so repeating it is harmless).
"""

from __future__ import annotations

import errno

from ansible_collections.underlay.network.plugins.module_utils._common.change import report, step
from ansible_collections.underlay.network.plugins.module_utils._common.errors import KernelError, translate
from ansible_collections.underlay.network.plugins.module_utils._common.fields import check_ifname, check_netns
from ansible_collections.underlay.network.plugins.module_utils._kernel import netlink as nl
from ansible_collections.underlay.network.plugins.module_utils._kernel.systemd import systemd_escape


def decode(payload: bytes) -> dict:
    """decode_link plus the promiscuity counter."""
    link = nl.decode_link(payload)
    attrs = nl.parse_attrs(payload, nl.IFINFOMSG_SIZE)
    link['promiscuity'] = nl.as_u32(attrs[nl.IFLA_PROMISCUITY]) if nl.IFLA_PROMISCUITY in attrs else None
    return link


def promisc_request(index: int, on: bool) -> tuple[int, int, bytes]:
    """RTM_NEWLINK that sets (on) or clears the user's IFF_PROMISC flag and nothing else."""
    return nl.RTM_NEWLINK, 0, nl.ifinfo(index, nl.IFF_PROMISC if on else 0, nl.IFF_PROMISC)


def _where(name, netns):
    return "link '%s' in %s" % (name, "namespace '%s'" % netns if netns else 'the root namespace')


def view(link: dict | None, netns: str | None) -> dict | None:
    """What the module returns about the link."""
    if link is None:
        return None
    return {
        'name': link['name'],
        'netns': netns,
        'index': link['index'],
        'kind': link['kind'],
        'promisc': bool(link['flags'] & nl.IFF_PROMISC),
        'promiscuity': link['promiscuity'],
        'admin_state': 'up' if link['flags'] & nl.IFF_UP else 'down',
    }


def plan(current: dict | None, name: str, netns: str | None, want_on: bool) -> list[dict]:
    """The changes (list of dicts) that take `current` (a view, or None when unknown) to the wanted flag."""
    before = current['promisc'] if current is not None else False
    if before == want_on:
        return []
    return [step('set promisc', 'link', name, netns, attribute='promisc', before='on' if before else 'off',
                 after='on' if want_on else 'off')]


def _diff(name, netns, promisc):
    return {'name': name, 'netns': netns, 'promisc': 'on' if promisc else 'off'}


def _read(name, netns):
    with nl.Netlink(netns) as sock:
        for link in sock.dump(nl.RTM_GETLINK, nl.ifinfo() + nl.u32(nl.IFLA_EXT_MASK, nl.RTEXT_FILTER_SKIP_STATS),
                              decode):
            if link['name'] == name:
                return link
    return None


def reconcile_promisc(name: str, netns: str | None = None, state: str = 'on', check_mode: bool = False) -> dict:
    """Module body: returns the result dict (changed, changes, link, diff, warnings, systemd_instance)."""
    name = check_ifname('name', name)
    netns = check_netns('netns', netns)
    want_on = state == 'on'
    warnings = []
    result = {'systemd_instance': systemd_escape(name)}

    if not nl.namespace_exists(netns):
        if not check_mode:
            raise KernelError("cannot set promisc on %s: namespace '%s' does not exist; create it first "
                              "(underlay.network.netns) or fix netns" % (_where(name, netns), netns),
                              errno.ENOENT, field='netns', value=netns)
        current = None
        warnings.append("namespace '%s' does not exist yet; check mode assumes an earlier task creates it "
                        "with link '%s' (promisc off)" % (netns, name))
    else:
        link = _read(name, netns)
        if link is None and not check_mode:
            raise KernelError("cannot set promisc on %s: no such link there; create it first or fix name/netns"
                              % _where(name, netns), errno.ENODEV, field='name', value=name)
        if link is None:
            warnings.append("%s does not exist yet; check mode assumes an earlier task creates it (promisc off)"
                            % _where(name, netns))
        current = view(link, netns)

    changes = plan(current, name, netns, want_on)
    after = current
    if changes and not check_mode:
        try:
            with nl.Netlink(netns) as sock:
                sock.request(*promisc_request(current['index'], want_on))
        except nl.NetlinkError as exc:
            raise translate(exc.code, 'set promisc=%s on' % state, {'name': name, 'netns': netns})
        after = view(_read(name, netns), netns)
        if after is None or after['promisc'] != want_on:
            raise KernelError("asked for promisc=%s on %s, but the kernel reads back %s" % (
                state, _where(name, netns), 'no such link' if after is None else
                'promisc %s' % ('on' if after['promisc'] else 'off')), field='state', value=state)
    elif changes:  # check mode: the prediction
        after = dict(current or {'name': name, 'netns': netns, 'index': None, 'kind': None, 'promiscuity': None,
                                 'admin_state': None}, promisc=want_on)
        if after['promiscuity'] is not None:  # the flag counts once in the counter
            after['promiscuity'] = max(0, after['promiscuity'] + (1 if want_on else -1))

    result.update(report(changes, _diff(name, netns, current['promisc'] if current else False),
                         _diff(name, netns, want_on), link=after, warnings=warnings))
    return result
