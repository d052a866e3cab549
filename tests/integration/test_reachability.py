# Copyright: (c) 2026, underlay.network contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The reachability module on the running kernel: real echoes between two namespaces on a veth pair."""
import time

from helpers import sh


def two_hosts(lab):
    """Namespaces a and b on one wire: a 198.18.250.1/24 and 2001:db8:250::1/64, b .2 and ::2."""
    a, b = lab.add_ns('a'), lab.add_ns('b')
    sh('ip -n {a} link add w0 type veth peer name w0 netns {b}'.format(a=a, b=b))
    for ns, host in ((a, 1), (b, 2)):
        sh('ip -n {ns} addr add 198.18.250.{h}/24 dev w0 && ip -n {ns} addr add 2001:db8:250::{h}/64 dev w0 nodad && '
           'ip -n {ns} link set w0 up'.format(ns=ns, h=host))
    return a, b


def test_counts_answers_per_target_and_says_why_an_echo_could_not_leave(lab, module):
    a, _b = two_hosts(lab)
    targets = [{'name': 'b4', 'address': '198.18.250.2'}, {'name': 'b6', 'address': '2001:db8:250::2'},
               {'name': 'nobody', 'address': '198.18.250.9'}, {'name': 'no-route', 'address': '198.18.99.1'}]
    started = time.monotonic()
    # the default timeout, 3 s: on a link just up, the first neighbour discovery takes a second (ping's too)
    result = module('reachability', netns=a, targets=targets)
    took = time.monotonic() - started
    assert result['changed'] is False
    assert result['summary'] == 'b4=ok, b6=ok, nobody=FAIL, no-route=FAIL', result
    rows = {row['name']: row for row in result['targets']}
    assert (rows['b4']['sent'], rows['b4']['answers'], rows['b6']['answers']) == (3, 3, 3)
    assert (rows['nobody']['sent'], rows['nobody']['answers'], rows['nobody']['send_error']) == (3, 0, None)
    assert rows['no-route']['sent'] == 0 and rows['no-route']['send_error'] == 'Network is unreachable'
    assert result['reached'] == ['b4', 'b6'] and result['not_reached'] == ['nobody', 'no-route']
    assert 3.0 <= took < 6, 'the silent target costs the timeout, no more'


def test_check_mode_sends_the_echoes_too(lab, module):
    a, _b = two_hosts(lab)
    result = module('reachability', check=True, netns=a, targets=['198.18.250.2'])
    assert result['summary'] == '198.18.250.2=ok' and result['targets'][0]['answers'] == 3, result


def test_a_missing_namespace_is_named(lab, module):
    result = module('reachability', netns=lab.ns('missing'), targets=['198.18.250.2'])
    assert result['failed'] and result['field'] == 'netns', result
    assert "netns '%s' does not exist" % lab.ns('missing') in result['msg']
