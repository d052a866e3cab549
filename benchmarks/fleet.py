# Copyright: (c) 2026, underlay.network contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The shipped playbooks across a fleet, beside the floor Ansible itself sets on the same hosts.

For each N: N host namespaces (ulfleet-h1..N, each with a veth pair up0/up1 standing in for its NIC and one
macvlan network on up0), reached through the underlay.network.netns connection with --forks 8. Then, as
whole ansible-playbook runs on those hosts: one `ansible.builtin.ping` task (the floor), playbooks/site.yml
(converge), site.yml again (unchanged), playbooks/verify.yml and playbooks/teardown.yml. Prints the seconds,
each one's ratio to the floor and the tasks per host (from the play recap); then the CPU seconds each run took
(ansible-playbook, its workers and the module runs they wait for: user + system) and their ratios to the
floor's, which other work on a shared machine moves far less than the wall-clock figures.

    .venv/py311/bin/python benchmarks/fleet.py [--sizes 10,40,100] [--repeat 1] [--collection DIR] [--forks 8]
                                               [--json FILE]

--repeat N measures each size N times on fresh hosts and then prints the median of each ratio (the CPU ratios
move by about a tenth between neighbouring runs here, the wall-clock ones by up to a third).

--collection measures another checkout of the collection the same way (an older commit unpacked with
`git archive`). Everything lives in namespaces named ulfleet-* and a temporary directory, removed at the end.
"""

import argparse
import json
import os
import re
import resource
import shutil
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(HERE)
PREFIX = 'ulfleet'
PING = """- name: The floor - one ping task per host
  hosts: underlay_hosts
  gather_facts: false
  tasks:
    - name: Ping
      ansible.builtin.ping:
"""
RUNS = ('ping', 'site', 'site again', 'verify', 'teardown')


def sh(command):
    subprocess.run(command, shell=True, check=True, capture_output=True, text=True)


def network(number):
    """Host N's one network: 198.18.<N/16>.<N%16*16>/28 on up0, the shim at .14, containers in the lower /29."""
    base = '198.18.%d.%d' % (number // 16, (number % 16) * 16)
    return {'name': 'n%d' % number, 'parent': 'up0', 'subnet': base + '/28', 'ip_range': base + '/29',
            'shim_address': '198.18.%d.%d' % (number // 16, (number % 16) * 16 + 14)}


def host_name(number):
    return '%s-h%d' % (PREFIX, number)


def build_hosts(count):
    for number in range(1, count + 1):
        name = host_name(number)
        sh('ip netns add {0} && ip -n {0} link set lo up && ip -n {0} link add up0 type veth peer name up1 && '
           'ip -n {0} link set up0 up && ip -n {0} link set up1 up'.format(name))


def remove_hosts():
    for name in subprocess.run(['ip', 'netns', 'list'], capture_output=True, text=True, check=True).stdout.split():
        if name.startswith(PREFIX + '-'):
            subprocess.run(['ip', 'netns', 'del', name], check=False)


def write_inventory(workdir, count):
    hosts = {}
    for number in range(1, count + 1):
        net = network(number)
        root = os.path.join(workdir, 'root', 'h%d' % number)
        hosts[host_name(number)] = {
            'ansible_connection': 'underlay.network.netns', 'ansible_python_interpreter': sys.executable,
            'kernel_modules_config_root': root, 'host_reachability_config_root': root,
            'host_reachability_networks': [net],
            # the host's own shim answers once site.yml made it (verify.yml sends real echoes)
            'underlay_verify_targets': [{'name': 'shim', 'address': net['shim_address']}]}
    path = os.path.join(workdir, 'inventory.json')
    with open(path, 'w', encoding='utf-8') as handle:
        json.dump({'underlay_hosts': {'hosts': hosts}}, handle)
    return path


def farm_for(collection):
    farm = tempfile.mkdtemp(prefix='ulfleet-farm-')
    os.makedirs(os.path.join(farm, 'ansible_collections', 'underlay'))
    os.symlink(os.path.abspath(collection), os.path.join(farm, 'ansible_collections', 'underlay', 'network'))
    return farm


def tasks_per_host(stdout):
    """ok + changed + skipped + failed + rescued + ignored of the first host in the play recap (ok counts changed)."""
    match = re.search(r'^%s\s+:\s+ok=(\d+)\s+changed=\d+\s+unreachable=\d+\s+failed=(\d+)\s+skipped=(\d+)\s+'
                      r'rescued=(\d+)\s+ignored=(\d+)' % re.escape(host_name(1)), stdout, flags=re.M)
    return sum(int(group) for group in match.groups()) if match else None


def playbook(farm, inventory, path, forks):
    env = dict(os.environ, ANSIBLE_COLLECTIONS_PATH=farm, ANSIBLE_NOCOLOR='1', ANSIBLE_LOCALHOST_WARNING='false',
               ANSIBLE_INVENTORY_UNPARSED_WARNING='false', ANSIBLE_HOST_KEY_CHECKING='false')
    start, used = time.time(), cpu_of_children()
    run = subprocess.run([os.path.join(os.path.dirname(sys.executable), 'ansible-playbook'), '-i', inventory,
                          '--forks', str(forks), path], env=env, capture_output=True, text=True, check=False)
    took, cpu = time.time() - start, cpu_of_children() - used
    if run.returncode != 0:
        raise SystemExit('ansible-playbook %s failed:\n%s%s' % (path, run.stdout[-4000:], run.stderr[-2000:]))
    return took, tasks_per_host(run.stdout), run.stdout, cpu


def cpu_of_children():
    """User + system seconds of the children this process has waited for (and theirs), so far."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def measure(collection, count, forks):
    """{run: (seconds, tasks per host, CPU seconds)} for one fleet of `count` hosts."""
    workdir = tempfile.mkdtemp(prefix='ulfleet-')
    farm = farm_for(collection)
    ping = os.path.join(workdir, 'ping.yml')
    with open(ping, 'w', encoding='utf-8') as handle:
        handle.write(PING)
    playbooks = os.path.join(os.path.abspath(collection), 'playbooks')
    paths = {'ping': ping, 'site': os.path.join(playbooks, 'site.yml'),
             'site again': os.path.join(playbooks, 'site.yml'), 'verify': os.path.join(playbooks, 'verify.yml'),
             'teardown': os.path.join(playbooks, 'teardown.yml')}
    figures = {}
    try:
        build_hosts(count)
        inventory = write_inventory(workdir, count)
        for run in RUNS:
            took, tasks, stdout, cpu = playbook(farm, inventory, paths[run], forks)
            if run == 'site again' and re.search(r'changed=[1-9]', stdout):
                raise SystemExit('the unchanged re-run of site.yml changed something:\n' + stdout[-3000:])
            figures[run] = (took, tasks, cpu)
    finally:
        remove_hosts()
        shutil.rmtree(workdir, ignore_errors=True)
        shutil.rmtree(farm, ignore_errors=True)
    return figures


def ratio_columns(figures, index):
    """site, the unchanged re-run and teardown against the floor, by wall-clock time (0) or CPU time (2)."""
    floor = figures['ping'][index]
    return '%9.1fx %10.1fx %13.1fx' % tuple(figures[run][index] / floor for run in ('site', 'site again', 'teardown'))


def median(values):
    ordered = sorted(values)
    middle = len(ordered) // 2
    return ordered[middle] if len(ordered) % 2 else (ordered[middle - 1] + ordered[middle]) / 2


def median_columns(repeats, index):
    """ratio_columns with each ratio the median over the repeated measurements."""
    return '%9.1fx %10.1fx %13.1fx' % tuple(
        median([figures[run][index] / figures['ping'][index] for figures in repeats])
        for run in ('site', 'site again', 'teardown'))


def main():
    parser = argparse.ArgumentParser(description=__doc__.split('\n', maxsplit=1)[0])
    parser.add_argument('--sizes', default='10,40,100')
    parser.add_argument('--repeat', type=int, default=1)
    parser.add_argument('--collection', default=REPO)
    parser.add_argument('--forks', type=int, default=8)
    parser.add_argument('--json', help='also write the figures to this file')
    options = parser.parse_args()
    remove_hosts()  # what an interrupted earlier run left
    print('%5s %s' % ('hosts', ''.join('%18s' % run for run in RUNS)) + '   site/floor again/floor teardown/floor')
    results = {}
    for count in (int(size) for size in options.sizes.split(',')):
        results[count] = []
        for _attempt in range(options.repeat):
            figures = measure(options.collection, count, options.forks)
            results[count].append(figures)
            print('%5d %s   %s' % (count, ''.join('%9.1f s %2s tasks' % figures[run][:2] for run in RUNS),
                                   ratio_columns(figures, 0)))
            print('%5s %s   %s' % ('cpu', ''.join('%9.1f s %8s' % (figures[run][2], '') for run in RUNS),
                                   ratio_columns(figures, 2)), flush=True)
        if options.repeat > 1:
            print('%5d median of %d %s   %s' % (count, options.repeat, ' ' * 77, median_columns(results[count], 0)))
            print('%5s median of %d %s   %s' % ('cpu', options.repeat, ' ' * 77, median_columns(results[count], 2)),
                  flush=True)
    if options.json:
        with open(options.json, 'w', encoding='utf-8') as handle:
            json.dump({str(count): [{run: list(value) for run, value in figures.items()} for figures in repeats]
                       for count, repeats in results.items()}, handle, indent=1)


if __name__ == '__main__':
    main()
