# Copyright: (c) 2026, underlay.network contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Pooling the rounds, the median, and the ratios to the baseline."""


from ansible_collections.underlay.network.plugins.module_utils._benchmark.netperf import columns_of
from ansible_collections.underlay.network.plugins.module_utils._benchmark.statistics import median, pooled, with_ratios
from ansible_collections.underlay.network.tests.unit.plugins.module_utils._benchmark.helpers import (
    TESTS, figures, topologies)

COLUMNS = columns_of(TESTS)
ROWS = [dict(topology, figures=pooled(topology.get('figures'))) for topology in topologies()]


def test_median_is_the_middle_or_between_the_two_middles():
    assert median([9.0, 1.0, 2.0]) == 2.0
    assert median([4.0, 1.0, 2.0, 9.0]) == 3.0
    assert median([5.0]) == 5.0


def test_rounds_are_pooled_with_mean_median_and_spread():
    rounds = [figures(1.0), figures(2.0), figures(9.0)]
    merged = pooled(rounds)
    assert merged['TCP_STREAM']['throughput'] == {'unit': 'Mbit/s', 'runs': [1000.0, 2000.0, 9000.0], 'mean': 4000.0,
                                                  'median': 2000.0, 'min': 1000.0, 'max': 9000.0}
    assert merged['UDP_STREAM']['receive']['runs'] == [700.0, 1400.0, 6300.0]
    assert pooled(rounds[:2])['TCP_RR']['throughput']['median'] == 15000.0  # even count: between the two
    assert pooled(figures(1.0))['TCP_RR']['throughput']['median'] == 10000.0
    assert pooled([]) == {} and pooled(None) == {}


def test_runs_keep_their_order_and_a_figure_without_runs_counts_its_mean():
    merged = pooled([figures(3.0), {'TCP_RR': {'throughput': {'mean': 5.0, 'unit': '/s'}}}])
    assert merged['TCP_RR']['throughput']['runs'] == [30000.0, 5.0]
    assert merged['TCP_RR']['throughput']['min'] == 5.0


def test_ratios_are_taken_against_the_baseline_row():
    rows = with_ratios(ROWS, COLUMNS, 'bridge')
    assert rows[0]['figures']['TCP_STREAM']['throughput']['ratio_to_baseline'] == 1.0
    assert rows[1]['figures']['UDP_STREAM']['receive']['ratio_to_baseline'] == 1.5
    assert rows[2]['figures'] == {} and rows[2]['reason'] == 'no ipvlan driver'


def test_without_a_measured_baseline_there_is_no_ratio():
    rows = with_ratios(ROWS[1:], COLUMNS, 'bridge')
    assert rows[0]['figures']['TCP_RR']['throughput']['ratio_to_baseline'] is None


def test_the_statistic_decides_the_figures_and_the_ratios():
    slow_round = dict(ROWS[1], figures=pooled([figures(1.5), figures(1.5), figures(0.3)]))
    by_median = with_ratios([ROWS[0], slow_round], COLUMNS, 'bridge', 'median')
    by_mean = with_ratios([ROWS[0], slow_round], COLUMNS, 'bridge', 'mean')
    assert by_median[1]['figures']['TCP_STREAM']['throughput']['ratio_to_baseline'] == 1.5
    assert by_mean[1]['figures']['TCP_STREAM']['throughput']['ratio_to_baseline'] == 1.1
    assert by_mean[1]['figures']['TCP_STREAM']['throughput']['value'] == 1100.0
