# Copyright: (c) 2026, underlay.network contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""The doctor's run: the networks normalised as the role takes them, the host read once, the probes sent,
then each check judged per network (decide) and reported (report).

Nothing on the host changes. The probes that need objects of their own (a new MAC, two vepa ports) use
one throwaway namespace, removed on the way out whatever happens; the others send duplicate-address
probes from the parent itself, which teach nobody a neighbour entry.
"""

from __future__ import annotations

import contextlib
import ipaddress
import socket

from ansible_collections.underlay.network.plugins.module_utils._common.errors import KernelError, ValidationError
from ansible_collections.underlay.network.plugins.module_utils._common.vocabulary import KERNEL_MODULES
from ansible_collections.underlay.network.plugins.module_utils._doctor import decide, evidence, report
from ansible_collections.underlay.network.plugins.module_utils._doctor.probes import ProbeNamespace
from ansible_collections.underlay.network.plugins.module_utils._kernel import frames
from ansible_collections.underlay.network.plugins.module_utils._kernel import netlink as nl
from ansible_collections.underlay.network.plugins.module_utils._links import drivers
from ansible_collections.underlay.network.plugins.module_utils._networks.definitions import normalise_networks
from ansible_collections.underlay.network.plugins.module_utils._networks.docker import DockerError
from ansible_collections.underlay.network.plugins.module_utils._networks.podman import PodmanError
from ansible_collections.underlay.network.plugins.module_utils._networks.sources import read_sources


# container addresses probed for conflicts per range, besides the shim address: first, last and evenly between
RANGE_SAMPLE = 6


def range_sample(ip_range: str, count: int = RANGE_SAMPLE) -> list[str]:
    """Up to `count` host addresses of a range, spread over it: the first, the last and evenly between."""
    network = ipaddress.ip_network(ip_range)
    first = int(network.network_address) + (1 if network.num_addresses > 2 else 0)
    last = int(network.broadcast_address) - (1 if network.num_addresses > 2 and network.version == 4 else 0)
    if last < first:
        return [str(network.network_address)]
    steps = min(count, last - first + 1)
    picked = [first + (last - first) * i // max(steps - 1, 1) for i in range(steps)]
    return [str(ipaddress.ip_address(value)) for value in dict.fromkeys(picked)]


def _networks(params, netns, run_command):
    """The networks as host_networks normalises them, completed from the Docker/Podman networks and CNI
    configurations they name; an engine that cannot be asked leaves the definitions as given (the engines check
    says why)."""
    try:
        sources = read_sources(params['networks'], params['docker_host'], params.get('podman_host'), netns=netns,
                               run_command=run_command)
    except (DockerError, PodmanError):
        return normalise_networks(params['networks'])
    return normalise_networks(params['networks'], **sources.normalise_args())


def _targets(values):
    targets = []
    for value in values or ():
        try:
            targets.append(str(ipaddress.ip_address(str(value).strip())))
        except ValueError:
            raise ValidationError("targets: '%s' is not an IP address; list addresses on the networks' LAN (other hosts, "
                                  "the gateway), like 198.18.0.12" % value, 'targets', value) from None
    return targets


class Host:
    """What is read once for the whole host: its links, the addresses they hold, the ports on each, DMI, the
    container engines, the kernel's drivers; `probes` is the throwaway namespace (None with probe: false)."""

    def __init__(self, params: dict, netns: str | None, derived: dict):
        self.params, self.netns = params, netns
        links, addresses = evidence.read_links(netns)
        self.links = {link['name']: link for link in links}
        names = {link['index']: link['name'] for link in links}
        self.held = {item['address']: names[item['index']] for item in addresses
                     if item['address'] and item['index'] in names}
        self.ports = evidence.ports_by_parent(netns, links)
        self.dmi = evidence.dmi()
        self.docker = evidence.docker(params['docker_host'])
        self.podman = evidence.podman()
        self.kernel = _kernel(derived, params['probe'])
        self.probes = None


def examine(params: dict, run_command=None) -> dict:
    """The findings of every network (`run_command`: AnsibleModule.run_command, for the podman command)."""
    params = dict(params, targets=_targets(params.get('targets')))
    netns = params.get('netns') or None
    if not nl.namespace_exists(netns):
        raise ValidationError("netns: namespace '%s' does not exist; give the namespace of the host's NICs, or leave "
                              "netns out for the namespace the task runs in" % netns, 'netns', netns)
    derived = _networks(params, netns, run_command)
    name = params.get('host') or socket.gethostname()
    host = Host(params, netns, derived)
    with ProbeNamespace(netns) if params['probe'] else contextlib.nullcontext() as probes:
        host.probes = probes
        findings = [item for net in derived['networks'] for item in _examine_network(net, host)]
    for item in findings:
        item['host'] = name
    return report.result(name, findings)


def _kernel(derived, probe):
    try:
        return drivers.gather(derived['drivers'], derived['features'], probe)
    except (OSError, nl.NetlinkError) as exc:
        raise KernelError('cannot probe the kernel for link drivers in a throwaway namespace: %s; run as root, or set '
                          'probe=false to read only' % exc, field='probe')


def _examine_network(net, host):
    netns, params, probes = host.netns, host.params, host.probes
    parent = host.links.get(net['link_parent'])
    shim = host.links.get(net['shim_name'])
    on_parent = host.ports.get(parent['index'], []) if parent else []
    own_macs = {port['macaddress'] for port in on_parent} | ({shim['macaddress']} if shim else set())
    nic = evidence.nic_facts(netns, net['parent']) if net['parent'] in host.links else \
        {'driver': None, 'wireless': None, 'wireless_evidence': 'parent %s does not exist' % net['parent']}
    targets = [item['gateway'] for item in net['subnets'] if item['gateway']]
    for target in net['verify_targets'] + params['targets']:
        if target not in targets:
            targets.append(target)
    # the host's own addresses say nothing of the switch: its probes leave through its own NIC, and whether one of
    # them is answered from the host itself is a race (seen in the AWX lab, where every host is a target)
    own = {str(ipaddress.ip_interface(str(address)).ip) for address in host.held}
    targets = [target for target in targets if target not in own]
    timeout = params['probe_timeout']
    skipped = None  # why the probes cannot run for this network
    if probes is None:
        skipped = 'probe: false'
    elif parent is None:
        skipped = 'parent %s does not exist' % net['link_parent']

    # 1. new MACs: the same duplicate-address probe from the parent's MAC and from a fresh one
    new_macs = {'targets': targets, 'parent': net['link_parent'], 'parent_mac': parent['macaddress'] if parent else None,
                'parent_answers': {}, 'probe_mac': None, 'probe_answers': None, 'probe_skipped': skipped,
                'dmi': host.dmi, 'nic_driver': nic['driver']}
    if not skipped and targets:
        new_macs['parent_answers'] = frames.who_has(netns, parent['name'], parent['macaddress'], targets, timeout)
        if net['driver'] == 'macvlan':
            try:
                # private: the probe must not be answered by this host's own ports, only by the network upstream
                probe_ns, probe_name, probe_mac = probes.port(parent['index'], 'private')
                new_macs['probe_mac'] = probe_mac
                new_macs['probe_answers'] = frames.who_has(probe_ns, probe_name, probe_mac, targets, timeout)
            except nl.NetlinkError as exc:
                new_macs['probe_skipped'] = 'the kernel refused a probe macvlan on %s (%s)' % (parent['name'], exc)
    findings = [decide.judge_new_macs(net, new_macs)]

    # 2. wireless parent
    findings.append(decide.judge_wireless(net, {'parent': net['parent'], 'nic_driver': nic['driver'],
                                                'wireless': nic['wireless'],
                                                'wireless_evidence': nic['wireless_evidence']}))

    # 3. rp_filter, arp_ignore, arp_filter
    values = evidence.sysctls(netns, [net['link_parent'], net['shim_name'] if shim else None])
    findings.append(decide.judge_reverse_path(net, {'parent': net['link_parent'], 'shim': net['shim_name'],
                                                    'shim_exists': shim is not None, 'sysctls': values}))

    # 4. modes: a hairpin probe when a macvlan port is (or the network's shim would be) vepa
    needs_hairpin = net['driver'] == 'macvlan' and (net['mode'] == 'vepa' or any(
        port['kind'] == 'macvlan' and port['mode'] == 'vepa' for port in on_parent))
    hairpin, hairpin_evidence = None, 'not needed'
    if needs_hairpin:
        hairpin, hairpin_evidence = _hairpin(parent, probes, skipped, timeout)
    findings.append(decide.judge_modes(net, {'ports': on_parent, 'hairpin': hairpin, 'hairpin_evidence': hairpin_evidence}))

    # 5. address conflicts: the shim addresses and a sample of each container range
    candidates = []
    for item in net['subnets']:
        candidates += [item['shim_address']] + range_sample(item['ip_range'])
    candidates = list(dict.fromkeys(candidates))
    conflicts = {'probed': None, 'probe_skipped': skipped, 'shim': net['shim_name'], 'parent': net['link_parent'],
                 'source_mac': parent['macaddress'] if parent else None,
                 'local': {address: host.held[address] for address in candidates if address in host.held}}
    if not skipped:
        answers = frames.who_has(netns, parent['name'], parent['macaddress'], candidates, timeout,
                                 stop_when_answered=False)
        # this host's own ports answer when the switch reflects frames: theirs are not conflicts
        conflicts['probed'] = {address: [mac for mac in macs if mac not in own_macs] for address, macs in answers.items()}
    findings.append(decide.judge_addresses(net, conflicts))

    # 6. capacity and MTU
    docker_network = [item for item in host.docker['networks'] if net['docker'] and
                      item['name'] == net['docker']['name']]
    findings.append(decide.judge_capacity(net, {
        'parent_link': None if parent is None else {
            'name': parent['name'], 'mtu': parent['mtu'], 'promiscuity': parent['promiscuity'],
            'promisc': bool(parent['flags'] & nl.IFF_PROMISC)},
        'ports': on_parent, 'shim_exists': shim is not None,
        'docker_mtu': docker_network[0]['mtu'] if docker_network else None,
        'docker_name': docker_network[0]['name'] if docker_network else None}))

    # 7. Docker and Podman networks on the same parent
    findings.append(decide.judge_engines(net, {'docker': host.docker, 'podman': host.podman}))

    # 8. kernel drivers
    needs = [drivers.canonical(KERNEL_MODULES[net['driver']])]
    if net['vlan_id'] is not None:
        needs.append(drivers.canonical('vlan'))
    findings.append(decide.judge_kernel(net, {'kernel': host.kernel, 'needs': needs}))
    return findings


def _hairpin(parent, probes, skipped, timeout):
    """(True / False / None, what the probe did): does a frame between two vepa ports of `parent` come back?"""
    if skipped:
        return None, 'not probed: %s' % skipped
    try:
        sender = probes.port(parent['index'], 'vepa')
        receiver = probes.port(parent['index'], 'vepa')
    except nl.NetlinkError as exc:
        return None, 'the kernel refused a probe macvlan on %s (%s)' % (parent['name'], exc)
    arrived = frames.frame_arrives(sender, receiver, timeout=timeout)
    return arrived, 'a frame from one throwaway vepa port (%s) to another (%s) %s' % (
        sender[2], receiver[2], 'came back through the switch' if arrived else 'never came back')
