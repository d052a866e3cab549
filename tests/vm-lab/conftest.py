"""Tests on the VM lab's guests: real systemd, real reboots, reached over SSH like any managed host.

The session boots one lab (name vmlt, two guests) and removes it at the end, also when a test fails
or is interrupted (scripts/test runs `scripts/vm-lab --lab vmlt down` after the stage as well).
"""
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent
REPO = HERE.parent.parent
sys.path.insert(0, str(HERE))

import vm_lab  # noqa: E402  (after the path insert)

LAB_NAME = os.environ.get("VM_LAB_TEST_NAME", "vmlt")


def booted_lab(name, count=2, variant="base"):
    """A lab booted afresh (one left by an interrupted run goes first), removed afterwards also on failure."""
    vm_lab.Lab(name).down()
    try:
        the_lab = vm_lab.Lab(name)
        boot = the_lab.up(count, variant)
        print(f"\nvm-lab {name}: image {the_lab.image.build_info['recipe']}, boot to SSH {boot}")
        yield the_lab
    finally:
        if os.environ.get("VM_LAB_KEEP") != "1":  # VM_LAB_KEEP=1: leave it up to look at (then: down)
            vm_lab.Lab(name).down()


@pytest.fixture(scope="session")
def lab():
    yield from booted_lab(LAB_NAME)


def ansible_playbook(lab, playbook, *args):
    """Runs a playbook of tests/vm-lab/playbooks with the lab's own inventory, as a user would."""
    env = dict(os.environ, ANSIBLE_COLLECTIONS_PATH=str(REPO / ".venv" / "collections"),
               ANSIBLE_HOST_KEY_CHECKING="true", ANSIBLE_NOCOLOR="1", ANSIBLE_RETRY_FILES_ENABLED="0")
    command = [str(REPO / ".venv" / "py311" / "bin" / "ansible-playbook"), "-i", str(lab.inventory_file),
               str(HERE / "playbooks" / playbook), *args]
    result = subprocess.run(command, capture_output=True, text=True, env=env, cwd=REPO, timeout=600, check=False)
    assert result.returncode == 0, f"{' '.join(command)} failed ({result.returncode}):\n{result.stdout}\n{result.stderr}"
    return result.stdout


def recap_changed(stdout, host):
    """The `changed=` count of HOST in the play recap."""
    found = re.search(rf"^{re.escape(host)}\s+:.*\bchanged=(\d+)", stdout, re.M)
    assert found, f"no recap line for {host}:\n{stdout}"
    return int(found.group(1))


def steps_changed(stdout, host):
    """How many steps HOST's tasks said they changed (or would): each role is one call that reports its steps
    (`changes`: a module loaded, a file written, a unit enabled); a task without them counts once."""
    steps = 0
    for line in stdout.splitlines():
        if line.startswith(f"changed: [{host}] => {{"):
            steps += len(json.loads(line.split(" => ", 1)[1]).get("changes") or [None])
    assert steps or recap_changed(stdout, host) == 0, stdout
    return steps


def role_check(lab, guest, role, variables):
    """Applies ROLE to GUEST in check mode; returns how many steps it said it would change."""
    extra = json.dumps(dict(variables, vm_lab_role=role, vm_lab_target=guest.name))
    return steps_changed(ansible_playbook(lab, "role.yml", "--check", "-v", "-e", extra), guest.name)


def role_twice(lab, guest, role, variables):
    """Applies ROLE to GUEST twice; returns (steps changed on the first run, on the second)."""
    extra = json.dumps(dict(variables, vm_lab_role=role, vm_lab_target=guest.name))
    first = ansible_playbook(lab, "role.yml", "-v", "-e", extra)
    second = ansible_playbook(lab, "role.yml", "-v", "-e", extra)
    return steps_changed(first, guest.name), steps_changed(second, guest.name)
