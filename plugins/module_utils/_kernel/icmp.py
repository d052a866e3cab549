# Copyright: (c) 2026, underlay.network contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""The reachability gate: ICMP echo from a namespace to the addresses that must answer.

Raw ICMP sockets opened inside the namespace (a socket stays in the namespace it was made in), all
targets at once, a few tries each within one deadline: the first echo often waits for ARP or
neighbour discovery, which the kernel does on its own while the packet is queued.
"""

from __future__ import annotations

import ipaddress
import os
import select
import socket
import struct
import time

from ansible_collections.underlay.network.plugins.module_utils._kernel import netlink


ICMP_ECHO_REQUEST, ICMP_ECHO_REPLY = 8, 0
ICMP6_ECHO_REQUEST, ICMP6_ECHO_REPLY = 128, 129
_ECHO = struct.Struct('!BBHHH')  # type, code, checksum, identifier, sequence


def _checksum(data):
    if len(data) % 2:
        data += b'\0'
    total = sum(struct.unpack('!%dH' % (len(data) // 2), data))
    total = (total >> 16) + (total & 0xffff)
    total += total >> 16
    return ~total & 0xffff


def _echo(version, identifier, sequence):
    kind = ICMP_ECHO_REQUEST if version == 4 else ICMP6_ECHO_REQUEST
    payload = b'underlay.network gate'
    packet = _ECHO.pack(kind, 0, 0, identifier, sequence) + payload
    if version == 4:  # the kernel fills in the ICMPv6 checksum itself
        packet = _ECHO.pack(kind, 0, _checksum(packet), identifier, sequence) + payload
    return packet


def _reply_from(version, data, identifier):
    """(type, identifier) of a received ICMP message (IPv4 raw sockets hand us the IP header too)."""
    if version == 4:
        data = data[(data[0] & 0x0f) * 4:]
    if len(data) < _ECHO.size:
        return None
    kind, _code, _sum, ident, _seq = _ECHO.unpack_from(data)
    wanted = ICMP_ECHO_REPLY if version == 4 else ICMP6_ECHO_REPLY
    return kind == wanted and ident == identifier


def ping_all(netns, targets, timeout=3.0, interval=0.5):
    """{target: True/False}: which addresses answered an echo from `netns` within `timeout` seconds."""
    addresses = {target: ipaddress.ip_address(str(target)) for target in targets}
    if not addresses:
        return {}
    with netlink.in_namespace(netns):
        sockets = {4: socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_ICMP),
                   6: socket.socket(socket.AF_INET6, socket.SOCK_RAW, socket.IPPROTO_ICMPV6)}
    identifier = os.getpid() & 0xffff
    answered = {target: False for target in addresses}
    deadline = time.time() + timeout
    sequence = 0
    try:
        while not all(answered.values()) and time.time() < deadline:
            sequence += 1
            for target, address in addresses.items():
                if not answered[target]:
                    try:
                        sockets[address.version].sendto(_echo(address.version, identifier, sequence), (str(address), 0))
                    except OSError:
                        pass  # no route yet: counts as no answer
            until = min(deadline, time.time() + interval)
            while time.time() < until and not all(answered.values()):
                ready, _w, _x = select.select(list(sockets.values()), [], [], max(0.0, until - time.time()))
                for sock in ready:
                    data, peer = sock.recvfrom(2048)
                    version = 4 if sock.family == socket.AF_INET else 6
                    source = ipaddress.ip_address(str(peer[0].split('%')[0]))
                    for target, address in addresses.items():
                        if address == source and _reply_from(version, data, identifier):
                            answered[target] = True
    finally:
        for sock in sockets.values():
            sock.close()
    return answered
