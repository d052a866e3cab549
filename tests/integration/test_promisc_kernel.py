# Copyright: (c) 2026, underlay.network contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""promisc module and role on the running kernel: a veth in a throwaway namespace stands in for the NIC."""
import json
import os
import re
import shlex
import shutil
import subprocess

import pytest

from helpers import ansible_playbook, changed_per_play, sh


def flag(lab, ns, name):
    """(IFF_PROMISC set?, promiscuity counter) as iproute2 shows them."""
    link = lab.link(ns, name)
    return 'PROMISC' in link['flags'], link['promiscuity']


@pytest.fixture
def nic(lab):
    ns = lab.add_ns('host')
    lab.veth(ns)
    assert flag(lab, ns, 'up0') == (False, 0)
    return ns


def test_on_is_read_back_idempotent_and_off_again(lab, nic, module):
    first = module('promisc', name='up0', netns=nic)
    assert first['rc'] == 0 and first['changed'] is True, first
    assert first['changes'] == [{'action': 'set promisc', 'kind': 'link', 'name': 'up0', 'netns': nic,
                                 'attribute': 'promisc', 'before': 'off', 'after': 'on'}]
    assert first['diff'] == {'before': {'name': 'up0', 'netns': nic, 'promisc': 'off'},
                             'after': {'name': 'up0', 'netns': nic, 'promisc': 'on'}}
    assert first['link']['promisc'] is True and first['link']['promiscuity'] == 1
    assert first['link']['name'] == 'up0' and first['link']['netns'] == nic and first['link']['kind'] == 'veth'
    assert first['systemd_instance'] == 'up0'
    assert flag(lab, nic, 'up0') == (True, 1)
    assert flag(lab, nic, 'up1') == (False, 0), 'the peer is not touched'

    again = module('promisc', name='up0', netns=nic, state='on')
    assert again['changed'] is False and again['changes'] == [], again
    assert flag(lab, nic, 'up0') == (True, 1), 'setting the flag twice must not count twice'

    off = module('promisc', name='up0', netns=nic, state='off')
    assert off['changed'] is True and off['changes'][0]['after'] == 'off', off
    assert flag(lab, nic, 'up0') == (False, 0)
    assert module('promisc', name='up0', netns=nic, state='off')['changed'] is False


def test_check_mode_predicts_and_touches_nothing(lab, nic, module):
    result = module('promisc', name='up0', netns=nic, check=True)
    assert result['changed'] is True and result['link']['promisc'] is True, result
    assert result['link']['promiscuity'] == 1
    assert flag(lab, nic, 'up0') == (False, 0)


def test_no_diff_without_diff_mode(lab, nic, module):
    result = module('promisc', name='up0', netns=nic, diff=False)
    assert result['changed'] is True and 'diff' not in result


def test_missing_link_names_the_link_and_the_namespace(lab, nic, module):
    state = lab.state(nic)
    result = module('promisc', name='nosuch0', netns=nic)
    assert result['rc'] == 1 and result.get('failed') is True, result
    assert result['msg'] == ("cannot set promisc on link 'nosuch0' in namespace '%s': no such link there; create it "
                             "first or fix name/netns" % nic)
    assert result['field'] == 'name' and result['value'] == 'nosuch0'
    assert lab.state(nic) == state


def test_missing_namespace_is_named(lab, module):
    ns = lab.ns('nothere')
    result = module('promisc', name='up0', netns=ns)
    assert result['rc'] == 1, result
    assert "namespace '%s' does not exist" % ns in result['msg'] and result['field'] == 'netns'
    assert ns not in sh('ip netns list').split()


def test_check_mode_assumes_an_earlier_task_creates_the_link(lab, nic, module):
    result = module('promisc', name='later0', netns=nic, check=True)
    assert result['rc'] == 0 and result['changed'] is True, result
    # ansible-core >= 2.19 returns warnings as structured events: look at the text wherever it is
    assert "link 'later0' in namespace '%s' does not exist yet" % nic in json.dumps(result.get('warnings')), result


def test_bad_name_fails_before_touching_anything(lab, nic, module):
    result = module('promisc', name='a-name-longer-than-15', netns=nic)
    assert result['rc'] == 1, result
    assert result['field'] == 'name' and 'shorter name' in result['msg']


@pytest.mark.kernel('bridge')
def test_flag_is_the_users_not_the_bridges_counter(lab, nic, module):
    """A bridge port has promiscuity 1 without IFF_PROMISC: the module still sets the user's flag, once."""
    sh('ip -n {ns} link add ulbr0 type bridge && ip -n {ns} link set up1 master ulbr0 && '
       'ip -n {ns} link set ulbr0 up'.format(ns=nic))
    assert flag(lab, nic, 'up1') == (False, 1)
    result = module('promisc', name='up1', netns=nic)
    assert result['changed'] is True and result['changes'][0]['before'] == 'off', result
    assert result['link']['promisc'] is True and result['link']['promiscuity'] == 2
    assert flag(lab, nic, 'up1') == (True, 2)
    assert module('promisc', name='up1', netns=nic)['changed'] is False
    assert module('promisc', name='up1', netns=nic, state='off')['link']['promiscuity'] == 1


def test_name_with_dash_gets_an_escaped_systemd_instance(lab, nic, module):
    sh('ip -n %s link add br-lan0 type veth peer name br-lan1' % nic)
    result = module('promisc', name='br-lan0', netns=nic)
    assert result['changed'] is True
    assert result['systemd_instance'] == 'br\\x2dlan0'


# ---------------------------------------------------------------- the role, through ansible-playbook


def links(directory):
    """{symlink under a unit directory, relative to it: the file name it points to}."""
    return {str(path.relative_to(directory)): os.path.basename(os.readlink(str(path)))
            for path in directory.rglob('*') if path.is_symlink()}


def systemd_unescape(instance):
    """What %I is for an instance string (the inverse of systemd-escape)."""
    return re.sub(r'\\x([0-9a-fA-F]{2})', lambda m: chr(int(m.group(1), 16)), instance.replace('-', '/'))


def exec_start(unit_text, instance):
    """The ExecStart= command line of a unit with its specifiers substituted as systemd does (%i, %I, %%)."""
    lines = [line.split('=', 1)[1] for line in unit_text.splitlines() if line.startswith('ExecStart=')]
    assert len(lines) == 1, unit_text
    command = lines[0].lstrip('-@:+!')  # the (unused here) prefixes systemd allows
    return re.sub(r'%([iI%])', lambda m: {'i': instance, 'I': systemd_unescape(instance), '%': '%'}[m.group(1)],
                  command)


@pytest.mark.host_kernel_flow
def test_role_sets_flags_persists_with_a_unit_that_works_and_is_idempotent(lab, nic, tmp_path):
    sh('ip -n %s link add up2 type veth peer name up3' % nic)
    root = tmp_path / 'root'
    extra = ['-e', json.dumps({'promisc_interfaces': ['up0', 'up2'], 'promisc_netns': nic,
                               'promisc_config_root': str(root)})]
    units = root / 'etc' / 'systemd' / 'system'

    check = ansible_playbook('promisc_role.yml', '--check', '--diff', *extra)
    assert check.returncode == 0, check.stdout + check.stderr
    assert changed_per_play(check.stdout)[0] > 0, check.stdout
    assert flag(lab, nic, 'up0') == (False, 0) and flag(lab, nic, 'up2') == (False, 0)
    assert not root.exists(), 'check mode wrote files'

    run = ansible_playbook('promisc_role.yml', *extra)
    assert run.returncode == 0, run.stdout + run.stderr
    first, second = changed_per_play(run.stdout)
    assert first > 0 and second == 0, run.stdout
    assert flag(lab, nic, 'up0') == (True, 1) and flag(lab, nic, 'up2') == (True, 1)
    assert flag(lab, nic, 'up1') == (False, 0)

    unit = (units / 'underlay-promisc@.service').read_text()
    for line in ('Type=oneshot', 'RemainAfterExit=yes', 'BindsTo=sys-subsystem-net-devices-%i.device',
                 'Before=network.target', 'WantedBy=sys-subsystem-net-devices-%i.device'):
        assert line in unit.splitlines(), unit
    for nic_name in ('up0', 'up2'):
        wants = units / ('sys-subsystem-net-devices-%s.device.wants' % nic_name) / ('underlay-promisc@%s.service' % nic_name)
        assert os.readlink(str(wants)) == '../underlay-promisc@.service'
        assert wants.resolve() == (units / 'underlay-promisc@.service').resolve()

    # The same links `systemctl --root DIR enable` makes (it needs no running systemd), but relative.
    if shutil.which('systemctl'):
        mirror = tmp_path / 'systemctl' / 'etc' / 'systemd' / 'system'
        mirror.mkdir(parents=True)
        shutil.copy(str(units / 'underlay-promisc@.service'), str(mirror))
        subprocess.run(['systemctl', '--root', str(tmp_path / 'systemctl'), 'enable', 'underlay-promisc@up0.service',
                        'underlay-promisc@up2.service'], capture_output=True, check=True)
        assert links(mirror) == links(units)

    # The boot-time mechanism itself: after a "reboot" (flag off), the unit's ExecStart for the
    # instance of up0, run in the NIC's namespace, turns the flag on again.
    sh('ip -n %s link set up0 promisc off' % nic)
    assert flag(lab, nic, 'up0') == (False, 0)
    command = exec_start(unit, 'up0')
    assert command == '/sbin/ip link set dev up0 promisc on'
    argv = shlex.split(command)
    assert os.path.exists(argv[0]), '%s does not exist on this machine' % argv[0]
    subprocess.run(['ip', 'netns', 'exec', nic] + argv, check=True)
    assert flag(lab, nic, 'up0') == (True, 1)

    off = ansible_playbook('promisc_role.yml', '-e', 'promisc_state=off', *extra)
    assert off.returncode == 0, off.stdout + off.stderr
    first, second = changed_per_play(off.stdout)
    assert first > 0 and second == 0, off.stdout
    assert flag(lab, nic, 'up0') == (False, 0) and flag(lab, nic, 'up2') == (False, 0)
    assert not list(units.glob('*.device.wants/underlay-promisc@*.service')), 'instances still enabled'
    assert (units / 'underlay-promisc@.service').exists()


@pytest.mark.host_kernel_flow
def test_role_fails_naming_a_missing_nic(lab, nic, tmp_path):
    run = ansible_playbook('promisc_role.yml', '-e', json.dumps({
        'promisc_interfaces': ['up0', 'nosuch0'], 'promisc_netns': nic, 'promisc_config_root': str(tmp_path)}))
    assert run.returncode != 0
    assert "cannot set promisc on link 'nosuch0' in namespace '%s'" % nic in run.stdout, run.stdout
    assert not (tmp_path / 'etc').exists()
