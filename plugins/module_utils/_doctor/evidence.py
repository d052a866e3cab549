# Copyright: (c) 2026, underlay.network contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""What the doctor reads, never changes: links and their ports in every named namespace, the NIC's driver and
whether it is wireless, DMI, network sysctls, the container engines' networks.

The NIC facts come from ioctls on a socket made inside the host's namespace (a socket belongs to the
namespace it was made in), because /sys/class/net shows the namespace that mounted /sys, not ours.
"""

from __future__ import annotations

import ctypes
import fcntl
import glob
import json
import os
import socket
import struct

from ansible_collections.underlay.network.plugins.module_utils._common.vocabulary import PORT_KINDS
from ansible_collections.underlay.network.plugins.module_utils._kernel import netlink as nl
from ansible_collections.underlay.network.plugins.module_utils._kernel import sysctl
from ansible_collections.underlay.network.plugins.module_utils._links.kinds import KINDS
from ansible_collections.underlay.network.plugins.module_utils._networks.docker import DockerClient, DockerError
from ansible_collections.underlay.network.plugins.module_utils._networks.podman import network_view as podman_network_view


SIOCETHTOOL, ETHTOOL_GDRVINFO = 0x8946, 3
SIOCGIWNAME = 0x8B01  # wireless extensions: "what protocol are you" - answered only by wireless NICs
DMI_DIR = '/sys/class/dmi/id'
DMI_FIELDS = ('sys_vendor', 'product_name', 'bios_vendor', 'chassis_asset_tag')
PODMAN_NETWORKS = '/etc/containers/networks'
DOCKER_MTU_OPTION = 'com.docker.network.driver.mtu'
SYSCTL_KEYS = ('rp_filter', 'arp_ignore', 'arp_filter')
# namespaces of the collection's own throwaway probes: never a host's ports
PROBE_PREFIXES = ('ul-doctor-', 'ul-probe-')


def _decode_link(payload):
    link = nl.decode_link(payload)
    attrs = nl.parse_attrs(payload, nl.IFINFOMSG_SIZE, only=frozenset((nl.IFLA_PROMISCUITY,)))
    link['promiscuity'] = nl.as_u32(attrs[nl.IFLA_PROMISCUITY]) if nl.IFLA_PROMISCUITY in attrs else None
    return link


def read_links(netns):
    """(links with promiscuity, addresses) of one namespace: one dump each."""
    with nl.Netlink(netns) as sock:
        links = sock.dump(nl.RTM_GETLINK, nl.ifinfo() + nl.u32(nl.IFLA_EXT_MASK, nl.RTEXT_FILTER_SKIP_STATS),
                          _decode_link)
        return links, sock.addresses()


def _port(link, netns):
    options = KINDS[link['kind']].read(link) if link['kind'] in KINDS else {}
    return {'name': link['name'], 'netns': netns, 'kind': link['kind'], 'mode': options.get('mode'),
            'mtu': link['mtu'], 'macaddress': link['macaddress']}


def ports_by_parent(netns, links):
    """{parent index: [ports]}: the macvlan/ipvlan ports of every link of `netns`, in it and in every other named
    namespace (a container's eth0 lives in the container's namespace, its parent in the host's)."""
    ports = {}
    for link in links:
        if link['kind'] in PORT_KINDS and link['link'] and link['link_netnsid'] is None:
            ports.setdefault(link['link'], []).append(_port(link, None))
    for other in nl.list_namespaces():
        if other == netns or other.startswith(PROBE_PREFIXES):
            continue
        try:
            with nl.Netlink(other) as sock:
                ours = sock.nsid_of(netns)
                found = [link for link in sock.links() if link['kind'] in PORT_KINDS and ours >= 0
                         and link['link_netnsid'] == ours]
        except (OSError, nl.NetlinkError):
            continue  # a namespace that went away meanwhile, or one we may not enter
        for link in found:
            ports.setdefault(link['link'], []).append(_port(link, other))
    return ports


def nic_facts(netns, ifname):
    """{'driver': the NIC driver (ethtool) or None, 'wireless': bool, 'wireless_evidence': what told us}."""
    with nl.in_namespace(netns):
        sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    try:
        name = ifname.encode('utf-8')[:15]
        info = ctypes.create_string_buffer(struct.pack('=I', ETHTOOL_GDRVINFO) + b'\0' * 192)
        try:
            fcntl.ioctl(sock, SIOCETHTOOL, struct.pack('16sP', name, ctypes.addressof(info)))
            driver = info.raw[4:36].split(b'\0', 1)[0].decode('utf-8', 'replace') or None
        except OSError:
            driver = None
        try:
            answer = fcntl.ioctl(sock, SIOCGIWNAME, struct.pack('16s16s', name, b''))
            protocol = answer[16:32].split(b'\0', 1)[0].decode('utf-8', 'replace')
        except OSError:  # EOPNOTSUPP, ENOTTY: a wired NIC
            protocol = None
    finally:
        sock.close()
    sysfs = _sysfs_wireless(netns, ifname)
    if protocol:
        return {'driver': driver, 'wireless': True, 'wireless_evidence': 'it answers the wireless ioctl (%s)' % protocol}
    if sysfs:
        return {'driver': driver, 'wireless': True, 'wireless_evidence': sysfs}
    return {'driver': driver, 'wireless': False,
            'wireless_evidence': 'not wireless (no answer to the wireless ioctl%s)' % (
                ', no wireless or phy80211 in /sys/class/net/%s' % ifname if netns is None else '')}


def _sysfs_wireless(netns, ifname):
    if netns is not None:  # /sys/class/net is the namespace that mounted /sys
        return None
    for entry in ('wireless', 'phy80211'):
        if os.path.exists(os.path.join('/sys/class/net', ifname, entry)):
            return '/sys/class/net/%s/%s exists' % (ifname, entry)
    return None


def dmi(root=DMI_DIR):
    """The DMI fields that tell the platform (empty strings where the machine has none)."""
    values = {}
    for field in DMI_FIELDS:
        try:
            with open(os.path.join(root, field)) as handle:
                values[field] = handle.read().strip()
        except OSError:
            values[field] = ''
    return values


def sysctls(netns, interfaces):
    """{interface: {key: value}} for all, default and the interfaces named (values as ints, None when absent)."""
    names = ['all', 'default'] + [name for name in interfaces if name]
    keys = {(name, key): 'net/ipv4/conf/%s/%s' % (name, key) for name in names for key in SYSCTL_KEYS}
    read = sysctl.read(netns, keys.values())
    result = {name: {} for name in names}
    for (name, key), path in keys.items():
        value = read.get(path)
        result[name][key] = int(value) if value not in (None, '') else None
    return result


def docker(docker_host):
    """{reachable, error, version, networks [{name, driver, parent, mtu}]} of the Docker engine."""
    try:
        client = DockerClient(docker_host, timeout=10)
        status, version = client.request('GET', '/version')
        if status >= 400:
            raise DockerError('Docker answered %s to /version' % status)
        networks = [{'name': raw.get('Name'), 'driver': raw.get('Driver'),
                     'parent': (raw.get('Options') or {}).get('parent'),
                     'mtu': _int((raw.get('Options') or {}).get(DOCKER_MTU_OPTION))}
                    for raw in client.networks() if raw.get('Driver') in ('macvlan', 'ipvlan')]
        return {'reachable': True, 'error': None, 'version': (version or {}).get('Version'), 'networks': networks}
    except DockerError as exc:
        return {'reachable': False, 'error': exc.message, 'version': None, 'networks': []}


def _int(text):
    try:
        return int(text)
    except (TypeError, ValueError):
        return None


def podman(folder=PODMAN_NETWORKS):
    """Podman's (netavark's) macvlan/ipvlan networks, from its network files (the JSON `podman network ls` prints):
    [{name, driver, parent}]. Read, not asked: the doctor runs no podman command."""
    found = []
    for path in sorted(glob.glob(os.path.join(folder, '*.json'))):
        try:
            with open(path) as handle:
                raw = json.load(handle)
        except (OSError, ValueError):
            continue
        if isinstance(raw, dict) and raw.get('driver') in ('macvlan', 'ipvlan'):
            view = podman_network_view(raw)
            found.append({'name': view['name'], 'driver': view['driver'], 'parent': view['parent']})
    return found
