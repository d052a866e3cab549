# Copyright: (c) 2026, underlay.network contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""rtnetlink: the codec and the socket every link, address and route request goes through.

pyroute2 handles named namespaces (create, remove, enter: the same calls in 0.7.x and
0.9.x). Link, address and route messages go over a plain rtnetlink socket with a lean
codec here, for two measured reasons: pyroute2 0.9's synchronous API costs about 2.5 ms
per request and its full decode about 0.9 ms per link, so 1000 links took 1.6 s to create
and 0.9 s just to read back; and its keyword API silently drops attributes it does not
know (IFLA_IPVLAN_FLAGS among them). Here every request is explicit bytes, sent in
windows without a round trip each, and a dump decodes only the attributes the engine
uses. Numbers below are the kernel's UAPI (linux/rtnetlink.h, if_link.h, if_addr.h).
"""

from __future__ import annotations

import errno
import importlib.util
import ipaddress
import os
import socket
import struct
import traceback
from typing import Any, Callable


# pyroute2 is imported the first time a named namespace is entered, made or removed: importing it costs about as
# much as the rest of a module's run (a fleet pays that on every host for every task), and a run in the namespace
# it was started in (a real host's own) never needs it. Whether it is there is known without importing it.
try:
    if importlib.util.find_spec('pyroute2') is None:
        raise ImportError('No module named pyroute2')
    PYROUTE2_IMPORT_ERROR = None
except (ImportError, ValueError):  # the modules report this through missing_required_lib
    PYROUTE2_IMPORT_ERROR = traceback.format_exc()
HAS_PYROUTE2 = PYROUTE2_IMPORT_ERROR is None


class _Pyroute2Netns:
    """pyroute2.netns, imported on first use."""

    def __getattr__(self, name):
        from pyroute2 import netns  # pylint: disable=import-outside-toplevel
        return getattr(netns, name)


pyroute2_netns = _Pyroute2Netns()
# what a module that talks to the kernel requires (run_module's `requires`)
PYROUTE2 = ('pyroute2', PYROUTE2_IMPORT_ERROR)

from ansible_collections.underlay.network.plugins.module_utils._common.vocabulary import NETNS_RUN_DIR
NETLINK_ROUTE = 0
SOL_NETLINK, NETLINK_GET_STRICT_CHK = 270, 12
IFF_UP = 0x1
IFF_PROMISC = 0x100
RT_TABLE_MAIN = 254

NLMSG_ERROR, NLMSG_DONE = 2, 3
RTM_NEWLINK, RTM_DELLINK, RTM_GETLINK = 16, 17, 18
RTM_NEWADDR, RTM_DELADDR, RTM_GETADDR = 20, 21, 22
RTM_NEWROUTE, RTM_DELROUTE, RTM_GETROUTE = 24, 25, 26
RTM_NEWNEIGH, RTM_DELNEIGH, RTM_GETNEIGH = 28, 29, 30
RTM_GETNSID = 90
NETNSA_NSID, NETNSA_FD = 1, 3
NLM_F_REQUEST, NLM_F_MULTI, NLM_F_ACK = 0x1, 0x2, 0x4
NLM_F_DUMP, NLM_F_REPLACE, NLM_F_EXCL, NLM_F_CREATE = 0x300, 0x100, 0x200, 0x400
NLA_F_NESTED = 0x8000
NLA_TYPE_MASK = 0x3fff

IFLA_ADDRESS, IFLA_IFNAME, IFLA_MTU, IFLA_LINK = 1, 3, 4, 5
IFLA_MASTER, IFLA_OPERSTATE, IFLA_LINKINFO, IFLA_IFALIAS = 10, 16, 18, 20
IFLA_PROMISCUITY, IFLA_NET_NS_FD, IFLA_EXT_MASK, IFLA_LINK_NETNSID = 30, 28, 29, 37
IFLA_AF_SPEC, IFLA_INET6_CONF = 26, 2
# indexes into IFLA_INET6_CONF, the interface's net.ipv6.conf.<if>.* values (enum in linux/ipv6.h)
IPV6_CONF_INDEX = {'forwarding': 0, 'proxy_ndp': 22}
VETH_INFO_PEER = 1
IFLA_INFO_KIND, IFLA_INFO_DATA = 1, 2
RTEXT_FILTER_SKIP_STATS = 1 << 3
# rtm_protocol of the routes this collection owns (unassigned in /etc/iproute2/rt_protos; `ip route` shows 209)
RTPROT_UNDERLAY = 209
# rtm_protocol of static routes: NetworkManager sets a profile's routeN with it (it has no way to set ours)
RTPROT_STATIC = 4
IFA_ADDRESS, IFA_LOCAL, IFA_FLAGS = 1, 2, 8
IFA_F_TEMPORARY, IFA_F_NODAD, IFA_F_DADFAILED, IFA_F_TENTATIVE = 0x01, 0x02, 0x08, 0x40
RTA_DST, RTA_OIF, RTA_GATEWAY, RTA_PRIORITY, RTA_PREFSRC, RTA_TABLE = 1, 4, 5, 6, 7, 15
NDA_DST = 1
NTF_PROXY, NUD_PERMANENT = 0x08, 0x80

_HEADER = struct.Struct('=IHHII')      # nlmsghdr: length, type, flags, seq, pid
_IFINFO = struct.Struct('=BxHiII')     # ifinfomsg: family, type, index, flags, change
IFINFOMSG_SIZE = _IFINFO.size
_IFADDR = struct.Struct('=BBBBI')      # ifaddrmsg: family, prefixlen, flags, scope, index
_RTMSG = struct.Struct('=BBBBBBBBI')   # rtmsg: family, dst_len, src_len, tos, table, protocol, scope, type, flags
_NDMSG = struct.Struct('=BxxxiHBB')    # ndmsg: family, ifindex, state, flags, type
_ATTR = struct.Struct('=HH')
WINDOW = 64  # requests in flight before reading acks: keeps the ack queue far from overflowing


class NetlinkError(Exception):
    """The kernel refused a request; `code` is the positive errno."""

    def __init__(self, code, message=None):
        super().__init__(code, message or os.strerror(code))
        self.code = code


def pyroute2_version() -> str | None:
    if not HAS_PYROUTE2:
        return None
    import pyroute2  # pylint: disable=import-outside-toplevel
    return getattr(pyroute2, '__version__', 'unknown')


# ---------------------------------------------------------------- encoding

def _align(length):
    return (length + 3) & ~3


def attr(kind: int, payload: bytes) -> bytes:
    """One netlink attribute (type-length-value, padded to 4 bytes)."""
    length = _ATTR.size + len(payload)
    return _ATTR.pack(length, kind) + payload + b'\0' * (_align(length) - length)


def nested(kind: int, *attrs: bytes) -> bytes:
    return attr(kind | NLA_F_NESTED, b''.join(attrs))


def u8(kind, value):
    return attr(kind, struct.pack('=B', value))


def u16(kind, value):
    return attr(kind, struct.pack('=H', value))


def be16(kind, value):
    return attr(kind, struct.pack('>H', value))


def u32(kind, value):
    return attr(kind, struct.pack('=I', value))


def string(kind, value):
    return attr(kind, value.encode('utf-8') + b'\0')


def mac(kind, value):
    return attr(kind, bytes(bytearray(int(part, 16) for part in value.split(':'))))


def ifinfo(index=0, flags=0, change=0):
    return _IFINFO.pack(socket.AF_UNSPEC, 0, index, flags, change)


def ifaddr(family, prefixlen, index):
    return _IFADDR.pack(family, prefixlen, 0, 0, index)


def ip_bytes(address):
    return ipaddress.ip_address(str(address)).packed


# ---------------------------------------------------------------- decoding

def parse_attrs(data: bytes, offset: int = 0, end: int | None = None, only: frozenset | None = None) -> dict:
    """{type: payload} of the attributes in data[offset:end]; repeated types keep a list in `('list', type)`.

    `only`: the types wanted; the others are stepped over without being copied (a link carries some
    forty attributes, the engine reads eight).
    """
    end = len(data) if end is None else end
    attrs = {}
    while offset + 4 <= end:
        length, kind = _ATTR.unpack_from(data, offset)
        if length < 4:
            break
        kind &= NLA_TYPE_MASK
        if only is None or kind in only:
            payload = data[offset + 4:offset + length]
            attrs[kind] = payload
            attrs.setdefault(('list', kind), []).append(payload)
        offset += (length + 3) & ~3
    return attrs


def as_u8(payload):
    return struct.unpack('=B', payload[:1])[0]


def as_u16(payload):
    return struct.unpack('=H', payload[:2])[0]


def as_be16(payload):
    return struct.unpack('>H', payload[:2])[0]


def as_u32(payload):
    return struct.unpack('=I', payload[:4])[0]


def as_s32(payload):
    return struct.unpack('=i', payload[:4])[0]


def as_string(payload):
    return payload.split(b'\0', 1)[0].decode('utf-8', 'replace')


def as_mac(payload):
    return ':'.join('%02x' % b for b in bytearray(payload))


def _optional(attrs, kind, convert):
    return convert(attrs[kind]) if kind in attrs else None


_LINK_ATTRS = frozenset((IFLA_ADDRESS, IFLA_IFNAME, IFLA_MTU, IFLA_LINK, IFLA_MASTER, IFLA_OPERSTATE, IFLA_LINKINFO,
                         IFLA_AF_SPEC,
                         IFLA_IFALIAS, IFLA_LINK_NETNSID))


def decode_link(payload: bytes) -> dict:
    """An RTM_NEWLINK body as a plain dict; `data` keeps the driver's raw IFLA_INFO_DATA attributes."""
    _family, _type, index, flags, _change = _IFINFO.unpack_from(payload)
    attrs = parse_attrs(payload, _IFINFO.size, only=_LINK_ATTRS)
    kind, data = None, {}
    if IFLA_LINKINFO in attrs:
        info = parse_attrs(attrs[IFLA_LINKINFO])
        kind = _optional(info, IFLA_INFO_KIND, as_string)
        data = parse_attrs(info[IFLA_INFO_DATA]) if IFLA_INFO_DATA in info else {}
    return {
        'index': index,
        'name': _optional(attrs, IFLA_IFNAME, as_string),
        'kind': kind,
        'flags': flags,
        'mtu': _optional(attrs, IFLA_MTU, as_u32),
        'macaddress': _optional(attrs, IFLA_ADDRESS, as_mac),
        'link': _optional(attrs, IFLA_LINK, as_u32),
        'link_netnsid': _optional(attrs, IFLA_LINK_NETNSID, as_s32),
        'master': _optional(attrs, IFLA_MASTER, as_u32),
        'operstate': _optional(attrs, IFLA_OPERSTATE, as_u8),
        'alias': _optional(attrs, IFLA_IFALIAS, as_string) or None,
        'af_spec': attrs.get(IFLA_AF_SPEC),  # per-family settings, decoded only when asked (ipv6_conf)
        'data': data,
    }


def _address(family, payload):
    return str(ipaddress.ip_address(bytes(payload[:4] if family == socket.AF_INET else payload[:16])))


def decode_address(payload: bytes) -> dict:
    family, prefixlen, flags, scope, index = _IFADDR.unpack_from(payload)
    attrs = parse_attrs(payload, _IFADDR.size)
    flags = _optional(attrs, IFA_FLAGS, as_u32) or flags
    # On point-to-point links IFA_ADDRESS is the peer; IFA_LOCAL is ours when present.
    raw = attrs.get(IFA_LOCAL, attrs.get(IFA_ADDRESS))
    return {'index': index, 'family': family, 'prefixlen': prefixlen, 'scope': scope, 'flags': flags,
            'address': _address(family, raw) if raw else None}


def decode_main_route(payload: bytes) -> dict | None:
    """decode_route() of a main-table route; None for the other tables (local, multicast), unparsed."""
    table = _RTMSG.unpack_from(payload)[4]
    if table != RT_TABLE_MAIN and table != 252:  # 252: RT_TABLE_COMPAT, the table field says 'see RTA_TABLE'
        return None
    route = decode_route(payload)
    return route if route['table'] == RT_TABLE_MAIN else None


def decode_route(payload: bytes) -> dict:
    family, dst_len, _src, _tos, table, proto, scope, rtype, _flags = _RTMSG.unpack_from(payload)
    attrs = parse_attrs(payload, _RTMSG.size)
    return {
        'family': family, 'dst_len': dst_len, 'proto': proto, 'scope': scope, 'type': rtype,
        'table': _optional(attrs, RTA_TABLE, as_u32) or table,
        'dst': _address(family, attrs[RTA_DST]) if RTA_DST in attrs else None,
        'gateway': _address(family, attrs[RTA_GATEWAY]) if RTA_GATEWAY in attrs else None,
        'prefsrc': _address(family, attrs[RTA_PREFSRC]) if RTA_PREFSRC in attrs else None,
        'oif': _optional(attrs, RTA_OIF, as_u32),
        'priority': _optional(attrs, RTA_PRIORITY, as_u32) or 0,
    }


def ipv6_conf(link: dict, names) -> dict:
    """{name: value} of the link's net.ipv6.conf.<if>.* settings named (IFLA_AF_SPEC, AF_INET6, IFLA_INET6_CONF);
    None for each when the link carries no IPv6 settings (IPv6 disabled on it)."""
    values = dict.fromkeys(names)
    spec = link.get('af_spec')
    inet6 = parse_attrs(spec).get(socket.AF_INET6) if spec else None
    conf = parse_attrs(inet6).get(IFLA_INET6_CONF) if inet6 else None
    for name in names:
        offset = IPV6_CONF_INDEX[name] * 4
        if conf is not None and len(conf) >= offset + 4:
            values[name] = as_s32(conf[offset:offset + 4])
    return values


def decode_proxy(payload: bytes) -> dict:
    """A proxy neighbour entry (what `ip -6 neigh show proxy` lists): the link index and the address."""
    family, index, _state, flags, _type = _NDMSG.unpack_from(payload)
    attrs = parse_attrs(payload, _NDMSG.size)
    return {'index': index, 'proxy': bool(flags & NTF_PROXY),
            'address': _address(family, attrs[NDA_DST]) if NDA_DST in attrs else None}


# ---------------------------------------------------------------- namespaces

def list_namespaces() -> list[str]:
    """Names of the named network namespaces (`ip netns` style, /var/run/netns)."""
    try:
        return sorted(os.listdir(NETNS_RUN_DIR))
    except OSError as exc:
        if exc.errno == errno.ENOENT:
            return []
        raise


def namespace_exists(name: str | None) -> bool:
    return name is None or name in list_namespaces()


def create_namespace(name: str) -> None:
    pyroute2_netns.create(name)


def remove_namespace(name: str) -> None:
    pyroute2_netns.remove(name)


def namespace_fd(name: str | None) -> int:
    """An open fd of a namespace, for IFLA_NET_NS_FD; None means the one we run in."""
    return os.open(os.path.join(NETNS_RUN_DIR, name) if name else '/proc/self/ns/net', os.O_RDONLY)


class in_namespace:  # pylint: disable=invalid-name
    """`with in_namespace(name):` runs the block inside that network namespace (for /proc/sys/net)."""

    def __init__(self, netns):
        self.netns = netns

    def __enter__(self):
        if self.netns is not None:
            if not namespace_exists(self.netns):
                raise NetlinkError(errno.ENOENT, "namespace '%s' does not exist" % self.netns)
            pyroute2_netns.pushns(self.netns)
        return self

    def __exit__(self, *exc):
        if self.netns is not None:
            pyroute2_netns.popns()


def _route_socket(netns):
    """A bound rtnetlink socket in `netns`. Never creates a namespace (pyroute2 would)."""
    if netns is None:
        sock = socket.socket(socket.AF_NETLINK, socket.SOCK_RAW, NETLINK_ROUTE)
    else:
        if not namespace_exists(netns):
            raise NetlinkError(errno.ENOENT, "namespace '%s' does not exist" % netns)
        # A socket belongs to the namespace it was created in: step in, create, step back.
        pyroute2_netns.pushns(netns)
        try:
            sock = socket.socket(socket.AF_NETLINK, socket.SOCK_RAW, NETLINK_ROUTE)
        finally:
            pyroute2_netns.popns()
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 1 << 20)
    sock.bind((0, 0))
    return sock


# ---------------------------------------------------------------- the socket

class Request:
    """One change request; `tag` travels with it so a failure can say what it was for."""

    __slots__ = ('msg_type', 'flags', 'body', 'tag')

    def __init__(self, msg_type, flags, body, tag=None):
        self.msg_type = msg_type
        self.flags = flags
        self.body = body
        self.tag = tag


class BatchError(Exception):
    """A request of a batch failed: `request` is it, `error` the NetlinkError, `done` those that succeeded."""

    def __init__(self, request, error, done):
        super().__init__(error)
        self.request = request
        self.error = error
        self.done = done


class Netlink:
    """One rtnetlink socket in one namespace: dumps and windowed batches of requests."""

    def __init__(self, netns: str | None = None):
        self.netns = netns
        self._sock = _route_socket(netns)
        self._seq = 0
        self._strict = False

    def close(self):
        self._sock.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def _send(self, msg_type, flags, body):
        self._seq += 1
        self._sock.send(_HEADER.pack(_HEADER.size + len(body), msg_type, flags, self._seq, 0) + body)
        return self._seq

    def _messages(self):
        """Yield (type, flags, seq, payload) for each message of the next datagram."""
        data = self._sock.recv(1 << 20)
        offset = 0
        while offset + _HEADER.size <= len(data):
            length, msg_type, flags, seq, _pid = _HEADER.unpack_from(data, offset)
            yield msg_type, flags, seq, data[offset + _HEADER.size:offset + length]
            offset += _align(length)

    def dump(self, msg_type: int, body: bytes, decode: Callable[[bytes], Any]) -> list:
        seq = self._send(msg_type, NLM_F_REQUEST | NLM_F_DUMP, body)
        result = []
        while True:
            for kind, _flags, got, payload in self._messages():
                if got != seq:
                    continue
                if kind == NLMSG_DONE:
                    return result
                if kind == NLMSG_ERROR:
                    code = -as_s32(payload)
                    if code:
                        raise NetlinkError(code)
                    return result
                result.append(decode(payload))

    def get(self, msg_type: int, body: bytes, decode: Callable[[bytes], Any]) -> Any:
        """A request that answers with one message (not a dump)."""
        seq = self._send(msg_type, NLM_F_REQUEST, body)
        while True:
            for kind, _flags, got, payload in self._messages():
                if got != seq:
                    continue
                if kind == NLMSG_ERROR:
                    raise NetlinkError(-as_s32(payload) or errno.EPROTO)
                return decode(payload)

    def nsid_of(self, netns: str | None) -> int:
        """The id this namespace knows `netns` by (what IFLA_LINK_NETNSID of its links says), or -1."""
        fd = namespace_fd(netns)
        try:
            return self.get(RTM_GETNSID, struct.pack('=Bxxx', socket.AF_UNSPEC) + u32(NETNSA_FD, fd),
                            lambda payload: as_s32(parse_attrs(payload, 4).get(NETNSA_NSID, b'\xff\xff\xff\xff')))
        finally:
            os.close(fd)

    # One dump each: the engine never looks links up one by one.
    def links(self) -> list[dict]:
        return self.dump(RTM_GETLINK, ifinfo() + u32(IFLA_EXT_MASK, RTEXT_FILTER_SKIP_STATS), decode_link)

    def addresses(self) -> list[dict]:
        return self.dump(RTM_GETADDR, ifaddr(socket.AF_UNSPEC, 0, 0), decode_address)

    def routes(self, family: int) -> list[dict]:
        """The main table's routes (the kernel filters by table when strict checking is on, 4.20+;
        older kernels send every table and the decoder drops the others)."""
        if not self._strict:
            try:
                self._sock.setsockopt(SOL_NETLINK, NETLINK_GET_STRICT_CHK, 1)
            except (OSError, AttributeError):
                pass
            self._strict = True
        routes = self.dump(RTM_GETROUTE, _RTMSG.pack(family, 0, 0, 0, RT_TABLE_MAIN, 0, 0, 0, 0), decode_main_route)
        return [route for route in routes if route is not None]

    def proxies(self) -> list[dict]:
        """The IPv6 proxy neighbour entries of the namespace (one dump)."""
        entries = self.dump(RTM_GETNEIGH, _NDMSG.pack(socket.AF_INET6, 0, 0, NTF_PROXY, 0), decode_proxy)
        return [entry for entry in entries if entry['proxy'] and entry['address'] is not None]

    def run(self, requests: list[Request]) -> list[Request]:
        """Send requests in windows, reading acks as they come; raise BatchError on the first refusal.

        Requests already in flight when one fails still complete; `done` lists every one that
        succeeded, so the caller can undo them.
        """
        pending = {}
        done = []
        failure = None
        queue = list(requests)
        position = 0
        while position < len(queue) or pending:
            while failure is None and position < len(queue) and len(pending) < WINDOW:
                request = queue[position]
                pending[self._send(request.msg_type, request.flags | NLM_F_REQUEST | NLM_F_ACK, request.body)] = request
                position += 1
            if not pending:
                break
            for kind, _flags, seq, payload in self._messages():
                request = pending.pop(seq, None)
                if request is None or kind != NLMSG_ERROR:
                    continue
                code = -as_s32(payload)
                if code == 0:
                    done.append(request)
                elif failure is None:
                    failure = (request, NetlinkError(code))
        if failure is not None:
            raise BatchError(failure[0], failure[1], done)
        return done

    def request(self, msg_type: int, flags: int, body: bytes) -> None:
        """A single request; raises NetlinkError."""
        try:
            self.run([Request(msg_type, flags, body)])
        except BatchError as exc:
            raise exc.error


# ---------------------------------------------------------------- requests the engine builds

def new_link(name: str, parent_index: int, kind: str, info_data: list[bytes], mtu: int | None = None,
             macaddress: str | None = None, netns_fd: int | None = None, up: bool = False) -> tuple[int, int, bytes]:
    attrs = [string(IFLA_IFNAME, name), u32(IFLA_LINK, parent_index)]
    if mtu is not None:
        attrs.append(u32(IFLA_MTU, mtu))
    if macaddress is not None:
        attrs.append(mac(IFLA_ADDRESS, macaddress))
    if netns_fd is not None:
        attrs.append(u32(IFLA_NET_NS_FD, netns_fd))
    attrs.append(nested(IFLA_LINKINFO, string(IFLA_INFO_KIND, kind), nested(IFLA_INFO_DATA, *info_data)))
    # Flags in the ifinfomsg of a create bring the link up in the same request (like `ip link add ... up`).
    body = ifinfo(flags=IFF_UP if up else 0, change=IFF_UP if up else 0) + b''.join(attrs)
    return RTM_NEWLINK, NLM_F_CREATE | NLM_F_EXCL, body


def set_link(index: int, kind: str | None = None, info_data: list[bytes] | None = None, mtu: int | None = None,
             macaddress: str | None = None, up: bool | None = None, alias: str | None = None) -> tuple[int, int, bytes]:
    attrs = []
    if alias is not None:
        attrs.append(string(IFLA_IFALIAS, alias))  # '' clears it
    if mtu is not None:
        attrs.append(u32(IFLA_MTU, mtu))
    if macaddress is not None:
        attrs.append(mac(IFLA_ADDRESS, macaddress))
    if info_data:
        attrs.append(nested(IFLA_LINKINFO, string(IFLA_INFO_KIND, kind), nested(IFLA_INFO_DATA, *info_data)))
    flags = IFF_UP if up else 0
    change = IFF_UP if up is not None else 0
    return RTM_NEWLINK, 0, ifinfo(index, flags, change) + b''.join(attrs)


def move_link(index: int, netns_fd: int, name: str, up: bool = False) -> tuple[int, int, bytes]:
    """Move a link to another namespace and rename it there, in one request (`ip link set ... netns X name Y`).

    A move takes the link down; `up` brings it up again in the same request (applied after the move).
    """
    flags = IFF_UP if up else 0
    return RTM_NEWLINK, 0, ifinfo(index, flags, flags) + u32(IFLA_NET_NS_FD, netns_fd) + string(IFLA_IFNAME, name)


def del_link(index: int) -> tuple[int, int, bytes]:
    return RTM_DELLINK, 0, ifinfo(index)


def _addr_body(index, interface, flags=0):
    family = socket.AF_INET if interface.version == 4 else socket.AF_INET6
    packed = interface.ip.packed
    body = _IFADDR.pack(family, interface.network.prefixlen, flags & 0xff, 0, index)
    body += attr(IFA_LOCAL, packed) + attr(IFA_ADDRESS, packed)
    return body + (u32(IFA_FLAGS, flags) if flags else b'')


def add_address(index: int, interface, nodad: bool = False) -> tuple[int, int, bytes]:
    """`nodad`: an IPv6 address usable at once, not tentative while duplicate detection runs."""
    flags = IFA_F_NODAD if nodad and interface.version == 6 else 0
    return RTM_NEWADDR, NLM_F_CREATE | NLM_F_EXCL, _addr_body(index, interface, flags)


RT_SCOPE_UNIVERSE, RT_SCOPE_LINK = 0, 253
RTN_UNICAST = 1


def _route_body(family, dst, dst_len, oif, metric, protocol, prefsrc=None):
    # IPv4 on-link routes are scope link (`ip route add X dev Y`); IPv6 routes are always universe.
    scope = RT_SCOPE_LINK if family == socket.AF_INET else RT_SCOPE_UNIVERSE
    body = _RTMSG.pack(family, dst_len, 0, 0, RT_TABLE_MAIN, protocol, scope, RTN_UNICAST, 0)
    body += attr(RTA_DST, ip_bytes(dst)) + u32(RTA_OIF, oif)
    if metric:
        body += u32(RTA_PRIORITY, metric)
    if prefsrc:
        body += attr(RTA_PREFSRC, ip_bytes(prefsrc))
    return body


def add_route(family: int, dst: str, dst_len: int, oif: int, metric: int, protocol: int,
              prefsrc: str | None = None) -> tuple[int, int, bytes]:
    """`prefsrc`: the source address the kernel gives traffic on the route (`ip route add ... src X`)."""
    return RTM_NEWROUTE, NLM_F_CREATE | NLM_F_EXCL, _route_body(family, dst, dst_len, oif, metric, protocol, prefsrc)


def del_route(family: int, dst: str, dst_len: int, oif: int, metric: int, protocol: int) -> tuple[int, int, bytes]:
    return RTM_DELROUTE, 0, _route_body(family, dst, dst_len, oif, metric, protocol)


def del_address(index: int, interface) -> tuple[int, int, bytes]:
    return RTM_DELADDR, 0, _addr_body(index, interface)


def proxy_neighbour(add: bool, index: int, address: str) -> tuple[int, int, bytes]:
    """Add or remove an IPv6 proxy neighbour entry: the link answers neighbour solicitations for `address`
    (`ip -6 neigh add|del proxy ADDRESS dev LINK`); it takes effect where the link has proxy_ndp and forwarding on."""
    body = _NDMSG.pack(socket.AF_INET6, index, NUD_PERMANENT, NTF_PROXY, 0) + attr(NDA_DST, ip_bytes(address))
    return (RTM_NEWNEIGH, NLM_F_CREATE | NLM_F_EXCL, body) if add else (RTM_DELNEIGH, 0, body)
