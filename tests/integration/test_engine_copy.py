# Copyright: (c) 2026, underlay.network contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The engine's copy for the boot replay is the same whichever module writes it.

A namespace host gets one macvlan network from the host_networks module, then from the host_reachability role's
call (underlay_host), each with engine persistence under a temporary root. Each module run used to copy every
engine module it had imported, so the two rewrote each other's copy on every run.
"""
import json
import os
import re
import sys

import pytest

from helpers import ansible_playbook, sh

LIB = 'usr/lib/underlay.network/lib/'


def changed_files(stdout):
    return json.loads(json.loads(re.search(r'"msg": ("\{.*\}")', stdout).group(1)))


@pytest.mark.kernel('macvlan')
@pytest.mark.host_kernel_flow
def test_the_module_and_the_role_write_one_copy_and_then_change_nothing(lab, tmp_path):
    host = lab.add_ns('h1')
    lab.veth(host)
    inventory = tmp_path / 'inventory.json'
    inventory.write_text(json.dumps({'all': {'hosts': {host: {
        'ansible_connection': 'underlay.network.netns', 'ansible_python_interpreter': sys.executable,
        'host_reachability_config_root': str(tmp_path / 'root'),
        'host_reachability_networks': [{'name': 'n1', 'parent': 'up0', 'subnet': '198.18.61.0/24',
                                        'ip_range': '198.18.61.16/28', 'shim_address': '198.18.61.254'}]}}}}))
    first = ansible_playbook('engine_copy.yml', '-i', str(inventory))
    assert first.returncode == 0, first.stdout[-3000:]
    written = changed_files(first.stdout)
    assert any(path.startswith(LIB) for path in written['module']), written  # the module wrote the copy
    assert written['role'] == [], written  # and the role found it as it wants it
    again = ansible_playbook('engine_copy.yml', '-i', str(inventory))
    assert again.returncode == 0, again.stdout[-3000:]
    assert changed_files(again.stdout) == {'module': [], 'role': []}
    assert 'changed=0' in again.stdout, again.stdout[-3000:]
    copied = os.path.join(str(tmp_path / 'root'), LIB, 'ansible_collections/underlay/network/plugins/module_utils')
    assert os.path.exists(os.path.join(copied, '_persist', 'replay.py'))
    assert not os.path.exists(os.path.join(copied, '_site')), 'the role\'s own layer is not what a boot runs'
    assert 'n1-shim' in sh('ip -n %s -o link' % host)
