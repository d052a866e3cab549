# Copyright: (c) 2026, underlay.network contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""The underlay_networks module as Ansible runs it (a process, arguments as JSON in, JSON out); the rules
themselves are tested in tests/unit/plugins/module_utils/_networks/test_networks.py."""


import json
import os
import subprocess
import sys

MODULE = os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', '..', '..', '..', 'plugins', 'modules',
                      'underlay_networks.py')

# A Docker-style macvlan network on eth0, the shim's address outside the containers' range.
MYNET = dict(name='mynet', parent='eth0', subnet='198.18.240.0/20', gateway='198.18.240.1',
             ip_range='198.18.248.0/22', shim_address='198.18.255.254')


def run(networks):
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(p for p in sys.path if p))
    proc = subprocess.run([sys.executable, MODULE], input=json.dumps({'ANSIBLE_MODULE_ARGS': {'networks': networks}}),
                          capture_output=True, text=True, env=env, check=False)
    return proc.returncode, json.loads(proc.stdout)


def test_module_reports_the_plan_never_changed():
    rc, result = run([MYNET])
    assert rc == 0 and result['changed'] is False, result
    assert result['networks'][0]['shim_name'] == 'mynet-shim' and result['drivers'] == ['macvlan']
    assert set(result['pyroute2']) == {'available', 'version'}


def test_module_failure_names_network_field_and_value():
    rc, result = run([MYNET, dict(MYNET, name='bad', parent='eth1', ip_range='198.18.240.0/24', shim_address='198.18.240.9')])
    assert rc == 1 and result['failed'], result
    assert result['network'] == 'bad' and result['field'] == 'ip_range' and result['value'] == '198.18.240.0/24'
    assert result['msg'].startswith("network 'bad': ip_range 198.18.240.0/24 contains the gateway 198.18.240.1")
