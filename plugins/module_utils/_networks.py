# -*- coding: utf-8 -*-
# Copyright: (c) 2026, underlay.network contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Underlay network definitions: validated, normalised, and what they need from the host.

A network is what `docker network create -d macvlan|ipvlan` takes (subnet, gateway, ip range,
parent, VLAN) plus the host's side of it (the shim). `normalise_networks()` checks every field
and every pair of networks before anything touches a host, makes every default explicit and
derives the VLAN sub-interfaces, the host shims and the kernel drivers the list needs. Pure
logic: no socket, no pyroute2.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import hashlib
import ipaddress
import re

from ansible_collections.underlay.network.plugins.module_utils._errors import ValidationError
from ansible_collections.underlay.network.plugins.module_utils._spec import (
    IFNAMSIZ, check_ifname, parse_network)
from ansible_collections.underlay.network.plugins.module_utils._vocabulary import (
    IPVLAN_MODES, KERNEL_MODULES, NETWORK_DRIVERS, NETWORK_MODES)

DRIVERS = NETWORK_DRIVERS
# macvlan modes in which the host's shim can never talk to the containers' ports
_MACVLAN_UNREACHABLE = {
    'private': 'private ports never talk to each other, so the shim could not reach the containers',
    'passthru': 'a passthru parent takes a single port, so the shim and the containers cannot share it',
    'source': 'source-mode ports only accept frames from listed MAC addresses',
}
FIELDS = ('name', 'driver', 'parent', 'vlan_id', 'subnet', 'gateway', 'ip_range', 'shim_address',
          'shim_address_reserved', 'shim_name', 'mode', 'metric', 'verify_targets', 'docker')
_SHIM_SUFFIX = '-shim'
_SAFE_NAME = re.compile(r'[^A-Za-z0-9_.-]')
_PLAIN_NAME = re.compile(r'^[A-Za-z0-9][A-Za-z0-9_.-]*$')  # Docker's rule for network names


class NetworkError(ValidationError):
    """A network definition is wrong: names the network, the field, the value and the fix."""

    def __init__(self, network, field, value, message):
        where = "network '%s'" % network if isinstance(network, str) else 'networks[%s]' % network
        super(NetworkError, self).__init__('%s: %s' % (where, message), field=field, value=value)
        self.network = network


# ---------------------------------------------------------------- single fields

def _integer(network, field, value, low, high, fix):
    if isinstance(value, bool):
        raise NetworkError(network, field, value, "%s %r is a boolean; %s" % (field, value, fix))
    if isinstance(value, str) and re.match(r'^\s*\d+\s*$', value):
        value = int(value)
    if not isinstance(value, int):
        raise NetworkError(network, field, value, "%s '%s' is not a whole number; %s" % (field, value, fix))
    if not low <= value <= high:
        raise NetworkError(network, field, value, "%s %d is out of range; %s" % (field, value, fix))
    return value


def _text(network, field, value, fix):
    if not isinstance(value, str) or not value.strip():
        raise NetworkError(network, field, value, "%s %s; %s" % (
            field, 'is required' if value in (None, '') else "'%s' is not a string" % (value,), fix))
    return value.strip()


def _ifname(network, field, value):
    try:
        return check_ifname(field, value)
    except ValidationError as exc:
        raise NetworkError(network, field, value, exc.message)


def _network(network, field, value):
    if value is None or value == '':
        return None
    try:
        return parse_network(field, value if isinstance(value, str) else str(value))
    except ValidationError as exc:
        raise NetworkError(network, field, value, exc.message)


def _address(network, field, value, subnet):
    """A bare host address inside `subnet` (a /32 or /128 prefix is accepted and dropped)."""
    if value is None or value == '':
        return None
    text = value.strip() if isinstance(value, str) else str(value)
    try:
        interface = ipaddress.ip_interface(u'%s' % text)
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


def default_shim_name(name):
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


# ---------------------------------------------------------------- one network

def normalise_network(raw, index=0):
    """One network definition -> a dict with every field explicit (see FIELDS), or NetworkError."""
    if not isinstance(raw, dict):
        raise NetworkError(index, None, raw, "each network must be a dictionary with name, parent, subnet, "
                           "ip_range and shim_address, not %r" % (raw,))
    name = raw.get('name')
    if not isinstance(name, str) or not name.strip():
        raise NetworkError(index, 'name', name, "name is required: give each network a unique name (for example "
                           "the Docker network's name)")
    name = name.strip()
    unknown = sorted(key for key in raw if key not in FIELDS)
    if unknown:
        hints = []
        for key in unknown:
            close = [field for field in FIELDS if field.replace('_', '') == str(key).replace('_', '').replace('-', '').lower()]
            hints.append("'%s'%s" % (key, " (did you mean '%s'?)" % close[0] if close else ''))
        raise NetworkError(name, unknown[0], raw[unknown[0]], "unknown field%s %s; the fields are %s"
                           % ('s' if len(unknown) > 1 else '', ', '.join(hints), ', '.join(FIELDS)))

    driver = raw.get('driver') or 'macvlan'
    if driver not in DRIVERS:
        raise NetworkError(name, 'driver', driver, "driver '%s' is not supported; use macvlan or ipvlan" % (driver,))
    parent = _ifname(name, 'parent', _text(name, 'parent', raw.get('parent'),
                                           "give the host NIC the containers sit on, for example eth0"))
    vlan_id = raw.get('vlan_id')
    if vlan_id is not None and vlan_id != '':
        vlan_id = _integer(name, 'vlan_id', vlan_id, 1, 4094, 'give a VLAN id from 1 to 4094, or leave it out for '
                           'an untagged network')
        link_parent = '%s.%d' % (parent, vlan_id)
        if len(link_parent.encode('utf-8')) > IFNAMSIZ:
            raise NetworkError(name, 'vlan_id', vlan_id, "the VLAN sub-interface name '%s' would be %d bytes, more "
                               "than the kernel's %d; create the VLAN sub-interface under a shorter name "
                               "(underlay.network.vlan_link) and give that as parent without vlan_id"
                               % (link_parent, len(link_parent.encode('utf-8')), IFNAMSIZ))
    else:
        vlan_id = None
        link_parent = parent

    if raw.get('subnet') in (None, ''):
        raise NetworkError(name, 'subnet', raw.get('subnet'), "subnet is required: give the network's CIDR, for "
                           "example 198.18.240.0/20 (Docker's --subnet)")
    subnet = _network(name, 'subnet', raw.get('subnet'))
    if subnet.prefixlen > subnet.max_prefixlen - 3:
        raise NetworkError(name, 'subnet', raw.get('subnet'), "subnet %s is too small for a gateway, a shim and "
                           "containers; give a /%d or larger" % (subnet, subnet.max_prefixlen - 3))
    gateway = _address(name, 'gateway', raw.get('gateway'), subnet)

    if raw.get('ip_range') in (None, ''):
        raise NetworkError(name, 'ip_range', raw.get('ip_range'), "ip_range is required: give the containers' "
                           "range inside subnet %s (Docker's --ip-range); the host routes it through its shim"
                           % subnet)
    ip_range = _network(name, 'ip_range', raw.get('ip_range'))
    if ip_range.version != subnet.version or not ip_range.subnet_of(subnet):
        raise NetworkError(name, 'ip_range', raw.get('ip_range'), "ip_range %s is not inside subnet %s; give the "
                           "containers' part of the subnet" % (ip_range, subnet))
    if gateway is not None and gateway in ip_range:
        raise NetworkError(name, 'ip_range', raw.get('ip_range'), "ip_range %s contains the gateway %s; the host "
                           "would route its gateway through the shim. Narrow ip_range so it leaves out the gateway"
                           % (ip_range, gateway))

    if raw.get('shim_address') in (None, ''):
        raise NetworkError(name, 'shim_address', raw.get('shim_address'), "shim_address is required: give the "
                           "host's own address on this network, inside subnet %s and outside ip_range %s (with "
                           "Docker, reserve it as --aux-address host=<address>)" % (subnet, ip_range))
    shim_address = _address(name, 'shim_address', raw.get('shim_address'), subnet)
    reserved = raw.get('shim_address_reserved', False)
    if not isinstance(reserved, bool):
        raise NetworkError(name, 'shim_address_reserved', reserved, "shim_address_reserved %r is not a boolean; "
                           "give true or false" % (reserved,))
    if gateway is not None and shim_address == gateway:
        raise NetworkError(name, 'shim_address', raw.get('shim_address'), "shim_address %s is the gateway; give "
                           "the host its own, unused address in subnet %s" % (shim_address, subnet))
    docker = _docker_options(name, raw.get('docker'))
    if shim_address in ip_range and not reserved and not docker:
        raise NetworkError(name, 'shim_address', raw.get('shim_address'), "shim_address %s is inside ip_range %s, "
                           "where containers get their addresses; move it outside ip_range, or, when it is "
                           "reserved from container allocation (Docker: --aux-address host=%s, as in seed 000), set "
                           "shim_address_reserved: true" % (shim_address, ip_range, shim_address))
    if shim_address in (ip_range.network_address, ip_range.broadcast_address) and ip_range.num_addresses > 2:
        raise NetworkError(name, 'shim_address', raw.get('shim_address'), "shim_address %s is the %s address of "
                           "ip_range %s; give a host address" % (
                               shim_address, 'first' if shim_address == ip_range.network_address else 'last',
                               ip_range))

    shim_name = raw.get('shim_name')
    if shim_name in (None, ''):
        shim_name = default_shim_name(name)
    else:
        shim_name = _ifname(name, 'shim_name', _text(name, 'shim_name', shim_name, 'give the shim link a name'))
    if shim_name in (parent, link_parent):
        raise NetworkError(name, 'shim_name', shim_name, "shim_name '%s' is the name of the parent; give the shim "
                           "its own name" % shim_name)

    mode = _mode(name, driver, raw.get('mode'))
    metric = raw.get('metric')
    metric = 0 if metric in (None, '') else _integer(name, 'metric', metric, 0, 4294967295,
                                                     'give a route metric from 0 to 4294967295')
    targets = raw.get('verify_targets')
    if targets in (None, ''):
        targets = []
    if not isinstance(targets, list):
        raise NetworkError(name, 'verify_targets', targets, "verify_targets must be a list of addresses (the "
                           "gateway, a container or two), not %r" % (targets,))
    verify = []
    for target in targets:
        ip = _address(name, 'verify_targets', target, subnet)
        if ip == shim_address:
            raise NetworkError(name, 'verify_targets', target, "verify_targets lists %s, the host's own shim "
                               "address; list the gateway or containers instead" % ip)
        if str(ip) not in verify:
            verify.append(str(ip))
    if docker and shim_address in ip_range:
        reserved = True  # the role reserves it as the Docker network's aux address 'host'

    return {
        'name': name, 'driver': driver, 'parent': parent, 'vlan_id': vlan_id, 'link_parent': link_parent,
        'subnet': str(subnet), 'gateway': str(gateway) if gateway is not None else None,
        'ip_range': str(ip_range), 'shim_address': str(shim_address), 'shim_address_reserved': reserved,
        'shim_name': shim_name, 'mode': mode, 'metric': metric, 'verify_targets': verify, 'docker': docker,
    }


def _mode(name, driver, mode):
    if mode in (None, ''):
        return 'bridge' if driver == 'macvlan' else None  # ipvlan: inherit the parent's mode
    if driver == 'macvlan':
        if mode in _MACVLAN_UNREACHABLE:
            raise NetworkError(name, 'mode', mode, "mode '%s' cannot work with a host shim: %s; use bridge (the "
                               "default)" % (mode, _MACVLAN_UNREACHABLE[mode]))
        if mode not in NETWORK_MODES['macvlan']:
            raise NetworkError(name, 'mode', mode, "mode '%s' is not a macvlan mode; use bridge (the default) or "
                               "vepa" % (mode,))
        return mode
    if mode == 'inherit':
        return None
    if mode not in IPVLAN_MODES:
        raise NetworkError(name, 'mode', mode, "mode '%s' is not an ipvlan mode; use l2, l3 or l3s, or leave it "
                           "out to inherit the parent's" % (mode,))
    return mode


# ---------------------------------------------------------------- Docker networks

DOCKER_FIELDS = ('name', 'create')
# the aux address Docker keeps for the host's shim (seed 000: --aux-address 'host=...')
DOCKER_AUX_NAME = 'host'


def _docker_options(name, docker):
    """None (not a Docker network) or {'name': Docker's network name, 'create': bool}."""
    if docker is None or docker is False:
        return None
    if docker is True:
        docker = {}
    if not isinstance(docker, dict):
        raise NetworkError(name, 'docker', docker, "docker must be a dictionary (name: the Docker network's name, "
                           "default the network's; create: false to only use a network made elsewhere), not %r"
                           % (docker,))
    unknown = sorted(key for key in docker if key not in DOCKER_FIELDS)
    if unknown:
        raise NetworkError(name, 'docker', docker, "docker: unknown key%s %s; the keys are name and create" % (
            's' if len(unknown) > 1 else '', ', '.join("'%s'" % key for key in unknown)))
    docker_name = docker.get('name') or name
    if not isinstance(docker_name, str) or not _PLAIN_NAME.match(docker_name):
        raise NetworkError(name, 'docker', docker_name, "docker: name '%s' is not a Docker network name; use "
                           "letters, digits, '_', '.' and '-', starting with a letter or digit" % (docker_name,))
    create = docker.get('create', True)
    if not isinstance(create, bool):
        raise NetworkError(name, 'docker', create, "docker: create %r is not a boolean; give true or false"
                           % (create,))
    return {'name': docker_name, 'create': create}


def one_per_parent_message(name, parent, others):
    """Docker's one-network-per-parent rule, explained with the VLAN way out (validation and docker_network)."""
    return ("Docker takes one macvlan or ipvlan network per parent interface, and network%s %s already use%s "
            "'%s' (Docker's words: 'network ... is already using parent interface %s'). Put network '%s' on a VLAN of "
            "its own instead: vlan_id: 10 makes its parent %s.10, as in seed 000; or give it another NIC"
            % ('s' if len(others) > 1 else '', ', '.join("'%s'" % o for o in others), '' if len(others) > 1 else 's',
               parent, parent, name, parent.split('.')[0]))


def docker_name_of(raw):
    """The Docker network name a raw definition declares, or None (no docker key, or a malformed one)."""
    if not isinstance(raw, dict) or raw.get('docker') in (None, False):
        return None
    docker = {} if raw.get('docker') is True else raw.get('docker')
    if not isinstance(docker, dict):
        return None
    return docker.get('name') or raw.get('name')


def _same(field, ours, theirs):
    """A field as written in a definition against Docker's value (addresses and CIDRs compared as such)."""
    try:
        if field in ('subnet', 'ip_range'):
            return ipaddress.ip_network(u'%s' % ours, strict=False) == ipaddress.ip_network(u'%s' % theirs)
        if field == 'gateway' or field == 'shim_address':
            return ipaddress.ip_address(u'%s' % str(ours).partition('/')[0]) == ipaddress.ip_address(u'%s' % theirs)
    except ValueError:
        return True  # ours is malformed: normalise_network says so, naming the field
    return str(ours) == str(theirs)


def fill_from_docker(raw, view):
    """A definition completed from the existing Docker network `view` (_docker.network_view() of it).

    Fields the definition leaves out come from Docker (driver, parent, subnet, gateway, ip_range, mode, and
    the shim address from the aux address 'host'), so a network made by hand gets its shim without
    retyping; a field both give must agree, since Docker cannot change a network in place.
    """
    if view is None or not isinstance(raw, dict):
        return raw
    name = raw.get('name')
    if view.get('driver') not in DRIVERS:
        raise NetworkError(name, 'docker', view.get('name'), "Docker network '%s' uses the %s driver; only macvlan "
                           "and ipvlan networks put containers on the underlay"
                           % (view.get('name'), view.get('driver')))
    ours_parent = raw.get('parent')
    if ours_parent and raw.get('vlan_id') not in (None, ''):
        ours_parent = '%s.%s' % (ours_parent, raw.get('vlan_id'))
    aux = (view.get('aux_addresses') or {}).get(DOCKER_AUX_NAME)
    theirs = (('driver', view.get('driver')), ('parent', view.get('parent')), ('subnet', view.get('subnet')),
              ('gateway', view.get('gateway')), ('ip_range', view.get('ip_range')), ('shim_address', aux),
              ('mode', view.get('mode')))
    filled = dict(raw)
    for field, value in theirs:
        ours = ours_parent if field == 'parent' else raw.get(field)
        if value in (None, ''):
            continue
        if ours in (None, ''):
            filled[field] = value
        elif not _same(field, ours, value):
            raise NetworkError(name, field, ours, "%s %s differs from Docker network '%s', which has %s; Docker "
                               "cannot change a network in place. Give %s (or leave %s out to take Docker's), or "
                               "re-create the Docker network" % (field, ours, view.get('name'), value, value, field))
    if raw.get('ip_range') in (None, '') and not view.get('ip_range'):
        raise NetworkError(name, 'ip_range', None, "Docker network '%s' has no --ip-range, so its containers may "
                           "get any address of %s; give ip_range (the part the containers use) in the definition: "
                           "the host routes only that part through its shim" % (view.get('name'), view.get('subnet')))
    if raw.get('shim_address') in (None, '') and not aux:
        raise NetworkError(name, 'shim_address', None, "Docker network '%s' has no aux address '%s'; give "
                           "shim_address (an address Docker will not hand out: outside its ip_range %s)"
                           % (view.get('name'), DOCKER_AUX_NAME, filled.get('ip_range')))
    if aux and _same('shim_address', filled.get('shim_address'), aux):
        filled['shim_address_reserved'] = True  # Docker keeps its aux addresses out of allocation
    return filled


# ---------------------------------------------------------------- the whole list

def _ip_network(text):
    return ipaddress.ip_network(u'%s' % text)


def _cross_checks(networks):
    seen = {}
    for net in networks:
        if net['name'] in seen:
            raise NetworkError(net['name'], 'name', net['name'], "name '%s' is used by two networks; give each "
                               "network a unique name" % net['name'])
        seen[net['name']] = net
    interfaces = set(net['parent'] for net in networks) | set(net['link_parent'] for net in networks)
    for i, net in enumerate(networks):
        for other in networks[:i]:
            where = "network '%s'" % other['name']
            if net['link_parent'] == other['link_parent']:
                if net['driver'] != other['driver']:
                    raise NetworkError(net['name'], 'driver', net['driver'], "driver %s on '%s', but %s uses %s "
                                       "there; the kernel takes ports of one driver per parent (EBUSY). Use the "
                                       "same driver, or another parent or VLAN" % (
                                           net['driver'], net['link_parent'], where, other['driver']))
                if net['driver'] == 'ipvlan' and net['mode'] and other['mode'] and net['mode'] != other['mode']:
                    raise NetworkError(net['name'], 'mode', net['mode'], "ipvlan mode %s on '%s', but %s uses %s; "
                                       "the kernel keeps one ipvlan mode per parent. Give both the same mode"
                                       % (net['mode'], net['link_parent'], where, other['mode']))
                if _ip_network(net['subnet']).overlaps(_ip_network(other['subnet'])):
                    raise NetworkError(net['name'], 'subnet', net['subnet'], "subnet %s overlaps subnet %s of %s "
                                       "on the same parent '%s'; give each network on one broadcast domain its own "
                                       "subnet" % (net['subnet'], other['subnet'], where, net['link_parent']))
            if net['docker'] and other['docker'] and net['link_parent'] == other['link_parent']:
                raise NetworkError(net['name'], 'parent', net['parent'], one_per_parent_message(
                    net['name'], net['link_parent'], [other['name']]))
            if _ip_network(net['ip_range']).overlaps(_ip_network(other['ip_range'])):
                raise NetworkError(net['name'], 'ip_range', net['ip_range'], "ip_range %s overlaps ip_range %s of %s; "
                                   "the host routes each range through its own shim, so the ranges must not "
                                   "overlap" % (net['ip_range'], other['ip_range'], where))
            if net['shim_address'] == other['shim_address']:
                raise NetworkError(net['name'], 'shim_address', net['shim_address'], "shim_address %s is also the "
                                   "shim address of %s; give each shim its own address"
                                   % (net['shim_address'], where))
            if net['shim_name'] == other['shim_name']:
                raise NetworkError(net['name'], 'shim_name', net['shim_name'], "shim_name '%s' is also the shim of "
                                   "%s; give one of them another shim_name" % (net['shim_name'], where))
        if net['shim_name'] in interfaces:
            raise NetworkError(net['name'], 'shim_name', net['shim_name'], "shim_name '%s' is the parent of another "
                               "network; give the shim its own name" % net['shim_name'])


def shim_args(net):
    """The underlay.network.host_shim parameters for one normalised network (netns not included)."""
    args = {'name': net['shim_name'], 'kind': net['driver'], 'parent': net['link_parent'],
            'address': net['shim_address'], 'routes': [net['ip_range']], 'metric': net['metric']}
    if net['mode'] is not None:
        args['mode'] = net['mode']
    return args


def _docker_network(net, docker_views):
    """What the role does with a network's Docker side: its docker_network parameters and whether it exists."""
    exists = docker_views.get(net['docker']['name']) is not None
    if not exists and not net['docker']['create']:
        raise NetworkError(net['name'], 'docker', net['docker'], "Docker network '%s' does not exist and docker.create "
                           "is false; create it first, or let the role create it (create: true)" % net['docker']['name'])
    params = {'name': net['docker']['name'], 'driver': net['driver'], 'parent': net['link_parent'],
              'subnet': net['subnet'], 'gateway': net['gateway'], 'ip_range': net['ip_range'],
              'aux_addresses': {DOCKER_AUX_NAME: net['shim_address']}, 'mode': net['mode']}
    if exists:
        # only read it: the definition was completed from it and checked against it already
        params = {'name': net['docker']['name']}
    return {'network': net['name'], 'name': net['docker']['name'], 'exists': exists,
            'params': dict((key, value) for key, value in params.items() if value is not None)}


def normalise_networks(raw_networks, docker_views=None):
    """The whole list: normalised networks, VLAN sub-interfaces, shims, Docker networks and kernel drivers.

    `docker_views` maps each declared Docker network name to network_view() of it, or None when Docker
    has no such network. Raises NetworkError on the first problem, before anything changes anywhere.
    """
    if raw_networks is None:
        raw_networks = []
    if not isinstance(raw_networks, list):
        raise ValidationError("networks must be a list of network definitions, not %r" % (raw_networks,),
                              'networks', raw_networks)
    docker_views = docker_views or {}
    networks = [normalise_network(fill_from_docker(raw, docker_views.get(docker_name_of(raw))), index)
                for index, raw in enumerate(raw_networks)]
    _cross_checks(networks)
    vlans = []
    for net in networks:
        if net['vlan_id'] is None:
            continue
        known = [vlan for vlan in vlans if vlan['name'] == net['link_parent']]
        if known:
            known[0]['networks'].append(net['name'])
        else:
            vlans.append({'name': net['link_parent'], 'parent': net['parent'], 'vlan_id': net['vlan_id'],
                          'networks': [net['name']]})
    drivers = set(net['driver'] for net in networks)
    modules = sorted(KERNEL_MODULES[driver] for driver in drivers)
    if vlans:
        modules.append(KERNEL_MODULES['vlan'])
    return {
        'networks': networks,
        'vlans': vlans,
        'docker_networks': [_docker_network(net, docker_views) for net in networks if net['docker']],
        'shims': [dict(shim_args(net), network=net['name']) for net in networks],
        'drivers': modules,
    }
