# Copyright: (c) 2026, underlay.network contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The chart: a PNG, the same bytes for the same figures (so a re-run rewrites nothing)."""

import pytest

from ansible_collections.underlay.network.plugins.module_utils._benchmark import chart, report
from ansible_collections.underlay.network.plugins.module_utils._benchmark.netperf import columns_of
from ansible_collections.underlay.network.plugins.module_utils._benchmark.statistics import with_ratios
from ansible_collections.underlay.network.tests.unit.plugins.module_utils._benchmark.helpers import TESTS, topologies

pytestmark = pytest.mark.skipif(chart.MATPLOTLIB_IMPORT_ERROR is not None, reason='matplotlib is not installed')
PNG = b'\x89PNG\r\n\x1a\n'


def test_the_chart_is_a_png_and_the_same_figures_give_the_same_bytes():
    columns = columns_of(TESTS)
    rows = with_ratios(report.pooled_topologies(topologies()), columns, 'bridge')
    first = chart.chart('t', {'host': 'h'}, rows, columns)
    assert first.startswith(PNG)
    assert chart.chart('t', {'host': 'h'}, rows, columns) == first


def test_without_a_measured_topology_there_is_still_a_chart():
    rows = with_ratios(report.pooled_topologies(topologies()[2:]), columns_of(TESTS), 'bridge')
    assert chart.chart('t', {}, rows, columns_of(TESTS)).startswith(PNG)


def test_the_requirement_is_what_run_module_checks():
    assert chart.MATPLOTLIB == ('matplotlib', None)
