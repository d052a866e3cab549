# Copyright: (c) 2026, underlay.network contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""The networkmanager backend's keyfiles under a temporary root, against NetworkManager's own keyfile rules (a real
NetworkManager reads them, and `nmcli --offline` is the oracle of their format, in tests/vm-lab/test_networkmanager.py)."""

import json
import os
import stat

import pytest

from ansible_collections.underlay.network.plugins.module_utils._common.errors import ValidationError
from ansible_collections.underlay.network.plugins.module_utils._networks.definitions import normalise_networks
from ansible_collections.underlay.network.plugins.module_utils._persist.converge import Persistence
from ansible_collections.underlay.network.plugins.module_utils._persist.networkmanager import (
    kept_links, networkmanager_files, nm_version, profile_routes, read_profile, split)

from ansible_collections.underlay.network.tests.unit.plugins.module_utils._persist.test_persist import NETWORKS, files, host

NM = 'etc/NetworkManager/system-connections/'
# a macvlan network on a VLAN of its own, two subnets (each route gets its subnet's source)
ON_VLAN = dict(name='app', parent='eth0', vlan_id=30, metric=7, subnets=[
    dict(subnet='198.18.42.0/24', ip_range='198.18.42.0/28', shim_address='198.18.42.254'),
    dict(subnet='198.18.43.0/24', ip_range='198.18.43.0/28', shim_address='198.18.43.254')])


def converge(root, the_host=None, check=False, state='present', version=(1, 42), backend='networkmanager'):
    the_host = the_host or host()
    persistence = Persistence(backend, the_host.netns, str(root), state, python='/usr/bin/python3', nm_version=version)
    return persistence.converge(the_host, check), persistence


def keyfile(root, link):
    return read_profile(str(root), NM + 'underlay-network-%s.nmconnection' % link)


def test_macvlan_profile_in_networkmanagers_words(tmp_path):
    result, persistence = converge(tmp_path)
    web = keyfile(tmp_path, 'web-shim')
    assert web['connection']['type'] == 'macvlan' and web['connection']['interface-name'] == 'web-shim'
    assert web['connection']['id'] == 'underlay-network-web-shim'
    assert web['macvlan'] == {'mode': '2', 'parent': 'eth0'}, "NetworkManager's number for bridge is 2 (the kernel's 4)"
    assert web['ipv4'] == {'address1': '198.18.40.254/32', 'method': 'manual', 'never-default': 'true',
                           'route1': '198.18.40.0/28,0.0.0.0,0'}
    assert web['ipv6'] == {'address1': '2001:db8:40::1:1/128', 'method': 'manual', 'never-default': 'true',
                           'route1': '2001:db8:40::/120,::,0'}
    assert web['user'] == {'underlay.network.owner': 'host_networks'}
    # root's and 0600, or NetworkManager refuses the file
    info = os.stat(str(tmp_path / NM / 'underlay-network-web-shim.nmconnection'))
    assert stat.S_IMODE(info.st_mode) == 0o600 and info.st_uid == os.geteuid()
    # NetworkManager 1.42 has no ipvlan profiles: db (ipvlan on VLAN 20) and its VLAN go to the engine's state
    assert persistence.kept_by == {'web': 'networkmanager', 'db': 'engine'}
    assert keyfile(tmp_path, 'eth0.20') is None and keyfile(tmp_path, 'db-shim') is None
    doc = json.loads((tmp_path / 'etc/underlay.network/host-networks.json').read_text())
    assert [net['name'] for net in doc['networks']] == ['db']
    assert 'etc/systemd/system/underlay-network-replay.service' in files(tmp_path)
    # IPv6 addresses usable at once, as the engine adds them (a sysctl.d line udev applies when the shim appears)
    assert (tmp_path / 'etc/sysctl.d/60-underlay-network-nm-shims.conf').read_text().endswith(
        'net/ipv6/conf/web-shim/accept_dad = 0\n')
    assert [change['name'] for change in result['changes'] if change['action'] == 'activate profile'] == [], \
        'under a persist_root, files only: NetworkManager is not told'


def test_vlan_profile_comes_before_the_shim_on_it_and_each_route_has_its_source(tmp_path):
    the_host = host([ON_VLAN])
    converge(tmp_path, the_host)
    vlan, shim = keyfile(tmp_path, 'eth0.30'), keyfile(tmp_path, 'app-shim')
    assert vlan['vlan'] == {'flags': '1', 'id': '30', 'parent': 'eth0'}
    assert vlan['ipv4'] == {'method': 'disabled'} and vlan['ipv6'] == {'method': 'ignore'}
    assert shim['macvlan']['parent'] == 'eth0.30' and shim['ipv6'] == {'method': 'ignore'}
    assert profile_routes(shim) == [('198.18.42.0/28', 7, '198.18.42.254'), ('198.18.43.0/28', 7, '198.18.43.254')]
    wanted = [item.path for item in networkmanager_files(split(the_host.derived, (1, 42))[0])]
    assert wanted.index(NM + 'underlay-network-eth0.30.nmconnection') < wanted.index(
        NM + 'underlay-network-app-shim.nmconnection'), 'activated in this order: the VLAN first'
    assert kept_links(str(tmp_path)) == {'eth0.30': NM + 'underlay-network-eth0.30.nmconnection',
                                         'app-shim': NM + 'underlay-network-app-shim.nmconnection'}


def test_from_networkmanager_1_52_ipvlan_networks_are_profiles_too(tmp_path):
    _result, persistence = converge(tmp_path, version=(1, 52))
    assert persistence.kept_by == {'web': 'networkmanager', 'db': 'networkmanager'}
    db = keyfile(tmp_path, 'db-shim')
    assert db['connection']['type'] == 'ipvlan' and db['ipvlan'] == {'mode': '1', 'parent': 'eth0.20'}
    assert keyfile(tmp_path, 'eth0.20')['vlan']['id'] == '20'
    assert not (tmp_path / 'etc/underlay.network').exists(), 'nothing left for the engine'


def test_a_second_run_changes_nothing_and_check_mode_writes_nothing(tmp_path):
    planned, _p = converge(tmp_path, check=True)
    assert planned['changes'] and files(tmp_path) == []
    first, _p = converge(tmp_path)
    assert [c['name'] for c in first['changes']] == [c['name'] for c in planned['changes']]
    again, _p = converge(tmp_path)
    assert again['changes'] == []


def test_proxy_ndp_shims_get_their_switches_and_a_dispatcher_script(tmp_path):
    converge(tmp_path, host(proxy_ndp={'web-shim': ('2001:db8:40::45',)}))
    script = tmp_path / 'etc/NetworkManager/dispatcher.d/60-underlay-network-proxy-ndp'
    assert stat.S_IMODE(os.stat(str(script)).st_mode) == 0o755, 'NetworkManager runs only root-owned executable scripts'
    text = script.read_text()
    assert '  web-shim) addresses="2001:db8:40::45" ;;\n' in text
    # the switches after NetworkManager configured the shim (it resets forwarding while activating it)
    assert 'echo 1 > "/proc/sys/net/ipv6/conf/$1/proxy_ndp"' in text and 'conf/$1/forwarding"' in text


def test_links_networkmanager_makes_at_boot_carry_our_mark(tmp_path):
    converge(tmp_path, host([ON_VLAN]))
    for link in ('eth0.30', 'app-shim'):
        text = (tmp_path / ('etc/systemd/network/60-underlay-network-%s.link' % link)).read_text()
        assert 'OriginalName=%s\n' % link in text and 'Alias=underlay.network\n' in text
    again, _p = converge(tmp_path, host([ON_VLAN]))
    assert again['changes'] == [], 'the networkd clean-up leaves the networkmanager backend its .link files'
    converge(tmp_path, host([ON_VLAN]), backend='networkd')
    assert 'networkmanager' not in (tmp_path / 'etc/systemd/network/60-underlay-network-app-shim.link').read_text()
    assert not list((tmp_path / NM).iterdir()), 'switching backends leaves nothing of the other'


def test_absent_and_none_remove_only_our_profiles(tmp_path):
    converge(tmp_path)
    hand_made = tmp_path / NM / 'eth0-backup.nmconnection'
    hand_made.write_text('[connection]\nid=eth0-backup\ntype=macvlan\ninterface-name=mine\n')
    named_like_ours = tmp_path / NM / 'underlay-network-theirs.nmconnection'
    named_like_ours.write_text('[connection]\nid=theirs\ntype=vlan\ninterface-name=theirs\n')
    result, _p = converge(tmp_path, backend='none')
    removed = sorted(c['name'] for c in result['changes'] if c['action'] == 'remove file')
    assert '/' + NM + 'underlay-network-web-shim.nmconnection' in removed
    assert sorted(files(tmp_path)) == sorted([NM + 'eth0-backup.nmconnection', NM + 'underlay-network-theirs.nmconnection'])
    converge(tmp_path)
    converge(tmp_path, state='absent')
    assert sorted(files(tmp_path)) == sorted([NM + 'eth0-backup.nmconnection', NM + 'underlay-network-theirs.nmconnection'])


def test_networkmanager_refuses_a_namespace(tmp_path):
    with pytest.raises(ValidationError, match="networkmanager configures the host's own namespace only"):
        Persistence('networkmanager', 'ns1', str(tmp_path))


def test_nmcli_version_is_read():
    assert nm_version('nmcli tool, version 1.42.4') == (1, 42)
    assert nm_version('nmcli tool, version 1.52.0-1.fc42') == (1, 52)
    assert nm_version('') is None


def test_the_split_keeps_a_vlan_with_the_networks_on_it():
    derived = normalise_networks(NETWORKS + [ON_VLAN])
    kept, engine = split(derived, (1, 42))
    assert engine == ['db']
    assert [vlan['name'] for vlan in kept['vlans']] == ['eth0.30']
    assert [net['name'] for net in kept['networks']] == ['web', 'app']


def test_a_shims_profile_keeps_its_mac_address():
    kept, _engine = split(normalise_networks([ON_VLAN]), (1, 42))
    profiles = {item.path: item.content for item in networkmanager_files(kept, macs={'app-shim': '02:00:c6:12:42:fe'})}
    shim = profiles[NM + 'underlay-network-app-shim.nmconnection']
    assert '[ethernet]\ncloned-mac-address=02:00:C6:12:42:FE\n' in shim
    assert 'cloned-mac-address' not in profiles[NM + 'underlay-network-eth0.30.nmconnection']
