#!/usr/bin/python
# Copyright: (c) 2026, underlay.network contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later


DOCUMENTATION = r'''
module: promisc
short_description: Set or clear promiscuous mode on a link
version_added: 0.1.0
description:
  - Turns the promiscuous flag of a link on or off, the way C(ip link set NAME promisc on|off) does, over
    netlink. A macvlan or ipvlan parent that must receive frames for its children's MAC addresses (VMs
    behind a hypervisor's vSwitch, some NICs) needs it.
  - The flag is read from one netlink link dump, set with one request and read back.
  - The module manages the flag a user sets (C(IFF_PROMISC)). The kernel's promiscuity counter also counts
    internal users such as a bridge port; it is returned as RV(link.promiscuity) but not managed.
  - The flag does not survive a reboot; the C(underlay.network.promisc) role also installs a systemd unit
    that sets it at boot.
author:
  - underlay.network maintainers (@underlay-network)
extends_documentation_fragment:
  - underlay.network.link.ATTRIBUTES
options:
  name:
    description: Name of the link in O(netns).
    type: str
    required: true
  netns:
    description:
      - Named network namespace the link lives in (as C(ip netns list) shows it). Omit for the namespace the
        task runs in.
      - In check mode a missing namespace or link is assumed to be created by an earlier task (with a warning).
    type: str
  state:
    description: V(on) sets the promiscuous flag, V(off) clears it.
    type: str
    choices: ['on', 'off']
    default: 'on'
requirements:
  - pyroute2 >= 0.7.2 on the managed host
  - root or C(CAP_NET_ADMIN)
seealso:
  - module: underlay.network.macvlan_link
'''

EXAMPLES = r'''
- name: The macvlan parent receives frames for every MAC address
  underlay.network.promisc:
    name: eth0

- name: Inside a lab namespace
  underlay.network.promisc:
    name: up0
    netns: lab-host

- name: Off again
  underlay.network.promisc:
    name: eth0
    state: 'off'
'''

RETURN = r'''
link:
  description: The link as the kernel has it after the task (predicted in check mode).
  returned: always
  type: dict
  contains:
    name:
      description: Link name.
      type: str
    netns:
      description: Its namespace; null for the one the task runs in.
      type: str
    index:
      description: Interface index.
      type: int
    promisc:
      description: The user's promiscuous flag (C(IFF_PROMISC)).
      type: bool
    promiscuity:
      description: The kernel's promiscuity counter (the flag plus internal users such as a bridge).
      type: int
    admin_state:
      description: V(up) or V(down).
      type: str
    kind:
      description: Link kind (null for physical NICs).
      type: str
  sample: {name: eth0, netns: null, index: 2, kind: null, promisc: true, promiscuity: 1, admin_state: up}
changes:
  description: The plan (empty when the flag already was as asked).
  returned: always
  type: list
  elements: dict
  sample: [{action: set promisc, name: eth0, netns: null, before: 'off', after: 'on'}]
systemd_instance:
  description: The link name escaped as a systemd template instance (C(systemd-escape NAME)), for C(underlay-promisc@INSTANCE.service).
  returned: always
  type: str
  sample: br\x2dlan
'''

from ansible_collections.underlay.network.plugins.module_utils._common.module import run_module
from ansible_collections.underlay.network.plugins.module_utils._kernel.netlink import PYROUTE2
from ansible_collections.underlay.network.plugins.module_utils._reconcile.promisc import reconcile_promisc


def main():
    run_module(dict(
        name=dict(type='str', required=True),
        netns=dict(type='str'),
        state=dict(type='str', default='on', choices=['on', 'off']),
    ), lambda module: reconcile_promisc(module.params['name'], module.params['netns'], module.params['state'],
                                        module.check_mode), requires=[PYROUTE2])


if __name__ == '__main__':
    main()
