# Copyright: (c) 2026, underlay.network contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""site.yml over SSH on the VM lab's systemd guests, this checkout against another one (an older commit).

Boots a VM lab of two guests (scripts/vm-lab, lab name vmlf), gives each the macvlan lab's network on its eth0
(lab/layout.py), then for each collection: one `ansible.builtin.ping` task (the floor), site.yml (converge),
site.yml again (unchanged) and teardown.yml, as whole ansible-playbook runs over SSH with pipelining. Prints
the seconds, the tasks per host (from the play recap) and the controller's CPU seconds (ansible-playbook, its
workers and their ssh clients). The lab is removed at the end, also on failure.

    .venv/py311/bin/python benchmarks/vm_lab_site.py --before DIR    (DIR: e.g. `git archive <commit>` unpacked)

The files the roles write go to the guests' real /etc (they are throwaway guests with systemd).
"""

import argparse
import json
import os
import shutil
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(HERE)
sys.path.insert(0, os.path.join(REPO, 'tests', 'vm-lab'))
sys.path.insert(0, HERE)

import fleet  # noqa: E402  (benchmarks/fleet.py: the farm, the playbook runner, the recap's task count)
import vm_lab  # noqa: E402

LAB = 'vmlf'
RUNS = (('ping', None), ('site', 'site.yml'), ('site again', 'site.yml'), ('teardown', 'teardown.yml'))


def inventory(lab, workdir):
    """The guests as underlay_hosts over SSH, each with its network of the macvlan lab."""
    networks = vm_lab.layout.vm_lab_guests(lab.name, 'macvlan', [(g.number, g.name) for g in lab.guests])
    hosts = {guest.name: {'ansible_host': guest.address,
                          'host_reachability_networks': networks[guest.name]['host_reachability_networks']}
             for guest in lab.guests}
    common = {'ansible_connection': 'ssh', 'ansible_user': 'root', 'ansible_ssh_private_key_file': str(lab.image.key),
              'ansible_ssh_common_args': '-F %s' % lab.ssh_config, 'ansible_control_path_dir': '%s/cp' % lab.directory,
              'ansible_ssh_pipelining': True, 'ansible_python_interpreter': '/usr/bin/python3'}
    path = os.path.join(workdir, 'inventory.json')
    with open(path, 'w', encoding='utf-8') as handle:
        json.dump({'underlay_hosts': {'hosts': hosts, 'vars': common}}, handle)
    return path


def main():
    parser = argparse.ArgumentParser(description=__doc__.split('\n', maxsplit=1)[0])
    parser.add_argument('--before', required=True, help='the other collection checkout')
    options = parser.parse_args()
    workdir = tempfile.mkdtemp(prefix='ulvmlf-')
    ping = os.path.join(workdir, 'ping.yml')
    with open(ping, 'w', encoding='utf-8') as handle:
        handle.write(fleet.PING)
    fleet.host_name = lambda number: '%s-g%d' % (LAB, number)  # the recap's first host: vmlf-g1
    vm_lab.Lab(LAB).down()
    lab = vm_lab.Lab(LAB)
    farms = []
    try:
        lab.up(2)
        path = inventory(lab, workdir)
        for label, collection in (('before', options.before), ('after', REPO)):
            farm = fleet.farm_for(collection)
            farms.append(farm)
            for run, playbook in RUNS:
                took, tasks, _out, cpu = fleet.playbook(farm, path, ping if playbook is None else
                                                        os.path.join(collection, 'playbooks', playbook), 8)
                print('%-6s %-11s %5.1f s  %3s tasks per host  (controller CPU %.1f s)' % (label, run, took, tasks, cpu),
                      flush=True)
    finally:
        vm_lab.Lab(LAB).down()
        for directory in farms + [workdir]:
            shutil.rmtree(directory, ignore_errors=True)


if __name__ == '__main__':
    main()
