"""Figures for docs/vm-lab.md: image build, boot to SSH, a reboot, and a ten-task playbook on two hosts,
on the VM lab's guests against the same inside the UML kernel harness (tests/kernel-lab/run: the
controller inside UML, two namespaces as hosts through the netns connection).

    python3 tests/vm-lab/measure.py [--rebuild]    (root; takes about three minutes)
"""
import os
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent.parent
sys.path.insert(0, str(HERE))

import image  # noqa: E402
import vm_lab  # noqa: E402

ENV = dict(os.environ, ANSIBLE_COLLECTIONS_PATH=str(REPO / ".venv" / "collections"), ANSIBLE_NOCOLOR="1",
           ANSIBLE_PIPELINING="true")
PLAYBOOK = ["ansible-playbook", str(HERE / "playbooks" / "ten_tasks.yml")]


def timed(argv, **kwargs):
    start = time.monotonic()
    result = subprocess.run(argv, capture_output=True, text=True, env=ENV, cwd=REPO, **kwargs, check=False)
    if result.returncode != 0:
        raise SystemExit(f"{' '.join(argv)} failed ({result.returncode}):\n{result.stdout}\n{result.stderr}")
    return round(time.monotonic() - start, 1)


def main(argv):
    venv_bin = REPO / ".venv" / "py311" / "bin"
    ENV["PATH"] = f"{venv_bin}:{ENV['PATH']}"
    if "--rebuild" in argv:
        target = image.CACHE_ROOT / image.recipe_hash()
        subprocess.run(["rm", "-rf", str(target)], check=True)
    figures = {}
    start = time.monotonic()
    built = image.ensure_image()
    figures["image (build or cache hit), s"] = round(time.monotonic() - start, 1)
    figures["image build as recorded, s"] = built.build_info["build_seconds"]

    lab = vm_lab.Lab("vmlf")
    lab.down()
    try:
        lab = vm_lab.Lab("vmlf")
        boot = lab.up(2)
        figures["up 2: boot to SSH, s"] = boot
        figures["reboot g1 (halt + boot to SSH), s"] = lab.reboot("vmlf-g1")
        inventory = ["-i", str(lab.inventory_file)]
        figures["ten tasks on 2 guests over SSH (first run), s"] = timed(PLAYBOOK + inventory)
        figures["ten tasks on 2 guests over SSH (again), s"] = timed(PLAYBOOK + inventory)
    finally:
        vm_lab.Lab("vmlf").down()

    # The old way: two hosts that are namespaces of the kernel the controller runs in (netns connection).
    pair = REPO / "tests" / "output" / "vmlf-netns-pair.yml"
    pair.parent.mkdir(exist_ok=True)
    pair.write_text("all:\n  hosts: {vmlf-n1: {}, vmlf-n2: {}}\n  vars:\n    ansible_connection: underlay.network.netns\n"
                    "    ansible_python_interpreter: '{{ ansible_playbook_python }}'\n")
    inside_uml = ("ip netns add vmlf-n1 && ip netns add vmlf-n2 && start=$(date +%s.%N) && "
                  f"ansible-playbook -i {pair} {PLAYBOOK[1]} >/dev/null && "
                  "python3 -c \"import sys; print(round($(date +%s.%N) - $start, 1))\"")
    start = time.monotonic()
    result = subprocess.run([str(REPO / "tests" / "kernel-lab" / "run"), "--timeout", "1500", "--",
                             "bash", "-c", inside_uml], capture_output=True, text=True, env=ENV, cwd=REPO, check=False)
    if result.returncode != 0:
        raise SystemExit(f"inside UML failed ({result.returncode}):\n{result.stdout}\n{result.stderr}")
    figures["ten tasks on 2 namespaces, controller inside UML, s"] = float(result.stdout.split()[-1])
    figures["... with the UML kernel's boot and halt, s"] = round(time.monotonic() - start, 1)
    for name, value in figures.items():
        print(f"{name}: {value}")


if __name__ == "__main__":
    main(sys.argv[1:])
