# Copyright: (c) 2026, underlay.network contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""vlan_link: seed 000's VLAN section over a tagged trunk between two hosts, flags, QoS maps, errors."""
import pytest

from helpers import sh

pytestmark = pytest.mark.kernel('vlan')


@pytest.fixture
def trunk(lab):
    """Two 'hosts' joined by a veth pair that carries tagged frames: the trunk."""
    a, b = lab.add_ns('a'), lab.add_ns('b')
    sh('ip -n {a} link add eth0 type veth peer name eth0 netns {b} && ip -n {a} link set eth0 up && '
       'ip -n {b} link set eth0 up'.format(a=a, b=b))
    return a, b


def sub(host, vlan_id, **extra):
    args = dict(parent='eth0', parent_netns=host, netns=host, vlan_id=vlan_id)
    args.update(extra)
    return args


def details(lab, ns, name):
    return lab.link(ns, name)['linkinfo']['info_data']


def test_seed000_vlans_separate_traffic_on_a_trunk(lab, trunk, module):
    a, b = trunk
    for host in trunk:
        for vlan_id in (10, 20):
            result = module('vlan_link', **sub(host, vlan_id))
            assert result['rc'] == 0 and result['changed'], result
            assert result['link']['name'] == 'eth0.%d' % vlan_id and result['link']['vlan_id'] == vlan_id
    assert details(lab, a, 'eth0.10')['id'] == 10 and details(lab, a, 'eth0.10')['protocol'] == '802.1Q'
    # macvlan children on each sub-interface; c20 gets an address in the SAME subnet as the VLAN 10 ones,
    # so only the VLAN tag keeps it apart.
    children = [('a10', a, 'eth0.10', '198.18.10.2/24'), ('b10', b, 'eth0.10', '198.18.10.3/24'),
                ('b20', b, 'eth0.20', '198.18.10.4/24')]
    for suffix, host, parent, address in children:
        lab.add_ns(suffix)
        result = module('macvlan_link', name='eth0', parent=parent, parent_netns=host, netns=lab.ns(suffix),
                        addresses=[address])
        assert result['rc'] == 0, result
    assert lab.ping(lab.ns('a10'), '198.18.10.3'), 'same VLAN across the trunk must pass'
    assert not lab.ping(lab.ns('a10'), '198.18.10.4'), 'another VLAN must not'
    for host in trunk:
        assert module('vlan_link', **sub(host, 10))['changed'] is False


def test_flags_change_in_place_and_read_back(lab, trunk, module):
    a = trunk[0]
    created = module('vlan_link', **sub(a, 10))
    assert created['link']['reorder_hdr'] is True and created['link']['gvrp'] is False
    index = created['link']['index']
    flipped = module('vlan_link', **sub(a, 10, reorder_hdr=False, gvrp=True, mvrp=True, loose_binding=True))
    assert {c['action'] for c in flipped['changes']} == {'set reorder_hdr', 'set gvrp', 'set mvrp', 'set loose_binding'}
    flags = set(details(lab, a, 'eth0.10').get('flags', []))
    assert flags == {'GVRP', 'MVRP', 'LOOSE_BINDING'}, flags
    assert flipped['link']['index'] == index
    back = module('vlan_link', **sub(a, 10))
    assert back['changed'] and set(details(lab, a, 'eth0.10').get('flags', [])) == {'REORDER_HDR'}
    assert module('vlan_link', **sub(a, 10))['changed'] is False


def test_qos_maps_set_change_and_clear(lab, trunk, module):
    a = trunk[0]
    result = module('vlan_link', **sub(a, 10, ingress_qos_map={1: 2, 5: 6}, egress_qos_map={3: 5, 7: 7}))
    assert result['link']['ingress_qos_map'] == [[1, 2], [5, 6]] and result['link']['egress_qos_map'] == [[3, 5], [7, 7]]
    seen = details(lab, a, 'eth0.10')
    assert {(m['from'], m['to']) for m in seen['ingress_qos']} == {(1, 2), (5, 6)}
    assert {(m['from'], m['to']) for m in seen['egress_qos']} == {(3, 5), (7, 7)}
    assert module('vlan_link', **sub(a, 10, ingress_qos_map={1: 2, 5: 6}, egress_qos_map={3: 5, 7: 7}))['changed'] is False

    changed = module('vlan_link', **sub(a, 10, ingress_qos_map={5: 1}, egress_qos_map={}))
    assert changed['link']['ingress_qos_map'] == [[5, 1]] and changed['link']['egress_qos_map'] == []
    seen = details(lab, a, 'eth0.10')
    assert {(m['from'], m['to']) for m in seen.get('ingress_qos', [])} == {(5, 1)}
    assert not seen.get('egress_qos')


def test_vlan_id_and_protocol_need_recreate(lab, trunk, module):
    a = trunk[0]
    module('vlan_link', **sub(a, 10, name='trunk10', addresses=['198.18.10.1/24']))
    refused = module('vlan_link', **sub(a, 11, name='trunk10'))
    assert refused.get('failed') and refused['field'] == 'vlan_id' and 'recreate' in refused['msg']
    assert details(lab, a, 'trunk10')['id'] == 10
    refused = module('vlan_link', **sub(a, 10, name='trunk10', protocol='802.1ad'))
    assert refused.get('failed') and refused['field'] == 'protocol'
    redone = module('vlan_link', recreate=True, **sub(a, 11, name='trunk10', protocol='802.1ad'))
    assert [c['action'] for c in redone['changes']] == ['recreate', 'add address']
    seen = details(lab, a, 'trunk10')
    assert (seen['id'], seen['protocol']) == (11, '802.1ad')
    assert redone['link']['addresses'] == ['198.18.10.1/24']


def test_check_mode_changes_nothing(lab, trunk, module):
    a = trunk[0]
    before = lab.state(a)
    planned = module('vlan_link', check=True, **sub(a, 30, gvrp=True))
    assert planned['changed'] and planned['link']['name'] == 'eth0.30'
    assert lab.state(a) == before


@pytest.mark.parametrize('vlan_id', [0, 4095])
def test_reserved_vlan_ids_are_refused(lab, trunk, module, vlan_id):
    result = module('vlan_link', **sub(trunk[0], vlan_id, name='v%d' % vlan_id))
    assert result.get('failed') and result['field'] == 'vlan_id' and '1 to 4094' in result['msg']
    assert lab.link(trunk[0], 'v%d' % vlan_id) is None


def test_missing_parent_and_bad_qos_map(lab, trunk, module):
    missing = module('vlan_link', **sub(trunk[0], 10, parent='nosuch0'))
    assert missing.get('failed') and missing['field'] == 'parent' and 'nosuch0' in missing['msg']
    bad = module('vlan_link', **sub(trunk[0], 10, egress_qos_map={1: 9}))
    assert bad.get('failed') and bad['field'] == 'egress_qos_map' and '1 -> 9' in bad['msg']
