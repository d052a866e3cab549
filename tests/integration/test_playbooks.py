"""The modules through ansible-playbook, with the ansible-core of the running virtualenv."""
import os
import re
import subprocess
import sys

import pytest

from conftest import COLLECTIONS, sh

HERE = os.path.dirname(os.path.abspath(__file__))


def ansible_playbook(playbook, *extra):
    bindir = os.path.dirname(sys.executable)
    env = dict(os.environ, ANSIBLE_COLLECTIONS_PATH=COLLECTIONS, ANSIBLE_PYTHON_INTERPRETER=sys.executable,
               ANSIBLE_NOCOLOR='1', ANSIBLE_LOCALHOST_WARNING='false', ANSIBLE_INVENTORY_UNPARSED_WARNING='false')
    return subprocess.run([os.path.join(bindir, 'ansible-playbook'), os.path.join(HERE, 'playbooks', playbook)]
                          + list(extra), capture_output=True, text=True, env=env, check=False)


@pytest.mark.kernel('macvlan')
@pytest.mark.host_kernel_flow
def test_seed000_macvlan_playbook(lab):
    run = ansible_playbook('seed000_macvlan.yml', '-e', 'lab_prefix=%s' % lab.prefix)
    assert run.returncode == 0, run.stdout + run.stderr
    assert 'failed=0' in run.stdout
    assert not [ns for ns in sh('ip netns list').split() if ns.startswith(lab.prefix)], 'the playbook left namespaces'


@pytest.mark.kernel('macvlan')
@pytest.mark.host_kernel_flow
@pytest.mark.fleet
def test_lab_fleet_builds_verifies_is_idempotent_and_tears_down(lab):
    """The README's main job: three hosts on a switch, two containers each, site.yml, verify.yml."""
    prefix = ['-e', 'lab_prefix=%s' % lab.prefix]
    first = ansible_playbook('../../../playbooks/lab.yml', *prefix)
    assert first.returncode == 0, first.stdout + first.stderr
    for cell in ('%s-h1: h1-c1=ok' % lab.prefix, 'h2-c1=ok, h2-c2=ok, h3-c1=ok', 'h1-c1->h2-c1 ok', 'h3-c1->h1-c2 ok'):
        assert cell in first.stdout, first.stdout
    again = ansible_playbook('../../../playbooks/lab.yml', *prefix)
    assert again.returncode == 0, again.stdout
    for host in ('localhost', '%s-h1' % lab.prefix, '%s-h2' % lab.prefix, '%s-h3' % lab.prefix):
        assert re.search(r'%s\s+: ok=\d+\s+changed=0 ' % re.escape(host), again.stdout), again.stdout
    down = ansible_playbook('../../../playbooks/lab.yml', '-e', 'lab_state=absent', *prefix)
    assert down.returncode == 0, down.stdout
    assert not [ns for ns in sh('ip netns list').split() if ns.startswith(lab.prefix)]
    assert not os.path.exists('/tmp/%s-config' % lab.prefix)


@pytest.mark.kernel('vlan', 'ipvlan')
def test_vlan_and_ipvlan_playbook(lab):
    run = ansible_playbook('vlan_ipvlan.yml', '-e', 'lab_prefix=%s' % lab.prefix)
    assert run.returncode == 0, run.stdout + run.stderr
    assert 'failed=0' in run.stdout
    assert not [ns for ns in sh('ip netns list').split() if ns.startswith(lab.prefix)]
