#!/usr/bin/python
# Copyright: (c) 2026, underlay.network contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later


DOCUMENTATION = r'''
module: host_shim
short_description: Let a host reach its own macvlan/ipvlan containers
version_added: 0.1.0
description:
  - A host cannot talk to its own macvlan or ipvlan children through the parent NIC, because the driver hands
    the children's traffic to each other and to the wire, never up the parent. The fix is a "shim", a
    macvlan (or ipvlan) port of the host itself on the same parent, with a host address and on-link
    routes to the container ranges. This module manages all three, idempotently, and survives what the
    four hand-typed C(ip) commands do not (a re-created parent is repaired on the next run).
  - With an IPv6 O(address), a macvlan shim or an ipvlan shim in mode l2 also answers the containers' neighbour
    solicitations for the parent's own global IPv6 addresses (proxy entries, C(proxy_ndp) and C(forwarding) on
    the shim alone), so the containers reach the host's main IPv6 address as they reach its IPv4 one.
  - O(state=absent) removes the routes first, then the link. Routes are marked with their own protocol
    number (209), so routes the module did not create are never removed.
author:
  - underlay.network maintainers (@underlay-network)
extends_documentation_fragment:
  - underlay.network.link.ATTRIBUTES
options:
  name:
    description: Name of the shim link, at most 15 bytes.
    type: str
    required: true
  parent:
    description: The NIC (or VLAN sub-interface) the containers' macvlan/ipvlan ports sit on. Required when O(state=present).
    type: str
  kind:
    description: The shim's driver; it must be the containers' driver (a parent takes ports of one driver only).
    type: str
    choices: [macvlan, ipvlan]
    default: macvlan
  mode:
    description:
      - For O(kind=macvlan), the macvlan mode, V(bridge) unless told otherwise (the kernel's default V(vepa)
        cannot talk to bridge-mode children).
      - For O(kind=ipvlan), the ipvlan mode. The kernel keeps it per parent, so by default the shim inherits
        the mode of the parent's existing ipvlan ports (V(l2) when there are none); a different mode is
        refused, naming the ports.
    type: str
    choices: [bridge, private, vepa, passthru, source, l2, l3, l3s]
  address:
    description:
      - The host's address on the shim, for example the Docker network's aux address C(host). A bare address
        means /32 (/128 for IPv6). Required when O(state=present).
    type: str
  routes:
    description:
      - The container ranges the host reaches through the shim (for example the Docker network's C(ip_range)),
        as on-link routes via the shim. Exact set of the routes this module owns on the shim.
    type: list
    elements: str
    default: []
  metric:
    description: Metric (priority) of the routes.
    type: int
    default: 0
  netns:
    description: Named network namespace of the parent and the shim. Omit for the namespace the task runs in.
    type: str
  state:
    description: V(present) or V(absent).
    type: str
    choices: [present, absent]
    default: present
  change_siblings:
    description:
      - With O(kind=ipvlan), allow a O(mode) that differs from the parent's existing ipvlan ports, knowing the
        kernel then changes it for all of them (see M(underlay.network.ipvlan_link)).
    type: bool
    default: false
  allow_overlap:
    description:
      - By default the module refuses a route that contains the default gateway or the parent's own address,
        and an O(address) that another link of the host already has. Set this to allow them anyway.
    type: bool
    default: false
requirements:
  - pyroute2 >= 0.7.2 on the managed host
  - Linux with the macvlan (or ipvlan) driver; root or C(CAP_NET_ADMIN)
'''

EXAMPLES = r'''
- name: The host reaches the containers of the Docker macvlan network on eth0
  underlay.network.host_shim:
    name: mynet-shim
    parent: eth0
    address: 198.18.244.254          # the network's aux address "host"
    routes: [198.18.244.0/22]        # the network's ip range

- name: One shim per VLAN sub-interface
  underlay.network.host_shim:
    name: "macvlan{{ item.vlan }}-shim"
    parent: "eth0.{{ item.vlan }}"
    address: "{{ item.host }}"
    routes: ["{{ item.range }}"]
  loop:
    - {vlan: 10, host: 198.18.10.254, range: 198.18.10.0/24}
    - {vlan: 20, host: 198.18.20.254, range: 198.18.20.0/24}

- name: An ipvlan shim (mode inherited from the containers' ports)
  underlay.network.host_shim:
    name: ipvlan-shim
    kind: ipvlan
    parent: eth0
    address: 198.18.248.222
    routes: [198.18.248.0/24, 198.18.244.0/24]

- name: Remove it (routes first, then the link)
  underlay.network.host_shim:
    name: mynet-shim
    state: absent
'''

RETURN = r'''
link:
  description: The shim link as the kernel has it after the task (predicted in check mode); null when absent.
  returned: always
  type: dict
  sample: {kind: macvlan, name: mynet-shim, netns: null, parent: eth0, admin_state: up, mode: bridge,
           addresses: [198.18.244.254/32], mtu: 1500, macaddress: "6a:2f:0e:11:22:33", index: 12}
address:
  description: The host's shim address with its prefix; null when absent.
  returned: always
  type: str
  sample: 198.18.244.254/32
routes:
  description: The routes the module manages on the shim after the task.
  returned: always
  type: list
  elements: str
  sample: [198.18.244.0/22]
changes:
  description: The plan as small named steps (link steps, then route steps).
  returned: always
  type: list
  elements: dict
  sample: [{action: create, kind: macvlan, name: mynet-shim, netns: null},
           {action: add route, route: 198.18.244.0/22, name: mynet-shim, netns: null, metric: 0}]
diff:
  description: Before and after of the shim (link and routes).
  returned: in diff mode
  type: dict
'''

from ansible_collections.underlay.network.plugins.module_utils._common.module import run_module
from ansible_collections.underlay.network.plugins.module_utils._common.vocabulary import DEFAULT_DRIVER, NETWORK_DRIVERS, mode_choices
from ansible_collections.underlay.network.plugins.module_utils._host.shim import reconcile_shim
from ansible_collections.underlay.network.plugins.module_utils._kernel.netlink import PYROUTE2


def main():
    run_module(dict(
        name=dict(type='str', required=True),
        parent=dict(type='str'),
        kind=dict(type='str', default=DEFAULT_DRIVER, choices=list(NETWORK_DRIVERS)),
        mode=dict(type='str', choices=mode_choices(*NETWORK_DRIVERS)),
        address=dict(type='str'),
        routes=dict(type='list', elements='str', default=[]),
        metric=dict(type='int', default=0),
        netns=dict(type='str'),
        state=dict(type='str', default='present', choices=['present', 'absent']),
        allow_overlap=dict(type='bool', default=False),
        change_siblings=dict(type='bool', default=False),
    ), lambda module: reconcile_shim(module.params, module.check_mode), requires=[PYROUTE2],
        required_if=[('state', 'present', ('parent', 'address'))])


if __name__ == '__main__':
    main()
