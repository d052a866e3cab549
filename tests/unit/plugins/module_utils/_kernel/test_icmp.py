# Copyright: (c) 2026, underlay.network contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""How the gate (ping_all) and the probe (count_answers) drive the echoes: who gets how many, what counts as an
answer, when they stop. The sockets are a fake here; tests/integration sends real echoes."""


import ipaddress
import struct
import time

import pytest

from ansible_collections.underlay.network.plugins.module_utils._kernel import icmp


class FakeEchoes:
    """Stands in for icmp.Echoes: `answers` says which sequences each address answers (None: all, and each
    twice, as a duplicate reply would come), `refuses` which addresses the kernel will not send to."""

    sent = []

    def __init__(self, netns=None, answers=None, refuses=()):
        self.netns = netns
        self.answers = answers or {}
        self.refuses = refuses
        self.queue = []

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        pass

    def send(self, target, sequence):
        FakeEchoes.sent.append((target, sequence, time.monotonic()))
        if target in self.refuses:
            return 'Network is unreachable'
        wanted = self.answers.get(target, ())
        if wanted is None:
            self.queue += [(target, sequence)] * 2
        elif sequence in wanted:
            self.queue.append((target, sequence))
        return None

    def replies(self, until):
        while self.queue:
            target, sequence = self.queue.pop(0)
            yield ipaddress.ip_address(target), sequence
        time.sleep(max(0.0, until - time.monotonic()))


@pytest.fixture
def echoes(monkeypatch):
    """Replace icmp.Echoes; the test sets answers/refuses through the returned dict."""
    FakeEchoes.sent = []
    setup = {}
    monkeypatch.setattr(icmp, 'Echoes', lambda netns: FakeEchoes(netns, **setup))
    return setup


def test_every_echo_counts_once_and_a_refused_target_says_why(echoes):
    echoes.update(answers={'198.18.1.2': None, '2001:db8::2': {2}}, refuses={'198.18.9.9'})
    counts = icmp.count_answers('net1', ['198.18.1.2', '2001:db8::2', '198.18.3.3', '198.18.9.9'],
                                count=3, interval=0.01, timeout=0.2)
    assert counts['198.18.1.2'] == icmp.Count(sent=3, answers=3)  # the duplicates did not count twice
    assert counts['2001:db8::2'] == icmp.Count(sent=3, answers=1) and counts['2001:db8::2'].reachable
    assert counts['198.18.3.3'] == icmp.Count(sent=3, answers=0) and not counts['198.18.3.3'].reachable
    assert counts['198.18.9.9'] == icmp.Count(sent=0, answers=0, send_error='Network is unreachable')


def test_echoes_go_out_interval_apart_and_the_probe_ends_when_all_are_answered(echoes):
    echoes.update(answers={'198.18.1.2': None})
    start = time.monotonic()
    icmp.count_answers(None, ['198.18.1.2'], count=3, interval=0.05, timeout=5)
    took = time.monotonic() - start
    times = [when for _target, _sequence, when in FakeEchoes.sent]
    assert [sequence for _target, sequence, _when in FakeEchoes.sent] == [1, 2, 3]
    assert all(later - earlier >= 0.045 for earlier, later in zip(times, times[1:]))
    assert took < 1, 'it waited for the timeout although every echo was answered'


def test_a_silent_target_costs_the_timeout_and_no_echo_leaves_after_it(echoes):
    start = time.monotonic()
    counts = icmp.count_answers(None, ['198.18.3.3'], count=10, interval=0.05, timeout=0.2)
    assert 0.2 <= time.monotonic() - start < 0.5
    assert counts['198.18.3.3'].sent == 4  # at 0, 0.05, 0.1, 0.15 s: the fifth would be due at the deadline


def test_the_gate_stops_sending_to_a_target_once_it_answered(echoes):
    echoes.update(answers={'198.18.1.2': {1}, '198.18.2.2': {2}})
    assert icmp.ping_all('net1', ['198.18.1.2', '198.18.2.2', '198.18.3.3'], timeout=0.3, interval=0.05) == {
        '198.18.1.2': True, '198.18.2.2': True, '198.18.3.3': False}
    sent_to = [target for target, _sequence, _when in FakeEchoes.sent]
    assert sent_to.count('198.18.1.2') == 1 and sent_to.count('198.18.2.2') == 2 and sent_to.count('198.18.3.3') > 2


def test_no_targets_open_no_sockets():
    assert icmp.count_answers('no-such-namespace', []) == {} and icmp.ping_all('no-such-namespace', []) == {}


def test_a_reply_is_ours_by_type_and_identifier_and_gives_its_sequence():
    reply = struct.pack('!BBHHH', 0, 0, 0, 0x1234, 7)
    assert icmp._reply_from(4, b'\x45' + b'\0' * 19 + reply, 0x1234) == 7  # behind a 20-byte IPv4 header
    assert icmp._reply_from(4, b'\x45' + b'\0' * 19 + reply, 0x4321) is None  # someone else's
    assert icmp._reply_from(4, b'\x45' + b'\0' * 19 + icmp._echo(4, 0x1234, 7), 0x1234) is None  # our own request
    assert icmp._reply_from(6, struct.pack('!BBHHH', 129, 0, 0, 5, 0), 5) == 0
    assert icmp._reply_from(6, b'\x81\0', 5) is None  # too short


def test_an_ipv6_zone_does_not_keep_a_reply_from_matching():
    assert icmp._address('fe80::1%eth0') == icmp._address('fe80::1') == ipaddress.ip_address('fe80::1')
