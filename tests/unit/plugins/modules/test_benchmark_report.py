# Copyright: (c) 2026, underlay.network contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The report's table and ratios (the chart and the files: tests/benchmark, with real figures)."""


from ansible_collections.underlay.network.plugins.modules import benchmark_report as report


def figures(scale):
    def one(value, unit):
        return {'mean': value * scale, 'unit': unit, 'runs': [value * scale]}
    return {'TCP_STREAM': {'throughput': one(1000.0, 'Mbit/s')},
            'UDP_STREAM': {'send': one(800.0, 'Mbit/s'), 'receive': one(700.0, 'Mbit/s')},
            'TCP_RR': {'throughput': one(10000.0, '/s')}}


TESTS = ['TCP_STREAM', 'UDP_STREAM', 'TCP_RR']
ROWS = [
    {'name': 'bridge', 'label': 'bridge', 'status': 'measured', 'figures': report.pooled(figures(1.0))},
    {'name': 'macvlan_bridge', 'label': 'macvlan bridge', 'status': 'measured', 'figures': report.pooled(figures(1.5))},
    {'name': 'ipvlan_l2', 'label': 'ipvlan l2', 'status': 'not measured', 'reason': 'no ipvlan driver'},
]


def test_udp_stream_makes_two_columns():
    assert [c['header'] for c in report.columns_of(TESTS)] == [
        'TCP_STREAM', 'UDP_STREAM send', 'UDP_STREAM receive', 'TCP_RR']


def test_ratios_are_taken_against_the_baseline_row():
    rows = report.with_ratios(ROWS, report.columns_of(TESTS), 'bridge')
    assert rows[0]['figures']['TCP_STREAM']['throughput']['ratio_to_baseline'] == 1.0
    assert rows[1]['figures']['UDP_STREAM']['receive']['ratio_to_baseline'] == 1.5
    assert rows[2]['figures'] == {} and rows[2]['reason'] == 'no ipvlan driver'


def test_without_a_measured_baseline_there_is_no_ratio():
    rows = report.with_ratios(ROWS[1:], report.columns_of(TESTS), 'bridge')
    assert rows[0]['figures']['TCP_RR']['throughput']['ratio_to_baseline'] is None
    assert '(no baseline)' in report.markdown('t', {}, rows, report.columns_of(TESTS), 'bridge')


def test_table_has_a_row_per_topology_and_says_why_one_was_not_measured():
    columns = report.columns_of(TESTS)
    text = report.markdown('Title', {'seconds per test': 1}, report.with_ratios(ROWS, columns, 'bridge'), columns, 'bridge')
    lines = text.splitlines()
    assert lines[0] == '# Title'
    assert '- seconds per test: 1' in lines
    header = lines.index('| topology | TCP_STREAM | UDP_STREAM send | UDP_STREAM receive | TCP_RR |')
    assert lines[header + 1] == '|---|---|---|---|---|'
    assert lines[header + 2] == ('| bridge | 1000.00 Mbit/s (1.00×) | 800.00 Mbit/s (1.00×) | 700.00 Mbit/s (1.00×) '
                                 '| 10000.00 /s (1.00×) |')
    assert lines[header + 3].startswith('| macvlan bridge | 1500.00 Mbit/s (1.50×) |')
    assert lines[header + 4] == '| ipvlan l2 | not measured: no ipvlan driver | — | — | — |'


def test_rounds_are_pooled_with_mean_median_and_spread():
    rounds = [figures(1.0), figures(2.0), figures(9.0)]
    merged = report.pooled(rounds)
    assert merged['TCP_STREAM']['throughput'] == {'unit': 'Mbit/s', 'runs': [1000.0, 2000.0, 9000.0], 'mean': 4000.0,
                                                  'median': 2000.0, 'min': 1000.0, 'max': 9000.0}
    assert merged['UDP_STREAM']['receive']['runs'] == [700.0, 1400.0, 6300.0]
    assert report.pooled(rounds[:2])['TCP_RR']['throughput']['median'] == 15000.0  # even count: between the two
    assert report.pooled(figures(1.0))['TCP_RR']['throughput']['median'] == 10000.0
    assert report.pooled([]) == {} and report.pooled(None) == {}


def test_the_statistic_decides_the_figures_and_the_ratios():
    columns = report.columns_of(TESTS)
    slow_round = dict(ROWS[1], figures=report.pooled([figures(1.5), figures(1.5), figures(0.3)]))
    by_median = report.with_ratios([ROWS[0], slow_round], columns, 'bridge', 'median')
    by_mean = report.with_ratios([ROWS[0], slow_round], columns, 'bridge', 'mean')
    assert by_median[1]['figures']['TCP_STREAM']['throughput']['ratio_to_baseline'] == 1.5
    assert by_mean[1]['figures']['TCP_STREAM']['throughput']['ratio_to_baseline'] == 1.1
    assert '- each figure: the mean of its runs, then its ratio to bridge' in report.markdown(
        't', {}, by_mean, columns, 'bridge', 'mean')
