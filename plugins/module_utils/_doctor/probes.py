# Copyright: (c) 2026, underlay.network contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""The doctor's throwaway probe objects: one namespace, macvlan ports with fresh MACs in it, always removed.

Every probe port is created straight inside the throwaway namespace (IFLA_NET_NS_FD in the create request),
so the host's namespace never holds one, and removing the namespace removes every port at once - also when
the run fails half way. The namespace answers nothing: its ports have no address, duplicate address detection
and router solicitations are off, so the only frames its ports send are the probes'.
"""

from __future__ import annotations

import os

from ansible_collections.underlay.network.plugins.module_utils._common.vocabulary import MACVLAN_MODES
from ansible_collections.underlay.network.plugins.module_utils._kernel import netlink as nl
from ansible_collections.underlay.network.plugins.module_utils._links.kinds import IFLA_MACVLAN_MODE


PREFIX = 'ul-doctor-'
# quiet IPv6 on the probe ports: no DAD of their link-local address, no router solicitations
QUIET = {'net/ipv6/conf/default/accept_dad': '0', 'net/ipv6/conf/default/router_solicitations': '0',
         'net/ipv6/conf/default/dad_transmits': '0'}


def fresh_mac():
    """A random unicast, locally administered MAC (as the kernel gives a new macvlan)."""
    raw = bytearray(os.urandom(6))
    raw[0] = (raw[0] & 0xfe) | 0x02
    return ':'.join('%02x' % byte for byte in raw)


class ProbeNamespace:
    """`with ProbeNamespace(host_netns) as probes:` then `probes.port(parent_index, mode)` -> (netns, name, mac)."""

    def __init__(self, host_netns):
        self.host_netns = host_netns
        self.netns = '%s%d' % (PREFIX, os.getpid())
        self._count = 0

    def __enter__(self):
        if self.netns in nl.list_namespaces():
            nl.remove_namespace(self.netns)  # left over from a killed run with this pid
        nl.create_namespace(self.netns)
        try:
            with nl.in_namespace(self.netns):
                for path, value in QUIET.items():
                    with open('/proc/sys/' + path, 'w') as handle:
                        handle.write(value)
        except Exception:
            nl.remove_namespace(self.netns)
            raise
        return self

    def __exit__(self, *exc):
        nl.remove_namespace(self.netns)  # takes every probe port with it

    def port(self, parent_index, mode):
        """A macvlan port of the host's link `parent_index` in `mode`, up, with a fresh MAC, inside the throwaway
        namespace: (netns, name, mac). Raises netlink.NetlinkError when the kernel refuses it."""
        self._count += 1
        name, mac = 'probe%d' % self._count, fresh_mac()
        fd = nl.namespace_fd(self.netns)
        try:
            with nl.Netlink(self.host_netns) as sock:
                sock.request(*nl.new_link(name, parent_index, 'macvlan', [nl.u32(IFLA_MACVLAN_MODE, MACVLAN_MODES[mode])],
                                          macaddress=mac, netns_fd=fd, up=True))
        finally:
            os.close(fd)
        return self.netns, name, mac
