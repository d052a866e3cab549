# Copyright: (c) 2026, underlay.network contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The host_reachability role through ansible-playbook, proven with packets.

A lab namespace stands in for the host (host_reachability_netns): a veth NIC with the host's own address
and, in other namespaces, containers whose eth0 is a macvlan child of it. Every file the role writes goes
under a temporary host_reachability_config_root.
"""
import json
import os
import re

import pytest

from helpers import SEED000_CONTAINERS as CONTAINERS, ansible_playbook, seed000_reachable, sh

VLANS = (10, 30)
NAMES = {10: 'mv10', 30: 'ipv30'}
DRIVERS = {10: 'macvlan', 30: 'ipvlan'}
SHIM_IP = '198.18.255.254'   # inside the subnet, outside the containers' range
MYNET = dict(name='mynet', parent='up0', subnet='198.18.240.0/20', gateway='198.18.240.1',
             ip_range='198.18.248.0/22', shim_address=SHIM_IP, verify_targets=[ip for name, ip in CONTAINERS])


def role(tmp_path, netns, networks, *extra, **variables):
    """Run the role once; returns (completed process, {'changed': n, 'failed': n, ...} from the recap)."""
    values = dict(host_reachability_netns=netns, host_reachability_networks=networks,
                  host_reachability_config_root=str(tmp_path / 'root'))
    values.update(('host_reachability_' + key, value) for key, value in variables.items())
    path = tmp_path / 'vars.json'
    path.write_text(json.dumps(values))
    run = ansible_playbook('host_reachability.yml', '-e', '@%s' % path, *extra)
    recap = re.search(r'localhost\s+:\s+(.*)', run.stdout)
    counts = {key: int(value) for key, value in re.findall(r'(\w+)=(\d+)', recap.group(1))} if recap else {}
    return run, counts


def files(tmp_path):
    root = tmp_path / 'root'
    return sorted(os.path.relpath(os.path.join(d, f), str(root)) for d, dirs, fs in os.walk(str(root)) for f in fs)


ENGINE_CODE = 'usr/lib/underlay.network/lib/'


def persisted_files(netns):
    """What host_reachability_persist: true writes for a host in namespace NETNS (the engine's code aside)."""
    units = 'etc/systemd/system/'
    return sorted(['etc/sysctl.d/60-underlay-host-reachability.conf', 'etc/underlay.network/host-networks@%s.json' % netns,
                   'usr/lib/underlay.network/replay', units + 'underlay-network-parent@.service',
                   units + 'underlay-network-replay.service'] +
                  [units + '%s.wants/underlay-network-replay.service' % unit for unit in (
                      'multi-user.target', 'systemd-networkd.service', 'NetworkManager.service')])


def sysctl(netns, key):
    return sh('ip netns exec %s cat /proc/sys/%s' % (netns, key.replace('.', '/'))).strip()


@pytest.fixture
def host(seed000_host):
    return seed000_host


def reachable(lab, host):
    return dict(seed000_reachable(lab, host), **{'net2->shim': lab.ping(lab.ns('net2'), SHIM_IP)})


@pytest.mark.kernel('macvlan')
@pytest.mark.host_kernel_flow
def test_seed000_role_check_apply_idempotent_validate_and_absent(lab, host, tmp_path):
    namespaces = (host, lab.ns('net1'), lab.ns('net2'))
    pristine = lab.state(*namespaces)
    root_forwarding = sh('cat /proc/sys/net/ipv4/ip_forward')
    sh('ip netns exec %s sh -c "echo 0 > /proc/sys/net/ipv4/ip_forward"' % host)
    assert reachable(lab, host) == {'host->net1': False, 'net1->host': False, 'net2->shim': False,
                                    'net1->net2': True}

    # check mode: predicts changes, touches nothing (no link, no route, no sysctl, no file)
    run, recap = role(tmp_path, host, [MYNET], '--check', verify=True)
    assert run.returncode == 0, run.stdout + run.stderr
    assert recap['changed'] > 0 and recap['failed'] == 0, run.stdout
    assert lab.state(*namespaces) == pristine
    assert sysctl(host, 'net.ipv4.ip_forward') == '0'
    assert files(tmp_path) == []

    # apply: shim, /32, route to the range, forwarding, sysctl.d file; the role's own verify pings pass
    run, recap = role(tmp_path, host, [MYNET], verify=True)
    assert run.returncode == 0, run.stdout + run.stderr
    assert recap['changed'] > 0, run.stdout
    assert 'mynet -> 198.18.248.10 ok, mynet -> 198.18.248.9 ok' in run.stdout
    shim = lab.link(host, 'mynet-shim')
    assert shim['linkinfo']['info_kind'] == 'macvlan' and shim['linkinfo']['info_data']['mode'] == 'bridge'
    assert shim['link'] == 'up0'
    assert '%s/32' % SHIM_IP in sh('ip -n %s -o addr show dev mynet-shim' % host)
    assert '198.18.248.0/22 dev mynet-shim proto 209 scope link' in sh('ip -n %s route' % host)
    assert sysctl(host, 'net.ipv4.ip_forward') == '1'
    assert sh('cat /proc/sys/net/ipv4/ip_forward') == root_forwarding, 'the root namespace must not change'
    assert [path for path in files(tmp_path) if not path.startswith(ENGINE_CODE)] == persisted_files(host)
    assert 'net.ipv4.ip_forward = 1' in (tmp_path / 'root/etc/sysctl.d/60-underlay-host-reachability.conf').read_text()
    stored = json.loads((tmp_path / f'root/etc/underlay.network/host-networks@{host}.json').read_text())
    assert stored['netns'] == host and [net['shim_name'] for net in stored['networks']] == ['mynet-shim']
    assert stored['networks'][0]['subnets'] == [{key: MYNET[key] for key in (
        'subnet', 'gateway', 'ip_range', 'shim_address')}]
    assert reachable(lab, host) == {'host->net1': True, 'net1->host': True, 'net2->shim': True, 'net1->net2': True}

    # the boot replay, by hand: the shim gone (as after a reboot), the stored state replayed by the engine
    # copy under the root, without Ansible; then again, changing nothing
    sh('ip -n %s link del mynet-shim' % host)
    assert reachable(lab, host)['host->net1'] is False
    replay = str(tmp_path / 'root/usr/lib/underlay.network/replay')
    out = sh('%s --root %s' % (replay, tmp_path / 'root'))
    assert "namespace '%s': networks mynet: " % host in out and 'created mynet-shim' in out, out
    assert reachable(lab, host) == {'host->net1': True, 'net1->host': True, 'net2->shim': True, 'net1->net2': True}
    assert 'already as stored' in sh('%s --root %s' % (replay, tmp_path / 'root'))

    # second run: nothing to do
    applied = lab.state(*namespaces)
    run, recap = role(tmp_path, host, [MYNET], verify=True)
    assert run.returncode == 0 and recap['changed'] == 0, run.stdout
    assert lab.state(*namespaces) == applied

    # a bad definition fails in validation, naming network and field, and changes nothing
    broken = dict(MYNET, name='vlan99', vlan_id=99, ip_range='198.18.240.0/24', shim_address='198.18.241.1')
    run, recap = role(tmp_path, host, [MYNET, broken], sysctls={'net.ipv4.ip_forward': 0})
    assert run.returncode != 0 and recap['failed'] == 1, run.stdout
    assert "network 'vlan99': ip_range 198.18.240.0/24 contains the gateway 198.18.240.1" in run.stdout
    assert '"field": "ip_range"' in run.stdout
    assert recap['changed'] == 0 and lab.state(*namespaces) == applied
    assert sysctl(host, 'net.ipv4.ip_forward') == '1'

    # absent: shim and routes go, the files go, and the namespaces look as they did before the role
    run, recap = role(tmp_path, host, [MYNET], state='absent')
    assert run.returncode == 0 and recap['changed'] > 0, run.stdout + run.stderr
    assert lab.link(host, 'mynet-shim') is None
    assert 'proto 209' not in sh('ip -n %s route' % host)
    assert lab.state(*namespaces) == pristine
    assert files(tmp_path) == []
    assert reachable(lab, host) == {'host->net1': False, 'net1->host': False, 'net2->shim': False,
                                    'net1->net2': True}
    run, recap = role(tmp_path, host, [MYNET], state='absent')
    assert run.returncode == 0 and recap['changed'] == 0, run.stdout


@pytest.mark.kernel('macvlan', 'vlan', 'ipvlan')
def test_vlan_networks_get_their_sub_interfaces_and_absent_removes_only_those_it_made(lab, module, tmp_path):
    """Seed 002's trunk: a macvlan network on VLAN 10 (the role makes up0.10) and an ipvlan one on VLAN 30
    (up0.30 was already there, so state=absent leaves it)."""
    host = lab.add_ns('host')
    lab.veth(host)
    sh('ip -n %s link add link up0 name up0.30 type vlan id 30 && ip -n %s link set up0.30 up' % (host, host))
    networks = [dict(name=NAMES[vlan], driver=DRIVERS[vlan], parent='up0', vlan_id=vlan, subnet='198.18.%d.0/24' % vlan,
                     gateway='198.18.%d.129' % vlan, ip_range='198.18.%d.0/25' % vlan,
                     shim_address='198.18.%d.254' % vlan, verify_targets=['198.18.%d.2' % vlan])
                for vlan in VLANS]
    run, recap = role(tmp_path, host, networks, persist=False, sysctls={})
    assert run.returncode == 0 and recap['changed'] > 0, run.stdout + run.stderr
    for vlan in VLANS:
        link = lab.link(host, 'up0.%d' % vlan)
        assert link['linkinfo']['info_kind'] == 'vlan' and link['linkinfo']['info_data']['id'] == vlan
        shim = lab.link(host, NAMES[vlan] + '-shim')
        assert shim['link'] == 'up0.%d' % vlan and shim['linkinfo']['info_kind'] == DRIVERS[vlan], shim
    # ownership lives on the objects: the role marked what it made, not up0.30, which was there before
    assert lab.link(host, 'up0.10').get('ifalias') == 'underlay.network'
    assert not lab.link(host, 'up0.30').get('ifalias'), 'up0.30 existed before: not made by the role'

    for vlan in VLANS:
        ns = lab.add_ns('c%d' % vlan)
        ip = '198.18.%d.2' % vlan
        assert module(DRIVERS[vlan] + '_link', name='eth0', parent='up0.%d' % vlan, parent_netns=host, netns=ns,
                      addresses=['%s/24' % ip])['rc'] == 0

    run, recap = role(tmp_path, host, networks, persist=False, sysctls={}, verify=True)
    assert run.returncode == 0 and recap['changed'] == 0, run.stdout + run.stderr
    assert 'mv10 -> 198.18.10.2 ok, ipv30 -> 198.18.30.2 ok' in run.stdout
    assert lab.ping(lab.ns('c30'), '198.18.30.254') and lab.ping(lab.ns('c10'), '198.18.10.254')

    # absent while the containers still hang off the VLANs: the shims go, the sub-interfaces stay for them
    run, recap = role(tmp_path, host, networks, persist=False, sysctls={}, state='absent')
    assert run.returncode == 0 and recap['changed'] > 0, run.stdout + run.stderr
    links = sh('ip -n %s -o link show' % host)
    assert '-shim' not in links and 'up0.10' in links, links
    assert 'left up0.10 (still the parent of eth0)' in run.stdout, run.stdout
    for vlan in VLANS:
        sh('ip netns del %s' % lab.ns('c%d' % vlan))
    run, recap = role(tmp_path, host, networks, persist=False, sysctls={}, state='absent')
    assert run.returncode == 0 and recap['changed'] > 0, run.stdout + run.stderr
    links = sh('ip -n %s -o link show' % host)
    assert '-shim' not in links and 'up0.10' not in links, links
    assert 'up0.30' in links, 'a VLAN sub-interface the role did not create stays'
    assert 'proto 209' not in sh('ip -n %s route' % host)
    assert files(tmp_path) == []
