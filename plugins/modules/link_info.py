#!/usr/bin/python
# Copyright: (c) 2026, underlay.network contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later


DOCUMENTATION = r'''
module: link_info
short_description: Read the links of a network namespace as the kernel has them
version_added: 0.1.0
description:
  - Reads every link of one network namespace over netlink (one link dump, one address dump) and returns
    each in the same shape the link modules return, with the driver options of macvlan, macvtap, ipvlan,
    ipvtap and vlan links decoded.
  - Changes nothing. Use it to check what a play left behind, for example that no macvlan, ipvlan or vlan
    device is left after C(playbooks/teardown.yml).
author:
  - underlay.network maintainers (@underlay-network)
attributes:
  check_mode:
    support: full
    description: Reads only, so it runs the same in check mode.
  diff_mode:
    support: none
    description: Reports no changes.
  idempotent:
    support: full
    description: Never changes anything.
options:
  netns:
    description: Named network namespace to read; the namespace the task runs in when left out.
    type: str
  kinds:
    description: Only links of these kinds (C(macvlan), C(ipvlan), C(vlan), C(veth) and so on).
    type: list
    elements: str
  names:
    description: Only links with these names.
    type: list
    elements: str
requirements:
  - pyroute2 >= 0.7.2 on the managed host
'''

EXAMPLES = r'''
- name: Every macvlan, ipvlan and vlan device left on the host
  underlay.network.link_info:
    kinds: [macvlan, ipvlan, vlan]
  register: leftovers

- name: Nothing of ours is left
  ansible.builtin.assert:
    that: leftovers.links | map(attribute='name') | select('match', '.*-shim$') | list | length == 0

- name: What a container namespace holds
  underlay.network.link_info:
    netns: net1
'''

RETURN = r'''
exists:
  description: Whether the namespace exists (false gives an empty list of links).
  returned: always
  type: bool
  sample: true
links:
  description:
    - The links, by index, with C(kind), C(name), C(netns), C(parent), C(parent_netns), C(admin_state), C(mtu),
      C(macaddress), C(addresses) (IPv6 link-local ones left out) and C(index), plus the driver's options
      (C(mode) for macvlan and ipvlan, C(flag) for ipvlan, C(vlan_id), C(protocol) and the flags for vlan).
    - C(parent) is null when the parent lives in a namespace other than this one and the root namespace.
  returned: always
  type: list
  elements: dict
  sample: [{kind: macvlan, name: lab-shim, netns: null, parent: eth0, parent_netns: null, admin_state: up,
            mtu: 1500, macaddress: "02:42:c6:12:00:fe", addresses: [198.18.1.254/32], index: 7,
            mode: bridge, nopromisc: null, source_macs: null}]
'''

from ansible_collections.underlay.network.plugins.module_utils._common.module import run_module
from ansible_collections.underlay.network.plugins.module_utils._kernel.netlink import PYROUTE2
from ansible_collections.underlay.network.plugins.module_utils._reconcile.read import describe_links


def _links(module):
    links = describe_links(module.params['netns'], module.params['kinds'], module.params['names'])
    return {'changed': False, 'exists': links is not None, 'links': links or []}


def main():
    run_module(dict(
        netns=dict(type='str'),
        kinds=dict(type='list', elements='str'),
        names=dict(type='list', elements='str'),
    ), _links, requires=[PYROUTE2])


if __name__ == '__main__':
    main()
