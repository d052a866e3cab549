# Copyright: (c) 2026, underlay.network contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""A CNI network configuration as the source of a network definition (Kubernetes with Multus, CNI by hand).

`cni.file` is a .conflist or .conf on the managed host (/etc/cni/net.d/, /etc/cni/multus/net.d/); `cni.config`
is the configuration itself, a dict or a JSON string, or a whole Multus NetworkAttachmentDefinition whose
spec.config holds it. The main plugin (a .conf's, or a .conflist's first) must be macvlan or ipvlan: its
`master` is the parent, its `mode` the mode (the plugins' defaults are bridge and l2). Its IPAM gives the
subnets: host-local (`ranges`, or the older `subnet`/`rangeStart`/`rangeEnd`/`gateway`), static (`addresses`)
or whereabouts (`range`, `range_start`/`range_end`, `exclude`, or `ipRanges`). The host routes each range
through its shim as one prefix (ip_range), so a range becomes the smallest prefix that holds it; no CNI IPAM
reserves an address for the host, so the shim must lie outside every range (network.py refuses otherwise).
"""

from __future__ import annotations

import ipaddress
import json
import os

from ansible_collections.underlay.network.plugins.module_utils._common.fields import covering_network
from ansible_collections.underlay.network.plugins.module_utils._common.vocabulary import (
    CNI_CHAINED_TYPES, CNI_DEFAULT_MODES, CNI_IPAM_TYPES, NETWORK_DRIVERS)
from ansible_collections.underlay.network.plugins.module_utils._networks.from_source import SourceView
from ansible_collections.underlay.network.plugins.module_utils._networks.options import NetworkError


# a CNI configuration is a few hundred bytes; anything this big is not one
MAX_CONFIG_BYTES = 1 << 20
NAD_KIND = 'NetworkAttachmentDefinition'


class _Reader:
    """Reads one configuration, naming the network, where it came from and the field at fault in each refusal."""

    def __init__(self, network: str, origin: str):
        self.network = network
        self.origin = origin

    def refuse(self, field: str, value, message: str) -> NetworkError:
        return NetworkError(self.network, 'cni', value, '%s: %s %s' % (self.origin, field, message))

    def parsed(self, text: str, field: str) -> dict:
        try:
            config = json.loads(text)
        except ValueError as exc:
            raise self.refuse(field, None, 'is not JSON (%s); give the configuration a CNI runtime would read' % exc)
        if not isinstance(config, dict):
            raise self.refuse(field, config, 'is not a JSON object; a CNI configuration is one object')
        return config

    def unwrapped(self, config: dict) -> tuple[dict, str]:
        """The CNI configuration inside a NetworkAttachmentDefinition, or the configuration itself."""
        if config.get('kind') != NAD_KIND:
            return config, ''
        spec = config.get('spec') or {}
        inner = spec.get('config')
        if inner in (None, ''):
            raise self.refuse('spec.config', None, "is empty; this NetworkAttachmentDefinition leaves its "
                              "configuration to a file on each node: give that file as cni.file instead")
        where = 'spec.config.'
        return (inner if isinstance(inner, dict) else self.parsed(inner, 'spec.config')), where

    def main_plugin(self, config: dict, where: str) -> tuple[dict, str]:
        """The plugin that makes the pods' links: a .conf's own, or a .conflist's first (the rest may only tune)."""
        if 'plugins' not in config:
            return config, where
        plugins = config['plugins']
        if not isinstance(plugins, list) or not plugins or not all(isinstance(p, dict) for p in plugins):
            raise self.refuse(where + 'plugins', plugins, 'is not a list of plugin objects')
        for index, plugin in enumerate(plugins[1:], 1):
            if plugin.get('type') not in CNI_CHAINED_TYPES:
                raise self.refuse('%splugins[%d].type' % (where, index), plugin.get('type'), "'%s' is not a plugin "
                                  "this collection knows to leave the pods' addresses alone (%s); remove it from the "
                                  "chain, or describe the network without cni" % (
                                      plugin.get('type'), ', '.join(CNI_CHAINED_TYPES)))
        return plugins[0], where + 'plugins[0].'

    def source(self, config: dict) -> SourceView:
        config, where = self.unwrapped(config)
        plugin, where = self.main_plugin(config, where)
        kind = plugin.get('type')
        if kind not in NETWORK_DRIVERS:
            raise self.refuse(where + 'type', kind, "'%s' is not macvlan or ipvlan; only those plugins put pods on "
                              "the parent's network, where the host needs a shim" % (kind,))
        ipam = plugin.get('ipam')
        if not isinstance(ipam, dict) or ipam.get('type') not in CNI_IPAM_TYPES:
            found = ipam.get('type') if isinstance(ipam, dict) else ipam
            raise self.refuse(where + 'ipam.type', found, "'%s' is not an IPAM this collection reads (%s); the "
                              "host's routes come from the ranges it allocates from" % (found, ', '.join(CNI_IPAM_TYPES)))
        reader = {'host-local': self.host_local, 'static': self.static, 'whereabouts': self.whereabouts}[ipam['type']]
        subnets = reader(ipam, where + 'ipam.')
        if not subnets:
            raise self.refuse(where + 'ipam', ipam, 'gives no subnet; give the ranges pods get their addresses from')
        mode = plugin.get('mode') or CNI_DEFAULT_MODES[kind]
        label = '%s (network %s)' % (self.origin, config.get('name')) if config.get('name') else self.origin
        return SourceView(
            label=label, field='cni', driver=kind, parent=plugin.get('master') or None, mode=mode, subnets=subnets,
            reserved_shim=False, fixed='the CNI configuration decides it for every pod',
            alternative='change the configuration', no_range_fix='rangeStart/rangeEnd',
            no_shim_fix='reserves no address for the host; give shim_address: an address of the subnet outside '
            'the pods\' range %s', mtu=plugin.get('mtu'))

    # ------------------------------------------------------------ IPAM

    def host_local(self, ipam: dict, where: str) -> list[dict]:
        if ipam.get('ranges') is not None:
            sets = ipam['ranges']
            if not isinstance(sets, list) or not all(isinstance(s, list) for s in sets):
                raise self.refuse(where + 'ranges', sets, 'is not a list of range sets (each a list of ranges)')
            ranges = [(rng, '%sranges[%d][%d].' % (where, i, j)) for i, rset in enumerate(sets)
                      for j, rng in enumerate(rset)]
        elif ipam.get('subnet') is not None:
            ranges = [(ipam, where)]
        else:
            raise self.refuse(where + 'ranges', None, 'is missing; give ranges (or subnet) for host-local')
        return [self.range(rng, at, 'rangeStart', 'rangeEnd') for rng, at in ranges]

    def whereabouts(self, ipam: dict, where: str) -> list[dict]:
        ranges = [(ipam, where)] if ipam.get('range') is not None else []
        ranges += [(rng, '%sipRanges[%d].' % (where, i)) for i, rng in enumerate(ipam.get('ipRanges') or [])]
        if not ranges:
            raise self.refuse(where + 'range', None, 'is missing; give range (or ipRanges) for whereabouts')
        return [self.range(dict(rng, subnet=rng.get('range'), gateway=rng.get('gateway', ipam.get('gateway'))),
                           at, 'range_start', 'range_end', exclude=rng.get('exclude') or ())
                for rng, at in ranges]

    def static(self, ipam: dict, where: str) -> list[dict]:
        by_subnet = {}
        for index, item in enumerate(ipam.get('addresses') or []):
            field = '%saddresses[%d].address' % (where, index)
            try:
                interface = ipaddress.ip_interface(str((item or {}).get('address')))
            except ValueError:
                raise self.refuse(field, item, 'is not an address with a prefix, like 198.18.60.10/24')
            entry = by_subnet.setdefault(interface.network, {'addresses': [], 'gateway': item.get('gateway')})
            entry['addresses'].append(interface.ip)
        return [self.subnet(subnet, min(entry['addresses']), max(entry['addresses']), entry['gateway'],
                            '%saddresses' % where) for subnet, entry in by_subnet.items()]

    def range(self, rng: dict, where: str, start_key: str, end_key: str, exclude=()) -> dict:
        try:
            subnet = ipaddress.ip_network(str(rng.get('subnet')), strict=False)
        except ValueError:
            raise self.refuse(where + ('range' if start_key == 'range_start' else 'subnet'), rng.get('subnet'),
                              'is not a CIDR, like 198.18.60.0/24')
        if rng.get(start_key) in (None, '') or rng.get(end_key) in (None, ''):
            raise self.refuse(where + start_key, rng.get(start_key), "and %s are not both set, so the IPAM may give "
                              "a pod any address of %s, the host's shim address included; set %s and %s to the "
                              "pods' part of the subnet (a prefix such as %s) and keep the shim outside it"
                              % (end_key, subnet, start_key, end_key, _example(subnet)))
        bounds = []
        for key in (start_key, end_key):
            try:
                address = ipaddress.ip_address(str(rng[key]))
            except ValueError:
                raise self.refuse(where + key, rng[key], 'is not an IP address')
            if address not in subnet:
                raise self.refuse(where + key, rng[key], 'is outside %s' % subnet)
            bounds.append(address)
        start, end = _trimmed(bounds[0], bounds[1], self.excluded(exclude, where))
        return self.subnet(subnet, start, end, rng.get('gateway'), where + start_key)

    def excluded(self, exclude, where) -> list:
        blocks = []
        for index, item in enumerate(exclude):
            try:
                blocks.append(ipaddress.ip_network(str(item), strict=False))
            except ValueError:
                raise self.refuse('%sexclude[%d]' % (where, index), item, 'is not a CIDR')
        return blocks

    def subnet(self, subnet, start, end, gateway, field) -> dict:
        """One definition subnet: the range as the smallest prefix that holds it, which must leave out the gateway."""
        block = covering_network(start, end)
        if gateway not in (None, ''):
            try:
                gateway_ip = ipaddress.ip_address(str(gateway))
            except ValueError:
                raise self.refuse(field, gateway, 'names a gateway that is not an IP address')
            if gateway_ip in block:
                raise self.refuse(field, '%s-%s' % (start, end), "%s-%s needs the route %s through the host's shim (the "
                                  "smallest prefix that holds it), and that holds the gateway %s; make the pods' range "
                                  "a prefix that leaves the gateway out, such as %s" % (
                                      start, end, block, gateway, _example(subnet)))
        return {'subnet': str(subnet), 'gateway': str(gateway) if gateway not in (None, '') else None,
                'ip_range': str(block), 'shim_address': None}


def _trimmed(start, end, blocks):
    """The range without excluded blocks at either end (an exclusion inside it leaves the range as it is)."""
    moved = True
    while moved and start <= end:
        moved = False
        for block in blocks:
            if start in block:
                start, moved = block.broadcast_address + 1, True
            if end in block:
                end, moved = block.network_address - 1, True
    return start, end


def _example(subnet):
    """The upper half of a subnet, a prefix the pods could take that leaves the first addresses (gateway) out."""
    return str(list(subnet.subnets(prefixlen_diff=1))[-1]) if subnet.prefixlen < subnet.max_prefixlen else str(subnet)


def source_of(network: str, cni: dict, read_file=None) -> SourceView:
    """The SourceView of a definition's `cni` ({file: path} or {config: dict or JSON string})."""
    if cni.get('file'):
        path = cni['file']
        reader = _Reader(network, 'CNI configuration %s' % path)
        text = (read_file or _read_file)(network, path)
        return reader.source(reader.parsed(text, 'the file'))
    reader = _Reader(network, 'CNI configuration (cni.config)')
    config = cni['config']
    if isinstance(config, str):
        config = reader.parsed(config, 'cni.config')
    if not isinstance(config, dict):
        raise reader.refuse('cni.config', config, 'is neither a dictionary nor a JSON string')
    return reader.source(config)


def _read_file(network: str, path: str) -> str:
    try:
        with open(path, 'rb') as handle:
            data = handle.read(MAX_CONFIG_BYTES + 1)
    except OSError as exc:
        why = os.strerror(exc.errno) if exc.errno else exc
        raise NetworkError(network, 'cni', path, "cni.file %s cannot be read (%s); give the path of the .conflist or "
                           ".conf on the host (ls /etc/cni/net.d /etc/cni/multus/net.d)" % (path, why))
    if len(data) > MAX_CONFIG_BYTES:
        raise NetworkError(network, 'cni', path, 'cni.file %s is larger than %d bytes; that is not a CNI configuration'
                           % (path, MAX_CONFIG_BYTES))
    return data.decode('utf-8', 'replace')


def cni_views(raw_networks, read_file=None) -> dict:
    """Each definition that names `cni`, by network name: its SourceView (files read on this host)."""
    views = {}
    for raw in raw_networks or []:
        if not isinstance(raw, dict) or not isinstance(raw.get('cni'), dict) or not isinstance(raw.get('name'), str):
            continue  # malformed: the validation names it
        cni = raw['cni']
        if bool(cni.get('file')) == bool(cni.get('config')):
            continue  # neither or both: the validation says which to give
        views[raw['name']] = source_of(raw['name'], cni, read_file)
    return views
