# Copyright: (c) 2026, underlay.network contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""What the host call knows before it touches anything, kept light: the controller imports it (in every worker
of a fleet run, so it pulls in no netlink and no pyroute2) to check definitions and to word the role's report.
"""

from __future__ import annotations

from ansible_collections.underlay.network.plugins.module_utils._networks.definitions import normalise_networks
from ansible_collections.underlay.network.plugins.module_utils._networks.sources import read_sources

# what host_reachability_result keeps of host_networks' result
RESULT_KEYS = ('created', 'modified', 'removed', 'left', 'networks', 'verify', 'changes', 'persist')


def network_plan(networks: list, docker_host: str | None, podman_host: str | None = None,
                 netns: str | None = None, run_command=None) -> dict:
    """The networks checked as a list, with what the host needs for them (underlay_networks' result); the
    sources a definition names are read on this host (Podman in `netns`, the namespace of the host's NICs,
    with `run_command`, AnsibleModule.run_command)."""
    return normalise_networks(networks, **read_sources(networks, docker_host, podman_host, netns=netns,
                                                       run_command=run_command).normalise_args())


# what a network may read from the host: its Docker, Podman or CNI source
HOST_SOURCES = ('docker', 'podman', 'cni')


def needs_host(networks: list) -> bool:
    """Whether checking these definitions needs the host (a network with a source there), not only the controller."""
    return any(isinstance(net, dict) and net.get(source) not in (None, False) for net in networks or []
               for source in HOST_SOURCES)


def reachability_report(params: dict, run: dict | None, drivers: list, check_mode: bool) -> tuple[dict, str]:
    """(host_reachability_result, the role's report line); `run` is host_networks' result, None when it did not run."""
    result = {key: value for key, value in (run or {}).items() if key in RESULT_KEYS}
    result.update(state=params['state'], netns=params.get('netns') or None, drivers=drivers)
    names = ', '.join(net.get('name') or '' for net in params['networks']) or 'none'
    line = 'host_reachability %s%s: networks %s; %s %d steps; created %s; removed %s%s%s' % (
        params['state'], (' in namespace ' + params['netns']) if params.get('netns') else '', names,
        'would change' if check_mode else 'changed', len(result.get('changes') or []),
        ', '.join(result.get('created') or []) or 'nothing', ', '.join(result.get('removed') or []) or 'nothing',
        ('; left ' + ', '.join(result['left'])) if result.get('left') else '',
        ('; verify ' + ', '.join(item['summary'] for item in result['verify'])) if result.get('verify') else '')
    return result, line
