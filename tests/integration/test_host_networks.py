# Copyright: (c) 2026, underlay.network contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""host_networks on real kernels: a whole host in one transaction, proven with packets, and put back
byte for byte when a step fails.

The scene: one host namespace with one veth parent per network (p<i>, its peer q<i> keeps the carrier
up, the host's own addresses 198.18.(100+i).45/24 and 2001:db8:<i>::1:45/64 on it) and one container
namespace per network whose eth0 is a bridge-mode macvlan child of p<i>, with 198.18.(100+i).10/24 and
2001:db8:<i>::10/64.
"""
import fcntl
import json
import os
import subprocess
import sys

import pytest

from helpers import COLLECTIONS, HERE, ansible_playbook, run_module, sh

pytestmark = pytest.mark.kernel('macvlan')


def network(i, **extra):
    net = dict(name='n%d' % i, parent='p%d' % i, subnets=[
        dict(subnet='198.18.%d.0/24' % (100 + i), ip_range='198.18.%d.0/28' % (100 + i),
             shim_address='198.18.%d.254' % (100 + i)),
        dict(subnet='2001:db8:%x::/64' % i, ip_range='2001:db8:%x::/120' % i, shim_address='2001:db8:%x::1:1' % i)],
        verify_targets=['198.18.%d.10' % (100 + i), '2001:db8:%x::10' % i])
    net.update(extra)
    return net


def scene(lab, count):
    host = lab.add_ns('host')
    script = []
    for i in range(1, count + 1):
        container = lab.add_ns('c%d' % i)
        script.append('ip -n {h} link add p{i} type veth peer name q{i} && ip -n {h} link set p{i} up && '
                      'ip -n {h} link set q{i} up && ip -n {h} addr add 198.18.{o}.45/24 dev p{i} && '
                      'ip -n {h} addr add 2001:db8:{x}::1:45/64 dev p{i} nodad && '
                      'ip -n {h} link add link p{i} name x{i} type macvlan mode bridge && '
                      'ip -n {h} link set x{i} netns {c} && ip -n {c} link set x{i} name eth0 && '
                      'ip -n {c} link set eth0 up && ip -n {c} addr add 198.18.{o}.10/24 dev eth0 && '
                      'ip -n {c} addr add 2001:db8:{x}::10/64 dev eth0 nodad'.format(
                          h=host, c=container, i=i, o=100 + i, x='%x' % i))
    sh(' && '.join(script))
    return host


def host_state(host):
    """What `ip -d addr` and both route tables say, with the carrier state and link-local DAD flags left out
    (the kernel settles those on its own after a link comes up)."""
    text = sh('ip -n {h} -d addr show; ip -n {h} route show; ip -n {h} -6 route show; '
              'ip netns exec {h} cat /proc/sys/net/ipv4/ip_forward'.format(h=host))
    lines = [line for line in text.splitlines() if 'scope link' not in line or 'proto' in line]
    return '\n'.join(line.replace(' state UNKNOWN ', ' ').replace(' state UP ', ' ').replace(' state DOWN ', ' ')
                     for line in lines)


def converge(host, networks, check=False, **extra):
    return run_module('host_networks', check=check, networks=networks, netns=host, **extra)


def reaches_everything(lab, host, count):
    pings = []
    for i in range(1, count + 1):
        container = lab.ns('c%d' % i)
        pings += [lab.ping(host, '198.18.%d.10' % (100 + i)), lab.ping(host, '2001:db8:%x::10' % i),
                  lab.ping(container, '198.18.%d.254' % (100 + i)), lab.ping(container, '2001:db8:%x::1:1' % i)]
    return pings


def reaches_the_host(lab, count, last=45):
    """Does each container reach the host's own addresses on its parent (not the shim's), over IPv4 and IPv6?"""
    pings = []
    for i in range(1, count + 1):
        container = lab.ns('c%d' % i)
        pings += [lab.ping(container, '198.18.%d.%d' % (100 + i, last)), lab.ping(container, '2001:db8:%x::1:%d' % (i, last))]
    return pings


def ipv6_setting(host, link, name):
    return sh('ip netns exec %s cat /proc/sys/net/ipv6/conf/%s/%s' % (host, link, name)).strip()


def test_twenty_dual_stack_networks_converge_reach_and_reapply_changes_nothing(lab):
    host = scene(lab, 20)
    networks = [network(i) for i in range(1, 21)]
    pristine = host_state(host)
    assert not any(reaches_everything(lab, host, 2)), 'the famous catch: no shim, no way to the containers'

    planned = converge(host, networks, check=True, sysctls={'net.ipv4.ip_forward': 1})
    assert planned['rc'] == 0 and planned['changed'], planned
    assert host_state(host) == pristine, 'check mode changed the host'
    assert len(planned['created']) == 20
    assert planned['networks'][0]['routes'] == ['198.18.101.0/28', '2001:db8:1::/120']

    made = converge(host, networks, sysctls={'net.ipv4.ip_forward': 1})
    assert made['rc'] == 0 and made['changed'], made
    assert sorted(made['created']) == sorted('n%d-shim' % i for i in range(1, 21))
    assert [c['action'] for c in made['changes']] == [c['action'] for c in planned['changes']]
    assert all(item['reachable'] for item in made['verify']) and len(made['verify']) == 40
    assert made['networks'][4]['addresses'] == ['198.18.105.254/32', '2001:db8:5::1:1/128']
    assert all(reaches_everything(lab, host, 20)), 'host <-> container, IPv4 and IPv6, in every network'
    assert all(reaches_the_host(lab, 20)), "every container reaches the host's main IPv4 and IPv6 address"
    # the same, as a verify play checks it: one reachability task, targets leaving from the containers' namespaces
    probe = run_module('reachability', netns=host, targets=[
        dict(name='%s%d->host' % (family, i), address=address, netns=lab.ns('c%d' % i)) for i in (1, 7, 20)
        for family, address in (('v4-', '198.18.%d.45' % (100 + i)), ('v6-', '2001:db8:%x::1:45' % i))])
    assert probe['rc'] == 0 and probe['not_reached'] == [] and len(probe['reached']) == 6, probe
    proxies = sh('ip -n %s -6 neigh show proxy' % host)
    assert all('2001:db8:%x::1:45 dev n%d-shim proxy' % (i, i) in proxies for i in range(1, 21)), proxies
    assert ipv6_setting(host, 'n7-shim', 'proxy_ndp') == '1' and ipv6_setting(host, 'n7-shim', 'forwarding') == '1'
    assert ipv6_setting(host, 'all', 'forwarding') == '0' and ipv6_setting(host, 'p7', 'forwarding') == '0', \
        'only the shim forwards: the host stays a host'
    shim = lab.link(host, 'n7-shim')
    assert shim['ifalias'] == 'underlay.network' and shim['linkinfo']['info_data']['mode'] == 'bridge'
    assert '198.18.107.0/28 dev n7-shim proto 209 scope link' in sh('ip -n %s route' % host)
    assert 'tentative' not in sh('ip -n %s -6 addr show dev n7-shim scope global' % host)

    settled = host_state(host)
    again = converge(host, networks, sysctls={'net.ipv4.ip_forward': 1})
    assert again['rc'] == 0 and again['changed'] is False and again['changes'] == [], again
    assert host_state(host) == settled, 'an unchanged re-apply must not touch the kernel'

    # an address the parent gains later is answered for after the next run
    sh('ip -n %s addr add 2001:db8:3::1:46/64 dev p3 nodad' % host)
    assert not lab.ping(lab.ns('c3'), '2001:db8:3::1:46')
    later = converge(host, networks, sysctls={'net.ipv4.ip_forward': 1})
    assert later['rc'] == 0 and [(c['action'], c['name'], c.get('after')) for c in later['changes']] == [
        ('add proxy', 'n3-shim', '2001:db8:3::1:46')], later['changes']
    assert lab.ping(lab.ns('c3'), '2001:db8:3::1:46')

    gone = converge(host, networks, state='absent')
    assert gone['rc'] == 0 and sorted(gone['removed']) == sorted('n%d-shim' % i for i in range(1, 21)), gone
    assert not any(reaches_everything(lab, host, 3))
    assert 'proto 209' not in sh('ip -n {h} route; ip -n {h} -6 route'.format(h=host))
    assert sh('ip -n %s -6 neigh show proxy' % host).strip() == '', 'every proxy entry went with its shim'
    assert not any(reaches_the_host(lab, 3)[1::2]), 'IPv6 to the host is back to the famous catch'


def _earlier_state(lab, count):
    """A host that already has networks 1-5 with other settings (metric 5, an extra stale address)."""
    host = scene(lab, count)
    first = converge(host, [network(i, metric=5) for i in range(1, 6)])
    assert first['rc'] == 0, first
    sh('ip -n %s addr add 198.18.101.253/32 dev n1-shim' % host)
    return host


def test_a_kernel_refusal_in_the_fifteenth_network_puts_the_whole_host_back(lab):
    host = _earlier_state(lab, 16)
    # someone else's route to network 15's range, same metric, another device: only the kernel can say no
    sh('ip -n %s route add 198.18.115.0/28 dev q15' % host)
    sh('ip netns exec %s sh -c "echo 0 > /proc/sys/net/ipv4/ip_forward"' % host)
    before = host_state(host)
    failed = converge(host, [network(i) for i in range(1, 17)], sysctls={'net.ipv4.ip_forward': 1})
    assert failed['rc'] == 1 and failed.get('failed'), failed
    assert 'add route 198.18.115.0/28' in failed['msg'] and 'another device' in failed['msg'], failed['msg']
    assert 'everything this task changed was put back' in failed['msg'], failed['msg']
    assert host_state(host) == before


def test_a_name_taken_by_another_kind_of_link_is_refused_before_anything_changes(lab):
    host = _earlier_state(lab, 16)
    sh('ip -n %s link add n15-shim type veth peer name n15-peer' % host)
    before = host_state(host)
    failed = converge(host, [network(i) for i in range(1, 17)])
    assert failed['rc'] == 1 and failed['field'] == 'name', failed
    assert "'n15-shim'" in failed['msg'] and 'veth' in failed['msg'], failed['msg']
    assert host_state(host) == before


def test_an_unanswered_verify_target_rolls_everything_back(lab):
    host = _earlier_state(lab, 8)
    sh('ip netns exec %s sh -c "echo 0 > /proc/sys/net/ipv4/ip_forward"' % host)
    before = host_state(host)
    networks = [network(i) for i in range(1, 8)] + [network(8, verify_targets=['198.18.108.10', '198.18.108.99'])]
    failed = converge(host, networks, sysctls={'net.ipv4.ip_forward': 1}, verify_timeout=1.5)
    assert failed['rc'] == 1, failed
    assert 'no answer from n8 -> 198.18.108.99' in failed['msg'], failed['msg']
    assert 'put back' in failed['msg'] and 'sysctls net.ipv4.ip_forward' in failed['msg'], failed['msg']
    assert host_state(host) == before

    warned = converge(host, networks, verify_timeout=1.5, on_unreachable='warn')
    assert warned['rc'] == 0 and '198.18.108.99' in json.dumps(warned.get('warnings')), warned
    assert [item['target'] for item in warned['verify'] if not item['reachable']] == ['198.18.108.99']


def test_absent_removes_only_what_carries_the_mark(lab):
    host = scene(lab, 2)
    # a shim someone made by hand for network 2: declared, but not ours
    sh('ip -n %s link add link p2 name n2-shim type macvlan mode bridge' % host)
    made = converge(host, [network(1), network(2)])
    assert made['rc'] == 0 and made['created'] == ['n1-shim'] and 'n2-shim' in made['modified'], made
    sh('ip -n %s link set n2-shim alias ""' % host)  # its owner takes the mark off again
    gone = converge(host, [network(1), network(2)], state='absent')
    assert gone['removed'] == ['n1-shim'], gone
    assert any(item.startswith('n2-shim (') and 'no ownership mark' in item for item in gone['left']), gone
    assert lab.link(host, 'n2-shim') is not None and lab.link(host, 'n1-shim') is None


@pytest.mark.parametrize('extra, words', [
    (dict(controller_address=['198.18.101.5']), ['198.18.101.5', 'controller connects from']),
    (dict(networks_override=[network(1, shim_address='198.18.101.254')]), ['shim_address', 'beside subnets']),
    (dict(networks_override=[network(1, vlan_id='ten')]), ["network 'n1'", "vlan_id 'ten'"]),
    (dict(sysctls={'kernel.panic': 1}), ["key 'kernel.panic' is not a net.* sysctl"]),
])
def test_refusals_name_the_field_and_change_nothing(lab, extra, words):
    host = scene(lab, 1)
    before = host_state(host)
    networks = extra.pop('networks_override', [network(1)])
    failed = converge(host, networks, **extra)
    assert failed['rc'] == 1, failed
    for word in words:
        assert word in failed['msg'], failed['msg']
    assert host_state(host) == before


def test_a_second_run_waits_for_the_lock_and_names_its_holder(lab, tmp_path):
    host = scene(lab, 1)
    path = '/run/underlay.network/netns-%s.lock' % host
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, 'a+') as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        handle.write('pid 4242 (another job), since now\n')
        handle.flush()
        waiting = converge(host, [network(1)], lock_timeout=1)
    os.unlink(path)
    assert waiting['rc'] == 1 and 'pid 4242 (another job)' in waiting['msg'], waiting
    assert lab.link(host, 'n1-shim') is None


@pytest.mark.host_kernel_flow
def test_two_playbook_runs_at_once_both_end_well(lab, tmp_path):
    host = scene(lab, 6)
    networks = [network(i) for i in range(1, 7)]
    path = tmp_path / 'vars.json'
    path.write_text(json.dumps({'host_netns': host, 'host_networks_list': networks}))
    runs = [_start_playbook(path) for _run in range(2)]
    outputs = [run.communicate() for run in runs]
    assert [run.returncode for run in runs] == [0, 0], outputs
    assert all(reaches_everything(lab, host, 6))
    again = converge(host, networks)
    assert again['changed'] is False, again


def _start_playbook(path):
    bindir = os.path.dirname(sys.executable)
    env = dict(os.environ, ANSIBLE_COLLECTIONS_PATH=COLLECTIONS, ANSIBLE_PYTHON_INTERPRETER=sys.executable, ANSIBLE_NOCOLOR='1',
               ANSIBLE_LOCALHOST_WARNING='false', ANSIBLE_INVENTORY_UNPARSED_WARNING='false')
    return subprocess.Popen([os.path.join(bindir, 'ansible-playbook'), os.path.join(HERE, 'playbooks', 'host_networks.yml'),
                             '-e', '@%s' % path], stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=env)


@pytest.mark.host_kernel_flow
def test_the_module_through_ansible_playbook(lab, tmp_path):
    host = scene(lab, 1)
    path = tmp_path / 'vars.json'
    path.write_text(json.dumps({'host_netns': host, 'host_networks_list': [network(1)]}))
    run = ansible_playbook('host_networks.yml', '-e', '@%s' % path)
    assert run.returncode == 0, run.stdout + run.stderr
    assert all(reaches_everything(lab, host, 1))


@pytest.mark.kernel('vlan', 'ipvlan')
def test_vlan_sub_interfaces_and_an_ipvlan_shim_in_one_transaction(lab):
    """A trunk: a macvlan network on VLAN 10 and an ipvlan (l2) network on VLAN 20 of one parent; the
    run creates both sub-interfaces and both shims, a failed gate takes all of them away again."""
    host = lab.add_ns('host')
    lab.veth(host, 'p1', 'q1')
    vlans = {10: 'macvlan', 20: 'ipvlan'}
    networks = [dict(name='v%d' % vlan, driver=driver, parent='p1', vlan_id=vlan, mode='l2' if driver == 'ipvlan' else None,
                     subnets=[dict(subnet='198.18.%d.0/24' % vlan, ip_range='198.18.%d.0/28' % vlan,
                                   shim_address='198.18.%d.254' % vlan),
                              dict(subnet='2001:db8:%d::/64' % vlan, ip_range='2001:db8:%d::/120' % vlan,
                                   shim_address='2001:db8:%d::1:1' % vlan)],
                     verify_targets=['198.18.%d.10' % vlan, '2001:db8:%d::10' % vlan])
                for vlan, driver in sorted(vlans.items())]
    networks = [{k: v for k, v in net.items() if v is not None} for net in networks]
    pristine = host_state(host)

    # the containers are not there yet: the gate fails and the sub-interfaces and shims go again
    failed = converge(host, networks, verify_timeout=1)
    assert failed['rc'] == 1 and 'no answer from v10 -> 198.18.10.10' in failed['msg'], failed
    assert host_state(host) == pristine

    made = converge(host, networks, verify=False)
    assert made['rc'] == 0 and made['created'] == ['p1.10', 'p1.20', 'v10-shim', 'v20-shim'], made
    for vlan, driver in vlans.items():
        sub = lab.link(host, 'p1.%d' % vlan)
        assert sub['linkinfo']['info_data']['id'] == vlan and sub['ifalias'] == 'underlay.network'
        shim = lab.link(host, 'v%d-shim' % vlan)
        assert shim['link'] == 'p1.%d' % vlan and shim['linkinfo']['info_kind'] == driver
        container = lab.add_ns('c%d' % vlan)
        sh('ip -n {h} link add link p1.{v} name k{v} type {d} mode {m} && ip -n {h} link set k{v} netns {c} && '
           'ip -n {c} link set k{v} up && ip -n {c} addr add 198.18.{v}.10/24 dev k{v} && '
           'ip -n {c} addr add 2001:db8:{v}::10/64 dev k{v} nodad'.format(
               h=host, v=vlan, d=driver, m='l2' if driver == 'ipvlan' else 'bridge', c=container))
    assert lab.link(host, 'v20-shim')['linkinfo']['info_data']['mode'] == 'l2'

    checked = converge(host, networks)
    assert checked['rc'] == 0 and checked['changed'] is False, checked
    assert all(item['reachable'] for item in checked['verify']) and len(checked['verify']) == 4
    for vlan in vlans:
        container = lab.ns('c%d' % vlan)
        assert lab.ping(host, '198.18.%d.10' % vlan) and lab.ping(host, '2001:db8:%d::10' % vlan)
        assert lab.ping(container, '198.18.%d.254' % vlan) and lab.ping(container, '2001:db8:%d::1:1' % vlan)

    # absent: the shims go; the sub-interfaces stay while the containers' links still hang off them
    kept = converge(host, networks, state='absent')
    assert kept['rc'] == 0 and sorted(kept['removed']) == ['v10-shim', 'v20-shim'], kept
    assert sorted(kept['left']) == ['p1.10 (still the parent of k10)', 'p1.20 (still the parent of k20)'], kept
    for vlan in vlans:
        sh('ip netns del %s' % lab.ns('c%d' % vlan))
    gone = converge(host, networks, state='absent')
    assert gone['rc'] == 0 and sorted(gone['removed']) == ['p1.10', 'p1.20'], gone
    assert host_state(host) == pristine


@pytest.mark.kernel('ipvlan')
@pytest.mark.parametrize('mode', ['l2', 'l3'])
def test_ipvlan_containers_reach_the_hosts_own_addresses_over_both_families(lab, mode):
    """ipvlan shims, dual stack: in l2 the containers find the host's main IPv6 address through the shim's
    proxy entries (neighbour discovery); an l3 port has no neighbour discovery, its packets for the host's
    address are routed to the host, so an l3 shim needs none."""
    host = lab.add_ns('host')
    lab.veth(host, 'p1', 'q1')
    sh('ip -n {h} addr add 198.18.61.45/24 dev p1 && ip -n {h} addr add 2001:db8:61::1:45/64 dev p1 nodad'.format(h=host))
    container = lab.add_ns('c1')
    sh('ip -n {h} link add link p1 name k1 type ipvlan mode {m} && ip -n {h} link set k1 netns {c} && '
       'ip -n {c} link set k1 up && ip -n {c} addr add 198.18.61.10/24 dev k1 && '
       'ip -n {c} addr add 2001:db8:61::10/64 dev k1 nodad'.format(h=host, m=mode, c=container))
    net = dict(name='v1', driver='ipvlan', parent='p1', mode=mode, subnets=[
        dict(subnet='198.18.61.0/24', ip_range='198.18.61.0/28', shim_address='198.18.61.254'),
        dict(subnet='2001:db8:61::/64', ip_range='2001:db8:61::/120', shim_address='2001:db8:61::1:1')],
        verify_targets=['198.18.61.10', '2001:db8:61::10'])
    made = converge(host, [net])
    assert made['rc'] == 0 and made['created'] == ['v1-shim'], made
    proxies = sh('ip -n %s -6 neigh show proxy' % host)
    if mode == 'l2':
        assert '2001:db8:61::1:45 dev v1-shim proxy' in proxies and ipv6_setting(host, 'v1-shim', 'proxy_ndp') == '1'
    else:
        assert proxies.strip() == '' and ipv6_setting(host, 'v1-shim', 'proxy_ndp') == '0'
    assert lab.ping(host, '198.18.61.10') and lab.ping(host, '2001:db8:61::10')
    assert lab.ping(container, '198.18.61.45') and lab.ping(container, '2001:db8:61::1:45'), \
        "the container reaches the host's main address over both families"
    assert converge(host, [net])['changed'] is False
    gone = converge(host, [net], state='absent')
    assert gone['rc'] == 0 and sh('ip -n %s -6 neigh show proxy' % host).strip() == ''


def test_the_boot_replay_answers_for_the_parents_ipv6_address_before_the_network_stack_restores_it(lab, tmp_path):
    """persist: engine remembers what each shim answered for, so a replay that runs before the host's network
    stack has put the parent's address back still answers for it once it is back; the next run follows the
    parent again."""
    host = scene(lab, 1)
    root = tmp_path / 'root'
    made = converge(host, [network(1)], persist='engine', persist_root=str(root))
    assert made['rc'] == 0 and made['changed'], made
    stored = json.loads((root / ('etc/underlay.network/host-networks@%s.json' % host)).read_text())
    assert stored['proxy_ndp'] == {'n1-shim': ['2001:db8:1::1:45']}
    # a boot: no shim yet, and the parent's IPv6 address not yet put back by the network stack
    sh('ip -n {h} link del n1-shim && ip -n {h} addr del 2001:db8:1::1:45/64 dev p1'.format(h=host))
    out = sh('%s --root %s' % (root / 'usr/lib/underlay.network/replay', root))
    assert 'created n1-shim' in out, out
    assert '2001:db8:1::1:45 dev n1-shim proxy' in sh('ip -n %s -6 neigh show proxy' % host)
    sh('ip -n %s addr add 2001:db8:1::1:45/64 dev p1 nodad' % host)
    sh('ip -n %s neigh flush all' % lab.ns('c1'))  # the container's cache still names the shim before the boot
    assert all(reaches_the_host(lab, 1)) and all(reaches_everything(lab, host, 1))
    # the parent's address is gone for good: the next run stops answering for it
    sh('ip -n %s addr del 2001:db8:1::1:45/64 dev p1' % host)
    later = converge(host, [network(1)], persist='engine', persist_root=str(root))
    assert [(c['action'], c.get('before')) for c in later['changes'] if c['kind'] == 'macvlan'] == [
        ('remove proxy', '2001:db8:1::1:45')], later['changes']
    assert 'proxy_ndp' not in json.loads((root / ('etc/underlay.network/host-networks@%s.json' % host)).read_text())
    assert converge(host, [network(1)], state='absent', persist='engine', persist_root=str(root))['rc'] == 0


def test_a_sysctl_that_sets_forwarding_for_the_whole_namespace_leaves_the_shims_answering(lab):
    """The kernel copies all.forwarding into every interface: the host's sysctls are written before its links,
    so the shims that answer for the host's IPv6 addresses keep their own forwarding."""
    host = scene(lab, 1)
    sh('ip netns exec %s sysctl -qw net.ipv6.conf.all.forwarding=1' % host)
    wanted = {'net.ipv6.conf.all.forwarding': 0}
    made = converge(host, [network(1)], sysctls=wanted)
    assert made['rc'] == 0 and [c['action'] for c in made['changes']][0] == 'set sysctl', made['changes']
    assert ipv6_setting(host, 'all', 'forwarding') == '0' and ipv6_setting(host, 'n1-shim', 'forwarding') == '1'
    assert all(reaches_the_host(lab, 1))
    again = converge(host, [network(1)], sysctls=wanted)
    assert again['rc'] == 0 and again['changed'] is False, again['changes']


def test_a_shim_of_several_subnets_answers_each_container_from_the_address_of_its_own_subnet(lab):
    """Two IPv4 subnets and two IPv6 ones on one network: the host reaches a container in each. Its reply goes
    to the shim address of its own subnet only when the host's echo came from there (a reply to another subnet
    would go to the container's gateway): each route carries that address as its preferred source."""
    host = lab.add_ns('host')
    lab.veth(host, 'p1', 'q1')
    subnets = [dict(subnet='198.18.71.0/24', ip_range='198.18.71.0/28', shim_address='198.18.71.254'),
               dict(subnet='198.18.72.0/24', ip_range='198.18.72.0/28', shim_address='198.18.72.254'),
               dict(subnet='2001:db8:71::/64', ip_range='2001:db8:71::/120', shim_address='2001:db8:71::1:1'),
               dict(subnet='2001:db8:72::/64', ip_range='2001:db8:72::/120', shim_address='2001:db8:72::1:1')]
    containers = {}
    for i, (v4, v6) in enumerate((('198.18.71.10', '2001:db8:71::10'), ('198.18.72.10', '2001:db8:72::10')), 1):
        container = lab.add_ns('c%d' % i)
        gateway4, gateway6 = v4.rsplit('.', 1)[0] + '.1', v6.rsplit(':', 1)[0] + ':1'
        sh('ip -n {h} link add link p1 name k{i} type macvlan mode bridge && ip -n {h} link set k{i} netns {c} && '
           'ip -n {c} link set k{i} up && ip -n {c} addr add {v4}/24 dev k{i} && '
           'ip -n {c} addr add {v6}/64 dev k{i} nodad && ip -n {c} route add default via {g4} && '
           'ip -n {c} -6 route add default via {g6}'.format(h=host, i=i, c=container, v4=v4, v6=v6, g4=gateway4,
                                                            g6=gateway6))
        containers[container] = (v4, v6)
    net = dict(name='two', parent='p1', subnets=subnets)
    made = converge(host, [net])
    assert made['rc'] == 0, made
    routes = sh('ip -n {h} route show dev two-shim; ip -n {h} -6 route show dev two-shim'.format(h=host))
    for item in subnets:
        assert 'src %s' % item['shim_address'] in [
            ' '.join(line.split()[line.split().index('src'):][:2]) for line in routes.splitlines()
            if line.startswith(item['ip_range']) and 'src' in line], routes
    for container, addresses in containers.items():
        for address in addresses:
            assert lab.ping(host, address), 'host -> %s through the shim' % address
    assert converge(host, [net])['changed'] is False
    # a route the kernel has with another source (as an earlier release left it) is replaced
    sh('ip -n {h} route replace 198.18.72.0/28 dev two-shim proto 209 scope link src 198.18.71.254'.format(h=host))
    fixed = converge(host, [net])
    assert [c['action'] for c in fixed['changes']] == ['set route source'], fixed['changes']
    assert lab.ping(host, '198.18.72.10')
    assert converge(host, [net], state='absent')['rc'] == 0
