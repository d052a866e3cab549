# Copyright: (c) 2026, underlay.network contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later


class ModuleDocFragment:

    # The network definitions host_networks and underlay_networks take (module_utils/_networks/options.py
    # NETWORK_OPTIONS is the argument spec each definition is validated with; a unit test compares the two).
    DOCUMENTATION = r'''
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
            unless an existing Docker or Podman network (O(networks[].docker), O(networks[].podman)) or a CNI
            configuration (O(networks[].cni)) gives them.
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
      subnets:
        description:
          - Several subnets on the one network, as C(docker network create --subnet A --subnet B) takes them;
            IPv4 and IPv6 side by side make a dual-stack network.
          - The network gets one shim with one host address per subnet (a /32 or /128) and a route to each
            subnet's O(networks[].subnets[].ip_range). A Docker network is made with every subnet (IPv6 enabled
            when one is IPv6).
          - Instead of O(networks[].subnet), O(networks[].gateway), O(networks[].ip_range) and
            O(networks[].shim_address), which are the one-subnet case.
        type: list
        elements: dict
        version_added: 0.2.0
        suboptions:
          subnet:
            description: The subnet's CIDR, host bits unset.
            type: str
            required: true
          gateway:
            description: The subnet's router, inside it.
            type: str
          ip_range:
            description: The containers' part of the subnet; the host routes it through its shim.
            type: str
          shim_address:
            description: The host's address in this subnet, put on the shim as a /32 or /128.
            type: str
      shim_address_reserved:
        description:
          - Set to V(true) when O(networks[].shim_address) lies inside O(networks[].ip_range) but is kept out of
            container allocation by other means, as Docker does with C(--aux-address host=...).
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
        choices: [bridge, vepa, private, passthru, source, l2, l3, l3s, inherit]
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
          - Docker takes one macvlan or ipvlan network per parent interface, so two Docker networks on one
            parent fail here; give each its own O(networks[].vlan_id).
        type: dict
        suboptions:
          name:
            description: The Docker network's name; default the network's O(networks[].name).
            type: str
          create:
            description: V(false) only uses a network made elsewhere, and fails when it is missing.
            type: bool
            default: true
      podman:
        description:
          - Makes this a Podman network, as O(networks[].docker) does for Docker (an empty dictionary will do).
            The role creates it when missing (driver, mode, parent, every subnet with its gateway, and
            O(networks[].ip_range) as the range Podman leases container addresses from), labelled as this
            collection's; an existing one fills in every field the definition leaves out except
            O(networks[].shim_address), and a field both give must agree.
          - Podman has no auxiliary addresses, so O(networks[].shim_address) must lie outside
            O(networks[].ip_range). Podman takes several networks on one parent.
          - Podman before 4.5 cannot make an ipvlan network on a given parent (netavark has no ipvlan, the CNI
            backend refuses the parent option); creating one is refused before anything changes, saying why. An
            ipvlan network made by hand with the CNI backend (on the NIC of the default route) is derived - give
            O(networks[].parent) and O(networks[].podman.create=false).
        type: dict
        suboptions:
          name:
            description: The Podman network's name; default the network's O(networks[].name).
            type: str
          create:
            description: V(false) only uses a network made elsewhere, and fails when it is missing.
            type: bool
            default: true
      cni:
        description:
          - Takes the driver, parent, mode and subnets from a CNI network configuration, as a Kubernetes node
            (Multus) or a CNI runtime gives it to pods - the macvlan or ipvlan plugin (C(master), C(mode)) with
            host-local (C(ranges) or C(subnet), C(rangeStart), C(rangeEnd), C(gateway)), static
            (C(addresses)) or whereabouts (C(range), C(range_start), C(range_end), C(exclude), C(ipRanges))
            IPAM. Give exactly one of O(networks[].cni.file) and O(networks[].cni.config).
          - Each range becomes O(networks[].ip_range), the smallest prefix that holds it. No CNI IPAM
            reserves an address for the host, so O(networks[].shim_address) is required and must lie outside
            every range.
          - The collection never changes the CNI configuration; removing the pods is the runtime's job.
        type: dict
        suboptions:
          file:
            description:
              - A C(.conflist) or C(.conf) on the managed host, for example under C(/etc/cni/net.d/) or
                C(/etc/cni/multus/net.d/). The first plugin of a conflist must be macvlan or ipvlan; the
                others may only be C(tuning), C(portmap), C(bandwidth), C(firewall) or C(sbr).
            type: str
          config:
            description:
              - The configuration itself, as a dictionary or a JSON string - what a Multus
                NetworkAttachmentDefinition's C(spec.config) holds. A whole NetworkAttachmentDefinition
                (as C(kubernetes.core.k8s_info) returns it) is taken too.
            type: raw
'''
