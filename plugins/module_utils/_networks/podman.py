# Copyright: (c) 2026, underlay.network contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Podman macvlan and ipvlan networks through the podman command (JSON output).

Podman usually runs without its API service, so the collection calls the CLI: `podman network ls`,
`create`, `rm`, `ps` and `info`, each with --format json where it reads. With `podman_host` (a service socket,
unix:///run/podman/podman.sock) the same commands run as a remote client (`podman --url`), against that
service. Podman has no auxiliary addresses, so the shim's address must lie outside the container range,
which Podman keeps as a lease range (first and last address; the role creates it from ip_range). Unlike
Docker, Podman takes several macvlan networks on one parent.
"""

from __future__ import annotations

import ipaddress
import json
import os

from ansible_collections.underlay.network.plugins.module_utils._common.errors import UnderlayError, ValidationError
from ansible_collections.underlay.network.plugins.module_utils._common.fields import covering_network
from ansible_collections.underlay.network.plugins.module_utils._common.vocabulary import (
    DEFAULT_MODES, ENGINE_LABEL, PODMAN_COMMAND, PODMAN_IPVLAN_SINCE)
from ansible_collections.underlay.network.plugins.module_utils._networks.from_source import SourceView, engine_name_of


# where distributions install netavark (Podman's helper_binaries_dir), for its version in a message
_NETAVARK = ('/usr/libexec/podman/netavark', '/usr/lib/podman/netavark', '/usr/local/libexec/podman/netavark')


class PodmanError(UnderlayError):
    """podman refused or could not run: the message carries its own words."""


class PodmanClient:
    """The podman commands the collection runs; `podman_host` makes them a remote client of that service.

    `run_command(argv)` -> (rc, stdout, stderr) runs them (AnsibleModule.run_command). Without a service, the
    command runs in network namespace `netns` when one is given (host_networks' netns): Podman checks a
    macvlan network's parent in the namespace it runs in."""

    def __init__(self, podman_host: str | None = None, run_command=None, netns: str | None = None,
                 command: str = PODMAN_COMMAND):
        if podman_host and not podman_host.startswith(('unix://', 'tcp://', 'ssh://')):
            raise ValidationError("podman_host '%s' is not a service address; give unix:///run/podman/podman.sock "
                                  "(podman system service), or leave it out to run the podman command"
                                  % podman_host, 'podman_host', podman_host)
        self.base = [command] + (['--url', podman_host] if podman_host else [])
        if netns and not podman_host:
            self.base = ['ip', 'netns', 'exec', netns] + self.base
        self.remote = bool(podman_host)
        self.run_command = run_command
        self._capabilities = None

    def run(self, *args: str, doing: str) -> str:
        if self.run_command is None:
            raise PodmanError('cannot %s: no command runner was given to the Podman client' % doing)
        try:
            rc, out, err = self.run_command(self.base + list(args))
        except OSError as exc:  # AnsibleModule.run_command fails the module itself; a plain runner raises
            rc, out, err = 127, '', str(exc)
        if rc == 127 or 'No such file' in err and not out:
            raise PodmanError("cannot %s: the podman command is not installed on this host (apt/dnf install podman), "
                              "or give podman_host" % doing, 'podman', PODMAN_COMMAND)
        if rc != 0:
            said = err.strip().replace('Error: ', '') or 'exit status %d' % rc
            raise PodmanError('Podman refused to %s: %s' % (doing, said))
        return out

    def json(self, *args: str, doing: str):
        text = self.run(*args, doing=doing)
        try:
            return json.loads(text) if text.strip() else []
        except ValueError:
            raise PodmanError('cannot %s: podman printed no JSON (%s)' % (doing, text[:200]))

    def networks(self) -> list[dict]:
        return self.json('network', 'ls', '--format', 'json', doing='list networks') or []

    def network(self, name: str) -> dict | None:
        return next((net for net in self.networks() if net.get('name') == name), None)

    def containers(self, name: str) -> list[str]:
        """The containers attached to network `name`, running or not (Podman removes no network in use)."""
        found = self.json('ps', '--all', '--format', 'json', '--filter', 'network=%s' % name,
                          doing="list the containers on network '%s'" % name) or []
        return sorted(item['Names'][0] if item.get('Names') else item.get('Id', '')[:12] for item in found)

    def create(self, params: dict) -> None:
        """Create the network the role planned (definitions' engine network parameters)."""
        self.run(*create_args(params), doing="create network '%s'" % params['name'])

    def remove_network(self, network_id: str, name: str) -> None:
        self.run('network', 'rm', name, doing="remove network '%s'" % name)

    def capabilities(self) -> dict:
        """{'version': (major, minor), 'text': '4.3.1', 'backend': 'netavark' or 'cni', 'netavark': '1.4.0' or None}."""
        if self._capabilities is None:
            info = self.json('info', '--format', 'json', doing='read its version')
            text = (info.get('version') or {}).get('Version', '0.0')
            numbers = [int(part) if part.isdigit() else 0 for part in text.split('-')[0].split('.')[:2]]
            self._capabilities = {'version': tuple(numbers + [0] * (2 - len(numbers))), 'text': text,
                                  'backend': (info.get('host') or {}).get('networkBackend') or 'cni',
                                  'netavark': None if self.remote else self._netavark_version()}
        return self._capabilities

    def _netavark_version(self) -> str | None:
        for path in _NETAVARK:
            if os.access(path, os.X_OK):
                rc, out, _err = self.run_command([path, '--version'])
                return out.split()[-1] if rc == 0 and out.split() else None
        return None

    def lacks(self, driver: str) -> str | None:
        """Why this Podman cannot make `driver` networks, or None when it can."""
        if driver != 'ipvlan':
            return None
        found = self.capabilities()
        if found['version'] >= PODMAN_IPVLAN_SINCE:
            return None
        if found['backend'] == 'cni':
            # seen with 4.3: 'unsupported network option parent'; its ipvlan networks take the default route's NIC
            return ("this Podman (%s, CNI backend) takes no parent for ipvlan networks (it refuses -o parent), so "
                    "it cannot put one on a given NIC: create the network by hand (podman network create -d ipvlan, "
                    "which uses the NIC of the default route) and name it with podman.create: false, use macvlan, or "
                    "Podman %d.%d or newer" % ((found['text'],) + PODMAN_IPVLAN_SINCE))
        backend = 'netavark %s' % found['netavark'] if found['netavark'] else 'the netavark backend'
        return ("this Podman (%s, %s) has no ipvlan networks: netavark gained them with Podman %d.%d. Use macvlan, "
                "an ipvlan network made by hand with Podman's CNI backend (network_backend = \"cni\"), or a newer "
                "Podman" % ((found['text'], backend) + PODMAN_IPVLAN_SINCE))


def _lease_block(lease: dict | None):
    """Podman's lease range (first and last address) as the prefix the role created it from, or None."""
    if not lease or not lease.get('start_ip'):
        return None
    start = ipaddress.ip_address(lease['start_ip'])
    return str(covering_network(start, ipaddress.ip_address(lease.get('end_ip') or lease['start_ip'])))


def network_view(raw: dict) -> dict:
    """A Podman network (network ls JSON) in the collection's terms."""
    driver = raw.get('driver')
    options = raw.get('options') or {}
    return {
        'name': raw.get('name'), 'id': raw.get('id'), 'driver': driver,
        'parent': raw.get('network_interface') or None,
        # netavark and the CNI plugins make bridge (macvlan) and l2 (ipvlan) ports when no mode is given
        'mode': options.get('mode') or DEFAULT_MODES.get(driver),
        'subnets': [{'subnet': item.get('subnet'), 'gateway': item.get('gateway'),
                     'ip_range': _lease_block(item.get('lease_range'))} for item in raw.get('subnets') or []],
        'ipv6': bool(raw.get('ipv6_enabled')),
        'managed': (raw.get('labels') or {}).get(ENGINE_LABEL) == 'true',
    }


def podman_source(view: dict) -> SourceView:
    """A Podman network as the source of a definition: no address is reserved for the host."""
    return SourceView(
        label="Podman network '%s'" % view['name'], field='podman', driver=view['driver'], parent=view['parent'],
        mode=view['mode'], subnets=[dict(item, shim_address=None) for item in view['subnets']], reserved_shim=False,
        fixed='Podman cannot change a network in place', alternative='re-create the Podman network',
        no_range_fix='--ip-range', no_shim_fix="has no auxiliary addresses to keep one for the host; give "
        "shim_address: an address of the subnet outside its container range %s")


def create_args(params: dict) -> list[str]:
    """`podman network create` arguments for the desired network, labelled as ours."""
    args = ['network', 'create', '--driver', params['driver'], '--opt', 'parent=%s' % params['parent']]
    if params.get('mode'):
        args += ['--opt', 'mode=%s' % params['mode']]
    for item in params['subnets']:
        subnet = ipaddress.ip_network(item['subnet'])
        # podman pairs --subnet, --gateway and --ip-range by position, so every subnet gets its gateway
        # (definitions chose one where the definition names none)
        args += ['--subnet', str(subnet), '--gateway', item['gateway'], '--ip-range', item['ip_range']]
    if any(ipaddress.ip_network(item['subnet']).version == 6 for item in params['subnets']):
        args.append('--ipv6')
    return args + ['--label', '%s=true' % ENGINE_LABEL, params['name']]


def podman_views(raw_networks, podman_host: str | None, client: PodmanClient | None = None,
                 netns: str | None = None, run_command=None) -> tuple[dict, PodmanClient | None]:
    """Each declared Podman network as Podman has it (None when missing); no podman call without one."""
    names = sorted({name for name in (engine_name_of(raw, 'podman') for raw in raw_networks or []) if name})
    if not names:
        return {}, None
    client = client or PodmanClient(podman_host, run_command, netns=netns)
    found = {net.get('name'): net for net in client.networks()}
    views = {}
    for name in names:
        views[name] = network_view(found[name]) if name in found else None
        if views[name] is not None:
            views[name]['containers'] = client.containers(name)
    return views, client
