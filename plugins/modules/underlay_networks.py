#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, underlay.network contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import absolute_import, division, print_function

__metaclass__ = type

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
  - The M(underlay.network.host_shim) and M(underlay.network.vlan_link) tasks of the
    C(underlay.network.host_reachability) role are driven by its result.
author:
  - underlay.network maintainers (@underlay-network)
extends_documentation_fragment:
  - underlay.network.link.ATTRIBUTES
attributes:
  diff_mode:
    support: none
    details: Nothing is ever changed, so there is nothing to diff.
options:
  networks:
    description: The network definitions.
    type: list
    elements: dict
    required: true
    suboptions:
      name:
        description: Unique name of the network (for example the Docker network's name).
        type: str
        required: true
      driver:
        description:
          - The containers' driver, also the driver of the host's shim. A parent (or VLAN sub-interface) takes
            ports of one driver only.
        type: str
        choices: [macvlan, ipvlan]
        default: macvlan
      parent:
        description:
          - The host NIC the containers sit on, for example C(eth0).
          - This, O(networks[].subnet), O(networks[].ip_range) and O(networks[].shim_address) are required,
            unless an existing Docker network (O(networks[].docker)) gives them.
        type: str
      vlan_id:
        description:
          - 802.1Q VLAN id, 1-4094. The containers and the shim then sit on the VLAN sub-interface
            C(<parent>.<vlan_id>) (for example C(eth0.50)), which the role creates. Leave it out for an untagged
            network.
        type: int
      subnet:
        description: The network's CIDR (Docker's C(--subnet)), host bits unset, for example V(198.18.240.0/20).
        type: str
      gateway:
        description: The network's router (Docker's C(--gateway)); an address inside O(networks[].subnet).
        type: str
      ip_range:
        description:
          - The containers' range (Docker's C(--ip-range)), a CIDR inside O(networks[].subnet) that leaves out the
            gateway. The host routes it through its shim.
        type: str
      shim_address:
        description:
          - The host's own address on the network, put on its shim as a /32 (/128). Inside O(networks[].subnet),
            not the gateway, and outside O(networks[].ip_range) unless O(networks[].shim_address_reserved=true).
        type: str
      shim_address_reserved:
        description:
          - Set to V(true) when O(networks[].shim_address) lies inside O(networks[].ip_range) but is kept out of
            container allocation by other means, such as Docker's C(--aux-address host=...).
        type: bool
        default: false
      shim_name:
        description:
          - Name of the host's shim link, at most 15 bytes. Default C(<name>-shim) when that fits, else the
            name cut short plus four hex digits of its hash (for example C(produ-3f1c-shim)).
        type: str
      mode:
        description:
          - The ports' mode. For macvlan V(bridge) (the default) or V(vepa) (needs a hairpin switch); V(private),
            V(passthru) and V(source) are refused because a shim cannot reach such ports.
          - For ipvlan V(l2), V(l3) or V(l3s); by default (or with V(inherit)) the shim takes the mode of the
            parent's existing ipvlan ports, and V(null) is returned.
        type: str
      metric:
        description: Metric of the route to O(networks[].ip_range) through the shim.
        type: int
        default: 0
      verify_targets:
        description:
          - Addresses inside O(networks[].subnet) the C(underlay.network.host_reachability) role pings from the
            host when asked to verify (the gateway, a container or two).
        type: list
        elements: str
        default: []
      docker:
        description:
          - Makes this a Docker network (an empty dictionary will do). The role then creates the Docker
            network with O(networks[].shim_address) reserved as its aux address C(host), unless it
            exists already; an existing one fills in every field the definition leaves out (driver, parent,
            subnet, gateway, ip_range, mode, and shim_address from its aux address C(host)), and a field both
            give must agree.
          - C(name) is the Docker network's name (default the network's O(networks[].name)); C(create=false)
            only uses a network made elsewhere and fails when it is missing.
          - Docker takes one macvlan or ipvlan network per parent interface, so two Docker networks on one
            parent fail here; give each its own O(networks[].vlan_id).
        type: dict
  docker_host:
    description: The Docker engine's unix socket, read when a network declares O(networks[].docker).
    type: str
    default: unix:///var/run/docker.sock
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

- name: The host's shim of each network (once the VLAN sub-interfaces in plan.vlans exist)
  underlay.network.host_shim:
    name: "{{ item.name }}"
    kind: "{{ item.kind }}"
    parent: "{{ item.parent }}"
    mode: "{{ item.mode | default(omit) }}"
    address: "{{ item.address }}"
    routes: "{{ item.routes }}"
    metric: "{{ item.metric }}"
  loop: "{{ plan.shims }}"
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
  description: The M(underlay.network.host_shim) parameters of each network (plus its C(network) name).
  returned: success
  type: list
  elements: dict
  sample: [{network: mynet, name: mynet-shim, kind: macvlan, parent: eth0, mode: bridge,
            address: 198.18.244.254, routes: [198.18.244.0/22], metric: 0}]
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

from ansible_collections.underlay.network.plugins.module_utils._docker import DockerClient, network_view
from ansible_collections.underlay.network.plugins.module_utils._errors import UnderlayError
from ansible_collections.underlay.network.plugins.module_utils._module import UnderlayModule
from ansible_collections.underlay.network.plugins.module_utils._networks import docker_name_of, normalise_networks


def _pyroute2():
    """pyroute2 is not needed here; report whether the link modules will find it (guarded import)."""
    try:
        from ansible_collections.underlay.network.plugins.module_utils import _netlink
    except ImportError:  # pragma: no cover - _netlink guards its own pyroute2 import
        return {'available': False, 'version': None}
    return {'available': bool(_netlink.HAS_PYROUTE2), 'version': _netlink.pyroute2_version()}


def _docker_views(networks, docker_host):
    """Each declared Docker network as Docker has it (None when missing); no Docker call without one."""
    names = sorted(set(name for name in (docker_name_of(raw) for raw in networks or []) if name))
    if not names:
        return {}
    client = DockerClient(docker_host)
    return dict((name, _view_or_none(client.network(name))) for name in names)


def _view_or_none(raw):
    return network_view(raw) if raw else None


def main():
    module = UnderlayModule(dict(
        networks=dict(type='list', elements='dict', required=True),
        docker_host=dict(type='str', default='unix:///var/run/docker.sock'),
    ), needs_pyroute2=False)  # pure validation; it reports whether pyroute2 is there instead
    try:
        views = _docker_views(module.params['networks'], module.params['docker_host'])
        result = normalise_networks(module.params['networks'], docker_views=views)
    except UnderlayError as exc:
        module.fail_from(exc)
    result['pyroute2'] = _pyroute2()
    module.exit_json(changed=False, **result)


if __name__ == '__main__':
    main()
