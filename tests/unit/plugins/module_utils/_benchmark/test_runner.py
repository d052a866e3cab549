# Copyright: (c) 2026, underlay.network contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The runner's checks of the options, and how it sees netserver listen (no netperf run here)."""


import pytest

from ansible_collections.underlay.network.plugins.module_utils._benchmark import runner
from ansible_collections.underlay.network.plugins.module_utils._common.errors import UnderlayError


def test_listening_reads_the_state_of_the_port(tmp_path):
    table = tmp_path / 'tcp'
    table.write_text(
        '  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode\n'
        '   0: 00000000:3241 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 1\n'
        '   1: 0100007F:1F90 0100007F:A000 01 00000000:00000000 00:00000000 00000000     0        0 2\n')
    assert runner.listening(str(table), 12865)
    assert not runner.listening(str(table), 8080)  # established, not listening
    assert not runner.listening(str(tmp_path / 'missing'), 12865)


OPTIONS = dict(tests=['TCP_RR'], seconds=10, repetitions=1, port=12865)


@pytest.mark.parametrize('change, field, message', [
    (dict(seconds=0), 'seconds', 'seconds is 0; give a whole number of at least 1'),
    (dict(repetitions=-2), 'repetitions', 'repetitions is -2; give a whole number of at least 1'),
    (dict(port=0), 'port', 'port is 0; give a whole number of at least 1'),
    (dict(port=70000), 'port', 'port is 70000; give a TCP port from 1 to 65535'),
    (dict(tests=[]), 'tests', 'tests is empty; give at least one of TCP_STREAM, UDP_STREAM, TCP_RR, TCP_CRR, UDP_RR'),
])
def test_bad_options_fail_naming_the_option_its_value_and_the_fix(change, field, message):
    with pytest.raises(UnderlayError) as error:
        runner.check_options(dict(OPTIONS, **change))
    assert (error.value.message, error.value.field, error.value.value) == (message, field, change[field])


def test_good_options_pass():
    runner.check_options(OPTIONS)
