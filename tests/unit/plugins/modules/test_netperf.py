# Copyright: (c) 2026, underlay.network contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The netperf module as Ansible runs it (a process, arguments as JSON in, JSON out), without running netperf:
its options checked, check mode. Reading netperf's output: tests/unit/plugins/module_utils/_benchmark;
a real measurement: tests/benchmark."""

import shutil

import pytest

from ansible_collections.underlay.network.tests.unit.plugins.module_utils._benchmark.helpers import run_module_file

ARGS = dict(client_netns='ulnp-absent-c1', server_netns='ulnp-absent-c2', server_address='198.18.250.2')


def test_check_mode_measures_nothing_and_changes_nothing():
    rc, result = run_module_file('netperf', ARGS, check_mode=True)
    assert rc == 0, result
    assert result['changed'] is False and result['figures'] == {} and 'netperf_version' not in result


@pytest.mark.parametrize('option, value, message', [
    ('seconds', 0, 'seconds is 0; give a whole number of at least 1'),
    ('port', 65536, 'port is 65536; give a TCP port from 1 to 65535'),
    ('tests', [], 'tests is empty; give at least one of TCP_STREAM, UDP_STREAM, TCP_RR, TCP_CRR, UDP_RR'),
])
def test_a_bad_option_fails_before_anything_runs_naming_it_and_its_value(option, value, message):
    rc, result = run_module_file('netperf', dict(ARGS, **{option: value}), check_mode=True)
    assert rc == 1 and result['failed'], result
    assert (result['msg'], result['field'], result['value']) == (message, option, value)


def test_an_unknown_test_is_refused_by_the_argument_spec():
    rc, result = run_module_file('netperf', dict(ARGS, tests=['SCTP_STREAM']), check_mode=True)
    assert rc == 1 and 'SCTP_STREAM' in result['msg'] and 'TCP_CRR' in result['msg'], result


@pytest.mark.skipif(not (shutil.which('netperf') and shutil.which('netserver')), reason='netperf is not installed')
def test_a_namespace_that_does_not_exist_fails_naming_it():
    rc, result = run_module_file('netperf', ARGS)
    assert rc == 1 and (result['field'], result['value']) == ('client_netns', 'ulnp-absent-c1'), result
    assert result['msg'] == ("client_netns: network namespace 'ulnp-absent-c1' does not exist; create it first "
                             '(underlay.network.netns)')
