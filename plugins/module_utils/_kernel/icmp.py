# Copyright: (c) 2026, underlay.network contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""ICMP echo from a namespace to the addresses that must answer: the reachability gate and the probe.

Raw ICMP and ICMPv6 sockets opened inside the namespace (a socket stays in the namespace it was made
in), all targets at once. Two ways to drive them, both over one `Echoes`:

- `ping_all` (the gate of host_networks): does each target answer at all? It sends again to the
  targets that have not answered, every `interval`, until all did or the deadline passed.
- `count_answers` (the reachability module): several echoes to each target, `interval` apart, and
  how many came back before the deadline, as `ping -c COUNT -i INTERVAL` counts them.

The first echo often waits for ARP or neighbour discovery, which the kernel does on its own while the
packet is queued: either way a target gets more than one chance before it counts as unreachable.
"""

from __future__ import annotations

import ipaddress
import os
import select
import socket
import struct
import time
from dataclasses import dataclass
from typing import Dict, Iterable, Iterator, Optional, Tuple

from ansible_collections.underlay.network.plugins.module_utils._kernel import netlink


ICMP_ECHO_REQUEST, ICMP_ECHO_REPLY = 8, 0
ICMP6_ECHO_REQUEST, ICMP6_ECHO_REPLY = 128, 129
_ECHO = struct.Struct('!BBHHH')  # type, code, checksum, identifier, sequence
_PAYLOAD = b'underlay.network gate'


def _checksum(data):
    if len(data) % 2:
        data += b'\0'
    total = sum(struct.unpack('!%dH' % (len(data) // 2), data))
    total = (total >> 16) + (total & 0xffff)
    total += total >> 16
    return ~total & 0xffff


def _echo(version, identifier, sequence):
    kind = ICMP_ECHO_REQUEST if version == 4 else ICMP6_ECHO_REQUEST
    packet = _ECHO.pack(kind, 0, 0, identifier, sequence) + _PAYLOAD
    if version == 4:  # the kernel fills in the ICMPv6 checksum itself
        packet = _ECHO.pack(kind, 0, _checksum(packet), identifier, sequence) + _PAYLOAD
    return packet


def _reply_from(version, data, identifier):
    """The sequence number of an echo reply to us (`identifier`) in `data`, else None.

    IPv4 raw sockets hand us the IP header too; both kinds of socket also see other processes' replies
    and, for local addresses, our own requests.
    """
    if version == 4:
        data = data[(data[0] & 0x0f) * 4:]
    if len(data) < _ECHO.size:
        return None
    kind, _code, _sum, ident, sequence = _ECHO.unpack_from(data)
    wanted = ICMP_ECHO_REPLY if version == 4 else ICMP6_ECHO_REPLY
    return sequence if kind == wanted and ident == identifier else None


def _address(text):
    """The address of a target, without an IPv6 zone (replies come back with the zone as the kernel names it)."""
    return ipaddress.ip_address(str(text).split('%', 1)[0])


class Echoes:
    """Raw ICMP and ICMPv6 sockets in one namespace: send an echo, read the replies meant for us.

    `with Echoes(netns) as echoes:`; a missing namespace raises netlink.NetlinkError (ENOENT), a
    process without CAP_NET_RAW PermissionError.
    """

    def __init__(self, netns=None):
        self.identifier = os.getpid() & 0xffff
        self.sockets = {}
        with netlink.in_namespace(netns):
            try:
                self.sockets[4] = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_ICMP)
                self.sockets[6] = socket.socket(socket.AF_INET6, socket.SOCK_RAW, socket.IPPROTO_ICMPV6)
            except OSError:
                self.close()
                raise

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def close(self):
        for sock in self.sockets.values():
            sock.close()

    def send(self, target, sequence) -> Optional[str]:
        """Send echo `sequence` to `target`; the kernel's reason when it refused at once (no route), else None."""
        address = _address(target)
        try:
            self.sockets[address.version].sendto(_echo(address.version, self.identifier, sequence), (str(target), 0))
        except OSError as exc:
            return os.strerror(exc.errno) if exc.errno else str(exc)
        return None

    def replies(self, until) -> Iterator[Tuple[object, int]]:
        """(source address, sequence) of each reply to us that arrives before the time `until` (of time.monotonic())."""
        while True:
            left = until - time.monotonic()
            if left <= 0:
                return
            ready, _w, _x = select.select(list(self.sockets.values()), [], [], left)
            if not ready:
                return
            for sock in ready:
                data, peer = sock.recvfrom(2048)
                sequence = _reply_from(4 if sock.family == socket.AF_INET else 6, data, self.identifier)
                if sequence is not None:
                    yield _address(peer[0]), sequence


def ping_all(netns, targets, timeout=3.0, interval=0.5):
    """{target: True/False}: which addresses answered an echo from `netns` within `timeout` seconds."""
    addresses = {target: _address(target) for target in targets}
    if not addresses:
        return {}
    answered = {target: False for target in addresses}
    deadline = time.monotonic() + timeout
    sequence = 0
    with Echoes(netns) as echoes:
        while not all(answered.values()) and time.monotonic() < deadline:
            sequence += 1
            for target in addresses:
                if not answered[target]:
                    echoes.send(target, sequence)  # refused (no route yet): counts as no answer
            for source, _sequence in echoes.replies(min(deadline, time.monotonic() + interval)):
                for target, address in addresses.items():
                    answered[target] = answered[target] or address == source
                if all(answered.values()):
                    break
    return answered


@dataclass
class Count:
    """What one target did with the echoes sent to it."""
    sent: int = 0
    answers: int = 0
    send_error: Optional[str] = None  # why the kernel did not send an echo (for example 'Network is unreachable')

    @property
    def reachable(self) -> bool:
        return self.answers > 0


def count_answers(netns, targets: Iterable[str], count=3, interval=0.2, timeout=3.0) -> Dict[str, Count]:
    """{target: Count}: `count` echoes to each target from `netns`, `interval` seconds apart, and how many
    answered within `timeout` seconds of the first. Ends as soon as every echo sent has its answer."""
    addresses = {target: _address(target) for target in targets}
    if not addresses:
        return {}
    counts = {target: Count() for target in addresses}
    answered = {target: set() for target in addresses}  # sequences, so a duplicate answer counts once
    start = time.monotonic()
    deadline = start + timeout
    with Echoes(netns) as echoes:
        for sequence in range(1, count + 1):
            due = start + (sequence - 1) * interval
            if due >= deadline:
                break
            _collect(echoes, addresses, answered, until=due)
            for target in addresses:
                send_error = echoes.send(target, sequence)
                if send_error:
                    counts[target].send_error = send_error
                else:
                    counts[target].sent += 1
        _collect(echoes, addresses, answered, until=deadline,
                 done=lambda: all(len(answered[target]) >= counts[target].sent for target in addresses))
    for target, sequences in answered.items():
        counts[target].answers = len(sequences)
    return counts


def _collect(echoes, addresses, answered, until, done=lambda: False):
    """Note each reply (by target and sequence) until the time `until`, or until done() says all is in."""
    if done():
        return
    for source, sequence in echoes.replies(until):
        for target, address in addresses.items():
            if address == source:
                answered[target].add(sequence)
        if done():
            return
