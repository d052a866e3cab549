# Copyright: (c) 2026, underlay.network contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""The networkd backend: the stored state as systemd-networkd files.

.netdev for the VLANs and shims, .network for their addresses and routes, .link for the ownership
mark, and on the parent a drop-in on the .network networkd uses for it (a netplan-generated file stays
as it is), or a .network of ours when it has none.
"""

from __future__ import annotations

import os

from ansible_collections.underlay.network.plugins.module_utils._common.vocabulary import DEFAULT_IPVLAN_FLAG, DEFAULT_MODES
from ansible_collections.underlay.network.plugins.module_utils._host.shim import ShimSpec
from ansible_collections.underlay.network.plugins.module_utils._networks.definitions import shim_args
from ansible_collections.underlay.network.plugins.module_utils._persist.files import (
    HEADER, NETWORKD_DIR, NETWORKD_PREFIX, File, ini_text, networkd_path, owned_paths)
from ansible_collections.underlay.network.plugins.module_utils._persist.marks import owner_mark_files


DROPIN_NAME = '60-underlay-network.conf'
SHIM_SYSCTLS = 'etc/sysctl.d/60-underlay-network-shims.conf'


_QUIET_LINK = [('LinkLocalAddressing', 'no'), ('IPv6AcceptRA', 'no'), ('ConfigureWithoutCarrier', 'yes')]


def _networkd_mode(net):
    if net['driver'] == 'macvlan':
        return [('Mode', net['mode'] or DEFAULT_MODES['macvlan'])]
    return [('Mode', (net['mode'] or DEFAULT_MODES['ipvlan']).upper()), ('Flags', DEFAULT_IPVLAN_FLAG)]


def _file(link, suffix, text):
    return File(networkd_path(link, suffix), content=HEADER % 'networkd' + text)


def network_file_of(root, ifname):
    """The .network file networkd configures IFNAME with now (its state file says), or None."""
    if root != '/':
        return None
    try:
        with open('/sys/class/net/%s/ifindex' % ifname) as handle:
            index = int(handle.read())
        with open('/run/systemd/netif/links/%d' % index) as handle:
            for line in handle:
                if line.startswith('NETWORK_FILE='):
                    return line.split('=', 1)[1].strip() or None
    except (OSError, ValueError):
        return None
    return None


def networkd_files(root: str, derived: dict, proxy_ndp: dict[str, tuple] | None = None) -> list[File]:
    """The networks as networkd files (the host's own namespace only); `proxy_ndp`: {shim: addresses} of the
    shims that answer for the host's IPv6 addresses on their parent (proxy NDP, which needs the shim to forward)."""
    proxy_ndp = proxy_ndp or {}
    files = []
    children = {}  # link -> [(key, child)]: what networkd must create on it
    for vlan in derived['vlans']:
        name = vlan['name']
        children.setdefault(vlan['parent'], []).append(('VLAN', name))
        files.append(_file(name, '.netdev',
                           ini_text([('NetDev', [('Name', name), ('Kind', 'vlan')]), ('VLAN', [('Id', vlan['vlan_id'])])])))
    for net in derived['networks']:
        shim, kind = net['shim_name'], net['driver']
        children.setdefault(net['link_parent'], []).append((kind.upper(), shim))
        files.append(_file(shim, '.netdev', ini_text([
            ('NetDev', [('Name', shim), ('Kind', kind)]), (kind.upper(), _networkd_mode(net))])))
        sections = [('Match', [('Name', shim)]), ('Link', [('RequiredForOnline', 'no')]), ('Network', _QUIET_LINK)]
        for subnet in net['subnets']:
            address = subnet['shim_address']
            host = '%s/%d' % (address, 128 if ':' in address else 32)
            dad = [('DuplicateAddressDetection', 'none')] if ':' in address else []  # the engine's nodad
            sections.append(('Address', [('Address', host)] + dad))
        if shim in proxy_ndp:
            sections[2] = ('Network', _QUIET_LINK + [('IPv6ProxyNDP', 'yes')] +
                           [('IPv6ProxyNDPAddress', address) for address in proxy_ndp[shim]])
        sources = ShimSpec(shim_args(net)).route_sources()  # the engine's rule: one source per subnet when several
        for subnet in net['subnets']:
            source = sources.get(subnet['ip_range'])
            sections.append(('Route', [('Destination', subnet['ip_range']), ('Protocol', 209),
                                       ('Metric', net['metric'])] +
                             ([('PreferredSource', source)] if source else []) +
                             ([] if ':' in subnet['ip_range'] else [('Scope', 'link')])))
        files.append(_file(shim, '.network', ini_text(sections)))
    files += owner_mark_files(derived, 'networkd')
    if proxy_ndp:
        # networkd (before 256) sets forwarding only for the whole host; systemd-sysctl applies an interface's
        # sysctl.d lines when udev sees the interface appear (the slash form keeps dots in names)
        files.append(File(SHIM_SYSCTLS, content=HEADER % 'networkd' + ''.join(
            'net/ipv6/conf/%s/forwarding = 1\n' % shim for shim in sorted(proxy_ndp))))
    vlan_names = {vlan['name'] for vlan in derived['vlans']}
    for link, items in sorted(children.items()):
        pairs = list(items)
        if link in vlan_names:
            files.append(_file(link, '.network', ini_text([
                ('Match', [('Name', link)]), ('Link', [('RequiredForOnline', 'no')]), ('Network', _QUIET_LINK + pairs)])))
            continue
        current = network_file_of(root, link)
        if current and not os.path.basename(current).startswith(NETWORKD_PREFIX):
            # the parent's own .network (netplan's, the distribution's): a drop-in beside it, the file untouched
            files.append(File(os.path.join(NETWORKD_DIR, os.path.basename(current) + '.d', DROPIN_NAME),
                              content=HEADER % 'networkd' + ini_text([('Network', pairs)])))
        else:
            files.append(_file(link, '.network', ini_text([
                ('Match', [('Name', link)]), ('Link', [('RequiredForOnline', 'no')]),
                ('Network', _QUIET_LINK + [('KeepConfiguration', 'yes')] + pairs)])))
    return files


def networkd_cleanup(root, wanted):
    paths = {item.path for item in wanted}
    existing = owned_paths(root, os.path.join(NETWORKD_DIR, NETWORKD_PREFIX + '*'))
    existing += owned_paths(root, os.path.join(NETWORKD_DIR, '*.d', DROPIN_NAME))
    existing += owned_paths(root, SHIM_SYSCTLS)
    return [File(path) for path in existing if path not in paths]
