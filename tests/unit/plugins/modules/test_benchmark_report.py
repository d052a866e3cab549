# Copyright: (c) 2026, underlay.network contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The benchmark_report module as Ansible runs it (a process, arguments as JSON in, JSON out): the three
files, written once, check mode, a clean failure. The table, the ratios and the chart themselves:
tests/unit/plugins/module_utils/_benchmark; with real figures: tests/benchmark."""

import json
import os

import pytest

from ansible_collections.underlay.network.plugins.module_utils._benchmark.chart import MATPLOTLIB_IMPORT_ERROR
from ansible_collections.underlay.network.tests.unit.plugins.module_utils._benchmark.helpers import (
    TESTS, run_module_file, topologies)

needs_matplotlib = pytest.mark.skipif(MATPLOTLIB_IMPORT_ERROR is not None, reason='matplotlib is not installed')


def args(dest, **changes):
    return dict(dict(dest=dest, topologies=topologies(), tests=TESTS, context={'host': 'h'}), **changes)


@needs_matplotlib
def test_writes_three_files_once_and_returns_the_table(tmp_path):
    dest = str(tmp_path / 'report')
    rc, result = run_module_file('benchmark_report', args(dest))
    assert rc == 0 and result['changed'] is True, result
    files = {'markdown': os.path.join(dest, 'results.md'), 'json': os.path.join(dest, 'results.json'),
             'chart': os.path.join(dest, 'chart.png')}
    assert result['files'] == files and result['written'] == list(files.values())
    with open(files['markdown'], encoding='utf-8') as markdown:
        assert markdown.read() == result['markdown']
    assert '| ipvlan l2 | not measured: no ipvlan driver | — | — | — |' in result['markdown']
    with open(files['json'], encoding='utf-8') as document:
        assert json.load(document)['statistic'] == 'median'

    rc, again = run_module_file('benchmark_report', args(dest))
    assert rc == 0 and again['changed'] is False and again['written'] == [], again


@needs_matplotlib
def test_check_mode_writes_nothing_and_says_what_it_would(tmp_path):
    dest = str(tmp_path / 'report')
    rc, result = run_module_file('benchmark_report', args(dest), check_mode=True)
    assert rc == 0 and result['changed'] is True and len(result['written']) == 3, result
    assert not os.path.exists(dest)


@needs_matplotlib
def test_bad_figures_fail_naming_the_row_and_the_field(tmp_path):
    given = topologies()
    given[0]['figures'] = 42
    rc, result = run_module_file('benchmark_report', args(str(tmp_path), topologies=given))
    assert rc == 1 and result['failed'], result
    assert result['msg'].startswith('topologies[0] (bridge): figures is a int;')
    assert (result['field'], result['value']) == ('topologies[0].figures', 42)
    assert os.listdir(str(tmp_path)) == []


def test_without_matplotlib_it_says_which_library_is_missing(tmp_path):
    hide = tmp_path / 'hide'
    hide.mkdir()
    (hide / 'matplotlib.py').write_text("raise ImportError('no matplotlib here')\n")
    rc, result = run_module_file('benchmark_report', args(str(tmp_path / 'report')), first_on_path=str(hide))
    assert rc == 1 and 'Failed to import the required Python library (matplotlib)' in result['msg'], result
    assert not os.path.exists(str(tmp_path / 'report'))
