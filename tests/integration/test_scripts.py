# Copyright: (c) 2026, underlay.network contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""scripts/test: its stage list is one list, and a stage it does not know is refused before anything starts."""
import os
import re
import subprocess

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
SCRIPT = os.path.join(ROOT, 'scripts', 'test')

pytestmark = pytest.mark.host_kernel_flow


def stages():
    text = open(SCRIPT).read()
    return re.search(r'^all_stages=\(([^)]*)\)', text, re.M).group(1).split()


def test_an_unknown_stage_is_refused_before_bootstrap_or_the_lab(tmp_path):
    # a PATH where apt-get and pip would fail loudly if bootstrap ran
    proc = subprocess.run([SCRIPT, 'unit', 'nosuchstage'], capture_output=True, text=True, timeout=30,
                          env=dict(os.environ, PATH='/usr/bin:/bin'), check=False)
    assert proc.returncode == 2
    assert "unknown stage 'nosuchstage'" in proc.stderr and ' '.join(stages()) in proc.stderr
    assert 'bootstrap' not in proc.stdout + proc.stderr and '===' not in proc.stdout, 'nothing started'


def test_every_stage_has_a_recipe_and_the_readme_lists_it():
    text = open(SCRIPT).read()
    recipes = set(re.findall(r'^    ([a-z|]+)\)', text, re.M))
    known = set(name for recipe in recipes for name in recipe.split('|'))
    assert set(stages()) <= known, 'a stage in all_stages without a case in the stage loop'
    readme = open(os.path.join(ROOT, 'README.md')).read()
    assert all('| `%s` |' % stage in readme for stage in stages()), 'the README stage table lists every stage'
