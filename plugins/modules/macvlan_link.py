#!/usr/bin/python
# Copyright: (c) 2026, underlay.network contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later


DOCUMENTATION = r'''
module: macvlan_link
short_description: Manage macvlan links, in any network namespace
version_added: 0.1.0
description:
  - Creates, changes and deletes a macvlan link on a parent NIC, optionally straight inside a
    network namespace under its final name, with its MAC, MTU, addresses and admin state.
  - Idempotent against the live kernel; check mode and diff mode supported.
author:
  - underlay.network maintainers (@underlay-network)
extends_documentation_fragment:
  - underlay.network.link
  - underlay.network.link.ATTRIBUTES
options:
  mode:
    description:
      - The macvlan mode. V(bridge) (the default here, unlike the kernel's V(vepa)) lets children of one
        parent talk to each other inside the host; V(private) isolates them; V(vepa) sends everything
        to the external switch; V(passthru) gives the single child the whole parent; V(source) accepts
        only frames from O(source_macs).
      - Switching into or out of V(passthru) needs O(recreate=true); the other modes change in place.
    type: str
    choices: [private, vepa, bridge, passthru, source]
    default: bridge
  macaddress:
    description:
      - Unicast MAC address of the link. Random (kernel-chosen) when omitted, and then left alone.
    type: str
  source_macs:
    description:
      - With O(mode=source), the exact list of source MAC addresses the link accepts frames from.
    type: list
    elements: str
  nopromisc:
    description:
      - With O(mode=passthru), do not put the parent into promiscuous mode.
    type: bool
'''

EXAMPLES = r'''
- name: A container's eth0 - a macvlan child of the host's eth0, inside namespace net1
  underlay.network.macvlan_link:
    name: eth0
    parent: eth0
    netns: net1
    mode: bridge
    addresses: [198.18.248.10/20]

- name: A child whose parent is itself in a namespace (a lab "host")
  underlay.network.macvlan_link:
    name: c1
    parent: eth0
    parent_netns: lab-host1
    netns: lab-c1
    mtu: 1400
    macaddress: "02:00:5e:10:00:01"

- name: Switch a passthru child to bridge mode (needs a re-create)
  underlay.network.macvlan_link:
    name: vm0
    parent: ens2f1
    mode: bridge
    recreate: true

- name: Remove it
  underlay.network.macvlan_link:
    name: eth0
    netns: net1
    state: absent
'''

RETURN = r'''
changes:
  description: The plan as small named steps, in the order applied (or, in check mode, that would be).
  returned: always
  type: list
  elements: dict
  sample: [{action: set mode, attribute: mode, before: vepa, after: bridge, kind: macvlan, name: eth0, netns: net1}]
link:
  description: The link as the kernel has it after the task (predicted in check mode); null when absent.
  returned: always
  type: dict
  sample: {kind: macvlan, name: eth0, netns: net1, parent: eth0, parent_netns: null, admin_state: up, mtu: 1500,
           macaddress: "02:00:5e:10:00:01", addresses: [198.18.248.10/20], mode: bridge, nopromisc: null,
           source_macs: null, index: 2}
diff:
  description: Before and after of the normalised link.
  returned: in diff mode
  type: dict
'''

from ansible_collections.underlay.network.plugins.module_utils._common.module import run_module
from ansible_collections.underlay.network.plugins.module_utils._common.vocabulary import DEFAULT_MODES, MACVLAN_MODES
from ansible_collections.underlay.network.plugins.module_utils._kernel.netlink import PYROUTE2
from ansible_collections.underlay.network.plugins.module_utils._links.spec import LINK_ARGUMENT_SPEC, LINK_REQUIRES_PARENT
from ansible_collections.underlay.network.plugins.module_utils._reconcile.transaction import reconcile_link_module


def main():
    run_module(dict(LINK_ARGUMENT_SPEC,
                    mode=dict(type='str', default=DEFAULT_MODES['macvlan'], choices=list(MACVLAN_MODES)),
                    macaddress=dict(type='str'),
                    source_macs=dict(type='list', elements='str'),
                    nopromisc=dict(type='bool'),
                    ), reconcile_link_module('macvlan'), requires=[PYROUTE2], required_if=[LINK_REQUIRES_PARENT])


if __name__ == '__main__':
    main()
