# Copyright: (c) 2026, underlay.network contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The modules through ansible-playbook, with the ansible-core of the running virtualenv."""
import os
import re
import shutil

import pytest

from helpers import ansible_playbook, sh


@pytest.mark.kernel('macvlan')
@pytest.mark.host_kernel_flow
def test_seed000_macvlan_playbook(lab):
    run = ansible_playbook('seed000_macvlan.yml', '-e', 'lab_prefix=%s' % lab.prefix)
    assert run.returncode == 0, run.stdout + run.stderr
    assert 'failed=0' in run.stdout
    assert not [ns for ns in sh('ip netns list').split() if ns.startswith(lab.prefix)], 'the playbook left namespaces'


def host_links(netns):
    return sh('ip -n %s -br link' % netns)


@pytest.fixture
def fleet_lab(lab):
    """The test's Lab; the fleet's configuration root (/tmp/<prefix>-config) goes too, also when the test fails
    before lab.yml removed it (Lab.cleanup removes the namespaces)."""
    yield lab
    shutil.rmtree('/tmp/%s-config' % lab.prefix, ignore_errors=True)


@pytest.mark.kernel('macvlan')
@pytest.mark.host_kernel_flow
@pytest.mark.fleet
def test_lab_fleet_check_mode_builds_verifies_is_idempotent_and_tears_down(fleet_lab):
    """The README's main job: three hosts on a switch, two containers each, site.yml, verify.yml, teardown.yml."""
    lab = fleet_lab
    prefix = ['-e', 'lab_prefix=%s' % lab.prefix]
    h1 = '%s-h1' % lab.prefix
    hosts = [h1, '%s-h2' % lab.prefix, '%s-h3' % lab.prefix]

    planned = ansible_playbook('../../../lab/lab.yml', '--check', *prefix)
    assert planned.returncode == 0, planned.stdout + planned.stderr
    assert 'lab-shim' not in host_links(h1), '--check must not create the shim'
    # before any shim, a host reaches the other hosts' containers but not its own (the famous catch)
    assert '%s: h1-c1=FAIL, h1-c2=FAIL, h2-c1=ok, h2-c2=ok, h3-c1=ok, h3-c2=ok' % h1 in planned.stdout, planned.stdout
    for host in hosts:
        assert re.search(r'%s\s+: ok=\d+\s+changed=[1-9]' % re.escape(host), planned.stdout), planned.stdout

    first = ansible_playbook('../../../lab/lab.yml', *prefix)
    assert first.returncode == 0, first.stdout + first.stderr
    for cell in ('%s: h1-c1=ok, h1-c2=ok, h2-c1=ok' % h1, 'h2-c1=ok, h2-c2=ok, h3-c1=ok',
                 'h1-c1: h2-c1=ok, h2-c2=ok, h3-c1=ok, h3-c2=ok', 'h3-c2: h1-c1=ok, h1-c2=ok, h2-c1=ok, h2-c2=ok'):
        assert cell in first.stdout, first.stdout
    assert 'lab-shim@eth0' in host_links(h1)

    for flags in ([], ['--check']):
        again = ansible_playbook('../../../lab/lab.yml', *(flags + prefix))
        assert again.returncode == 0, again.stdout
        for host in ['localhost'] + hosts:
            assert re.search(r'%s\s+: ok=\d+\s+changed=0 ' % re.escape(host), again.stdout), (flags, again.stdout)

    down_plan = ansible_playbook('../../../lab/lab.yml', '-e', 'lab_state=absent', '--check', *prefix)
    assert down_plan.returncode == 0, down_plan.stdout
    assert '%s: would remove lab-shim; left to their owners: nothing' % h1 in down_plan.stdout, down_plan.stdout
    assert 'lab-shim@eth0' in host_links(h1), '--check must not remove the shim'

    down = ansible_playbook('../../../lab/lab.yml', '-e', 'lab_state=absent', *prefix)
    assert down.returncode == 0, down.stdout
    assert '%s: removed lab-shim;' % h1 in down.stdout, down.stdout
    assert "'removed': ['lab-shim']" in down.stdout or '"removed": [' in down.stdout, down.stdout
    assert not [ns for ns in sh('ip netns list').split() if ns.startswith(lab.prefix)]
    assert not os.path.exists('/tmp/%s-config' % lab.prefix)


@pytest.mark.kernel('vlan', 'ipvlan')
def test_vlan_and_ipvlan_playbook(lab):
    run = ansible_playbook('vlan_ipvlan.yml', '-e', 'lab_prefix=%s' % lab.prefix)
    assert run.returncode == 0, run.stdout + run.stderr
    assert 'failed=0' in run.stdout
    assert not [ns for ns in sh('ip netns list').split() if ns.startswith(lab.prefix)]
