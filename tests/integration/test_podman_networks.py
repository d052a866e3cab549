# Copyright: (c) 2026, underlay.network contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Podman macvlan networks end to end: Debian's podman with netavark, rootful, busybox containers, the role.

A lab namespace stands in for the Podman host: its NIC eth1 is a veth to a switch namespace. The role runs
in it through the netns connection (or enters it with host_reachability_netns), so the podman command it
calls sees that NIC; containers are started with `nsenter --net` into it, so netavark makes their macvlan
ports there. Podman keeps everything of the test's under a temporary root (podman_lab).
"""
import json
import os
import re
import subprocess
import time

import pytest

from helpers import ansible_playbook, sh
from podman_lab import PodmanLab

PREFIX = 'ulpm%d' % (os.getpid() % 10000)
HOST, SWITCH = PREFIX + '-h', PREFIX + '-s'
LAB = PodmanLab(PREFIX)
ROOT, ENV = LAB.root, LAB.env

pytestmark = [pytest.mark.kernel('macvlan'), pytest.mark.host_kernel_flow, pytest.mark.podman]


def podman(*args, check=True, netns=HOST):
    return LAB.podman(*args, check=check, netns=netns)


def ping_from(container, address, tries=1):
    return LAB.ping_from(container, address, tries)


def host_ping(address, tries=1):
    for _attempt in range(tries if ':' in address else 1):
        if subprocess.run(['ip', 'netns', 'exec', HOST, 'ping', '-c', '1', '-W', '1', address],
                          capture_output=True, check=False).returncode == 0:
            return True
    return False


def run_container(name, network, *addresses):
    return LAB.run_container(name, network, HOST, *addresses)


def inspect(network):
    return LAB.inspect(network)


@pytest.fixture(scope='module')
def engine():
    if not os.path.exists('/usr/lib/podman/netavark'):
        pytest.fail('netavark is missing: scripts/bootstrap installs podman')
    sh('ip netns add {h} && ip netns add {s} && ip -n {h} link add eth1 type veth peer name sw0 netns {s} && '
       'ip -n {h} link set lo up && ip -n {h} link set eth1 up && ip -n {s} link set sw0 up && '
       'ip -n {h} addr add 198.18.100.5/24 dev eth1'.format(h=HOST, s=SWITCH))
    try:
        LAB.start()
        yield
    finally:
        LAB.cleanup()
        sh('ip netns del %s' % HOST, check=False)
        sh('ip netns del %s' % SWITCH, check=False)


def role(tmp_path, state, networks, *extra, **variables):
    """The role on the lab host through the netns connection (every task, podman included, runs in it); with
    via_netns_option=True on localhost with host_reachability_netns instead (the modules enter the namespace)."""
    via_option = variables.pop('via_netns_option', False)
    values = dict(host_reachability_state=state, host_reachability_networks=networks,
                  host_reachability_config_root=str(tmp_path / 'root'), host_reachability_sysctls={},
                  **{'host_reachability_' + key: value for key, value in variables.items()})
    if via_option:
        values['host_reachability_netns'] = HOST
    path = tmp_path / 'vars.json'
    path.write_text(json.dumps(values))
    if via_option:
        return ansible_playbook('host_reachability.yml', '-e', '@%s' % path, *extra, env=ENV)
    return ansible_playbook('netns_role.yml', '-i', '%s,' % HOST, '-c', 'underlay.network.netns',
                            '-e', '@%s' % path, *extra, env=ENV)


def changed(run):
    return int(re.search(r'(?:%s|localhost)\s+: ok=\d+\s+changed=(\d+)' % re.escape(HOST), run.stdout).group(1))


def host_state():
    return sh('ip -n {h} -d -o link show; ip -n {h} -o addr show scope global; ip -n {h} route show; '
              'ip -n {h} -6 route show'.format(h=HOST))


SUBNETS = [{'subnet': '198.18.100.0/24', 'gateway': '198.18.100.1', 'ip_range': '198.18.100.128/26',
            'shim_address': '198.18.100.254'},
           {'subnet': '198.18.101.0/24', 'gateway': '198.18.101.1', 'ip_range': '198.18.101.128/26',
            'shim_address': '198.18.101.254'},
           {'subnet': '2001:db8:100::/64', 'gateway': '2001:db8:100::1', 'ip_range': '2001:db8:100::100/120',
            'shim_address': '2001:db8:100::fe'}]


def test_the_role_creates_a_dual_stack_podman_network_and_reaches_its_containers(engine, tmp_path):
    net = PREFIX + '-made'
    definition = [{'name': 'made', 'parent': 'eth1', 'subnets': SUBNETS, 'podman': {'name': net}}]
    planned = role(tmp_path, 'present', definition, '--check')
    assert planned.returncode == 0 and changed(planned) > 0, planned.stdout + planned.stderr
    assert podman('network', 'exists', net, check=False).returncode != 0, '--check must not create it'

    first = role(tmp_path, 'present', definition)
    assert first.returncode == 0, first.stdout + first.stderr
    made = inspect(net)
    assert (made['driver'], made['network_interface'], made['ipv6_enabled']) == ('macvlan', 'eth1', True)
    assert made['labels'] == {'underlay.network.managed': 'true'}, 'ownership lives on the network'
    assert [item['subnet'] for item in made['subnets']] == [item['subnet'] for item in SUBNETS]
    assert [item['gateway'] for item in made['subnets']] == [item['gateway'] for item in SUBNETS]
    # the container range is Podman's lease range: the shim's address lies outside it
    assert [item['lease_range']['start_ip'] for item in made['subnets']] == [
        '198.18.100.129', '198.18.101.129', '2001:db8:100::101']

    c1 = run_container('m1', net, '198.18.100.130', '2001:db8:100::130')
    c2 = run_container('m2', net, '198.18.101.130')
    c3 = run_container('m3', net)  # an address Podman leases itself
    leased = podman('inspect', c3, '--format', '{{json .NetworkSettings.Networks}}').stdout
    leased_ip = json.loads(leased)[net]['IPAddress']
    assert leased_ip.startswith('198.18.100.') and int(leased_ip.rsplit('.', 1)[1]) > 128, leased
    for address in ('198.18.100.130', '2001:db8:100::130', '198.18.101.130', leased_ip):
        assert host_ping(address, tries=4), 'host -> container %s through the shim' % address
    assert ping_from(c1, '198.18.100.254') and ping_from(c1, '2001:db8:100::fe', tries=4), 'container -> host, v4, v6'
    assert ping_from(c2, '198.18.101.254'), 'container in the second subnet -> host'

    before = host_state()
    again = role(tmp_path, 'present', definition)
    assert again.returncode == 0 and changed(again) == 0, again.stdout
    assert host_state() == before

    refused = role(tmp_path, 'absent', definition)
    assert refused.returncode != 0 and c1 in refused.stdout, refused.stdout
    assert host_state() == before, 'a refused teardown changes nothing'

    podman('rm', '--force', '--time', '0', c1, c2, c3)
    down = role(tmp_path, 'absent', definition)
    assert down.returncode == 0, down.stdout
    assert podman('network', 'exists', net, check=False).returncode != 0, 'the role made it, so it removes it'
    assert 'made-shim' not in sh('ip -n %s -br link' % HOST) and 'proto 209' not in sh('ip -n %s route' % HOST)


def test_a_network_made_by_hand_is_completed_from_podman_and_stays_at_teardown(engine, tmp_path):
    """Through host_reachability_netns this time: the podman command runs in that namespace, where the parent is."""
    net = PREFIX + '-hand'
    podman('network', 'create', '-d', 'macvlan', '-o', 'parent=eth1', '--subnet', '198.18.102.0/24',
           '--gateway', '198.18.102.1', '--ip-range', '198.18.102.64/26', net)
    c1 = run_container('h1', net, '198.18.102.70')
    assert not host_ping('198.18.102.70'), 'the famous catch: the host cannot reach its own macvlan containers'

    # Podman keeps no address for the host: inside the range is refused, with the fix, before any change
    before = host_state()
    inside = role(tmp_path, 'present', [{'name': 'hand', 'podman': {'name': net}, 'shim_address': '198.18.102.100'}],
                  via_netns_option=True)
    assert inside.returncode != 0
    for words in ('198.18.102.100 is inside ip_range 198.18.102.64/26', 'no auxiliary addresses',
                  'Move shim_address out of ip_range'):
        assert words in inside.stdout, inside.stdout
    assert host_state() == before

    definition = [{'name': 'hand', 'podman': {'name': net}, 'shim_address': '198.18.102.254'}]
    first = role(tmp_path, 'present', definition, via_netns_option=True)
    assert first.returncode == 0, first.stdout + first.stderr
    assert '198.18.102.64/26 dev hand-shim proto 209' in sh('ip -n %s route' % HOST)
    assert host_ping('198.18.102.70') and ping_from(c1, '198.18.102.254')

    again = role(tmp_path, 'present', definition, via_netns_option=True)
    assert again.returncode == 0 and changed(again) == 0, again.stdout
    down = role(tmp_path, 'absent', definition, via_netns_option=True)
    assert down.returncode == 0, down.stdout
    assert 'not created by this collection' in down.stdout
    assert podman('network', 'exists', net).returncode == 0, 'a network made by hand stays'
    assert ping_from(c1, '198.18.102.1') is False and 'hand-shim' not in sh('ip -n %s -br link' % HOST)
    podman('rm', '--force', '--time', '0', c1)
    podman('network', 'rm', net)


def test_ipvlan_on_this_podman_is_refused_with_what_it_lacks(engine, tmp_path):
    version = podman('version', '--format', '{{.Client.Version}}').stdout.strip()
    before = host_state()
    run = role(tmp_path, 'present', [{'name': 'ipv', 'driver': 'ipvlan', 'mode': 'l2', 'parent': 'eth1',
                                      'subnet': '198.18.103.0/24', 'ip_range': '198.18.103.128/26',
                                      'shim_address': '198.18.103.254', 'podman': {}}])
    major_minor = tuple(int(part) for part in version.split('.')[:2])
    if major_minor >= (4, 5):
        pytest.fail('this Podman (%s) has ipvlan networks: prove them here instead of the refusal' % version)
    assert run.returncode != 0
    assert 'this Podman (%s, netavark' % version in run.stdout and 'has no ipvlan networks' in run.stdout, run.stdout
    assert host_state() == before and podman('network', 'exists', 'ipv', check=False).returncode != 0


def test_the_podman_service_socket_when_one_is_given(engine, tmp_path):
    """podman_host: the same calls as a remote client of `podman system service`, started in the lab host."""
    socket = ROOT + '/podman.sock'
    service = subprocess.Popen(['nsenter', '--net=/run/netns/%s' % HOST, 'podman', 'system', 'service', '--time=0',
                                'unix://' + socket], env=ENV, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.time() + 20
        while not os.path.exists(socket):
            assert service.poll() is None and time.time() < deadline, 'podman system service did not start'
            time.sleep(0.1)
        net = PREFIX + '-svc'
        definition = [{'name': 'svc', 'parent': 'eth1', 'subnet': '198.18.104.0/24', 'gateway': '198.18.104.1',
                       'ip_range': '198.18.104.128/26', 'shim_address': '198.18.104.254', 'podman': {'name': net}}]
        first = role(tmp_path, 'present', definition, podman_host='unix://' + socket)
        assert first.returncode == 0, first.stdout + first.stderr
        made = inspect(net)
        assert made['labels'] == {'underlay.network.managed': 'true'} and made['network_interface'] == 'eth1'
        c1 = run_container('s1', net, '198.18.104.130')
        assert host_ping('198.18.104.130') and ping_from(c1, '198.18.104.254')
        podman('rm', '--force', '--time', '0', c1)
        down = role(tmp_path, 'absent', definition, podman_host='unix://' + socket)
        assert down.returncode == 0, down.stdout
        assert podman('network', 'exists', net, check=False).returncode != 0
    finally:
        service.terminate()
        service.wait(timeout=30)
