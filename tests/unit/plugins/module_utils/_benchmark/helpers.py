# Copyright: (c) 2026, underlay.network contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Figures as underlay.network.netperf returns them, and a module run as Ansible runs it."""

import json
import os
import subprocess
import sys

MODULES = os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', '..', '..', '..', '..', 'plugins', 'modules')

TESTS = ['TCP_STREAM', 'UDP_STREAM', 'TCP_RR']


def figures(scale):
    """One round of netperf's figures for TESTS, every figure multiplied by `scale`."""
    def one(value, unit):
        return {'mean': value * scale, 'unit': unit, 'runs': [value * scale]}
    return {'TCP_STREAM': {'throughput': one(1000.0, 'Mbit/s')},
            'UDP_STREAM': {'send': one(800.0, 'Mbit/s'), 'receive': one(700.0, 'Mbit/s')},
            'TCP_RR': {'throughput': one(10000.0, '/s')}}


def topologies():
    """The report's input: the bridge, macvlan half again as fast, ipvlan not measured."""
    return [
        {'name': 'bridge', 'label': 'bridge', 'status': 'measured', 'figures': figures(1.0)},
        {'name': 'macvlan_bridge', 'label': 'macvlan bridge', 'status': 'measured', 'figures': [figures(1.5)]},
        {'name': 'ipvlan_l2', 'label': 'ipvlan l2', 'status': 'not measured', 'reason': 'no ipvlan driver'},
    ]


def run_module_file(name, args, check_mode=False, first_on_path=None):
    """(exit status, result) of plugins/modules/<name>.py as a process, arguments as JSON in, JSON out;
    `first_on_path`: a directory searched for imports before all others."""
    path = [first_on_path] if first_on_path else []
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(p for p in path + sys.path if p))
    module_args = dict(args, _ansible_check_mode=check_mode)
    proc = subprocess.run([sys.executable, os.path.join(MODULES, name + '.py')],
                          input=json.dumps({'ANSIBLE_MODULE_ARGS': module_args}),
                          capture_output=True, text=True, env=env, check=False)
    return proc.returncode, json.loads(proc.stdout)
