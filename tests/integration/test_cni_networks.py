# Copyright: (c) 2026, underlay.network contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""CNI networks end to end: Debian's CNI plugins make "pods", the collection derives the host's shim from the config.

A lab namespace stands in for a Kubernetes node (its NIC up0); each pod is a namespace of its own. The
plugins in /usr/lib/cni run exactly as a container runtime runs them: the network configuration on stdin,
CNI_COMMAND=ADD or DEL, CNI_CONTAINERID, CNI_NETNS, CNI_IFNAME and CNI_PATH in the environment, in the
node's namespace (where `master` lives); a conflist's plugins one after the other, each given the result
of the one before (prevResult). host-local keeps its leases under the test's own dataDir.
"""
import copy
import json
import os
import re
import subprocess

import pytest

from helpers import ansible_playbook, sh

CNI_PATH = '/usr/lib/cni'


def cni(command, config, node, pod, name=None):
    """One CNI operation on pod namespace `pod` for a configuration (a conflist's plugins in order)."""
    if not os.path.exists(os.path.join(CNI_PATH, 'macvlan')):
        pytest.fail('the CNI plugins are missing: scripts/bootstrap installs containernetworking-plugins')
    plugins = config['plugins'] if 'plugins' in config else [config]
    order = plugins if command == 'ADD' else list(reversed(plugins))
    result = None
    for plugin in order:
        stdin = dict(plugin, cniVersion=config['cniVersion'], name=name or config['name'])
        if result is not None and command == 'ADD':
            stdin['prevResult'] = result
        env = {'PATH': '/usr/sbin:/usr/bin:/sbin:/bin', 'CNI_COMMAND': command, 'CNI_CONTAINERID': pod,
               'CNI_NETNS': '/run/netns/%s' % pod, 'CNI_IFNAME': 'eth0', 'CNI_PATH': CNI_PATH}
        done = subprocess.run(['ip', 'netns', 'exec', node, os.path.join(CNI_PATH, plugin['type'])],
                              input=json.dumps(stdin), capture_output=True, text=True, env=env, check=False)
        if done.returncode != 0:
            raise AssertionError('CNI %s %s failed: %s %s' % (command, plugin['type'], done.stdout, done.stderr))
        if command == 'ADD':
            result = json.loads(done.stdout)
    return result


def addresses(result):
    return [item['address'].split('/')[0] for item in result['ips']]


def pods_config(data_dir):
    """A Multus-style conflist: macvlan on up0 with host-local ranges for IPv4 and IPv6, then tuning."""
    return {
        'cniVersion': '1.0.0', 'name': 'pods',
        'plugins': [
            {'type': 'macvlan', 'master': 'up0', 'mode': 'bridge',
             'ipam': {'type': 'host-local', 'dataDir': data_dir,
                      'ranges': [[{'subnet': '198.18.110.0/24', 'rangeStart': '198.18.110.128',
                                   'rangeEnd': '198.18.110.191', 'gateway': '198.18.110.1'}],
                                 [{'subnet': '2001:db8:110::/64', 'rangeStart': '2001:db8:110::100',
                                   'rangeEnd': '2001:db8:110::1ff'}]]}},
            {'type': 'tuning', 'sysctl': {'net.ipv4.conf.eth0.arp_notify': '1'}},
        ]}


def nad(config):
    """The configuration wrapped as a Multus NetworkAttachmentDefinition (as kubernetes.core.k8s_info returns it)."""
    return {'apiVersion': 'k8s.cni.cncf.io/v1', 'kind': 'NetworkAttachmentDefinition',
            'metadata': {'name': config['name'], 'namespace': 'default'},
            'spec': {'config': json.dumps(config)}}


SHIMS = [{'subnet': '198.18.110.0/24', 'shim_address': '198.18.110.254'},
         {'subnet': '2001:db8:110::/64', 'shim_address': '2001:db8:110::fe'}]


def role(tmp_path, node, state, networks, *extra):
    values = dict(host_reachability_state=state, host_reachability_networks=networks,
                  host_reachability_config_root=str(tmp_path / 'root'), host_reachability_sysctls={})
    path = tmp_path / 'vars.json'
    path.write_text(json.dumps(values))
    return ansible_playbook('netns_role.yml', '-i', '%s,' % node, '-c', 'underlay.network.netns', '-e', '@%s' % path,
                            *extra)


def changed(run, node):
    return int(re.search(r'%s\s+: ok=\d+\s+changed=(\d+)' % re.escape(node), run.stdout).group(1))


@pytest.mark.kernel('macvlan')
@pytest.mark.host_kernel_flow
def test_the_shim_comes_from_a_conflist_and_from_the_same_config_as_a_network_attachment(lab, tmp_path):
    node = lab.add_ns('node')
    lab.veth(node)
    before = lab.state(node)
    pods = [lab.add_ns('p1'), lab.add_ns('p2')]
    config = pods_config(str(tmp_path / 'leases'))
    conflist = tmp_path / 'net.d' / '10-pods.conflist'
    conflist.parent.mkdir()
    conflist.write_text(json.dumps(config, indent=2))
    got = {pod: addresses(cni('ADD', config, node, pod)) for pod in pods}
    v4 = [ip for pod in pods for ip in got[pod] if ':' not in ip]
    v6 = [ip for pod in pods for ip in got[pod] if ':' in ip]
    assert len(v4) == 2 and len(v6) == 2 and all(ip.startswith('198.18.110.1') for ip in v4), got
    assert lab.ping(pods[0], v4[1]), 'pods on one macvlan network reach each other'
    assert not lab.ping(node, v4[0]), 'the famous catch: the node cannot reach its own macvlan pods'

    definition = [{'name': 'pods', 'cni': {'file': str(conflist)}, 'subnets': SHIMS}]
    first = role(tmp_path, node, 'present', definition)
    assert first.returncode == 0, first.stdout + first.stderr
    shim = lab.link(node, 'pods-shim')
    assert shim['linkinfo']['info_kind'] == 'macvlan' and shim['linkinfo']['info_data']['mode'] == 'bridge'
    routes = sh('ip -n {n} route; ip -n {n} -6 route'.format(n=node))
    # each host-local range as the smallest prefix that holds it
    for route in ('198.18.110.128/26 dev pods-shim proto 209', '2001:db8:110::100/120 dev pods-shim proto 209'):
        assert route in routes, routes
    for ip in v4 + v6:
        assert lab.ping(node, ip), 'node -> pod %s through the shim' % ip
    for pod in pods:
        assert lab.ping(pod, '198.18.110.254') and lab.ping(pod, '2001:db8:110::fe'), 'pod -> node, v4 and v6'

    settled = lab.state(node)
    again = role(tmp_path, node, 'present', definition)
    assert again.returncode == 0 and changed(again, node) == 0, again.stdout
    # the same configuration as a NetworkAttachmentDefinition (and as a JSON string) describes the same network
    for given in (nad(config), json.dumps(config)):
        same = role(tmp_path, node, 'present', [{'name': 'pods', 'cni': {'config': given}, 'subnets': SHIMS}])
        assert same.returncode == 0 and changed(same, node) == 0, same.stdout
    assert lab.state(node) == settled

    # a shim address CNI may hand to a pod is refused, with the fix, before anything changes
    inside = copy.deepcopy(SHIMS)
    inside[0]['shim_address'] = '198.18.110.150'
    refused = role(tmp_path, node, 'present', [{'name': 'pods', 'cni': {'file': str(conflist)}, 'subnets': inside}])
    assert refused.returncode != 0
    for words in ('198.18.110.150 is inside ip_range 198.18.110.128/26', 'CNI IPAM reserves nothing',
                  'Move shim_address out of ip_range'):
        assert words in refused.stdout, refused.stdout
    assert lab.state(node) == settled

    for pod in pods:
        cni('DEL', config, node, pod)
    down = role(tmp_path, node, 'absent', definition)
    assert down.returncode == 0, down.stdout
    assert lab.state(node) == before, 'CNI DEL, then absent: nothing of ours or the pods\' is left'
    assert 'proto 209' not in sh('ip -n {n} -6 route'.format(n=node))
    leases = [name for name in os.listdir(str(tmp_path / 'leases' / 'pods'))
              if name != 'lock' and not name.startswith('last_reserved_ip')]
    assert leases == [], 'CNI DEL released every lease'


@pytest.mark.kernel('macvlan')
def test_configurations_the_collection_cannot_read_are_refused_naming_the_file_and_field(lab, module, tmp_path):
    node = lab.add_ns('node')
    lab.veth(node)
    before = lab.state(node)
    bridge = tmp_path / '20-bridge.conflist'
    bridge.write_text(json.dumps({'cniVersion': '1.0.0', 'name': 'br', 'plugins': [
        {'type': 'bridge', 'bridge': 'cni0', 'ipam': {'type': 'host-local', 'subnet': '198.18.111.0/24'}}]}))
    dhcp = {'cniVersion': '1.0.0', 'name': 'dh', 'type': 'macvlan', 'master': 'up0', 'ipam': {'type': 'dhcp'}}
    whole = {'cniVersion': '1.0.0', 'name': 'all', 'type': 'macvlan', 'master': 'up0',
             'ipam': {'type': 'host-local', 'subnet': '198.18.112.0/24'}}
    for cni_option, words in (
            ({'file': str(bridge)}, [str(bridge), "plugins[0].type 'bridge' is not macvlan or ipvlan"]),
            ({'file': str(tmp_path / 'missing.conf')}, ['missing.conf cannot be read', '/etc/cni/net.d']),
            ({'config': dhcp}, ["ipam.type 'dhcp' is not an IPAM this collection reads"]),
            ({'config': whole}, ['rangeStart and rangeEnd are not both set', 'the host\'s shim address included'])):
        result = module('host_networks', networks=[{'name': 'bad', 'cni': cni_option, 'shim_address': '198.18.1.254'}],
                        netns=node)
        assert result.get('failed') and result['field'] == 'cni', result
        for word in words:
            assert word in result['msg'], result['msg']
    assert lab.state(node) == before


def _ipvlan_conf(data_dir, name, mode, subnet, start, end):
    return {'cniVersion': '1.0.0', 'name': name, 'type': 'ipvlan', 'master': 'up0', 'mode': mode,
            'ipam': {'type': 'host-local', 'dataDir': data_dir, 'routes': [{'dst': '0.0.0.0/0'}],
                     'ranges': [[{'subnet': subnet, 'rangeStart': start, 'rangeEnd': end,
                                  'gateway': subnet.replace('0/24', '1')}]]}}


@pytest.mark.kernel('ipvlan')
def test_ipvlan_l2_and_l3_pods_reach_the_node_through_shims_from_their_configurations(lab, module, tmp_path):
    node = lab.add_ns('node')
    lab.veth(node)
    before = lab.state(node)
    leases = str(tmp_path / 'leases')
    l2 = _ipvlan_conf(leases, 'l2pods', 'l2', '198.18.113.0/24', '198.18.113.64', '198.18.113.127')
    l3a = _ipvlan_conf(leases, 'l3a', 'l3', '198.18.114.0/24', '198.18.114.64', '198.18.114.127')
    l3b = _ipvlan_conf(leases, 'l3b', 'l3', '198.18.115.0/24', '198.18.115.64', '198.18.115.127')
    files = {}
    for conf in (l2, l3a, l3b):
        files[conf['name']] = tmp_path / ('%s.conf' % conf['name'])
        files[conf['name']].write_text(json.dumps(conf))

    # the kernel keeps one ipvlan mode per parent: the l2 pods first, on their own, then the l3 ones
    l2_pods = [lab.add_ns('a1'), lab.add_ns('a2')]
    l2_ips = [addresses(cni('ADD', l2, node, pod))[0] for pod in l2_pods]
    assert lab.ping(l2_pods[0], l2_ips[1]) and not lab.ping(node, l2_ips[0])
    networks = [{'name': 'l2pods', 'cni': {'file': str(files['l2pods'])}, 'shim_address': '198.18.113.254'}]
    first = module('host_networks', networks=networks, netns=node)
    assert first.get('changed') and not first.get('failed'), first
    shim = lab.link(node, 'l2pods-shim')
    assert (shim['linkinfo']['info_kind'], shim['linkinfo']['info_data']['mode']) == ('ipvlan', 'l2')
    for pod, ip in zip(l2_pods, l2_ips):
        assert lab.ping(node, ip) and lab.ping(pod, '198.18.113.254'), 'node <-> l2 pod %s' % ip
    assert not module('host_networks', networks=networks, netns=node).get('changed')
    for pod in l2_pods:
        cni('DEL', l2, node, pod)
    assert not module('host_networks', networks=networks, netns=node, state='absent').get('failed')

    l3_pods = {lab.add_ns('b1'): l3a, lab.add_ns('b2'): l3b}
    l3_ips = {pod: addresses(cni('ADD', conf, node, pod))[0] for pod, conf in l3_pods.items()}
    first_pod, second_pod = list(l3_pods)
    assert lab.ping(first_pod, l3_ips[second_pod]), 'l3 pods in two subnets reach each other through the parent'
    networks = [{'name': conf['name'], 'cni': {'file': str(files[conf['name']])},
                 'shim_address': conf['ipam']['ranges'][0][0]['subnet'].replace('0/24', '254')}
                for conf in (l3a, l3b)]
    made = module('host_networks', networks=networks, netns=node)
    assert made.get('changed') and not made.get('failed'), made
    for name in ('l3a-shim', 'l3b-shim'):
        assert lab.link(node, name)['linkinfo']['info_data']['mode'] == 'l3'
    for pod, ip in l3_ips.items():
        assert lab.ping(node, ip), 'node -> l3 pod %s through its shim' % ip
    assert lab.ping(first_pod, '198.18.114.254') and lab.ping(second_pod, '198.18.115.254'), 'l3 pods -> node'
    assert not module('host_networks', networks=networks, netns=node).get('changed')
    for pod, conf in l3_pods.items():
        cni('DEL', conf, node, pod)
    assert not module('host_networks', networks=networks, netns=node, state='absent').get('failed')
    assert lab.state(node) == before, 'CNI DEL, then absent: nothing of ours or the pods\' is left'
