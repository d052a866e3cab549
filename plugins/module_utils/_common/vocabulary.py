# Copyright: (c) 2026, underlay.network contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""The collection's words for drivers, modes and ownership, said once.

Kernel numbers stay with the code that encodes them (_netlink for rtnetlink, _kinds for each
driver's IFLA_INFO_DATA); what a user writes, and what marks an object as ours, lives here.
"""

from __future__ import annotations


# the drivers an underlay network (and Docker's driver of the same name) puts containers on
NETWORK_DRIVERS = ('macvlan', 'ipvlan')
# the link kinds whose ports hold a parent: a parent takes ports of one driver family only (EBUSY)
PORT_KINDS = ('macvlan', 'macvtap', 'ipvlan', 'ipvtap')

MACVLAN_MODES = ('private', 'vepa', 'bridge', 'passthru', 'source')
IPVLAN_MODES = ('l2', 'l3', 'l3s')
SHIM_MODES = {'macvlan': MACVLAN_MODES, 'ipvlan': IPVLAN_MODES}
# the modes a host shim can reach containers in (a macvlan shim in private, passthru or source mode cannot)
NETWORK_MODES = {'macvlan': ('bridge', 'vepa'), 'ipvlan': IPVLAN_MODES}

# the kernel module behind each link kind (what kernel_modules loads and errors name)
KERNEL_MODULES = {'macvlan': 'macvlan', 'macvtap': 'macvtap', 'ipvlan': 'ipvlan', 'ipvtap': 'ipvtap',
                  'vlan': '8021q', 'dummy': 'dummy', 'veth': 'veth'}

# Ownership lives on the objects: IFLA_IFALIAS of the links we create, a label on Docker networks,
# and (in _netlink) protocol 209 on our routes.
OWNER_MARK = 'underlay.network'
DOCKER_LABEL = 'underlay.network.managed'
