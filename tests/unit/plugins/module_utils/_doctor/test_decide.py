# Copyright: (c) 2026, underlay.network contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""_doctor.decide on recorded evidence: what the lab cannot make (a VMware guest, an EC2 instance, Azure, a Wi-Fi
parent, Docker 27) and the edges of each judgement."""

import pytest

from ansible_collections.underlay.network.plugins.module_utils._doctor import decide
from ansible_collections.underlay.network.plugins.module_utils._networks.definitions import normalise_networks

GATEWAY = '198.18.240.1'


def network(**fields):
    raw = dict({'name': 'lan', 'parent': 'eth0', 'subnet': '198.18.240.0/20', 'gateway': GATEWAY,
                'ip_range': '198.18.248.0/22', 'shim_address': '198.18.255.254'}, **fields)
    return normalise_networks([raw])['networks'][0]


# DMI and NIC drivers as real machines report them (/sys/class/dmi/id, ethtool -i)
RECORDED = {
    'vmware': ({'sys_vendor': 'VMware, Inc.', 'product_name': 'VMware7,1', 'bios_vendor': 'VMware, Inc.'}, 'vmxnet3'),
    'hyperv': ({'sys_vendor': 'Microsoft Corporation', 'product_name': 'Virtual Machine',
                'bios_vendor': 'Microsoft Corporation', 'chassis_asset_tag': '3016-1718-0426-6911-4556-9720-52'},
               'hv_netvsc'),
    'azure': ({'sys_vendor': 'Microsoft Corporation', 'product_name': 'Virtual Machine',
               'chassis_asset_tag': '7783-7084-3265-9085-8269-3286-77'}, 'hv_netvsc'),
    'virtualbox': ({'sys_vendor': 'innotek GmbH', 'product_name': 'VirtualBox', 'bios_vendor': 'innotek GmbH'},
                   'e1000'),
    'aws': ({'sys_vendor': 'Amazon EC2', 'product_name': 'm5.large', 'bios_vendor': 'Amazon EC2'}, 'ena'),
    'gcp': ({'sys_vendor': 'Google', 'product_name': 'Google Compute Engine', 'bios_vendor': 'Google'}, 'gve'),
    'openstack': ({'sys_vendor': 'OpenStack Foundation', 'product_name': 'OpenStack Nova', 'bios_vendor': 'SeaBIOS'},
                  'virtio_net'),
    'kvm': ({'sys_vendor': 'QEMU', 'product_name': 'Standard PC (Q35 + ICH9, 2009)', 'bios_vendor': 'SeaBIOS'},
            'virtio_net'),
}


@pytest.mark.parametrize('platform', sorted(RECORDED))
def test_the_platform_comes_from_dmi(platform):
    dmi, driver = RECORDED[platform]
    assert decide.platform_of(dmi, driver) == platform


def test_without_dmi_the_nic_driver_tells_and_bare_metal_is_none():
    assert decide.platform_of({}, 'vmxnet3') == 'vmware'
    assert decide.platform_of({}, 'ena') == 'aws'
    assert decide.platform_of({'sys_vendor': 'Dell Inc.', 'product_name': 'PowerEdge R650'}, 'ice') is None
    assert decide.platform_of({}, None) is None


def new_macs(parent_heard=True, probe_heard=False, **extra):
    return dict({'targets': [GATEWAY], 'parent': 'eth0', 'parent_mac': '00:50:56:aa:bb:cc',
                 'parent_answers': {GATEWAY: ['00:00:5e:00:01:01'] if parent_heard else []},
                 'probe_mac': '02:11:22:33:44:55', 'probe_answers': {GATEWAY: ['00:00:5e:00:01:01'] if probe_heard
                                                                     else []},
                 'probe_skipped': None, 'dmi': {}, 'nic_driver': None}, **extra)


@pytest.mark.parametrize('platform,words,fix', [
    ('vmware', 'VMware vSphere (DMI VMware, Inc. / VMware7,1, NIC driver vmxnet3): the vSwitch port group rejects '
     'forged transmits', 'set Forged transmits, MAC address changes and Promiscuous mode to Accept on the port group'),
    ('hyperv', 'Microsoft Hyper-V', 'turn on MAC address spoofing (Set-VMNetworkAdapter -MacAddressSpoofing On)'),
    ('azure', 'Microsoft Azure', "assign the containers' addresses as secondary IP configurations of the NIC"),
    ('virtualbox', 'Oracle VirtualBox', "set the adapter's Promiscuous Mode to Allow All"),
    ('aws', 'Amazon EC2', "assign the containers' addresses as secondary private IPs of the ENI"),
    ('gcp', 'Google Compute Engine', 'give the containers an alias IP range of the NIC'),
])
def test_new_macs_dropped_name_the_platform_and_recommend_ipvlan(platform, words, fix):
    dmi, driver = RECORDED[platform]
    result = decide.judge_new_macs(network(), new_macs(dmi=dmi, nic_driver=driver))
    assert result['status'] == 'fail' and result['check'] == 'new_macs_upstream' and result['network'] == 'lan'
    assert 'new MACs are dropped upstream: likely cause ' + words in result['evidence']
    assert result['fix'] == "use driver: ipvlan for this network (its ports share the parent's MAC), or " + fix


def test_new_macs_unknown_platform_blames_port_security():
    result = decide.judge_new_macs(network(), new_macs())
    assert 'port security' in result['evidence'] and result['fix'].endswith('allow several MACs on the switch port')


def test_new_macs_ok_unknown_and_ipvlan():
    assert decide.judge_new_macs(network(), new_macs(probe_heard=True))['status'] == 'ok'
    silent = decide.judge_new_macs(network(), new_macs(parent_heard=False))
    assert silent['status'] == 'warn' and 'cannot tell' in silent['evidence']
    skipped = decide.judge_new_macs(network(), new_macs(probe_answers=None, probe_skipped='probe: false'))
    assert skipped['status'] == 'warn' and 'probe: false' in skipped['evidence']
    ipvlan = decide.judge_new_macs(network(driver='ipvlan'), new_macs())
    assert ipvlan['status'] == 'ok' and ipvlan['fix'] is None
    nothing = decide.judge_new_macs(network(gateway=None), dict(new_macs(), targets=[]))
    assert nothing['status'] == 'warn' and 'no gateway and no verify_targets' in nothing['evidence']


WIFI = {'parent': 'wlp2s0', 'nic_driver': 'iwlwifi', 'wireless': True,
        'wireless_evidence': 'it answers the wireless ioctl (IEEE 802.11)'}


def test_a_wifi_parent_fails_macvlan_and_passes_ipvlan():
    result = decide.judge_wireless(network(parent='wlp2s0'), WIFI)
    assert result['status'] == 'fail' and 'wlp2s0 (driver iwlwifi): it answers the wireless ioctl' in result['evidence']
    assert result['fix'] == 'use driver: ipvlan on a Wi-Fi parent, or put the containers on a wired NIC'
    assert decide.judge_wireless(network(parent='wlp2s0', driver='ipvlan'), WIFI)['status'] == 'ok'
    wired = dict(WIFI, wireless=False, nic_driver='e1000e', wireless_evidence='not wireless')
    assert decide.judge_wireless(network(), wired)['status'] == 'ok'


def sysctls(all_values=(0, 0, 0), parent=(0, 0, 0), shim=None, default=(0, 0, 0)):
    keys = ('rp_filter', 'arp_ignore', 'arp_filter')
    values = {'all': dict(zip(keys, all_values)), 'default': dict(zip(keys, default)), 'eth0': dict(zip(keys, parent))}
    if shim is not None:
        values['lan-shim'] = dict(zip(keys, shim))
    return {'parent': 'eth0', 'shim': 'lan-shim', 'shim_exists': shim is not None, 'sysctls': values}


def test_effective_values_are_the_larger_of_all_and_the_interface():
    assert decide.effective(1, 2, 'rp_filter') == 2 and decide.effective(2, 0, 'rp_filter') == 2
    assert decide.effective(0, 1, 'arp_filter') == 1 and decide.effective(None, None, 'arp_ignore') is None


def test_strict_rp_filter_on_all_warns_and_the_interfaces_own_loose_value_fixes_it():
    strict = decide.judge_reverse_path(network(), sysctls(all_values=(1, 0, 0), default=(1, 0, 0)))
    assert strict['status'] == 'warn'
    assert 'rp_filter=1 (all 1, own 0)' in strict['evidence'] and '(not made yet: default applies)' in strict['evidence']
    assert 'net.ipv4.conf.eth0.rp_filter=2 and net.ipv4.conf.default.rp_filter=2' in strict['fix']
    fixed = decide.judge_reverse_path(network(), sysctls(all_values=(1, 0, 0), parent=(2, 0, 0), shim=(2, 0, 0)))
    assert fixed['status'] == 'ok' and fixed['fix'] is None


def test_arp_ignore_on_the_shim_fails_and_strict_on_the_shim_alone_warns():
    ignore = decide.judge_reverse_path(network(), sysctls(shim=(0, 1, 0)))
    assert ignore['status'] == 'fail' and 'cannot reach the host\'s own address on eth0' in ignore['evidence']
    shim_only = decide.judge_reverse_path(network(), sysctls(shim=(1, 0, 0)))
    assert shim_only['status'] == 'warn' and 'net.ipv4.conf.lan-shim.rp_filter=2' in shim_only['fix']


def port(name, mode, kind='macvlan', netns='c1', mtu=1500):
    return {'name': name, 'netns': netns, 'kind': kind, 'mode': mode, 'mtu': mtu, 'macaddress': '02:00:00:00:00:01'}


def test_modes_vepa_and_private_ports():
    vepa = {'ports': [port('eth0', 'vepa')], 'hairpin': False, 'hairpin_evidence': 'never came back'}
    result = decide.judge_modes(network(), vepa)
    assert result['status'] == 'fail' and result['fix'].startswith('recreate eth0 in c1 in mode bridge')
    assert decide.judge_modes(network(), dict(vepa, hairpin=True))['status'] == 'ok'
    assert decide.judge_modes(network(), dict(vepa, hairpin=None))['status'] == 'warn'
    private = decide.judge_modes(network(), dict(vepa, ports=[port('eth0', 'private')], hairpin=True))
    assert private['status'] == 'fail' and 'hairpin or not' in private['evidence']
    bridge = decide.judge_modes(network(), {'ports': [port('eth0', 'bridge')], 'hairpin': None,
                                            'hairpin_evidence': 'not needed'})
    assert bridge['status'] == 'ok'


def test_an_ipvlan_mode_other_than_the_parents_fails():
    ports = {'ports': [port('eth0', 'l2', kind='ipvlan')], 'hairpin': None, 'hairpin_evidence': 'not needed'}
    result = decide.judge_modes(network(driver='ipvlan', mode='l3'), ports)
    assert result['status'] == 'fail' and 'the kernel keeps one ipvlan mode per parent' in result['evidence']
    assert result['fix'].startswith('give the network mode l2')
    assert decide.judge_modes(network(driver='ipvlan'), ports)['status'] == 'ok'  # inherits


def conflicts(probed, local=None):
    return {'probed': probed, 'local': local or {}, 'shim': 'lan-shim', 'parent': 'eth0',
            'source_mac': '02:00:00:00:00:0a', 'probe_skipped': None}


def test_address_conflicts_shim_range_and_this_hosts_own_shim():
    shim = decide.judge_addresses(network(), conflicts({'198.18.255.254': ['02:aa:00:00:00:01']}))
    assert shim['status'] == 'fail' and shim['fix'].startswith('give the network another shim_address')
    taken = decide.judge_addresses(network(), conflicts({'198.18.248.1': ['02:aa:00:00:00:01']}))
    assert taken['status'] == 'fail' and taken['fix'].startswith('narrow ip_range so it leaves out 198.18.248.1')
    own = decide.judge_addresses(network(), conflicts({'198.18.255.254': []}, {'198.18.255.254': 'lan-shim'}))
    assert own['status'] == 'ok'
    other_link = decide.judge_addresses(network(), conflicts({'198.18.255.254': []}, {'198.18.255.254': 'eth1'}))
    assert other_link['status'] == 'fail' and '198.18.255.254 on eth1' in other_link['evidence']


def capacity(**extra):
    return dict({'parent_link': {'name': 'eth0', 'mtu': 1500, 'promiscuity': 0, 'promisc': False},
                 'ports': [port('eth0', 'bridge')], 'shim_exists': True, 'docker_mtu': None, 'docker_name': None},
                **extra)


def test_capacity_mtu_and_mac_count():
    assert decide.judge_capacity(network(), capacity())['status'] == 'ok'
    big = decide.judge_capacity(network(), capacity(ports=[port('eth0', 'bridge', mtu=9000)]))
    assert big['status'] == 'fail' and 'eth0 in c1 has mtu 9000, larger than its parent\'s 1500' in big['evidence']
    docker = decide.judge_capacity(network(), capacity(docker_mtu=9000, docker_name='lan'))
    assert docker['status'] == 'warn' and 'Docker network lan asks for mtu 9000' in docker['evidence']
    many = decide.judge_capacity(network(), capacity(ports=[port('c%d' % i, 'bridge') for i in range(80)]))
    assert many['status'] == 'warn' and '80 MACs are more than the unicast filter' in many['evidence']
    promisc = capacity(ports=[port('c%d' % i, 'bridge') for i in range(80)])
    promisc['parent_link'] = dict(promisc['parent_link'], promisc=True, promiscuity=1)
    assert decide.judge_capacity(network(), promisc)['status'] == 'ok'


def docker(version, *networks):
    return {'docker': {'reachable': True, 'error': None, 'version': version,
                       'networks': [{'name': name, 'driver': driver, 'parent': 'eth0', 'mtu': None}
                                    for name, driver in networks]}, 'podman': []}


def test_docker_one_network_per_parent_before_27_several_macvlan_from_27():
    mine = network(docker={'name': 'lan'})
    old = decide.judge_engines(mine, docker('20.10.24', ('other', 'macvlan')))
    assert old['status'] == 'fail' and 'Docker 20.10.24 takes one macvlan network per parent' in old['evidence']
    new = decide.judge_engines(mine, docker('27.1.1', ('other', 'macvlan')))
    assert new['status'] == 'ok' and 'allows several macvlan networks' in new['evidence']
    ipvlan = decide.judge_engines(network(driver='ipvlan', docker={'name': 'lan'}), docker('27.1.1', ('o', 'ipvlan')))
    assert ipvlan['status'] == 'fail'
    clash = decide.judge_engines(network(), docker('27.1.1', ('o', 'ipvlan')))
    assert clash['status'] == 'fail' and '(EBUSY)' in clash['evidence']
    assert clash['fix'].startswith('give the network driver: ipvlan')
    assert decide.judge_engines(mine, docker('20.10.24', ('lan', 'macvlan')))['status'] == 'ok'  # its own network


def test_podman_and_a_missing_docker_engine():
    podman = {'docker': {'reachable': False, 'error': 'no socket', 'version': None, 'networks': []},
              'podman': [{'name': 'pod', 'driver': 'ipvlan', 'parent': 'eth0'}]}
    result = decide.judge_engines(network(), podman)
    assert result['status'] == 'fail' and 'Podman: pod (ipvlan)' in result['evidence']
    missing = decide.judge_engines(network(docker={'name': 'lan'}), dict(podman, podman=[]))
    assert missing['status'] == 'fail' and missing['fix'].startswith('start dockerd')
    assert decide.version_tuple('27.0.0-rc.1') == (27, 0) and decide.version_tuple(None) == (0, 0)


def kernel(status, usable, message=None, available=False, probe='the kernel cannot create ipvlan now (EOPNOTSUPP)'):
    return {'kernel': {'kernel': {'release': '6.18.44'}, 'features': {},
                       'drivers': {'ipvlan': {'status': status, 'usable': usable, 'message': message,
                                              'available': available, 'probe': probe}}},
            'needs': ['ipvlan']}


def test_kernel_drivers():
    missing = decide.judge_kernel(network(driver='ipvlan'), kernel('missing', False, 'ipvlan: kernel 6.18.44 cannot '
                                                                   'create ipvlan links; use a kernel built with '
                                                                   'CONFIG_IPVLAN'))
    assert missing['status'] == 'fail' and missing['fix'] == 'use a kernel built with CONFIG_IPVLAN'
    files_only = kernel('missing', False, 'ipvlan: ...', available=None, probe='not probed (probe=false)')
    unprobed = decide.judge_kernel(network(driver='ipvlan'), files_only)
    assert unprobed['status'] == 'warn' and 'ipvlan not probed (not probed (probe=false))' in unprobed['evidence']
    loadable = decide.judge_kernel(network(driver='ipvlan'), kernel('loadable', True, available=None))
    assert loadable['status'] == 'ok' and 'loaded on demand' in loadable['evidence']
