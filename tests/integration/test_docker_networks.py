# Copyright: (c) 2026, underlay.network contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Docker macvlan networks end to end: a real dockerd (vfs), busybox containers, real packets, the role.

Docker's parent and the host's shim live in the root namespace, so the engine
fixture first adds `unreachable` routes for 198.18.0.0/15 and 2001:db8::/32 and removes them at the end:
nothing of the lab's can leave through eth0, and the shim's more specific routes still win. dockerd runs
with its own data root and socket under /tmp, without docker0, iptables or masquerading.
"""
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import time

import pytest

from helpers import COLLECTIONS, run_module, sh

HERE = os.path.dirname(os.path.abspath(__file__))
PREFIX = 'uldk%d' % (os.getpid() % 10000)
IMAGE = '%s/busybox:1' % PREFIX
ROUTES = ('198.18.0.0/15', '2001:db8::/32')

pytestmark = [pytest.mark.kernel('macvlan'), pytest.mark.host_kernel_flow, pytest.mark.docker]


class Engine:
    def __init__(self, root):
        self.root = root
        self.socket = os.path.join(root, 'docker.sock')
        self.host = 'unix://' + self.socket

    def docker(self, *args, check=True):
        result = subprocess.run(['/usr/bin/docker', '-H', self.host] + list(args), capture_output=True, text=True,
                                check=False)
        if check and result.returncode != 0:
            raise AssertionError('docker %s failed: %s' % (' '.join(args), result.stderr.strip()))
        return result

    def ping_from(self, container, address):
        return self.docker('exec', container, 'ping', '-c', '1', '-W', '1', address, check=False).returncode == 0


def host_ping(address):
    return subprocess.run(['ping', '-c', '1', '-W', '1', address], capture_output=True, check=False).returncode == 0


def _unreachable(action):
    for family, route in zip(('-4', '-6'), ROUTES):
        sh('ip %s route %s unreachable %s' % (family, action, route), check=action == 'add')


@pytest.fixture(scope='module')
def engine():
    if not os.path.exists('/usr/sbin/dockerd'):
        pytest.fail('dockerd is missing: scripts/bootstrap installs docker.io')
    root = '/tmp/%s-docker' % PREFIX
    os.makedirs(root)
    _unreachable('add')
    daemon = subprocess.Popen(
        ['/usr/sbin/dockerd', '--storage-driver=vfs', '--bridge=none', '--iptables=false', '--ip6tables=false',
         '--ip-masq=false', '--data-root', root + '/data', '--exec-root', root + '/exec', '--pidfile',
         root + '/docker.pid', '-H', 'unix://' + root + '/docker.sock'],
        stdout=open(root + '/dockerd.log', 'w'), stderr=subprocess.STDOUT, start_new_session=True)
    engine = Engine(root)
    try:
        deadline = time.time() + 30
        while not (os.path.exists(engine.socket) and engine.docker('version', check=False).returncode == 0):
            if time.time() > deadline:
                pytest.fail('dockerd did not start: %s' % open(root + '/dockerd.log').read()[-2000:])
            time.sleep(0.2)
        rootfs = os.path.join(root, 'rootfs')
        os.makedirs(os.path.join(rootfs, 'bin'))
        shutil.copy('/bin/busybox', os.path.join(rootfs, 'bin', 'busybox'))
        for applet in ('sh', 'ip', 'ping', 'sleep'):
            os.symlink('busybox', os.path.join(rootfs, 'bin', applet))
        tar = subprocess.Popen(['tar', '-C', rootfs, '-c', '.'], stdout=subprocess.PIPE)
        subprocess.run(['/usr/bin/docker', '-H', engine.host, 'import', '-', IMAGE], stdin=tar.stdout,
                       capture_output=True, check=True)
        tar.wait()
        yield engine
    finally:
        for container in engine.docker('ps', '-aq', check=False).stdout.split():
            engine.docker('rm', '-f', container, check=False)
        for network in engine.docker('network', 'ls', '-q', '--filter', 'driver=macvlan', check=False).stdout.split():
            engine.docker('network', 'rm', network, check=False)
        os.killpg(daemon.pid, signal.SIGTERM)
        try:
            daemon.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(daemon.pid, signal.SIGKILL)
            daemon.wait()
        for link in re.findall(r'^(%s[^@\s]*)' % PREFIX, sh('ip -br link'), re.M):
            sh('ip link del %s' % link, check=False)
        sh('ip netns del %s-sw' % PREFIX, check=False)
        _unreachable('del')
        shutil.rmtree(root, ignore_errors=True)


@pytest.fixture
def parent(engine):
    """A veth pair as the 'NIC': one end in the root namespace (Docker's parent), the other in a switch namespace."""
    name, peer, switch = PREFIX + 'p0', PREFIX + 'p1', PREFIX + '-sw'
    sh('ip netns add {sw} && ip link add {a} type veth peer name {b} netns {sw} && ip link set {a} up && '
       'ip -n {sw} link set {b} up'.format(sw=switch, a=name, b=peer))
    try:
        yield name
    finally:
        sh('ip link del %s' % name, check=False)
        sh('ip netns del %s' % switch, check=False)


def role(engine, state, networks, *flags):
    """The host_reachability role on localhost (the root namespace) through ansible-playbook."""
    bindir = os.path.dirname(sys.executable)
    config = '/tmp/%s-docker/config' % PREFIX
    extra = {'host_reachability_state': state, 'host_reachability_networks': networks,
             'host_reachability_docker_host': engine.host, 'host_reachability_config_root': config,
             'host_reachability_sysctls': {}}
    env = dict(os.environ, ANSIBLE_COLLECTIONS_PATH=COLLECTIONS, ANSIBLE_PYTHON_INTERPRETER=sys.executable,
               ANSIBLE_NOCOLOR='1', ANSIBLE_LOCALHOST_WARNING='false', ANSIBLE_INVENTORY_UNPARSED_WARNING='false')
    return subprocess.run([os.path.join(bindir, 'ansible-playbook'), os.path.join(HERE, 'playbooks', 'docker_role.yml'),
                           '-e', json.dumps(extra)] + list(flags), capture_output=True, text=True, env=env, check=False)


def changed(run):
    return int(re.search(r'localhost\s+: ok=\d+\s+changed=(\d+)', run.stdout).group(1))


def root_state():
    return sh('ip -d -o link show; ip -o addr show scope global; ip route show; ip -6 route show')


def test_a_network_made_by_hand_gets_its_shim_from_its_settings(engine, parent):
    """Seed 000: a Docker macvlan network with aux address host=..., containers, then the role derives the shim."""
    net = PREFIX + '-hand'
    engine.docker('network', 'create', '-d', 'macvlan', '--subnet', '198.18.64.0/20', '--gateway', '198.18.64.1',
                  '--ip-range', '198.18.72.0/24', '--aux-address', 'host=198.18.72.254', '-o', 'parent=' + parent, net)
    for name, ip in (('c1', '198.18.72.2'), ('c2', '198.18.72.3')):
        engine.docker('run', '-d', '--name', '%s-%s' % (PREFIX, name), '--network', net, '--ip', ip, IMAGE,
                      'sleep', '3600')
    c1 = PREFIX + '-c1'
    assert engine.ping_from(c1, '198.18.72.3'), 'containers on one macvlan network reach each other'
    assert not host_ping('198.18.72.2'), 'the famous catch: the host cannot reach its own macvlan containers'
    assert not engine.ping_from(c1, '198.18.72.254')

    definition = [{'name': 'hand', 'docker': {'name': net}}]  # everything else comes from Docker
    first = role(engine, 'present', definition)
    assert first.returncode == 0, first.stdout + first.stderr
    shim = json.loads(sh('ip -d -j link show dev hand-shim'))[0]
    assert shim['linkinfo']['info_kind'] == 'macvlan' and shim['link'] == parent
    assert '198.18.72.254/32' in sh('ip -o addr show dev hand-shim')
    assert '198.18.72.0/24 dev hand-shim proto 209' in sh('ip route show')
    assert host_ping('198.18.72.2') and host_ping('198.18.72.3'), 'host -> containers through the shim'
    assert engine.ping_from(c1, '198.18.72.254'), 'container -> host (the shim address)'

    before = root_state()
    again = role(engine, 'present', definition)
    assert again.returncode == 0 and changed(again) == 0, again.stdout
    assert root_state() == before

    clash = role(engine, 'present', definition + [{'name': 'second', 'parent': parent, 'subnet': '198.18.96.0/20',
                                                   'ip_range': '198.18.97.0/24', 'shim_address': '198.18.97.254',
                                                   'docker': {}}])
    assert clash.returncode != 0
    for words in ('one macvlan or ipvlan network per parent interface', "network 'hand'", 'vlan_id: 10'):
        assert words in clash.stdout, clash.stdout
    assert engine.docker('network', 'inspect', 'second', check=False).returncode != 0
    assert 'second-shim' not in sh('ip -br link')

    down = role(engine, 'absent', definition)
    assert down.returncode == 0, down.stdout
    assert 'hand-shim' not in sh('ip -br link') and 'proto 209' not in sh('ip route show')
    assert not host_ping('198.18.72.2')
    # Docker's own objects stay Docker's: the network made by hand, its containers and their traffic
    assert engine.docker('network', 'inspect', net).returncode == 0
    assert engine.ping_from(c1, '198.18.72.3')
    for name in ('c1', 'c2'):
        engine.docker('rm', '-f', '%s-%s' % (PREFIX, name))
    engine.docker('network', 'rm', net)


def test_the_role_creates_the_network_and_teardown_removes_it(engine, parent):
    net = PREFIX + '-made'
    definition = [{'name': 'made', 'parent': parent, 'subnet': '198.18.80.0/20', 'gateway': '198.18.80.1',
                   'ip_range': '198.18.88.0/24', 'shim_address': '198.18.88.254', 'docker': {'name': net}}]
    planned = role(engine, 'present', definition, '--check')
    assert planned.returncode == 0 and changed(planned) > 0, planned.stdout
    assert engine.docker('network', 'inspect', net, check=False).returncode != 0, '--check must not create it'

    first = role(engine, 'present', definition)
    assert first.returncode == 0, first.stdout + first.stderr
    inspect = json.loads(engine.docker('network', 'inspect', net).stdout)[0]
    config = inspect['IPAM']['Config'][0]
    assert (inspect['Driver'], inspect['Options']['parent']) == ('macvlan', parent)
    assert (config['Subnet'], config['Gateway'], config['IPRange']) == ('198.18.80.0/20', '198.18.80.1',
                                                                        '198.18.88.0/24')
    assert config['AuxiliaryAddresses'] == {'host': '198.18.88.254'}, 'the shim address is reserved in Docker'
    assert inspect['Labels'] == {'underlay.network.managed': 'true'}, 'ownership lives on the network'

    engine.docker('run', '-d', '--name', PREFIX + '-m1', '--network', net, IMAGE, 'sleep', '3600')
    address = json.loads(engine.docker('network', 'inspect', net).stdout)[0]['Containers']
    ip = list(address.values())[0]['IPv4Address'].split('/')[0]
    assert ip.startswith('198.18.88.') and ip != '198.18.88.254'
    assert host_ping(ip) and engine.ping_from(PREFIX + '-m1', '198.18.88.254')
    again = role(engine, 'present', definition)
    assert again.returncode == 0 and changed(again) == 0, again.stdout

    # teardown with a container still attached: refused before anything is removed, naming it
    before = root_state()
    refused = role(engine, 'absent', definition)
    assert refused.returncode != 0 and PREFIX + '-m1' in refused.stdout, refused.stdout
    assert root_state() == before and host_ping(ip)

    engine.docker('rm', '-f', PREFIX + '-m1')
    down = role(engine, 'absent', definition)
    assert down.returncode == 0, down.stdout
    assert engine.docker('network', 'inspect', net, check=False).returncode != 0, 'the role made it, so it removes it'
    assert 'made-shim' not in sh('ip -br link') and 'proto 209' not in sh('ip route show')


def test_a_dual_stack_network_with_two_subnets(engine, parent):
    """One Docker macvlan network with two IPv4 subnets and an IPv6 one: one shim, an address per subnet."""
    net = PREFIX + '-dual'
    subnets = [{'subnet': '198.18.160.0/24', 'gateway': '198.18.160.1', 'ip_range': '198.18.160.64/26',
                'shim_address': '198.18.160.254'},
               {'subnet': '198.18.161.0/24', 'gateway': '198.18.161.1', 'ip_range': '198.18.161.64/26',
                'shim_address': '198.18.161.254'},
               {'subnet': '2001:db8:160::/64', 'gateway': '2001:db8:160::1', 'ip_range': '2001:db8:160::100/120',
                'shim_address': '2001:db8:160::fe'}]
    definition = [{'name': 'dual', 'parent': parent, 'subnets': subnets, 'docker': {'name': net}}]
    first = role(engine, 'present', definition)
    assert first.returncode == 0, first.stdout + first.stderr
    inspect = json.loads(engine.docker('network', 'inspect', net).stdout)[0]
    assert inspect['EnableIPv6'] is True
    assert [c['Subnet'] for c in inspect['IPAM']['Config']] == [item['subnet'] for item in subnets]
    assert [c['AuxiliaryAddresses'] for c in inspect['IPAM']['Config']] == [
        {'host': item['shim_address']} for item in subnets]
    addresses = sh('ip -o addr show dev dual-shim scope global')
    for item in subnets:
        assert item['shim_address'] in addresses, addresses
    routes = sh('ip route show; ip -6 route show')
    for item in subnets:
        assert '%s dev dual-shim proto 209' % item['ip_range'] in routes, routes

    engine.docker('run', '-d', '--name', PREFIX + '-d1', '--network', net, '--ip', '198.18.160.70',
                  '--ip6', '2001:db8:160::170', IMAGE, 'sleep', '3600')
    engine.docker('run', '-d', '--name', PREFIX + '-d2', '--network', net, '--ip', '198.18.161.70', IMAGE,
                  'sleep', '3600')
    assert host_ping('198.18.160.70'), 'host -> container over IPv4'
    assert host_ping('198.18.161.70'), 'host -> a container of the second subnet (the route to it has its source)'
    assert host_ping('2001:db8:160::170'), 'host -> container over IPv6'
    assert engine.ping_from(PREFIX + '-d1', '198.18.160.254') and engine.ping_from(PREFIX + '-d1', '2001:db8:160::fe')
    again = role(engine, 'present', definition)
    assert again.returncode == 0 and changed(again) == 0, again.stdout

    engine.docker('rm', '-f', PREFIX + '-d1', PREFIX + '-d2')
    down = role(engine, 'absent', definition)
    assert down.returncode == 0, down.stdout
    assert engine.docker('network', 'inspect', net, check=False).returncode != 0
    assert 'dual-shim' not in sh('ip -br link')


def test_the_doctor_names_a_docker_network_on_the_parent_and_an_mtu_above_the_parents(engine, parent):
    """underlay_doctor, Docker's rules: Docker 20 takes one macvlan network per parent; a network asking for an MTU
    above the parent's gives its containers less. Each named with its fix; the fix applied, the finding is ok."""
    mine, other = PREFIX + '-doc', PREFIX + '-other'
    ranges = ['--subnet', '198.18.112.0/20', '--ip-range', '198.18.113.0/24', '--aux-address', 'host=198.18.113.254',
              '-o', 'parent=' + parent]
    definition = [{'name': 'doc', 'docker': {'name': mine}}]  # the rest from Docker

    def doctor():
        result = run_module('underlay_doctor', networks=definition, docker_host=engine.host, host='docker-host',
                            probe_timeout=0.5)
        assert result['rc'] == 0, result
        return {item['check']: item for item in result['findings']}

    try:
        engine.docker('network', 'create', '-d', 'macvlan', *ranges, '-o', 'com.docker.network.driver.mtu=9000', mine)
        engine.docker('run', '-d', '--name', PREFIX + '-big', '--network', mine, IMAGE, 'sleep', '600')
        mtu = re.search(r' mtu (\d+) ', engine.docker('exec', PREFIX + '-big', 'ip', 'link', 'show', 'eth0').stdout)
        assert mtu.group(1) == '1500'  # not the 9000 asked for: the kernel keeps a port within its parent's MTU
        capacity = doctor()['capacity']
        assert capacity['status'] == 'warn', capacity
        assert 'Docker network %s asks for mtu 9000' % mine in capacity['evidence']
        assert capacity['fix'].startswith('create Docker network %s with com.docker.network.driver.mtu at most 1500'
                                          % mine)
        engine.docker('rm', '-f', PREFIX + '-big')
        engine.docker('network', 'rm', mine)

        # another network on the parent: Docker 20 refuses a second one, and the doctor says so before the role runs
        engine.docker('network', 'create', '-d', 'macvlan', '--subnet', '198.18.128.0/20', '-o', 'parent=' + parent, other)
        clash = engine.docker('network', 'create', '-d', 'macvlan', *ranges, mine, check=False)
        assert clash.returncode != 0 and 'already using parent interface' in clash.stderr, clash.stderr
        definition = [{'name': 'doc', 'parent': parent, 'subnet': '198.18.112.0/20', 'ip_range': '198.18.113.0/24',
                       'shim_address': '198.18.113.254', 'docker': {'name': mine}}]
        engines = doctor()['container_engines']
        assert engines['status'] == 'fail', engines
        assert '%s (macvlan) on %s' % (other, parent) in engines['evidence'], engines
        assert 'takes one macvlan network per parent interface' in engines['evidence']
        assert engines['fix'] == 'put the network on a VLAN of its own (vlan_id), or remove %s' % other
        engine.docker('network', 'rm', other)

        engine.docker('network', 'create', '-d', 'macvlan', *ranges, mine)
        engine.docker('run', '-d', '--name', PREFIX + '-fits', '--network', mine, IMAGE, 'sleep', '600')
        findings = doctor()
        assert findings['capacity']['status'] == 'ok' and findings['container_engines']['status'] == 'ok', findings
        assert 'Docker 20.10' in findings['container_engines']['evidence']
    finally:
        for container in ('big', 'fits'):
            engine.docker('rm', '-f', '%s-%s' % (PREFIX, container), check=False)
        for name in (mine, other):
            engine.docker('network', 'rm', name, check=False)
    assert not [name for name in sh('ip netns list').split() if name.startswith(('ul-doctor-', 'ul-probe-'))]
