# Copyright: (c) 2026, underlay.network contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""A host persisted by the release before module_utils was laid out in layers keeps working after the upgrade.

The previous release (the last commit with the flat plugins/module_utils/_engine.py, taken from git) applies
a network with `persist: engine`; the current code then runs on the same host: its first run rewrites only
the copied engine under /usr/lib/underlay.network (the stored state, the links and routes stay), the second
run changes nothing, and the new boot replay brings the shim back from the state the old release stored.
"""
import json
import os
import subprocess
import sys

import pytest

from helpers import REPO, SEED000_CONTAINERS, run_module, seed000_reachable, sh

MYNET = dict(name='mynet', parent='up0', subnet='198.18.240.0/20', gateway='198.18.240.1',
             ip_range='198.18.248.0/22', shim_address='198.18.255.254',
             verify_targets=[ip for _name, ip in SEED000_CONTAINERS])
ENGINE = 'usr/lib/underlay.network'

pytestmark = [pytest.mark.kernel('macvlan'), pytest.mark.host_kernel_flow]


def git(*args):
    return subprocess.run(['git', '-C', REPO] + list(args), capture_output=True, text=True, check=True).stdout.strip()


@pytest.fixture(scope='module')
def previous_release(tmp_path_factory):
    """The collection as the previous release had it, unpacked under <tmp>/ansible_collections/underlay/network."""
    moved = git('log', '-1', '--format=%H', '--', 'plugins/module_utils/_engine.py')
    assert moved, 'the history holds the commit that moved the flat engine into its layers'
    old = git('rev-parse', moved + '^')
    top = tmp_path_factory.mktemp('previous')
    target = top / 'ansible_collections' / 'underlay' / 'network'
    target.mkdir(parents=True)
    archive = subprocess.run(['git', '-C', REPO, 'archive', old, 'plugins', 'meta', 'galaxy.yml'],
                             capture_output=True, check=True).stdout
    subprocess.run(['tar', '-x', '-C', str(target)], input=archive, check=True)
    assert (target / 'plugins/module_utils/_engine.py').is_file()
    return str(top)


def run_previous(collections, **args):
    """host_networks of the previous release, run as Ansible runs a module."""
    path = os.path.join(collections, 'ansible_collections/underlay/network/plugins/modules/host_networks.py')
    payload = json.dumps({'ANSIBLE_MODULE_ARGS': dict(args, _ansible_check_mode=False, _ansible_diff=True)})
    proc = subprocess.run([sys.executable, path], input=payload, capture_output=True, text=True,
                          env=dict(os.environ, PYTHONPATH=collections), check=False)
    result = json.loads(proc.stdout)
    assert proc.returncode == 0 and not result.get('failed'), result
    return result


def test_a_host_persisted_by_the_previous_release_upgrades_and_replays(lab, seed000_host, previous_release, tmp_path):
    host = seed000_host
    root = tmp_path / 'root'
    args = dict(networks=[MYNET], netns=host, persist='engine', persist_root=str(root))

    old = run_previous(previous_release, **args)
    assert old['changed'] and old['created'] == ['mynet-shim']
    assert (root / ENGINE / 'lib/ansible_collections/underlay/network/plugins/module_utils/_engine.py').is_file()
    state_path = root / ('etc/underlay.network/host-networks@%s.json' % host)
    stored = state_path.read_text()
    kernel = lab.state(host)

    # the first run of the new release: only the copied engine changes (new files written, the flat ones removed)
    first = run_module('host_networks', **args)
    assert first['rc'] == 0 and first['changed'], first
    assert {change['kind'] for change in first['changes']} == {'file'}, first['changes']
    assert all(path.startswith(ENGINE) for path in first['persist']['changed_files']), first['persist']
    assert state_path.read_text() == stored, 'the state the previous release stored is read as it is'
    assert lab.state(host) == kernel, 'links, addresses and routes stay as the previous release made them'
    code = root / ENGINE / 'lib/ansible_collections/underlay/network/plugins/module_utils'
    assert not (code / '_engine.py').exists() and (code / '_reconcile/transaction.py').is_file()

    second = run_module('host_networks', **args)
    assert second['rc'] == 0 and not second['changed'] and second['changes'] == [], second['changes']

    # a boot after the upgrade: the shim is gone, the new replay brings it back from the stored state
    sh('ip -n %s link del mynet-shim' % host)
    assert seed000_reachable(lab, host)['host->net1'] is False
    out = sh('%s --root %s' % (root / ENGINE / 'replay', root))
    assert 'created mynet-shim' in out, out
    assert seed000_reachable(lab, host) == {'host->net1': True, 'net1->host': True, 'net1->net2': True}
    assert not run_module('host_networks', **args)['changed']

    absent = run_module('host_networks', **dict(args, state='absent'))
    assert absent['rc'] == 0 and 'mynet-shim' in absent['removed'] and not (root / ENGINE).exists()
