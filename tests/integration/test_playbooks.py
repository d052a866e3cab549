"""The modules through ansible-playbook, with the ansible-core of the running virtualenv."""
import os
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
def test_lab_playbook_builds_verifies_is_idempotent_and_tears_down(lab):
    prefix = ['-e', 'lab_prefix=%s' % lab.prefix]
    first = ansible_playbook('../../../playbooks/lab.yml', *prefix)
    assert first.returncode == 0, first.stdout + first.stderr
    for pair in ('net1 -> 198.18.248.9', 'host -> 198.18.248.10', 'net2 -> 198.18.252.45'):
        assert '%s-%s ok' % (lab.prefix, pair) in first.stdout, first.stdout
    again = ansible_playbook('../../../playbooks/lab.yml', *prefix)
    assert again.returncode == 0 and 'changed=0' in again.stdout, again.stdout
    down = ansible_playbook('../../../playbooks/lab.yml', '-e', 'lab_state=absent', *prefix)
    assert down.returncode == 0, down.stdout
    assert not [ns for ns in sh('ip netns list').split() if ns.startswith(lab.prefix)]


@pytest.mark.kernel('vlan', 'ipvlan')
def test_vlan_and_ipvlan_playbook(lab):
    run = ansible_playbook('vlan_ipvlan.yml', '-e', 'lab_prefix=%s' % lab.prefix)
    assert run.returncode == 0, run.stdout + run.stderr
    assert 'failed=0' in run.stdout
    assert not [ns for ns in sh('ip netns list').split() if ns.startswith(lab.prefix)]
