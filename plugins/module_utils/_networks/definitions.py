# Copyright: (c) 2026, underlay.network contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Underlay network definitions, the whole list: validated, normalised, and what they need from the host.

A network is what `docker network create -d macvlan|ipvlan` takes (subnet, gateway, ip range,
parent, VLAN) plus the host's side of it (the shim). `normalise_networks()` completes each
definition from its existing Docker network (from_docker), normalises it (network, with the types
from options), checks every pair of networks before anything touches a host, and derives the VLAN
sub-interfaces, the host shims, the Docker networks to create and the kernel drivers the list needs.
Pure logic: no socket, no pyroute2.
"""

from __future__ import annotations

from ansible_collections.underlay.network.plugins.module_utils._common.errors import ValidationError
from ansible_collections.underlay.network.plugins.module_utils._common.vocabulary import KERNEL_MODULES
from ansible_collections.underlay.network.plugins.module_utils._networks.from_docker import (
    DOCKER_AUX_NAME, docker_name_of, fill_from_docker, one_per_parent_message)
from ansible_collections.underlay.network.plugins.module_utils._networks.network import normalise_network, parsed_cidr
from ansible_collections.underlay.network.plugins.module_utils._networks.options import NetworkError


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


def normalise_networks(raw_networks, docker_views: dict | None = None) -> dict:
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
