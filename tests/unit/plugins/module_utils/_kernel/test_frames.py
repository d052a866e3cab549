# Copyright: (c) 2026, underlay.network contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""_kernel.frames: the duplicate-address probes as bytes on the wire, and the answers read back."""

import ipaddress
import struct

from ansible_collections.underlay.network.plugins.module_utils._kernel import frames

MAC = '02:11:22:33:44:55'


def test_an_arp_probe_has_no_sender_address():
    frame = frames.arp_probe(MAC, '198.18.240.1')
    assert frame[:6] == b'\xff' * 6 and frame[6:12] == frames.mac_bytes(MAC) and frame[12:14] == b'\x08\x06'
    htype, ptype, hlen, plen, op, sha, spa, tha, tpa = struct.unpack('!HHBBH6s4s6s4s', frame[14:42])
    assert (htype, ptype, hlen, plen, op) == (1, 0x0800, 6, 4, 1)
    assert sha == frames.mac_bytes(MAC) and spa == b'\0' * 4 and tpa == ipaddress.IPv4Address('198.18.240.1').packed


def test_a_neighbour_probe_goes_to_the_solicited_node_group_from_the_unspecified_address():
    frame = frames.neighbour_probe(MAC, '2001:db8::1:2')
    assert frame[:6] == bytes.fromhex('3333ff010002') and frame[12:14] == b'\x86\xdd'
    ipv6 = frame[14:54]
    assert ipv6[8:24] == b'\0' * 16 and ipaddress.IPv6Address(ipv6[24:40]) == ipaddress.IPv6Address('ff02::1:ff01:2')
    assert ipv6[6] == 58 and ipv6[7] == 255
    icmp = frame[54:]
    assert icmp[0] == 135 and icmp[8:24] == ipaddress.IPv6Address('2001:db8::1:2').packed and len(icmp) == 24
    pseudo = ipv6[8:40] + struct.pack('!I3xB', len(icmp), 58)
    assert frames._checksum(pseudo + icmp) == 0  # a valid checksum sums to zero


def reply(sender_mac, sender_ip, target_mac=MAC):
    arp = struct.pack('!HHBBH6s4s6s4s', 1, 0x0800, 6, 4, 2, frames.mac_bytes(sender_mac),
                      ipaddress.IPv4Address(sender_ip).packed, frames.mac_bytes(target_mac), b'\0' * 4)
    return frames.mac_bytes(target_mac) + frames.mac_bytes(sender_mac) + b'\x08\x06' + arp


def test_answers_are_arp_replies_and_neighbour_advertisements_from_others():
    own = frames.mac_bytes(MAC)
    assert frames.answer_of(reply('02:aa:00:00:00:01', '198.18.240.1'), own) == ('198.18.240.1', '02:aa:00:00:00:01')
    assert frames.answer_of(reply(MAC, '198.18.240.1'), own) is None  # our own frame, looped back
    assert frames.answer_of(frames.arp_probe('02:aa:00:00:00:01', '198.18.240.1'), own) is None  # a request
    advert = bytearray(frames.neighbour_probe('02:aa:00:00:00:02', '2001:db8::5'))
    advert[54] = 136
    assert frames.answer_of(bytes(advert), own) == ('2001:db8::5', '02:aa:00:00:00:02')
    assert frames.answer_of(b'short', own) is None
