# Copyright: (c) 2026, underlay.network contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""The kernel_modules part of the host call: the link drivers a host needs, loaded now and at boot.

Read which drivers the kernel has (a real probe in a throwaway namespace, _links.drivers), load with
`modprobe` the modules that are not loaded yet (`modprobe --dry-run` in check mode, so a module that could
not be loaded fails the check run too), read again after loading, and fail once naming every driver the
kernel cannot provide. Then the modules-load.d file lists the drivers that are modules, planned, diffed and
written like every file of ours (_persist.files); it is removed when none is a module.
"""

from __future__ import annotations

from ansible_collections.underlay.network.plugins.module_utils._common.change import step
from ansible_collections.underlay.network.plugins.module_utils._common.errors import KernelError, UnderlayError
from ansible_collections.underlay.network.plugins.module_utils._kernel import netlink
from ansible_collections.underlay.network.plugins.module_utils._links import drivers as kernel_drivers
from ansible_collections.underlay.network.plugins.module_utils._persist.files import File, apply_files, changes_and_diff, plan_files
from ansible_collections.underlay.network.plugins.module_utils._site.plan import network_plan

MODULES_LOAD_FILE = 'etc/modules-load.d/underlay-network.conf'
MODULES_LOAD_HEADER = (
    '# Managed by Ansible (role underlay.network.kernel_modules): local changes are overwritten.\n'
    '# Link drivers underlay.network needs, loaded at boot by systemd-modules-load (see modules-load.d(5)).\n'
    '# Only drivers that are modules are listed; built-in ones need nothing.\n')


def asked(params: dict, plan: dict | None) -> tuple[list, list]:
    """(drivers, features) to make sure of: the ones given, else what the networks need (macvlan without any)."""
    drivers, features = params.get('drivers'), params.get('features')
    if drivers is None or features is None:
        if plan is None:
            plan = network_plan(params.get('networks') or [], params.get('docker_host'), params.get('podman_host'))
        drivers = drivers if drivers is not None else (plan['drivers'] or ['macvlan'])
        features = features if features is not None else plan['features']
    return list(drivers), list(features)


def _gather(drivers, features):
    try:
        return kernel_drivers.gather(drivers, features)
    except (OSError, netlink.NetlinkError) as exc:
        raise KernelError('cannot probe the kernel for link drivers in a throwaway namespace: %s; run as root' % exc,
                          field='drivers')


def modules_load_file(modules: list) -> File:
    """The modules-load.d file listing `modules`, or absent when there is none."""
    if not modules:
        return File(MODULES_LOAD_FILE)
    return File(MODULES_LOAD_FILE, content=MODULES_LOAD_HEADER + ''.join(module + '\n' for module in modules))


def converge_kernel_modules(params: dict, check_mode: bool, run_command, plan: dict | None = None) -> dict:
    """The part's result: changes, diff, and `report` (what the kernel_modules role sets as kernel_modules_result).

    `run_command(argv)` -> (rc, stdout, stderr) runs modprobe (AnsibleModule.run_command)."""
    drivers, features = asked(params, plan)
    found = _gather(drivers, features)
    changes, errors = [], []
    for module in found['loadable']:
        rc, _out, err = run_command(['modprobe'] + (['--dry-run'] if check_mode else []) + ['--', module])
        if rc == 0:
            changes.append(step('load module', 'kernel module', module, reason='modprobe --dry-run' if check_mode
                                else None))
        else:
            errors.append('%s: modprobe failed: %s' % (module, err.strip() or 'no message'))
    report = _gather(drivers, features) if changes and not check_mode else found
    report = dict(report, modprobe_errors=errors)
    report.pop('changed', None)
    problems = errors + report['problems']
    if problems:
        raise UnderlayError('kernel_modules: Linux %s on %s cannot provide every link driver asked for (%s) - %s' % (
            report['kernel']['release'], params.get('host') or 'this host', ', '.join(drivers + features),
            ' | '.join(problems)), field='drivers', value=drivers + features)
    before, after = {}, {}
    if params.get('persist', True):
        files = plan_files(params.get('config_root') or '/', [modules_load_file(report['modules'])])
        file_changes, before, after = changes_and_diff(files)
        changes += file_changes
        if files and not check_mode:
            apply_files(params.get('config_root') or '/', files)
    return {'changes': changes, 'before': before, 'after': after, 'report': report}
