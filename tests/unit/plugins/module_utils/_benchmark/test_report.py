# Copyright: (c) 2026, underlay.network contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The report's checks of its input, its Markdown table and its JSON document."""

import json

import pytest

from ansible_collections.underlay.network.plugins.module_utils._benchmark import report
from ansible_collections.underlay.network.plugins.module_utils._benchmark.netperf import columns_of
from ansible_collections.underlay.network.plugins.module_utils._benchmark.statistics import with_ratios
from ansible_collections.underlay.network.plugins.module_utils._common.errors import UnderlayError
from ansible_collections.underlay.network.tests.unit.plugins.module_utils._benchmark.helpers import TESTS, topologies

COLUMNS = columns_of(TESTS)


def rows(baseline='bridge', statistic='median', given=None):
    pooled = report.pooled_topologies(topologies() if given is None else given)
    report.check_rows(pooled, COLUMNS)
    return with_ratios(pooled, COLUMNS, baseline, statistic)


def test_table_has_a_row_per_topology_and_says_why_one_was_not_measured():
    text = report.markdown('Title', {'seconds per test': 1}, rows(), COLUMNS, 'bridge')
    lines = text.splitlines()
    assert lines[0] == '# Title'
    assert '- seconds per test: 1' in lines
    assert '- each figure: the median of its runs, then its ratio to bridge' in lines
    header = lines.index('| topology | TCP_STREAM | UDP_STREAM send | UDP_STREAM receive | TCP_RR |')
    assert lines[header + 1] == '|---|---|---|---|---|'
    assert lines[header + 2] == ('| bridge | 1000.00 Mbit/s (1.00×) | 800.00 Mbit/s (1.00×) | 700.00 Mbit/s (1.00×) '
                                 '| 10000.00 /s (1.00×) |')
    assert lines[header + 3].startswith('| macvlan bridge | 1500.00 Mbit/s (1.50×) |')
    assert lines[header + 4] == '| ipvlan l2 | not measured: no ipvlan driver | — | — | — |'
    assert text.endswith('|\n')


def test_without_a_measured_baseline_a_cell_says_so():
    text = report.markdown('t', {}, rows(given=topologies()[1:]), COLUMNS, 'bridge')
    assert '| macvlan bridge | 1500.00 Mbit/s (no baseline) |' in text


def test_the_statistic_is_named_above_the_table():
    assert '- each figure: the mean of its runs, then its ratio to bridge' in report.markdown(
        't', {}, rows(statistic='mean'), COLUMNS, 'bridge', 'mean')


def test_the_json_document_has_every_run_and_what_the_ratios_compare():
    document = json.loads(report.document('t', {'host': 'h'}, rows(), COLUMNS, 'bridge', 'median'))
    assert (document['baseline'], document['statistic'], document['context']) == ('bridge', 'median', {'host': 'h'})
    assert [c['header'] for c in document['columns']] == ['TCP_STREAM', 'UDP_STREAM send', 'UDP_STREAM receive',
                                                          'TCP_RR']
    receive = document['topologies'][1]['figures']['UDP_STREAM']['receive']
    assert receive['runs'] == [1050.0] and receive['ratio_to_baseline'] == 1.5 and receive['value'] == 1050.0


def test_figures_that_are_not_netperfs_fail_naming_the_row():
    given = topologies()
    given[1]['figures'] = 'fast'
    with pytest.raises(UnderlayError) as error:
        report.pooled_topologies(given)
    assert error.value.message == ('topologies[1] (macvlan_bridge): figures is a str; give the figures '
                                   'underlay.network.netperf returned, or a list of them')
    assert (error.value.field, error.value.value) == ('topologies[1].figures', 'fast')


def test_a_measured_row_needs_every_columns_figure():
    given = topologies()
    del given[0]['figures']['UDP_STREAM']['receive']
    with pytest.raises(UnderlayError) as error:
        rows(given=given)
    assert error.value.message == ('topologies[0] (bridge): status is measured but figures has no UDP_STREAM receive '
                                   'mean; give the figures underlay.network.netperf returned for these tests')
    assert error.value.field == 'topologies[0].figures'


def test_a_row_that_was_not_measured_says_why():
    given = topologies()
    given[2]['reason'] = ''
    with pytest.raises(UnderlayError) as error:
        rows(given=given)
    assert error.value.message == ("topologies[2] (ipvlan_l2): status is 'not measured' but reason is empty; "
                                   'say why it was not measured')
    assert error.value.field == 'topologies[2].reason'
