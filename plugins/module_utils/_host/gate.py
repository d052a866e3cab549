# Copyright: (c) 2026, underlay.network contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""The reachability gate: after a host's networks are applied, the addresses each network lists in
`verify_targets` must answer an echo from the host's namespace, or the run is rolled back (or warns)."""

from __future__ import annotations

from ansible_collections.underlay.network.plugins.module_utils._common.errors import UnderlayError
from ansible_collections.underlay.network.plugins.module_utils._kernel import icmp


class Unreachable(UnderlayError):
    """A verify target did not answer: the host converge puts everything back and says so."""


def check(netns: str | None, networks: list, timeout: float, on_unreachable: str = 'rollback') -> tuple:
    """([per target: network, target, reachable, summary], warnings); raises Unreachable when a target stays
    silent and `on_unreachable` is 'rollback'."""
    targets = [(net['name'], target) for net in networks for target in net['verify_targets']]
    if not targets:
        return [], []
    answers = icmp.ping_all(netns, [target for _net, target in targets], timeout=timeout)
    verify = [{'network': net, 'target': target, 'reachable': answers[target],
               'summary': '%s -> %s %s' % (net, target, 'ok' if answers[target] else 'UNREACHABLE')}
              for net, target in targets]
    silent = ['%s -> %s' % (item['network'], item['target']) for item in verify if not item['reachable']]
    if silent and on_unreachable == 'rollback':
        raise Unreachable("the reachability gate failed: no answer from %s within %s s" % (', '.join(silent), timeout),
                          'verify_targets', silent[0])
    return verify, ['unreachable after applying: %s' % ', '.join(silent)] if silent else []
