# Copyright: (c) 2026, underlay.network contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The underlay doctor on a real lab: each failure made for real, seen with real packets, named by the doctor with
its fix; the fix applied, the packets get through and the finding is ok.

One scene for the whole file (its set-up costs more than most tests): a switch namespace with a bridge, the
host (its eth0 on the switch, 198.18.240.11/20), the gateway (198.18.240.1), a peer on the LAN and a container
namespace. Each test puts back what it changed, so the next one starts from the healthy lab.
"""
import json
import re
import subprocess

import pytest

from helpers import Lab, kernel_has, run_module, sh

HOST_IP, GATEWAY, PEER_IP = '198.18.240.11', '198.18.240.1', '198.18.240.12'
CONTAINER_IP, SHIM_IP = '198.18.248.10', '198.18.255.254'
NETWORK = {'name': 'lan', 'parent': 'eth0', 'subnet': '198.18.240.0/20', 'gateway': GATEWAY,
           'ip_range': '198.18.248.0/22', 'shim_address': SHIM_IP}
# the same network with an IPv6 subnet too: the probes are neighbour solicitations there
GATEWAY6, SHIM6 = '2001:db8:240::1', '2001:db8:240::fe'
DUAL_STACK = {'name': 'lan', 'parent': 'eth0', 'subnets': [
    {'subnet': '198.18.240.0/20', 'gateway': GATEWAY, 'ip_range': '198.18.248.0/22', 'shim_address': SHIM_IP},
    {'subnet': '2001:db8:240::/64', 'gateway': GATEWAY6, 'ip_range': '2001:db8:240::100/120', 'shim_address': SHIM6}]}

pytestmark = pytest.mark.kernel('macvlan')


class Scene:
    def __init__(self, lab):
        self.lab = lab
        self.sw, self.host, self.gw, self.peer, self.c1 = (lab.add_ns(name) for name in ('sw', 'h', 'gw', 'peer', 'c1'))
        self.no_docker = 'unix:///tmp/%s-no-docker.sock' % lab.prefix  # no engine: the engines check reads nothing
        sh('ip -n %s link add br0 type bridge && ip -n %s link set br0 up' % (self.sw, self.sw))
        for ns, address, port in ((self.host, HOST_IP, 'ph'), (self.gw, GATEWAY, 'pg'), (self.peer, PEER_IP, 'pp')):
            sh('ip -n {sw} link add {port} type veth peer name eth0 netns {ns} && ip -n {sw} link set {port} master br0 '
               'up && ip -n {ns} link set eth0 up && ip -n {ns} addr add {ip}/20 dev eth0 && '
               'ip -n {ns} addr add 2001:db8:240::{last}/64 dev eth0 nodad'.format(
                   sw=self.sw, port=port, ns=ns, ip=address, last=address.rsplit('.', maxsplit=1)[-1]))

    def mac(self, ns, link='eth0'):
        return self.lab.link(ns, link)['address']

    def doctor(self, network=None, check=False, **args):
        result = run_module('underlay_doctor', check=check, netns=self.host, networks=[network or NETWORK],
                            host='h1', docker_host=self.no_docker, probe_timeout=0.5, **args)
        assert result['rc'] == 0, result
        return result

    def shim(self, state='present', **args):
        result = run_module('host_networks', netns=self.host, networks=[NETWORK], state=state, verify=False, **args)
        assert result['rc'] == 0, result
        return result

    def container(self, mode='bridge', mtu=None):
        """c1's eth0: a macvlan port of the host's eth0 in `mode`, CONTAINER_IP in the network's range."""
        args = {'mtu': mtu} if mtu else {}
        result = run_module('macvlan_link', name='eth0', parent='eth0', parent_netns=self.host, netns=self.c1,
                            mode=mode, addresses=['%s/20' % CONTAINER_IP], recreate=True, **args)
        assert result['rc'] == 0, result

    def everything(self):
        """Links, addresses, routes and neighbours of the scene's hosts, and the namespaces themselves (the switch's
        bridge shows its running timers, and learns the probes' MACs as any switch does)."""
        state = self.lab.state(self.host, self.gw, self.peer, self.c1)
        # which neighbours each knows (not their state, which ages on its own)
        state['neighbours'] = {ns: re.sub(r' [A-Z]+ *$', '', sh('ip -n %s neigh show' % ns), flags=re.M)
                               for ns in (self.host, self.gw, self.peer, self.c1)}
        state['namespaces'] = sorted(name for name in sh('ip netns list').split() if name.startswith('ul-'))
        return state


@pytest.fixture(scope='module')
def scene():
    lab = Lab()
    try:
        yield Scene(lab)
    finally:
        lab.cleanup()


def run(command):
    return subprocess.run(command, capture_output=True, check=False).returncode


def finding(result, check, network='lan'):
    found = [item for item in result['findings'] if item['check'] == check and item['network'] == network]
    assert len(found) == 1, result['findings']
    return found[0]


def without_macs(findings):
    """The findings with the probes' random MACs blanked (a new one each run)."""
    return json.loads(re.sub(r'([0-9a-f]{2}:){5}[0-9a-f]{2}', 'MAC', json.dumps(findings)))


def test_a_healthy_lab_every_finding_ok_nothing_left_behind_check_mode_the_same(scene):
    scene.shim()
    scene.container()
    try:
        before = scene.everything()
        result = scene.doctor()
        assert [item['status'] for item in result['findings']] == ['ok'] * 8, result['problems']
        assert result['counts'] == {'ok': 8, 'warn': 0, 'fail': 0} and result['healthy'] and not result['changed']
        assert [item['check'] for item in result['findings']] == [
            'new_macs_upstream', 'wireless_parent', 'reverse_path_and_arp', 'port_modes', 'address_conflicts',
            'capacity', 'container_engines', 'kernel_drivers']
        # the probes went out and were answered: the gateway from the parent's MAC and from a new one
        assert '%s answered' % GATEWAY in finding(result, 'new_macs_upstream')['evidence']
        assert 'a throwaway macvlan) %s answered' % GATEWAY in finding(result, 'new_macs_upstream')['evidence']
        assert 'eth0 in %s (bridge)' % scene.c1 in finding(result, 'port_modes')['evidence']
        assert all(item['host'] == 'h1' and item['fix'] is None for item in result['findings'])
        assert scene.everything() == before  # no namespace, link, address, route or neighbour left behind
        checked = scene.doctor(check=True)
        assert without_macs(checked['findings']) == without_macs(result['findings'])
        assert scene.everything() == before
        assert result['table'][0] == 'h1: 8 ok, 0 warn, 0 fail' and result['markdown'].startswith('## h1\n')
        # probe: false only reads: what needs a probe says so, the rest is as before
        read_only = {item['check']: item for item in scene.doctor(probe=False)['findings']}
        for check in ('new_macs_upstream', 'address_conflicts'):
            assert read_only[check]['status'] == 'warn' and 'probe: false' in read_only[check]['evidence']
        if read_only['kernel_drivers']['status'] != 'ok':  # a kernel without module support: files cannot tell
            assert read_only['kernel_drivers']['status'] == 'warn' and 'not probed' in read_only['kernel_drivers']['evidence']
        assert all(read_only[item['check']] == item for item in result['findings']
                   if item['check'] in ('wireless_parent', 'reverse_path_and_arp', 'port_modes', 'capacity'))
        assert scene.everything() == before
    finally:
        scene.shim(state='absent')


@pytest.mark.once
def test_a_switch_that_drops_new_macs_ipvlan_recommended(scene):
    """The switch accepts only the MACs it knows (a vSwitch with forged transmits rejected, a cloud VPC)."""
    allowed = ', '.join(scene.mac(ns) for ns in (scene.host, scene.gw, scene.peer))
    scene.container()
    sh("ip netns exec %s nft 'add table bridge uldoctor; add chain bridge uldoctor forward { type filter hook forward "
       "priority 0; policy accept; }; add rule bridge uldoctor forward ether saddr != { %s } drop'" % (scene.sw, allowed))
    try:
        assert scene.lab.ping(scene.host, GATEWAY) and not scene.lab.ping(scene.c1, GATEWAY)  # real packets
        result = scene.doctor()
        new_macs = finding(result, 'new_macs_upstream')
        assert new_macs['status'] == 'fail', new_macs
        assert 'nothing answered; new MACs are dropped upstream' in new_macs['evidence']
        assert new_macs['fix'].startswith('use driver: ipvlan')
        assert result['problems'][0].startswith('h1: network lan, new_macs_upstream FAIL')
        # ipvlan ports send with the parent's MAC, which the switch passes
        ipvlan = scene.doctor(dict(NETWORK, driver='ipvlan'))
        new_macs = finding(ipvlan, 'new_macs_upstream')
        assert new_macs['status'] == 'ok' and "ipvlan ports send with the parent's MAC" in new_macs['evidence']
        if not kernel_has('ipvlan'):  # this host kernel: the doctor says so too, with the probe's EOPNOTSUPP
            kernel = finding(ipvlan, 'kernel_drivers')
            assert kernel['status'] == 'fail' and 'ipvlan missing (not usable)' in kernel['evidence'], kernel
            assert 'EOPNOTSUPP' in kernel['evidence'] and 'CONFIG_IPVLAN' in kernel['fix']
    finally:
        sh('ip netns exec %s nft delete table bridge uldoctor' % scene.sw)
    assert finding(scene.doctor(), 'new_macs_upstream')['status'] == 'ok'
    assert scene.lab.ping(scene.c1, GATEWAY)


@pytest.mark.once
def test_strict_rp_filter_drops_the_container_range_on_the_parent(scene):
    """A device of the container range on the LAN (another host's container of a shared range) reaches the host's
    own address on eth0; the route back to it goes through the shim, so strict reverse-path filtering drops it."""
    scene.shim()
    sh('ip -n %s addr add 198.18.248.50/20 dev eth0 && ip -n %s neigh replace %s lladdr %s dev eth0 nud permanent'
       % (scene.peer, scene.peer, HOST_IP, scene.mac(scene.host)))
    sh('ip netns exec %s sysctl -qw net.ipv4.conf.all.rp_filter=1' % scene.host)
    try:
        source = ['ip', 'netns', 'exec', scene.peer, 'ping', '-c', '2', '-i', '0.2', '-W', '1', '-I', '198.18.248.50',
                  HOST_IP]
        assert run(source) != 0  # dropped
        rp = finding(scene.doctor(), 'reverse_path_and_arp')
        assert rp['status'] == 'warn', rp  # a warning: it bites only where the range comes in on eth0, as here
        assert 'strict rp_filter on eth0 drops packets from the container range (198.18.248.0/22)' in rp['evidence']
        assert 'net.ipv4.conf.eth0.rp_filter=2' in rp['fix'] and 'net.ipv4.conf.lan-shim.rp_filter=2' in rp['fix']
        # the fix as it says: host_networks sysctls, the interfaces' own values
        scene.shim(sysctls={'net/ipv4/conf/eth0/rp_filter': 2, 'net/ipv4/conf/lan-shim/rp_filter': 2})
        assert run(source) == 0
        assert finding(scene.doctor(), 'reverse_path_and_arp')['status'] == 'ok'
    finally:
        sh('ip netns exec %s sysctl -qw net.ipv4.conf.all.rp_filter=0 net.ipv4.conf.eth0.rp_filter=0' % scene.host)
        sh('ip -n %s addr del 198.18.248.50/20 dev eth0; ip -n %s neigh del %s dev eth0'
           % (scene.peer, scene.peer, HOST_IP), check=False)
        scene.shim(state='absent')


@pytest.mark.once
def test_arp_ignore_on_the_shim_cuts_the_containers_off_the_hosts_address(scene):
    scene.shim()
    scene.container()
    try:
        assert scene.lab.ping(scene.c1, HOST_IP)  # the shim answers ARP for the host's address on eth0
        sh('ip netns exec %s sysctl -qw net.ipv4.conf.lan-shim.arp_ignore=1' % scene.host)
        sh('ip -n %s neigh flush dev eth0' % scene.c1)
        assert not scene.lab.ping(scene.c1, HOST_IP)
        arp = finding(scene.doctor(), 'reverse_path_and_arp')
        assert arp['status'] == 'fail', arp
        assert "arp_ignore=1 on the shim: it does not answer ARP for the host's addresses on other links" in \
            arp['evidence']
        assert 'net.ipv4.conf.lan-shim.arp_ignore=0 and net.ipv4.conf.all.arp_ignore=0' in arp['fix']
        scene.shim(sysctls={'net/ipv4/conf/lan-shim/arp_ignore': 0, 'net/ipv4/conf/all/arp_ignore': 0})
        assert scene.lab.ping(scene.c1, HOST_IP)
        assert finding(scene.doctor(), 'reverse_path_and_arp')['status'] == 'ok'
    finally:
        scene.shim(state='absent')


@pytest.mark.once
def test_a_vepa_child_without_hairpin_then_hairpin_on_then_bridge_mode(scene):
    scene.shim()
    scene.container(mode='vepa')
    try:
        assert not scene.lab.ping(scene.host, CONTAINER_IP)  # the shim's frames go to the switch and never come back
        modes = finding(scene.doctor(), 'port_modes')
        assert modes['status'] == 'fail', modes
        assert 'eth0 in %s (vepa)' % scene.c1 in modes['evidence'] and 'never came back' in modes['evidence']
        assert modes['fix'].startswith('recreate eth0 in %s in mode bridge' % scene.c1)
        # the switch reflects frames (reflective relay): the probe's frame comes back, and so do the pings
        sh('ip -n %s link set ph type bridge_slave hairpin on' % scene.sw)
        assert scene.lab.ping(scene.host, CONTAINER_IP)
        modes = finding(scene.doctor(), 'port_modes')
        assert modes['status'] == 'ok' and 'came back through the switch' in modes['evidence']
        sh('ip -n %s link set ph type bridge_slave hairpin off' % scene.sw)
        scene.container(mode='bridge')  # the fix the finding gave
        assert scene.lab.ping(scene.host, CONTAINER_IP)
        modes = finding(scene.doctor(), 'port_modes')
        assert modes['status'] == 'ok' and 'eth0 in %s (bridge)' % scene.c1 in modes['evidence']
    finally:
        sh('ip -n %s link set ph type bridge_slave hairpin off' % scene.sw)
        scene.container()
        scene.shim(state='absent')


@pytest.mark.once
def test_a_lab_host_already_holds_the_shim_addresses_ipv4_and_ipv6(scene):
    sh('ip -n %s addr add %s/20 dev eth0 && ip -n %s addr add %s/64 dev eth0 nodad'
       % (scene.peer, SHIM_IP, scene.peer, SHIM6))
    try:
        result = scene.doctor(DUAL_STACK)
        conflicts = finding(result, 'address_conflicts')
        assert conflicts['status'] == 'fail', conflicts
        for address in (SHIM_IP, SHIM6):  # an ARP reply and a neighbour advertisement, from the peer's MAC
            assert '%s answered by %s' % (address, scene.mac(scene.peer)) in conflicts['evidence'], conflicts
        assert conflicts['fix'].startswith('give the network another shim_address')
        new_macs = finding(result, 'new_macs_upstream')  # the IPv6 gateway answers both probes too
        assert new_macs['status'] == 'ok' and '%s, %s answered' % (GATEWAY, GATEWAY6) in new_macs['evidence'], new_macs
    finally:
        sh('ip -n %s addr del %s/20 dev eth0 && ip -n %s addr del %s/64 dev eth0'
           % (scene.peer, SHIM_IP, scene.peer, SHIM6))
    conflicts = finding(scene.doctor(DUAL_STACK), 'address_conflicts')
    assert conflicts['status'] == 'ok' and 'no answer' in conflicts['evidence'] and SHIM6 in conflicts['evidence']
    assert sh('ip -n %s neigh show' % scene.peer).strip() == ''  # the probes taught nobody a neighbour


def test_bad_input_names_the_field_and_changes_nothing(scene):
    before = scene.everything()
    result = run_module('underlay_doctor', netns=scene.host, networks=[dict(NETWORK, shim_address='198.18.0.300')])
    assert result['rc'] != 0 and result['field'] == 'shim_address' and "'198.18.0.300' is not an IP address" in result['msg']
    result = run_module('underlay_doctor', netns=scene.lab.ns('missing'), networks=[NETWORK])
    assert result['rc'] != 0 and result['field'] == 'netns' and 'does not exist' in result['msg']
    result = run_module('underlay_doctor', netns=scene.host, networks=[NETWORK], probe_timeout=30)
    assert result['rc'] != 0 and result['field'] == 'probe_timeout' and 'from 0.1 to 10' in result['msg']
    assert scene.everything() == before


@pytest.mark.kernel('ipvlan')
def test_new_macs_dropped_ipvlan_is_the_fix_and_an_ipvlan_mode_mismatch(scene):
    """The switch that drops new MACs again, now with the ipvlan driver (the UML kernel has it): the doctor's
    recommendation made real - an ipvlan container reaches the gateway through that switch, the host reaches it
    through an ipvlan shim, and every finding is ok. A network asking for another mode than the parent's ipvlan
    ports have is named too."""
    ipvlan = dict(NETWORK, driver='ipvlan')
    allowed = ', '.join(scene.mac(ns) for ns in (scene.host, scene.gw, scene.peer))
    sh("ip netns exec %s nft 'add table bridge uldoctor; add chain bridge uldoctor forward { type filter hook forward "
       "priority 0; policy accept; }; add rule bridge uldoctor forward ether saddr != { %s } drop'" % (scene.sw, allowed))
    sh('ip -n %s link del eth0' % scene.c1, check=False)  # a macvlan port of an earlier test: ipvlan cannot share eth0
    try:
        assert finding(scene.doctor(), 'new_macs_upstream')['status'] == 'fail'
        result = run_module('ipvlan_link', name='eth0', parent='eth0', parent_netns=scene.host, netns=scene.c1,
                            mode='l2', addresses=['%s/20' % CONTAINER_IP], recreate=True)
        assert result['rc'] == 0, result
        result = run_module('host_networks', netns=scene.host, networks=[ipvlan], verify=False)
        assert result['rc'] == 0, result
        assert scene.lab.ping(scene.c1, GATEWAY) and scene.lab.ping(scene.host, CONTAINER_IP)  # through the filter
        result = scene.doctor(ipvlan)
        assert [item['status'] for item in result['findings']] == ['ok'] * 8, result['problems']
        assert 'ipvlan ports on eth0: lan-shim (l2), eth0 in %s (l2)' % scene.c1 in finding(result, 'port_modes')['evidence']
        assert 'ipvlan loaded' in finding(result, 'kernel_drivers')['evidence']
        modes = finding(scene.doctor(dict(ipvlan, mode='l3')), 'port_modes')
        assert modes['status'] == 'fail' and modes['fix'].startswith('give the network mode l2'), modes
    finally:
        sh('ip netns exec %s nft delete table bridge uldoctor' % scene.sw)
        run_module('host_networks', netns=scene.host, networks=[ipvlan], state='absent')
        sh('ip -n %s link del eth0' % scene.c1, check=False)


def test_the_probe_namespace_is_removed_when_the_run_fails_half_way(scene, monkeypatch):
    """A failure after the probe ports were made (a judgement raising, standing in for any bug) still removes the
    throwaway namespace and its ports, and leaves the lab as it was."""
    from ansible_collections.underlay.network.plugins.module_utils._doctor import decide, examine

    seen = []

    def broken(net, ev):
        seen.append(sorted(name for name in sh('ip netns list').split() if name.startswith('ul-doctor-')))
        raise RuntimeError('a judgement failed')

    monkeypatch.setattr(decide, 'judge_addresses', broken)
    before = scene.everything()
    with pytest.raises(RuntimeError):
        examine.examine({'networks': [NETWORK], 'netns': scene.host, 'docker_host': scene.no_docker, 'probe': True,
                         'probe_timeout': 0.3, 'targets': [], 'host': 'h1'})
    assert seen and len(seen[0]) == 1  # the probes' namespace existed while it ran
    assert scene.everything() == before and seen[0][0] not in sh('ip netns list')
