# Copyright: (c) 2026, underlay.network contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""_doctor.evidence from files: DMI as a VMware guest has it, Podman's network files."""

import json

from ansible_collections.underlay.network.plugins.module_utils._doctor import evidence


def test_dmi_fields_and_a_machine_without_dmi(tmp_path):
    (tmp_path / 'sys_vendor').write_text('VMware, Inc.\n')
    (tmp_path / 'product_name').write_text('VMware7,1\n')
    assert evidence.dmi(str(tmp_path)) == {'sys_vendor': 'VMware, Inc.', 'product_name': 'VMware7,1', 'bios_vendor': '',
                                           'chassis_asset_tag': ''}
    assert set(evidence.dmi(str(tmp_path / 'missing')).values()) == {''}


def test_podman_macvlan_and_ipvlan_networks_from_its_files(tmp_path):
    networks = {'pm': {'name': 'pm', 'driver': 'macvlan', 'network_interface': 'eth0'},
                'pi': {'name': 'pi', 'driver': 'ipvlan', 'network_interface': 'eth1'},
                'podman': {'name': 'podman', 'driver': 'bridge', 'network_interface': 'podman0'}}
    for name, raw in networks.items():
        (tmp_path / (name + '.json')).write_text(json.dumps(raw))
    (tmp_path / 'broken.json').write_text('{')
    assert evidence.podman(str(tmp_path)) == [{'name': 'pi', 'driver': 'ipvlan', 'parent': 'eth1'},
                                              {'name': 'pm', 'driver': 'macvlan', 'parent': 'eth0'}]
