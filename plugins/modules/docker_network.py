#!/usr/bin/python
# Copyright: (c) 2026, underlay.network contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later


DOCUMENTATION = r'''
module: docker_network
short_description: Docker macvlan and ipvlan networks, with the aux address that reserves the host's shim
version_added: 0.1.0
description:
  - Creates, reads or removes one Docker network of the C(macvlan) or C(ipvlan) driver through the Docker
    Engine API on its unix socket (no Docker SDK for Python needed).
  - An existing network with the settings the task names is left alone (settings the task leaves out are not
    compared), and its settings are returned, so a task with only O(name) reads a network made by hand.
  - Docker cannot change a network in place. A network with other settings is refused, naming each
    difference, unless O(recreate=true); re-creating is refused while containers are attached.
  - Docker takes one macvlan or ipvlan network per parent interface. A second network on a parent is refused
    before Docker is asked, naming the network already there and pointing to the VLAN way out (a parent
    C(eth0.10), which Docker creates itself when it is missing).
  - The C(underlay.network.host_reachability) role uses this module for networks that declare C(docker).
author:
  - underlay.network maintainers (@underlay-network)
extends_documentation_fragment:
  - underlay.network.link.ATTRIBUTES
options:
  name:
    description: Name of the Docker network.
    type: str
    required: true
  state:
    description:
      - V(present) creates the network when missing (and reads it when it exists); V(absent) removes it, which
        Docker refuses while containers are attached.
    type: str
    choices: [present, absent]
    default: present
  driver:
    description: Docker network driver.
    type: str
    choices: [macvlan, ipvlan]
    default: macvlan
  parent:
    description:
      - Host interface the containers' links hang off (C(-o parent=)). A name such as C(eth0.10) makes Docker
        create that VLAN sub-interface when it is missing (and remove it with the network).
      - Required to create the network.
    type: str
  subnet:
    description: The network's subnet (C(--subnet)); required to create it.
    type: str
  gateway:
    description: The gateway containers use (C(--gateway)).
    type: str
  ip_range:
    description: The part of O(subnet) Docker hands to containers (C(--ip-range)); the host's shim routes it.
    type: str
  aux_addresses:
    description:
      - Addresses Docker must never give a container (C(--aux-address name=address)). The role reserves the
        host's shim address under the name C(host), so no container is ever given it.
    type: dict
  subnets:
    description:
      - Several subnets (C(--subnet A --subnet B), IPv4 and IPv6 side by side), each with its own gateway, ip
        range and aux addresses. IPv6 is enabled on the network when one of them is IPv6.
      - Instead of O(subnet), O(gateway), O(ip_range) and O(aux_addresses), which are the one-subnet case.
    type: list
    elements: dict
    version_added: 0.2.0
    suboptions:
      subnet:
        description: The subnet's CIDR.
        type: str
        required: true
      gateway:
        description: The gateway of this subnet.
        type: str
      ip_range:
        description: The part of this subnet Docker hands to containers.
        type: str
      aux_addresses:
        description: Addresses of this subnet Docker must never give a container.
        type: dict
  mode:
    description: C(macvlan_mode) (bridge, vepa, private, passthru) or C(ipvlan_mode) (l2, l3, l3s).
    type: str
  recreate:
    description: Remove and create the network again when its settings differ (never with containers attached).
    type: bool
    default: false
  docker_host:
    description: The Docker engine's unix socket.
    type: str
    default: unix:///var/run/docker.sock
requirements:
  - A running Docker engine on the managed host (API 1.25 or later)
seealso:
  - module: underlay.network.host_shim
'''

EXAMPLES = r'''
- name: A macvlan network whose aux address keeps the host's shim address out of Docker's hands
  underlay.network.docker_network:
    name: macvlan
    parent: eth0
    subnet: 198.18.64.0/20
    gateway: 198.18.64.1
    ip_range: 198.18.72.0/24
    aux_addresses:
      host: 198.18.72.254

- name: A second network goes on its own VLAN (Docker makes eth0.20)
  underlay.network.docker_network:
    name: macvlan20
    parent: eth0.20
    subnet: 198.18.96.0/24
    gateway: 198.18.96.1

- name: Read a network made by hand
  underlay.network.docker_network:
    name: macvlan
  register: net
'''

RETURN = r'''
network:
  description: The network as Docker has it after the task (predicted in check mode); null when absent.
  returned: always
  type: dict
  sample: {name: macvlan, id: 5b74c59125ac, driver: macvlan, parent: eth0, mode: null, ipv6: false,
           subnets: [{subnet: 198.18.64.0/20, gateway: 198.18.64.1, ip_range: 198.18.72.0/24,
                      aux_addresses: {host: 198.18.72.254}}], containers: [web1]}
changes:
  description: What was done (or would be in check mode), as small named steps.
  returned: always
  type: list
  elements: dict
  sample: [{action: create, name: macvlan}]
diff:
  description: The network's settings before and after (with C(--diff)).
  returned: when diff mode is on
  type: dict
'''

from ansible_collections.underlay.network.plugins.module_utils._common.module import run_module
from ansible_collections.underlay.network.plugins.module_utils._common.vocabulary import DEFAULT_DRIVER, DOCKER_HOST, NETWORK_DRIVERS
from ansible_collections.underlay.network.plugins.module_utils._networks.docker import DockerClient, reconcile_network


def main():
    run_module(dict(
        name=dict(type='str', required=True),
        state=dict(type='str', default='present', choices=['present', 'absent']),
        driver=dict(type='str', default=DEFAULT_DRIVER, choices=list(NETWORK_DRIVERS)),
        parent=dict(type='str'),
        subnet=dict(type='str'),
        gateway=dict(type='str'),
        ip_range=dict(type='str'),
        aux_addresses=dict(type='dict'),
        subnets=dict(type='list', elements='dict', options=dict(
            subnet=dict(type='str', required=True), gateway=dict(type='str'), ip_range=dict(type='str'),
            aux_addresses=dict(type='dict'))),
        mode=dict(type='str'),
        recreate=dict(type='bool', default=False),
        docker_host=dict(type='str', default=DOCKER_HOST),
    ), lambda module: reconcile_network(DockerClient(module.params['docker_host']), module.params, module.check_mode),
        mutually_exclusive=[('subnets', 'subnet'), ('subnets', 'gateway'), ('subnets', 'ip_range'),
                            ('subnets', 'aux_addresses')])


if __name__ == '__main__':
    main()
