# Copyright: (c) 2026, underlay.network contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""macvlan_link on a real kernel: lifecycle, idempotency, check/diff mode, packets, errors."""
import pytest

from helpers import sh

pytestmark = pytest.mark.kernel('macvlan')


def child(lab, host, suffix, **extra):
    args = dict(name='eth0', parent='up0', parent_netns=host, netns=lab.ns(suffix))
    args.update(extra)
    return args


def test_seed000_child_lands_in_namespace_as_eth0(lab, host, module):
    args = child(lab, host, 'c1', addresses=['198.18.248.10/20'])
    first = module('macvlan_link', **args)
    assert first['rc'] == 0 and first['changed'] is True, first
    assert [c['action'] for c in first['changes']] == ['create', 'add address']
    seen = lab.link(lab.ns('c1'), 'eth0')
    assert seen['linkinfo']['info_kind'] == 'macvlan'
    assert seen['linkinfo']['info_data']['mode'] == 'bridge'
    assert 'UP' in seen['flags']
    assert '198.18.248.10/20' in sh('ip -n %s -o addr show dev eth0' % lab.ns('c1'))
    assert first['link']['parent'] == 'up0' and first['link']['parent_netns'] == host
    assert first['diff']['before'] == {} and first['diff']['after']['mode'] == 'bridge'

    second = module('macvlan_link', **args)
    assert second['changed'] is False, second['changes']
    assert second['changes'] == []
    assert second['link']['index'] == first['link']['index']


def test_bridge_children_ping_private_children_do_not(lab, host, module):
    for suffix, address in (('c1', '198.18.248.10/20'), ('c2', '198.18.248.9/20')):
        assert module('macvlan_link', **child(lab, host, suffix, addresses=[address]))['changed']
    assert lab.ping(lab.ns('c1'), '198.18.248.9')
    assert lab.ping(lab.ns('c2'), '198.18.248.10')

    for suffix, address in (('c1', '198.18.248.10/20'), ('c2', '198.18.248.9/20')):
        result = module('macvlan_link', **child(lab, host, suffix, addresses=[address], mode='private'))
        assert [c['action'] for c in result['changes']] == ['set mode']
        assert result['diff']['before']['mode'] == 'bridge' and result['diff']['after']['mode'] == 'private'
    assert not lab.ping(lab.ns('c1'), '198.18.248.9')
    assert not lab.ping(lab.ns('c2'), '198.18.248.10')


def test_mode_mtu_mac_addresses_change_in_place_with_diff(lab, host, module):
    created = module('macvlan_link', **child(lab, host, 'c1', addresses=['198.18.248.10/20']))
    index = created['link']['index']
    wanted = child(lab, host, 'c1', mode='vepa', mtu=1400, macaddress='02:00:5E:10:00:01',
                   addresses=['198.18.248.11/20', '2001:db8:248::11/64'])
    changed = module('macvlan_link', **wanted)
    assert changed['changed'] is True
    steps = {c['action'] + ' ' + str(c.get('after') or c.get('before')): c for c in changed['changes']}
    assert set(steps) == {'set mode vepa', 'set mtu 1400', 'set macaddress 02:00:5e:10:00:01',
                          'remove address 198.18.248.10/20', 'add address 198.18.248.11/20',
                          'add address 2001:db8:248::11/64'}
    assert changed['diff']['before']['mtu'] == 1500 and changed['diff']['after']['mtu'] == 1400
    seen = lab.link(lab.ns('c1'), 'eth0')
    assert (seen['ifindex'], seen['mtu'], seen['address'], seen['linkinfo']['info_data']['mode']) == \
        (index, 1400, '02:00:5e:10:00:01', 'vepa')
    addrs = sh('ip -n %s -o addr show dev eth0 scope global' % lab.ns('c1'))
    assert '198.18.248.11/20' in addrs and '2001:db8:248::11/64' in addrs and '198.18.248.10/' not in addrs

    emptied = module('macvlan_link', **child(lab, host, 'c1', mode='vepa', addresses=[]))
    assert [c['action'] for c in emptied['changes']] == ['remove address', 'remove address']
    assert 'inet ' not in sh('ip -n %s -o addr show dev eth0' % lab.ns('c1'))


def test_admin_state_down_and_up(lab, host, module):
    module('macvlan_link', **child(lab, host, 'c1'))
    down = module('macvlan_link', **child(lab, host, 'c1', admin_state='down'))
    assert [c['action'] for c in down['changes']] == ['set admin_state']
    assert 'UP' not in lab.link(lab.ns('c1'), 'eth0')['flags']
    assert module('macvlan_link', **child(lab, host, 'c1', admin_state='down'))['changed'] is False
    assert module('macvlan_link', **child(lab, host, 'c1'))['changed'] is True
    assert 'UP' in lab.link(lab.ns('c1'), 'eth0')['flags']


def test_check_mode_changes_nothing(lab, host, module):
    before = lab.state(host, lab.ns('c1'))
    created = module('macvlan_link', check=True, **child(lab, host, 'c1', addresses=['198.18.248.10/20']))
    assert created['changed'] is True and created['link']['mode'] == 'bridge'
    assert lab.state(host, lab.ns('c1')) == before

    module('macvlan_link', **child(lab, host, 'c1', addresses=['198.18.248.10/20']))
    before = lab.state(host, lab.ns('c1'))
    changed = module('macvlan_link', check=True, **child(lab, host, 'c1', mode='private', mtu=1300))
    assert changed['changed'] is True
    assert changed['diff']['after']['mode'] == 'private' and changed['diff']['after']['mtu'] == 1300
    deleted = module('macvlan_link', check=True, name='eth0', netns=lab.ns('c1'), state='absent')
    assert deleted['changed'] is True and deleted['link'] is None
    assert lab.state(host, lab.ns('c1')) == before


def test_check_mode_with_namespace_not_created_yet(lab, host, module):
    result = module('macvlan_link', check=True, **child(lab, host, 'later'))
    assert result['rc'] == 0 and result['changed'] is True
    assert 'does not exist yet' in str(result.get('warnings'))
    assert lab.ns('later') not in sh('ip netns list')


def test_absent_removes_and_is_idempotent(lab, host, module):
    module('macvlan_link', **child(lab, host, 'c1'))
    gone = module('macvlan_link', name='eth0', netns=lab.ns('c1'), state='absent')
    assert gone['changed'] is True and [c['action'] for c in gone['changes']] == ['delete']
    assert lab.link(lab.ns('c1'), 'eth0') is None
    assert module('macvlan_link', name='eth0', netns=lab.ns('c1'), state='absent')['changed'] is False


def test_child_in_parent_namespace_and_passthru_recreate(lab, host, module):
    args = dict(name='mv0', parent='up1', netns=host, parent_netns=host)
    first = module('macvlan_link', **args)
    assert first['link']['mode'] == 'bridge'
    refused = module('macvlan_link', mode='passthru', **args)
    assert refused.get('failed') and refused['field'] == 'mode'
    assert 'recreate' in refused['msg'] and 'passthru' in refused['msg']
    assert lab.link(host, 'mv0')['linkinfo']['info_data']['mode'] == 'bridge'

    recreated = module('macvlan_link', mode='passthru', nopromisc=True, recreate=True, **args)
    assert [c['action'] for c in recreated['changes']] == ['recreate']
    data = lab.link(host, 'mv0')['linkinfo']['info_data']
    assert data['mode'] == 'passthru' and data['nopromisc'] is True
    assert recreated['link']['nopromisc'] is True
    assert module('macvlan_link', mode='passthru', nopromisc=True, **args)['changed'] is False


def test_parent_change_needs_recreate(lab, host, module):
    lab.veth(host, 'up2', 'up3')
    module('macvlan_link', **child(lab, host, 'c1', addresses=['198.18.248.10/20']))
    refused = module('macvlan_link', **child(lab, host, 'c1', parent='up2'))
    assert refused.get('failed') and refused['field'] == 'parent' and 'recreate' in refused['msg']
    moved = module('macvlan_link', recreate=True, **child(lab, host, 'c1', parent='up2',
                                                          addresses=['198.18.248.10/20']))
    assert moved['changed'] and moved['link']['parent'] == 'up2'
    assert '198.18.248.10/20' in moved['link']['addresses']


def test_source_mode_macs_set_and_changed(lab, host, module):
    macs = ['02:00:5e:00:00:02', '02:00:5e:00:00:01']
    created = module('macvlan_link', mode='source', source_macs=macs, **child(lab, host, 'c1'))
    assert created['rc'] == 0, created
    assert created['link']['source_macs'] == sorted(macs)
    assert module('macvlan_link', mode='source', source_macs=macs, **child(lab, host, 'c1'))['changed'] is False
    changed = module('macvlan_link', mode='source', source_macs=macs[:1], **child(lab, host, 'c1'))
    assert [c['action'] for c in changed['changes']] == ['set source_macs']
    assert changed['link']['source_macs'] == macs[:1]


def test_parent_deleted_and_recreated_is_repaired(lab, host, module):
    module('macvlan_link', **child(lab, host, 'c1', addresses=['198.18.248.10/20']))
    sh('ip -n %s link del up0' % host)  # the kernel removes the child with its parent
    assert lab.link(lab.ns('c1'), 'eth0') is None
    lab.veth(host)
    repaired = module('macvlan_link', **child(lab, host, 'c1', addresses=['198.18.248.10/20']))
    assert repaired['changed'] is True and repaired['link']['addresses'] == ['198.18.248.10/20']


def test_seed000_exact_names_parent_eth0_child_eth0(lab, module):
    """Parent and child are both eth0 (seed 000): the child is made beside the parent under a temporary
    name, then moved and renamed in one request, and comes up there."""
    host = lab.add_ns('h0')
    lab.veth(host, 'eth0', 'peer0')
    net1 = lab.add_ns('net1')
    result = module('macvlan_link', name='eth0', parent='eth0', parent_netns=host, netns=net1,
                    addresses=['198.18.248.10/20'])
    assert result['rc'] == 0 and result['changed'], result
    seen = lab.link(net1, 'eth0')
    assert seen['linkinfo']['info_kind'] == 'macvlan' and 'UP' in seen['flags']
    assert [l['ifname'] for l in [lab.link(host, 'eth0'), lab.link(host, 'peer0')]] == ['eth0', 'peer0']
    assert 'ultmp' not in sh('ip -n %s -o link show' % host), 'the temporary name must not stay behind'
    assert module('macvlan_link', name='eth0', parent='eth0', parent_netns=host, netns=net1,
                  addresses=['198.18.248.10/20'])['changed'] is False
