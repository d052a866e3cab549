# Copyright: (c) 2026, underlay.network contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""The promisc part of the host call: the promiscuous flag of each NIC now, and at every boot.

The flag is the engine's promisc loop (_reconcile.promisc: read, set, read back). At boot it is a systemd
template unit, underlay-promisc@.service, with one instance per NIC wanted by the NIC's device unit, so it runs
whenever the NIC appears. The unit is a file of ours (planned, diffed, written like the rest); its instances
are enabled with systemctl where systemd runs the host and the files go to the real /, and otherwise by the
wants symlinks `systemctl enable` would make, written as files under the configuration root.
"""

from __future__ import annotations

import os

from ansible_collections.underlay.network.plugins.module_utils._common.change import step
from ansible_collections.underlay.network.plugins.module_utils._common.errors import UnderlayError
from ansible_collections.underlay.network.plugins.module_utils._persist.files import (
    UNIT_DIR, File, apply_files, changes_and_diff, plan_files)
from ansible_collections.underlay.network.plugins.module_utils._reconcile.promisc import reconcile_promisc

UNIT = 'underlay-promisc@.service'
UNIT_TEXT = """# Managed by Ansible (role underlay.network.promisc): local changes are overwritten.
# Promiscuous mode for one NIC at boot and whenever it appears. The instance is the NIC's name
# escaped with systemd-escape (eth0 -> underlay-promisc@eth0.service, br-lan -> underlay-promisc@br\\x2dlan.service);
# %%i is that escaped name (as in the device unit's name), %%I the NIC's own name.
[Unit]
Description=Promiscuous mode on %%I (underlay.network)
Documentation=https://github.com/underlay-network/underlay.network
BindsTo=sys-subsystem-net-devices-%%i.device
After=sys-subsystem-net-devices-%%i.device network-pre.target
Before=network.target

[Service]
Type=oneshot
RemainAfterExit=yes
ExecStart=%(ip)s link set dev %%I promisc on
ExecStop=-%(ip)s link set dev %%I promisc off

[Install]
WantedBy=sys-subsystem-net-devices-%%i.device
"""


def instance(escaped: str) -> str:
    return 'underlay-promisc@%s.service' % escaped


def wants_link(escaped: str) -> str:
    """Where `systemctl enable` puts an instance: the wants directory of the NIC's device unit."""
    return os.path.join(UNIT_DIR, 'sys-subsystem-net-devices-%s.device.wants' % escaped, instance(escaped))


def uses_systemctl(root: str) -> bool:
    """Instances go through systemctl when systemd runs this host and the files go to the real /."""
    return root == '/' and os.path.isdir('/run/systemd/system')


def _systemctl_steps(instances, on, unit_pending, check_mode, run_command):
    """Enable (or disable) each instance with systemctl, only where it is not so already."""
    changes = []
    for escaped in instances:
        name = instance(escaped)
        if unit_pending:  # check mode before the unit exists: systemctl cannot know the instance yet
            if on:
                changes.append(step('enable unit', 'systemd unit', name, reason='the unit is not installed yet'))
            continue
        _rc, out, _err = run_command(['systemctl', 'is-enabled', name])
        if (out.strip() == 'enabled') == on:
            continue
        verb = 'enable' if on else 'disable'
        changes.append(step('%s unit' % verb, 'systemd unit', name))
        if not check_mode:
            rc, _out, err = run_command(['systemctl', verb, name])
            if rc != 0:
                raise UnderlayError('systemctl %s %s failed (%d): %s; the flag is set, the unit is written; run '
                                    'again or enable it by hand' % (verb, name, rc, err.strip()), 'promisc_persist', name)
    return changes


def converge_promisc(params: dict, check_mode: bool, run_command) -> dict:
    """The part's result: changes, diff and `links` (each NIC's promisc result, as the promisc module returns it)."""
    on = params['state'] == 'on'
    links = [reconcile_promisc(name, params.get('netns') or None, params['state'], check_mode)
             for name in params['interfaces']]
    changes = [change for link in links for change in link['changes']]
    before = {'link %s' % link['diff']['before']['name']: link['diff']['before'] for link in links if link['changes']}
    after = {'link %s' % link['diff']['after']['name']: link['diff']['after'] for link in links if link['changes']}
    if params['persist'] and links:
        root = params.get('config_root') or '/'
        instances = [link['systemd_instance'] for link in links]
        systemctl = uses_systemctl(root)
        unit_path = os.path.join(UNIT_DIR, UNIT)
        unit_pending = check_mode and not os.path.exists(os.path.join(root, unit_path))
        wanted = [File(unit_path, content=UNIT_TEXT % {'ip': params['ip_command']})]
        if not systemctl:
            wanted += [File(wants_link(escaped), link='../' + UNIT if on else None) for escaped in instances]
        files = plan_files(root, wanted)
        file_changes, file_before, file_after = changes_and_diff(files)
        changes += file_changes
        before.update(file_before)
        after.update(file_after)
        if files and not check_mode:
            apply_files(root, files)
        if systemctl:
            if any(want.path == unit_path for want, _have, _action in files) and not check_mode:
                run_command(['systemctl', 'daemon-reload'], check_rc=True)
            changes += _systemctl_steps(instances, on, unit_pending, check_mode, run_command)
    return {'changes': changes, 'before': before, 'after': after, 'links': links}
