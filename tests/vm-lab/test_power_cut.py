# Copyright: (c) 2026, underlay.network contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Power cuts: the guest's kernel is killed with no shutdown (nothing synced by systemd, the guest's page cache
lost) at once after ansible-playbook returns, and in the middle of a run. After the next boot the stored state is
the old one or the new one - whole JSON, never empty or cut short - and the boot replay brings back exactly the
networks of the state it finds. Guest 1 of the lab, persist: engine (host_reachability_persist: true)."""
import json
import os
import subprocess
import time

from conftest import REPO, ansible_playbook

STATE = '/etc/underlay.network/host-networks.json'


def networks(name, third):
    return [dict(name=name, parent='eth0', subnet='198.18.%d.0/24' % third, ip_range='198.18.%d.0/28' % third,
                 shim_address='198.18.%d.254' % third)]


OLD, NEW = networks('pwa', 81), networks('pwb', 82)


def variables(guest, declared, **extra):
    return dict(extra, vm_lab_target=guest.name, kernel_modules_drivers=['macvlan'], host_reachability_sysctls={},
                host_reachability_persist=True, host_reachability_networks=declared)


def playbook_command(lab, guest, declared, **extra):
    return [str(REPO / '.venv' / 'py311' / 'bin' / 'ansible-playbook'), '-i', str(lab.inventory_file),
            str(REPO / 'tests' / 'vm-lab' / 'playbooks' / 'persistence.yml'), '-e',
            json.dumps(variables(guest, declared, **extra))]


def power_cut_and_boot(guest):
    """Pulls the plug, then boots the guest again from its disk; returns once SSH answers."""
    guest.kill()
    guest.forget_connection()
    guest.start()
    time.sleep(1)  # a UML kernel re-executes itself as it starts
    guest.wait_for_ssh(time.monotonic())


def after_boot(guest):
    """(the stored state as the guest has it, the names of the shims carrying our mark) once the replay ran."""
    guest.ssh('systemctl', 'is-system-running', '--wait', check=False, timeout=120)
    text = guest.ssh('cat', STATE).stdout
    links = json.loads(guest.ssh('ip', '-j', 'link', 'show').stdout)
    return text, sorted(link['ifname'] for link in links if link.get('ifalias') == 'underlay.network')


def test_a_power_cut_after_a_run_or_in_the_middle_leaves_the_old_state_or_the_new_whole(lab):
    guest = lab.guests[0]
    # a run, and the plug pulled at once after it returned: the new state is on disk and comes back
    ansible_playbook(lab, 'persistence.yml', '-e', json.dumps(variables(guest, OLD)))
    power_cut_and_boot(guest)
    text, shims = after_boot(guest)
    assert [net['name'] for net in json.loads(text)['networks']] == ['pwa'], text
    assert shims == ['pwa-shim']

    # the plug pulled while a run with other networks is under way (just after the host side's task started)
    env = dict(os.environ, ANSIBLE_COLLECTIONS_PATH=str(REPO / '.venv' / 'collections'),
               ANSIBLE_NOCOLOR='1', ANSIBLE_HOST_KEY_CHECKING='true')
    run = subprocess.Popen(playbook_command(lab, guest, NEW), stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                           text=True, env=env, cwd=str(REPO))
    for line in run.stdout:
        if "The networks' host side in one transaction" in line:
            break
    time.sleep(1.0)
    power_cut_and_boot(guest)
    run.kill()
    run.communicate()
    text, shims = after_boot(guest)
    stored = json.loads(text)  # whole JSON: never empty, never cut short
    names = [net['name'] for net in stored['networks']]
    assert names in (['pwa'], ['pwb']), text
    print('power cut in the middle of a run: after the boot the stored state is the %s one' % (
        'old' if names == ['pwa'] else 'new'))
    assert shims == ['%s-shim' % names[0]], (names, shims)

    # the next run completes it, and a clean removal leaves nothing for the next boot
    ansible_playbook(lab, 'persistence.yml', '-e', json.dumps(variables(guest, NEW)))
    assert [net['name'] for net in json.loads(guest.ssh('cat', STATE).stdout)['networks']] == ['pwb']
    assert guest.ssh('sh', '-c', 'ls /etc/underlay.network /usr/lib/underlay.network | grep -c underlay-new',
                     check=False).stdout.strip() == '0'
    ansible_playbook(lab, 'persistence.yml', '-e', json.dumps(variables(
        guest, OLD + NEW, host_reachability_state='absent', host_reachability_persist=False)))
    assert guest.ssh('test', '-e', STATE, check=False).returncode != 0
    assert not [link for link in json.loads(guest.ssh('ip', '-j', 'link', 'show').stdout)
                if link.get('ifalias') == 'underlay.network']
