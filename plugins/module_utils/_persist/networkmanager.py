# Copyright: (c) 2026, underlay.network contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""The networkmanager backend: the networks' host side as NetworkManager keyfile profiles.

A `vlan` profile per VLAN sub-interface and a `macvlan` profile per macvlan shim (one address per subnet,
one route per container range with its metric and source, never the default route), under
/etc/NetworkManager/system-connections/ as underlay-network-<link>.nmconnection, root's and 0600 (NetworkManager
refuses other keyfiles). Each carries the mark NM_PROFILE_MARK in its [user] setting: later runs and `absent`
know our profiles by it (and by the name), never a profile made by hand.

What a profile cannot say is written beside it: the ownership mark as udev .link files (as the networkd backend
does), `accept_dad = 0` for the shims' IPv6 addresses (usable at once, as the engine adds them) as sysctl.d lines
systemd-sysctl applies when the link appears, and proxy NDP (its switches and the neighbour entries) as a
dispatcher script NetworkManager runs when the shim is up.

NetworkManager before 1.52 has no ipvlan profiles: an ipvlan network, and the VLAN it sits on, is kept by the
engine backend on the same host (split()). NetworkManager sets a profile's routes with its own protocol (static),
not ours (209): the shims of our profiles are read with both (kept_links(), _host.shim).
"""

from __future__ import annotations

import os
import re
import shutil
import uuid

from ansible_collections.underlay.network.plugins.module_utils._common.vocabulary import (
    DEFAULT_MODES, NM_IPVLAN_MODES, NM_IPVLAN_SINCE, NM_MACVLAN_MODES, NM_PROFILE_MARK)
from ansible_collections.underlay.network.plugins.module_utils._host.shim import ShimSpec
from ansible_collections.underlay.network.plugins.module_utils._kernel.netlink import RTPROT_UNDERLAY
from ansible_collections.underlay.network.plugins.module_utils._networks.definitions import shim_args
from ansible_collections.underlay.network.plugins.module_utils._persist.files import (
    HEADER, NM_DISPATCHER_DIR, NM_PROFILE_PREFIX, NM_PROFILE_SUFFIX, File, PersistError, ini_text, nm_profile_path,
    open_regular, owned_paths)
from ansible_collections.underlay.network.plugins.module_utils._persist.marks import owner_mark_files


MARK_VALUE = 'host_networks'
NM_SYSCTLS = 'etc/sysctl.d/60-underlay-network-nm-shims.conf'
DISPATCHER = os.path.join(NM_DISPATCHER_DIR, '60-underlay-network-proxy-ndp')
_UUIDS = uuid.UUID('0b5f3d5e-8c1a-4d7e-9a51-2c6f0e4b7a10')  # the namespace of our profiles' UUIDs


def link_exists(name):
    return os.path.exists('/sys/class/net/%s' % name)


def profile_link(path):
    """The link of one of our profiles, from its file name."""
    return os.path.basename(path)[len(NM_PROFILE_PREFIX):-len(NM_PROFILE_SUFFIX)]


def profile_id(path):
    """The id (the name nmcli shows) of one of our profiles, from its file name."""
    return NM_PROFILE_PREFIX + profile_link(path)


def nm_version(text):
    """(major, minor) from `nmcli --version` ("nmcli tool, version 1.42.4"), or None."""
    found = re.search(r'(\d+)\.(\d+)', text or '')
    return (int(found.group(1)), int(found.group(2))) if found else None


def split(derived, version):
    """(the part of `derived` NetworkManager keeps, the names of the networks the engine backend keeps).

    NetworkManager `version` (None: unknown, taken as one without ipvlan profiles) keeps macvlan networks, and
    ipvlan ones from 1.52; a VLAN goes with the networks on it (they are of one driver: a parent takes ports of
    one family only)."""
    has_ipvlan = version is not None and version >= NM_IPVLAN_SINCE
    ours = [net for net in derived['networks'] if net['driver'] == 'macvlan' or has_ipvlan]
    engines = [net['name'] for net in derived['networks'] if net not in ours]
    engine_parents = {net['link_parent'] for net in derived['networks'] if net not in ours}
    vlans = [vlan for vlan in derived['vlans'] if vlan['name'] not in engine_parents]
    return dict(derived, networks=ours, vlans=vlans), engines


def _profile(link, kind, sections):
    """The keyfile of one profile: connection, the kind's own sections, the mark."""
    connection = [('id', NM_PROFILE_PREFIX + link), ('uuid', str(uuid.uuid5(_UUIDS, link))), ('type', kind),
                  ('interface-name', link)]
    text = ini_text([('connection', connection)] + sections + [('user', [(NM_PROFILE_MARK, MARK_VALUE)])])
    return File(nm_profile_path(link), content=HEADER % 'networkmanager' + text, mode=0o600)


def _ip_sections(net, sources):
    """[ipv4] and [ipv6]: the shim's addresses (one per subnet), a route per container range, no default route."""
    sections = []
    for family, host_length, any_address in (('ipv4', 32, '0.0.0.0'), ('ipv6', 128, '::')):
        subnets = [item for item in net['subnets'] if (':' in item['shim_address']) == (family == 'ipv6')]
        if not subnets:
            # no address of this family: IPv4 off, IPv6 left to the kernel (as on a link the engine makes)
            sections.append((family, [('method', 'disabled' if family == 'ipv4' else 'ignore')]))
            continue
        pairs = [('address%d' % number, '%s/%d' % (item['shim_address'], host_length))
                 for number, item in enumerate(subnets, 1)]
        pairs += [('method', 'manual'), ('never-default', 'true')]
        for number, item in enumerate(subnets, 1):
            pairs.append(('route%d' % number, '%s,%s,%d' % (item['ip_range'], any_address, net['metric'])))
            if sources.get(item['ip_range']):
                pairs.append(('route%d_options' % number, 'src=%s' % sources[item['ip_range']]))
        sections.append((family, pairs))
    return sections


def link_macs(root, names):
    """{link: MAC address} of the links that exist now (only under the real /: a persist_root has no kernel)."""
    macs = {}
    for name in names if root == '/' else ():
        try:
            with open('/sys/class/net/%s/address' % name) as handle:
                macs[name] = handle.read().strip()
        except OSError:
            continue
    return macs


def networkmanager_files(kept: dict, proxy_ndp: dict[str, tuple] | None = None,
                         macs: dict[str, str] | None = None) -> list[File]:
    """The profiles of `kept` (split()'s first part), and the sysctl.d file and dispatcher script beside them.
    `macs`: each shim's MAC address now, which its profile keeps: NetworkManager makes a shim again whenever it
    activates it (a boot, `nmcli networking on`), and with a new address the containers would send to the old one
    until their neighbour entries expire."""
    files = []
    for vlan in kept['vlans']:
        files.append(_profile(vlan['name'], 'vlan', [
            ('vlan', [('flags', 1), ('id', vlan['vlan_id']), ('parent', vlan['parent'])]),  # flags 1: reorder headers
            ('ipv4', [('method', 'disabled')]), ('ipv6', [('method', 'ignore')])]))
    sysctls = []
    for net in kept['networks']:
        shim, kind = net['shim_name'], net['driver']
        # an ipvlan profile (NetworkManager 1.52 on) in the engine's flag, bridge: neither `private` nor `vepa`
        modes = NM_MACVLAN_MODES if kind == 'macvlan' else NM_IPVLAN_MODES
        own = [('mode', modes[net['mode'] or DEFAULT_MODES[kind]]), ('parent', net['link_parent'])]
        sources = ShimSpec(shim_args(net)).route_sources()  # the engine's rule: one source per subnet when several
        # in NetworkManager's own spelling (upper case), so a profile it rewrites reads the same
        mac = [('ethernet', [('cloned-mac-address', macs[shim].upper())])] if (macs or {}).get(shim) else []
        files.append(_profile(shim, kind, mac + [(kind, own)] + _ip_sections(net, sources)))
        if any(':' in item['shim_address'] for item in net['subnets']):
            sysctls.append('net/ipv6/conf/%s/accept_dad = 0\n' % shim)
    proxies = {shim: addresses for shim, addresses in sorted((proxy_ndp or {}).items())
               if addresses and shim in {net['shim_name'] for net in kept['networks']}}
    files += owner_mark_files(kept, 'networkmanager')
    if sysctls:
        # systemd-sysctl applies an interface's lines when udev sees it appear, before NetworkManager configures it
        files.append(File(NM_SYSCTLS, content=HEADER % 'networkmanager' + ''.join(sysctls)))
    if proxies:
        files.append(File(DISPATCHER, content=_dispatcher(proxies), mode=0o755))
    return files


def _dispatcher(proxies):
    """NetworkManager runs dispatcher.d scripts with the interface and the action: a shim that came up answers
    neighbour solicitations for the host's IPv6 addresses on its parent again (a profile has no such setting)."""
    cases = ''.join('  %s) addresses="%s" ;;\n' % (shim, ' '.join(addresses)) for shim, addresses in proxies.items())
    # forwarding after NetworkManager configured the link (it sets it back while activating it)
    return ('#!/bin/sh\n' + HEADER % 'networkmanager' +
            '# The shims answer for the host IPv6 addresses on their parents (proxy NDP) once NetworkManager has them up.\n'
            '[ "$2" = up ] || exit 0\n'
            'case "$1" in\n%s  *) exit 0 ;;\nesac\n'
            'echo 1 > "/proc/sys/net/ipv6/conf/$1/proxy_ndp"\n'
            'echo 1 > "/proc/sys/net/ipv6/conf/$1/forwarding"\n'
            'for address in $addresses; do\n  ip -6 neigh replace proxy "$address" dev "$1"\ndone\n' % cases)


def networkmanager_cleanup(root, wanted):
    """Our files no longer wanted: profiles (by name and mark), the sysctl.d file, the dispatcher script."""
    paths = {item.path for item in wanted}
    existing = [path for path in owned_paths(root, nm_profile_path('*')) if read_profile(root, path)]
    existing += owned_paths(root, NM_SYSCTLS) + owned_paths(root, DISPATCHER)
    return [File(path) for path in existing if path not in paths]


def read_profile(root, path):
    """{section: {key: value}} of one of our profiles, or None when the file does not carry our mark (a profile
    someone named like ours stays theirs)."""
    try:
        fd = open_regular(os.path.join(root, path))
    except (OSError, PersistError):
        return None
    sections, current = {}, None
    with os.fdopen(fd, encoding='utf-8', errors='replace') as handle:  # a hand-made file may be in any encoding
        for line in handle:
            line = line.strip()
            if line.startswith('[') and line.endswith(']'):
                current = sections.setdefault(line[1:-1], {})
            elif current is not None and '=' in line and not line.startswith('#'):
                key, value = line.split('=', 1)
                current[key.strip()] = value.strip()
    return sections if sections.get('user', {}).get(NM_PROFILE_MARK) == MARK_VALUE else None


def kept_links(root):
    """{link name: profile path} of the links our profiles on disk describe (NetworkManager keeps them)."""
    found = {}
    for path in owned_paths(root, nm_profile_path('*')):
        profile = read_profile(root, path)
        if profile and profile.get('connection', {}).get('interface-name'):
            found[profile['connection']['interface-name']] = path
    return found


def profile_routes(profile):
    """[(destination, metric, source or None)] of a profile's routes, both families."""
    routes = []
    for family in ('ipv4', 'ipv6'):
        section = profile.get(family, {})
        for key, value in sorted(section.items()):
            if re.match(r'^route\d+$', key):
                parts = value.split(',')
                options = dict(item.split('=', 1) for item in section.get(key + '_options', '').split(',') if '=' in item)
                metric = int(parts[2]) if len(parts) > 2 and parts[2] else None
                routes.append((parts[0], metric, options.get('src')))
    return routes


class NetworkManagerCli:
    """NetworkManager at runtime, through nmcli (AnsibleModule.run_command): it reads our profiles when told to
    (it does not watch the folder), and is never restarted."""

    def __init__(self, run_command):
        self.run_command = run_command

    @staticmethod
    def available():
        return shutil.which('nmcli', path=os.environ.get('PATH', '') + ':/usr/bin:/usr/sbin:/bin:/sbin') is not None

    def run(self, *args, check=True):
        try:
            code, out, err = self.run_command(['nmcli'] + list(args))
        except OSError as exc:  # no nmcli at all
            code, out, err = 127, '', str(exc)
        if code != 0 and check:
            raise PersistError('nmcli %s failed (%s): %s' % (' '.join(args), code, (err or out).strip()),
                               'persist', 'networkmanager')
        return code, out

    def preflight(self):
        """NetworkManager's (major, minor); a PersistError before anything changes when it is not there or not
        running."""
        code, out = self.run('--version', check=False) if self.available() else (127, '')
        version = nm_version(out) if code == 0 else None
        if version is None:
            raise PersistError("persist: networkmanager needs NetworkManager and its nmcli on the host, and nmcli was "
                               "not found or did not answer; install NetworkManager, or use persist: engine or "
                               "networkd. Nothing was changed", 'persist', 'networkmanager')
        if not self.running():
            raise PersistError("persist: networkmanager: NetworkManager is not running; start it (systemctl start "
                               "NetworkManager), or use persist: engine or networkd. Nothing was changed",
                               'persist', 'networkmanager')
        return version

    def running(self):
        if not self.available():
            return False
        code, out = self.run('-t', '-f', 'RUNNING', 'general', check=False)
        return code == 0 and out.strip() == 'running'

    def leave_alone(self, links):
        """NetworkManager unmanages these links now (the engine's: its drop-in in conf.d says so only from its next
        start, and meanwhile `nmcli networking off` would flush a macvlan it assumed as its own)."""
        if links and self.running():
            for link in links:
                if link_exists(link):
                    self.run('device', 'set', link, 'managed', 'no', check=False)

    def release(self, link, profile, run_ip):
        """NetworkManager lets go of LINK (its profile is going while the link stays): the device unmanaged, so
        taking the profile away does not take the link down; the routes it set become ours again (protocol 209)."""
        self.run('device', 'set', link, 'managed', 'no')
        for destination, metric, source in profile_routes(profile):
            argv = ['ip', '-6' if ':' in destination else '-4', 'route', 'replace', destination, 'dev', link,
                    'proto', str(RTPROT_UNDERLAY)]
            argv += ['metric', str(metric)] if metric is not None else []
            argv += ['src', source] if source else []
            run_ip(argv)

    def active_profiles(self):
        """{device: the profile it is active with}."""
        code, out = self.run('-t', '-f', 'DEVICE,CONNECTION', 'device', check=False)
        pairs = [line.replace('\\:', '\0').split(':', 1) for line in out.splitlines()] if code == 0 else []
        return {device.replace('\0', ':'): profile.replace('\0', ':') for device, profile in pairs if profile}

    def load(self, paths):
        """NetworkManager reads these keyfiles again (a path no longer there: the profile goes)."""
        if paths:
            self.run('connection', 'load', *['/' + path for path in paths])

    def activate(self, links):
        """Each link's profile up, in order (VLANs before the shims on them): NetworkManager takes over the link
        the engine made (the same kind and parent: it keeps it) and keeps it from now on."""
        for link in links:
            self.run('device', 'set', link, 'managed', 'yes', check=False)  # released by an earlier run
            self.run('connection', 'up', NM_PROFILE_PREFIX + link)
