# Copyright: (c) 2026, underlay.network contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""The reachability module's own logic: which targets, in what words a bad one is refused, and the result from
the counts (the echoes themselves: test_icmp.py; on a real kernel: tests/integration/test_reachability.py)."""


import errno
import json
import os
import subprocess
import sys

import pytest

from ansible_collections.underlay.network.plugins.module_utils._common.errors import UnderlayError, ValidationError
from ansible_collections.underlay.network.plugins.module_utils._kernel import icmp
from ansible_collections.underlay.network.plugins.module_utils._kernel.netlink import NetlinkError
from ansible_collections.underlay.network.plugins.modules import reachability

MODULE = os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', '..', '..', '..', 'plugins', 'modules',
                      'reachability.py')


def params(targets, **options):
    return dict(dict(netns=None, count=3, interval=0.2, timeout=3.0), targets=targets, **options)


class Module:
    def __init__(self, **options):
        self.params = params(**options)


def test_targets_are_addresses_or_dicts_and_an_unnamed_one_is_called_by_its_address():
    assert reachability.checked_targets(params(['198.18.1.2', {'address': '2001:db8::2'},
                                                {'name': 'web1', 'address': '198.18.1.3'}])) == [
        ('198.18.1.2', '198.18.1.2', None), ('2001:db8::2', '2001:db8::2', None), ('web1', '198.18.1.3', None)]


def test_a_target_may_leave_from_its_own_namespace():
    assert reachability.checked_targets(params(['198.18.1.2', {'name': 'c1->host', 'address': '2001:db8::45',
                                                               'netns': 'c1'}], netns='host')) == [
        ('198.18.1.2', '198.18.1.2', 'host'), ('c1->host', '2001:db8::45', 'c1')]


@pytest.mark.parametrize('targets, field, words', [
    (['web1.example'], 'targets', "targets[0] 'web1.example' is not an IP address; give an IPv4 or IPv6 address"),
    ([{'name': 'a', 'address': '198.18.1.256'}], 'targets', "targets[0].address '198.18.1.256' is not an IP address"),
    (['198.18.1.2', {'name': 'a'}], 'targets', 'targets[1] has no address; give {address: ..., name: ...}'),
    ([{'adress': '198.18.1.2'}], 'targets', 'targets[0] has adress; a target dict has only address, name and netns'),
    ([7], 'targets', 'targets[0] is 7; give an address or a dict with address and name'),
])
def test_a_bad_target_is_named_with_its_value_and_the_fix(targets, field, words):
    with pytest.raises(ValidationError) as exc:
        reachability.checked_targets(params(targets))
    assert words in exc.value.message and exc.value.field == field


@pytest.mark.parametrize('options, words', [
    (dict(count=0), 'count is 0; give a value from 1 to 100'),
    (dict(interval=0.001), 'interval is 0.001; give a value from 0.01 to 10'),
    (dict(timeout=61.0), 'timeout is 61.0; give a value from 0.1 to 60'),
    (dict(count=10, timeout=1.0), 'timeout 1.0 s ends before the last of 10 echoes 0.2 s apart is sent (1.80 s after '
                                  'the first); give a longer timeout, fewer echoes or a shorter interval'),
])
def test_counts_and_times_that_cannot_work_are_refused(options, words):
    with pytest.raises(ValidationError) as exc:
        reachability.checked_targets(params(['198.18.1.2'], **options))
    assert exc.value.message == words and exc.value.field == list(options)[-1]


def test_the_result_keeps_the_order_given_and_says_ok_or_fail_per_target():
    counts = {(None, '198.18.1.2'): icmp.Count(sent=3, answers=2), (None, '198.18.2.2'): icmp.Count(sent=3, answers=0),
              (None, '198.18.9.9'): icmp.Count(send_error='Network is unreachable')}
    result = reachability.report([('h1-c1', '198.18.1.2', None), ('h2-c1', '198.18.2.2', None),
                                  ('far', '198.18.9.9', None), ('again', '198.18.1.2', None)], counts)
    assert result['changed'] is False
    assert result['summary'] == 'h1-c1=ok, h2-c1=FAIL, far=FAIL, again=ok'
    assert result['reached'] == ['h1-c1', 'again'] and result['not_reached'] == ['h2-c1', 'far']
    assert result['targets'][0] == dict(name='h1-c1', address='198.18.1.2', netns=None, reachable=True, sent=3, answers=2,
                                        send_error=None)
    assert result['targets'][2]['send_error'] == 'Network is unreachable'
    assert 'unreachable' not in result, "Ansible reads a true 'unreachable' as a host it could not reach"
    assert reachability.report([], {})['summary'] == 'no targets'


def test_the_probe_passes_the_options_on(monkeypatch):
    calls = []

    def count_answers(netns, addresses, count, interval, timeout):
        calls.append((netns, addresses, count, interval, timeout))
        return {address: icmp.Count(sent=count, answers=count) for address in addresses}

    monkeypatch.setattr(icmp, 'count_answers', count_answers)
    result = reachability.probe(Module(targets=[{'name': 'c1', 'address': '198.18.1.2'}], netns='net1', count=5,
                                       interval=0.1, timeout=2.0))
    assert calls == [('net1', ['198.18.1.2'], 5, 0.1, 2.0)]
    assert result['summary'] == 'c1=ok' and result['targets'][0]['answers'] == 5

    calls.clear()
    both_ways = reachability.probe(Module(targets=[{'name': 'host->c1', 'address': '198.18.1.2'},
                                                   {'name': 'c1->host', 'address': '2001:db8::45', 'netns': 'c1'},
                                                   {'name': 'host->c2', 'address': '198.18.1.3'}], netns='host'))
    assert calls == [('host', ['198.18.1.2', '198.18.1.3'], 3, 0.2, 3.0), ('c1', ['2001:db8::45'], 3, 0.2, 3.0)], \
        'one probe per namespace, in the order first named'
    assert both_ways['summary'] == 'host->c1=ok, c1->host=ok, host->c2=ok'


@pytest.mark.parametrize('raised, field, words', [
    (NetlinkError(errno.ENOENT, "namespace 'net9' does not exist"), 'netns',
     "netns 'net9' does not exist; create it first (underlay.network.netns) or leave netns out"),
    (PermissionError(errno.EPERM, 'Operation not permitted'), None,
     'opening raw ICMP sockets needs root or CAP_NET_RAW on the managed host; run the task with become: true'),
])
def test_a_missing_namespace_or_privilege_is_said_in_words(monkeypatch, raised, field, words):
    def count_answers(*_args, **_kwargs):
        raise raised

    monkeypatch.setattr(icmp, 'count_answers', count_answers)
    with pytest.raises(UnderlayError) as exc:
        reachability.probe(Module(targets=['198.18.1.2'], netns='net9'))
    assert exc.value.message.startswith(words) and exc.value.field == field


def test_the_module_as_ansible_runs_it_fails_with_the_field_and_runs_in_check_mode():
    def run(args):
        env = dict(os.environ, PYTHONPATH=os.pathsep.join(p for p in sys.path if p))
        proc = subprocess.run([sys.executable, MODULE], input=json.dumps({'ANSIBLE_MODULE_ARGS': args}),
                              capture_output=True, text=True, env=env, check=False)
        return proc.returncode, json.loads(proc.stdout)

    rc, result = run({'targets': ['198.18.1.2', 'web1.example']})
    assert rc == 1 and result['field'] == 'targets' and result['value'] == 'web1.example', result
    rc, result = run({'targets': [], '_ansible_check_mode': True})
    assert rc == 0 and result['summary'] == 'no targets' and result['changed'] is False, result
