# Copyright: (c) 2026, underlay.network contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The netperf module's reading of netperf's key=value output and of /proc/net/tcp (no netperf run here;
tests/benchmark runs the real thing)."""


import pytest

from ansible_collections.underlay.network.plugins.modules import netperf

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


def test_summary_is_the_mean_with_every_run():
    runs = [{'throughput': (10.0, '/s')}, {'throughput': (20.0, '/s')}, {'throughput': (33.0, '/s')}]
    assert netperf.summarise(runs) == {'throughput': {'mean': 21.0, 'unit': '/s', 'runs': [10.0, 20.0, 33.0]}}


def test_listening_reads_the_state_of_the_port(tmp_path):
    table = tmp_path / 'tcp'
    table.write_text(
        '  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode\n'
        '   0: 00000000:3241 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 1\n'
        '   1: 0100007F:1F90 0100007F:A000 01 00000000:00000000 00:00000000 00000000     0        0 2\n')
    assert netperf.listening(str(table), 12865)
    assert not netperf.listening(str(table), 8080)  # established, not listening
    assert not netperf.listening(str(tmp_path / 'missing'), 12865)
