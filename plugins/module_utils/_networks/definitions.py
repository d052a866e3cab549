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

from __future__ import annotations

import functools
import hashlib
import ipaddress
import re

from ansible.module_utils.common.arg_spec import ArgumentSpecValidator
from ansible.module_utils.errors import UnsupportedError

from ansible_collections.underlay.network.plugins.module_utils._common.errors import ValidationError
from ansible_collections.underlay.network.plugins.module_utils._common.fields import (
    IFNAMSIZ, check_ifname, parse_network
)
from ansible_collections.underlay.network.plugins.module_utils._common.vocabulary import (
    IPVLAN_MODES, KERNEL_MODULES, NETWORK_DRIVERS, NETWORK_MODES
)


DRIVERS = NETWORK_DRIVERS
# macvlan modes in which the host's shim can never talk to the containers' ports
_MACVLAN_UNREACHABLE = {
    'private': 'private ports never talk to each other, so the shim could not reach the containers',
    'passthru': 'a passthru parent takes a single port, so the shim and the containers cannot share it',
    'source': 'source-mode ports only accept frames from listed MAC addresses',
}
# the aux address Docker keeps for the host's shim (--aux-address 'host=...')
DOCKER_AUX_NAME = 'host'
SUBNET_FIELDS = ('subnet', 'gateway', 'ip_range', 'shim_address')
_SHIM_SUFFIX = '-shim'
_SAFE_NAME = re.compile(r'[^A-Za-z0-9_.-]')
_PLAIN_NAME = re.compile(r'^[A-Za-z0-9][A-Za-z0-9_.-]*$')  # Docker's rule for network names

# One network definition, as an Ansible argument spec: the types, choices and defaults every module that
# takes networks (host_networks, underlay_networks) validates each definition with (see coerce_network).
SUBNET_OPTIONS = dict(
    subnet=dict(type='str', required=True),
    gateway=dict(type='str'),
    ip_range=dict(type='str'),
    shim_address=dict(type='str'),
)
NETWORK_OPTIONS = dict(
    name=dict(type='str', required=True),
    driver=dict(type='str', choices=list(NETWORK_DRIVERS), default='macvlan'),
    parent=dict(type='str'),
    vlan_id=dict(type='int'),
    subnet=dict(type='str'),
    gateway=dict(type='str'),
    ip_range=dict(type='str'),
    shim_address=dict(type='str'),
    subnets=dict(type='list', elements='dict', options=SUBNET_OPTIONS),
    shim_address_reserved=dict(type='bool', default=False),
    shim_name=dict(type='str'),
    mode=dict(type='str', choices=['bridge', 'vepa', 'private', 'passthru', 'source', 'l2', 'l3', 'l3s', 'inherit']),
    metric=dict(type='int', default=0),
    verify_targets=dict(type='list', elements='str', default=[]),
    docker=dict(type='dict', options=dict(name=dict(type='str'), create=dict(type='bool', default=True))),
)
FIELDS = tuple(NETWORK_OPTIONS)


class NetworkError(ValidationError):
    """A network definition is wrong: names the network, the field, the value and the fix."""

    def __init__(self, network, field, value, message):
        where = "network '%s'" % network if isinstance(network, str) else 'networks[%s]' % network
        super().__init__('%s: %s' % (where, message), field=field, value=value)
        self.network = network


# ---------------------------------------------------------------- types: the argument spec

def _name_of(raw, index):
    name = raw.get('name') if isinstance(raw, dict) else None
    return name.strip() if isinstance(name, str) and name.strip() else index


_TYPE_WORDS = {'int': 'a whole number', 'str': 'a string', 'bool': 'true or false', 'list': 'a list',
               'dict': 'a dictionary'}


def _type_error(name, raw, exc):
    """An Ansible validation error of one definition as our sentence: network, field, value, fix."""
    if exc is None:  # the validator could not even say what was wrong
        field = _culprit(raw)
        return NetworkError(name, field, raw.get(field), "%s %r is not %s; %s" % (
            field, raw.get(field), _TYPE_WORDS.get(NETWORK_OPTIONS.get(field, {}).get('type'), 'valid'),
            _FIXES.get(field, 'fix the value')))
    if isinstance(exc, UnsupportedError):
        unknown = sorted(key for key in raw if key not in NETWORK_OPTIONS)
        if unknown:
            hints = []
            for key in unknown:
                close = [field for field in FIELDS
                         if field.replace('_', '') == str(key).replace('_', '').replace('-', '').lower()]
                hints.append("'%s'%s" % (key, " (did you mean '%s'?)" % close[0] if close else ''))
            return NetworkError(name, unknown[0], raw[unknown[0]], "unknown field%s %s; the fields are %s"
                                % ('s' if len(unknown) > 1 else '', ', '.join(hints), ', '.join(FIELDS)))
        # a key inside docker or one of the subnets
        for where, known in (('docker', ('name', 'create')), ('subnets', tuple(SUBNET_OPTIONS))):
            entries = raw.get(where) if where == 'subnets' else [raw.get(where)]
            for entry in entries or ():
                extra = sorted(key for key in entry if key not in known) if isinstance(entry, dict) else []
                if extra:
                    return NetworkError(name, where, raw[where], "%s: unknown key%s %s; the keys are %s" % (
                        where, 's' if len(extra) > 1 else '', ', '.join("'%s'" % key for key in extra),
                        ', '.join(known)))
    match = re.search(r"argument '([^']+)'|value of (\w+) must|^([\w.]+) is required", str(exc.msg))
    field = next((group for group in match.groups() if group), None) if match else None
    top = field.split('.')[0] if field else _culprit(raw)
    where, label, value, option = top, top, raw.get(top), NETWORK_OPTIONS.get(top) or {}
    if top not in raw:  # a field inside docker or one of the subnets
        for parent, options in (('docker', NETWORK_OPTIONS['docker']['options']), ('subnets', SUBNET_OPTIONS)):
            entries = raw.get(parent) if parent == 'subnets' else [raw.get(parent)]
            found = [entry[top] for entry in entries or () if isinstance(entry, dict) and top in entry]
            if top in options:
                where, label, option = parent, '%s.%s' % (parent, top), options[top]
                value = found[0] if found else None
                break
    if 'choices' in option:
        return NetworkError(name, where, value, "%s '%s' is not supported; use %s" % (
            label, value, ' or '.join(choice for choice in option['choices'] if choice != 'inherit')))
    if 'required' in str(exc.msg):
        return NetworkError(name, where, value, "%s: %s; give it in every entry" % (label, exc.msg))
    wanted = _TYPE_WORDS.get(option.get('elements') if option.get('type') == 'list' and isinstance(value, list)
                             else option.get('type'), option.get('type'))
    return NetworkError(name, where, value, "%s %r is not %s%s; %s" % (
        label, value, wanted, ' (in every entry)' if option.get('type') == 'list' and isinstance(value, list) else '',
        _FIXES.get(label, _FIXES.get(where, 'fix the value'))))


_FIXES = {
    'vlan_id': 'give a VLAN id from 1 to 4094',
    'metric': 'give a route metric from 0 to 4294967295',
    'docker': "give a dictionary: name (the Docker network's name), create (false to only use one made elsewhere)",
    'verify_targets': 'give a list of addresses (the gateway, a container or two)',
    'subnets': 'give a list of {subnet, gateway, ip_range, shim_address}',
    'shim_address_reserved': 'give true or false',
    'docker.create': 'give true or false',
}


def _validate(raw):
    """Ansible's validation of one definition; None where a value makes the validator itself fail."""
    try:
        return ArgumentSpecValidator(NETWORK_OPTIONS).validate(dict(raw))
    except (TypeError, ValueError, AttributeError, OverflowError):
        return None


def _culprit(raw):
    """The first key of `raw` that fails validation on its own (Ansible's message did not name it)."""
    for key in raw:
        if key in NETWORK_OPTIONS and key != 'name':
            alone = _validate({'name': 'x', key: raw[key]})
            if alone is None or alone.errors.errors:
                return key
    return None


def coerce_network(raw, index=0):
    """One definition checked and converted against NETWORK_OPTIONS (types, choices, unknown keys, defaults).

    The same validation Ansible does for an argument spec, per network, so that every message names
    the network as well as the field. Raises NetworkError.
    """
    if not isinstance(raw, dict):
        raise NetworkError(index, None, raw, "each network must be a dictionary with name, parent, subnet, "
                           "ip_range and shim_address, not %r" % (raw,))
    name = _name_of(raw, index)
    for field in ('vlan_id', 'metric'):
        if isinstance(raw.get(field), bool):  # Ansible takes booleans for integers; a VLAN id of True is a slip
            raise NetworkError(name, field, raw[field], "%s %r is a boolean; give a whole number" % (field, raw[field]))
    if not isinstance(name, str):
        raise NetworkError(index, 'name', raw.get('name'), "name is required: give each network a unique name "
                           "(for example the Docker network's name)")
    # None and '' mean "not given", as they do in YAML written by hand; docker: true is short for {}
    raw = {key: {} if key == 'docker' and value is True else value for key, value in raw.items()
               if value is not None and value != '' and not (key == 'docker' and value is False)}
    result = _validate(raw)
    if result is None or result.errors.errors:
        raise _type_error(name, raw, result.errors.errors[0] if result else None)
    network = result.validated_parameters
    network['name'] = name
    return network


# ---------------------------------------------------------------- single fields

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

def _raw_subnets(name, raw):
    """The definition's subnets as a list: `subnets`, or the single-subnet fields as the one-subnet case."""
    single = [field for field in SUBNET_FIELDS if raw.get(field) not in (None, '')]
    if raw.get('subnets'):
        if single:
            raise NetworkError(name, single[0], raw[single[0]], "%s is given beside subnets; give each subnet's "
                               "fields inside subnets, or use the single-subnet fields without subnets" % single[0])
        return raw['subnets']
    return [{field: raw.get(field) for field in SUBNET_FIELDS}]


def _subnet(name, raw, reserved, docker, where):
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
        raise NetworkError(name, field('ip_range'), raw['ip_range'], "ip_range %s contains the gateway %s; the host "
                           "would route its gateway through the shim. Narrow ip_range so it leaves out the gateway"
                           % (ip_range, gateway))
    if raw.get('shim_address') in (None, ''):
        raise NetworkError(name, field('shim_address'), raw.get('shim_address'), "shim_address is required: give "
                           "the host's own address on this network, inside subnet %s and outside ip_range %s (with "
                           "Docker, reserve it as --aux-address host=<address>)" % (subnet, ip_range))
    shim_address = _address(name, field('shim_address'), raw['shim_address'], subnet)
    if gateway is not None and shim_address == gateway:
        raise NetworkError(name, field('shim_address'), raw['shim_address'], "shim_address %s is the gateway; give "
                           "the host its own, unused address in subnet %s" % (shim_address, subnet))
    if shim_address in ip_range and not reserved and not docker:
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


def normalise_network(raw, index=0):
    """One network definition -> a dict with every field explicit, or NetworkError.

    Types come from NETWORK_OPTIONS (coerce_network); what is checked here is how the fields fit
    together. `subnets` lists every subnet; `subnet`, `gateway`, `ip_range` and `shim_address` repeat
    the first one's, for the one-subnet case.
    """
    raw = coerce_network(raw, index)
    name = raw['name']
    driver = raw['driver']
    parent = _ifname(name, 'parent', raw.get('parent'), "give the host NIC the containers sit on, for example eth0")
    vlan_id = raw.get('vlan_id')
    if vlan_id is not None:
        if not 1 <= vlan_id <= 4094:
            raise NetworkError(name, 'vlan_id', vlan_id, "vlan_id %d is out of range; give a VLAN id from 1 to 4094, "
                               "or leave it out for an untagged network" % vlan_id)
        link_parent = '%s.%d' % (parent, vlan_id)
        if len(link_parent.encode('utf-8')) > IFNAMSIZ:
            raise NetworkError(name, 'vlan_id', vlan_id, "the VLAN sub-interface name '%s' would be %d bytes, more "
                               "than the kernel's %d; create the VLAN sub-interface under a shorter name "
                               "(underlay.network.vlan_link) and give that as parent without vlan_id"
                               % (link_parent, len(link_parent.encode('utf-8')), IFNAMSIZ))
    else:
        link_parent = parent

    docker = _docker_options(name, raw.get('docker'))
    reserved = raw['shim_address_reserved']
    raw_subnets = _raw_subnets(name, raw)
    prefix = len(raw_subnets) > 1 or bool(raw.get('subnets'))
    subnets = [_subnet(name, item, reserved, docker, 'subnets[%d].' % i if prefix else '')
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
        'docker': docker,
    }


def _inside(address, network):
    return ipaddress.ip_address(str(address)) in ipaddress.ip_network(str(network))


def _subnets_fit(name, subnets, prefixed):
    for i, item in enumerate(subnets):
        for j, other in enumerate(subnets[:i]):
            if _ip_network(item['subnet']).overlaps(_ip_network(other['subnet'])):
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
    inside = [item for item in subnets if ip in _ip_network(item['subnet'])]
    if not inside:
        raise NetworkError(name, 'verify_targets', target, "verify_targets: %s is outside the network's subnets "
                           "(%s); list addresses on this network" % (ip, ', '.join(i['subnet'] for i in subnets)))
    if str(ip) in [item['shim_address'] for item in subnets]:
        raise NetworkError(name, 'verify_targets', target, "verify_targets lists %s, the host's own shim "
                           "address; list the gateway or containers instead" % ip)
    return str(ip)


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

def _docker_options(name, docker):
    """None (not a Docker network) or {'name': Docker's network name, 'create': bool}."""
    if docker is None:
        return None
    docker_name = docker.get('name') or name
    if not _PLAIN_NAME.match(docker_name):
        raise NetworkError(name, 'docker', docker_name, "docker: name '%s' is not a Docker network name; use "
                           "letters, digits, '_', '.' and '-', starting with a letter or digit" % (docker_name,))
    return {'name': docker_name, 'create': docker.get('create', True)}


def one_per_parent_message(name, parent, others):
    """Docker's one-network-per-parent rule, explained with the VLAN way out (validation and docker_network)."""
    return ("Docker takes one macvlan or ipvlan network per parent interface, and network%s %s already use%s "
            "'%s' (Docker's words: 'network ... is already using parent interface %s'). Put network '%s' on a VLAN of "
            "its own instead: vlan_id: 10 makes its parent %s.10; or give it another NIC"
            % ('s' if len(others) > 1 else '', ', '.join("'%s'" % o for o in others), '' if len(others) > 1 else 's',
               parent, parent, name, parent.split('.')[0]))


def docker_name_of(raw):
    """The Docker network name a raw definition declares, or None (no docker key, or a malformed one)."""
    if not isinstance(raw, dict) or raw.get('docker') in (None, False):
        return None
    docker = {} if raw.get('docker') is True else raw.get('docker')
    if not isinstance(docker, dict):
        return None
    name = docker.get('name') or raw.get('name')
    return name if isinstance(name, str) else None  # a malformed name: the validation says so


def _same(field, ours, theirs):
    """A field as written in a definition against Docker's value (addresses and CIDRs compared as such)."""
    try:
        if field in ('subnet', 'ip_range'):
            return ipaddress.ip_network(str(ours), strict=False) == ipaddress.ip_network(str(theirs))
        if field == 'gateway' or field == 'shim_address':
            return ipaddress.ip_address('%s' % str(ours).partition('/')[0]) == ipaddress.ip_address(str(theirs))
    except ValueError:
        return True  # ours is malformed: normalise_network says so, naming the field
    return str(ours) == str(theirs)


def _docker_subnets(view):
    """Docker's IPAM configs as definition subnets (the shim address from each one's aux address 'host')."""
    return [{'subnet': config.get('subnet'), 'gateway': config.get('gateway'), 'ip_range': config.get('ip_range'),
             'shim_address': (config.get('aux_addresses') or {}).get(DOCKER_AUX_NAME)}
            for config in view.get('subnets') or []]


def fill_from_docker(raw, view):
    """A definition completed from the existing Docker network `view` (_docker.network_view() of it).

    Fields the definition leaves out come from Docker (driver, parent, mode, and each subnet's subnet,
    gateway, ip_range, and shim address from its aux address 'host'), so a network made by hand gets its
    shim without retyping; a field both give must agree, since Docker cannot change a network in place.
    """
    if view is None or not isinstance(raw, dict):
        return raw
    name = raw.get('name')
    if view.get('driver') not in DRIVERS:
        raise NetworkError(name, 'docker', view.get('name'), "Docker network '%s' uses the %s driver; only macvlan "
                           "and ipvlan networks put containers on the underlay"
                           % (view.get('name'), view.get('driver')))
    filled = dict(raw)
    ours_parent = raw.get('parent')
    if ours_parent and raw.get('vlan_id') not in (None, ''):
        ours_parent = '%s.%s' % (ours_parent, raw.get('vlan_id'))
    for field, value in (('driver', view.get('driver')), ('parent', view.get('parent')), ('mode', view.get('mode'))):
        ours = ours_parent if field == 'parent' else raw.get(field)
        filled[field] = _agree(name, view, field, ours, value, filled.get(field))

    theirs = _docker_subnets(view)
    listed = bool(raw.get('subnets'))
    ours = [dict(item) for item in raw['subnets']] if listed else [{f: raw.get(f) for f in SUBNET_FIELDS}]
    if listed and len(ours) != len(theirs):
        raise NetworkError(name, 'subnets', raw['subnets'], "subnets lists %d subnet%s but Docker network '%s' has "
                           "%d (%s); Docker cannot change a network in place. List them all, or leave subnets out "
                           "to take Docker's" % (len(ours), 's' if len(ours) != 1 else '', view.get('name'),
                                                 len(theirs), ', '.join(t['subnet'] for t in theirs)))
    if not listed and len(theirs) > 1:
        if any(raw.get(f) not in (None, '') for f in SUBNET_FIELDS):
            raise NetworkError(name, 'subnets', None, "Docker network '%s' has %d subnets (%s); list them all under "
                               "subnets, or leave the subnet fields out to take Docker's"
                               % (view.get('name'), len(theirs), ', '.join(t['subnet'] for t in theirs)))
        ours = [{f: None for f in SUBNET_FIELDS} for _theirs in theirs]
    for i, (mine, docker) in enumerate(zip(ours, theirs)):
        where = 'subnets[%d].' % i if listed or len(theirs) > 1 else ''
        for field in SUBNET_FIELDS:
            mine[field] = _agree(name, view, where + field, mine.get(field), docker[field], mine.get(field))
        if not mine.get('ip_range'):
            raise NetworkError(name, where + 'ip_range', None, "Docker network '%s' has no --ip-range, so its "
                               "containers may get any address of %s; give ip_range (the part the containers use) in "
                               "the definition: the host routes only that part through its shim"
                               % (view.get('name'), docker['subnet']))
        if not mine.get('shim_address'):
            raise NetworkError(name, where + 'shim_address', None, "Docker network '%s' has no aux address '%s'; "
                               "give shim_address (an address Docker will not hand out: outside its ip_range %s)"
                               % (view.get('name'), DOCKER_AUX_NAME, mine.get('ip_range')))
        if docker['shim_address'] and _same('shim_address', mine['shim_address'], docker['shim_address']):
            filled['shim_address_reserved'] = True  # Docker keeps its aux addresses out of allocation
    if listed or len(ours) > 1:
        filled['subnets'] = ours
        for field in SUBNET_FIELDS:
            filled.pop(field, None)
    else:
        filled.update(ours[0])
    return filled


def _agree(name, view, field, ours, theirs, default):
    """Docker's value of `field` where the definition has none; the definition's when both agree."""
    if theirs in (None, ''):
        return default
    if ours in (None, ''):
        return theirs
    if not _same(field.split('.')[-1], ours, theirs):
        plain = field.split('.')[-1]
        raise NetworkError(name, field, ours, "%s %s differs from Docker network '%s', which has %s; Docker "
                           "cannot change a network in place. Give %s (or leave %s out to take Docker's), or "
                           "re-create the Docker network" % (plain, ours, view.get('name'), theirs, theirs, plain))
    return default if field == 'parent' else ours


# ---------------------------------------------------------------- the whole list

def _ip_network(text):
    return _parsed(text)


def _pairs(net, other, field):
    """(ours, theirs) of `field` across two networks' subnets that collide (overlap, or equal addresses)."""
    for mine in net['subnets']:
        for theirs in other['subnets']:
            if field == 'shim_address':
                if mine[field] == theirs[field]:
                    yield mine[field], theirs[field]
            elif _ip_network(mine[field]).overlaps(_ip_network(theirs[field])):
                yield mine[field], theirs[field]


@functools.lru_cache(maxsize=4096)  # each network's CIDRs are compared with every other network's
def _parsed(text):
    return ipaddress.ip_network(str(text))


def _cross_checks(networks):
    seen = {}
    for net in networks:
        if net['name'] in seen:
            raise NetworkError(net['name'], 'name', net['name'], "name '%s' is used by two networks; give each "
                               "network a unique name" % net['name'])
        seen[net['name']] = net
    interfaces = {net['parent'] for net in networks} | {net['link_parent'] for net in networks}
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
                for mine, theirs in _pairs(net, other, 'subnet'):
                    raise NetworkError(net['name'], 'subnet', mine, "subnet %s overlaps subnet %s of %s on the same "
                                       "parent '%s'; give each network on one broadcast domain its own subnet"
                                       % (mine, theirs, where, net['link_parent']))
            if net['docker'] and other['docker'] and net['link_parent'] == other['link_parent']:
                raise NetworkError(net['name'], 'parent', net['parent'], one_per_parent_message(
                    net['name'], net['link_parent'], [other['name']]))
            for mine, theirs in _pairs(net, other, 'ip_range'):
                raise NetworkError(net['name'], 'ip_range', mine, "ip_range %s overlaps ip_range %s of %s; the host "
                                   "routes each range through its own shim, so the ranges must not overlap"
                                   % (mine, theirs, where))
            for mine, theirs in _pairs(net, other, 'shim_address'):
                raise NetworkError(net['name'], 'shim_address', mine, "shim_address %s is also the shim address of "
                                   "%s; give each shim its own address" % (mine, where))
            if net['shim_name'] == other['shim_name']:
                raise NetworkError(net['name'], 'shim_name', net['shim_name'], "shim_name '%s' is also the shim of "
                                   "%s; give one of them another shim_name" % (net['shim_name'], where))
        if net['shim_name'] in interfaces:
            raise NetworkError(net['name'], 'shim_name', net['shim_name'], "shim_name '%s' is the parent of another "
                               "network; give the shim its own name" % net['shim_name'])


def shim_args(net):
    """The underlay.network.host_shim parameters for one normalised network (netns not included)."""
    args = {'name': net['shim_name'], 'kind': net['driver'], 'parent': net['link_parent'],
            'addresses': [item['shim_address'] for item in net['subnets']],
            'routes': [item['ip_range'] for item in net['subnets']], 'metric': net['metric']}
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
              'subnets': [{'subnet': item['subnet'], 'gateway': item['gateway'], 'ip_range': item['ip_range'],
                           'aux_addresses': {DOCKER_AUX_NAME: item['shim_address']}} for item in net['subnets']],
              'mode': net['mode']}
    if exists:
        # only read it: the definition was completed from it and checked against it already
        params = {'name': net['docker']['name']}
    return {'network': net['name'], 'name': net['docker']['name'], 'exists': exists,
            'params': {key: value for key, value in params.items() if value is not None}}


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
    drivers = {net['driver'] for net in networks}
    modules = sorted(KERNEL_MODULES[driver] for driver in drivers)
    if vlans:
        modules.append(KERNEL_MODULES['vlan'])
    return {
        'networks': networks,
        'vlans': vlans,
        'docker_networks': [_docker_network(net, docker_views) for net in networks if net['docker']],
        'shims': [dict(shim_args(net), network=net['name']) for net in networks],
        'drivers': modules,
        # later driver capabilities to check too (kernel_drivers' features)
        'features': ['ipvlan_l3s'] if any(net['driver'] == 'ipvlan' and net['mode'] == 'l3s' for net in networks) else [],
    }
