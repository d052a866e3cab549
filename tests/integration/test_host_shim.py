# Copyright: (c) 2026, underlay.network contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""host_shim: seed 000's mynet-shim, proven with packets (host <-> its own macvlan children)."""
import pytest

from helpers import SEED000_HOST_IP as HOST_IP, seed000_reachable, sh

pytestmark = pytest.mark.kernel('macvlan')


@pytest.fixture
def host(seed000_host):
    return seed000_host


def shim(host, **extra):
    args = dict(name='mynet-shim', parent='up0', netns=host, address='198.18.248.254', routes=['198.18.248.0/22'])
    args.update(extra)
    return args


def test_seed000_shim_makes_the_host_reach_its_containers_and_absent_undoes_it(lab, host, module):
    assert seed000_reachable(lab, host) == {'host->net1': False, 'net1->host': False, 'net1->net2': True}

    made = module('host_shim', **shim(host))
    assert made['rc'] == 0 and made['changed'], made
    assert [c['action'] for c in made['changes']] == ['create', 'set alias', 'add address', 'add route']
    assert lab.link(host, 'mynet-shim')['ifalias'] == 'underlay.network'  # the ownership mark
    assert made['address'] == '198.18.248.254/32' and made['routes'] == ['198.18.248.0/22']
    assert made['link']['mode'] == 'bridge'
    assert '198.18.248.0/22 dev mynet-shim proto 209 scope link' in sh('ip -n %s route' % host)
    assert seed000_reachable(lab, host) == {'host->net1': True, 'net1->host': True, 'net1->net2': True}

    again = module('host_shim', **shim(host))
    assert again['changed'] is False and again['changes'] == []

    gone = module('host_shim', name='mynet-shim', netns=host, state='absent')
    assert gone['changed'] and [c['action'] for c in gone['changes']] == ['delete']  # its routes go with it
    assert lab.link(host, 'mynet-shim') is None
    assert '198.18.248.0/22' not in sh('ip -n %s route' % host)
    assert seed000_reachable(lab, host) == {'host->net1': False, 'net1->host': False, 'net1->net2': True}
    assert module('host_shim', name='mynet-shim', netns=host, state='absent')['changed'] is False


def test_routes_are_reconciled_and_foreign_routes_left_alone(lab, host, module):
    module('host_shim', **shim(host))
    sh('ip -n %s route add 198.18.249.0/24 dev mynet-shim' % host)  # someone else's route on the shim
    changed = module('host_shim', **shim(host, routes=['198.18.248.0/24', '198.18.250.0/24'], metric=50))
    actions = sorted((c['action'], c['route']) for c in changed['changes'])
    assert actions == [('add route', '198.18.248.0/24'), ('add route', '198.18.250.0/24'),
                       ('remove route', '198.18.248.0/22')]
    table = sh('ip -n %s route' % host)
    assert '198.18.248.0/24 dev mynet-shim proto 209 scope link metric 50' in table
    assert '198.18.249.0/24 dev mynet-shim' in table, 'a route the module did not create must stay'
    metric = module('host_shim', **shim(host, routes=['198.18.248.0/24', '198.18.250.0/24'], metric=70))
    assert [c['action'] for c in metric['changes']] == ['set route metric', 'set route metric']
    assert 'metric 70' in sh('ip -n %s route show 198.18.248.0/24' % host)


def test_check_mode_changes_nothing(lab, host, module):
    before = lab.state(host)
    planned = module('host_shim', check=True, **shim(host))
    assert planned['changed'] and planned['routes'] == ['198.18.248.0/22']
    assert lab.state(host) == before


def test_parent_deleted_and_recreated_is_repaired(lab, host, module):
    module('host_shim', **shim(host))
    sh('ip -n %s link del up0' % host)  # takes the shim (and the containers' ports) with it
    lab.veth(host)
    sh('ip -n %s addr add %s/20 dev up0' % (host, HOST_IP))
    repaired = module('host_shim', **shim(host))
    assert repaired['changed'] and repaired['routes'] == ['198.18.248.0/22']
    assert module('host_shim', **shim(host))['changed'] is False


@pytest.mark.parametrize('overrides,field,words', [
    ({'routes': ['198.18.240.0/20']}, 'routes', ['198.18.252.45', 'parent', 'allow_overlap']),
    ({'address': HOST_IP}, 'address', [HOST_IP, "'up0'", 'allow_overlap']),
    ({'routes': ['198.18.248.1/22']}, 'routes', ['host bits', '198.18.248.0/22']),
    ({'routes': ['0.0.0.0/0']}, 'routes', ['all traffic']),
    ({'routes': ['2001:db8::/64']}, 'routes', ['IPv6', 'no IPv6 address']),
    ({'address': '198.18.248.300'}, 'address', ['198.18.248.300']),
    ({'mode': 'l3'}, 'mode', ['l3', 'macvlan']),
])
def test_unsafe_or_bad_input_is_refused_before_anything_changes(lab, host, module, overrides, field, words):
    before = lab.state(host)
    result = module('host_shim', **shim(host, **overrides))
    assert result.get('failed') and result['field'] == field, result
    for word in words:
        assert word in result['msg'], result['msg']
    assert lab.state(host) == before


def test_route_over_the_default_gateway_is_refused(lab, host, module):
    sh('ip -n %s route add default via 198.18.248.1' % host)  # inside the lab namespace only
    result = module('host_shim', **shim(host, routes=['198.18.248.0/24']))
    assert result.get('failed') and 'default gateway 198.18.248.1' in result['msg']
    allowed = module('host_shim', allow_overlap=True, **shim(host, routes=['198.18.248.0/24']))
    assert allowed['rc'] == 0 and allowed['changed']


@pytest.mark.kernel('ipvlan')
def test_seed000_ipvlan_shim_inherits_the_l3_mode(lab, module):
    host = lab.add_ns('ihost')
    lab.veth(host)
    sh('ip -n %s addr add %s/20 dev up0' % (host, HOST_IP))
    ports = (('n1', '198.18.248.2/24'), ('n2', '198.18.248.3/24'), ('n3', '198.18.244.2/24'))
    for suffix, address in ports:
        lab.add_ns(suffix)
        assert module('ipvlan_link', name='eth0', parent='up0', parent_netns=host, netns=lab.ns(suffix),
                      mode='l3', addresses=[address])['rc'] == 0
        sh('ip -n %s route add default dev eth0' % lab.ns(suffix))  # seed 000, inside the container
    assert not lab.ping(host, '198.18.248.2')

    args = dict(name='ipvlan_shim', kind='ipvlan', parent='up0', netns=host, address='198.18.248.222',
                routes=['198.18.248.0/24', '198.18.244.0/24'])
    made = module('host_shim', **args)
    assert made['rc'] == 0 and made['link']['mode'] == 'l3', made
    assert lab.ping(host, '198.18.248.2') and lab.ping(host, '198.18.244.2')
    assert lab.ping(lab.ns('n3'), '198.18.248.222')
    assert module('host_shim', **args)['changed'] is False

    refused = module('host_shim', **dict(args, name='other_shim', mode='l2', address='198.18.248.223'))
    assert refused.get('failed') and refused['field'] == 'mode', refused
    assert "'eth0' in namespace '%s'" % lab.ns('n1') in refused['msg'] and 'mode l3' in refused['msg']
    assert module('host_shim', name='ipvlan_shim', kind='ipvlan', netns=host, state='absent')['changed']
    assert not lab.ping(host, '198.18.248.2')


@pytest.mark.kernel('vlan')
def test_seed000_one_shim_per_vlan_sub_interface(lab, module):
    host, switch = lab.add_ns('vhost'), lab.add_ns('vsw')
    sh('ip -n {h} link add eth0 type veth peer name trunk netns {s} && ip -n {h} link set eth0 up && '
       'ip -n {s} link set trunk up'.format(h=host, s=switch))
    for vlan in (10, 20):
        assert module('vlan_link', parent='eth0', vlan_id=vlan, netns=host, parent_netns=host)['rc'] == 0
        lab.add_ns('c%d' % vlan)
        assert module('macvlan_link', name='eth0', parent='eth0.%d' % vlan, parent_netns=host,
                      netns=lab.ns('c%d' % vlan), addresses=['198.18.%d.2/24' % vlan])['rc'] == 0
    assert not lab.ping(host, '198.18.10.2') and not lab.ping(host, '198.18.20.2')

    for vlan in (10, 20):
        made = module('host_shim', name='macvlan%d-shim' % vlan, parent='eth0.%d' % vlan, netns=host,
                      address='198.18.%d.254' % vlan, routes=['198.18.%d.0/24' % vlan])
        assert made['rc'] == 0 and made['changed'], made
    assert lab.ping(host, '198.18.10.2') and lab.ping(host, '198.18.20.2')
    assert lab.ping(lab.ns('c10'), '198.18.10.254') and lab.ping(lab.ns('c20'), '198.18.20.254')
    for vlan in (10, 20):
        assert module('host_shim', name='macvlan%d-shim' % vlan, netns=host, state='absent')['changed']
    assert not lab.ping(host, '198.18.10.2')
