# Copyright: (c) 2026, underlay.network contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The host_reachability role at scale: N networks on one host namespace, whole ansible-playbook runs.

For each N: a throwaway host namespace with N veth parents (one per network), then the role's converge,
an unchanged re-apply and absent, each timed as a whole `ansible-playbook` run. Then, at the largest N,
the module's own apply (host_networks in this process) against `ip -batch` making the same links,
addresses and routes, and the netlink calls of an unchanged re-apply.

    .venv/py311/bin/python benchmarks/host_networks.py [--sizes 1,10,50] [--collection DIR]

--collection points at another checkout of the collection (for example an older commit in a git worktree)
to measure that one's role the same way. Everything lives in namespaces named ulbench-*, removed at the end.
"""

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(HERE)
PLAYBOOK = """- hosts: localhost
  connection: local
  gather_facts: false
  roles:
    - role: underlay.network.host_reachability
"""


def sh(command):
    subprocess.run(command, shell=True, check=True, capture_output=True, text=True)


def networks(count):
    return [dict(name='n%d' % i, parent='p%d' % i, subnet='198.18.%d.%d/28' % (i // 16, (i % 16) * 16),
                 ip_range='198.18.%d.%d/29' % (i // 16, (i % 16) * 16), shim_address='198.18.%d.%d' % (
                     i // 16, (i % 16) * 16 + 14)) for i in range(1, count + 1)]


def make_host(name, count):
    sh('ip netns add %s && ip -n %s link set lo up' % (name, name))
    batch = ''.join('link add p{i} type veth peer name q{i}\nlink set p{i} up\nlink set q{i} up\n'.format(i=i)
                    for i in range(1, count + 1))
    subprocess.run(['ip', '-n', name, '-batch', '-'], input=batch, text=True, check=True)


def farm_for(collection):
    farm = tempfile.mkdtemp(prefix='ulbench-farm-')
    os.makedirs(os.path.join(farm, 'ansible_collections', 'underlay'))
    os.symlink(os.path.abspath(collection), os.path.join(farm, 'ansible_collections', 'underlay', 'network'))
    return farm


def play(farm, workdir, host, count, state):
    values = {'host_reachability_netns': host, 'host_reachability_networks': networks(count),
              'host_reachability_state': state, 'host_reachability_config_root': os.path.join(workdir, 'root'),
              'host_reachability_sysctls': {}}
    path = os.path.join(workdir, 'vars.json')
    with open(path, 'w') as handle:
        json.dump(values, handle)
    env = dict(os.environ, ANSIBLE_COLLECTIONS_PATH=farm, ANSIBLE_PYTHON_INTERPRETER=sys.executable,
               ANSIBLE_LOCALHOST_WARNING='false', ANSIBLE_INVENTORY_UNPARSED_WARNING='false', ANSIBLE_NOCOLOR='1')
    start = time.time()
    run = subprocess.run([os.path.join(os.path.dirname(sys.executable), 'ansible-playbook'),
                          os.path.join(workdir, 'play.yml'), '-e', '@' + path], env=env, capture_output=True, text=True,
                         check=False)
    took = time.time() - start
    if run.returncode != 0:
        raise SystemExit('ansible-playbook failed:\n%s%s' % (run.stdout[-3000:], run.stderr[-2000:]))
    return took


def module_against_ip_batch(count):
    """The module's own converge (in this process) and ip -batch making the same objects, each on a fresh host."""
    sys.path.insert(0, os.path.join(REPO, '.venv', 'collections'))
    from ansible_collections.underlay.network.plugins.module_utils._reconcile import transaction as _engine
    from ansible_collections.underlay.network.plugins.module_utils._kernel import netlink as _netlink
    from ansible_collections.underlay.network.plugins.module_utils._host.converge import converge_host

    host = 'ulbench-mod'
    make_host(host, count)
    try:
        params = {'networks': networks(count), 'netns': host, 'sysctls': {}}
        applying = []
        original_apply = _engine.Transaction.apply

        def timed_apply(self):
            begin = time.time()
            original_apply(self)
            applying.append(time.time() - begin)
        _engine.Transaction.apply = timed_apply
        start = time.time()
        converge_host(params)
        module = time.time() - start
        _engine.Transaction.apply = original_apply
        calls = {'dump': 0, 'run': 0}
        original_dump, original_run = _netlink.Netlink.dump, _netlink.Netlink.run

        def dump(self, *args):
            calls['dump'] += 1
            return original_dump(self, *args)

        def run(self, requests):
            calls['run'] += 1
            return original_run(self, requests)
        _netlink.Netlink.dump, _netlink.Netlink.run = dump, run
        start = time.time()
        result = converge_host(params)
        reapply = time.time() - start
        _netlink.Netlink.dump, _netlink.Netlink.run = original_dump, original_run
        assert not result['changed']
    finally:
        sh('ip netns del %s' % host)

    host = 'ulbench-ip'
    make_host(host, count)
    try:
        lines = []
        for net in networks(count):
            name = net['name'] + '-shim'
            lines += ['link add link %s name %s type macvlan mode bridge' % (net['parent'], name),
                      'link set %s alias underlay.network up' % name,
                      'address add %s/32 dev %s' % (net['shim_address'], name),
                      'route add %s dev %s proto 209' % (net['ip_range'], name)]
        start = time.time()
        subprocess.run(['ip', '-n', host, '-batch', '-'], input='\n'.join(lines) + '\n', text=True, check=True)
        batch = time.time() - start
    finally:
        sh('ip netns del %s' % host)
    return module, applying[0], batch, reapply, calls


def main():
    parser = argparse.ArgumentParser(description=__doc__.split('\n', maxsplit=1)[0])
    parser.add_argument('--sizes', default='1,10,50')
    parser.add_argument('--collection', default=REPO)
    options = parser.parse_args()
    sizes = [int(size) for size in options.sizes.split(',')]
    farm = farm_for(options.collection)
    workdir = tempfile.mkdtemp(prefix='ulbench-')
    with open(os.path.join(workdir, 'play.yml'), 'w') as handle:
        handle.write(PLAYBOOK)
    rows = []
    try:
        for count in sizes:
            host = 'ulbench-h%d' % count
            make_host(host, count)
            try:
                rows.append((count, play(farm, workdir, host, count, 'present'), play(farm, workdir, host, count, 'present'),
                             play(farm, workdir, host, count, 'absent')))
            finally:
                sh('ip netns del %s' % host)
            print('N=%-3d converge %6.1f s   re-apply %6.1f s   absent %6.1f s' % rows[-1], flush=True)
    finally:
        sh('rm -rf %s %s' % (workdir, farm))
    if len(rows) > 1:
        per = (rows[-1][1] - rows[0][1]) / (rows[-1][0] - rows[0][0])
        print('each extra network: %.0f ms (converge, N=%d to N=%d)' % (per * 1000, rows[0][0], rows[-1][0]))
    if os.path.abspath(options.collection) == REPO:
        # the best of five (this machine is shared; the minimum is the least disturbed run)
        runs = [module_against_ip_batch(sizes[-1]) for _attempt in range(5)]
        module, applying, batch, reapply = (min(run[i] for run in runs) for i in range(4))
        calls = runs[-1][4]
        print('N=%d host_networks in-process: whole run %.3f s, its apply (requests, read back, verify) %.3f s; '
              'ip -batch %.3f s (apply %.1fx, whole %.1fx); unchanged re-apply %.3f s with %d netlink dumps and %d '
              'change batches' % (sizes[-1], module, applying, batch, applying / batch, module / batch, reapply,
                                  calls['dump'], calls['run']))


if __name__ == '__main__':
    main()
