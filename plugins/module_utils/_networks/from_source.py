# Copyright: (c) 2026, underlay.network contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""A network definition and its source: the Docker or Podman network it names, or its CNI configuration.

A definition with `docker` or `podman` is a container engine's macvlan or ipvlan network as well; one
with `cni` takes its addresses from a CNI configuration. When the source exists, fill_from_source()
completes the definition from it (a network made by hand, or a pod network, gets its shim without
retyping) and refuses a field that disagrees, since neither engine can change a network in place and
the CNI configuration is what pods are given. A source is described to this module as a
`SourceView`, whichever engine or file it came from.
"""

from __future__ import annotations

import ipaddress

from ansible_collections.underlay.network.plugins.module_utils._common.vocabulary import NETWORK_DRIVERS
from ansible_collections.underlay.network.plugins.module_utils._networks.options import (
    ENGINES, SUBNET_FIELDS, NetworkError)


# the aux address Docker keeps for the host's shim (--aux-address 'host=...')
DOCKER_AUX_NAME = 'host'


class SourceView(dict):
    """What a source says of a network, in definition terms.

    Keys: `label` (how messages name it: "Docker network 'x'"), `driver`, `parent`, `mode`, `subnets`
    (each {subnet, gateway, ip_range, shim_address}; shim_address only where the source reserves one),
    `reserved_shim` (the source keeps shim_address out of allocation: Docker's aux address), `fixed`
    (why a disagreeing field cannot be changed here) and `no_range_fix` (what to do when a subnet has no
    container range).
    """


def engine_name_of(raw, engine: str) -> str | None:
    """The `engine` ('docker' or 'podman') network name a raw definition declares, or None."""
    if not isinstance(raw, dict) or raw.get(engine) in (None, False):
        return None
    given = {} if raw.get(engine) is True else raw.get(engine)
    if not isinstance(given, dict):
        return None
    name = given.get('name') or raw.get('name')
    return name if isinstance(name, str) else None  # a malformed name: the validation says so


def docker_name_of(raw) -> str | None:
    """The Docker network name a raw definition declares, or None (no docker key, or a malformed one)."""
    return engine_name_of(raw, 'docker')


def engine_of(raw) -> str | None:
    """'docker' or 'podman' when the raw definition names a network of that engine."""
    return next((engine for engine in ENGINES if engine_name_of(raw, engine)), None)


def one_per_parent_message(name: str, parent: str, others: list[str]) -> str:
    """Docker's one-network-per-parent rule, explained with the VLAN way out (validation and docker_network)."""
    return ("Docker takes one macvlan or ipvlan network per parent interface, and network%s %s already use%s "
            "'%s' (Docker's words: 'network ... is already using parent interface %s'). Put network '%s' on a VLAN of "
            "its own instead: vlan_id: 10 makes its parent %s.10; or give it another NIC"
            % ('s' if len(others) > 1 else '', ', '.join("'%s'" % o for o in others), '' if len(others) > 1 else 's',
               parent, parent, name, parent.split('.')[0]))


def docker_source(view: dict) -> SourceView:
    """A Docker network (docker.network_view() of it) as a source: aux address 'host' is the shim's."""
    return SourceView(
        label="Docker network '%s'" % view.get('name'), field='docker', driver=view.get('driver'), parent=view.get('parent'),
        mode=view.get('mode'), subnets=_docker_subnets(view), reserved_shim=True,
        fixed='Docker cannot change a network in place', alternative='re-create the Docker network',
        no_range_fix='--ip-range', no_shim_fix="has no aux address '%s'; give shim_address (an address Docker will "
        "not hand out: outside its ip_range %%s)" % DOCKER_AUX_NAME)


def fill_from_source(raw, source: SourceView | None):
    """A definition completed from its existing source (a SourceView).

    Fields the definition leaves out come from the source (driver, parent, mode, and each subnet's subnet,
    gateway, ip_range, and the shim address where the source reserves one), so a network made by hand gets
    its shim without retyping; a field both give must agree, since the source decides it.
    """
    if source is None or not isinstance(raw, dict):
        return raw
    name = raw.get('name')
    label = source['label']
    if source.get('driver') not in NETWORK_DRIVERS:
        raise NetworkError(name, source.get('field', 'driver'), source.get('driver'), "%s uses the %s driver; only "
                           "macvlan and ipvlan networks put containers on the underlay" % (label, source.get('driver')))
    filled = dict(raw)
    ours_parent = raw.get('parent')
    if ours_parent and raw.get('vlan_id') not in (None, ''):
        ours_parent = '%s.%s' % (ours_parent, raw.get('vlan_id'))
    for field in ('driver', 'parent', 'mode'):
        ours = ours_parent if field == 'parent' else raw.get(field)
        filled[field] = _agree(name, source, field, ours, source.get(field), filled.get(field))

    theirs = source['subnets']
    listed = bool(raw.get('subnets'))
    ours = [dict(item) for item in raw['subnets']] if listed else [{f: raw.get(f) for f in SUBNET_FIELDS}]
    if listed and len(ours) != len(theirs):
        raise NetworkError(name, 'subnets', raw['subnets'], "subnets lists %d subnet%s but %s has %d (%s); %s. "
                           "List them all, or leave subnets out to take its subnets"
                           % (len(ours), 's' if len(ours) != 1 else '', label, len(theirs),
                              ', '.join(t['subnet'] for t in theirs), source['fixed']))
    if listed and len(ours) == len(theirs):
        theirs = _in_our_order(ours, theirs)
    if not listed and len(theirs) > 1:
        if any(raw.get(f) not in (None, '') for f in SUBNET_FIELDS):
            raise NetworkError(name, 'subnets', None, "%s has %d subnets (%s); list them all under subnets, or leave "
                               "the subnet fields out to take them" % (
                                   label, len(theirs), ', '.join(t['subnet'] for t in theirs)))
        ours = [{f: None for f in SUBNET_FIELDS} for _theirs in theirs]
    for i, (mine, given) in enumerate(zip(ours, theirs)):
        where = 'subnets[%d].' % i if listed or len(theirs) > 1 else ''
        for field in SUBNET_FIELDS:
            mine[field] = _agree(name, source, where + field, mine.get(field), given[field], mine.get(field))
        if not mine.get('ip_range'):
            raise NetworkError(name, where + 'ip_range', None, "%s has no container range (%s), so its containers "
                               "may get any address of %s; give ip_range (the part the containers use) in the "
                               "definition: the host routes only that part through its shim"
                               % (label, source['no_range_fix'], given['subnet']))
        if not mine.get('shim_address'):
            raise NetworkError(name, where + 'shim_address', None, '%s %s' % (
                label, source['no_shim_fix'] % mine.get('ip_range')))
        reserved = given['shim_address'] and _same('shim_address', mine['shim_address'], given['shim_address'])
        if source['reserved_shim'] and reserved:
            filled['shim_address_reserved'] = True  # Docker keeps its aux addresses out of allocation
    if listed or len(ours) > 1:
        filled['subnets'] = ours
        for field in SUBNET_FIELDS:
            filled.pop(field, None)
    else:
        filled.update(ours[0])
    return filled


def _in_our_order(ours, theirs):
    """The source's subnets in the order the definition lists them (engines do not keep the order they were
    given in: Docker lists a network's subnets sorted); as they are when a subnet of ours is not among them."""
    matched = []
    for mine in ours:
        found = [item for item in theirs if mine.get('subnet') and _same('subnet', mine['subnet'], item['subnet'])]
        if len(found) != 1 or found[0] in matched:
            return theirs
        matched.append(found[0])
    return matched


def _docker_subnets(view):
    """Docker's IPAM configs as definition subnets (the shim address from each one's aux address 'host')."""
    return [{'subnet': config.get('subnet'), 'gateway': config.get('gateway'), 'ip_range': config.get('ip_range'),
             'shim_address': (config.get('aux_addresses') or {}).get(DOCKER_AUX_NAME)}
            for config in view.get('subnets') or []]


def _agree(name, source, field, ours, theirs, default):
    """The source's value of `field` where the definition has none; the definition's when both agree."""
    if theirs in (None, ''):
        return default
    if ours in (None, ''):
        return theirs
    if not _same(field.split('.')[-1], ours, theirs):
        plain = field.split('.')[-1]
        raise NetworkError(name, field, ours, "%s %s differs from %s, which has %s; %s. Give %s (or leave %s out to "
                           "take its value), or %s" % (plain, ours, source['label'], theirs, source['fixed'], theirs,
                                                       plain, source['alternative']))
    return default if field == 'parent' else ours


def _same(field, ours, theirs):
    """A field as written in a definition against the source's value (addresses and CIDRs compared as such)."""
    try:
        if field in ('subnet', 'ip_range'):
            return ipaddress.ip_network(str(ours), strict=False) == ipaddress.ip_network(str(theirs))
        if field == 'gateway' or field == 'shim_address':
            return ipaddress.ip_address('%s' % str(ours).partition('/')[0]) == ipaddress.ip_address(str(theirs))
    except ValueError:
        return True  # ours is malformed: normalise_network says so, naming the field
    return str(ours) == str(theirs)
