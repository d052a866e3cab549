# Copyright: (c) 2026, underlay.network contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""One call for a host's whole underlay side, in the order the roles run: the kernel drivers (kernel_modules),
the promiscuous NICs (promisc), then the networks' host side as one transaction (host_reachability).

Every part's options and the networks' definitions are checked before anything is read or changed; a part that
fails stops the ones after it. Each part reports in the one change model, and the call returns the reports the
roles set (kernel_modules_result, host_reachability_result and the host_reachability report line), so a role
and site.yml show the same thing whichever ran it.
"""

from __future__ import annotations

from ansible_collections.underlay.network.plugins.module_utils._kernel import sysctl
from ansible_collections.underlay.network.plugins.module_utils._persist.converge import converge_persistent
from ansible_collections.underlay.network.plugins.module_utils._persist.files import (
    File, apply_files, changes_and_diff, plan_files)
from ansible_collections.underlay.network.plugins.module_utils._site.kernel import converge_kernel_modules
from ansible_collections.underlay.network.plugins.module_utils._site.options import PARTS, checked
from ansible_collections.underlay.network.plugins.module_utils._site.plan import network_plan, reachability_report
from ansible_collections.underlay.network.plugins.module_utils._site.promisc import converge_promisc

SYSCTL_FILE = 'etc/sysctl.d/60-underlay-host-reachability.conf'
SYSCTL_HEADER = ('# Managed by the underlay.network.host_reachability role: what its shims and networks need.\n'
                 '# Note: sysctl.d applies to the root network namespace at boot.\n')


def sysctl_value(value) -> str:
    """As sysctl.d wants it: booleans as 1 and 0, everything else as written."""
    return str(int(value)) if isinstance(value, bool) else str(value)


def sysctl_file(params: dict) -> File:
    """The sysctl.d file for the next boot: the sysctls, while something is persisted and the state is present."""
    if params['persist'] == 'none' or params['state'] != 'present' or not params['sysctls']:
        return File(SYSCTL_FILE)
    return File(SYSCTL_FILE, content=SYSCTL_HEADER + ''.join(
        '%s = %s\n' % (key, sysctl_value(value)) for key, value in params['sysctls'].items()))


def _host_reachability(params, check_mode, run_command, drivers):
    run = converge_persistent(params, check_mode, run_command=run_command)
    files = plan_files(params['persist_root'], [sysctl_file(params)])
    changes, before, after = changes_and_diff(files)
    if files and not check_mode:
        apply_files(params['persist_root'], files)
    result, line = reachability_report(params, run, drivers, check_mode)
    return {'changes': run['changes'] + changes, 'before': dict(run['diff']['before'], **before),
            'after': dict(run['diff']['after'], **after), 'warnings': run.get('warnings', []),
            'host_reachability_result': result, 'host_reachability_report': line}


def converge_site(values: dict, check_mode: bool, run_command) -> dict:
    """The module's body. `values`: the parts asked for ({part: options}, None for a part not asked)."""
    parts = {name: checked(name, values[name]) for name in PARTS if values.get(name) is not None}
    plan = None
    if 'host_reachability' in parts:  # the definitions and sysctls, before any part changes anything
        reach = parts['host_reachability']
        plan = network_plan(reach['networks'], reach['docker_host'], reach.get('podman_host'), reach.get('netns'),
                            run_command)
        sysctl.normalise_sysctls(reach['sysctls'])
    results = {}
    if 'kernel_modules' in parts:
        kernel = parts['kernel_modules']
        own = plan if plan is not None and kernel['networks'] == parts['host_reachability']['networks'] else None
        results['kernel_modules'] = converge_kernel_modules(kernel, check_mode, run_command, own)
    if 'promisc' in parts:
        results['promisc'] = converge_promisc(parts['promisc'], check_mode, run_command)
    if 'host_reachability' in parts:
        results['host_reachability'] = _host_reachability(parts['host_reachability'], check_mode, run_command,
                                                          plan['drivers'])
    changes = [change for name in PARTS if name in results for change in results[name]['changes']]
    before, after = {}, {}
    for name in PARTS:
        if name in results:
            before.update(results[name]['before'])
            after.update(results[name]['after'])
    result = {'changed': bool(changes), 'changes': changes, 'diff': {'before': before, 'after': after},
              'parts': sorted(results), 'warnings': [warning for part in results.values()
                                                     for warning in part.get('warnings', [])]}
    if 'kernel_modules' in results:
        result['kernel_modules_result'] = results['kernel_modules']['report']
    if 'promisc' in results:
        result['promisc_links'] = results['promisc']['links']
        result['warnings'] += [warning for link in results['promisc']['links'] for warning in link.pop('warnings', [])]
    if 'host_reachability' in results:
        result['host_reachability_result'] = results['host_reachability']['host_reachability_result']
        result['host_reachability_report'] = results['host_reachability']['host_reachability_report']
    return result
