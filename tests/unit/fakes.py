# Copyright: (c) 2026, underlay.network contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Kernel state for the unit tests, in the kernel's own bytes.

Links and addresses are encoded as real rtnetlink message bodies (with the engine's encoders)
and decoded with _netlink.decode_link / decode_address, so every hand-built link also goes
through the decoder. FakeKernel is an in-memory kernel behind a fake rtnetlink *socket*: the
engine talks to it through the real _netlink.Netlink class (dumps, windowed batches, acks,
BatchError), and it answers requests as the kernel does: EEXIST, ENODEV, EBUSY, EADDRINUSE,
dropping a subnet's secondaries with its primary address, IFLA_LINK_NETNSID across namespaces.
It has three drivers: macvlan, ipvlan (mode and flags kept per parent port, as drivers/net/ipvlan
does: creating or changing one port changes what every sibling reports) and 8021q vlan (id and
protocol ignored on change, flags with a mask, QoS maps where a 0 target clears an entry).

Nothing here opens a socket.
"""


import errno
import ipaddress
import os
import socket
import struct

from ansible_collections.underlay.network.plugins.module_utils._common.vocabulary import MACVLAN_MODES
from ansible_collections.underlay.network.plugins.module_utils._kernel import netlink
from ansible_collections.underlay.network.plugins.module_utils._reconcile.read import Snapshot
from ansible_collections.underlay.network.plugins.module_utils._links.kinds import (
    IFLA_MACVLAN_FLAGS, IFLA_MACVLAN_MACADDR, IFLA_MACVLAN_MACADDR_DATA, IFLA_MACVLAN_MACADDR_MODE,
    IFLA_MACVLAN_MODE, KINDS, MACVLAN_MACADDR_SET)
from ansible_collections.underlay.network.plugins.module_utils._links.spec import build_spec

PARENT_INDEX = 2
PARENT_MAC = '52:54:00:12:34:56'

# UAPI numbers the engine does not need but a kernel's answers carry (if.h, if_link.h, rtnetlink.h).
IFF_BROADCAST, IFF_MULTICAST = 0x2, 0x1000
IF_OPER_DOWN, IF_OPER_UP = 2, 6
IFLA_MACVLAN_MACADDR_COUNT = 6
IFLA_IPVLAN_MODE, IFLA_IPVLAN_FLAGS = 1, 2
IPVLAN_MODE_VALUES = {'l2': 0, 'l3': 1, 'l3s': 2}
IPVLAN_FLAG_VALUES = {'bridge': 0, 'private': 1, 'vepa': 2}
IPVLAN_MODE_L3, IPVLAN_MODE_MAX = 1, 3  # ipvlan_link_new(): no IFLA_IPVLAN_MODE means l3
IPVLAN_F_PRIVATE, IPVLAN_F_VEPA = 0x1, 0x2
IFLA_VLAN_ID, IFLA_VLAN_FLAGS, IFLA_VLAN_EGRESS_QOS, IFLA_VLAN_INGRESS_QOS, IFLA_VLAN_PROTOCOL = 1, 2, 3, 4, 5
IFLA_VLAN_QOS_MAPPING = 1
ETH_P_8021Q, ETH_P_8021AD = 0x8100, 0x88a8
VLAN_FLAG_REORDER_HDR = 0x1
VLAN_FLAGS_KNOWN = 0x1f  # reorder_hdr, gvrp, loose_binding, mvrp, bridge_binding
VLAN_VID_MASK = 0xfff
MACVLAN_MODE_PASSTHRU = 8
RT_SCOPE_UNIVERSE, RT_SCOPE_LINK, RT_SCOPE_HOST = 0, 253, 254
RTN_UNICAST, RTPROT_KERNEL = 1, 2
RTM_NEWNSID = 88
IFNAMSIZ = 16
BAD_FD = '(not an open namespace fd)'

# Our own copies of the fixed headers: the fake kernel parses requests without the engine's private structs.
HEADER = struct.Struct('=IHHII')
IFINFO = struct.Struct('=BxHiII')
IFADDR = struct.Struct('=BBBBI')
RTMSG = struct.Struct('=BBBBBBBBI')


def s32(kind, value):
    return netlink.attr(kind, struct.pack('=i', value))


# ---------------------------------------------------------------- links and addresses, as the kernel sends them

def link_body(name, index, kind=None, flags=0, mtu=1500, mac=None, parent=None, link_netnsid=None, master=None,
              operstate=None, data=()):
    """An RTM_NEWLINK body as a dump carries it; `data` is the IFLA_INFO_DATA attributes (bytes)."""
    attrs = [netlink.string(netlink.IFLA_IFNAME, name)]
    if mtu is not None:
        attrs.append(netlink.u32(netlink.IFLA_MTU, mtu))
    if mac is not None:
        attrs.append(netlink.mac(netlink.IFLA_ADDRESS, mac))
    if parent is not None:
        attrs.append(netlink.u32(netlink.IFLA_LINK, parent))
    if link_netnsid is not None:
        attrs.append(s32(netlink.IFLA_LINK_NETNSID, link_netnsid))
    if master is not None:
        attrs.append(netlink.u32(netlink.IFLA_MASTER, master))
    if operstate is not None:
        attrs.append(netlink.u8(netlink.IFLA_OPERSTATE, operstate))
    if kind is not None:
        attrs.append(netlink.nested(netlink.IFLA_LINKINFO, netlink.string(netlink.IFLA_INFO_KIND, kind),
                                    netlink.nested(netlink.IFLA_INFO_DATA, *data)))
    return netlink.ifinfo(index, flags) + b''.join(attrs)


def link(name, index, kind=None, parent=None, up=True, mtu=1500, mac=None, data=(), link_netnsid=None, master=None):
    """A link as _netlink.decode_link returns it, decoded from the bytes a kernel would send."""
    flags = (netlink.IFF_UP if up else 0) | IFF_BROADCAST | IFF_MULTICAST
    return netlink.decode_link(link_body(name, index, kind, flags, mtu, mac, parent, link_netnsid, master,
                                         IF_OPER_UP if up else IF_OPER_DOWN, data))


def data_attrs(data):
    """decode_link's raw `data` dict back into attributes, in the order they came."""
    return [netlink.attr(kind, payload) for kind in data if not isinstance(kind, tuple)
            for payload in data[('list', kind)]]


def body_of(item):
    """The RTM_NEWLINK body of a decoded link (decode_link's inverse)."""
    return link_body(item['name'], item['index'], item['kind'], item['flags'], item['mtu'], item['macaddress'],
                     item['link'], item['link_netnsid'], item['master'], item['operstate'], data_attrs(item['data']))


def loopback():
    return link('lo', 1, mtu=65536, mac='00:00:00:00:00:00')


def ethernet(name='eth0', index=PARENT_INDEX, mac=PARENT_MAC, **kwargs):
    """A physical NIC: no IFLA_LINKINFO at all, so kind None."""
    return link(name, index, mac=mac, **kwargs)


def macvlan_data(mode='bridge', flags=0, source_macs=None):
    """IFLA_INFO_DATA of a macvlan as the driver dumps it; `mode` a name or a number, None leaves it out."""
    attrs = []
    if mode is not None:
        attrs.append(netlink.u32(IFLA_MACVLAN_MODE, MACVLAN_MODES.get(mode, mode)))
    if flags is not None:
        attrs.append(netlink.u16(IFLA_MACVLAN_FLAGS, flags))
    if source_macs is not None:
        attrs.append(netlink.u32(IFLA_MACVLAN_MACADDR_COUNT, len(source_macs)))
        if source_macs:  # the kernel leaves the nest out when the list is empty
            attrs.append(netlink.nested(IFLA_MACVLAN_MACADDR_DATA,
                                        *[netlink.mac(IFLA_MACVLAN_MACADDR, m) for m in source_macs]))
    return attrs


def macvlan(name='mv0', index=10, parent=PARENT_INDEX, mode='bridge', flags=0, source_macs=None,
            mac='02:00:5e:00:00:0a', **kwargs):
    return link(name, index, kind='macvlan', parent=parent, mac=mac,
                data=macvlan_data(mode, flags, source_macs), **kwargs)


def ipvlan_data(mode='l2', flags='bridge'):
    """IFLA_INFO_DATA of an ipvlan as ipvlan_nl_fillinfo() dumps it (the port's mode and flags, both u16);
    names or numbers, None leaves the attribute out."""
    attrs = []
    if mode is not None:
        attrs.append(netlink.u16(IFLA_IPVLAN_MODE, IPVLAN_MODE_VALUES.get(mode, mode)))
    if flags is not None:
        attrs.append(netlink.u16(IFLA_IPVLAN_FLAGS, IPVLAN_FLAG_VALUES.get(flags, flags)))
    return attrs


def ipvlan(name='ipv0', index=20, parent=PARENT_INDEX, mode='l2', flags='bridge', kind='ipvlan', **kwargs):
    """ipvlan ports share the parent's MAC (kind 'ipvtap' for the tap flavour, which shares the same port)."""
    return link(name, index, kind=kind, parent=parent, mac=PARENT_MAC, data=ipvlan_data(mode, flags), **kwargs)


def qos_nest(kind, entries):
    """IFLA_VLAN_INGRESS_QOS / EGRESS_QOS: one IFLA_VLAN_QOS_MAPPING (struct ifla_vlan_qos_mapping) per entry."""
    return netlink.nested(kind, *[netlink.attr(IFLA_VLAN_QOS_MAPPING, struct.pack('=II', key, target))
                                  for key, target in entries])


def vlan_data(vlan_id=10, protocol=ETH_P_8021Q, flags=VLAN_FLAG_REORDER_HDR, ingress=(), egress=()):
    """IFLA_INFO_DATA of a vlan as vlan_fill_info() dumps it: the protocol (be16), the id, the flags with an
    all-ones mask only when some are set, and a QoS nest only when it has entries (given as they are, 0 targets
    included: the kernel never dumps those, a test may). None leaves the id or protocol out."""
    attrs = []
    if protocol is not None:
        attrs.append(netlink.be16(IFLA_VLAN_PROTOCOL, protocol))
    if vlan_id is not None:
        attrs.append(netlink.u16(IFLA_VLAN_ID, vlan_id))
    if flags:
        attrs.append(netlink.attr(IFLA_VLAN_FLAGS, struct.pack('=II', flags, 0xffffffff)))
    if ingress:
        attrs.append(qos_nest(IFLA_VLAN_INGRESS_QOS, ingress))
    if egress:
        attrs.append(qos_nest(IFLA_VLAN_EGRESS_QOS, egress))
    return attrs


def vlan(name='eth0.10', index=30, parent=PARENT_INDEX, vlan_id=10, protocol=ETH_P_8021Q, flags=VLAN_FLAG_REORDER_HDR,
         ingress=(), egress=(), mac=PARENT_MAC, **kwargs):
    """A vlan takes its lower device's MAC unless given one."""
    return link(name, index, kind='vlan', parent=parent, mac=mac,
                data=vlan_data(vlan_id, protocol, flags, ingress, egress), **kwargs)


def address_body(index, cidr, scope=None, flags=0):
    """An RTM_NEWADDR body: IPv4 carries IFA_LOCAL and IFA_ADDRESS, IPv6 only IFA_ADDRESS (as the kernel does)."""
    interface = ipaddress.ip_interface(str(cidr))
    if scope is None:
        scope = RT_SCOPE_LINK if interface.version == 6 and interface.ip.is_link_local else RT_SCOPE_UNIVERSE
    family = socket.AF_INET if interface.version == 4 else socket.AF_INET6
    packed = interface.ip.packed
    attrs = netlink.attr(netlink.IFA_ADDRESS, packed)
    if interface.version == 4:
        attrs += netlink.attr(netlink.IFA_LOCAL, packed)
    return IFADDR.pack(family, interface.network.prefixlen, flags, scope, index) + attrs


def address(index, cidr, scope=None):
    """An address as _netlink.decode_address returns it."""
    return netlink.decode_address(address_body(index, cidr, scope))


def route_body(family, dst=None, dst_len=0, table=netlink.RT_TABLE_MAIN, proto=RTPROT_KERNEL, scope=RT_SCOPE_UNIVERSE,
               rtype=RTN_UNICAST, gateway=None, prefsrc=None, oif=None, priority=None):
    """An RTM_NEWROUTE body; tables above 255 only fit RTA_TABLE, as in the kernel."""
    attrs = [netlink.u32(netlink.RTA_TABLE, table)]
    for kind, value in ((netlink.RTA_DST, dst), (netlink.RTA_GATEWAY, gateway), (netlink.RTA_PREFSRC, prefsrc)):
        if value is not None:
            attrs.append(netlink.attr(kind, netlink.ip_bytes(value)))
    if oif is not None:
        attrs.append(netlink.u32(netlink.RTA_OIF, oif))
    if priority is not None:
        attrs.append(netlink.u32(netlink.RTA_PRIORITY, priority))
    return RTMSG.pack(family, dst_len, 0, 0, min(table, 252), proto, scope, rtype, 0) + b''.join(attrs)


def snapshot(links, addresses=(), netns=None, peer_nsids=None):
    return Snapshot(netns, list(links), list(addresses), peer_nsids)


def root_with_parent(*extra_links, **kwargs):
    """{None: Snapshot} of a root namespace with lo, eth0 and `extra_links`."""
    return {None: snapshot([loopback(), ethernet()] + list(extra_links), kwargs.get('addresses', ()))}


# ---------------------------------------------------------------- desired links

def link_spec(kind, name=None, parent='eth0', **params):
    """A LinkSpec built exactly as reconcile_link_module builds it for <kind>_link."""
    params = dict(params, name=name, parent=parent)
    state = params.get('state') or 'present'
    driver = KINDS[kind]
    options = driver.normalise(params) if state == 'present' else {}
    return build_spec(kind, params, options, default_name=driver.default_name(params))


def macvlan_spec(name='mv0', parent='eth0', **params):
    return link_spec('macvlan', name, parent, **params)


def ipvlan_spec(name='ipv0', parent='eth0', **params):
    return link_spec('ipvlan', name, parent, **params)


def vlan_spec(name=None, parent='eth0', vlan_id=10, **params):
    """name None: the module's default, <parent>.<vlan_id>."""
    return link_spec('vlan', name, parent, vlan_id=vlan_id, **params)


# ---------------------------------------------------------------- requests, read back as the kernel reads them

def _request_data(payload, fields):
    """The IFLA_INFO_DATA attributes named in `fields` ({word: (attribute, decoder)}) that a request carries."""
    attrs = netlink.parse_attrs(payload)
    return {word: decode(attrs[attribute]) for word, (attribute, decode) in fields.items() if attribute in attrs}


def macvlan_request_data(payload):
    """The IFLA_INFO_DATA of a macvlan request, in words: {'mode': 4, 'flags': 1, 'macaddr_mode': 3, 'source_macs': [...]}."""
    found = _request_data(payload, {'mode': (IFLA_MACVLAN_MODE, netlink.as_u32),
                                    'flags': (IFLA_MACVLAN_FLAGS, netlink.as_u16),
                                    'macaddr_mode': (IFLA_MACVLAN_MACADDR_MODE, netlink.as_u32)})
    attrs = netlink.parse_attrs(payload)
    if IFLA_MACVLAN_MACADDR_DATA in attrs:
        entries = netlink.parse_attrs(attrs[IFLA_MACVLAN_MACADDR_DATA])
        found['source_macs'] = [netlink.as_mac(m) for m in entries.get(('list', IFLA_MACVLAN_MACADDR), [])]
    return found


def ipvlan_request_data(payload):
    """The IFLA_INFO_DATA of an ipvlan request, in words: {'mode': 1, 'flags': 0}."""
    return _request_data(payload, {'mode': (IFLA_IPVLAN_MODE, netlink.as_u16), 'flags': (IFLA_IPVLAN_FLAGS, netlink.as_u16)})


def qos_entries(payload):
    """[(from, to)] of a QoS nest, in the order sent."""
    return [struct.unpack('=II', entry[:8]) for entry in netlink.parse_attrs(payload).get(('list', IFLA_VLAN_QOS_MAPPING), [])]


def vlan_request_data(payload):
    """The IFLA_INFO_DATA of a vlan request, in words:
    {'vlan_id': 10, 'protocol': 0x8100, 'flags': (flags, mask), 'ingress_qos': [(from, to)], 'egress_qos': [...]}."""
    attrs = netlink.parse_attrs(payload)
    found = {}
    if IFLA_VLAN_ID in attrs:
        found['vlan_id'] = netlink.as_u16(attrs[IFLA_VLAN_ID])
    if IFLA_VLAN_PROTOCOL in attrs:
        found['protocol'] = netlink.as_be16(attrs[IFLA_VLAN_PROTOCOL])
    if IFLA_VLAN_FLAGS in attrs:
        found['flags'] = struct.unpack('=II', attrs[IFLA_VLAN_FLAGS][:8])
    for key, kind in (('ingress_qos', IFLA_VLAN_INGRESS_QOS), ('egress_qos', IFLA_VLAN_EGRESS_QOS)):
        if kind in attrs:
            found[key] = qos_entries(attrs[kind])
    return found


REQUEST_DATA = {'macvlan': macvlan_request_data, 'ipvlan': ipvlan_request_data, 'vlan': vlan_request_data}


def read_link_request(body):
    """An RTM_NEWLINK/RTM_DELLINK body in words (only what it carries; 'up' only when IFF_UP is in the change mask)."""
    _family, _type, index, flags, change = IFINFO.unpack_from(body)
    attrs = netlink.parse_attrs(body, IFINFO.size)
    found = {'index': index} if index else {}
    if change & netlink.IFF_UP:
        found['up'] = bool(flags & netlink.IFF_UP)
    for key, kind, convert in (('name', netlink.IFLA_IFNAME, netlink.as_string),
                               ('parent_index', netlink.IFLA_LINK, netlink.as_u32),
                               ('mtu', netlink.IFLA_MTU, netlink.as_u32),
                               ('macaddress', netlink.IFLA_ADDRESS, netlink.as_mac),
                               ('netns_fd', netlink.IFLA_NET_NS_FD, netlink.as_u32)):
        if kind in attrs:
            found[key] = convert(attrs[kind])
    if netlink.IFLA_LINKINFO in attrs:
        info = netlink.parse_attrs(attrs[netlink.IFLA_LINKINFO])
        found['kind'] = netlink.as_string(info[netlink.IFLA_INFO_KIND])
        if netlink.IFLA_INFO_DATA in info:
            found['info_data'] = REQUEST_DATA.get(found['kind'], macvlan_request_data)(info[netlink.IFLA_INFO_DATA])
    return found


def read_address_request(body):
    family, prefixlen, _flags, _scope, index = IFADDR.unpack_from(body)
    attrs = netlink.parse_attrs(body, IFADDR.size)
    raw = attrs.get(netlink.IFA_LOCAL, attrs.get(netlink.IFA_ADDRESS))
    size = 4 if family == socket.AF_INET else 16
    return {'index': index, 'address': '%s/%d' % (ipaddress.ip_address(bytes(raw[:size])), prefixlen)}


def message(msg_type, flags, seq, payload):
    length = HEADER.size + len(payload)
    return HEADER.pack(length, msg_type, flags, seq, 0) + payload + b'\0' * ((4 - length % 4) % 4)


def ipvlan_port(item):
    """(mode, flags) numbers a decoded ipvlan/ipvtap reports for its port."""
    data = item['data']
    return (netlink.as_u16(data[IFLA_IPVLAN_MODE]) if IFLA_IPVLAN_MODE in data else 0,
            netlink.as_u16(data[IFLA_IPVLAN_FLAGS]) if IFLA_IPVLAN_FLAGS in data else 0)


def vlan_state(item):
    """A decoded vlan's driver state: {'vlan_id', 'protocol', 'flags', 'ingress': {from: to}, 'egress': {from: to}}."""
    data = item['data']
    return {
        'vlan_id': netlink.as_u16(data[IFLA_VLAN_ID]),
        'protocol': netlink.as_be16(data[IFLA_VLAN_PROTOCOL]) if IFLA_VLAN_PROTOCOL in data else ETH_P_8021Q,
        'flags': struct.unpack('=II', data[IFLA_VLAN_FLAGS][:8])[0] if IFLA_VLAN_FLAGS in data else 0,
        'ingress': dict(qos_entries(data[IFLA_VLAN_INGRESS_QOS])) if IFLA_VLAN_INGRESS_QOS in data else {},
        'egress': dict(qos_entries(data[IFLA_VLAN_EGRESS_QOS])) if IFLA_VLAN_EGRESS_QOS in data else {},
    }


def vlan_state_data(state):
    """vlan_state() back into what vlan_fill_info() dumps: ingress by priority, egress in hash-bucket order
    (skb priority & 0xf), 0 targets left out."""
    ingress = sorted((key, target) for key, target in state['ingress'].items() if target)
    egress = sorted(((key, target) for key, target in state['egress'].items() if target), key=lambda e: (e[0] & 0xf, e[0]))
    return vlan_data(state['vlan_id'], state['protocol'], state['flags'], ingress, egress)


def macvlan_mode(item):
    """The mode number of a decoded macvlan (vepa when the attribute is missing); None for other kinds."""
    if item['kind'] != 'macvlan':
        return None
    return netlink.as_u32(item['data'][IFLA_MACVLAN_MODE]) if IFLA_MACVLAN_MODE in item['data'] else 2


def eui64_link_local(mac):
    octets = bytearray(int(part, 16) for part in mac.split(':'))
    octets[0] ^= 0x02
    return '%s/64' % ipaddress.ip_address(b'\xfe\x80' + b'\0' * 6 + bytes(octets[:3]) + b'\xff\xfe' + bytes(octets[3:]))


class Refused(Exception):
    def __init__(self, code):
        super().__init__(code)
        self.code = code


# ---------------------------------------------------------------- a kernel in memory

class FakeKernel:
    """Namespaces of links and addresses that the real _netlink.Netlink reads and changes through FakeSocket.

    - `calls`: every change request as (netns, op, what it carried), op being the _netlink builder's name
      (new_link, set_link, move_link, del_link, add_address, del_address), refused ones included; an
      IFLA_NET_NS_FD is recorded as 'netns', the namespace that fd stood for;
    - `fail`: op, (op, link name) or (op, link name, address) -> errno, answered before anything else;
    - `ignore`: options the "driver" accepts and silently keeps its own value for ('mode', 'flags',
      'source_macs', 'qos', 'mtu', 'macaddress'; 'mode' and 'flags' for macvlan and ipvlan, 'flags' and
      'qos' for vlan, whose id and protocol the kernel always ignores on change);
    - `drivers`: the link kinds this kernel can create (others: EOPNOTSUPP, as without the module);
    - `promote_secondaries`: net.ipv4.conf.*.promote_secondaries (0, the kernel default, drops a
      subnet's secondary addresses with its primary);
    - `nsids`: (namespace, peer namespace) -> the id links in the first use for the second.
    """

    def __init__(self, namespaces, nsids=None):
        self.namespaces = {}
        for netns, (links, addrs) in namespaces.items():
            self.add_namespace(netns, links, addrs)
        self.nsids = dict(nsids or {})
        self.calls = []
        self.fail = {}
        self.ignore = set()
        self.drivers = {'macvlan', 'ipvlan', 'vlan'}
        self.promote_secondaries = False
        self.opened = []      # namespaces sockets were opened in, in order
        self.sockets = []
        self.fds = {}         # fd -> namespace, for IFLA_NET_NS_FD and RTM_GETNSID
        self.per_datagram = 2  # messages per dump datagram: dumps span several recv() calls
        self._next_index = 100

    def add_namespace(self, netns, links=(), addrs=()):
        self.namespaces[netns] = {'links': list(links), 'addresses': list(addrs), 'routes': []}

    # ---- what the tests patch into _netlink

    def patch(self, monkeypatch):
        monkeypatch.setattr(netlink, '_route_socket', self.route_socket)
        monkeypatch.setattr(netlink, 'list_namespaces', self.list_namespaces)
        monkeypatch.setattr(netlink, 'namespace_exists', lambda name: name is None or name in self.namespaces)
        monkeypatch.setattr(netlink, 'namespace_fd', self.namespace_fd)
        monkeypatch.setattr(netlink, 'create_namespace', lambda name: self.add_namespace(name, [link('lo', 1, up=False)]))
        monkeypatch.setattr(netlink, 'remove_namespace', self.namespaces.pop)

    def route_socket(self, netns=None):
        if netns not in self.namespaces:
            raise netlink.NetlinkError(errno.ENOENT, "namespace '%s' does not exist" % netns)
        self.opened.append(netns)
        sock = FakeSocket(self, netns)
        self.sockets.append(sock)
        return sock

    def socket(self, netns=None):
        """A real _netlink.Netlink on a FakeSocket (with patch() in place, netlink.Netlink(netns) is the same)."""
        original = netlink._route_socket  # pylint: disable=protected-access
        netlink._route_socket = self.route_socket  # pylint: disable=protected-access
        try:
            return netlink.Netlink(netns)
        finally:
            netlink._route_socket = original  # pylint: disable=protected-access

    def namespace_fd(self, netns):
        if netns not in self.namespaces:
            raise OSError(errno.ENOENT, os.strerror(errno.ENOENT), netns)
        fd = os.open(os.devnull, os.O_RDONLY)  # a real fd, so the engine's os.close() is honest
        self.fds[fd] = netns
        return fd

    def open_fds(self):
        """fds namespace_fd handed out that are still open."""
        still = []
        for fd in self.fds:
            try:
                os.fstat(fd)
            except OSError:
                continue
            still.append(fd)
        return still

    def list_namespaces(self):
        return sorted(ns for ns in self.namespaces if ns is not None)

    # ---- looking at the state

    def find(self, netns, name):
        for item in self.namespaces[netns]['links']:
            if item['name'] == name:
                return item
        return None

    def addresses_of(self, netns, name, link_local=False):
        """'ip/prefix' of a link, sorted; the kernel's own IPv6 link-local address only with link_local."""
        found = self.find(netns, name)
        texts = ['%s/%d' % (a['address'], a['prefixlen']) for a in self.namespaces[netns]['addresses']
                 if found is not None and a['index'] == found['index']]
        return sorted(t for t in texts if link_local or not (':' in t and ipaddress.ip_interface(str(t)).ip.is_link_local))

    def new_index(self):
        self._next_index += 1
        return self._next_index

    def nsid(self, netns, peer, allocate=False):
        if (netns, peer) not in self.nsids and allocate:
            used = {nsid for (where, _peer), nsid in self.nsids.items() if where == netns}
            self.nsids[(netns, peer)] = min(n for n in range(len(used) + 1) if n not in used)
        return self.nsids.get((netns, peer), -1)

    # ---- the kernel's side of a socket

    def receive(self, netns, msg_type, flags, seq, body):
        """One message from a socket in `netns`; returns the datagrams of the answer."""
        if not flags & netlink.NLM_F_REQUEST:
            return []
        dumps = {netlink.RTM_GETLINK: (netlink.RTM_NEWLINK, self._link_bodies),
                 netlink.RTM_GETADDR: (netlink.RTM_NEWADDR, self._address_bodies),
                 netlink.RTM_GETROUTE: (netlink.RTM_NEWROUTE, self._route_bodies)}
        if msg_type in dumps and flags & netlink.NLM_F_DUMP == netlink.NLM_F_DUMP:
            answer, bodies = dumps[msg_type]
            messages = [message(answer, netlink.NLM_F_MULTI, seq, b) for b in bodies(netns, body)]
            messages.append(message(netlink.NLMSG_DONE, netlink.NLM_F_MULTI, seq, struct.pack('=i', 0)))
            return [b''.join(messages[i:i + self.per_datagram]) for i in range(0, len(messages), self.per_datagram)]
        header = HEADER.pack(HEADER.size + len(body), msg_type, flags, seq, 0)
        try:
            if msg_type == netlink.RTM_GETNSID:
                return [message(RTM_NEWNSID, 0, seq, self._nsid_answer(netns, body))]
            if msg_type == netlink.RTM_GETLINK:
                return [message(netlink.RTM_NEWLINK, 0, seq, body_of(self._get_link(netns, body)))]
            self._change(netns, msg_type, flags, body)
        except Refused as exc:
            return [message(netlink.NLMSG_ERROR, 0, seq, struct.pack('=i', -exc.code) + header)]
        if flags & netlink.NLM_F_ACK:
            return [message(netlink.NLMSG_ERROR, 0, seq, struct.pack('=i', 0) + header)]
        return []

    def _link_bodies(self, netns, _body):
        return [body_of(item) for item in self.namespaces[netns]['links']]

    def _address_bodies(self, netns, _body):
        return [address_body(a['index'], '%s/%d' % (a['address'], a['prefixlen']), a['scope'])
                for a in self.namespaces[netns]['addresses']]

    def _route_bodies(self, netns, body):
        family = RTMSG.unpack_from(body)[0]
        return [r for r in self.namespaces[netns]['routes'] if family in (socket.AF_UNSPEC, RTMSG.unpack_from(r)[0])]

    def _nsid_answer(self, netns, body):
        attrs = netlink.parse_attrs(body, 4)
        fd = netlink.as_u32(attrs[netlink.NETNSA_FD])
        if fd not in self.fds or fd not in self.open_fds():
            raise Refused(errno.EBADF)
        return struct.pack('=Bxxx', socket.AF_UNSPEC) + s32(netlink.NETNSA_NSID, self.nsid(netns, self.fds[fd]))

    def _get_link(self, netns, body):
        """rtnl_getlink(): one link, by index or else by IFLA_IFNAME."""
        what = read_link_request(body)
        found = self._by_index(netns, what['index']) if 'index' in what else self.find(netns, what.get('name'))
        if found is None:
            raise Refused(errno.ENODEV)
        return found

    def _change(self, netns, msg_type, flags, body):
        if msg_type == netlink.RTM_NEWLINK and flags & netlink.NLM_F_CREATE:
            op, what = 'new_link', read_link_request(body)
            name = what.get('name')
        elif msg_type in (netlink.RTM_NEWLINK, netlink.RTM_DELLINK):
            what = read_link_request(body)
            op = 'del_link' if msg_type == netlink.RTM_DELLINK else 'move_link' if 'netns_fd' in what else 'set_link'
            name = (self._by_index(netns, what.get('index')) or {}).get('name')
        elif msg_type in (netlink.RTM_NEWADDR, netlink.RTM_DELADDR):
            op, what = 'add_address' if msg_type == netlink.RTM_NEWADDR else 'del_address', read_address_request(body)
            name = (self._by_index(netns, what['index']) or {}).get('name')
        else:
            raise Refused(errno.EOPNOTSUPP)
        if 'netns_fd' in what:  # recorded as the namespace it named then: fd numbers are reused
            fd = what.pop('netns_fd')
            what['netns'] = self.fds[fd] if fd in self.open_fds() else BAD_FD
        self.calls.append((netns, op, what))
        for key in ((op, name, what.get('address')), (op, name), op):
            if key in self.fail:
                raise Refused(self.fail[key])
        getattr(self, '_' + op)(netns, flags, what)

    # ---- links

    def _by_index(self, netns, index):
        for item in self.namespaces[netns]['links']:
            if item['index'] == index:
                return item
        return None

    def _ports_on(self, netns, parent):
        """Links anywhere whose lower device is `parent` of `netns`, with their namespace."""
        found = []
        for where, state in self.namespaces.items():
            for item in state['links']:
                if item['link'] != parent['index'] or item is parent:
                    continue
                if (item['link_netnsid'] is None and where == netns) or (
                        item['link_netnsid'] is not None and self.nsids.get((where, netns)) == item['link_netnsid']):
                    found.append((where, item))
        return found

    def _lower(self, netns, item):
        """(namespace, link) of the lower device of a link of `netns`."""
        if item['link_netnsid'] is None:
            return netns, self._by_index(netns, item['link'])
        for (where, peer), nsid in self.nsids.items():
            if where == netns and nsid == item['link_netnsid']:
                return peer, self._by_index(peer, item['link'])
        return None, None

    def _mac_busy(self, netns, item, mac):
        """macvlan_addr_busy(): the lower device's MAC, or that of another up port on it."""
        lower_netns, lower = self._lower(netns, item)
        if lower is None:
            return False
        if lower['macaddress'] == mac:
            return True
        return any(other['macaddress'] == mac and other['flags'] & netlink.IFF_UP and other is not item
                   for _where, other in self._ports_on(lower_netns, lower))

    def _rebuild(self, item, **changes):
        fields = dict(name=item['name'], index=item['index'], kind=item['kind'], flags=item['flags'], mtu=item['mtu'],
                      mac=item['macaddress'], parent=item['link'], link_netnsid=item['link_netnsid'],
                      master=item['master'], operstate=item['operstate'], data=data_attrs(item['data']))
        fields.update(changes)
        new = netlink.decode_link(link_body(**fields))
        item.clear()
        item.update(new)

    def _bring_up(self, netns, item):
        if item['kind'] == 'macvlan' and macvlan_mode(item) != MACVLAN_MODE_PASSTHRU and \
                self._mac_busy(netns, item, item['macaddress']):
            raise Refused(errno.EADDRINUSE)  # macvlan_open(); ipvlan ports share the lower device's MAC
        self._rebuild(item, flags=item['flags'] | netlink.IFF_UP, operstate=IF_OPER_UP)
        if item['name'] == 'lo':
            automatic = [('127.0.0.1/8', RT_SCOPE_HOST), ('::1/128', RT_SCOPE_HOST)]  # inetdev_event, addrconf
        elif item['macaddress']:
            automatic = [(eui64_link_local(item['macaddress']), RT_SCOPE_LINK)]  # addrconf, addr_gen_mode eui64
        else:
            automatic = []
        have = self.addresses_of(netns, item['name'], link_local=True)
        self.namespaces[netns]['addresses'].extend(address(item['index'], cidr, scope) for cidr, scope in automatic
                                                   if cidr not in have)

    def _macvlan_changes(self, item, request, creating):
        """The driver's newlink/changelink: the new IFLA_INFO_DATA, or Refused."""
        current = item['data'] if item else {}
        mode = macvlan_mode(item) if item else 2  # no IFLA_MACVLAN_MODE: vepa
        flags = netlink.as_u16(current[IFLA_MACVLAN_FLAGS]) if IFLA_MACVLAN_FLAGS in current else 0
        macs = [netlink.as_mac(m) for m in netlink.parse_attrs(current.get(IFLA_MACVLAN_MACADDR_DATA, b'')).get(
            ('list', IFLA_MACVLAN_MACADDR), [])]
        if 'mode' in request and 'mode' not in self.ignore:
            if not creating and (mode == MACVLAN_MODE_PASSTHRU) != (request['mode'] == MACVLAN_MODE_PASSTHRU):
                raise Refused(errno.EINVAL)
            mode = request['mode']
        if 'flags' in request and 'flags' not in self.ignore:
            flags = request['flags']
        if request.get('macaddr_mode') == MACVLAN_MACADDR_SET and 'source_macs' not in self.ignore:
            macs = list(request.get('source_macs', []))
        return macvlan_data(mode, flags, macs)

    def _ipvlan_siblings(self, netns, item):
        """Every ipvlan/ipvtap port on the lower device of `item` (itself included): they share one port."""
        lower_netns, lower = self._lower(netns, item)
        if lower is None:
            return [item]
        return [port for _where, port in self._ports_on(lower_netns, lower) if port['kind'] in ('ipvlan', 'ipvtap')]

    @staticmethod
    def _ipvlan_validate(request):
        if request.get('mode', 0) >= IPVLAN_MODE_MAX or \
                request.get('flags', 0) & (IPVLAN_F_PRIVATE | IPVLAN_F_VEPA) == IPVLAN_F_PRIVATE | IPVLAN_F_VEPA:
            raise Refused(errno.EINVAL)  # ipvlan_nl_validate()

    def _ipvlan_set_port(self, netns, item, request, creating):
        """ipvlan_link_new() / ipvlan_nl_changelink(): mode and flags go to the port, so every sibling shows them."""
        self._ipvlan_validate(request)
        mode, flags = ipvlan_port(item)
        if 'flags' in request and 'flags' not in self.ignore:
            flags = request['flags']
        if creating:
            mode = IPVLAN_MODE_L3  # "latest update overrides": a create without a mode puts the port in l3
        if 'mode' in request and 'mode' not in self.ignore:
            mode = request['mode']
        for port in self._ipvlan_siblings(netns, item):
            self._rebuild(port, data=ipvlan_data(mode, flags))

    def _vlan_changelink(self, item, request):
        """vlan_changelink(): flags under their mask, then QoS entries (to 0 clears one); id and protocol ignored."""
        state = vlan_state(item)
        if 'flags' in request:
            flags, mask = request['flags']
            if mask & ~VLAN_FLAGS_KNOWN:
                raise Refused(errno.EINVAL)  # vlan_dev_change_flags()
            if 'flags' not in self.ignore:
                state['flags'] = (state['flags'] & ~mask) | (flags & mask)
        if 'qos' not in self.ignore:
            for key, target in request.get('ingress_qos', []):
                state['ingress'][key & 0x7] = target  # vlan_dev_set_ingress_priority(dev, to, from)
            for key, target in request.get('egress_qos', []):
                state['egress'][key] = target & 0x7  # vlan_dev_set_egress_priority(dev, from, to)
        self._rebuild(item, data=vlan_state_data(state))

    def _check_new_macvlan(self, parent, ports, request):
        if parent['master'] or any(item['kind'] in ('ipvlan', 'ipvtap') for item in ports):
            raise Refused(errno.EBUSY)  # the parent's rx_handler is taken
        if any(macvlan_mode(item) == MACVLAN_MODE_PASSTHRU for item in ports) or (
                request.get('mode') == MACVLAN_MODE_PASSTHRU and ports):
            raise Refused(errno.EINVAL)  # a passthru port owns its lower device alone

    def _check_new_ipvlan(self, parent, ports, request):
        self._ipvlan_validate(request)
        if parent['master'] or any(item['kind'] in ('macvlan', 'macvtap') for item in ports):
            raise Refused(errno.EBUSY)  # netdev_is_rx_handler_busy()

    def _check_new_vlan(self, parent, ports, request):
        protocol = request.get('protocol', ETH_P_8021Q)
        if protocol not in (ETH_P_8021Q, ETH_P_8021AD):
            raise Refused(errno.EPROTONOSUPPORT)  # vlan_validate()
        if request.get('vlan_id', 0) >= VLAN_VID_MASK:
            raise Refused(errno.ERANGE)
        if 'vlan_id' not in request:
            raise Refused(errno.EINVAL)  # vlan_newlink(): "VLAN id not specified"
        if any(item['kind'] == 'vlan' and (vlan_state(item)['vlan_id'], vlan_state(item)['protocol']) == (
                request['vlan_id'], protocol) for item in ports):
            raise Refused(errno.EEXIST)  # vlan_check_real_dev(): "VLAN device already exists"

    def _new_link(self, netns, _flags, what):
        target = what.get('netns', netns)
        if target == BAD_FD:
            raise Refused(errno.EBADF)
        if len(what['name'].encode('utf-8')) >= IFNAMSIZ:
            raise Refused(errno.ERANGE)  # IFLA_IFNAME policy
        if self.find(target, what['name']) is not None:
            raise Refused(errno.EEXIST)
        kind = what.get('kind')
        if kind not in self.drivers:
            raise Refused(errno.EOPNOTSUPP)  # no such driver loaded
        parent = self._by_index(netns, what.get('parent_index'))
        if parent is None:
            raise Refused(errno.ENODEV)
        ports = [item for _where, item in self._ports_on(netns, parent)]
        request = what.get('info_data', {})
        getattr(self, '_check_new_' + kind)(parent, ports, request)
        mtu = what.get('mtu', parent['mtu'])
        if mtu > parent['mtu']:
            raise Refused(errno.EINVAL)
        index = self.new_index()
        if kind == 'macvlan' and request.get('mode') != MACVLAN_MODE_PASSTHRU:
            default_mac = '02:00:00:00:%02x:%02x' % (index // 256, index % 256)
        else:
            default_mac = parent['macaddress']  # passthru, ipvlan and vlan take their lower device's MAC
        if kind == 'ipvlan':
            mac = parent['macaddress']  # ipvlan_link_new() copies it over whatever IFLA_ADDRESS said
        else:
            mac = what.get('macaddress', default_mac)
        if kind == 'macvlan':
            data = self._macvlan_changes(None, request, True)
        elif kind == 'ipvlan':  # a new port starts at l3, bridge; an existing one keeps its flags
            siblings = [item for item in ports if item['kind'] in ('ipvlan', 'ipvtap')]
            data = ipvlan_data(*ipvlan_port(siblings[0])) if siblings else ipvlan_data('l3', 'bridge')
        else:
            data = vlan_data(request['vlan_id'], request.get('protocol', ETH_P_8021Q))  # flags: reorder_hdr
        created = link(what['name'], index, kind=kind, parent=parent['index'], up=False, mtu=mtu, mac=mac, data=data,
                       link_netnsid=self.nsid(target, netns, allocate=True) if target != netns else None)
        self.namespaces[target]['links'].append(created)
        try:
            if kind == 'ipvlan':
                self._ipvlan_set_port(target, created, request, True)
            elif kind == 'vlan':
                self._vlan_changelink(created, request)
            if what.get('up'):
                self._bring_up(target, created)
        except Refused:
            self.namespaces[target]['links'].remove(created)  # rtnl_newlink unregisters it again
            raise

    def _set_link(self, netns, _flags, what):
        item = self._by_index(netns, what.get('index'))
        if item is None:
            raise Refused(errno.ENODEV)
        # In the kernel's order, each step kept even when a later one fails: changelink, address, mtu, flags.
        if 'kind' in what:
            if what['kind'] != item['kind']:
                raise Refused(errno.EOPNOTSUPP)
            request = what.get('info_data', {})
            if item['kind'] == 'ipvlan':
                self._ipvlan_set_port(netns, item, request, False)
            elif item['kind'] == 'vlan':
                self._vlan_changelink(item, request)
            else:
                self._rebuild(item, data=self._macvlan_changes(item, request, False))
        if 'macaddress' in what and 'macaddress' not in self.ignore:
            if item['kind'] in ('ipvlan', 'ipvtap'):
                raise Refused(errno.EOPNOTSUPP)  # ipvlan has no ndo_set_mac_address
            if item['kind'] == 'macvlan' and item['flags'] & netlink.IFF_UP and \
                    self._mac_busy(netns, item, what['macaddress']):
                raise Refused(errno.EADDRINUSE)
            self._rebuild(item, mac=what['macaddress'])
        if 'mtu' in what and 'mtu' not in self.ignore:
            lower = self._lower(netns, item)[1]
            if lower is not None and what['mtu'] > lower['mtu']:
                raise Refused(errno.EINVAL)
            self._rebuild(item, mtu=what['mtu'])
        if what.get('up') is True and not item['flags'] & netlink.IFF_UP:
            self._bring_up(netns, item)
        elif what.get('up') is False:
            self._rebuild(item, flags=item['flags'] & ~netlink.IFF_UP, operstate=IF_OPER_DOWN)

    def _move_link(self, netns, _flags, what):
        """dev_change_net_namespace(): the link arrives down, without addresses, maybe under a new name."""
        item = self._by_index(netns, what.get('index'))
        if item is None:
            raise Refused(errno.ENODEV)
        target = what['netns']
        if target == BAD_FD:
            raise Refused(errno.EBADF)
        name = what.get('name', item['name'])
        if len(name.encode('utf-8')) >= IFNAMSIZ:
            raise Refused(errno.ERANGE)
        if self.find(target, name) is not None:
            raise Refused(errno.EEXIST)
        lower_netns, _lower = self._lower(netns, item)
        index = item['index'] if self._by_index(target, item['index']) is None else self.new_index()
        state = self.namespaces[netns]
        state['links'] = [i for i in state['links'] if i is not item]
        state['addresses'] = [a for a in state['addresses'] if a['index'] != item['index']]
        self._rebuild(item, name=name, index=index, flags=item['flags'] & ~netlink.IFF_UP, operstate=IF_OPER_DOWN,
                      link_netnsid=None if lower_netns == target else self.nsid(target, lower_netns, allocate=True))
        self.namespaces[target]['links'].append(item)
        rest = {key: value for key, value in what.items() if key not in ('index', 'netns', 'name')}
        if rest:  # do_setlink() moves first, then applies the rest in the new namespace
            rest['index'] = index
            self._set_link(target, _flags, rest)

    def _del_link(self, netns, _flags, what):
        item = self._by_index(netns, what.get('index'))
        if item is None:
            raise Refused(errno.ENODEV)
        doomed = [(netns, item)] + self._ports_on(netns, item)  # a lower device takes its macvlans with it
        for where, gone in doomed:
            state = self.namespaces[where]
            state['links'] = [i for i in state['links'] if i is not gone]
            state['addresses'] = [a for a in state['addresses'] if a['index'] != gone['index']]

    # ---- addresses

    def _add_address(self, netns, _flags, what):
        if self._by_index(netns, what['index']) is None:
            raise Refused(errno.ENODEV)
        new = ipaddress.ip_interface(str(what['address']))
        for item in self.namespaces[netns]['addresses']:
            have = ipaddress.ip_interface('%s/%d' % (item['address'], item['prefixlen']))
            # IPv4: the same address with the same prefix; IPv6: the same address.
            if item['index'] == what['index'] and have.ip == new.ip and (new.version == 6 or have == new):
                raise Refused(errno.EEXIST)
        self.namespaces[netns]['addresses'].append(address(what['index'], what['address']))

    def _del_address(self, netns, _flags, what):
        state = self.namespaces[netns]
        doomed = ipaddress.ip_interface(str(what['address']))

        def interface(item):
            return ipaddress.ip_interface('%s/%d' % (item['address'], item['prefixlen']))

        mine = [item for item in state['addresses'] if item['index'] == what['index']]
        target = [item for item in mine if interface(item) == doomed]
        if not target:
            raise Refused(errno.EADDRNOTAVAIL)
        gone = target
        same_subnet = [item for item in mine if interface(item).network == doomed.network]
        if doomed.version == 4 and same_subnet[0] is target[0] and not self.promote_secondaries:
            gone = same_subnet  # the primary goes, and its secondaries with it
        state['addresses'] = [item for item in state['addresses'] if not any(item is g for g in gone)]


class FakeSocket:
    """The kernel's end of one rtnetlink socket: send() hands whole messages over, recv() returns queued datagrams."""

    def __init__(self, kernel, netns):
        self.kernel = kernel
        self.netns = netns
        self.queued = []
        self.closed = False
        self.sent = 0

    def send(self, data):
        assert not self.closed
        length, msg_type, flags, seq, _pid = HEADER.unpack_from(data)
        assert length == len(data), 'nlmsghdr length %d for %d bytes' % (length, len(data))
        self.sent += 1
        self.queued.extend(self.kernel.receive(self.netns, msg_type, flags, seq, data[HEADER.size:]))
        return len(data)

    def recv(self, size):
        assert not self.closed
        assert self.queued, 'recv() with nothing to read: a real socket would block forever'
        datagram = self.queued.pop(0)
        assert len(datagram) <= size
        return datagram

    def close(self):
        self.closed = True


def calls_of(kernel, op):
    """The recorded change requests of one kind, as (netns, what it carried)."""
    return [(netns, what) for netns, name, what in kernel.calls if name == op]


def add_links(kernel, *links, **kwargs):
    """Put links (and, with addresses=, addresses) straight into a fake namespace."""
    netns = kwargs.get('netns')
    kernel.namespaces[netns]['links'].extend(links)
    kernel.namespaces[netns]['addresses'].extend(kwargs.get('addresses', ()))


def inet6_conf(values):
    """IFLA_AF_SPEC as the kernel sends it: AF_INET6 -> IFLA_INET6_CONF, an array of s32 by DEVCONF index."""
    array = [0] * 40
    for name, value in values.items():
        array[netlink.IPV6_CONF_INDEX[name]] = value
    conf = netlink.attr(netlink.IFLA_INET6_CONF, struct.pack('=%di' % len(array), *array))
    return netlink.nested(netlink.IFLA_AF_SPEC, netlink.nested(socket.AF_INET6, netlink.attr(1, b'\0' * 4), conf))


def with_ipv6_conf(item, **values):
    """A decoded link carrying IFLA_AF_SPEC with these net.ipv6.conf values (the rest 0)."""
    return dict(item, af_spec=netlink.parse_attrs(inet6_conf(values))[netlink.IFLA_AF_SPEC])
