# Copyright: (c) 2026, underlay.network contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Podman ipvlan networks on a kernel that has ipvlan (the UML stage): Podman's CNI backend, real containers.

Debian's Podman 4.3 has ipvlan networks only with its CNI backend, and that backend takes no parent for them
(it refuses -o parent): such a network sits on the NIC of the default route. So the lab host's namespace gets
a default route through its NIC eth1, a network is made by hand the way a user of this Podman has to, and the
collection derives an ipvlan l2 shim from it; making one itself is refused, saying why, before any change.
"""
import os
import subprocess

import pytest

from helpers import sh
from podman_lab import PodmanLab

PREFIX = 'ulpi%d' % (os.getpid() % 10000)
HOST, SWITCH = PREFIX + '-h', PREFIX + '-s'

pytestmark = [pytest.mark.kernel('ipvlan'), pytest.mark.podman]


@pytest.fixture
def lab(monkeypatch):
    if not os.path.ismount('/sys/fs/cgroup'):
        # a fresh kernel (UML boots with none): runc needs a cgroup hierarchy for the containers
        sh('mount -t cgroup2 none /sys/fs/cgroup')
    podman = PodmanLab(PREFIX, backend='cni')
    for key in ('CONTAINERS_CONF', 'CONTAINERS_STORAGE_CONF'):  # the module's podman calls read them too
        monkeypatch.setenv(key, podman.env[key])
    sh('ip netns add {h} && ip netns add {s} && ip -n {h} link add eth1 type veth peer name sw0 netns {s} && '
       'ip -n {h} link set lo up && ip -n {h} link set eth1 up && ip -n {s} link set sw0 up && '
       'ip -n {h} addr add 198.18.120.5/24 dev eth1 && ip -n {h} route add default dev eth1'.format(h=HOST, s=SWITCH))
    try:
        podman.start()
        yield podman
    finally:
        podman.cleanup()
        sh('ip netns del %s' % HOST, check=False)
        sh('ip netns del %s' % SWITCH, check=False)


def host_ping(address):
    return subprocess.run(['ip', 'netns', 'exec', HOST, 'ping', '-c', '1', '-W', '1', address],
                          capture_output=True, check=False).returncode == 0


def test_an_ipvlan_podman_network_made_by_hand_gets_an_l2_shim(lab, module):
    net = PREFIX + '-ipv'
    lab.podman('network', 'create', '-d', 'ipvlan', '-o', 'mode=l2', '--subnet', '198.18.120.0/24',
               '--gateway', '198.18.120.1', '--ip-range', '198.18.120.128/26', net, netns=HOST)
    pairs = (('i1', '198.18.120.130'), ('i2', '198.18.120.131'))
    containers = [lab.run_container(name, net, HOST, ip) for name, ip in pairs]
    assert lab.ping_from(containers[0], '198.18.120.131'), 'ipvlan l2 containers reach each other'
    assert not host_ping('198.18.120.130'), 'the famous catch, with ipvlan too'

    before = sh('ip -n %s -d -o link show; ip -n %s route' % (HOST, HOST))
    made = module('host_networks', netns=HOST, networks=[{
        'name': 'made', 'driver': 'ipvlan', 'mode': 'l2', 'parent': 'eth1', 'subnet': '198.18.121.0/24',
        'ip_range': '198.18.121.128/26', 'shim_address': '198.18.121.254', 'podman': {}}])
    assert made.get('failed') and 'takes no parent for ipvlan networks' in made['msg'], made
    assert made['field'] == 'driver' and sh('ip -n %s -d -o link show; ip -n %s route' % (HOST, HOST)) == before

    # the parent is not in Podman's network (the default route's NIC): the definition names it
    definition = [{'name': 'ipv', 'podman': {'name': net, 'create': False}, 'parent': 'eth1',
                   'shim_address': '198.18.120.254'}]
    first = module('host_networks', netns=HOST, networks=definition)
    assert first.get('changed') and not first.get('failed'), first
    shim = sh('ip -n %s -d link show dev ipv-shim' % HOST)
    assert 'ipvlan  mode l2' in shim, shim
    assert '198.18.120.128/26 dev ipv-shim proto 209' in sh('ip -n %s route' % HOST)
    for container, ip in zip(containers, ('198.18.120.130', '198.18.120.131')):
        assert host_ping(ip) and lab.ping_from(container, '198.18.120.254'), 'host <-> ipvlan container %s' % ip
    assert not module('host_networks', netns=HOST, networks=definition).get('changed')
    down = module('host_networks', netns=HOST, networks=definition, state='absent')
    assert not down.get('failed') and 'ipv-shim' not in sh('ip -n %s -br link' % HOST)
    assert lab.podman('network', 'exists', net, netns=HOST).returncode == 0, 'a network made by hand stays'
