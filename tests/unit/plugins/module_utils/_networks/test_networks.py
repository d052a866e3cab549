# Copyright: (c) 2026, underlay.network contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""_networks: every network field and every cross-network rule, each with the message it gives."""


import pytest

from ansible_collections.underlay.network.plugins.module_utils._common.errors import ValidationError
from ansible_collections.underlay.network.plugins.module_utils._networks.definitions import normalise_networks, shim_args
from ansible_collections.underlay.network.plugins.module_utils._networks.network import default_shim_name, normalise_network
from ansible_collections.underlay.network.plugins.module_utils._networks.options import FIELDS, NetworkError


def net(**extra):
    """Seed 000's Docker macvlan network, with the shim address outside the containers' range."""
    base = dict(name='mynet', parent='eth0', subnet='198.18.240.0/20', gateway='198.18.240.1',
                ip_range='198.18.248.0/22', shim_address='198.18.255.254')
    base.update(extra)
    return {key: value for key, value in base.items() if value is not None}


def fails(networks, network, field, *words):
    with pytest.raises(NetworkError) as exc:
        normalise_networks(networks)
    message = exc.value.message
    assert exc.value.network == network, message
    assert exc.value.field == field, message
    where = "network '%s': " % network if isinstance(network, str) else 'networks[%d]: ' % network
    assert message.startswith(where), message
    for word in words:
        assert word in message, message
    return exc.value


# ---------------------------------------------------------------- normalisation

def test_seed000_network_gets_every_default_explicit():
    result = normalise_networks([net()])
    assert result['networks'] == [{
        'name': 'mynet', 'driver': 'macvlan', 'parent': 'eth0', 'vlan_id': None, 'link_parent': 'eth0',
        'subnet': '198.18.240.0/20', 'gateway': '198.18.240.1', 'ip_range': '198.18.248.0/22',
        'shim_address': '198.18.255.254', 'shim_address_reserved': False, 'shim_name': 'mynet-shim',
        'mode': 'bridge', 'metric': 0, 'verify_targets': [], 'docker': None, 'podman': None, 'cni': None,
        'subnets': [{'subnet': '198.18.240.0/20', 'gateway': '198.18.240.1', 'ip_range': '198.18.248.0/22',
                     'shim_address': '198.18.255.254'}],
    }]
    assert set(result['networks'][0]) == set(FIELDS) | {'link_parent'}
    assert result['vlans'] == []
    assert result['drivers'] == ['macvlan']
    assert result['shims'] == [{'network': 'mynet', 'name': 'mynet-shim', 'kind': 'macvlan', 'parent': 'eth0',
                                'mode': 'bridge', 'addresses': ['198.18.255.254'], 'routes': ['198.18.248.0/22'],
                                'metric': 0}]


def test_seed000_docker_layout_with_the_reserved_aux_address_inside_the_range():
    result = normalise_networks([net(ip_range='198.18.244.0/22', shim_address='198.18.244.254',
                                     shim_address_reserved=True)])
    assert result['networks'][0]['shim_address_reserved'] is True
    assert result['shims'][0]['routes'] == ['198.18.244.0/22']


def test_empty_or_missing_list_is_nothing_to_do():
    for value in ([], None):
        assert normalise_networks(value) == {'networks': [], 'vlans': [], 'docker_networks': [], 'podman_networks': [], 'shims': [],
                                             'drivers': [], 'features': []}


def test_networks_must_be_a_list():
    with pytest.raises(ValidationError) as exc:
        normalise_networks({'name': 'mynet'})
    assert 'networks must be a list' in exc.value.message and exc.value.field == 'networks'


def test_values_are_normalised():
    result = normalise_networks([net(name=' mynet ', vlan_id='10', metric='20', subnet=' 198.18.240.0/20',
                                     shim_address='198.18.255.254/32', verify_targets=['198.18.248.10', '198.18.248.10'],
                                     docker={'name': 'mynet10'})])
    network = result['networks'][0]
    assert network['name'] == 'mynet' and network['vlan_id'] == 10 and network['metric'] == 20
    assert network['shim_address'] == '198.18.255.254' and network['verify_targets'] == ['198.18.248.10']
    assert network['docker'] == {'name': 'mynet10', 'create': True}


def test_ipv6_network():
    result = normalise_networks([net(subnet='2001:DB8:1::/64', gateway='2001:db8:1::1', ip_range='2001:db8:1::1:0/112',
                                     shim_address='2001:db8:1::fe')])
    network = result['networks'][0]
    assert network['subnet'] == '2001:db8:1::/64' and network['ip_range'] == '2001:db8:1::1:0/112'
    assert result['shims'][0]['addresses'] == ['2001:db8:1::fe']


def test_vlan_networks_share_their_sub_interface_and_need_8021q():
    result = normalise_networks([
        net(name='a', vlan_id=10, subnet='198.18.10.0/24', gateway='198.18.10.1', ip_range='198.18.10.128/25',
            shim_address='198.18.10.126'),
        net(name='b', vlan_id=10, subnet='198.18.11.0/24', gateway='198.18.11.1', ip_range='198.18.11.128/25',
            shim_address='198.18.11.126'),
        net(name='c', vlan_id=20, driver='ipvlan', subnet='198.18.20.0/24', gateway='198.18.20.1',
            ip_range='198.18.20.128/25', shim_address='198.18.20.126'),
    ])
    assert result['vlans'] == [{'name': 'eth0.10', 'parent': 'eth0', 'vlan_id': 10, 'networks': ['a', 'b']},
                               {'name': 'eth0.20', 'parent': 'eth0', 'vlan_id': 20, 'networks': ['c']}]
    assert [n['link_parent'] for n in result['networks']] == ['eth0.10', 'eth0.10', 'eth0.20']
    assert result['drivers'] == ['ipvlan', 'macvlan', '8021q']
    assert [s['parent'] for s in result['shims']] == ['eth0.10', 'eth0.10', 'eth0.20']


def test_ipvlan_mode_defaults_to_inherit_and_is_left_out_of_the_shim():
    result = normalise_networks([net(driver='ipvlan'), net(name='n2', driver='ipvlan', mode='inherit',
                                                           subnet='198.18.16.0/20', gateway=None,
                                                           ip_range='198.18.16.0/24', shim_address='198.18.17.1')])
    assert [n['mode'] for n in result['networks']] == [None, None]
    assert 'mode' not in result['shims'][0]
    assert shim_args(normalise_network(net(driver='ipvlan', mode='l3')))['mode'] == 'l3'


@pytest.mark.parametrize('mode', ['bridge', 'vepa'])
def test_macvlan_modes_a_shim_can_work_with(mode):
    assert normalise_networks([net(mode=mode)])['networks'][0]['mode'] == mode


# ---------------------------------------------------------------- shim names

@pytest.mark.parametrize('name, expected', [
    ('mynet', 'mynet-shim'),
    ('macvlan10', 'macvlan10-shim'),
    ('abcdefghij', 'abcdefghij-shim'),
])
def test_default_shim_name_is_name_shim_when_it_fits(name, expected):
    assert default_shim_name(name) == expected


@pytest.mark.parametrize('name', ['production-a', 'production-b', 'abcdefghijk', 'my net/1', 'r\u00e9seau-prod',
                                  '---', '\u00e9\u00e9\u00e9\u00e9\u00e9\u00e9'])
def test_long_or_odd_names_get_a_short_hashed_shim_name(name):
    shim = default_shim_name(name)
    assert len(shim.encode('utf-8')) <= 15 and shim.endswith('-shim'), shim
    assert all(c.isalnum() or c in '-_.' for c in shim) and shim.isascii(), shim
    assert shim == default_shim_name(name), 'derivation must be stable'


def test_hashed_shim_names_keep_similar_names_apart():
    assert default_shim_name('production-a') != default_shim_name('production-b')
    assert default_shim_name('production-a').startswith('produ-')
    assert default_shim_name('---').startswith('ul')


def test_explicit_shim_name_is_kept():
    assert normalise_networks([net(shim_name='mynet-shim0')])['networks'][0]['shim_name'] == 'mynet-shim0'


# ---------------------------------------------------------------- one network: each rule names network, field, value, fix

@pytest.mark.parametrize('raw, network, field, words', [
    ('mynet', 0, None, ['each network must be a dictionary']),
    ({'parent': 'eth0'}, 0, 'name', ['name is required', 'unique name']),
    ({'name': '  '}, 0, 'name', ['name is required']),
    ({'name': 5}, 0, 'name', ['name is required']),
])
def test_network_without_a_usable_name_is_named_by_its_index(raw, network, field, words):
    fails([raw], network, field, *words)


def test_second_network_without_a_name_is_named_by_its_index():
    fails([net(), {'parent': 'eth0'}], 1, 'name', 'name is required')


@pytest.mark.parametrize('extra, field, words', [
    ({'iprange': '198.18.248.0/22'}, 'iprange', ["unknown field 'iprange'", "did you mean 'ip_range'?", 'the fields are']),
    ({'vlan': 10, 'Shim-Name': 'x'}, 'Shim-Name', ["unknown fields 'Shim-Name' (did you mean 'shim_name'?), 'vlan'"]),
    ({'driver': 'bridge'}, 'driver', ["driver 'bridge' is not supported", 'use macvlan or ipvlan']),
    ({'parent': None}, 'parent', ['parent is required', 'for example eth0']),
    ({'parent': 'a' * 16}, 'parent', ["parent 'aaaaaaaaaaaaaaaa' is 16 bytes long", 'at most 15']),
    ({'parent': 'eth 0'}, 'parent', ["'eth 0' is not a valid interface name"]),
    ({'vlan_id': 0}, 'vlan_id', ['vlan_id 0 is out of range', 'from 1 to 4094']),
    ({'vlan_id': 4095}, 'vlan_id', ['vlan_id 4095 is out of range']),
    ({'vlan_id': 'ten'}, 'vlan_id', ["vlan_id 'ten' is not a whole number"]),
    ({'vlan_id': True}, 'vlan_id', ['vlan_id True is a boolean']),
    ({'parent': 'enp0s31f6np0', 'vlan_id': 100}, 'vlan_id',
     ["'enp0s31f6np0.100' would be 16 bytes", 'underlay.network.vlan_link', 'without vlan_id']),
    ({'subnet': None}, 'subnet', ['subnet is required', "Docker's --subnet"]),
    ({'subnet': '198.18.240.1/20'}, 'subnet', ['has host bits set', 'did you mean 198.18.240.0/20?']),
    ({'subnet': 'lan'}, 'subnet', ["'lan' is not a network", 'write it like']),
    ({'subnet': '198.18.240.0/30'}, 'subnet', ['subnet 198.18.240.0/30 is too small', 'a /29 or larger']),
    ({'gateway': '198.18.0.1'}, 'gateway', ['gateway 198.18.0.1 is outside subnet 198.18.240.0/20']),
    ({'gateway': 'router'}, 'gateway', ["gateway 'router' is not an IP address"]),
    ({'gateway': '198.18.240.0'}, 'gateway', ['is the network address of subnet']),
    ({'gateway': '198.18.255.255'}, 'gateway', ['is the broadcast address of subnet']),
    ({'gateway': '2001:db8::1'}, 'gateway', ['gateway 2001:db8::1 is IPv6 but subnet 198.18.240.0/20 is IPv4']),
    ({'gateway': '198.18.240.1/20'}, 'gateway', ["gateway '198.18.240.1/20' has a prefix", 'give the bare address']),
    ({'ip_range': None}, 'ip_range', ['ip_range is required', "Docker's --ip-range", 'through its shim']),
    ({'ip_range': '198.18.0.0/24'}, 'ip_range', ['ip_range 198.18.0.0/24 is not inside subnet 198.18.240.0/20']),
    ({'ip_range': '198.18.0.0/8'}, 'ip_range', ['has host bits set']),
    ({'ip_range': '198.18.240.0/24'}, 'ip_range', ['ip_range 198.18.240.0/24 contains the gateway 198.18.240.1',
                                                   'Narrow ip_range']),
    ({'shim_address': None}, 'shim_address', ['shim_address is required', 'outside ip_range 198.18.248.0/22',
                                              '--aux-address host=']),
    ({'shim_address': '198.18.0.9'}, 'shim_address', ['shim_address 198.18.0.9 is outside subnet']),
    ({'shim_address': '198.18.240.1'}, 'shim_address', ['shim_address 198.18.240.1 is the gateway']),
    ({'shim_address': '198.18.248.254'}, 'shim_address',
     ['shim_address 198.18.248.254 is inside ip_range 198.18.248.0/22', 'move it outside ip_range',
      'shim_address_reserved: true']),
    ({'shim_address': '198.18.248.0', 'shim_address_reserved': True}, 'shim_address',
     ['is the first address of ip_range']),
    ({'shim_address': '198.18.251.255', 'shim_address_reserved': True}, 'shim_address',
     ['is the last address of ip_range']),
    ({'shim_address': '198.18.255.254/24'}, 'shim_address', ['has a prefix']),
    ({'shim_address_reserved': 'maybe'}, 'shim_address_reserved', ["shim_address_reserved 'maybe' is not true or false"]),
    ({'shim_name': 'x' * 16}, 'shim_name', ['is 16 bytes long']),
    ({'shim_name': 'eth0'}, 'shim_name', ["shim_name 'eth0' is the name of the parent"]),
    ({'mode': 'private'}, 'mode', ["mode 'private' cannot work with a host shim", 'use bridge']),
    ({'mode': 'passthru'}, 'mode', ['single port']),
    ({'mode': 'source'}, 'mode', ['listed MAC addresses']),
    ({'mode': 'l2'}, 'mode', ["mode 'l2' is not a macvlan mode"]),
    ({'driver': 'ipvlan', 'mode': 'bridge'}, 'mode', ["mode 'bridge' is not an ipvlan mode", 'l2, l3 or l3s']),
    ({'metric': -1}, 'metric', ['metric -1 is out of range']),
    ({'metric': 'low'}, 'metric', ["metric 'low' is not a whole number"]),
    ({'verify_targets': {'a': 1}}, 'verify_targets', ["verify_targets {'a': 1} is not a list", 'list of addresses']),
    ({'verify_targets': ['box']}, 'verify_targets', ["'box' is not an IP address"]),
    ({'verify_targets': ['198.18.0.1']}, 'verify_targets', ["198.18.0.1 is outside the network's subnets"]),
    ({'verify_targets': ['198.18.255.254']}, 'verify_targets', ["the host's own shim address"]),
    ({'docker': ['aux']}, 'docker', ["docker ['aux'] is not a dictionary", 'name', 'create']),
])
def test_each_field_rule_names_network_field_value_and_fix(extra, field, words):
    error = fails([net(**extra)], 'mynet', field, *words)
    assert error.field == field


def test_error_carries_the_value_as_given():
    error = fails([net(subnet='198.18.240.1/20')], 'mynet', 'subnet')
    assert error.value == '198.18.240.1/20'


# ---------------------------------------------------------------- across networks

def test_duplicate_names():
    fails([net(), net(subnet='198.18.0.0/24', gateway=None, ip_range='198.18.0.0/25', shim_address='198.18.0.200',
                      parent='eth1')],
          'mynet', 'name', "name 'mynet' is used by two networks", 'unique name')


def test_overlapping_subnets_on_one_broadcast_domain():
    fails([net(), net(name='other', subnet='198.18.240.0/21', gateway=None, ip_range='198.18.242.0/24',
                      shim_address='198.18.243.1')],
          'other', 'subnet', "subnet 198.18.240.0/21 overlaps subnet 198.18.240.0/20 of network 'mynet'",
          "same parent 'eth0'")


def test_overlapping_subnets_on_the_same_vlan_but_not_on_different_vlans():
    a = net(vlan_id=10, ip_range='198.18.248.0/24', shim_address='198.18.255.254')
    b = net(name='b', vlan_id=10, ip_range='198.18.249.0/24', shim_address='198.18.255.253')
    fails([a, b], 'b', 'subnet', "same parent 'eth0.10'")
    b['vlan_id'] = 20
    assert len(normalise_networks([a, b])['vlans']) == 2


def test_a_vlan_given_as_parent_is_the_same_domain_as_parent_plus_vlan_id():
    a = net(vlan_id=10, ip_range='198.18.248.0/24')
    b = net(name='b', parent='eth0.10', ip_range='198.18.249.0/24', shim_address='198.18.255.253')
    fails([a, b], 'b', 'subnet', "same parent 'eth0.10'")


def test_overlapping_ip_ranges_anywhere():
    fails([net(), net(name='b', parent='eth1', ip_range='198.18.250.0/24', shim_address='198.18.255.253')],
          'b', 'ip_range', "ip_range 198.18.250.0/24 overlaps ip_range 198.18.248.0/22 of network 'mynet'")


def test_two_drivers_on_one_parent():
    fails([net(), net(name='b', driver='ipvlan', subnet='198.18.0.0/24', gateway=None, ip_range='198.18.0.0/25',
                      shim_address='198.18.0.200')],
          'b', 'driver', "driver ipvlan on 'eth0', but network 'mynet' uses macvlan", 'EBUSY')


def test_two_drivers_on_one_nic_but_different_vlans_are_fine():
    result = normalise_networks([
        net(), net(name='b', driver='ipvlan', vlan_id=30, subnet='198.18.0.0/24', gateway=None,
                   ip_range='198.18.0.0/25', shim_address='198.18.0.200')])
    assert result['drivers'] == ['ipvlan', 'macvlan', '8021q']


def test_two_ipvlan_modes_on_one_parent():
    fails([net(driver='ipvlan', mode='l2'),
           net(name='b', driver='ipvlan', mode='l3', subnet='198.18.0.0/24', gateway=None, ip_range='198.18.0.0/25',
               shim_address='198.18.0.200')],
          'b', 'mode', "ipvlan mode l3 on 'eth0', but network 'mynet' uses l2", 'one ipvlan mode per parent')


def test_same_shim_address_twice():
    fails([net(), net(name='b', parent='eth1', ip_range='198.18.244.0/24')],
          'b', 'shim_address', "shim_address 198.18.255.254 is also the shim address of network 'mynet'")


def test_shim_name_collisions():
    fails([net(shim_name='s0'), net(name='b', parent='eth1', ip_range='198.18.244.0/24',
                                    shim_address='198.18.255.253', shim_name='s0')],
          'b', 'shim_name', "shim_name 's0' is also the shim of network 'mynet'")


def test_shim_named_like_another_networks_parent():
    fails([net(), net(name='b', parent='eth1', ip_range='198.18.244.0/24', shim_address='198.18.255.253',
                      shim_name='eth0')],
          'b', 'shim_name', "shim_name 'eth0' is the parent of another network")


# ---------------------------------------------------------------- Docker networks

def docker_fails(networks, field, words, docker_views=None, network='mynet'):
    with pytest.raises(NetworkError) as exc:
        normalise_networks(networks, docker_views=docker_views)
    assert (exc.value.network, exc.value.field) == (network, field), exc.value.message
    for word in words:
        assert word in exc.value.message, exc.value.message
    return exc.value


DOCKER_SUBNET = {'subnet': '198.18.240.0/20', 'gateway': '198.18.240.1', 'ip_range': '198.18.244.0/22',
                 'aux_addresses': {'host': '198.18.244.254'}}
DOCKER_VIEW = {'name': 'mynet', 'id': 'f00', 'driver': 'macvlan', 'parent': 'eth0', 'subnets': [DOCKER_SUBNET],
               'mode': None, 'ipv6': False, 'containers': ['web1']}


def docker_view(**subnet):
    """DOCKER_VIEW with its one subnet changed."""
    return dict(DOCKER_VIEW, subnets=[dict(DOCKER_SUBNET, **subnet)])


def test_a_docker_network_to_create_reserves_the_shim_address_as_aux_address_host():
    result = normalise_networks([net(ip_range='198.18.244.0/22', shim_address='198.18.244.254', docker={})],
                                docker_views={'mynet': None})
    assert result['networks'][0]['shim_address_reserved'] is True  # inside the range, but Docker keeps it
    assert result['docker_networks'] == [{
        'network': 'mynet', 'name': 'mynet', 'exists': False,
        'params': {'name': 'mynet', 'driver': 'macvlan', 'parent': 'eth0', 'mode': 'bridge',
                   'subnets': [{'subnet': '198.18.240.0/20', 'gateway': '198.18.240.1', 'ip_range': '198.18.244.0/22',
                                'aux_addresses': {'host': '198.18.244.254'}}]}}]


def test_a_docker_network_on_a_vlan_is_created_on_the_sub_interface():
    result = normalise_networks([net(vlan_id=10, docker={'name': 'macvlan10'})])
    assert result['docker_networks'][0]['params']['parent'] == 'eth0.10'
    assert result['docker_networks'][0]['name'] == 'macvlan10'
    assert result['vlans'][0]['name'] == 'eth0.10'


def test_an_existing_docker_network_fills_in_what_the_definition_leaves_out():
    result = normalise_networks([{'name': 'mynet', 'docker': {}}], docker_views={'mynet': DOCKER_VIEW})
    network = result['networks'][0]
    assert (network['parent'], network['subnet'], network['gateway'], network['ip_range']) == (
        'eth0', '198.18.240.0/20', '198.18.240.1', '198.18.244.0/22')
    assert network['shim_address'] == '198.18.244.254' and network['shim_address_reserved'] is True
    assert result['shims'][0]['routes'] == ['198.18.244.0/22']
    assert result['docker_networks'] == [{'network': 'mynet', 'name': 'mynet', 'exists': True,
                                          'params': {'name': 'mynet'}}]


def test_an_existing_docker_network_on_a_vlan_parent_keeps_that_parent_as_is():
    view = dict(DOCKER_VIEW, parent='eth0.10')
    network = normalise_networks([{'name': 'mynet', 'docker': {}}], docker_views={'mynet': view})['networks'][0]
    assert (network['parent'], network['vlan_id'], network['link_parent']) == ('eth0.10', None, 'eth0.10')
    agreeing = normalise_networks([{'name': 'mynet', 'parent': 'eth0', 'vlan_id': 10, 'docker': {}}],
                                  docker_views={'mynet': view})
    assert agreeing['vlans'][0]['name'] == 'eth0.10'


@pytest.mark.parametrize('field, value, docker_value', [
    ('subnet', '198.18.0.0/20', '198.18.240.0/20'),
    ('ip_range', '198.18.248.0/22', '198.18.244.0/22'),
    ('gateway', '198.18.240.2', '198.18.240.1'),
    ('parent', 'eth1', 'eth0'),
    ('driver', 'ipvlan', 'macvlan'),
    ('shim_address', '198.18.255.254', '198.18.244.254'),
])
def test_a_definition_that_disagrees_with_the_docker_network_is_refused(field, value, docker_value):
    exc = docker_fails([{'name': 'mynet', field: value, 'docker': {}}], field,
                       [docker_value, 'cannot change a network in place'], docker_views={'mynet': DOCKER_VIEW})
    assert exc.value == value


def test_the_same_values_written_differently_agree():
    result = normalise_networks([{'name': 'mynet', 'subnet': '198.18.240.0/20', 'gateway': '198.18.240.1',
                                  'ip_range': ' 198.18.244.0/22', 'shim_address': '198.18.244.254', 'docker': {}}],
                                docker_views={'mynet': DOCKER_VIEW})
    assert result['networks'][0]['ip_range'] == '198.18.244.0/22'


def test_an_existing_docker_network_without_ip_range_or_aux_host_needs_them_given():
    docker_fails([{'name': 'mynet', 'docker': {}}], 'ip_range', ['no container range (--ip-range)', 'give ip_range'],
                 docker_views={'mynet': docker_view(ip_range=None)})
    docker_fails([{'name': 'mynet', 'docker': {}}], 'shim_address', ["no aux address 'host'", 'give shim_address'],
                 docker_views={'mynet': docker_view(aux_addresses={})})
    result = normalise_networks([{'name': 'mynet', 'ip_range': '198.18.248.0/22', 'shim_address': '198.18.255.254',
                                  'docker': {}}], docker_views={'mynet': docker_view(ip_range=None, aux_addresses={})})
    assert result['networks'][0]['shim_address_reserved'] is False


def test_a_docker_network_of_another_driver_is_refused():
    docker_fails([{'name': 'mynet', 'docker': {}}], 'docker', ['bridge driver', 'only macvlan and ipvlan'],
                 docker_views={'mynet': dict(DOCKER_VIEW, driver='bridge')})


def test_two_docker_networks_on_one_parent_point_to_vlans():
    second = net(name='b', subnet='198.18.0.0/20', gateway=None, ip_range='198.18.8.0/22', shim_address='198.18.15.254',
                 docker={})
    docker_fails([net(name='a', docker={}), second],
                 'parent', ['one macvlan or ipvlan network per parent interface', "network 'a'", 'vlan_id: 10', 'eth0.10'],
                 network='b')
    ok = normalise_networks([net(name='a', vlan_id=10, docker={}),
                             net(name='b', vlan_id=20, subnet='198.18.0.0/20', gateway=None, ip_range='198.18.8.0/22',
                                 shim_address='198.18.15.254', docker={})])
    assert [item['params']['parent'] for item in ok['docker_networks']] == ['eth0.10', 'eth0.20']


def test_create_false_needs_an_existing_network():
    docker_fails([net(docker={'create': False})], 'docker', ['does not exist and docker.create is false'],
                 docker_views={'mynet': None})


@pytest.mark.parametrize('docker, words', [
    ({'aux': 1}, ["unknown key 'aux'"]),
    ({'name': 'bad name'}, ['not a Docker network name']),
    ({'create': 'maybe'}, ['is not true or false']),
    ('mynet', ["docker 'mynet' is not a dictionary"]),
])
def test_bad_docker_options(docker, words):
    docker_fails([net(docker=docker)], 'docker', words)


def test_an_ipvlan_docker_network_definition():
    """Docker's ipvlan driver needs the kernel's ipvlan: proven here as a definition only (see docs/docker.md)."""
    result = normalise_networks([net(driver='ipvlan', mode='l2', docker={})])
    assert result['docker_networks'][0]['params']['driver'] == 'ipvlan'
    assert result['docker_networks'][0]['params']['mode'] == 'l2'
    assert result['shims'][0]['kind'] == 'ipvlan' and result['drivers'] == ['ipvlan']
    existing = normalise_networks([{'name': 'mynet', 'docker': {}}],
                                  docker_views={'mynet': dict(DOCKER_VIEW, driver='ipvlan', mode='l3')})
    assert (existing['networks'][0]['driver'], existing['networks'][0]['mode']) == ('ipvlan', 'l3')
