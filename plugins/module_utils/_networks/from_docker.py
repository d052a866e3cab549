# Copyright: (c) 2026, underlay.network contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""A network definition and its Docker network: which one it names, and the fields an existing one fills in.

A definition with `docker` is a Docker macvlan or ipvlan network as well. When Docker has it already,
fill_from_docker() completes the definition from it (a network made by hand gets its shim without
retyping) and refuses a field that disagrees, since Docker cannot change a network in place.
"""

from __future__ import annotations

import ipaddress

from ansible_collections.underlay.network.plugins.module_utils._common.vocabulary import NETWORK_DRIVERS
from ansible_collections.underlay.network.plugins.module_utils._networks.options import SUBNET_FIELDS, NetworkError


# the aux address Docker keeps for the host's shim (--aux-address 'host=...')
DOCKER_AUX_NAME = 'host'


def docker_name_of(raw) -> str | None:
    """The Docker network name a raw definition declares, or None (no docker key, or a malformed one)."""
    if not isinstance(raw, dict) or raw.get('docker') in (None, False):
        return None
    docker = {} if raw.get('docker') is True else raw.get('docker')
    if not isinstance(docker, dict):
        return None
    name = docker.get('name') or raw.get('name')
    return name if isinstance(name, str) else None  # a malformed name: the validation says so


def one_per_parent_message(name: str, parent: str, others: list[str]) -> str:
    """Docker's one-network-per-parent rule, explained with the VLAN way out (validation and docker_network)."""
    return ("Docker takes one macvlan or ipvlan network per parent interface, and network%s %s already use%s "
            "'%s' (Docker's words: 'network ... is already using parent interface %s'). Put network '%s' on a VLAN of "
            "its own instead: vlan_id: 10 makes its parent %s.10; or give it another NIC"
            % ('s' if len(others) > 1 else '', ', '.join("'%s'" % o for o in others), '' if len(others) > 1 else 's',
               parent, parent, name, parent.split('.')[0]))


def fill_from_docker(raw, view: dict | None):
    """A definition completed from the existing Docker network `view` (docker.network_view() of it).

    Fields the definition leaves out come from Docker (driver, parent, mode, and each subnet's subnet,
    gateway, ip_range, and shim address from its aux address 'host'), so a network made by hand gets its
    shim without retyping; a field both give must agree, since Docker cannot change a network in place.
    """
    if view is None or not isinstance(raw, dict):
        return raw
    name = raw.get('name')
    if view.get('driver') not in NETWORK_DRIVERS:
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


def _docker_subnets(view):
    """Docker's IPAM configs as definition subnets (the shim address from each one's aux address 'host')."""
    return [{'subnet': config.get('subnet'), 'gateway': config.get('gateway'), 'ip_range': config.get('ip_range'),
             'shim_address': (config.get('aux_addresses') or {}).get(DOCKER_AUX_NAME)}
            for config in view.get('subnets') or []]


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
