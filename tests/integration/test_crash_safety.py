# Copyright: (c) 2026, underlay.network contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Killed at any point: host_networks with 60 networks (persist: engine) is SIGKILLed at a spread of points
through its run - from before its first change to after its last file - as a lost SSH session, a cancelled AWX
job or the OOM killer would. Each time the next run converges the host, the run after it changes nothing,
`absent` leaves no link with our mark and no protocol-209 route, and no half-written file stays behind."""
import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time

import pytest

from helpers import COLLECTIONS, REPO, sh

pytestmark = [pytest.mark.kernel('macvlan'), pytest.mark.once]
COUNT = 60
MODULE = os.path.join(REPO, 'plugins', 'modules', 'host_networks.py')


def network(i):
    third = 100 + i
    return dict(name='k%d' % i, parent='p%d' % i, subnets=[
        dict(subnet='198.18.%d.0/24' % third, ip_range='198.18.%d.0/28' % third, shim_address='198.18.%d.254' % third),
        dict(subnet='2001:db8:%x::/64' % third, ip_range='2001:db8:%x::/120' % third,
             shim_address='2001:db8:%x::1:1' % third)])


def start(host, root, state='present'):
    args = {'networks': [network(i) for i in range(1, COUNT + 1)], 'netns': host, 'state': state,
            'persist': 'engine', 'persist_root': str(root), 'sysctls': {'net.ipv4.ip_forward': 1} if state == 'present'
            else {}, '_ansible_check_mode': False, '_ansible_diff': False}
    proc = subprocess.Popen([sys.executable, MODULE], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, env=dict(os.environ, PYTHONPATH=COLLECTIONS))
    proc.stdin.write(json.dumps({'ANSIBLE_MODULE_ARGS': args}))
    proc.stdin.close()
    return proc


def run(host, root, state='present'):
    proc = start(host, root, state)
    out, err = proc.stdout.read(), proc.stderr.read()
    proc.wait()
    result = json.loads(out) if out.strip() else {'failed': True, 'msg': err}
    assert proc.returncode == 0 and not result.get('failed'), result
    return result


def ours(host):
    """Links carrying our mark and routes carrying our protocol, as the kernel lists them."""
    links = [link['ifname'] for link in json.loads(sh('ip -n %s -j link show' % host)) if link.get('ifalias') == 'underlay.network']
    routes = sh('ip -n {h} route show proto 209; ip -n {h} -6 route show proto 209'.format(h=host)).split('\n')
    return links, [route for route in routes if route.strip()]


def half_written(root):
    return [os.path.join(top, name) for top, _dirs, names in os.walk(str(root)) for name in names
            if name.endswith('.underlay-new')]


def test_killed_anywhere_the_next_run_converges_and_nothing_half_made_stays(lab, tmp_path):
    host = lab.add_ns('host')
    sh(' && '.join('ip -n {h} link add p{i} type veth peer name q{i} && ip -n {h} link set p{i} up && '
                   'ip -n {h} link set q{i} up'.format(h=host, i=i) for i in range(1, COUNT + 1)))
    root = tmp_path / 'root'
    run(host, root)
    run(host, root, 'absent')
    assert ours(host) == ([], []) and not os.path.exists(str(root / 'etc/underlay.network'))

    # the kill points: moments of the run seen from outside, polled as fast as a netlink dump or a stat goes
    netlink_of = _kernel_reader(host)
    points = [
        ('before its first change', lambda: True),
        ('the shims made, not yet marked', lambda: any(link['name'] == 'k1-shim' for link in netlink_of('links'))),
        ('routes going in', lambda: any(route['proto'] == 209 for route in netlink_of('routes'))),
        ('the stored state being written', lambda: os.path.exists(str(root / 'etc/underlay.network'))),
        ('the engine half copied', lambda: len(list((root / 'usr/lib/underlay.network').rglob('*.py'))) > 20
         if (root / 'usr/lib/underlay.network').exists() else False),
        ('the units being written', lambda: any((root / 'etc/systemd/system').glob('underlay-network-*'))
         if (root / 'etc/systemd/system').exists() else False),
        ('after its last file', (root / ('etc/underlay.network/host-networks@%s.json' % host)).exists),
    ]
    outcomes = []
    for label, reached in points:
        proc = start(host, root)
        while proc.poll() is None and not reached():
            pass
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        outcomes.append((label, proc.returncode, len(ours(host)[0]), len(half_written(root))))
        converged = run(host, root)
        assert all(item['reachable'] is not False for item in converged.get('verify', [])), converged
        links, routes = ours(host)
        assert len(links) == COUNT and len(routes) == 2 * COUNT, (label, len(links), len(routes))
        assert half_written(root) == [], 'the next run removed what the killed one left half written'
        stored = json.loads((root / ('etc/underlay.network/host-networks@%s.json' % host)).read_text())
        assert len(stored['networks']) == COUNT
        again = run(host, root)
        assert again['changed'] is False and again['changes'] == [], (label, again['changes'][:5])
        gone = run(host, root, 'absent')
        assert gone['changed'] and ours(host) == ([], []), (label, ours(host))
        assert half_written(root) == [] and not os.path.exists(str(root / 'etc/underlay.network'))
    # the kills landed inside the run (the module had not finished) at most of the points
    killed = [label for label, code, _links, _files in outcomes if code == -signal.SIGKILL]
    assert len(killed) >= len(points) - 1, outcomes
    print('\n'.join('killed %s: exit %s, %d marked links, %d half-written files left' % item for item in outcomes))


def _kernel_reader(host):
    """What the kernel has in the host namespace now, through the collection's own netlink codec (fast enough
    to catch a run between two of its steps)."""
    from ansible_collections.underlay.network.plugins.module_utils._kernel import netlink
    sock = netlink.Netlink(host)

    def read(what):
        return sock.links() if what == 'links' else sock.routes(socket.AF_INET)
    return read


def test_two_controllers_at_once_queue_and_the_second_declaration_is_what_stays(lab, tmp_path):
    """Two jobs on one host at the same moment, the same networks with other settings (metric, shim address):
    the lock serialises them, and the host and its stored state end as the job that ran second declared."""
    host = lab.add_ns('host')
    sh(' && '.join('ip -n {h} link add p{i} type veth peer name q{i} && ip -n {h} link set p{i} up && '
                   'ip -n {h} link set q{i} up'.format(h=host, i=i) for i in range(1, COUNT + 1)))
    root = tmp_path / 'root'
    declarations = {
        'first': [dict(network(i), metric=5) for i in range(1, COUNT + 1)],
        'second': [dict(network(i), metric=7, subnets=[moved_shim(s) for s in network(i)['subnets']])
                   for i in range(1, COUNT + 1)],
    }
    procs = {job: _start_with(host, root, networks) for job, networks in declarations.items()}
    ended = {}

    def wait(job):  # read its output as it comes (a full pipe would stop the module), note when it ended
        out = procs[job].stdout.read()
        procs[job].wait()
        ended[job] = (out, time.monotonic())
    threads = [threading.Thread(target=wait, args=(job,)) for job in procs]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    for job, (out, _when) in ended.items():
        assert procs[job].returncode == 0 and not json.loads(out).get('failed'), (job, out[:500])
    last = max(ended, key=lambda job: ended[job][1])
    metric = {'first': 5, 'second': 7}[last]
    routes = sh('ip -n %s route show proto 209' % host).splitlines()
    assert len(routes) == COUNT and all('metric %d' % metric in route for route in routes), routes[:3]
    shim = sh('ip -n %s -o addr show dev k1-shim' % host)
    assert ('198.18.101.%s/32' % ('254' if last == 'first' else '253')) in shim and len(shim.splitlines()) >= 2
    stored = json.loads((root / ('etc/underlay.network/host-networks@%s.json' % host)).read_text())
    assert {net['metric'] for net in stored['networks']} == {metric}
    again = json.loads(_start_with(host, root, declarations[last]).stdout.read())
    assert again['changed'] is False, again['changes'][:5]
    run(host, root, 'absent')
    assert ours(host) == ([], [])


def moved_shim(subnet):
    """The subnet with another shim address (.253 for .254, ::1:2 for ::1:1)."""
    return dict(subnet, shim_address=subnet['shim_address'].replace('254', '253').replace('1:1', '1:2'))


def _start_with(host, root, networks):
    args = {'networks': networks, 'netns': host, 'persist': 'engine', 'persist_root': str(root),
            '_ansible_check_mode': False, '_ansible_diff': False}
    proc = subprocess.Popen([sys.executable, MODULE], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                            stderr=subprocess.DEVNULL, text=True, env=dict(os.environ, PYTHONPATH=COLLECTIONS))
    proc.stdin.write(json.dumps({'ANSIBLE_MODULE_ARGS': args}))
    proc.stdin.close()
    return proc
