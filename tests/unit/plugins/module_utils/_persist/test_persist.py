# Copyright: (c) 2026, underlay.network contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""_persist: the files of each backend under a temporary root, planned, written, switched and removed
(systemd itself is proven on the VM lab: tests/vm-lab/test_persistence.py)."""


import fcntl
import json
import os
from types import SimpleNamespace

import pytest

from ansible_collections.underlay.network.plugins.module_utils._common.errors import ValidationError
from ansible_collections.underlay.network.plugins.module_utils._host.converge import unmarked_vlans
from ansible_collections.underlay.network.plugins.module_utils._host.lock import NamespaceLock
from ansible_collections.underlay.network.plugins.module_utils._kernel.systemd import device_unit
from ansible_collections.underlay.network.plugins.module_utils._networks.definitions import normalise_networks
from ansible_collections.underlay.network.plugins.module_utils._persist.converge import Persistence
from ansible_collections.underlay.network.plugins.module_utils._persist.marks import made_by_our_files, without_foreign_vlans
from ansible_collections.underlay.network.plugins.module_utils._persist.networkd import networkd_files
from ansible_collections.underlay.network.plugins.module_utils._persist.state import resolved
from ansible_collections.underlay.network.plugins.module_utils._reconcile.read import Snapshot


# db leaves its ipvlan mode to the parent's ports: the files get the mode the shim has (l2 without any)
NETWORKS = [
    dict(name='web', parent='eth0', subnets=[
        dict(subnet='198.18.40.0/24', ip_range='198.18.40.0/28', shim_address='198.18.40.254'),
        dict(subnet='2001:db8:40::/64', ip_range='2001:db8:40::/120', shim_address='2001:db8:40::1:1')]),
    dict(name='db', driver='ipvlan', parent='eth0', vlan_id=20, subnet='198.18.41.0/24', ip_range='198.18.41.0/28',
         shim_address='198.18.41.254', metric=5),
]


def host(networks=None, netns=None, proxy_ndp=None):
    return SimpleNamespace(netns=netns, derived=normalise_networks(networks or NETWORKS), params={}, sysctls={},
                           proxy_ndp=proxy_ndp or {}, unmarked_vlans=set())


def files(root):
    return sorted(os.path.relpath(os.path.join(top, name), str(root)) for top, _dirs, names in os.walk(str(root))
                  for name in names)


def converge(root, backend, the_host=None, check=False, state='present'):
    the_host = the_host or host()
    return Persistence(backend, the_host.netns, str(root), state, python='/usr/bin/python3').converge(
        the_host, check)


def test_device_unit_names_are_systemd_escaped():
    assert device_unit('eth0') == 'sys-subsystem-net-devices-eth0.device'
    assert device_unit('eth0.10') == 'sys-subsystem-net-devices-eth0.10.device'
    assert device_unit('br-lan') == 'sys-subsystem-net-devices-br\\x2dlan.device'


def test_engine_backend_writes_state_code_and_units_then_changes_nothing(tmp_path):
    result = converge(tmp_path, 'engine', check=True)
    assert result['changes'] and files(tmp_path) == [], 'check mode writes nothing'
    planned = [change['name'] for change in result['changes']]

    result = converge(tmp_path, 'engine')
    assert [change['name'] for change in result['changes']] == planned
    written = [path for path in files(tmp_path) if not path.startswith('usr/lib/underlay.network/lib/')]
    units = 'etc/systemd/system/'
    assert written == sorted([
        'etc/underlay.network/host-networks.json', 'usr/lib/underlay.network/replay',
        units + 'underlay-network-replay.service', units + 'underlay-network-parent@.service',
        units + 'multi-user.target.wants/underlay-network-replay.service',
        units + 'systemd-networkd.service.wants/underlay-network-replay.service',
        units + 'NetworkManager.service.wants/underlay-network-replay.service',
        units + 'sys-subsystem-net-devices-eth0.device.wants/underlay-network-parent@eth0.service'])
    assert os.readlink(str(tmp_path / units / 'sys-subsystem-net-devices-eth0.device.wants'
                           / 'underlay-network-parent@eth0.service')) == '/etc/systemd/system/underlay-network-parent@.service'
    doc = json.loads((tmp_path / 'etc/underlay.network/host-networks.json').read_text())
    assert [net['name'] for net in doc['networks']] == ['web', 'db']
    assert doc['networks'][1]['vlan_id'] == 20 and doc['networks'][1]['metric'] == 5
    assert 'docker' not in doc['networks'][0], 'Docker keeps its own networks: nothing of it to replay'
    # the stored networks are valid definitions again, deriving the same shims
    assert doc['networks'][1]['mode'] == 'l2', 'the mode the shim has (no ports on the parent here: l2)'
    assert normalise_networks(doc['networks'])['shims'] == normalise_networks(
        [NETWORKS[0], dict(NETWORKS[1], mode='l2')])['shims']
    assert os.access(str(tmp_path / 'usr/lib/underlay.network/replay'), os.X_OK)
    code = tmp_path / 'usr/lib/underlay.network/lib/ansible_collections/underlay/network/plugins/module_utils'
    assert (code / '_persist/replay.py').is_file() and (code / '_host/converge.py').is_file()
    assert (code / '_persist/__init__.py').is_file(), 'the packages come along with their modules'
    engine_step = [change for change in result['changes'] if change['name'] == '/usr/lib/underlay.network/lib']
    assert len(engine_step) == 1 and engine_step[0]['files'] > 20, 'the engine code is one step'

    assert converge(tmp_path, 'engine')['changes'] == []


def test_switching_backends_and_none_leave_nothing_of_the_other(tmp_path):
    converge(tmp_path, 'engine')
    result = converge(tmp_path, 'networkd')
    assert any(change['action'] == 'remove file' for change in result['changes'])
    assert files(tmp_path) == sorted(
        'etc/systemd/network/60-underlay-network-%s' % name for name in (
            'eth0.20.netdev', 'eth0.20.network', 'eth0.20.link', 'web-shim.netdev', 'web-shim.network',
            'web-shim.link', 'db-shim.netdev', 'db-shim.network', 'db-shim.link', 'eth0.network'))
    assert converge(tmp_path, 'networkd')['changes'] == []
    result = converge(tmp_path, 'engine', state='absent')
    assert result['backend'] == 'none' and files(tmp_path) == []
    for ours in ('etc/underlay.network', 'usr/lib/underlay.network', 'etc/systemd/network/10-x.network.d'):
        assert not (tmp_path / ours).exists(), 'the directories we made are gone too'


def test_networkd_files_say_what_the_engine_does(tmp_path):
    converge(tmp_path, 'networkd')
    network = tmp_path / 'etc/systemd/network'
    web = (network / '60-underlay-network-web-shim.network').read_text()
    assert 'Address=198.18.40.254/32\n' in web and 'Address=2001:db8:40::1:1/128\nDuplicateAddressDetection=none' in web
    assert '[Route]\nDestination=198.18.40.0/28\nProtocol=209\nMetric=0\nScope=link\n' in web
    assert '[Route]\nDestination=2001:db8:40::/120\nProtocol=209\nMetric=0\n' in web
    assert 'Kind=macvlan\n\n[MACVLAN]\nMode=bridge' in (network / '60-underlay-network-web-shim.netdev').read_text()
    assert 'Kind=ipvlan\n\n[IPVLAN]\nMode=L2\nFlags=bridge' in (network / '60-underlay-network-db-shim.netdev').read_text()
    assert 'Metric=5' in (network / '60-underlay-network-db-shim.network').read_text()
    assert 'Alias=underlay.network' in (network / '60-underlay-network-db-shim.link').read_text()
    assert 'IPVLAN=db-shim' in (network / '60-underlay-network-eth0.20.network').read_text()
    parent = (network / '60-underlay-network-eth0.network').read_text()
    assert 'VLAN=eth0.20\n' in parent and 'MACVLAN=web-shim\n' in parent and 'KeepConfiguration=yes' in parent


def test_networkd_shims_answer_for_the_hosts_ipv6_addresses_and_forward_alone(tmp_path):
    dual = host(proxy_ndp={'web-shim': ('2001:db8:40::45', '2001:db8:40::46')})
    converge(tmp_path, 'networkd', dual)
    web = (tmp_path / 'etc/systemd/network/60-underlay-network-web-shim.network').read_text()
    assert ('IPv6ProxyNDP=yes\nIPv6ProxyNDPAddress=2001:db8:40::45\nIPv6ProxyNDPAddress=2001:db8:40::46\n' in web)
    assert 'IPv6ProxyNDP' not in (tmp_path / 'etc/systemd/network/60-underlay-network-db-shim.network').read_text()
    sysctls = (tmp_path / 'etc/sysctl.d/60-underlay-network-shims.conf').read_text()
    assert sysctls.splitlines()[1:] == ['net/ipv6/conf/web-shim/forwarding = 1'], 'the shim forwards, not the host'
    assert converge(tmp_path, 'networkd', dual)['changes'] == []
    # the parent lost an address: the next run follows it; without IPv6 networks the sysctl file goes
    assert [c['name'] for c in converge(tmp_path, 'networkd', host(proxy_ndp={'web-shim': ('2001:db8:40::45',)}))[
        'changes']] == ['/etc/systemd/network/60-underlay-network-web-shim.network']
    converge(tmp_path, 'networkd')
    assert not (tmp_path / 'etc/sysctl.d/60-underlay-network-shims.conf').exists()
    assert (tmp_path / 'etc/systemd/network').is_dir()


def test_networkd_refuses_a_namespace(tmp_path):
    with pytest.raises(ValidationError) as refused:
        Persistence('networkd', 'lab1', str(tmp_path))
    assert refused.value.field == 'persist' and 'persist: engine' in refused.value.message
    assert files(tmp_path) == []


def test_one_state_per_namespace_and_the_engine_stays_while_one_is_left(tmp_path):
    converge(tmp_path, 'engine', host(netns='lab1'))
    converge(tmp_path, 'engine', host(netns='lab2'))
    stored = sorted(os.listdir(str(tmp_path / 'etc/underlay.network')))
    assert stored == ['host-networks@lab1.json', 'host-networks@lab2.json']
    assert not any('device.wants' in path for path in files(tmp_path)), 'device units speak for the host namespace'
    converge(tmp_path, 'none', host(netns='lab1'))
    assert (tmp_path / 'usr/lib/underlay.network/replay').exists(), 'lab2 still needs the engine'
    converge(tmp_path, 'none', host(netns='lab2'))
    assert files(tmp_path) == []


def test_the_namespace_lock_is_re_entrant_within_a_process(tmp_path):
    with NamespaceLock('x', 1, directory=str(tmp_path)) as outer:
        with NamespaceLock('x', 1, directory=str(tmp_path)):
            pass  # would wait on itself (and time out) if it were not re-entrant
        with open(outer.path) as handle:
            with pytest.raises((IOError, OSError)):
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)  # still held after the inner one left
    with open(outer.path) as handle:
        fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)  # released


def test_the_stored_state_names_proxies_only_when_a_shim_answers_for_something(tmp_path):
    answering = host(proxy_ndp={'web-shim': ('2001:db8:40::45',), 'db-shim': ()})
    converge(tmp_path, 'engine', answering)
    stored = json.loads((tmp_path / 'etc/underlay.network/host-networks.json').read_text())
    assert stored['proxy_ndp'] == {'web-shim': ['2001:db8:40::45']}
    converge(tmp_path, 'engine', host(proxy_ndp={'web-shim': ()}))
    assert 'proxy_ndp' not in json.loads((tmp_path / 'etc/underlay.network/host-networks.json').read_text())


def test_networkd_routes_of_a_shim_of_several_subnets_carry_each_subnets_address(tmp_path):
    two = [dict(name='two', parent='eth0', subnets=[
        dict(subnet='198.18.40.0/24', ip_range='198.18.40.0/28', shim_address='198.18.40.254'),
        dict(subnet='198.18.42.0/24', ip_range='198.18.42.0/28', shim_address='198.18.42.254')])]
    converge(tmp_path, 'networkd', host(two))
    text = (tmp_path / 'etc/systemd/network/60-underlay-network-two-shim.network').read_text()
    for subnet in ('40', '42'):
        assert ('[Route]\nDestination=198.18.%s.0/28\nProtocol=209\nMetric=0\nPreferredSource=198.18.%s.254\n'
                'Scope=link\n' % (subnet, subnet)) in text, text


def test_a_vlan_someone_else_made_gets_no_networkd_file_of_ours_and_stays_a_parent(tmp_path):
    derived = resolved(normalise_networks(NETWORKS), None)
    kept = without_foreign_vlans('/', derived, {'eth0.20'})  # the engine read it without our mark
    assert kept['vlans'] == [] and kept['networks'] == derived['networks']
    written = {item.path: item.content for item in networkd_files(str(tmp_path / 'root'), kept)}
    network = 'etc/systemd/network/60-underlay-network-'
    assert network + 'eth0.20.netdev' not in written and network + 'eth0.20.link' not in written
    assert 'IPVLAN=db-shim\n' in written[network + 'eth0.20.network'], 'the shim still sits on it, as on a NIC'
    assert '\nVLAN=' not in written[network + 'eth0.network'], 'nor is it made on its parent'
    # a VLAN with our mark, or none yet, is ours to keep; under a persist_root nothing is known
    assert without_foreign_vlans('/', derived, set())['vlans'] == derived['vlans']
    assert without_foreign_vlans(str(tmp_path), derived, {'eth0.20'})['vlans'] == derived['vlans']


def test_a_vlan_our_files_make_is_ours_even_unmarked(tmp_path):
    """udev applies only the first .link file that matches: another one may keep ours from marking our VLAN."""
    assert not made_by_our_files(str(tmp_path), 'eth0.20')
    netdev = tmp_path / 'etc/systemd/network/60-underlay-network-eth0.20.netdev'
    netdev.parent.mkdir(parents=True)
    netdev.write_text('[NetDev]\n')
    assert made_by_our_files(str(tmp_path), 'eth0.20')
    netdev.unlink()
    profile = tmp_path / 'etc/NetworkManager/system-connections/underlay-network-eth0.20.nmconnection'
    profile.parent.mkdir(parents=True)
    profile.write_text('[connection]\n')
    assert made_by_our_files(str(tmp_path), 'eth0.20') and not made_by_our_files(str(tmp_path), 'eth0.30')


def test_the_engine_reads_which_vlans_are_someone_elses():
    vlans = [{'name': 'eth0.20'}, {'name': 'eth0.30'}, {'name': 'eth0.40'}]
    snapshot = Snapshot(None, [{'name': 'eth0.20', 'index': 5, 'alias': 'made by hand'},
                               {'name': 'eth0.30', 'index': 6, 'alias': 'underlay.network'}], [])
    assert unmarked_vlans(vlans, snapshot) == {'eth0.20'}  # ours (marked) and not there yet (eth0.40): ours to keep
