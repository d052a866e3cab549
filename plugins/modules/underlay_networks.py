#!/usr/bin/python
# Copyright: (c) 2026, underlay.network contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later


DOCUMENTATION = r'''
module: underlay_networks
short_description: Validate underlay network definitions and derive what the host needs for them
version_added: 0.1.0
description:
  - Checks a list of macvlan/ipvlan network definitions (what C(docker network create -d macvlan) takes, plus
    the host's shim) and returns them with every default made explicit, together with the VLAN
    sub-interfaces, the host shims and the kernel drivers they need.
  - Pure validation, nothing on the host changes; the result is never C(changed). A bad definition fails
    with a message that names the network, the field, the value and the fix, so a play that runs this first
    fails before anything is touched.
  - Besides each field, it checks the list as a whole. Duplicate names, overlapping subnets on one broadcast
    domain (the same parent and VLAN), overlapping O(networks[].ip_range) values, two drivers or two ipvlan modes on one parent
    (the kernel refuses both), and two shims with the same name or address all fail.
  - M(underlay.network.host_networks) applies the same definitions; the C(underlay.network.host_reachability)
    role and C(site.yml) run this first on every host, so a bad definition stops the run before any host changes.
author:
  - underlay.network maintainers (@underlay-network)
extends_documentation_fragment:
  - underlay.network.link.ATTRIBUTES
  - underlay.network.networks
attributes:
  diff_mode:
    support: none
    details: Nothing is ever changed, so there is nothing to diff.
options:
  docker_host:
    description: The Docker engine's unix socket, read when a network declares O(networks[].docker).
    type: str
    default: unix:///var/run/docker.sock
  podman_host:
    description:
      - Podman's service socket (for example V(unix:///run/podman/podman.sock)), used when a network declares
        O(networks[].podman). Omit it to run the C(podman) command on the host, which needs no service.
    type: str
notes:
  - The result also says whether pyroute2, which the link modules need, imports with the interpreter this
    module ran with (RV(pyroute2)), so a role can install it only when missing.
seealso:
  - module: underlay.network.host_shim
  - module: underlay.network.vlan_link
'''

EXAMPLES = r'''
- name: A Docker macvlan network on eth0 and the host's side of it
  underlay.network.underlay_networks:
    networks:
      - name: mynet
        parent: eth0
        subnet: 198.18.240.0/20
        gateway: 198.18.240.1
        ip_range: 198.18.244.0/22
        shim_address: 198.18.244.254     # Docker --aux-address host=198.18.244.254
        shim_address_reserved: true
  register: plan

- name: One network per VLAN of a trunk
  underlay.network.underlay_networks:
    networks:
      - {name: macvlan50, parent: eth0, vlan_id: 50, subnet: 198.18.50.0/24, gateway: 198.18.50.1,
         ip_range: 198.18.50.128/25, shim_address: 198.18.50.126}
      - {name: macvlan60, parent: eth0, vlan_id: 60, subnet: 198.18.60.0/24, gateway: 198.18.60.1,
         ip_range: 198.18.60.128/25, shim_address: 198.18.60.126}
  register: plan

- name: Apply them (one transaction for the whole host)
  underlay.network.host_networks:
    networks: "{{ my_networks }}"
'''

RETURN = r'''
networks:
  description: The networks with every default explicit, in the order given.
  returned: success
  type: list
  elements: dict
  sample: [{name: mynet, driver: macvlan, parent: eth0, vlan_id: null, link_parent: eth0,
            subnet: 198.18.240.0/20, gateway: 198.18.240.1, ip_range: 198.18.244.0/22,
            shim_address: 198.18.244.254, shim_address_reserved: true, shim_name: mynet-shim,
            mode: bridge, metric: 0, verify_targets: [], docker: null}]
  contains:
    link_parent:
      description: The device the containers' ports and the shim sit on, C(<parent>.<vlan_id>) or the parent.
      type: str
vlans:
  description: The VLAN sub-interfaces the networks need, once each.
  returned: success
  type: list
  elements: dict
  sample: [{name: eth0.50, parent: eth0, vlan_id: 50, networks: [macvlan50]}]
shims:
  description: Each network's shim (plus its C(network) name) - an address per subnet, a route per ip range.
  returned: success
  type: list
  elements: dict
  sample: [{network: mynet, name: mynet-shim, kind: macvlan, parent: eth0, mode: bridge,
            addresses: [198.18.244.254], routes: [198.18.244.0/22], metric: 0}]
docker_networks:
  description:
    - The Docker side of each network that declares C(docker), with whether Docker has it already and the
      M(underlay.network.docker_network) parameters to make it (only its name when it exists).
  returned: success
  type: list
  elements: dict
  sample: [{network: mynet, name: mynet, exists: false, params: {name: mynet, driver: macvlan, parent: eth0,
            subnet: 198.18.240.0/20, gateway: 198.18.240.1, ip_range: 198.18.244.0/22,
            aux_addresses: {host: 198.18.244.254}, mode: bridge}}]
podman_networks:
  description:
    - The Podman side of each network that declares C(podman), as RV(docker_networks) has the Docker side
      (without aux addresses, which Podman does not have).
  returned: success
  type: list
  elements: dict
  sample: [{network: pods, name: pods, exists: true, params: {name: pods}}]
features:
  description: Later driver capabilities the networks need (V(ipvlan_l3s) for an ipvlan network in mode l3s).
  returned: success
  type: list
  elements: str
  sample: []
drivers:
  description: The kernel modules the networks need (C(macvlan), C(ipvlan), C(8021q)).
  returned: success
  type: list
  elements: str
  sample: [macvlan, 8021q]
pyroute2:
  description: Whether pyroute2 imports with this interpreter, and its version.
  returned: success
  type: dict
  sample: {available: true, version: 0.7.2}
network:
  description: On failure, the name of the network at fault (its list index when it has no name).
  returned: failure
  type: raw
field:
  description: On failure, the field at fault.
  returned: failure
  type: str
'''

from ansible_collections.underlay.network.plugins.module_utils._common.module import run_module
from ansible_collections.underlay.network.plugins.module_utils._common.vocabulary import DOCKER_HOST
from ansible_collections.underlay.network.plugins.module_utils._kernel import netlink
from ansible_collections.underlay.network.plugins.module_utils._site.plan import network_plan


def _validate(module):
    result = network_plan(module.params['networks'], module.params['docker_host'], module.params['podman_host'],
                          run_command=module.run_command)
    # pyroute2 is not needed here: say whether the link modules will find it
    result['pyroute2'] = {'available': netlink.HAS_PYROUTE2, 'version': netlink.pyroute2_version()}
    return dict(result, changed=False)


def main():
    run_module(dict(
        networks=dict(type='list', elements='dict', required=True),
        docker_host=dict(type='str', default=DOCKER_HOST),
        podman_host=dict(type='str'),
    ), _validate)


if __name__ == '__main__':
    main()
