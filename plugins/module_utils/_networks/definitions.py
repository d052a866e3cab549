# Copyright: (c) 2026, underlay.network contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Underlay network definitions, the whole list: validated, normalised, and what they need from the host.

A network is what `docker network create -d macvlan|ipvlan` takes (subnet, gateway, ip range,
parent, VLAN) plus the host's side of it (the shim). `normalise_networks()` completes each
definition from its source - an existing Docker or Podman network, or a CNI configuration
(from_source, with the views sources.read_sources() read) - normalises it (network, with the types
from options), checks every pair of networks before anything touches a host, and derives the VLAN
sub-interfaces, the host shims, the Docker and Podman networks to create and the kernel drivers the
list needs. Pure logic: no socket, no pyroute2.
"""

from __future__ import annotations

import itertools

from ansible_collections.underlay.network.plugins.module_utils._common.errors import ValidationError
from ansible_collections.underlay.network.plugins.module_utils._common.vocabulary import ENGINE_NAMES, KERNEL_MODULES
from ansible_collections.underlay.network.plugins.module_utils._networks.from_source import (
    DOCKER_AUX_NAME, docker_source, engine_name_of, fill_from_source, one_per_parent_message)
from ansible_collections.underlay.network.plugins.module_utils._networks.network import normalise_network, parsed_cidr
from ansible_collections.underlay.network.plugins.module_utils._networks.options import NetworkError
from ansible_collections.underlay.network.plugins.module_utils._networks.podman import podman_source


def _pairs(net, other, field):
    """(ours, theirs) of `field` across two networks' subnets that collide (overlap, or equal addresses)."""
    for mine in net['subnets']:
        for theirs in other['subnets']:
            if field == 'shim_address':
                if mine[field] == theirs[field]:
                    yield mine[field], theirs[field]
            elif parsed_cidr(mine[field]).overlaps(parsed_cidr(theirs[field])):
                yield mine[field], theirs[field]


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


def shim_args(net: dict) -> dict:
    """The underlay.network.host_shim parameters for one normalised network (netns not included)."""
    args = {'name': net['shim_name'], 'kind': net['driver'], 'parent': net['link_parent'],
            'addresses': [item['shim_address'] for item in net['subnets']],
            'routes': [item['ip_range'] for item in net['subnets']], 'metric': net['metric']}
    if net['mode'] is not None:
        args['mode'] = net['mode']
    return args


def _engine_network(net, engine, views, lacks):
    """What the role does with a network's engine side: the parameters to make it, and whether it exists."""
    name = net[engine]['name']
    exists = views.get(name) is not None
    if not exists and not net[engine]['create']:
        raise NetworkError(net['name'], engine, net[engine], "%s network '%s' does not exist and %s.create is false; "
                           "create it first, or let the role create it (create: true)" % (
                               ENGINE_NAMES[engine], name, engine))
    if not exists and net['driver'] in lacks:
        raise NetworkError(net['name'], 'driver', net['driver'], lacks[net['driver']])
    subnets = []
    for item in net['subnets']:
        subnet = {'subnet': item['subnet'], 'gateway': item['gateway'], 'ip_range': item['ip_range']}
        if engine == 'docker':  # Podman has no aux addresses: the shim address is outside ip_range instead
            subnet['aux_addresses'] = {DOCKER_AUX_NAME: item['shim_address']}
        subnets.append(subnet)
    params = {'name': name, 'driver': net['driver'], 'parent': net['link_parent'], 'subnets': subnets,
              'mode': net['mode']}
    if exists:
        # only read it: the definition was completed from it and checked against it already
        params = {'name': name}
    return {'network': net['name'], 'name': name, 'exists': exists,
            'params': {key: value for key, value in params.items() if value is not None}}


def _name_gateways(net):
    """A network the role makes gets a gateway in every subnet (the network then says what the engine will have,
    and what the state a boot replays stores is the same before and after the engine made it)."""
    for item in net['subnets']:
        item['gateway'] = item['gateway'] or _default_gateway(item)
    net['gateway'] = net['subnets'][0]['gateway']


def _default_gateway(item):
    """The gateway an engine network is made with when the definition names none: the subnet's first host address
    outside the container range that is not the shim's. Left to itself, Docker takes the first address of the
    container range (--ip-range) as the gateway, which the host would then route through its shim."""
    subnet, ip_range = parsed_cidr(item['subnet']), parsed_cidr(item['ip_range'])
    for candidate in itertools.islice(subnet.hosts(), 1024):
        if candidate not in ip_range and str(candidate) != item['shim_address']:
            return str(candidate)
    return None


def _source(raw, docker_views, podman_views, cni_views):
    """The SourceView a raw definition names, when its source has the network (None otherwise)."""
    for engine, views, wrap in (('docker', docker_views, docker_source), ('podman', podman_views, podman_source)):
        view = views.get(engine_name_of(raw, engine) or '')
        if view is not None:
            return wrap(view)
    name = raw.get('name') if isinstance(raw, dict) and isinstance(raw.get('cni'), dict) else None
    return cni_views.get(name) if isinstance(name, str) else None


def normalise_networks(raw_networks, docker_views: dict | None = None, podman_views: dict | None = None,
                       cni_views: dict | None = None, podman_lacks: dict | None = None) -> dict:
    """The whole list: normalised networks, VLAN sub-interfaces, shims, engine networks and kernel drivers.

    `docker_views` and `podman_views` map each declared engine network name to the engine's view of it, or
    None when the engine has no such network; `cni_views` each network with `cni` to its configuration's
    SourceView; `podman_lacks` the drivers this Podman cannot create networks of (why, by driver). All of
    them come from sources.read_sources(). Raises NetworkError on the first problem, before anything changes.
    """
    if raw_networks is None:
        raw_networks = []
    if not isinstance(raw_networks, list):
        raise ValidationError("networks must be a list of network definitions, not %r" % (raw_networks,),
                              'networks', raw_networks)
    docker_views, podman_views, cni_views = docker_views or {}, podman_views or {}, cni_views or {}
    networks = [normalise_network(fill_from_source(raw, _source(raw, docker_views, podman_views, cni_views)), index)
                for index, raw in enumerate(raw_networks)]
    _cross_checks(networks)
    for net in networks:
        engine = next((name for name in ENGINE_NAMES if net[name]), None)
        views = {'docker': docker_views, 'podman': podman_views}.get(engine)
        if engine and views.get(net[engine]['name']) is None:
            _name_gateways(net)
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
        'docker_networks': [_engine_network(net, 'docker', docker_views, {}) for net in networks if net['docker']],
        'podman_networks': [_engine_network(net, 'podman', podman_views, podman_lacks or {})
                            for net in networks if net['podman']],
        'shims': [dict(shim_args(net), network=net['name']) for net in networks],
        'drivers': modules,
        # later driver capabilities to check too (kernel_drivers' features)
        'features': ['ipvlan_l3s'] if any(net['driver'] == 'ipvlan' and net['mode'] == 'l3s' for net in networks) else [],
    }
