# Copyright: (c) 2026, underlay.network contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""benchmarks/fleet.py, short (two namespace hosts, measured twice): it runs every playbook, the unchanged
re-run changes nothing (the script stops otherwise), each playbook costs the tasks per host docs/engine.md
says, the CPU time of each run is counted, the medians of the two are printed, and no host namespace is left.
The figures themselves are in docs/engine.md, not asserted here."""
import json
import os
import subprocess
import sys

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
TASKS = {'ping': 1, 'site': 4, 'site again': 4, 'verify': 4, 'teardown': 4}


def test_fleet_benchmark_runs_each_playbook_with_its_task_count_and_leaves_nothing(tmp_path):
    figures = tmp_path / 'fleet.json'
    run = subprocess.run([sys.executable, os.path.join(REPO, 'benchmarks', 'fleet.py'), '--sizes', '2',
                          '--repeat', '2', '--json', str(figures)], capture_output=True, text=True, check=False)
    assert run.returncode == 0, run.stdout + run.stderr
    repeats = json.loads(figures.read_text())['2']
    assert len(repeats) == 2, repeats
    for measured in repeats:
        assert {name: tasks for name, (_seconds, tasks, _cpu) in measured.items()} == TASKS, measured
        assert all(seconds > 0 and cpu > 0 for seconds, _tasks, cpu in measured.values()), measured
    assert 'site/floor' in run.stdout and '\n  cpu ' in run.stdout, run.stdout
    assert '\n    2 median of 2 ' in run.stdout and '\n  cpu median of 2 ' in run.stdout, run.stdout
    left = subprocess.run(['ip', 'netns', 'list'], capture_output=True, text=True, check=True).stdout
    assert 'ulfleet-' not in left, left
