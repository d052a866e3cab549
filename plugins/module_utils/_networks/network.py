# Copyright: (c) 2026, underlay.network contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""One network definition: each field parsed, how the fields fit together, every default made explicit.

normalise_network() takes a definition that coerce_network() has typed and checks what an argument
spec cannot say: interface names, CIDRs and addresses and how they sit inside each other, the modes
a host shim can reach containers in, the verify targets, the shim's name. Pure logic.
"""

from __future__ import annotations

import functools
import hashlib
import ipaddress
import re

from ansible_collections.underlay.network.plugins.module_utils._common.errors import ValidationError
from ansible_collections.underlay.network.plugins.module_utils._common.fields import (
    IFNAMSIZ, check_ifname, parse_network)
from ansible_collections.underlay.network.plugins.module_utils._common.vocabulary import (
    DEFAULT_MODES, ENGINE_NAMES, INHERIT_MODE, IPVLAN_MODES, NETWORK_MODES)
from ansible_collections.underlay.network.plugins.module_utils._networks.options import (
    SOURCES, SUBNET_FIELDS, NetworkError, coerce_network)


# macvlan modes in which the host's shim can never talk to the containers' ports
_MACVLAN_UNREACHABLE = {
    'private': 'private ports never talk to each other, so the shim could not reach the containers',
    'passthru': 'a passthru parent takes a single port, so the shim and the containers cannot share it',
    'source': 'source-mode ports only accept frames from listed MAC addresses',
}
# sources that cannot keep an address of the container range for the host (Docker can: --aux-address)
_RESERVES_NOTHING = {
    'podman': 'Podman cannot reserve an address of its range for the host (it has no auxiliary addresses)',
    'cni': 'CNI IPAM reserves nothing for the host (host-local and whereabouts hand out every address of a range)',
}
_SHIM_SUFFIX = '-shim'
_SAFE_NAME = re.compile(r'[^A-Za-z0-9_.-]')
_PLAIN_NAME = re.compile(r'^[A-Za-z0-9][A-Za-z0-9_.-]*$')  # Docker's rule for network names


@functools.lru_cache(maxsize=4096)  # each network's CIDRs are compared with every other network's
def parsed_cidr(text: str) -> ipaddress.IPv4Network | ipaddress.IPv6Network:
    """A CIDR of a normalised network (already checked) as an ip_network, parsed once."""
    return ipaddress.ip_network(str(text))


def _ifname(network, field, value, fix):
    if value in (None, '') or not value.strip():
        raise NetworkError(network, field, value, "%s is required: %s" % (field, fix))
    try:
        return check_ifname(field, value.strip())
    except ValidationError as exc:
        raise NetworkError(network, field, value, exc.message)


def _network(network, field, value):
    if value is None or value == '':
        return None
    try:
        return parse_network(field, value)
    except ValidationError as exc:
        raise NetworkError(network, field, value, exc.message)


def _address(network, field, value, subnet):
    """A bare host address inside `subnet` (a /32 or /128 prefix is accepted and dropped)."""
    if value is None or value == '':
        return None
    text = value.strip()
    try:
        interface = ipaddress.ip_interface(str(text))
    except ValueError:
        raise NetworkError(network, field, value, "%s '%s' is not an IP address; write it like 198.18.248.254 or "
                           "2001:db8::fe" % (field, value))
    ip = interface.ip
    if '/' in text and interface.network.prefixlen != interface.max_prefixlen:
        raise NetworkError(network, field, value, "%s '%s' has a prefix; give the bare address %s (subnet %s "
                           "already says how long the prefix is)" % (field, value, ip, subnet))
    if ip.version != subnet.version:
        raise NetworkError(network, field, value, "%s %s is IPv%d but subnet %s is IPv%d; give an address of "
                           "the subnet's family" % (field, ip, ip.version, subnet, subnet.version))
    if ip not in subnet:
        raise NetworkError(network, field, value, "%s %s is outside subnet %s; give an address inside it"
                           % (field, ip, subnet))
    if subnet.num_addresses > 2 and ip == subnet.network_address:
        raise NetworkError(network, field, value, "%s %s is the network address of subnet %s; give a host "
                           "address" % (field, ip, subnet))
    if subnet.version == 4 and subnet.num_addresses > 2 and ip == subnet.broadcast_address:
        raise NetworkError(network, field, value, "%s %s is the broadcast address of subnet %s; give a host "
                           "address" % (field, ip, subnet))
    return ip


def default_shim_name(name: str) -> str:
    """`<name>-shim` when it fits the kernel's 15 bytes, else a truncated name plus a short hash.

    The hash keeps two long names that share a prefix apart: 'production-a' and 'production-b'
    become 'produ-3f1c-shim' and 'produ-9b07-shim'.
    """
    safe = _SAFE_NAME.sub('-', name)
    if _PLAIN_NAME.match(name) and len(name) + len(_SHIM_SUFFIX) <= IFNAMSIZ:
        return name + _SHIM_SUFFIX
    digest = hashlib.sha1(name.encode('utf-8')).hexdigest()
    prefix = safe.strip('-.')[:IFNAMSIZ - len(_SHIM_SUFFIX) - 5]
    if not prefix:
        return 'ul' + digest[:8] + _SHIM_SUFFIX
    return '%s-%s%s' % (prefix, digest[:4], _SHIM_SUFFIX)


def _raw_subnets(name, raw):
    """The definition's subnets as a list: `subnets`, or the single-subnet fields as the one-subnet case."""
    single = [field for field in SUBNET_FIELDS if raw.get(field) not in (None, '')]
    if raw.get('subnets'):
        if single:
            raise NetworkError(name, single[0], raw[single[0]], "%s is given beside subnets; give each subnet's "
                               "fields inside subnets, or use the single-subnet fields without subnets" % single[0])
        return raw['subnets']
    return [{field: raw.get(field) for field in SUBNET_FIELDS}]


def vlan_link_name(parent: str, vlan_id: int) -> str:
    """The name of the VLAN sub-interface a network with `vlan_id` sits on: <parent>.<id>, as ip and networkd name it."""
    return '%s.%d' % (parent, vlan_id)


def _subnet(name, raw, reserved, source, where):
    """One subnet of a network: {subnet, gateway, ip_range, shim_address} validated against each other."""
    def field(key):
        return where + key
    if raw.get('subnet') in (None, ''):
        raise NetworkError(name, field('subnet'), raw.get('subnet'), "subnet is required: give the network's CIDR, "
                           "for example 198.18.240.0/20 (Docker's --subnet)")
    subnet = _network(name, field('subnet'), raw['subnet'])
    if subnet.prefixlen > subnet.max_prefixlen - 3:
        raise NetworkError(name, field('subnet'), raw['subnet'], "subnet %s is too small for a gateway, a shim and "
                           "containers; give a /%d or larger" % (subnet, subnet.max_prefixlen - 3))
    gateway = _address(name, field('gateway'), raw.get('gateway'), subnet)
    if raw.get('ip_range') in (None, ''):
        raise NetworkError(name, field('ip_range'), raw.get('ip_range'), "ip_range is required: give the containers' "
                           "range inside subnet %s (Docker's --ip-range); the host routes it through its shim" % subnet)
    ip_range = _network(name, field('ip_range'), raw['ip_range'])
    if ip_range.version != subnet.version or not ip_range.subnet_of(subnet):
        raise NetworkError(name, field('ip_range'), raw['ip_range'], "ip_range %s is not inside subnet %s; give the "
                           "containers' part of the subnet" % (ip_range, subnet))
    if gateway is not None and gateway in ip_range:
        # an engine network made by hand without a gateway got the first address of its range as one
        made_so = (" (%s gives a network made without --gateway the first address of --ip-range: make it again "
                   "with --gateway outside --ip-range)" % ENGINE_NAMES[source]) if source in ENGINE_NAMES else ''
        raise NetworkError(name, field('ip_range'), raw['ip_range'], "ip_range %s contains the gateway %s; the host "
                           "would route its gateway through the shim. Narrow ip_range so it leaves out the gateway%s"
                           % (ip_range, gateway, made_so))
    if raw.get('shim_address') in (None, ''):
        raise NetworkError(name, field('shim_address'), raw.get('shim_address'), "shim_address is required: give "
                           "the host's own address on this network, inside subnet %s and outside ip_range %s (with "
                           "Docker, reserve it as --aux-address host=<address>)" % (subnet, ip_range))
    shim_address = _address(name, field('shim_address'), raw['shim_address'], subnet)
    if gateway is not None and shim_address == gateway:
        raise NetworkError(name, field('shim_address'), raw['shim_address'], "shim_address %s is the gateway; give "
                           "the host its own, unused address in subnet %s" % (shim_address, subnet))
    if shim_address in ip_range and source in _RESERVES_NOTHING:
        raise NetworkError(name, field('shim_address'), raw['shim_address'], "shim_address %s is inside ip_range %s, "
                           "and %s, so a container may get it too. Move shim_address out of ip_range, or shrink "
                           "ip_range so that it leaves the address out" % (shim_address, ip_range,
                                                                           _RESERVES_NOTHING[source]))
    if shim_address in ip_range and not reserved and source != 'docker':
        raise NetworkError(name, field('shim_address'), raw['shim_address'], "shim_address %s is inside ip_range %s, "
                           "where containers get their addresses; move it outside ip_range, or, when it is "
                           "reserved from container allocation (Docker: --aux-address host=%s), set "
                           "shim_address_reserved: true" % (shim_address, ip_range, shim_address))
    if shim_address in (ip_range.network_address, ip_range.broadcast_address) and ip_range.num_addresses > 2:
        raise NetworkError(name, field('shim_address'), raw['shim_address'], "shim_address %s is the %s address of "
                           "ip_range %s; give a host address" % (
                               shim_address, 'first' if shim_address == ip_range.network_address else 'last',
                               ip_range))
    return {'subnet': str(subnet), 'gateway': str(gateway) if gateway is not None else None,
            'ip_range': str(ip_range), 'shim_address': str(shim_address)}


def normalise_network(raw, index: int = 0) -> dict:
    """One network definition -> a dict with every field explicit, or NetworkError.

    Types come from NETWORK_OPTIONS (coerce_network); what is checked here is how the fields fit
    together. `subnets` lists every subnet; `subnet`, `gateway`, `ip_range` and `shim_address` repeat
    the first one's, for the one-subnet case.
    """
    raw = coerce_network(raw, index)
    name = raw['name']
    driver = raw['driver']
    sources = _sources(name, raw)
    parent = _ifname(name, 'parent', raw.get('parent'), "give the host NIC the containers sit on, for example eth0")
    vlan_id = raw.get('vlan_id')
    if vlan_id is not None:
        if not 1 <= vlan_id <= 4094:
            raise NetworkError(name, 'vlan_id', vlan_id, "vlan_id %d is out of range; give a VLAN id from 1 to 4094, "
                               "or leave it out for an untagged network" % vlan_id)
        link_parent = vlan_link_name(parent, vlan_id)
        if len(link_parent.encode('utf-8')) > IFNAMSIZ:
            raise NetworkError(name, 'vlan_id', vlan_id, "the VLAN sub-interface name '%s' would be %d bytes, more "
                               "than the kernel's %d; create the VLAN sub-interface under a shorter name "
                               "(underlay.network.vlan_link) and give that as parent without vlan_id"
                               % (link_parent, len(link_parent.encode('utf-8')), IFNAMSIZ))
    else:
        link_parent = parent

    source = next((key for key in SOURCES if sources[key]), None)
    reserved = raw['shim_address_reserved']
    if reserved and source in _RESERVES_NOTHING:
        raise NetworkError(name, 'shim_address_reserved', reserved, "shim_address_reserved is true, but %s; move "
                           "shim_address out of ip_range and leave shim_address_reserved out" % _RESERVES_NOTHING[source])
    raw_subnets = _raw_subnets(name, raw)
    prefix = len(raw_subnets) > 1 or bool(raw.get('subnets'))
    subnets = [_subnet(name, item, reserved, source, 'subnets[%d].' % i if prefix else '')
               for i, item in enumerate(raw_subnets)]
    _subnets_fit(name, subnets, prefix)

    shim_name = raw.get('shim_name')
    if shim_name in (None, ''):
        shim_name = default_shim_name(name)
    else:
        shim_name = _ifname(name, 'shim_name', shim_name, 'give the shim link a name')
    if shim_name in (parent, link_parent):
        raise NetworkError(name, 'shim_name', shim_name, "shim_name '%s' is the name of the parent; give the shim "
                           "its own name" % shim_name)
    mode = _mode(name, driver, raw.get('mode'))
    metric = raw['metric']
    if not 0 <= metric <= 4294967295:
        raise NetworkError(name, 'metric', metric, "metric %d is out of range; give a route metric from 0 to "
                           "4294967295" % metric)
    verify = []
    for target in raw['verify_targets']:
        verify.append(_target(name, target, subnets))
    # Reserved matters only for a shim address inside a container range, where validation asked for it (or a
    # Docker network, whose aux address 'host' reserves it); outside, it says nothing. One value either way,
    # so that a definition completed from Docker normalises like the one that created the network.
    reserved = any(_inside(item['shim_address'], item['ip_range']) for item in subnets)

    first = subnets[0]
    return {
        'name': name, 'driver': driver, 'parent': parent, 'vlan_id': vlan_id, 'link_parent': link_parent,
        'subnet': first['subnet'], 'gateway': first['gateway'], 'ip_range': first['ip_range'],
        'shim_address': first['shim_address'], 'subnets': subnets, 'shim_address_reserved': reserved,
        'shim_name': shim_name, 'mode': mode, 'metric': metric, 'verify_targets': sorted(set(verify), key=verify.index),
        'docker': sources['docker'], 'podman': sources['podman'], 'cni': sources['cni'],
    }


def _inside(address, network):
    return ipaddress.ip_address(str(address)) in ipaddress.ip_network(str(network))


def _subnets_fit(name, subnets, prefixed):
    for i, item in enumerate(subnets):
        for j, other in enumerate(subnets[:i]):
            if parsed_cidr(item['subnet']).overlaps(parsed_cidr(other['subnet'])):
                raise NetworkError(name, 'subnets[%d].subnet' % i if prefixed else 'subnet', item['subnet'],
                                   "subnet %s overlaps subnet %s of the same network (subnets[%d]); give each subnet "
                                   "its own range" % (item['subnet'], other['subnet'], j))


def _target(name, target, subnets):
    """A verify target: an address inside one of the network's subnets, not the host's own."""
    try:
        ip = ipaddress.ip_address(str(target.strip()))
    except ValueError:
        raise NetworkError(name, 'verify_targets', target, "verify_targets: '%s' is not an IP address; list the "
                           "gateway or containers, like 198.18.248.10" % target)
    inside = [item for item in subnets if ip in parsed_cidr(item['subnet'])]
    if not inside:
        raise NetworkError(name, 'verify_targets', target, "verify_targets: %s is outside the network's subnets "
                           "(%s); list addresses on this network" % (ip, ', '.join(i['subnet'] for i in subnets)))
    if str(ip) in [item['shim_address'] for item in subnets]:
        raise NetworkError(name, 'verify_targets', target, "verify_targets lists %s, the host's own shim "
                           "address; list the gateway or containers instead" % ip)
    return str(ip)


def _mode(name, driver, mode):
    if mode in (None, ''):
        return DEFAULT_MODES['macvlan'] if driver == 'macvlan' else None  # ipvlan: inherit the parent's mode
    if driver == 'macvlan':
        if mode in _MACVLAN_UNREACHABLE:
            raise NetworkError(name, 'mode', mode, "mode '%s' cannot work with a host shim: %s; use bridge (the "
                               "default)" % (mode, _MACVLAN_UNREACHABLE[mode]))
        if mode not in NETWORK_MODES['macvlan']:
            raise NetworkError(name, 'mode', mode, "mode '%s' is not a macvlan mode; use bridge (the default) or "
                               "vepa" % (mode,))
        return mode
    if mode == INHERIT_MODE:
        return None
    if mode not in IPVLAN_MODES:
        raise NetworkError(name, 'mode', mode, "mode '%s' is not an ipvlan mode; use l2, l3 or l3s, or leave it "
                           "out to inherit the parent's" % (mode,))
    return mode


def _engine_options(name, engine, given):
    """None (not a network of that engine) or {'name': the engine's network name, 'create': bool}."""
    if given is None:
        return None
    engine_name = given.get('name') or name
    if not _PLAIN_NAME.match(engine_name):
        raise NetworkError(name, engine, engine_name, "%s: name '%s' is not a %s network name; use letters, digits, "
                           "'_', '.' and '-', starting with a letter or digit"
                           % (engine, engine_name, ENGINE_NAMES[engine]))
    return {'name': engine_name, 'create': given.get('create', True)}


def _cni_options(name, given):
    """None, or {'file': path} / {'config': ...}: exactly one of the two."""
    if given is None:
        return None
    named = [key for key in ('file', 'config') if given.get(key) not in (None, '')]
    if len(named) != 1:
        raise NetworkError(name, 'cni', given, "cni: give exactly one of file (a .conflist or .conf on the host, "
                           "such as /etc/cni/net.d/10-macvlan.conflist) or config (the CNI configuration itself, as "
                           "a NetworkAttachmentDefinition's spec.config holds it)")
    if named == ['file'] and not str(given['file']).startswith('/'):
        raise NetworkError(name, 'cni', given['file'], "cni.file '%s' is not an absolute path; give the file's full "
                           "path on the host, such as /etc/cni/net.d/%s" % (given['file'], given['file']))
    return {named[0]: given[named[0]]}


def _sources(name, raw):
    """The definition's source (docker, podman or cni): at most one, since each owns the network's addresses."""
    given = [key for key in SOURCES if raw.get(key) is not None]
    if len(given) > 1:
        raise NetworkError(name, given[1], raw[given[1]], "%s and %s are both given; a network comes from one "
                           "source (its container engine or its CNI configuration): keep one of them"
                           % tuple(given[:2]))
    return {'docker': _engine_options(name, 'docker', raw.get('docker')),
            'podman': _engine_options(name, 'podman', raw.get('podman')),
            'cni': _cni_options(name, raw.get('cni'))}
