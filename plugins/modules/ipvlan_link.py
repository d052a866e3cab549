#!/usr/bin/python
# Copyright: (c) 2026, underlay.network contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later


DOCUMENTATION = r'''
module: ipvlan_link
short_description: Manage ipvlan links, in any network namespace
version_added: 0.1.0
description:
  - Creates, changes and deletes an ipvlan link on a parent NIC, optionally straight inside a network
    namespace under its final name, with its mode, flag, MTU, addresses and admin state.
  - The kernel keeps the ipvlan mode and flag per parent, not per link - every ipvlan port of a parent
    shares them. This module never changes them under existing sibling ports silently; it fails and
    names the siblings unless O(change_siblings=true).
  - An ipvlan cannot share a parent with macvlan ports (the kernel answers EBUSY); the error says so.
author:
  - underlay.network maintainers (@underlay-network)
extends_documentation_fragment:
  - underlay.network.link
  - underlay.network.link.ATTRIBUTES
options:
  mode:
    description:
      - V(l2) switches frames between ports of the parent at layer 2 (one broadcast domain with the parent's
        network); V(l3) routes between ports and the parent (no broadcast, no ARP from outside; children
        in other subnets reach each other); V(l3s) is l3 with netfilter connection tracking on the ports.
      - Shared by every ipvlan port of the parent (see O(change_siblings)).
    type: str
    choices: [l2, l3, l3s]
    default: l2
  flag:
    description:
      - V(bridge) lets ports of the parent talk to each other inside the host; V(private) isolates them;
        V(vepa) sends port-to-port traffic to the external switch.
      - Shared by every ipvlan port of the parent (see O(change_siblings)).
    type: str
    choices: [bridge, private, vepa]
    default: bridge
  change_siblings:
    description:
      - Allow a O(mode) or O(flag) that differs from the parent's existing ipvlan ports, knowing that the
        kernel then changes it for every one of them. The result lists the siblings in RV(changes).
      - Siblings are looked for in the namespace the task runs in and in every named namespace
        (C(ip netns list)); namespaces without a name are not visible.
    type: bool
    default: false
'''

EXAMPLES = r'''
- name: An ipvlan l2 child of eth0 in namespace ns1
  underlay.network.ipvlan_link:
    name: eth0
    parent: eth0
    netns: ns1
    mode: l2
    addresses: [198.18.100.10/24]

- name: Switch every port of eth0 to l3 (the kernel does it for all of them)
  underlay.network.ipvlan_link:
    name: eth0
    parent: eth0
    netns: ns1
    mode: l3
    change_siblings: true
'''

RETURN = r'''
changes:
  description: The plan as small named steps, in the order applied (or, in check mode, that would be).
  returned: always
  type: list
  elements: dict
  sample: [{action: create, kind: ipvlan, name: eth0, netns: ns1}, {action: add address, attribute: addresses,
           after: 198.18.100.10/24, kind: ipvlan, name: eth0, netns: ns1}]
link:
  description: The link as the kernel has it after the task (predicted in check mode); null when absent.
  returned: always
  type: dict
  sample: {kind: ipvlan, name: eth0, netns: ns1, parent: eth0, parent_netns: null, admin_state: up, mtu: 1500,
           macaddress: "52:54:00:12:34:56", addresses: [198.18.100.10/24], mode: l2, flag: bridge, index: 2}
diff:
  description: Before and after of the normalised link.
  returned: in diff mode
  type: dict
'''

from ansible_collections.underlay.network.plugins.module_utils._common.module import run_module
from ansible_collections.underlay.network.plugins.module_utils._common.vocabulary import DEFAULT_IPVLAN_FLAG, DEFAULT_MODES, IPVLAN_FLAGS, IPVLAN_MODES
from ansible_collections.underlay.network.plugins.module_utils._kernel.netlink import PYROUTE2
from ansible_collections.underlay.network.plugins.module_utils._links.spec import LINK_ARGUMENT_SPEC, LINK_REQUIRES_PARENT
from ansible_collections.underlay.network.plugins.module_utils._reconcile.transaction import reconcile_link_module


def main():
    run_module(dict(LINK_ARGUMENT_SPEC,
                    mode=dict(type='str', default=DEFAULT_MODES['ipvlan'], choices=list(IPVLAN_MODES)),
                    flag=dict(type='str', default=DEFAULT_IPVLAN_FLAG, choices=list(IPVLAN_FLAGS)),
                    change_siblings=dict(type='bool', default=False),
                    ), reconcile_link_module('ipvlan'), requires=[PYROUTE2], required_if=[LINK_REQUIRES_PARENT])


if __name__ == '__main__':
    main()
