# Copyright: (c) 2026, underlay.network contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""vlan end to end: reconcile() against the FakeKernel of fakes.py, whose 8021q driver ignores a new id or
protocol on change (as vlan_changelink does), applies flags under their mask and QoS entries one by one
(a 0 target clears one) and dumps only non-zero mappings."""


import errno
import struct

import pytest

from ansible_collections.underlay.network.plugins.module_utils._common.errors import (
    KernelError, UnderlayError, ValidationError)
from ansible_collections.underlay.network.plugins.module_utils._kernel import netlink
from ansible_collections.underlay.network.plugins.module_utils._links.kinds import KINDS, Vlan
from ansible_collections.underlay.network.plugins.module_utils._reconcile.transaction import reconcile
from ansible_collections.underlay.network.tests.unit.fakes import (
    ETH_P_8021AD, ETH_P_8021Q, PARENT_MAC, add_links, address, calls_of, ipvlan_spec, macvlan_spec, vlan, vlan_data,
    vlan_spec)


VLAN = KINDS['vlan']


def options_of(kernel, netns, name):
    return VLAN.read(kernel.find(netns, name))


def request(kernel, netns, req):
    kernel.socket(netns).request(*req)


# ---------------------------------------------------------------- the fake driver itself

def test_fake_vlan_ignores_id_and_protocol_on_change(kernel):
    add_links(kernel, vlan())
    request(kernel, None, netlink.set_link(30, 'vlan', VLAN.encode({'vlan_id': 20, 'protocol': '802.1ad'})))
    assert (options_of(kernel, None, 'eth0.10')['vlan_id'], options_of(kernel, None, 'eth0.10')['protocol']) == (
        10, '802.1Q')


def test_fake_vlan_flags_under_a_mask_and_qos_entries(kernel):
    add_links(kernel, vlan(flags=0x1 | 0x4, ingress=[(1, 5)]))
    request(kernel, None, netlink.set_link(30, 'vlan', VLAN.encode({'gvrp': True, 'loose_binding': False})))
    request(kernel, None, netlink.set_link(30, 'vlan', VLAN.encode({'ingress_qos_map': ((2, 6),)})))  # no clear
    options = options_of(kernel, None, 'eth0.10')
    assert (options['reorder_hdr'], options['gvrp'], options['loose_binding']) == (True, True, False)
    assert options['ingress_qos_map'] == ((1, 5), (2, 6))
    with pytest.raises(netlink.NetlinkError) as exc:  # vlan_dev_change_flags(): a mask bit it does not know
        request(kernel, None, netlink.set_link(30, 'vlan', [netlink.attr(2, struct.pack('=II', 0, 0x20))]))
    assert exc.value.code == errno.EINVAL
    with pytest.raises(netlink.NetlinkError) as exc:  # so a dump's all-ones mask cannot be sent back as it is
        request(kernel, None, netlink.set_link(30, 'vlan', vlan_data(10)))
    assert exc.value.code == errno.EINVAL


def test_fake_vlan_dumps_no_flags_attribute_when_none_is_set(kernel):
    add_links(kernel, vlan())
    request(kernel, None, netlink.set_link(30, 'vlan', VLAN.encode({'reorder_hdr': False})))
    assert 2 not in kernel.find(None, 'eth0.10')['data']  # IFLA_VLAN_FLAGS left out, as vlan_fill_info does


@pytest.mark.parametrize('data, code', [
    (vlan_data(None, flags=0), errno.EINVAL),                      # no id
    (vlan_data(4095, flags=0), errno.ERANGE),
    (vlan_data(10, protocol=0x9100, flags=0), errno.EPROTONOSUPPORT),
])
def test_fake_vlan_validates(kernel, data, code):
    with pytest.raises(netlink.NetlinkError) as exc:
        request(kernel, None, netlink.new_link('v', 2, 'vlan', data))
    assert exc.value.code == code


def test_fake_vlan_id_is_unique_per_parent_and_protocol(kernel):
    add_links(kernel, vlan('trunk10', 30, vlan_id=10))
    with pytest.raises(netlink.NetlinkError) as exc:
        request(kernel, None, netlink.new_link('eth0.10', 2, 'vlan', vlan_data(10, flags=0)))
    assert exc.value.code == errno.EEXIST
    request(kernel, None, netlink.new_link('qinq10', 2, 'vlan', vlan_data(10, protocol=ETH_P_8021AD, flags=0)))
    assert kernel.find(None, 'qinq10')['macaddress'] == PARENT_MAC


# ---------------------------------------------------------------- create

def test_create_applies_verifies_and_is_idempotent(kernel):
    spec = vlan_spec(addresses=['198.18.10.1/24'])
    result = reconcile([spec])[0]
    assert spec.name == 'eth0.10'
    assert [c['action'] for c in result['changes']] == ['create', 'add address']
    assert calls_of(kernel, 'new_link') == [(None, {
        'name': 'eth0.10', 'parent_index': 2, 'kind': 'vlan', 'up': True,
        'info_data': {'vlan_id': 10, 'protocol': ETH_P_8021Q, 'flags': (0x1, 0xf)}})]
    link = result['link']
    assert (link['vlan_id'], link['protocol'], link['reorder_hdr'], link['gvrp'], link['macaddress']) == (
        10, '802.1Q', True, False, PARENT_MAC)
    assert (link['ingress_qos_map'], link['egress_qos_map']) == ([], [])
    assert kernel.addresses_of(None, 'eth0.10') == ['198.18.10.1/24']
    kernel.calls = []
    again = reconcile([spec])[0]
    assert (again['changed'], kernel.calls) == (False, [])


def test_create_with_everything(kernel):
    spec = vlan_spec('qinq100', vlan_id=100, protocol='802.1ad', reorder_hdr=False, mvrp=True, loose_binding=True,
                     ingress_qos_map={'1': 5, 2: 0}, egress_qos_map={0: 1, 6: 6}, mtu=1400, admin_state='down')
    result = reconcile([spec])[0]
    (_netns, what), = calls_of(kernel, 'new_link')
    assert what['info_data'] == {'vlan_id': 100, 'protocol': ETH_P_8021AD, 'flags': (0xc, 0xf),
                                 'ingress_qos': [(1, 5)], 'egress_qos': [(0, 1), (6, 6)]}
    assert (result['link']['ingress_qos_map'], result['link']['egress_qos_map']) == ([(1, 5)], [(0, 1), (6, 6)])
    assert (result['link']['mtu'], result['link']['admin_state']) == (1400, 'down')
    assert reconcile([spec])[0]['changed'] is False


def test_create_inside_a_namespace_on_the_roots_parent(kernel):
    spec = vlan_spec(netns='net1')
    result = reconcile([spec])[0]
    assert calls_of(kernel, 'new_link')[0][1]['netns'] == 'net1'
    assert (result['link']['netns'], result['link']['parent'], result['link']['parent_netns']) == ('net1', 'eth0', None)
    assert reconcile([spec])[0]['changed'] is False


def test_vlan_shares_a_parent_with_macvlan_or_ipvlan_ports(kernel):
    reconcile([macvlan_spec(), vlan_spec()])
    reconcile([vlan_spec(parent='eth0.10', vlan_id=20), ipvlan_spec(parent='eth0.10')])  # ipvlan on a vlan: fine
    assert kernel.find(None, 'eth0.10.20') is not None and kernel.find(None, 'ipv0') is not None


def test_check_mode_create(kernel):
    spec = vlan_spec(egress_qos_map={3: 5})
    result = reconcile([spec], check_mode=True)[0]
    assert result['changed'] is True and result['link'] == spec.view()
    assert result['link']['egress_qos_map'] == [(3, 5)] and 'ingress_qos_map' not in result['link']
    assert kernel.calls == []


def test_kernel_without_8021q(kernel):
    kernel.drivers.discard('vlan')
    with pytest.raises(KernelError) as exc:
        reconcile([vlan_spec()])
    assert "this kernel has no vlan driver (EOPNOTSUPP); load module 8021q" in exc.value.message


# ---------------------------------------------------------------- id and protocol: recreate

def test_vlan_id_change_is_refused_without_recreate(kernel):
    add_links(kernel, vlan('trunk', 30, vlan_id=10))
    with pytest.raises(ValidationError) as exc:
        reconcile([vlan_spec('trunk', vlan_id=20)])
    assert exc.value.message == ("vlan_id: the kernel cannot change the vlan id of a vlan link in place (10 -> 20); "
                                 "set recreate: true to delete and re-create 'trunk' (its addresses are re-added, "
                                 "anything else using it is interrupted)")
    assert (exc.value.field, exc.value.value) == ('vlan_id', 20)
    assert kernel.calls == []


def test_protocol_change_is_refused_without_recreate(kernel):
    add_links(kernel, vlan('trunk', 30, vlan_id=10))
    with pytest.raises(ValidationError) as exc:
        reconcile([vlan_spec('trunk', protocol='802.1ad')], check_mode=True)
    assert (exc.value.field, exc.value.value) == ('protocol', '802.1ad')
    assert '(802.1Q -> 802.1ad)' in exc.value.message
    assert kernel.calls == []


def test_vlan_id_change_with_recreate(kernel):
    add_links(kernel, vlan('trunk', 30, vlan_id=10, egress=[(1, 2)]), addresses=[address(30, '10.0.10.1/24')])
    spec = vlan_spec('trunk', vlan_id=20, protocol='802.1ad', recreate=True)
    result = reconcile([spec])[0]
    assert [c['action'] for c in result['changes']] == ['recreate', 'add address']
    assert result['changes'][0]['attribute'] == 'vlan_id, protocol'
    assert [op for _netns, op, _what in kernel.calls] == ['del_link', 'new_link', 'add_address']
    assert calls_of(kernel, 'new_link')[0][1]['info_data']['vlan_id'] == 20
    options = options_of(kernel, None, 'trunk')
    assert (options['vlan_id'], options['protocol']) == (20, '802.1ad')
    assert kernel.addresses_of(None, 'trunk') == ['10.0.10.1/24']  # unmanaged addresses come back
    assert (result['diff']['before']['vlan_id'], result['link']['vlan_id']) == (10, 20)
    assert reconcile([spec])[0]['changed'] is False


def test_an_engine_that_changed_the_id_in_place_would_be_caught(kernel, monkeypatch):
    """Without fixed_changes the engine would send IFLA_VLAN_ID in place; the kernel acks and ignores it."""
    add_links(kernel, vlan('trunk', 30, vlan_id=10))
    monkeypatch.setattr(Vlan, 'fixed_changes', lambda self, current, desired: [])
    with pytest.raises(KernelError) as exc:
        reconcile([vlan_spec('trunk', vlan_id=20)])
    assert calls_of(kernel, 'set_link') == [(None, {'index': 30, 'kind': 'vlan', 'info_data': {'vlan_id': 20}})]
    assert 'still to do: set vlan_id 10 -> 20' in exc.value.message


# ---------------------------------------------------------------- flags and QoS maps in place

def test_flags_change_in_place_under_a_mask(kernel):
    add_links(kernel, vlan(flags=0x1 | 0x4))  # reorder_hdr, loose_binding
    result = reconcile([vlan_spec(gvrp=True, loose_binding=True)])[0]
    assert [c['action'] for c in result['changes']] == ['set gvrp']
    assert calls_of(kernel, 'set_link') == [(None, {'index': 30, 'kind': 'vlan', 'info_data': {'flags': (0x2, 0x2)}})]
    options = options_of(kernel, None, 'eth0.10')
    assert (options['reorder_hdr'], options['gvrp'], options['loose_binding'], options['mvrp']) == (
        True, True, True, False)


def test_every_flag_off(kernel):
    add_links(kernel, vlan(flags=0xf))
    result = reconcile([vlan_spec(reorder_hdr=False)])[0]
    assert [c['action'] for c in result['changes']] == ['set reorder_hdr', 'set gvrp', 'set mvrp', 'set loose_binding']
    assert calls_of(kernel, 'set_link')[0][1]['info_data'] == {'flags': (0x0, 0xf)}
    assert 2 not in kernel.find(None, 'eth0.10')['data']  # no IFLA_VLAN_FLAGS in the dump any more
    assert reconcile([vlan_spec(reorder_hdr=False)])[0]['changed'] is False


def test_qos_map_replaced_with_stale_entries_cleared(kernel):
    add_links(kernel, vlan(ingress=[(1, 5), (3, 2)], egress=[(2, 1), (17, 7)]))
    result = reconcile([vlan_spec(ingress_qos_map={3: 4}, egress_qos_map={2: 1, 18: 3})])[0]
    assert [c['action'] for c in result['changes']] == ['set ingress_qos_map', 'set egress_qos_map']
    assert calls_of(kernel, 'set_link')[0][1]['info_data'] == {'ingress_qos': [(1, 0), (3, 4)],
                                                               'egress_qos': [(2, 1), (17, 0), (18, 3)]}
    assert (result['link']['ingress_qos_map'], result['link']['egress_qos_map']) == ([(3, 4)], [(2, 1), (18, 3)])


def test_qos_map_cleared_through_the_engine(kernel):
    add_links(kernel, vlan(ingress=[(1, 5), (3, 2)], egress=[(2, 1)]))
    spec = vlan_spec(ingress_qos_map={}, egress_qos_map={4: 0})  # a 0 target is 'no mapping' too
    result = reconcile([spec])[0]
    assert [(c['action'], c['before'], c['after']) for c in result['changes']] == [
        ('set ingress_qos_map', [(1, 5), (3, 2)], []), ('set egress_qos_map', [(2, 1)], [])]
    assert calls_of(kernel, 'set_link')[0][1]['info_data'] == {'ingress_qos': [(1, 0), (3, 0)], 'egress_qos': [(2, 0)]}
    assert (result['link']['ingress_qos_map'], result['link']['egress_qos_map']) == ([], [])
    data = kernel.find(None, 'eth0.10')['data']
    assert 3 not in data and 4 not in data  # no QoS nests left in the dump
    kernel.calls = []
    assert reconcile([spec])[0]['changed'] is False and kernel.calls == []


def test_unmanaged_qos_maps_are_left_alone(kernel):
    add_links(kernel, vlan(ingress=[(1, 5)], egress=[(2, 1)]))
    result = reconcile([vlan_spec()])[0]
    assert result['changed'] is False
    assert (result['link']['ingress_qos_map'], result['link']['egress_qos_map']) == ([(1, 5)], [(2, 1)])


def test_check_mode_qos_clear(kernel):
    add_links(kernel, vlan(ingress=[(1, 5)]))
    result = reconcile([vlan_spec(ingress_qos_map={})], check_mode=True)[0]
    assert [c['action'] for c in result['changes']] == ['set ingress_qos_map']
    assert result['link']['ingress_qos_map'] == []
    assert kernel.calls == [] and options_of(kernel, None, 'eth0.10')['ingress_qos_map'] == ((1, 5),)


@pytest.mark.parametrize('ignored, spec_params, left', [
    ('qos', {'egress_qos_map': {1: 2}}, 'set egress_qos_map [] -> [[1, 2]]'),
    ('flags', {'gvrp': True}, 'set gvrp False -> True'),
])
def test_what_the_kernel_keeps_is_caught_by_verification(kernel, ignored, spec_params, left):
    add_links(kernel, vlan())
    kernel.ignore.add(ignored)
    with pytest.raises(KernelError) as exc:
        reconcile([vlan_spec(**spec_params)])
    assert 'still to do: %s' % left in exc.value.message


# ---------------------------------------------------------------- bugs found by these tests, since fixed

def test_a_duplicate_vlan_id_is_not_blamed_on_the_name(kernel):
    add_links(kernel, vlan('trunk10', 30, vlan_id=10))
    with pytest.raises(UnderlayError) as exc:
        reconcile([vlan_spec()])  # eth0.10: a free name, vlan 10 taken by trunk10
    assert 'a link with that name already exists' not in exc.value.message
    assert 'trunk10' in exc.value.message
