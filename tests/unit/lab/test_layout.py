# Copyright: (c) 2026, underlay.network contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""lab/layout.py, the one layout of the built-in lab and the VM lab: the names and addresses the tests and the
docs rely on, what each host and container checks, and the steps lab/fleet.yml runs through it (the fleet
itself on a real kernel: tests/integration/test_playbooks.py)."""


import importlib.util
import json
import os

import pytest

PATH = os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', '..', '..', 'lab', 'layout.py')
SPEC = importlib.util.spec_from_file_location('lab_layout', PATH)
layout = importlib.util.module_from_spec(SPEC)
SPEC.loader.exec_module(layout)


def by_name(items):
    return {item['name']: item for item in items}


def test_macvlan_lab_names_and_addresses():
    lab = layout.namespace_lab('ullab', 'macvlan', [1, 2, 3])
    assert lab['switch'] == 'ullab-sw' and lab['config_root'] == '/tmp/ullab-config'
    assert lab['namespaces'] == ['ullab-sw', 'ullab-h1', 'ullab-h2', 'ullab-h3', 'ullab-h1-c1', 'ullab-h1-c2',
                                 'ullab-h2-c1', 'ullab-h2-c2', 'ullab-h3-c1', 'ullab-h3-c2']
    assert lab['vlan_links'] == []
    h1c2 = by_name(lab['containers'])['h1-c2']
    assert h1c2 == dict(name='h1-c2', host='ullab-h1', netns='ullab-h1-c2', kind='macvlan', parent='eth0',
                        parent_netns='ullab-h1', network='lab', address='198.18.1.3', addresses=['198.18.1.3/20'],
                        peers=h1c2['peers'])
    assert [p['name'] for p in h1c2['peers']] == ['h2-c1', 'h2-c2', 'h3-c1', 'h3-c2']
    host = by_name(lab['hosts'])['ullab-h2']
    assert host['address'] == '198.18.0.12/20'
    assert host['vars']['host_reachability_networks'] == [dict(
        name='lab', driver='macvlan', parent='eth0', subnet='198.18.0.0/20', ip_range='198.18.2.0/28',
        shim_address='198.18.2.254')]
    # every container: its own through the shim, the others over the underlay
    assert host['vars']['underlay_verify_targets'] == [
        {'name': 'h1-c1', 'address': '198.18.1.2'}, {'name': 'h1-c2', 'address': '198.18.1.3'},
        {'name': 'h2-c1', 'address': '198.18.2.2'}, {'name': 'h2-c2', 'address': '198.18.2.3'},
        {'name': 'h3-c1', 'address': '198.18.3.2'}, {'name': 'h3-c2', 'address': '198.18.3.3'}]
    assert host['vars']['ansible_connection'] == 'underlay.network.netns'
    assert host['vars']['kernel_modules_config_root'] == host['vars']['host_reachability_config_root'] == \
        '/tmp/ullab-config/h2'


def test_ipvlan_lab_is_the_macvlan_lab_with_ipvlan_children_and_shims():
    lab = layout.namespace_lab('ullab', 'ipvlan', [1, 2])
    assert {c['kind'] for c in lab['containers']} == {'ipvlan'}
    assert lab['hosts'][0]['vars']['host_reachability_networks'][0]['driver'] == 'ipvlan'


def test_vlan_lab_puts_each_container_on_its_vlan_and_a_host_checks_only_its_own():
    lab = layout.namespace_lab('ullab', 'vlan', [1, 2])
    assert lab['vlan_links'] == [{'netns': 'ullab-h1', 'parent': 'eth0', 'vlan_id': 10},
                                 {'netns': 'ullab-h1', 'parent': 'eth0', 'vlan_id': 20},
                                 {'netns': 'ullab-h2', 'parent': 'eth0', 'vlan_id': 10},
                                 {'netns': 'ullab-h2', 'parent': 'eth0', 'vlan_id': 20}]
    containers = by_name(lab['containers'])
    assert (containers['h2-c1']['parent'], containers['h2-c1']['network'], containers['h2-c1']['address']) == \
        ('eth0.10', 'v10', '198.18.18.2')
    assert (containers['h2-c2']['parent'], containers['h2-c2']['network'], containers['h2-c2']['address']) == \
        ('eth0.20', 'v20', '198.18.34.2')
    assert containers['h1-c1']['peers'] == [{'name': 'h2-c1', 'address': '198.18.18.2'}]  # the same VLAN only
    h2 = by_name(lab['hosts'])['ullab-h2']['vars']
    assert [n['name'] for n in h2['host_reachability_networks']] == ['v10', 'v20']
    assert h2['host_reachability_networks'][1] == dict(name='v20', parent='eth0', vlan_id=20, subnet='198.18.32.0/20',
                                                       ip_range='198.18.34.0/28', shim_address='198.18.34.254')
    assert h2['underlay_verify_targets'] == [{'name': 'h2-c1', 'address': '198.18.18.2'},
                                             {'name': 'h2-c2', 'address': '198.18.34.2'}]


def test_the_vm_lab_has_the_same_fleet_under_its_guests_names():
    guests = layout.vm_lab_guests('vmlmv', 'vlan', [(1, 'vmlmv-g1'), (2, 'vmlmv-g2')])
    g2 = guests['vmlmv-g2']
    assert g2['vm_lab_address'] == '198.18.0.12/20' and g2['vm_lab_vlans'] == [10, 20]
    c1 = g2['vm_lab_containers'][0]
    assert (c1['name'], c1['netns'], c1['parent'], c1['parent_netns'], c1['address']) == (
        'g2-c1', 'vmlmv-c1', 'eth0.10', None, '198.18.18.2')
    assert c1['peers'] == [{'name': 'g1-c1', 'address': '198.18.17.2'}]
    namespaces = layout.namespace_lab('ullab', 'vlan', [1, 2])['hosts'][1]['vars']
    assert g2['host_reachability_networks'] == namespaces['host_reachability_networks']
    with pytest.raises(layout.LayoutError, match="lab vmlmv has no guests: run 'scripts/vm-lab --lab vmlmv up'"):
        layout.vm_lab_guests('vmlmv', 'vlan', [])


@pytest.mark.parametrize('kind, numbers, words', [
    ('bridge', [1], "lab kind 'bridge' is not known: use one of macvlan, ipvlan, vlan"),
    ('macvlan', [], 'the fleet has no hosts'),
    ('macvlan', [0, 16], 'host numbers 0, 16: a host number is 1 to 15'),
    ('macvlan', [1, 1], 'host numbers 1, 1 name a host twice'),
])
def test_a_setting_that_makes_no_fleet_is_refused_in_words(kind, numbers, words):
    with pytest.raises(layout.LayoutError) as exc:
        layout.namespace_lab('ullab', kind, numbers)
    assert words in str(exc.value)


def test_wire_makes_only_what_is_missing(monkeypatch):
    there = {('ullab-sw', 'br0'), ('ullab-sw', 'h1')}
    commands = []
    monkeypatch.setattr(layout, '_has_link', lambda netns, name: (netns, name) in there)
    monkeypatch.setattr(layout, '_ip', lambda *args: commands.append(' '.join(args)))
    assert layout.wire(layout.namespace_lab('ullab', 'macvlan', [1, 2])) == ['h2']
    assert commands == ['-n ullab-sw link add h2 type veth peer name eth0 netns ullab-h2',
                        '-n ullab-sw link set h2 master br0 up',
                        '-n ullab-h2 link set eth0 up',
                        '-n ullab-h2 addr add 198.18.0.12/20 dev eth0']


def test_the_command_line_lists_the_hosts_that_exist_and_writes_their_inventory(monkeypatch, tmp_path, capsys):
    yaml = pytest.importorskip('yaml')
    (tmp_path / 'ullab-h2').touch()
    monkeypatch.setattr(layout, 'NETNS_DIR', str(tmp_path))
    inventory = tmp_path / 'hosts.yml'
    settings = ['--prefix', 'ullab', '--kind', 'macvlan', '--hosts', '[1, 2]']
    assert layout.main(['hosts'] + settings + ['--inventory', str(inventory)]) == 0
    shown = json.loads(capsys.readouterr().out)
    assert shown['changed'] is True and [h['name'] for h in shown['hosts']] == ['ullab-h2']
    written = yaml.safe_load(inventory.read_text())['all']['children']['underlay_hosts']['hosts']
    assert list(written) == ['ullab-h2'] and written['ullab-h2'] == shown['hosts'][0]['vars']
    assert layout.main(['hosts'] + settings + ['--inventory', str(inventory)]) == 0
    assert json.loads(capsys.readouterr().out)['changed'] is False  # the same file again


def test_the_command_line_says_what_is_wrong_on_stderr(capsys):
    assert layout.main(['show', '--prefix', 'ullab', '--kind', 'vxlan', '--hosts', '1,2']) == 2
    assert capsys.readouterr().err == "lab/layout.py: lab kind 'vxlan' is not known: use one of macvlan, ipvlan, vlan\n"
