# Copyright: (c) 2026, underlay.network contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""_engine apply side: Applier._hint, and reconcile() end to end against the in-memory FakeKernel
of fakes.py, reached through the real _netlink.Netlink on a fake socket (nothing opens a socket)."""


import errno

import pytest

from ansible_collections.underlay.network.plugins.module_utils._common.errors import KernelError, ValidationError
from ansible_collections.underlay.network.plugins.module_utils._kernel import netlink
from ansible_collections.underlay.network.plugins.module_utils._reconcile.apply import Applier
from ansible_collections.underlay.network.plugins.module_utils._reconcile.plan import plan_link
from ansible_collections.underlay.network.plugins.module_utils._reconcile.read import Snapshot
from ansible_collections.underlay.network.plugins.module_utils._reconcile.transaction import reconcile
from ansible_collections.underlay.network.tests.unit.fakes import (
    add_links, address, calls_of, ethernet, ipvlan, link, loopback, macvlan, macvlan_spec)


# ---------------------------------------------------------------- Applier._hint

def hint(kernel, code, spec):
    """Applier._hint with the snapshots reconcile() would have read."""
    snaps = {}
    for netns in (spec.netns, spec.parent_netns):
        if netns in kernel.namespaces and netns not in snaps:
            peers = [spec.parent_netns] if netns != spec.parent_netns and spec.parent_netns in kernel.namespaces else []
            snaps[netns] = Snapshot.read(kernel.socket(netns), peers)
    return Applier({}, snaps)._hint(code, spec)  # pylint: disable=protected-access


def test_hint_parent_enslaved_names_the_master(kernel):
    kernel.namespaces[None]['links'] = [loopback(), link('br0', 5, kind='bridge'), ethernet(master=5)]
    assert hint(kernel, errno.EBUSY, macvlan_spec()) == (
        "parent 'eth0' is enslaved to 'br0'; use that master device or release it")


def test_hint_parent_enslaved_to_unknown_master_gives_its_index(kernel):
    kernel.namespaces[None]['links'] = [loopback(), ethernet(master=42)]
    assert "is enslaved to '42'" in hint(kernel, errno.EBUSY, macvlan_spec())


def test_hint_parent_carries_ipvlan_children(kernel):
    add_links(kernel, ipvlan('ipv0', 20), ipvlan('ipv1', 21), macvlan('mv9', 22))
    assert hint(kernel, errno.EBUSY, macvlan_spec()) == (
        "parent 'eth0' already carries ipvlan port 'ipv0' in the root namespace, ipvlan port 'ipv1' in the root "
        "namespace; a parent takes ports of one driver only: use another parent or a VLAN sub-interface of it")


def test_hint_finds_ports_that_moved_to_another_namespace(kernel):
    kernel.nsids[('net1', None)] = 0
    add_links(kernel, ipvlan('eth0', 20, link_netnsid=0), netns='net1')
    assert "already carries ipvlan port 'eth0' in namespace 'net1'" in hint(kernel, errno.EBUSY, macvlan_spec())


def test_hint_ignores_children_of_the_same_kind_and_of_other_parents(kernel):
    add_links(kernel, ethernet('eth1', 3), macvlan('mv9', 22), ipvlan('ipv0', 20, parent=3))
    assert hint(kernel, errno.EBUSY, macvlan_spec()) is None


def test_hint_does_not_blame_vlan_sub_interfaces(kernel):
    """A VLAN sub-interface does not stop macvlan/ipvlan ports on its parent."""
    add_links(kernel, link('eth0.10', 30, kind='vlan', parent=2))
    assert hint(kernel, errno.EBUSY, macvlan_spec()) is None
    add_links(kernel, ipvlan('ipv0', 20))
    message = hint(kernel, errno.EBUSY, macvlan_spec())
    assert 'eth0.10' not in message and "ipvlan port 'ipv0'" in message


def test_hint_parent_in_its_own_namespace(kernel):
    kernel.add_namespace('host1', [loopback(), ethernet(), ipvlan('ipv0', 20)])
    kernel.add_namespace('c1', [loopback()])
    spec = macvlan_spec(name='c1', netns='c1', parent_netns='host1')
    assert "already carries ipvlan port 'ipv0' in namespace 'host1'" in hint(kernel, errno.EBUSY, spec)
    assert hint(kernel, errno.EBUSY, macvlan_spec()) is None  # the root eth0 is free


@pytest.mark.parametrize('code', [errno.EADDRINUSE, errno.EEXIST])
def test_hint_mac_clash_on_create(kernel, code):
    spec = macvlan_spec(macaddress='02:00:00:00:00:01')
    assert hint(kernel, code, spec) == 'macaddress'
    assert hint(kernel, code, macvlan_spec()) is None  # no MAC asked for
    add_links(kernel, macvlan())
    assert hint(kernel, code, spec) is None  # the link exists already


def test_hint_without_parent_in_snapshot(kernel):
    assert hint(kernel, errno.EBUSY, macvlan_spec(parent='eth9')) is None
    assert hint(kernel, errno.EBUSY, macvlan_spec(parent_netns='gone')) is None


# ---------------------------------------------------------------- reconcile: create

def test_check_mode_changes_nothing(kernel):
    spec = macvlan_spec(addresses=['198.18.0.20/24'])
    result = reconcile([spec], check_mode=True)[0]
    assert result['changed'] is True
    assert [c['action'] for c in result['changes']] == ['create', 'add address']
    assert result['link'] == spec.view()
    assert result['diff'] == {'before': {}, 'after': spec.view()}
    assert kernel.calls == []
    assert kernel.find(None, 'mv0') is None


def test_create_applies_verifies_and_is_idempotent(kernel):
    spec = macvlan_spec(mode='private', mtu=1400, macaddress='02:00:5e:10:00:01', addresses=['198.18.0.20/24'])
    result = reconcile([spec])[0]
    assert result['changed'] is True
    assert calls_of(kernel, 'new_link') == [(None, {
        'name': 'mv0', 'parent_index': 2, 'kind': 'macvlan', 'info_data': {'mode': 1}, 'mtu': 1400,
        'macaddress': '02:00:5e:10:00:01', 'up': True})]
    created = kernel.find(None, 'mv0')
    assert calls_of(kernel, 'add_address') == [(None, {'index': created['index'], 'address': '198.18.0.20/24'})]
    assert kernel.addresses_of(None, 'mv0', link_local=True) == ['198.18.0.20/24', 'fe80::5eff:fe10:1/64']
    assert result['link']['addresses'] == ['198.18.0.20/24']  # the kernel's own fe80:: is not ours
    assert result['link']['index'] == created['index']
    assert 'index' not in result['diff']['after']
    assert kernel.opened[0] is None and set(kernel.opened) == {None}  # only the namespace involved

    kernel.calls = []
    again = reconcile([spec])[0]
    assert again['changed'] is False and again['changes'] == []
    assert kernel.calls == []
    assert again['diff']['before'] == again['diff']['after']


def test_create_without_options_takes_the_kernels_defaults(kernel):
    result = reconcile([macvlan_spec(admin_state='down')])[0]
    assert calls_of(kernel, 'new_link') == [(None, {'name': 'mv0', 'parent_index': 2, 'kind': 'macvlan',
                                                    'info_data': {'mode': 4}})]  # created down: no IFF_UP
    assert (result['link']['admin_state'], result['link']['mtu'], result['link']['mode']) == ('down', 1500, 'bridge')
    assert reconcile([macvlan_spec(admin_state='down')])[0]['changed'] is False


def test_create_into_another_namespace_in_one_request(kernel):
    spec = macvlan_spec(name='c1', netns='net1', addresses=['198.18.248.10/20'])
    result = reconcile([spec])[0]
    (netns, what), = calls_of(kernel, 'new_link')
    assert (netns, what['name'], what['parent_index'], what['netns']) == (None, 'c1', 2, 'net1')
    assert kernel.find('net1', 'c1')['link_netnsid'] == kernel.nsids[('net1', None)]
    assert kernel.addresses_of('net1', 'c1') == ['198.18.248.10/20']
    assert (result['link']['netns'], result['link']['parent'], result['link']['parent_netns']) == ('net1', 'eth0', None)
    assert kernel.open_fds() == []
    assert reconcile([spec])[0]['changed'] is False


def test_seed_000_eth0_inside_net1_on_the_roots_eth0(kernel):
    """macvlan1 -> net1/eth0: the name is taken next to the parent, not where the link goes."""
    spec = macvlan_spec(name='eth0', parent='eth0', netns='net1', addresses=['198.18.248.10/20'])
    result = reconcile([spec])[0]
    assert [c['action'] for c in result['changes']] == ['create', 'add address']
    moved = kernel.find('net1', 'eth0')
    assert moved is not None and moved['flags'] & netlink.IFF_UP
    assert kernel.find(None, 'eth0')['index'] == 2  # the root's own eth0 is untouched
    assert [item['name'] for item in kernel.namespaces[None]['links']] == ['lo', 'eth0']
    assert calls_of(kernel, 'add_address')[0][0] == 'net1'
    assert kernel.addresses_of('net1', 'eth0') == ['198.18.248.10/20']
    assert (result['link']['netns'], result['link']['parent'], result['link']['parent_netns']) == ('net1', 'eth0', None)
    assert result['link']['admin_state'] == 'up'
    assert kernel.open_fds() == []
    assert reconcile([spec])[0]['changed'] is False


def test_seed_000_rolled_back_when_its_address_is_refused(kernel):
    kernel.fail['add_address'] = errno.EPERM
    with pytest.raises(KernelError) as exc:
        reconcile([macvlan_spec(name='eth0', parent='eth0', netns='net1', addresses=['198.18.248.10/20'])])
    assert "cannot add address 198.18.248.10/20 to macvlan 'eth0' in namespace 'net1'" in exc.value.message
    assert [item['name'] for item in kernel.namespaces[None]['links']] == ['lo', 'eth0']
    assert [item['name'] for item in kernel.namespaces['net1']['links']] == ['lo']
    assert kernel.open_fds() == []


def test_seed_000_rolled_back_when_the_move_is_refused(kernel):
    """The link made under a temporary name next to its parent does not stay behind."""
    kernel.fail['move_link'] = errno.EPERM
    with pytest.raises(KernelError) as exc:
        reconcile([macvlan_spec(name='eth0', parent='eth0', netns='net1')])
    assert "macvlan 'eth0' in namespace 'net1': permission denied" in exc.value.message
    assert [item['name'] for item in kernel.namespaces[None]['links']] == ['lo', 'eth0']
    assert [item['name'] for item in kernel.namespaces['net1']['links']] == ['lo']
    assert kernel.open_fds() == []


# ---------------------------------------------------------------- reconcile: changes in place

def test_in_place_changes_are_applied(kernel):
    add_links(kernel, macvlan(up=False), addresses=[address(10, '10.0.0.1/24')])
    spec = macvlan_spec(mode='vepa', mtu=1400, addresses=['10.0.0.2/24'])
    result = reconcile([spec])[0]
    assert [c['action'] for c in result['changes']] == [
        'set mode', 'set mtu', 'add address', 'remove address', 'set admin_state']
    assert calls_of(kernel, 'set_link') == [(None, {'index': 10, 'kind': 'macvlan', 'info_data': {'mode': 2}}),
                                            (None, {'index': 10, 'mtu': 1400, 'up': True})]
    assert calls_of(kernel, 'del_address') == [(None, {'index': 10, 'address': '10.0.0.1/24'})]
    assert kernel.addresses_of(None, 'mv0') == ['10.0.0.2/24']
    assert (result['diff']['before']['mode'], result['diff']['before']['addresses']) == ('bridge', ['10.0.0.1/24'])
    assert (result['link']['mode'], result['link']['admin_state'], result['link']['mtu']) == ('vepa', 'up', 1400)
    assert result['link']['addresses'] == ['10.0.0.2/24']


def test_source_macs_are_replaced(kernel):
    add_links(kernel, macvlan(mode='source', source_macs=['02:00:00:00:00:01', '02:00:00:00:00:02']))
    spec = macvlan_spec(mode='source', source_macs=['02:00:00:00:00:03'])
    result = reconcile([spec])[0]
    assert [c['action'] for c in result['changes']] == ['set source_macs']
    assert calls_of(kernel, 'set_link')[0][1]['info_data'] == {'macaddr_mode': 3, 'source_macs': ['02:00:00:00:00:03']}
    assert result['link']['source_macs'] == ['02:00:00:00:00:03']
    assert reconcile([macvlan_spec(mode='source', source_macs=[])])[0]['link']['source_macs'] == []


def test_removing_a_secondary_address_keeps_the_primary(kernel):
    add_links(kernel, macvlan(), addresses=[address(10, '10.0.0.1/24'), address(10, '10.0.0.2/24')])
    result = reconcile([macvlan_spec(addresses=['10.0.0.1/24'])])[0]
    assert [c['action'] for c in result['changes']] == ['remove address']
    assert kernel.addresses_of(None, 'mv0') == ['10.0.0.1/24']
    assert calls_of(kernel, 'add_address') == []


def test_removing_the_primary_address_keeps_a_declared_secondary(kernel):
    """promote_secondaries=0 (the kernel's default): deleting the primary takes 10.0.0.2 with it; it comes back."""
    add_links(kernel, macvlan(), addresses=[address(10, '10.0.0.1/24'), address(10, '10.0.0.2/24')])
    result = reconcile([macvlan_spec(addresses=['10.0.0.2/24'])])[0]
    assert [c['action'] for c in result['changes']] == ['remove address']
    assert kernel.addresses_of(None, 'mv0') == ['10.0.0.2/24']
    assert calls_of(kernel, 'add_address') == [(None, {'index': 10, 'address': '10.0.0.2/24'})]  # the repair pass
    assert result['link']['addresses'] == ['10.0.0.2/24']


def test_replacing_an_address_in_the_same_subnet(kernel):
    """Adds go first, so the new address is a secondary the primary's removal drops; the repair pass re-adds it."""
    add_links(kernel, macvlan(), addresses=[address(10, '10.0.0.1/24')])
    reconcile([macvlan_spec(addresses=['10.0.0.2/24'])])
    assert kernel.addresses_of(None, 'mv0') == ['10.0.0.2/24']
    assert [what['address'] for _netns, what in calls_of(kernel, 'add_address')] == ['10.0.0.2/24', '10.0.0.2/24']


def test_replacing_an_address_with_promote_secondaries(kernel):
    kernel.promote_secondaries = True
    add_links(kernel, macvlan(), addresses=[address(10, '10.0.0.1/24')])
    reconcile([macvlan_spec(addresses=['10.0.0.2/24'])])
    assert kernel.addresses_of(None, 'mv0') == ['10.0.0.2/24']
    assert len(calls_of(kernel, 'add_address')) == 1  # never without an address in the subnet, no repair


def test_declared_link_local_address_is_idempotent(kernel):
    spec = macvlan_spec(addresses=['fe80::1/64', '10.0.0.1/24'])
    result = reconcile([spec])[0]
    assert result['link']['addresses'] == ['10.0.0.1/24', 'fe80::1/64']
    assert len(kernel.addresses_of(None, 'mv0', link_local=True)) == 3  # plus the kernel's own fe80::
    assert reconcile([spec])[0]['changed'] is False


def test_recreate_keeps_unmanaged_addresses(kernel):
    add_links(kernel, ethernet('eth1', 3, mac='52:54:00:12:34:57'), macvlan(parent=3),
              addresses=[address(10, '10.0.0.1/24')])
    result = reconcile([macvlan_spec(parent='eth0', recreate=True)])[0]
    assert [c['action'] for c in result['changes']] == ['recreate', 'add address']
    assert calls_of(kernel, 'del_link') == [(None, {'index': 10})]
    assert kernel.find(None, 'mv0')['link'] == 2
    assert kernel.addresses_of(None, 'mv0') == ['10.0.0.1/24']
    assert (result['diff']['before']['parent'], result['link']['parent']) == ('eth1', 'eth0')


def test_parent_namespace_change(kernel):
    """c1's macvlan sits on the root's eth0 (its nsid 0); the spec says host1's eth0, also index 2."""
    kernel.add_namespace('host1', [loopback(), ethernet(mac='52:54:00:12:34:99')])
    kernel.add_namespace('c1', [loopback(), macvlan('c1', 3, link_netnsid=0)])
    kernel.nsids[('c1', None)] = 0
    with pytest.raises(ValidationError) as exc:
        reconcile([macvlan_spec(name='c1', netns='c1', parent_netns='host1')])
    assert exc.value.field == 'parent'
    assert kernel.calls == []
    spec = macvlan_spec(name='c1', netns='c1', parent_netns='host1', recreate=True)
    result = reconcile([spec])[0]
    assert [netns for netns, _what in calls_of(kernel, 'del_link')] == ['c1']
    assert [netns for netns, _what in calls_of(kernel, 'new_link')] == ['host1']
    assert kernel.find('c1', 'c1')['link_netnsid'] == kernel.nsids[('c1', 'host1')] != 0
    assert (result['link']['parent'], result['link']['parent_netns']) == ('eth0', 'host1')
    assert reconcile([spec])[0]['changed'] is False


def test_absent(kernel):
    add_links(kernel, macvlan())
    result = reconcile([macvlan_spec(state='absent', parent=None)])[0]
    assert result['changed'] is True and result['link'] is None
    assert calls_of(kernel, 'del_link') == [(None, {'index': 10})]
    assert result['diff']['after'] == {}
    assert reconcile([macvlan_spec(state='absent', parent=None)])[0]['changed'] is False


def test_requests_go_in_one_batch_per_namespace_run(kernel, monkeypatch):
    batches = []
    run = netlink.Netlink.run

    def spy(self, requests):
        requests = list(requests)
        batches.append((self.netns, [r.tag[1] for r in requests]))
        return run(self, requests)

    monkeypatch.setattr(netlink.Netlink, 'run', spy)
    add_links(kernel, macvlan('c1', 3, link_netnsid=0, up=False, mac='02:00:00:00:00:03'),
              macvlan('c2', 4, link_netnsid=0, mac='02:00:00:00:00:04'), netns='net1')
    kernel.nsids[('net1', None)] = 0
    reconcile([macvlan_spec(name='c1', netns='net1', mtu=1400), macvlan_spec(name='mv2'),
               macvlan_spec(name='c2', netns='net1', mode='private')])
    assert batches == [('net1', ['change admin_state, mtu of']), (None, ['create']), ('net1', ['change mode of'])]


# ---------------------------------------------------------------- reconcile: failures

def test_a_value_the_kernel_keeps_is_caught_by_verification(kernel):
    """The kernel acks the request but the driver keeps its own value: the read-back must notice."""
    add_links(kernel, macvlan())
    kernel.ignore.add('mode')
    with pytest.raises(KernelError) as exc:
        reconcile([macvlan_spec(mode='private')])
    assert exc.value.message == ("the kernel did not apply every change to macvlan 'mv0' in the root namespace: "
                                 "still to do: set mode bridge -> private; the kernel accepted the request but kept "
                                 "its own value (driver or kernel version limits); nothing was left changed")


def test_failure_mid_apply_undoes_what_was_created(kernel):
    kernel.fail['add_address'] = errno.EPERM
    with pytest.raises(KernelError) as exc:
        reconcile([macvlan_spec(addresses=['10.0.0.2/24'])])
    assert exc.value.message.startswith("cannot add address 10.0.0.2/24 to macvlan 'mv0' in the root namespace: "
                                        "permission denied")
    assert len(calls_of(kernel, 'del_link')) == 1
    assert kernel.find(None, 'mv0') is None
    assert kernel.open_fds() == []


def test_a_refusal_undoes_requests_of_the_same_batch_that_succeeded(kernel):
    """mv1's create was already in flight when mv0's was refused: it is in BatchError.done and deleted again."""
    add_links(kernel, macvlan('mv9', 22, mac='02:00:5e:10:00:01'))
    with pytest.raises(KernelError) as exc:
        reconcile([macvlan_spec(macaddress='02:00:5e:10:00:01'), macvlan_spec(name='mv1')])
    assert exc.value.message == ("cannot create macvlan 'mv0' in the root namespace: MAC address 02:00:5e:10:00:01 "
                                 "is already used by another port on parent 'eth0'; choose another macaddress or "
                                 "leave it out to get a random one; nothing was left changed")
    assert (exc.value.code, exc.value.field) == (errno.EADDRINUSE, 'macaddress')
    assert [what['name'] for _netns, what in calls_of(kernel, 'new_link')] == ['mv0', 'mv1']
    assert len(calls_of(kernel, 'del_link')) == 1
    assert [item['name'] for item in kernel.namespaces[None]['links']] == ['lo', 'eth0', 'mv9']


def test_bringing_up_a_port_with_a_taken_mac_does_not_say_none(kernel):
    add_links(kernel, macvlan('mv9', 22, mac='02:00:5e:10:00:01'), macvlan(up=False, mac='02:00:5e:10:00:01'))
    with pytest.raises(KernelError) as exc:
        reconcile([macvlan_spec()])
    assert exc.value.message == ("cannot change admin_state of macvlan 'mv0' in the root namespace: its MAC address "
                                 "is already used by another port on parent 'eth0'; choose another macaddress or "
                                 "leave it out to get a random one; nothing was left changed")


def test_a_read_failure_changes_nothing(kernel):
    kernel.fail['set_link'] = errno.EPERM
    kernel.receive = lambda *args: [b'\x14\0\0\0\x02\0\0\0\x01\0\0\0\0\0\0\0\xff\xff\xff\xff']  # EPERM to the dump
    with pytest.raises(KernelError) as exc:
        reconcile([macvlan_spec()])
    assert exc.value.message.startswith("cannot read links for link '*' in the root namespace: permission denied")


# ---------------------------------------------------------------- reconcile: before any socket

def test_missing_namespace_fails_before_any_socket(kernel):
    with pytest.raises(ValidationError) as exc:
        reconcile([macvlan_spec(name='c1', netns='c1')])
    assert exc.value.message == "netns: namespace 'c1' does not exist; create it first (underlay.network.netns)"
    with pytest.raises(ValidationError) as exc:
        reconcile([macvlan_spec(parent_netns='host1')])
    assert (exc.value.field, exc.value.value) == ('parent_netns', 'host1')
    assert kernel.opened == []


def test_missing_namespace_is_a_warning_in_check_mode(kernel):
    result = reconcile([macvlan_spec(name='c1', netns='c1')], check_mode=True)[0]
    assert result['changed'] is True
    assert result['warnings'] == ["netns 'c1' does not exist yet; check mode assumes an earlier task creates it"]
    assert 'c1' not in kernel.opened


def test_duplicates_fail_before_any_socket(kernel):
    with pytest.raises(ValidationError) as exc:
        reconcile([macvlan_spec(), macvlan_spec(mode='private')])
    assert 'declared twice' in exc.value.message
    assert kernel.opened == []


def test_sockets_are_closed(kernel):
    reconcile([macvlan_spec(name='eth0', netns='net1')], check_mode=True)
    assert sorted(str(s.netns) for s in kernel.sockets) == ['None', 'net1']
    assert all(s.closed for s in kernel.sockets)
    reconcile([macvlan_spec(name='c1', netns='net1')])
    assert all(s.closed for s in kernel.sockets)
    assert kernel.open_fds() == []


def test_one_plan_per_spec_in_order(kernel):
    add_links(kernel, macvlan('mv1', 11))
    results = reconcile([macvlan_spec(name='mv1'), macvlan_spec(name='mv2')], check_mode=True)
    assert [(r['changed'], r['link']['name']) for r in results] == [(False, 'mv1'), (True, 'mv2')]


def test_plan_link_uses_the_fake_kernel_shapes(kernel):
    """What the fake kernel answers decodes like a real dump: planning it is a no-op after a create."""
    reconcile([macvlan_spec(mode='passthru', nopromisc=True)])
    snaps = {None: Snapshot.read(kernel.socket(None))}
    assert plan_link(macvlan_spec(mode='passthru', nopromisc=True), snaps).changes == []
