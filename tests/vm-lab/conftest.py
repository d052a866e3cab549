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


@pytest.fixture(scope="session")
def lab():
    the_lab = vm_lab.Lab(LAB_NAME)
    the_lab.down()  # a lab left by an interrupted run
    try:
        the_lab = vm_lab.Lab(LAB_NAME)
        boot = the_lab.up(2)
        print(f"\nvm-lab {LAB_NAME}: image {the_lab.image.build_info['recipe']}, boot to SSH {boot}")
        yield the_lab
    finally:
        if os.environ.get("VM_LAB_KEEP") != "1":  # VM_LAB_KEEP=1: leave it up to look at (then: down)
            vm_lab.Lab(LAB_NAME).down()


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


def role_check(lab, guest, role, variables):
    """Applies ROLE to GUEST in check mode; returns how many tasks said they would change."""
    extra = json.dumps(dict(variables, vm_lab_role=role, vm_lab_target=guest.name))
    return recap_changed(ansible_playbook(lab, "role.yml", "--check", "-e", extra), guest.name)


def role_twice(lab, guest, role, variables):
    """Applies ROLE to GUEST twice; returns (changed on the first run, changed on the second)."""
    extra = json.dumps(dict(variables, vm_lab_role=role, vm_lab_target=guest.name))
    first = ansible_playbook(lab, "role.yml", "-e", extra)
    second = ansible_playbook(lab, "role.yml", "-e", extra)
    return recap_changed(first, guest.name), recap_changed(second, guest.name)
