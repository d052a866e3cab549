# Copyright: (c) 2026, underlay.network contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Layer-2 probes over packet sockets: who answers for an address, and does a frame come back.

- `who_has`: duplicate-address probes, as a host does before it takes an address - an ARP request with
  sender address 0.0.0.0 (RFC 5227) for IPv4, a neighbour solicitation from :: to the solicited-node group
  (RFC 4862) for IPv6. Whoever holds the address answers; nobody learns a neighbour entry from them,
  because the sender has no address.
- `frame_arrives`: one frame of the local experimental ethertype from one link to another link's MAC, and
  whether it arrived (the hairpin probe of two macvlan ports in vepa mode).

Both send from a given link with a given source MAC, so the same probe tells what the parent's own MAC
gets and what a new MAC gets from the network. A packet socket belongs to the namespace it was made in.
"""

from __future__ import annotations

import ipaddress
import os
import select
import socket
import struct
import time
from typing import Dict, Iterable, List

from ansible_collections.underlay.network.plugins.module_utils._kernel import netlink


ETH_P_ARP, ETH_P_IPV6, ETH_P_EXPERIMENTAL = 0x0806, 0x86dd, 0x88b5
ARP_REQUEST, ARP_REPLY = 1, 2
ICMP6_NEIGHBOUR_SOLICIT, ICMP6_NEIGHBOUR_ADVERT = 135, 136
_ETHER = struct.Struct('!6s6sH')
_ARP = struct.Struct('!HHBBH6s4s6s4s')
_IPV6 = struct.Struct('!IHBB16s16s')
BROADCAST = b'\xff' * 6


def mac_bytes(text: str) -> bytes:
    return bytes(int(part, 16) for part in text.split(':'))


def mac_text(raw: bytes) -> str:
    return ':'.join('%02x' % byte for byte in bytearray(raw))


def _checksum(data: bytes) -> int:
    if len(data) % 2:
        data += b'\0'
    total = sum(struct.unpack('!%dH' % (len(data) // 2), data))
    while total >> 16:
        total = (total & 0xffff) + (total >> 16)
    return ~total & 0xffff


def arp_probe(source_mac: str, target: str) -> bytes:
    """An ARP request 'who has TARGET' from SOURCE_MAC with sender address 0.0.0.0, to everyone."""
    mac = mac_bytes(source_mac)
    arp = _ARP.pack(1, 0x0800, 6, 4, ARP_REQUEST, mac, b'\0' * 4, b'\0' * 6, ipaddress.IPv4Address(target).packed)
    return _ETHER.pack(BROADCAST, mac, ETH_P_ARP) + arp


def solicited_node(target: str) -> ipaddress.IPv6Address:
    return ipaddress.IPv6Address(b'\xff\x02' + b'\0' * 9 + b'\x01\xff' + ipaddress.IPv6Address(target).packed[13:])


def neighbour_probe(source_mac: str, target: str) -> bytes:
    """A neighbour solicitation for TARGET from :: (no source link-layer option, as RFC 4862 wants)."""
    group = solicited_node(target)
    icmp = struct.pack('!BBHI', ICMP6_NEIGHBOUR_SOLICIT, 0, 0, 0) + ipaddress.IPv6Address(target).packed
    source = ipaddress.IPv6Address('::').packed
    pseudo = source + group.packed + struct.pack('!I3xB', len(icmp), socket.IPPROTO_ICMPV6)
    icmp = icmp[:2] + struct.pack('!H', _checksum(pseudo + icmp)) + icmp[4:]
    ipv6 = _IPV6.pack(6 << 28, len(icmp), socket.IPPROTO_ICMPV6, 255, source, group.packed)
    return _ETHER.pack(b'\x33\x33' + group.packed[12:], mac_bytes(source_mac), ETH_P_IPV6) + ipv6 + icmp


def answer_of(frame: bytes, own_mac: bytes):
    """(address, MAC) a frame answers for - an ARP reply or a neighbour advertisement - or None."""
    if len(frame) < _ETHER.size:
        return None
    _dst, src, ethertype = _ETHER.unpack_from(frame)
    if src == own_mac:
        return None
    body = frame[_ETHER.size:]
    if ethertype == ETH_P_ARP and len(body) >= _ARP.size:
        fields = _ARP.unpack_from(body)
        if fields[4] == ARP_REPLY:
            return str(ipaddress.IPv4Address(fields[6])), mac_text(fields[5])
    elif ethertype == ETH_P_IPV6 and len(body) >= _IPV6.size + 24:
        next_header = body[6]
        icmp = body[_IPV6.size:]
        if next_header == socket.IPPROTO_ICMPV6 and icmp[0] == ICMP6_NEIGHBOUR_ADVERT:
            return str(ipaddress.IPv6Address(icmp[8:24])), mac_text(src)
    return None


def _packet_socket(netns, ifname, protocol=0):
    with netlink.in_namespace(netns):
        sock = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(protocol))
    try:
        sock.bind((ifname, protocol))
    except OSError:
        sock.close()
        raise
    return sock


def who_has(netns: str | None, ifname: str, source_mac: str, targets: Iterable[str], timeout: float = 1.0,
            repeat: int = 3, stop_when_answered: bool = True) -> Dict[str, List[str]]:
    """{target: [MACs that answered]}: duplicate-address probes for each target sent `repeat` times from
    `ifname` in `netns` with `source_mac`, answers counted until `timeout` seconds after the first.

    `stop_when_answered`: end once every target has an answer (a reachability probe); False waits the whole
    timeout (a conflict probe, where silence is the good answer).
    """
    frames = {}
    for target in targets:
        address = ipaddress.ip_address(target)
        frames[str(address)] = (arp_probe if address.version == 4 else neighbour_probe)(source_mac, str(address))
    answers = {target: [] for target in frames}
    if not frames:
        return answers
    own = mac_bytes(source_mac)
    sock = _packet_socket(netns, ifname, 0x0003)  # ETH_P_ALL: ARP and IPv6 alike
    try:
        start = time.monotonic()
        deadline = start + timeout
        for sent in range(repeat):
            for frame in frames.values():
                sock.send(frame)
            until = min(deadline, start + timeout * (sent + 1) / repeat)
            _collect(sock, own, answers, until)
            if stop_when_answered and all(answers.values()):
                break
        if not (stop_when_answered and all(answers.values())):
            _collect(sock, own, answers, deadline)
    finally:
        sock.close()
    return answers


def _collect(sock, own, answers, until):
    while True:
        left = until - time.monotonic()
        if left <= 0:
            return
        ready, _w, _x = select.select([sock], [], [], left)
        if not ready:
            return
        found = answer_of(sock.recv(2048), own)
        if found and found[0] in answers and found[1] not in answers[found[0]]:
            answers[found[0]].append(found[1])


def frame_arrives(sender: tuple, receiver: tuple, timeout: float = 0.5, repeat: int = 3) -> bool:
    """Does a frame sent from `sender` to `receiver`'s MAC arrive there? Each is (netns, ifname, mac)."""
    nonce = os.urandom(8)
    frame = _ETHER.pack(mac_bytes(receiver[2]), mac_bytes(sender[2]), ETH_P_EXPERIMENTAL) + b'underlay.network' + nonce
    inbox = _packet_socket(receiver[0], receiver[1], ETH_P_EXPERIMENTAL)
    try:
        outbox = _packet_socket(sender[0], sender[1], ETH_P_EXPERIMENTAL)
        try:
            deadline = time.monotonic() + timeout
            for _attempt in range(repeat):
                outbox.send(frame)
                until = min(deadline, time.monotonic() + timeout / repeat)
                while time.monotonic() < until:
                    ready, _w, _x = select.select([inbox], [], [], max(0.0, until - time.monotonic()))
                    if ready and inbox.recv(2048).endswith(nonce):
                        return True
        finally:
            outbox.close()
    finally:
        inbox.close()
    return False
