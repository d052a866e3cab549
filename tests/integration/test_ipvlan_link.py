# Copyright: (c) 2026, underlay.network contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""ipvlan_link: seed 000's ipvlan sections (l2, then l3 with default routes), flags, siblings, errors."""
import pytest

from helpers import sh

pytestmark = pytest.mark.kernel('ipvlan')

# seed 000: net1 and net2 share a subnet, net3 is in another one (172.28.x mapped into 198.18.x)
CONTAINERS = (('net1', '198.18.248.2/24'), ('net2', '198.18.248.3/24'), ('net3', '198.18.244.2/24'))


@pytest.fixture
def host(lab):
    host = lab.add_ns('host')
    lab.veth(host)
    for suffix, _address in CONTAINERS:
        lab.add_ns(suffix)
    return host


def port(lab, host, suffix, **extra):
    args = dict(name='eth0', parent='up0', parent_netns=host, netns=lab.ns(suffix))
    args.update(extra)
    return args


def info(lab, ns, name='eth0'):
    return lab.link(ns, name)['linkinfo']['info_data']


def test_seed000_l2_same_subnet_pings_other_subnet_does_not(lab, host, module):
    for suffix, address in CONTAINERS:
        result = module('ipvlan_link', **port(lab, host, suffix, mode='l2', addresses=[address]))
        assert result['rc'] == 0 and result['changed'], result
        assert result['link']['mode'] == 'l2' and result['link']['flag'] == 'bridge'
    assert info(lab, lab.ns('net1'))['mode'] == 'l2'
    assert lab.ping(lab.ns('net1'), '198.18.248.3')
    assert not lab.ping(lab.ns('net1'), '198.18.244.2')
    for suffix, address in CONTAINERS:
        assert module('ipvlan_link', **port(lab, host, suffix, mode='l2', addresses=[address]))['changed'] is False


def test_seed000_l3_with_default_routes_crosses_subnets(lab, host, module):
    for suffix, address in CONTAINERS:
        assert module('ipvlan_link', **port(lab, host, suffix, mode='l3', addresses=[address]))['rc'] == 0
        sh('ip -n %s route add default dev eth0' % lab.ns(suffix))  # lab wiring, inside the container namespace
    assert info(lab, lab.ns('net3'))['mode'] == 'l3'
    assert lab.ping(lab.ns('net1'), '198.18.244.2')
    assert lab.ping(lab.ns('net3'), '198.18.248.3')


@pytest.mark.parametrize('flag,reachable', [('bridge', True), ('private', False), ('vepa', False)])
def test_flags_are_set_read_back_and_change_traffic(lab, host, module, flag, reachable):
    for suffix, address in CONTAINERS[:2]:
        result = module('ipvlan_link', **port(lab, host, suffix, flag=flag, addresses=[address]))
        assert result['link']['flag'] == flag, result
    assert module('ipvlan_link', **port(lab, host, 'net1', flag=flag, addresses=['198.18.248.2/24']))['changed'] is False
    # iproute2 prints the flag among the ipvlan details; the engine reads IFLA_IPVLAN_FLAGS itself
    assert flag in sh('ip -n %s -d link show eth0' % lab.ns('net1'))
    assert lab.ping(lab.ns('net1'), '198.18.248.3') is reachable


def test_changing_a_port_option_under_siblings_is_refused_then_allowed(lab, host, module):
    for suffix, address in CONTAINERS[:2]:
        module('ipvlan_link', **port(lab, host, suffix, addresses=[address]))
    before = lab.state(host, lab.ns('net1'), lab.ns('net2'), lab.ns('net3'))
    refused = module('ipvlan_link', **port(lab, host, 'net3', mode='l3'))
    assert refused.get('failed') and refused['field'] == 'mode', refused
    assert "'eth0' in namespace '%s'" % lab.ns('net1') in refused['msg']
    assert 'mode l2' in refused['msg'] and 'change_siblings' in refused['msg']
    assert lab.state(host, lab.ns('net1'), lab.ns('net2'), lab.ns('net3')) == before

    also_refused = module('ipvlan_link', **port(lab, host, 'net1', flag='private'))
    assert also_refused.get('failed') and also_refused['field'] == 'flag'

    allowed = module('ipvlan_link', change_siblings=True, **port(lab, host, 'net3', mode='l3'))
    assert allowed['rc'] == 0, allowed
    assert [c['action'] for c in allowed['changes']][-1] == 'change siblings'
    assert info(lab, lab.ns('net1'))['mode'] == 'l3' and info(lab, lab.ns('net2'))['mode'] == 'l3'


def test_check_mode_and_diff(lab, host, module):
    before = lab.state(host, lab.ns('net1'))
    planned = module('ipvlan_link', check=True, **port(lab, host, 'net1', mode='l3s', flag='vepa'))
    assert planned['changed'] and planned['link']['mode'] == 'l3s' and planned['link']['flag'] == 'vepa'
    assert lab.state(host, lab.ns('net1')) == before
    module('ipvlan_link', **port(lab, host, 'net1'))
    changed = module('ipvlan_link', **port(lab, host, 'net1', mode='l3s', mtu=1400))
    assert {c['action'] for c in changed['changes']} == {'set mode', 'set mtu'}
    assert changed['diff']['before']['mode'] == 'l2' and changed['diff']['after']['mode'] == 'l3s'
    assert info(lab, lab.ns('net1'))['mode'] == 'l3s'
    gone = module('ipvlan_link', name='eth0', netns=lab.ns('net1'), state='absent')
    assert gone['changed'] and lab.link(lab.ns('net1'), 'eth0') is None


def test_macvlan_and_ipvlan_cannot_share_a_parent(lab, host, module):
    assert module('ipvlan_link', **port(lab, host, 'net1'))['rc'] == 0
    before = lab.state(host, lab.ns('net2'))
    refused = module('macvlan_link', **port(lab, host, 'net2'))
    assert refused.get('failed') and refused['field'] == 'parent', refused
    assert 'EBUSY' in refused['msg'] and "ipvlan port 'eth0' in namespace '%s'" % lab.ns('net1') in refused['msg']
    assert lab.state(host, lab.ns('net2')) == before

    module('ipvlan_link', name='eth0', netns=lab.ns('net1'), state='absent')
    sh('ip -n %s link add mv0 link up0 type macvlan mode bridge' % host)
    other_way = module('ipvlan_link', **port(lab, host, 'net2'))
    assert other_way.get('failed') and "macvlan port 'mv0'" in other_way['msg'] and 'EBUSY' in other_way['msg']


@pytest.mark.parametrize('field,value', [('flag', 'private+vepa'), ('flag', 'l2'), ('mode', 'bridge'), ('mode', 'l4')])
def test_unknown_mode_or_flag_is_refused(lab, host, module, field, value):
    result = module('ipvlan_link', **port(lab, host, 'net1', **{field: value}))
    assert result.get('failed') and field in result['msg'] and value in result['msg'], result
    assert lab.link(lab.ns('net1'), 'eth0') is None
