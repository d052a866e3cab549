#!/usr/bin/python
# Copyright: (c) 2026, underlay.network contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

# Why a doctor: the usual question about macvlan and ipvlan is not "how do I make one" but "why does nothing
# answer" - a vSwitch or a cloud that drops new MACs, a Wi-Fi parent, strict rp_filter, vepa without a
# hairpin switch, an address someone else holds, Docker's one network per parent. Each has a cause that
# packets and the kernel can show; this module shows it, per network, with the fix, before the role runs.

DOCUMENTATION = r'''
module: underlay_doctor
short_description: Find out, with real packets, why macvlan or ipvlan will not work on a host, and say the fix
version_added: 0.1.0
description:
  - Examines each network of O(networks) - the same definitions the C(underlay.network.host_reachability) role and
    M(underlay.network.host_networks) take - on the host, in its namespace or the one O(netns) names, and returns
    RV(findings), one per check and network, each with its status (V(ok), V(warn), V(fail)), the evidence (values
    read, probes sent and what answered) and the fix in one sentence.
  - C(new_macs_upstream) - duplicate-address probes (an ARP request with sender 0.0.0.0, an IPv6 neighbour
    solicitation from ::) for the gateway, the O(networks[].verify_targets) and O(targets), sent from the parent's own MAC and
    from a throwaway macvlan port with a fresh MAC. When the parent gets answers and the new MAC does not, the
    network upstream drops new MACs; the finding names the likely cause from the DMI vendor (VMware, Hyper-V,
    Azure, VirtualBox, EC2, GCE, OpenStack, KVM) and the NIC driver, and recommends ipvlan or the vSwitch setting.
  - C(wireless_parent) - a Wi-Fi parent (the wireless ioctl, C(/sys/class/net/<parent>/wireless) or C(phy80211))
    passes only its own MAC, so macvlan fails there; ipvlan works.
  - C(reverse_path_and_arp) - C(rp_filter), C(arp_ignore) and C(arp_filter) of C(all), the parent and the shim
    (C(default) for a shim not made yet), with the value the kernel applies (the larger of C(all) and the
    interface) and what it does to the shim's traffic.
  - C(port_modes) - macvlan ports in C(vepa) or C(private) on the parent, or a network in C(vepa), with a hairpin
    probe (does a frame between two throwaway vepa ports come back from the switch?); an ipvlan mode other than the
    one the parent's ipvlan ports have.
  - C(address_conflicts) - duplicate-address probes for the shim address and a sample of each container range
    (the first, the last and evenly between), and addresses this host already holds.
  - C(capacity) - the parent's MTU, promiscuity and the number of macvlan MACs on it (beyond what common NICs'
    unicast filters hold, the NIC turns promiscuous); ports and the Docker network's C(com.docker.network.driver.mtu)
    larger than the parent's MTU (the kernel refuses such a port, so Docker's containers do not start).
  - C(container_engines) - Docker's and Podman's macvlan/ipvlan networks on the same parent, against what the
    kernel and the engine's version allow (Docker takes one per parent; from Docker 27, several macvlan ones).
  - C(kernel_drivers) - the drivers the networks need, built in, loaded, loadable or missing, as
    M(underlay.network.kernel_drivers) reports them.
  - It changes nothing on the host, so C(changed) is always false. The probes that need objects of their own (the
    new MAC, the two vepa ports, the kernel driver probe) are made in throwaway namespaces named
    C(ul-doctor-<pid>) and C(ul-probe-<pid>), always removed before the module returns, also when it fails.
    Nobody learns a neighbour entry from the probes, which carry no sender address.
author:
  - underlay.network maintainers (@underlay-network)
extends_documentation_fragment:
  - underlay.network.link.ATTRIBUTES
  - underlay.network.networks
attributes:
  check_mode:
    support: full
    details:
      - The module never changes anything, so a check run examines the host the same way and returns the same
        findings; its throwaway probes run in check mode too, as M(underlay.network.kernel_drivers)' do. O(probe=false)
        only reads.
  diff_mode:
    support: none
options:
  netns:
    description: Named network namespace of the host's NICs. Omit for the namespace the task runs in.
    type: str
  docker_host:
    description: The Docker engine's unix socket, read for the networks already on a parent and the engine's version.
    type: str
    default: unix:///var/run/docker.sock
  podman_host:
    description:
      - Podman's service socket, used when a network declares O(networks[].podman) (as M(underlay.network.host_networks)
        takes it). Omit it to run the C(podman) command on the host.
    type: str
  probe:
    description:
      - Send the probes (duplicate-address probes from the parent and from a throwaway macvlan port, the hairpin
        probe, the kernel driver probe). V(false) only reads; the checks that need a probe then say so with V(warn).
    type: bool
    default: true
  probe_timeout:
    description: Seconds each probe waits for answers (0.1 to 10); silence is the good answer of a conflict probe.
    type: float
    default: 1.0
  targets:
    description:
      - More addresses on the networks' LAN for the C(new_macs_upstream) probes (other hosts, the gateway of a network
        whose definition names none), probed for every network beside its gateway and O(networks[].verify_targets).
    type: list
    elements: str
    default: []
  host:
    description: The host's name in the report and in every finding. Default the node's hostname.
    type: str
requirements:
  - pyroute2 >= 0.7.2 on the managed host
  - root (or C(CAP_NET_ADMIN), C(CAP_NET_RAW) and C(CAP_SYS_ADMIN)) on the managed host, for the probes
notes:
  - Run it before the role, to know whether the design can work on the host, and after, when something does not
    answer. C(playbooks/doctor.yml) runs it for a fleet and writes a Markdown summary.
  - Docker containers' namespaces are not named, so their ports are not listed; the Docker networks are.
seealso:
  - module: underlay.network.host_networks
  - module: underlay.network.kernel_drivers
'''

EXAMPLES = r'''
- name: Why does nothing answer on mynet?
  underlay.network.underlay_doctor:
    networks:
      - name: mynet
        parent: eth0
        subnet: 198.18.240.0/20
        gateway: 198.18.240.1
        ip_range: 198.18.248.0/22
        shim_address: 198.18.255.254
  register: doctor

- name: The table
  ansible.builtin.debug:
    msg: "{{ doctor.table }}"

- name: Stop when a check failed
  ansible.builtin.assert:
    that: doctor.healthy
    fail_msg: "{{ doctor.problems }}"
'''

RETURN = r'''
findings:
  description: One per check and network, in the order of the networks and of the checks.
  returned: always
  type: list
  elements: dict
  contains:
    host:
      description: The host (O(host)).
      type: str
    network:
      description: The network's name.
      type: str
    check:
      description: >-
        V(new_macs_upstream), V(wireless_parent), V(reverse_path_and_arp), V(port_modes), V(address_conflicts),
        V(capacity), V(container_engines) or V(kernel_drivers).
      type: str
    status:
      description: V(ok), V(warn) (could not tell, or may bite) or V(fail) (will not work as it is).
      type: str
    evidence:
      description: The values read and the probes sent, and what answered.
      type: str
    fix:
      description: One sentence; null when the status is V(ok).
      type: str
  sample:
    - host: web1
      network: mynet
      check: new_macs_upstream
      status: fail
      evidence: >-
        from eth0's own MAC 00:50:56:aa:bb:cc 198.18.240.1 answered (of 198.18.240.1); from a new MAC
        02:4e:11:07:9a:10 (a throwaway macvlan) nothing answered; new MACs are dropped upstream: likely cause VMware
        vSphere (DMI VMware, Inc. / VMware7,1, NIC driver vmxnet3): the vSwitch port group rejects forged transmits
      fix: use driver ipvlan for this network (its ports share the parent's MAC), or set Forged transmits, ...
counts:
  description: How many findings have each status.
  returned: always
  type: dict
  sample: {ok: 15, warn: 0, fail: 1}
healthy:
  description: No finding failed.
  returned: always
  type: bool
problems:
  description: Each finding that is not ok as one sentence naming the host, the network, the check, the evidence and the fix.
  returned: always
  type: list
  elements: str
table:
  description: The findings as fixed-width lines for a terminal (status, network, check, fix; then the evidence).
  returned: always
  type: list
  elements: str
markdown:
  description: The host's section of a Markdown report (a heading and a table of the findings).
  returned: always
  type: str
'''

from ansible_collections.underlay.network.plugins.module_utils._common.errors import ValidationError
from ansible_collections.underlay.network.plugins.module_utils._common.module import run_module
from ansible_collections.underlay.network.plugins.module_utils._common.vocabulary import DOCKER_HOST
from ansible_collections.underlay.network.plugins.module_utils._doctor.examine import examine
from ansible_collections.underlay.network.plugins.module_utils._kernel.netlink import PYROUTE2

PROBE_TIMEOUT = (0.1, 10.0)


def _examine(module):
    timeout = module.params['probe_timeout']
    if not PROBE_TIMEOUT[0] <= timeout <= PROBE_TIMEOUT[1]:
        raise ValidationError('probe_timeout is %s; give seconds from %s to %s' % ((timeout,) + PROBE_TIMEOUT),
                              'probe_timeout', timeout)
    return examine(module.params, run_command=module.run_command)


def main():
    run_module(dict(
        networks=dict(type='list', elements='dict', required=True),  # each checked against NETWORK_OPTIONS
        netns=dict(type='str'),
        docker_host=dict(type='str', default=DOCKER_HOST),
        podman_host=dict(type='str'),
        probe=dict(type='bool', default=True),
        probe_timeout=dict(type='float', default=1.0),
        targets=dict(type='list', elements='str', default=[]),
        host=dict(type='str'),
    ), _examine, requires=[PYROUTE2])


if __name__ == '__main__':
    main()
