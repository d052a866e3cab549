# Copyright: (c) 2026, underlay.network contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""netperf's tests and figures, read from its key=value output (no netperf run here; tests/benchmark runs it)."""


import pytest

from ansible_collections.underlay.network.plugins.module_utils._benchmark import netperf
from ansible_collections.underlay.network.plugins.module_utils._common.errors import UnderlayError

# What netperf 2.7.0 printed for `-P 0 -- -k ...` between two namespaces on this machine
UDP_STREAM = """LOCAL_SEND_THROUGHPUT=12700.47
REMOTE_RECV_THROUGHPUT=12262.41
THROUGHPUT_UNITS=10^6bits/s
"""
TCP_CRR = "THROUGHPUT=14630.99\nTHROUGHPUT_UNITS=Trans/s\n"


def test_udp_stream_gives_send_and_receive_in_mbit():
    assert netperf.parse_keyval('UDP_STREAM', UDP_STREAM) == {
        'send': (12700.47, 'Mbit/s'), 'receive': (12262.41, 'Mbit/s')}


def test_request_response_gives_transactions_per_second_and_ignores_other_lines():
    output = 'MIGRATED TCP Connect/Request/Response TEST from 0.0.0.0 ...\n' + TCP_CRR + 'SOMETHING ELSE\n'
    assert netperf.parse_keyval('TCP_CRR', output) == {'throughput': (14630.99, '/s')}


@pytest.mark.parametrize('output, words', [
    ('THROUGHPUT_UNITS=Trans/s\n', ['TCP_RR', 'THROUGHPUT', 'its output was']),
    ('THROUGHPUT=abc\nTHROUGHPUT_UNITS=Trans/s\n', ['TCP_RR', "'abc'"]),
    ('THROUGHPUT=12.5\nTHROUGHPUT_UNITS=KB/s\n', ['TCP_RR', 'THROUGHPUT_UNITS', "'KB/s'"]),
    ('THROUGHPUT=-1\nTHROUGHPUT_UNITS=Trans/s\n', ['TCP_RR', 'not a figure']),
    ('THROUGHPUT=nan\nTHROUGHPUT_UNITS=Trans/s\n', ['TCP_RR', 'not a figure']),
    ('', ['TCP_RR', '(nothing)']),
])
def test_output_without_a_usable_figure_is_an_error_that_shows_the_output(output, words):
    with pytest.raises(netperf.NetperfError) as error:
        netperf.parse_keyval('TCP_RR', output)
    for word in words:
        assert word in str(error.value)
    # an UnderlayError, so run_module fails the task with it, naming the test
    assert isinstance(error.value, UnderlayError)
    assert (error.value.field, error.value.value) == ('tests', 'TCP_RR')


def test_each_run_asks_netperf_for_its_figures_and_the_unit():
    assert netperf.output_selectors('UDP_STREAM') == ['LOCAL_SEND_THROUGHPUT', 'REMOTE_RECV_THROUGHPUT',
                                                      'THROUGHPUT_UNITS']
    assert netperf.output_selectors('TCP_RR') == ['THROUGHPUT', 'THROUGHPUT_UNITS']


def test_udp_stream_makes_two_columns():
    assert [c['header'] for c in netperf.columns_of(['TCP_STREAM', 'UDP_STREAM', 'TCP_RR'])] == [
        'TCP_STREAM', 'UDP_STREAM send', 'UDP_STREAM receive', 'TCP_RR']
    assert netperf.columns_of(['UDP_STREAM'])[1] == {'test': 'UDP_STREAM', 'figure': 'receive',
                                                     'header': 'UDP_STREAM receive'}


def test_summary_is_the_mean_with_every_run():
    runs = [{'throughput': (10.0, '/s')}, {'throughput': (20.0, '/s')}, {'throughput': (33.0, '/s')}]
    assert netperf.summarise(runs) == {'throughput': {'mean': 21.0, 'unit': '/s', 'runs': [10.0, 20.0, 33.0]}}
