#!/usr/bin/python
# Copyright: (c) 2026, underlay.network contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later


DOCUMENTATION = r'''
module: host_networks
short_description: A host's whole side of its underlay networks in one transaction, rolled back on failure
version_added: 0.2.0
description:
  - Brings the host side of every network in O(networks) to the declared state in one run - the VLAN
    sub-interfaces they sit on, one shim per network (the host's macvlan or ipvlan port with one address per
    subnet and a route to each container range), the Docker networks, and the network sysctls of the host's
    namespace - then checks the result with the reachability gate (O(networks[].verify_targets)).
  - A network with an IPv6 subnet reaches the host's own IPv6 addresses too, as it reaches its IPv4 ones. A
    macvlan shim or an ipvlan shim in mode l2 answers the containers' neighbour solicitations for the global
    IPv6 addresses its parent has (a proxy entry per address, and C(proxy_ndp) and C(forwarding) on the shim
    alone, never on the whole host). An ipvlan l3 or l3s shim needs none of it. The entries follow the parent's
    addresses at every run; they go with the shim.
  - It reads the namespace once (links, addresses, routes) and plans every change before it makes any. Bad
    input, an unsafe route (over the default gateway, the parent's own address, or the address Ansible
    connects from) and kernel refusals it can foresee fail before anything changes.
  - The run is one transaction. When a step fails (the kernel refuses a change, Docker refuses a network,
    a sysctl does not take, a verify target does not answer), everything the run did is put back - links it
    created deleted, attributes, addresses and routes it changed set back, Docker networks it created
    removed, sysctls written back - and the error says what failed and what was put back.
  - What it creates carries a mark where it lives - C(underlay.network) as the link's alias
    (C(ip link show) shows it), protocol 209 on routes, a label on Docker networks - and O(state=absent)
    removes only what carries the mark. Devices of others are left alone and listed in RV(left).
  - Two runs on the same namespace at the same time (two AWX jobs) queue on a lock instead of interleaving.
  - The C(underlay.network.host_reachability) role runs this module for a fleet.
author:
  - underlay.network maintainers (@underlay-network)
extends_documentation_fragment:
  - underlay.network.link.ATTRIBUTES
  - underlay.network.networks
options:
  state:
    description:
      - V(present) makes the host side of the networks; V(absent) removes the shims, the VLAN sub-interfaces
        and the Docker and Podman networks of these networks that carry this collection's mark.
    type: str
    choices: [present, absent]
    default: present
  netns:
    description: Named network namespace of the host's NICs. Omit for the namespace the task runs in.
    type: str
  docker_host:
    description: The Docker engine's unix socket, used when a network declares O(networks[].docker).
    type: str
    default: unix:///var/run/docker.sock
  podman_host:
    description:
      - Podman's service socket (for example V(unix:///run/podman/podman.sock)), used when a network declares
        O(networks[].podman). Omit it to run the C(podman) command on the host (in O(netns) when given), which
        needs no service.
    type: str
  sysctls:
    description:
      - Network sysctls to set in O(netns) at runtime (only C(net.*) keys, which are per namespace), for
        example C(net.ipv4.ip_forward). Keys are dotted (a C(/) stands for a C(.) inside a name, as
        C(sysctl) writes them) or paths under C(/proc/sys) such as C(net/ipv4/conf/eth0.10/rp_filter).
      - Part of the transaction; nothing is set with O(state=absent).
    type: dict
    default: {}
  allow_overlap:
    description:
      - Allow a shim route that contains the default gateway, the parent's own address or the controller's
        address, and a shim address another link already has. Only for layouts that need it.
    type: bool
    default: false
  controller_address:
    description:
      - The address(es) the controller reaches this host from. A shim route must not capture them (Ansible
        would lose the host mid-run). Default the peer address of the SSH session the module runs in, when
        there is one (C(SSH_CONNECTION)).
    type: list
    elements: str
  verify:
    description: Run the reachability gate (ping every O(networks[].verify_targets) after applying).
    type: bool
    default: true
  verify_timeout:
    description: Seconds the reachability gate waits for every target to answer.
    type: float
    default: 3
  on_unreachable:
    description:
      - What a verify target that does not answer does. V(rollback) puts the host back and fails; V(warn)
        keeps the change and warns.
    type: str
    choices: [rollback, warn]
    default: rollback
  lock_timeout:
    description: Seconds to wait for another run on the same namespace to finish before failing, naming it.
    type: int
    default: 120
  persist:
    description:
      - How the host keeps the networks' host side across reboots, network-stack restarts and a parent NIC that
        goes away and comes back. See the collection's C(docs/persistence.md).
      - V(engine) stores the desired state as JSON in C(/etc/underlay.network/host-networks.json) (one file per
        O(netns)), copies this collection's engine to C(/usr/lib/underlay.network/) and installs systemd units
        that replay the state with it, without Ansible - at boot, each time a parent NIC appears (a late or
        re-created parent gets its VLANs and shims back) and after systemd-networkd or NetworkManager (re)starts.
        The host needs Python and pyroute2 only.
      - V(networkd) writes the same state as systemd-networkd files - C(.netdev) for the VLANs and shims,
        C(.network) for their addresses and routes, C(.link) for the ownership mark - and, on each parent, a
        drop-in beside the C(.network) networkd configures it with (a netplan-generated file is not rewritten),
        or a C(.network) of its own when the parent has none. For hosts where networkd owns every link; the host's
        own namespace only.
      - V(networkmanager) writes NetworkManager keyfile profiles under C(/etc/NetworkManager/system-connections/)
        (root's, 0600, marked in their C([user]) setting) - a C(vlan) profile per VLAN sub-interface and a C(macvlan)
        profile per macvlan shim with its addresses and routes, never the default route - loads them with
        C(nmcli connection load) and activates them (never a restart of NetworkManager), so the links are
        NetworkManager's from then on and C(nmcli) shows them. NetworkManager before 1.52 has no ipvlan profiles -
        an ipvlan network, and the VLAN it sits on, is kept by the V(engine) backend on the same host, and the
        result's C(persist.kept_by) says which network went where. The host's own namespace only.
      - V(none) persists nothing and removes what an earlier run persisted. O(state=absent) removes the persisted
        state whatever this says.
      - Files are written after the runtime change succeeded, under the same lock; check mode plans them and diff
        mode shows them.
    type: str
    choices: [engine, networkd, networkmanager, none]
    default: none
  persist_root:
    description:
      - The directory the persisted files go under, standing in for C(/) (tests, image builds). Outside C(/),
        systemd is not told to reload.
    type: path
    default: /
attributes:
  diff_mode:
    support: full
    details: The links before and after, by name, and the persisted files by path (the engine's code as a summary).
notes:
  - Check mode reads the kernel and Docker and returns the same plan (RV(changes)) as a real run, without
    changing anything. The gate does not run in check mode.
  - Docker networks are created on VLAN sub-interfaces after those exist, so Docker uses them instead of
    making its own.
seealso:
  - module: underlay.network.underlay_networks
  - module: underlay.network.host_shim
'''

EXAMPLES = r'''
- name: A macvlan network for containers on eth0, the host reaching them through its shim
  underlay.network.host_networks:
    networks:
      - name: mynet
        parent: eth0
        subnet: 198.18.240.0/20
        gateway: 198.18.240.1
        ip_range: 198.18.248.0/22
        shim_address: 198.18.255.254
        verify_targets: [198.18.248.10]
    sysctls:
      net.ipv4.ip_forward: 1

- name: Dual stack, two VLANs of a trunk, and a Docker network created with every subnet
  underlay.network.host_networks:
    networks:
      - name: v10
        parent: eth0
        vlan_id: 10
        subnets:
          - {subnet: 198.18.16.0/20, gateway: 198.18.16.1, ip_range: 198.18.17.0/24, shim_address: 198.18.31.254}
          - {subnet: "2001:db8:10::/64", gateway: "2001:db8:10::1", ip_range: "2001:db8:10::100/120",
             shim_address: "2001:db8:10::fe"}
        docker: {}
      - name: v20
        parent: eth0
        vlan_id: 20
        driver: ipvlan
        subnet: 198.18.32.0/20
        ip_range: 198.18.33.0/24
        shim_address: 198.18.47.254

- name: Remove what the networks made (only what carries the collection's mark)
  underlay.network.host_networks:
    networks: "{{ underlay_networks_list }}"
    state: absent
'''

RETURN = r'''
changes:
  description:
    - Every step of the run (or of the plan, in check mode), in order - link steps as the link modules report
      them (C(create), C(set alias), C(add address), C(add route), C(set mtu), ...), C(create) or C(remove)
      of a Docker network, C(set sysctl).
  returned: always
  type: list
  elements: dict
  sample: [{action: create, kind: macvlan, name: mynet-shim, netns: null},
           {action: add route, kind: macvlan, name: mynet-shim, attribute: routes, route: 198.18.248.0/22, metric: 0}]
created:
  description: Links and Docker or Podman networks this run created.
  returned: always
  type: list
  elements: str
  sample: [eth0.10, v10-shim, v10]
modified:
  description: Links this run changed in place.
  returned: always
  type: list
  elements: str
removed:
  description: Links and Docker or Podman networks this run removed.
  returned: always
  type: list
  elements: str
left:
  description: Devices and Docker or Podman networks of the networks that stay because they are not this collection's, or still in use, with why.
  returned: always
  type: list
  elements: str
  sample: ["eth0.10 (still the parent of web1)"]
networks:
  description: Per network, what the host has for it now.
  returned: always
  type: list
  elements: dict
  sample: [{name: mynet, driver: macvlan, parent: eth0, vlan: null, docker_network: null, podman_network: null, shim: mynet-shim,
            addresses: [198.18.255.254/32], routes: [198.18.248.0/22], verify_targets: [198.18.248.10]}]
drivers:
  description: The kernel modules the networks need.
  returned: always
  type: list
  elements: str
  sample: [macvlan, 8021q]
verify:
  description: What the reachability gate saw, per target.
  returned: when a network has verify_targets and not in check mode
  type: list
  elements: dict
  sample: [{network: mynet, target: 198.18.248.10, reachable: true}]
network:
  description: On failure, the network at fault, when there is one.
  returned: failure
  type: raw
field:
  description: On failure, the field at fault.
  returned: failure
  type: str
persist:
  description:
    - The persistence backend of this run and the files it changed (or would change, in check mode).
    - With O(persist=networkmanager), C(kept_by) names per network the backend that keeps it (V(engine) for the
      networks NetworkManager has no profile type for).
  returned: always
  type: dict
  sample: {backend: engine, state_file: /etc/underlay.network/host-networks.json,
           changed_files: [etc/underlay.network/host-networks.json]}
'''

from ansible_collections.underlay.network.plugins.module_utils._common.module import run_module
from ansible_collections.underlay.network.plugins.module_utils._kernel.netlink import PYROUTE2
from ansible_collections.underlay.network.plugins.module_utils._persist.converge import HOST_NETWORKS_OPTIONS, converge_persistent


def main():
    run_module(HOST_NETWORKS_OPTIONS,
               lambda module: converge_persistent(module.params, module.check_mode, run_command=module.run_command),
               requires=[PYROUTE2])


if __name__ == '__main__':
    main()
