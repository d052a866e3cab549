# Copyright: (c) 2026, underlay.network contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""_netlink: the rtnetlink codec (encoders, parse_attrs, decoders, request builders) and the
Netlink class (dumps, windowed batches, BatchError) against the in-memory kernel of fakes.py."""


import binascii
import errno
import ipaddress
import socket
import struct
import sys

import pytest

from ansible_collections.underlay.network.plugins.module_utils._kernel import netlink
from ansible_collections.underlay.network.plugins.module_utils._links.kinds import KINDS
from ansible_collections.underlay.network.tests.unit import fakes


def unhex(*parts):
    return binascii.unhexlify(''.join(parts))


def native(fmt, *values):
    return struct.pack('=' + fmt, *values)


# ---------------------------------------------------------------- encoders

def test_attr_is_type_length_value_padded_to_four():
    assert netlink.attr(3, b'ab') == native('HH', 6, 3) + b'ab\0\0'
    assert netlink.attr(3, b'abcd') == native('HH', 8, 3) + b'abcd'
    assert netlink.attr(7, b'') == native('HH', 4, 7)


def test_integer_encoders():
    assert netlink.u8(16, 6) == native('HHB', 5, 16, 6) + b'\0' * 3
    assert netlink.u16(2, 1) == native('HHH', 6, 2, 1) + b'\0\0'
    assert netlink.u32(4, 1400) == native('HHI', 8, 4, 1400)


def test_be16_is_network_order_whatever_the_host():
    assert netlink.be16(1, 0x1234) == native('HH', 6, 1) + b'\x12\x34\0\0'
    assert netlink.as_be16(b'\x12\x34') == 0x1234
    assert netlink.as_u16(native('H', 0x1234)) == 0x1234


def test_string_is_nul_terminated_utf8():
    assert netlink.string(3, 'mv0') == native('HH', 8, 3) + b'mv0\0'
    assert netlink.string(3, '\u00e9') == native('HH', 7, 3) + b'\xc3\xa9\0\0'
    assert netlink.as_string(b'mv0\0\0\0') == 'mv0'


@pytest.mark.parametrize('text', ['02:AA:bb:00:00:01', '02:aa:bb:00:00:01'])
def test_mac_is_six_bytes(text):
    encoded = netlink.mac(1, text)
    assert encoded == native('HH', 10, 1) + b'\x02\xaa\xbb\x00\x00\x01' + b'\0\0'
    assert netlink.as_mac(netlink.parse_attrs(encoded)[1]) == '02:aa:bb:00:00:01'


def test_nested_sets_the_nested_flag_and_wraps_its_attributes():
    inner = netlink.u32(1, 4) + netlink.string(2, 'x')
    encoded = netlink.nested(18, netlink.u32(1, 4), netlink.string(2, 'x'))
    assert encoded == native('HH', 4 + len(inner), 18 | netlink.NLA_F_NESTED) + inner


def test_header_encoders():
    assert netlink.ifinfo(7, netlink.IFF_UP, netlink.IFF_UP) == native('BxHiII', socket.AF_UNSPEC, 0, 7, 1, 1)
    assert netlink.ifaddr(socket.AF_INET, 24, 7) == native('BBBBI', socket.AF_INET, 24, 0, 0, 7)
    assert netlink.ip_bytes('198.18.0.1') == b'\xc6\x12\x00\x01'
    assert netlink.ip_bytes('2001:db8::1') == ipaddress.ip_address('2001:db8::1').packed


# ---------------------------------------------------------------- parse_attrs

def test_parse_attrs_keeps_the_last_and_lists_every_repeat():
    data = netlink.u32(1, 5) + netlink.string(2, 'a') + netlink.u32(1, 6) + netlink.u32(1, 7)
    attrs = netlink.parse_attrs(data)
    assert netlink.as_u32(attrs[1]) == 7
    assert [netlink.as_u32(p) for p in attrs[('list', 1)]] == [5, 6, 7]
    assert attrs[2] == b'a\0' and attrs[('list', 2)] == [b'a\0']
    assert sorted(k for k in attrs if not isinstance(k, tuple)) == [1, 2]


def test_parse_attrs_payload_excludes_padding():
    attrs = netlink.parse_attrs(netlink.attr(1, b'abcde') + netlink.attr(2, b'z'))
    assert (attrs[1], attrs[2]) == (b'abcde', b'z')


def test_parse_attrs_masks_the_nested_and_byteorder_flags():
    data = netlink.nested(5, netlink.mac(4, '02:00:00:00:00:01'), netlink.mac(4, '02:00:00:00:00:02'))
    data += netlink.attr(6 | 0x4000, b'\0\x01')  # NLA_F_NET_BYTEORDER
    attrs = netlink.parse_attrs(data)
    assert sorted(k for k in attrs if not isinstance(k, tuple)) == [5, 6]
    inner = netlink.parse_attrs(attrs[5])
    assert [netlink.as_mac(m) for m in inner[('list', 4)]] == ['02:00:00:00:00:01', '02:00:00:00:00:02']


def test_parse_attrs_offset_and_end():
    data = b'HEAD' + netlink.u32(1, 1) + netlink.u32(2, 2) + netlink.u32(3, 3)
    attrs = netlink.parse_attrs(data, 4, 4 + 16)
    assert sorted(k for k in attrs if not isinstance(k, tuple)) == [1, 2]


@pytest.mark.parametrize('data', [b'', b'\x08\x00', native('HH', 2, 1) + b'junk', native('HH', 0, 1) * 3])
def test_parse_attrs_stops_at_truncated_or_bogus_lengths(data):
    assert netlink.parse_attrs(data) == {}


def test_parse_attrs_stops_after_a_bogus_length():
    assert list(netlink.parse_attrs(netlink.u32(1, 9) + native('HH', 1, 2) + netlink.u32(3, 3))) == [1, ('list', 1)]


def test_scalar_decoders():
    assert netlink.as_u8(b'\x06\xff') == 6
    assert netlink.as_s32(native('i', -1)) == -1
    assert netlink.as_u32(native('I', 0xfffffffe)) == 0xfffffffe
    assert netlink.as_string(b'\xff\0') == '\ufffd'  # undecodable bytes do not crash a dump


# ---------------------------------------------------------------- decoders: round trips of what the fakes encode

def test_link_round_trip_every_field():
    body = fakes.link_body('mv0', 7, kind='macvlan', flags=0x1003, mtu=1400, mac='02:aa:bb:cc:dd:ee', parent=2,
                           link_netnsid=3, master=9, operstate=6, data=fakes.macvlan_data('passthru', 1))
    link = netlink.decode_link(body)
    assert {k: v for k, v in link.items() if k != 'data'} == {
        'index': 7, 'name': 'mv0', 'kind': 'macvlan', 'flags': 0x1003, 'mtu': 1400, 'macaddress': '02:aa:bb:cc:dd:ee',
        'link': 2, 'link_netnsid': 3, 'master': 9, 'operstate': 6, 'alias': None, 'af_spec': None}
    assert netlink.as_u32(link['data'][1]) == 8 and netlink.as_u16(link['data'][2]) == 1
    assert fakes.body_of(link) == body


def test_link_without_linkinfo_or_optional_attributes():
    link = netlink.decode_link(fakes.link_body('eth0', 2, mtu=None))
    assert (link['kind'], link['data'], link['mtu'], link['macaddress'], link['link'], link['link_netnsid'],
            link['master'], link['operstate']) == (None, {}, None, None, None, None, None, None)


def test_link_netnsid_is_signed():
    assert netlink.decode_link(fakes.link_body('x', 3, link_netnsid=-1))['link_netnsid'] == -1


def test_linkinfo_without_data():
    body = netlink.ifinfo(4) + netlink.string(netlink.IFLA_IFNAME, 'br0') + netlink.nested(
        netlink.IFLA_LINKINFO, netlink.string(netlink.IFLA_INFO_KIND, 'bridge'))
    link = netlink.decode_link(body)
    assert (link['kind'], link['data']) == ('bridge', {})


@pytest.mark.parametrize('cidr, family, scope', [
    ('198.18.0.10/24', socket.AF_INET, 0),
    ('2001:db8::10/64', socket.AF_INET6, 0),
    ('fe80::1/64', socket.AF_INET6, 253),
    ('10.0.0.1/32', socket.AF_INET, 0),
])
def test_address_round_trip(cidr, family, scope):
    interface = ipaddress.ip_interface(str(cidr))
    assert netlink.decode_address(fakes.address_body(12, cidr)) == {
        'index': 12, 'family': family, 'prefixlen': interface.network.prefixlen, 'scope': scope, 'flags': 0,
        'address': str(interface.ip)}


def test_address_prefers_ifa_local_over_the_peer():
    """On point-to-point links IFA_ADDRESS is the peer's address."""
    body = (netlink.ifaddr(socket.AF_INET, 32, 5) + netlink.attr(netlink.IFA_ADDRESS, netlink.ip_bytes('10.0.0.2'))
            + netlink.attr(netlink.IFA_LOCAL, netlink.ip_bytes('10.0.0.1')))
    assert netlink.decode_address(body)['address'] == '10.0.0.1'


def test_address_without_any_address_attribute():
    assert netlink.decode_address(netlink.ifaddr(socket.AF_INET, 24, 5))['address'] is None


def test_route_round_trip():
    body = fakes.route_body(socket.AF_INET, dst='198.18.16.0', dst_len=20, gateway='198.18.0.1', prefsrc='198.18.0.10',
                            oif=4, priority=100, proto=4)
    assert netlink.decode_route(body) == {
        'family': socket.AF_INET, 'dst_len': 20, 'proto': 4, 'scope': 0, 'type': 1, 'table': 254,
        'dst': '198.18.16.0', 'gateway': '198.18.0.1', 'prefsrc': '198.18.0.10', 'oif': 4, 'priority': 100}


def test_route_default_ipv6_in_a_big_table():
    route = netlink.decode_route(fakes.route_body(socket.AF_INET6, gateway='fe80::1', oif=2, table=1000))
    assert (route['dst'], route['dst_len'], route['gateway'], route['table'], route['priority']) == (
        None, 0, 'fe80::1', 1000, 0)


# ---------------------------------------------------------------- decoders: bytes a real kernel sent

# `ip link add mv0 link ulp0 address 02:aa:bb:cc:dd:ee mtu 1400 type macvlan mode source` with
# macaddr 02:00:00:00:00:02 and 02:00:00:00:00:01, then moved into another namespace and set up
# (Linux 6.18, x86_64): one RTM_NEWLINK body of an RTM_GETLINK dump with RTEXT_FILTER_SKIP_STATS.
KERNEL_MACVLAN = (
    '00000100040000000310000000000000080003006d76300008000d00e80300000500100003000000050011000000000005004300000000000800040078050000'
    '080032004400000008003300ffff000008001b000000000008001e000000000008003d000000000008001f000100000008002800ffff00000800290000000100'
    '08003a000000010008003f0000000100080040000000010008003b00f8ff070008003c00ffff0000080042000000000008002000010000000500210000000000'
    '080023000000000008002f000000000008003000000000000600440000000000060045000000000005002700000000000a00010002aabbccddee00000a000200'
    'ffffffffffff0000cc00170000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000'
    '00000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000'
    '00000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000'
    '00000000000000000000000000000000000000006400070000000000000000000000000000000000000000000000000000000000000000000000000000000000'
    '00000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000c002b0005000200'
    '00000000580012000c0001006d6163766c616e00480002000800010010000000060002000000000008000600020000001c0005000a0004000200000000020000'
    '0a000400020000000001000008000700e803000008000800e8030000080025000000000008000500030000000c0006006e6f717565756500c0011a008c000200'
    '88000100000000000000000000000000010000000100000001000000010000000000000001000000000000000000000000000000000000000000000000000000'
    '000000000000000000000000000000000000000000000000000000000000000000000000000000000000000010270000e8030000000000000000000000000000'
    '000000000100000030010a00080001000000000014000500ffff00004518020004730000e8030000f40002000000000040000000780500000100000001000000'
    '0100000001000000ffffffffa00f0000e803000000000000803a0900805101000300000058020000100000000000000001000000010000000100000060ea0000'
    '00000000000000000000000000000000000000000000000001000000000000000000000010270000e80300000100000000000000000000000100000000000000'
    '00000000010000000000000000000000000000000000000080ee3600000000000000000001000000000000000000000000000000000000000000000000040000'
    '00000000ffff0000ffffffff010000000000000000000000000000001400070000000000000000000000000000000000050008000000000024000e0000000000'
    '0000000000000000000000000000000000000000000000000000000004003e8004004180')
# The RTM_GETADDR dump of the same namespace: 198.18.0.10/24 and 2001:db8::10/64 (nodad) on mv0, lo's ::1.
# flags: IFA_F_PERMANENT (0x80); the second also IFA_F_NODAD (0x02)
KERNEL_ADDRESSES = [
    ('021880000400000008000100c612000a08000200c612000a080003006d763000080008008000000014000600ffffffffffffffff4518020045180200',
     {'index': 4, 'family': socket.AF_INET, 'prefixlen': 24, 'scope': 0, 'flags': 128, 'address': '198.18.0.10'}),
    ('0a408200040000001400010020010db800000000000000000000001014000600ffffffffffffffff46180200461802000800080082000000',
     {'index': 4, 'family': socket.AF_INET6, 'prefixlen': 64, 'scope': 0, 'flags': 130, 'address': '2001:db8::10'}),
    ('0a8080fe01000000140001000000000000000000000000000000000114000600ffffffffffffffff4618020046180200080008008000000005000b0001000000',
     {'index': 1, 'family': socket.AF_INET6, 'prefixlen': 128, 'scope': 254, 'flags': 128, 'address': '::1'}),
]
# Its main table: 198.18.0.0/24 dev mv0 proto kernel scope link src 198.18.0.10.
KERNEL_ROUTE = '02180000fe02fd011000000008000f00fe00000008000100c612000008000700c612000a0800040004000000'

little_endian_capture = pytest.mark.skipif(sys.byteorder != 'little', reason='captured on a little-endian host')


@little_endian_capture
def test_decode_a_kernel_macvlan():
    link = netlink.decode_link(unhex(KERNEL_MACVLAN))
    assert {k: v for k, v in link.items() if k not in ('data', 'af_spec')} == {
        'index': 4, 'name': 'mv0', 'kind': 'macvlan', 'flags': 0x1003, 'mtu': 1400, 'macaddress': '02:aa:bb:cc:dd:ee',
        'link': 3, 'link_netnsid': 0, 'master': None, 'operstate': 3,  # IF_OPER_LOWERLAYERDOWN
        'alias': None}
    assert KINDS['macvlan'].read(link) == {'mode': 'source', 'nopromisc': None,
                                           'source_macs': ('02:00:00:00:00:01', '02:00:00:00:00:02')}


@little_endian_capture
@pytest.mark.parametrize('data, expected', KERNEL_ADDRESSES)
def test_decode_kernel_addresses(data, expected):
    assert netlink.decode_address(unhex(data)) == expected


@little_endian_capture
def test_decode_a_kernel_route():
    assert netlink.decode_route(unhex(KERNEL_ROUTE)) == {
        'family': socket.AF_INET, 'dst_len': 24, 'proto': 2, 'scope': 253, 'type': 1, 'table': 254,
        'dst': '198.18.0.0', 'gateway': None, 'prefsrc': '198.18.0.10', 'oif': 4, 'priority': 0}


# ---------------------------------------------------------------- request builders

def link_request(body):
    """(ifinfomsg fields, top attributes, IFLA_LINKINFO attributes, raw IFLA_INFO_DATA attributes)."""
    header = struct.unpack_from('=BxHiII', body)
    attrs = netlink.parse_attrs(body, 16)
    info = netlink.parse_attrs(attrs[netlink.IFLA_LINKINFO]) if netlink.IFLA_LINKINFO in attrs else {}
    data = netlink.parse_attrs(info[netlink.IFLA_INFO_DATA]) if netlink.IFLA_INFO_DATA in info else None
    return header, attrs, info, data


def top_kinds(attrs):
    return sorted(k for k in attrs if not isinstance(k, tuple))


def test_new_link_carries_every_attribute():
    info_data = KINDS['macvlan'].encode({'mode': 'private', 'nopromisc': None, 'source_macs': None})
    msg_type, flags, body = netlink.new_link('mv0', 2, 'macvlan', info_data, mtu=1400, macaddress='02:00:5E:10:00:01',
                                             netns_fd=9, up=True)
    assert (msg_type, flags) == (netlink.RTM_NEWLINK, netlink.NLM_F_CREATE | netlink.NLM_F_EXCL)
    header, attrs, info, data = link_request(body)
    assert header == (socket.AF_UNSPEC, 0, 0, netlink.IFF_UP, netlink.IFF_UP)
    assert top_kinds(attrs) == [netlink.IFLA_ADDRESS, netlink.IFLA_IFNAME, netlink.IFLA_MTU, netlink.IFLA_LINK,
                                netlink.IFLA_LINKINFO, netlink.IFLA_NET_NS_FD]
    assert netlink.as_string(attrs[netlink.IFLA_IFNAME]) == 'mv0'
    assert netlink.as_u32(attrs[netlink.IFLA_LINK]) == 2
    assert netlink.as_u32(attrs[netlink.IFLA_MTU]) == 1400
    assert netlink.as_mac(attrs[netlink.IFLA_ADDRESS]) == '02:00:5e:10:00:01'
    assert netlink.as_u32(attrs[netlink.IFLA_NET_NS_FD]) == 9
    assert netlink.as_string(info[netlink.IFLA_INFO_KIND]) == 'macvlan'
    assert netlink.as_u32(data[1]) == 1
    # IFLA_LINKINFO and IFLA_INFO_DATA go out with NLA_F_NESTED set
    offset = body.index(netlink.string(netlink.IFLA_INFO_KIND, 'macvlan')) - 4
    assert struct.unpack_from('=H', body, offset + 2)[0] == netlink.IFLA_LINKINFO | netlink.NLA_F_NESTED


def test_new_link_minimal_is_created_down():
    _msg_type, _flags, body = netlink.new_link('mv0', 2, 'macvlan', [])
    header, attrs, info, data = link_request(body)
    assert header[3:] == (0, 0)
    assert top_kinds(attrs) == [netlink.IFLA_IFNAME, netlink.IFLA_LINK, netlink.IFLA_LINKINFO]
    assert netlink.as_string(info[netlink.IFLA_INFO_KIND]) == 'macvlan' and data == {}


@pytest.mark.parametrize('kwargs, flags, change, kinds', [
    ({}, 0, 0, []),
    ({'up': True}, netlink.IFF_UP, netlink.IFF_UP, []),
    ({'up': False}, 0, netlink.IFF_UP, []),
    ({'mtu': 1400}, 0, 0, [netlink.IFLA_MTU]),
    ({'macaddress': '02:00:00:00:00:99', 'up': None}, 0, 0, [netlink.IFLA_ADDRESS]),
    ({'kind': 'macvlan', 'info_data': []}, 0, 0, []),  # no options changed: no IFLA_LINKINFO
    ({'kind': 'macvlan', 'info_data': [netlink.u16(2, 1)]}, 0, 0, [netlink.IFLA_LINKINFO]),
])
def test_set_link_carries_only_what_changes(kwargs, flags, change, kinds):
    msg_type, req_flags, body = netlink.set_link(10, **kwargs)
    assert (msg_type, req_flags) == (netlink.RTM_NEWLINK, 0)  # no NLM_F_CREATE: it must exist
    header, attrs, info, data = link_request(body)
    assert header == (socket.AF_UNSPEC, 0, 10, flags, change)
    assert top_kinds(attrs) == kinds
    if info:
        assert netlink.as_string(info[netlink.IFLA_INFO_KIND]) == 'macvlan'
        assert netlink.as_u16(data[2]) == 1


def test_del_link():
    assert netlink.del_link(10) == (netlink.RTM_DELLINK, 0, netlink.ifinfo(10))


@pytest.mark.parametrize('cidr, family', [('198.18.0.10/24', socket.AF_INET), ('2001:db8::10/64', socket.AF_INET6)])
def test_address_requests(cidr, family):
    interface = ipaddress.ip_interface(str(cidr))
    for builder, msg_type, flags in ((netlink.add_address, netlink.RTM_NEWADDR, netlink.NLM_F_CREATE | netlink.NLM_F_EXCL),
                                     (netlink.del_address, netlink.RTM_DELADDR, 0)):
        got_type, got_flags, body = builder(10, interface)
        assert (got_type, got_flags) == (msg_type, flags)
        assert struct.unpack_from('=BBBBI', body) == (family, interface.network.prefixlen, 0, 0, 10)
        attrs = netlink.parse_attrs(body, 8)
        assert attrs[netlink.IFA_LOCAL] == attrs[netlink.IFA_ADDRESS] == interface.ip.packed
        assert netlink.decode_address(body)['address'] == str(interface.ip)


def test_netlink_error_carries_the_code():
    exc = netlink.NetlinkError(errno.EBUSY)
    assert exc.code == errno.EBUSY and exc.args == (errno.EBUSY, 'Device or resource busy')
    assert netlink.NetlinkError(errno.ENOENT, 'gone').args == (errno.ENOENT, 'gone')


# ---------------------------------------------------------------- Netlink over a fake socket

@pytest.fixture
def kernel(monkeypatch):
    fake = fakes.FakeKernel({
        None: ([fakes.loopback(), fakes.ethernet(), fakes.macvlan()],
               [fakes.address(2, '192.0.2.10/24'), fakes.address(10, '2001:db8::10/64')]),
        'net1': ([fakes.loopback()], []),
    })
    fake.patch(monkeypatch)
    return fake


def test_dumps_span_several_datagrams(kernel):
    with netlink.Netlink() as sock:
        assert [link['name'] for link in sock.links()] == ['lo', 'eth0', 'mv0']
        assert [(a['index'], a['address']) for a in sock.addresses()] == [(2, '192.0.2.10'), (10, '2001:db8::10')]
        assert sock.links()[2] == fakes.macvlan()
    assert kernel.sockets[0].closed


def test_routes_dump_by_family(kernel):
    kernel.namespaces[None]['routes'] = [fakes.route_body(socket.AF_INET, dst='192.0.2.0', dst_len=24, oif=2),
                                         fakes.route_body(socket.AF_INET6, dst='2001:db8::', dst_len=64, oif=10)]
    with netlink.Netlink() as sock:
        assert [r['dst'] for r in sock.routes(socket.AF_INET)] == ['192.0.2.0']
        assert [r['dst'] for r in sock.routes(socket.AF_INET6)] == ['2001:db8::']


def test_a_missing_namespace_is_enoent(kernel):
    with pytest.raises(netlink.NetlinkError) as exc:
        netlink.Netlink('gone')
    assert exc.value.code == errno.ENOENT


def test_answers_to_other_requests_are_skipped(kernel):
    sock = netlink.Netlink()
    sock._sock.queued.append(fakes.message(netlink.NLMSG_ERROR, 0, 999, native('i', -errno.EPERM)))  # pylint: disable=protected-access
    assert len(sock.links()) == 3


def test_a_refused_dump_raises(kernel):
    sock = netlink.Netlink()
    kernel.receive = lambda *args: [fakes.message(netlink.NLMSG_ERROR, 0, 1, native('i', -errno.EPERM) + b'\0' * 16)]
    with pytest.raises(netlink.NetlinkError) as exc:
        sock.links()
    assert exc.value.code == errno.EPERM


def test_request_applies_one_change(kernel):
    sock = netlink.Netlink()
    sock.request(*netlink.set_link(10, mtu=1400, up=False))
    assert kernel.find(None, 'mv0')['mtu'] == 1400
    assert not kernel.find(None, 'mv0')['flags'] & netlink.IFF_UP
    assert fakes.calls_of(kernel, 'set_link') == [(None, {'index': 10, 'mtu': 1400, 'up': False})]


def test_request_raises_the_kernels_errno(kernel):
    with pytest.raises(netlink.NetlinkError) as exc:
        netlink.Netlink().request(*netlink.del_link(77))
    assert exc.value.code == errno.ENODEV


def test_run_returns_every_request_in_order(kernel):
    requests = [netlink.Request(*netlink.add_address(10, ipaddress.ip_interface('10.0.%d.1/24' % i)), tag=i)
                for i in range(200)]
    done = netlink.Netlink().run(requests)
    assert [r.tag for r in done] == list(range(200))
    assert len(kernel.addresses_of(None, 'mv0')) == 201


def test_run_keeps_a_window_in_flight_and_reports_what_was_done(kernel):
    """The first refusal stops sending; requests already in flight still complete and are listed in `done`."""
    requests = [netlink.Request(*netlink.add_address(10, ipaddress.ip_interface('10.0.%d.1/24' % i)), tag=i)
                for i in range(200)]
    kernel.fail[('add_address', 'mv0', '10.0.70.1/24')] = errno.EPERM
    sock = netlink.Netlink()
    with pytest.raises(netlink.BatchError) as exc:
        sock.run(requests)
    assert exc.value.request is requests[70]
    assert isinstance(exc.value.error, netlink.NetlinkError) and exc.value.error.code == errno.EPERM
    sent = 70 + netlink.WINDOW  # when the refusal is read, WINDOW more were already on their way
    assert [r.tag for r in exc.value.done] == [i for i in range(sent) if i != 70]
    assert len(fakes.calls_of(kernel, 'add_address')) == sent
    assert len(kernel.addresses_of(None, 'mv0')) == 1 + sent - 1


def test_run_reports_the_first_of_several_refusals(kernel):
    requests = [netlink.Request(*netlink.del_link(index), tag=index) for index in (77, 10, 78)]
    with pytest.raises(netlink.BatchError) as exc:
        netlink.Netlink().run(requests)
    assert exc.value.request.tag == 77 and exc.value.error.code == errno.ENODEV
    assert [r.tag for r in exc.value.done] == [10]
    assert kernel.find(None, 'mv0') is None


def test_run_of_nothing(kernel):
    assert netlink.Netlink().run([]) == []
    assert kernel.sockets[0].sent == 0


def test_nsid_of(kernel):
    kernel.nsids[('net1', None)] = 5
    with netlink.Netlink('net1') as sock:
        assert sock.nsid_of(None) == 5
    with netlink.Netlink() as sock:
        assert sock.nsid_of('net1') == -1  # not assigned
    assert kernel.open_fds() == []  # the namespace fd is closed again


def test_request_flags(kernel):
    """run() adds NLM_F_REQUEST | NLM_F_ACK; a dump is NLM_F_REQUEST | NLM_F_DUMP."""
    seen = []
    receive = kernel.receive

    def spy(netns, msg_type, flags, seq, body):
        seen.append((msg_type, flags))
        return receive(netns, msg_type, flags, seq, body)

    kernel.receive = spy
    sock = netlink.Netlink()
    sock.links()
    sock.run([netlink.Request(*netlink.new_link('mv1', 2, 'macvlan', []))])
    assert seen == [(netlink.RTM_GETLINK, netlink.NLM_F_REQUEST | netlink.NLM_F_DUMP),
                    (netlink.RTM_NEWLINK, netlink.NLM_F_REQUEST | netlink.NLM_F_ACK | netlink.NLM_F_CREATE
                     | netlink.NLM_F_EXCL)]


def test_ipv6_conf_reads_the_named_settings_from_af_spec():
    body = netlink.ifinfo(5) + netlink.string(netlink.IFLA_IFNAME, 'sh0') + fakes.inet6_conf({'forwarding': 1, 'proxy_ndp': 1})
    link = netlink.decode_link(body)
    assert netlink.ipv6_conf(link, ['forwarding', 'proxy_ndp']) == {'forwarding': 1, 'proxy_ndp': 1}
    off = netlink.decode_link(netlink.ifinfo(5) + fakes.inet6_conf({}))
    assert netlink.ipv6_conf(off, ['proxy_ndp']) == {'proxy_ndp': 0}
    # a link without IPv6 (disabled on it) carries no AF_INET6 settings: unknown, not 0
    bare = netlink.decode_link(netlink.ifinfo(5) + netlink.string(netlink.IFLA_IFNAME, 'sh0'))
    assert netlink.ipv6_conf(bare, ['forwarding']) == {'forwarding': None}


def test_proxy_neighbour_requests_and_their_dump_round_trip():
    msg_type, flags, body = netlink.proxy_neighbour(True, 7, '2001:db8:103::45')
    assert msg_type == netlink.RTM_NEWNEIGH and flags & netlink.NLM_F_CREATE and flags & netlink.NLM_F_EXCL
    assert netlink.decode_proxy(body) == {'index': 7, 'proxy': True, 'address': '2001:db8:103::45'}
    family, index, state, ntf, _type = struct.unpack_from('=BxxxiHBB', body)
    assert (family, index, state, ntf) == (socket.AF_INET6, 7, netlink.NUD_PERMANENT, netlink.NTF_PROXY)
    msg_type, flags, gone = netlink.proxy_neighbour(False, 7, '2001:db8:103::45')
    assert msg_type == netlink.RTM_DELNEIGH and flags == 0 and gone == body
