#!/usr/bin/python
# Copyright: (c) 2026, underlay.network contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later


DOCUMENTATION = r'''
module: vlan_link
short_description: Manage 802.1Q / 802.1ad VLAN sub-interfaces
version_added: 0.1.0
description:
  - Creates, changes and deletes a VLAN sub-interface of a parent NIC (a trunk port), with its flags,
    QoS maps, MTU, addresses and admin state, optionally inside a network namespace.
  - The kernel silently ignores a new VLAN id or protocol on an existing link, so changing either needs
    O(recreate=true). Flags and QoS maps change in place and are read back.
author:
  - underlay.network maintainers (@underlay-network)
extends_documentation_fragment:
  - underlay.network.link
  - underlay.network.link.ATTRIBUTES
options:
  name:
    description:
      - Defaults to C(<parent>.<vlan_id>), for example C(eth0.10).
  vlan_id:
    description: The VLAN id, 1-4094. Required when O(state=present).
    type: int
  protocol:
    description: The tag protocol; V(802.1ad) is the outer tag of QinQ.
    type: str
    choices: [802.1Q, 802.1ad]
    default: 802.1Q
  reorder_hdr:
    description: Hand frames to the stack as if untagged (the kernel's C(ip link) default).
    type: bool
    default: true
  gvrp:
    description: Register the VLAN with GVRP.
    type: bool
    default: false
  mvrp:
    description: Register the VLAN with MVRP.
    type: bool
    default: false
  loose_binding:
    description: Do not follow the parent's operational state.
    type: bool
    default: false
  ingress_qos_map:
    description:
      - Exact map of received 802.1p priority (0-7) to the Linux skb priority, for example a mapping of 5 to 3.
        Entries not listed are cleared. Omit to leave the map alone.
    type: dict
  egress_qos_map:
    description:
      - Exact map of the Linux skb priority to the 802.1p priority (0-7) sent, for example a mapping of 3 to 5.
        Entries not listed are cleared. Omit to leave the map alone.
    type: dict
'''

EXAMPLES = r'''
- name: VLAN 10 and 20 on a trunk
  underlay.network.vlan_link:
    parent: eth0
    vlan_id: "{{ item }}"
  loop: [10, 20]

- name: An 802.1ad outer tag with a QoS map, inside a namespace
  underlay.network.vlan_link:
    name: qinq100
    parent: eth1
    vlan_id: 100
    protocol: 802.1ad
    egress_qos_map: {0: 1, 6: 6}
    netns: edge
'''

RETURN = r'''
changes:
  description: The plan as small named steps, in the order applied (or, in check mode, that would be).
  returned: always
  type: list
  elements: dict
  sample: [{action: set egress_qos_map, attribute: egress_qos_map, before: [], after: [[0, 1]], kind: vlan,
           name: eth0.10, netns: null}]
link:
  description: The link as the kernel has it after the task (predicted in check mode); null when absent.
  returned: always
  type: dict
  sample: {kind: vlan, name: eth0.10, netns: null, parent: eth0, parent_netns: null, admin_state: up, mtu: 1500,
           macaddress: "52:54:00:12:34:56", addresses: [], vlan_id: 10, protocol: 802.1Q, reorder_hdr: true,
           gvrp: false, mvrp: false, loose_binding: false, ingress_qos_map: [], egress_qos_map: [], index: 7}
diff:
  description: Before and after of the normalised link.
  returned: in diff mode
  type: dict
'''

from ansible_collections.underlay.network.plugins.module_utils._common.module import run_module
from ansible_collections.underlay.network.plugins.module_utils._common.vocabulary import DEFAULT_VLAN_PROTOCOL, VLAN_PROTOCOLS
from ansible_collections.underlay.network.plugins.module_utils._kernel.netlink import PYROUTE2
from ansible_collections.underlay.network.plugins.module_utils._links.spec import LINK_ARGUMENT_SPEC, LINK_REQUIRES_PARENT
from ansible_collections.underlay.network.plugins.module_utils._reconcile.transaction import reconcile_link_module


def main():
    run_module(dict(LINK_ARGUMENT_SPEC,
                    vlan_id=dict(type='int'),
                    protocol=dict(type='str', default=DEFAULT_VLAN_PROTOCOL, choices=list(VLAN_PROTOCOLS)),
                    reorder_hdr=dict(type='bool', default=True),
                    gvrp=dict(type='bool', default=False),
                    mvrp=dict(type='bool', default=False),
                    loose_binding=dict(type='bool', default=False),
                    ingress_qos_map=dict(type='dict'),
                    egress_qos_map=dict(type='dict'),
                    ), reconcile_link_module('vlan'), requires=[PYROUTE2], required_if=[LINK_REQUIRES_PARENT, ('state', 'present', ('vlan_id',))])


if __name__ == '__main__':
    main()
