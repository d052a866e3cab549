#!/usr/bin/python
# Copyright: (c) 2026, underlay.network contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later


DOCUMENTATION = r'''
module: netns
short_description: Manage named network namespaces
version_added: 0.1.0
description:
  - Creates or removes a named network namespace (the kind C(ip netns) shows, under C(/var/run/netns))
    and brings its loopback up.
  - Check mode never creates the namespace (pyroute2 would create a missing one on first use).
author:
  - underlay.network maintainers (@underlay-network)
extends_documentation_fragment:
  - underlay.network.link.ATTRIBUTES
options:
  name:
    description: Name of the namespace.
    type: str
    required: true
  state:
    description:
      - V(present) creates it when missing; V(absent) removes it. Links inside a removed namespace are
        destroyed with it by the kernel (unless a process still holds the namespace).
    type: str
    choices: [present, absent]
    default: present
  loopback_up:
    description: Bring C(lo) up inside the namespace (containers expect it).
    type: bool
    default: true
requirements:
  - pyroute2 >= 0.7.2 on the managed host
'''

EXAMPLES = r'''
- name: Two namespaces that stand in for containers
  underlay.network.netns:
    name: "{{ item }}"
  loop: [net1, net2]

- name: Remove one
  underlay.network.netns:
    name: net2
    state: absent
'''

RETURN = r'''
namespace:
  description: The namespace as the kernel has it after the task (predicted in check mode); null when absent.
  returned: always
  type: dict
  sample: {name: net1, links: [{name: lo, kind: loopback, index: 1, admin_state: up},
           {name: eth0, kind: macvlan, index: 2, admin_state: up}]}
changes:
  description: The plan as small named steps.
  returned: always
  type: list
  elements: dict
  sample: [{action: create, netns: net1}, {action: set admin_state, netns: net1, name: lo, before: down, after: up}]
'''

from ansible_collections.underlay.network.plugins.module_utils._common.module import run_module
from ansible_collections.underlay.network.plugins.module_utils._kernel.netlink import PYROUTE2
from ansible_collections.underlay.network.plugins.module_utils._reconcile.namespace import reconcile_namespace


def main():
    run_module(dict(
        name=dict(type='str', required=True),
        state=dict(type='str', default='present', choices=['present', 'absent']),
        loopback_up=dict(type='bool', default=True),
    ), lambda module: reconcile_namespace(module.params['name'], module.params['state'], module.params['loopback_up'],
                                          module.check_mode), requires=[PYROUTE2])


if __name__ == '__main__':
    main()
