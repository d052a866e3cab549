# Copyright: (c) 2026, underlay.network contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""kernel_drivers module and kernel_modules role on the running kernel.

On the host kernel (no module support, macvlan built in, no ipvlan/8021q) the role passes for macvlan
and fails with one message naming ipvlan and 8021q. Inside the UML kernel lab (modules under
/lib/modules) ipvlan is unloaded first, so the role has a loadable module to load for real.
"""
import json
import os
import re
import subprocess
import time

import pytest

from helpers import ansible_playbook, changed_per_play, kernel_has, sh

RELEASE = os.uname().release
# the role's one call reports each module it loaded as a step (-v shows the result)
LOAD_IPVLAN = re.compile(r'"action": "load module", "kind": "kernel module", "name": "ipvlan"')


def probe_namespaces():
    return [ns for ns in sh('ip netns list').split() if ns.startswith('ul-probe-')]


def role(root, drivers, *extra):
    return ansible_playbook('kernel_modules_role.yml', '-e', json.dumps({
        'kernel_modules_config_root': str(root), 'kernel_modules_drivers': drivers}), *extra)


def conf_lines(root):
    path = root / 'etc' / 'modules-load.d' / 'underlay-network.conf'
    if not path.exists():
        return None
    return [line for line in path.read_text().splitlines() if line and not line.startswith('#')]


# ---------------------------------------------------------------- the module

@pytest.mark.kernel('macvlan')
@pytest.mark.parametrize('check', [False, True])
def test_macvlan_is_reported_available_and_the_probe_namespace_is_gone(module, check):
    before = probe_namespaces()
    result = module('kernel_drivers', drivers=['macvlan'], check=check)
    assert result['rc'] == 0 and result['changed'] is False, result
    macvlan = result['drivers']['macvlan']
    assert macvlan['status'] in ('builtin', 'loaded') and macvlan['available'] is True, macvlan
    assert macvlan['usable'] is True and macvlan['message'] is None and result['problems'] == []
    assert macvlan['min_kernel'] == '2.6.23' and macvlan['kernel_ok'] is True
    assert result['kernel']['release'] == RELEASE
    assert result['kernel']['module_support'] == os.path.exists('/proc/modules')
    assert result['minimums'] == {'macvlan': '2.6.23', 'ipvlan': '3.19', 'ipvlan_l3s': '4.9', 'ipvlan_flags': '4.15',
                                  '8021q': None, 'dummy': None, 'macvtap': None, 'ipvtap': None}
    if not os.path.exists('/proc/modules'):  # the host kernel: no module support at all
        assert macvlan['status'] == 'builtin' and result['modules'] == [] and result['loadable'] == []
    assert probe_namespaces() == before, 'the probe namespace was left behind'


def test_ipvlan_and_8021q_are_reported_as_this_kernel_has_them(module):
    """The host kernel: missing, with the reason. The UML lab: loaded (or loadable if a test unloaded it)."""
    result = module('kernel_drivers', drivers=['ipvlan', 'vlan'])
    assert result['rc'] == 0 and result['changed'] is False, result
    for name, kind in (('ipvlan', 'ipvlan'), ('8021q', 'vlan')):
        report = result['drivers'][name]
        assert report['kind'] == kind and report['module'] == name
        if os.path.exists('/sys/module/%s/initstate' % name):
            assert (report['status'], report['available'], report['usable']) == ('loaded', True, True), report
        elif os.path.exists('/proc/modules') and report['status'] == 'loadable':
            assert report['available'] is None and name in result['loadable']
        elif kernel_has(kind):
            assert (report['status'], report['available']) == ('builtin', True), report
        else:
            assert (report['status'], report['available'], report['usable']) == ('missing', False, False), report
            assert report['message'] in result['problems']
    if not os.path.exists('/proc/modules') and not kernel_has('ipvlan'):  # the host kernel
        assert result['drivers']['ipvlan']['message'] == (
            'ipvlan: kernel %s cannot create ipvlan links (probe: EOPNOTSUPP): it is not built in and the kernel has '
            'no module support, so there is nothing to load; use a kernel built with CONFIG_IPVLAN' % RELEASE)


@pytest.mark.kernel('ipvlan', 'vlan', 'dummy')
def test_every_lab_driver_and_ipvlan_feature_is_proven_by_a_probe(module):
    result = module('kernel_drivers', drivers=['macvlan', 'ipvlan', 'vlan', 'dummy'],
                    features=['ipvlan_l3s', 'ipvlan_flags'])
    assert result['rc'] == 0 and result['problems'] == [], result
    for name in ('macvlan', 'ipvlan', '8021q', 'dummy'):
        assert result['drivers'][name]['available'] is True, result['drivers'][name]
        assert result['drivers'][name]['status'] in ('builtin', 'loaded')
    for name in ('ipvlan_l3s', 'ipvlan_flags'):
        feature = result['features'][name]
        assert feature['available'] is True and feature['usable'] is True, feature
        assert feature['probe'].startswith('created ')


# ---------------------------------------------------------------- the role

@pytest.mark.kernel('macvlan')
@pytest.mark.host_kernel_flow
def test_role_passes_for_macvlan_in_check_mode_and_twice(module, tmp_path):
    root = tmp_path / 'root'
    probes = probe_namespaces()
    expected = module('kernel_drivers', drivers=['macvlan'])['modules']  # [] on the host kernel: built in

    check = role(root, ['macvlan'], '--check')
    assert check.returncode == 0, check.stdout + check.stderr
    assert not root.exists(), 'check mode wrote files'

    run = role(root, ['macvlan'])
    assert run.returncode == 0, run.stdout + run.stderr
    assert changed_per_play(run.stdout)[1] == 0, run.stdout
    assert conf_lines(root) == (expected or None)
    if not expected:
        assert changed_per_play(run.stdout) == [0, 0], 'nothing to load, nothing to write: ' + run.stdout
    assert probe_namespaces() == probes, 'a probe namespace was left behind'


@pytest.mark.host_kernel_flow
def test_role_fails_once_naming_every_driver_it_cannot_provide(module, tmp_path):
    found = module('kernel_drivers', drivers=['macvlan', 'ipvlan', 'vlan'])
    if found['drivers']['ipvlan']['usable'] or found['drivers']['8021q']['usable']:
        pytest.skip('this kernel can provide ipvlan or 8021q (the host kernel cannot)')
    run = role(tmp_path, ['macvlan', 'ipvlan', 'vlan'])
    assert run.returncode == 2, run.stdout + run.stderr
    fatal = [line for line in run.stdout.splitlines() if line.startswith('fatal: ')]
    assert len(fatal) == 1, run.stdout
    message = json.loads(fatal[0].split(' => ', 1)[1])['msg']
    assert message.startswith('kernel_modules: Linux %s on localhost cannot provide every link driver asked for '
                              '(macvlan, ipvlan, vlan) - ' % RELEASE), message
    assert "ipvlan: kernel %s cannot create ipvlan links" % RELEASE in message
    assert "8021q: kernel %s cannot create vlan links" % RELEASE in message
    assert 'macvlan:' not in message, 'macvlan works here and must not be named'
    assert not (tmp_path / 'etc').exists()


def unload(module_name, timeout=15):
    """modprobe -r, retried while links of namespaces that are going away still hold it; False if it stays."""
    deadline = time.time() + timeout
    while os.path.exists('/sys/module/%s' % module_name):
        refcnt = '/sys/module/%s/refcnt' % module_name
        if not os.path.exists(refcnt):
            return False  # built in
        if subprocess.run(['modprobe', '-r', module_name], capture_output=True, check=False).returncode == 0:
            break
        if time.time() > deadline:
            return False
        time.sleep(0.5)
    return True


@pytest.mark.kernel('ipvlan', 'vlan')
def test_role_loads_a_loadable_module_in_check_mode_not_then_really_then_nothing(module, tmp_path):
    if not os.path.exists('/proc/modules'):
        pytest.skip('this kernel cannot load modules (the UML kernel lab can)')
    if not unload('ipvlan'):
        pytest.skip('ipvlan is built in or in use here; nothing to load')
    found = module('kernel_drivers', drivers=['macvlan', 'ipvlan', 'vlan'])
    assert found['drivers']['ipvlan']['status'] == 'loadable', found
    assert found['loadable'] == ['ipvlan']
    root = tmp_path / 'root'
    try:
        check = role(root, ['macvlan', 'ipvlan', 'vlan'], '--check', '-v', '-e', 'second_pass=false')  # one pass: UML is slow
        assert check.returncode == 0, check.stdout + check.stderr
        assert LOAD_IPVLAN.search(check.stdout), check.stdout  # modprobe --dry-run
        assert not os.path.exists('/sys/module/ipvlan'), 'check mode loaded the module'
        assert not root.exists(), 'check mode wrote files'

        run = role(root, ['macvlan', 'ipvlan', 'vlan'], '-v')
        assert run.returncode == 0, run.stdout + run.stderr
        assert LOAD_IPVLAN.search(run.stdout), run.stdout
        assert changed_per_play(run.stdout)[1] == 0, 'the second pass changed something: ' + run.stdout
        assert os.path.exists('/sys/module/ipvlan/initstate')
        after = module('kernel_drivers', drivers=['macvlan', 'ipvlan', 'vlan'])
        assert after['drivers']['ipvlan']['status'] == 'loaded' and after['drivers']['ipvlan']['available'] is True
        assert 'ipvlan' in after['modules'] and '8021q' in after['modules']
        assert conf_lines(root) == after['modules']  # only modules; a built-in driver is not listed
    finally:
        subprocess.run(['modprobe', 'ipvlan'], check=False)  # leave the kernel as the lab had it
