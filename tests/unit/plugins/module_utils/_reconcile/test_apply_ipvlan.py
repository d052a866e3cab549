# Copyright: (c) 2026, underlay.network contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""ipvlan end to end: reconcile() against the FakeKernel of fakes.py, whose ipvlan driver keeps mode and flags
per parent port like drivers/net/ipvlan (one port's create or change shows on every sibling).

The engine must never change siblings silently: _check_port_options refuses a mode/flag that differs from the
port's unless change_siblings is set, and port_siblings looks for siblings in every named namespace.
"""


import errno

import pytest

from ansible_collections.underlay.network.plugins.module_utils._common.errors import KernelError, ValidationError
from ansible_collections.underlay.network.plugins.module_utils._kernel import netlink
from ansible_collections.underlay.network.plugins.module_utils._links.kinds import KINDS
from ansible_collections.underlay.network.plugins.module_utils._reconcile.plan import port_siblings
from ansible_collections.underlay.network.plugins.module_utils._reconcile.read import Snapshot
from ansible_collections.underlay.network.plugins.module_utils._reconcile.transaction import reconcile
from ansible_collections.underlay.network.tests.unit.fakes import (
    PARENT_MAC, add_links, calls_of, ethernet, ipvlan, ipvlan_data, ipvlan_spec, loopback, macvlan, macvlan_spec, vlan)


IPVLAN = KINDS['ipvlan']


def port_of(kernel, netns, name):
    """(mode, flag) the kernel reports for one ipvlan link, in words."""
    options = IPVLAN.read(kernel.find(netns, name))
    return options['mode'], options['flag']


def refusal(specs, check_mode=False):
    with pytest.raises(ValidationError) as exc:
        reconcile(specs, check_mode=check_mode)
    return exc.value


# ---------------------------------------------------------------- the fake driver itself

def request(kernel, netns, req):
    kernel.socket(netns).request(*req)


def test_fake_ipvlan_mode_and_flags_are_per_port(kernel):
    """What the engine guards against, as the fake kernel does it: the last create or change sets the port."""
    request(kernel, None, netlink.new_link('ipv0', 2, 'ipvlan', ipvlan_data('l2', 'private')))
    request(kernel, None, netlink.new_link('ipv1', 2, 'ipvlan', ipvlan_data('l3s', None)))  # flags kept
    assert port_of(kernel, None, 'ipv0') == port_of(kernel, None, 'ipv1') == ('l3s', 'private')
    request(kernel, None, netlink.set_link(kernel.find(None, 'ipv0')['index'], 'ipvlan', ipvlan_data(None, 'vepa')))
    assert port_of(kernel, None, 'ipv1') == ('l3s', 'vepa')
    request(kernel, None, netlink.new_link('ipv2', 2, 'ipvlan', ipvlan_data(None, None)))  # no mode: l3
    assert [port_of(kernel, None, name) for name in ('ipv0', 'ipv1', 'ipv2')] == [('l3', 'vepa')] * 3
    assert kernel.find(None, 'ipv2')['macaddress'] == PARENT_MAC


def test_fake_ipvlan_port_spans_namespaces_and_parents_stay_apart(kernel):
    kernel.add_namespace('host1', [loopback(), ethernet(mac='52:54:00:12:34:99'), ipvlan('ipv9', 20, mode='l3')])
    request(kernel, None, netlink.new_link('c1', 2, 'ipvlan', ipvlan_data('l2'), netns_fd=kernel.namespace_fd('net1')))
    request(kernel, None, netlink.new_link('ipv0', 2, 'ipvlan', ipvlan_data('l3s')))
    assert port_of(kernel, 'net1', 'c1') == ('l3s', 'bridge')
    assert port_of(kernel, 'host1', 'ipv9') == ('l3', 'bridge')  # host1's eth0 is another parent


@pytest.mark.parametrize('data', [ipvlan_data(3, 0), ipvlan_data('l2', 3)], ids=['mode-3', 'private-and-vepa'])
def test_fake_ipvlan_validates(kernel, data):
    with pytest.raises(netlink.NetlinkError) as exc:
        request(kernel, None, netlink.new_link('ipv0', 2, 'ipvlan', data))
    assert exc.value.code == errno.EINVAL
    assert kernel.find(None, 'ipv0') is None


def test_fake_ipvlan_and_macvlan_do_not_share_a_parent(kernel):
    request(kernel, None, netlink.new_link('ipv0', 2, 'ipvlan', ipvlan_data()))
    with pytest.raises(netlink.NetlinkError) as exc:
        request(kernel, None, netlink.new_link('mv0', 2, 'macvlan', KINDS['macvlan'].encode({'mode': 'bridge'})))
    assert exc.value.code == errno.EBUSY
    request(kernel, None, netlink.del_link(kernel.find(None, 'ipv0')['index']))
    request(kernel, None, netlink.new_link('mv0', 2, 'macvlan', KINDS['macvlan'].encode({'mode': 'bridge'})))
    with pytest.raises(netlink.NetlinkError) as exc:
        request(kernel, None, netlink.new_link('ipv0', 2, 'ipvlan', ipvlan_data()))
    assert exc.value.code == errno.EBUSY


# ---------------------------------------------------------------- create

def test_create_applies_verifies_and_is_idempotent(kernel):
    spec = ipvlan_spec(mode='l3', flag='private', mtu=1400, addresses=['198.18.0.20/24'])
    result = reconcile([spec])[0]
    assert [c['action'] for c in result['changes']] == ['create', 'add address']
    assert calls_of(kernel, 'new_link') == [(None, {
        'name': 'ipv0', 'parent_index': 2, 'kind': 'ipvlan', 'info_data': {'mode': 1, 'flags': 1}, 'mtu': 1400,
        'up': True})]
    assert (result['link']['mode'], result['link']['flag'], result['link']['macaddress']) == ('l3', 'private', PARENT_MAC)
    assert kernel.addresses_of(None, 'ipv0') == ['198.18.0.20/24']
    kernel.calls = []
    again = reconcile([spec])[0]
    assert (again['changed'], again['changes'], kernel.calls) == (False, [], [])


def test_create_sends_mode_and_flag_even_when_default(kernel):
    """Without IFLA_IPVLAN_MODE the kernel would put the whole port in l3: the defaults are always sent."""
    reconcile([ipvlan_spec()])
    assert calls_of(kernel, 'new_link')[0][1]['info_data'] == {'mode': 0, 'flags': 0}
    assert port_of(kernel, None, 'ipv0') == ('l2', 'bridge')


def test_create_next_to_siblings_with_the_same_port_options(kernel):
    add_links(kernel, ipvlan('ipv0', 20, mode='l3', flags='vepa'))
    result = reconcile([ipvlan_spec('ipv1', mode='l3', flag='vepa')])[0]
    assert [c['action'] for c in result['changes']] == ['create']
    assert port_of(kernel, None, 'ipv0') == ('l3', 'vepa')


def test_seed_000_ipvlan_eth0_inside_net1(kernel):
    """The name is taken next to the parent: created under a temporary name, then moved and renamed."""
    spec = ipvlan_spec('eth0', netns='net1', mode='l3', addresses=['198.18.100.10/24'])
    result = reconcile([spec])[0]
    assert [what['netns'] for _netns, what in calls_of(kernel, 'move_link')] == ['net1']
    assert [item['name'] for item in kernel.namespaces[None]['links']] == ['lo', 'eth0']
    assert (result['link']['parent'], result['link']['parent_netns'], result['link']['mode']) == ('eth0', None, 'l3')
    assert kernel.addresses_of('net1', 'eth0') == ['198.18.100.10/24']
    assert kernel.open_fds() == []
    assert reconcile([spec])[0]['changed'] is False


# ---------------------------------------------------------------- siblings: refused

def test_second_port_with_another_mode_is_refused(kernel):
    add_links(kernel, ipvlan('ipv0', 20))
    exc = refusal([ipvlan_spec('ipv1', mode='l3')])
    assert exc.message == (
        "mode: the kernel keeps ipvlan mode and flag per parent, and parent 'eth0' already has ipvlan ports with "
        "mode l2, flag bridge: 'ipv0' in the root namespace. Setting mode l3 would silently change all of them. "
        "Use mode: l2, or set change_siblings: true to change every port on 'eth0'")
    assert (exc.field, exc.value) == ('mode', 'l3')
    assert kernel.calls == []
    assert port_of(kernel, None, 'ipv0') == ('l2', 'bridge')


def test_second_port_with_another_flag_is_refused(kernel):
    add_links(kernel, ipvlan('ipv0', 20, mode='l3', flags='private'))
    exc = refusal([ipvlan_spec('ipv1', mode='l3', flag='vepa')])
    assert (exc.field, exc.value) == ('flag', 'vepa')
    assert 'with mode l3, flag private' in exc.message and 'Setting flag vepa would' in exc.message
    assert 'Use flag: private,' in exc.message
    assert kernel.calls == []


def test_both_differing_names_mode_first_and_lists_both(kernel):
    add_links(kernel, ipvlan('ipv0', 20))
    exc = refusal([ipvlan_spec('ipv1', mode='l3s', flag='private')])
    assert exc.field == 'mode'
    assert 'Setting mode l3s, flag private would silently change' in exc.message
    assert 'Use mode: l2, flag: bridge, or set change_siblings' in exc.message


def test_refusal_names_every_sibling_with_its_namespace(kernel):
    kernel.nsids[('net1', None)] = 0
    add_links(kernel, ipvlan('ipv0', 20), ipvlan('ipv1', 21))
    add_links(kernel, ipvlan('c1', 5, link_netnsid=0), netns='net1')
    exc = refusal([ipvlan_spec('ipv2', mode='l3')])
    assert ("already has ipvlan ports with mode l2, flag bridge: 'ipv0' in the root namespace, 'ipv1' in the root "
            "namespace, 'c1' in namespace 'net1'. Setting") in exc.message
    assert kernel.calls == []


def test_in_place_mode_change_under_siblings_is_refused(kernel):
    add_links(kernel, ipvlan('ipv0', 20), ipvlan('ipv1', 21))
    exc = refusal([ipvlan_spec('ipv0', mode='l3')])
    assert (exc.field, exc.value) == ('mode', 'l3')
    assert "ports with mode l2, flag bridge: 'ipv1' in the root namespace. Setting mode l3 would" in exc.message
    assert "'ipv0'" not in exc.message  # not its own sibling
    assert kernel.calls == []


def test_recreate_onto_a_parent_with_other_siblings_is_refused(kernel):
    add_links(kernel, ethernet('eth1', 3, mac='52:54:00:12:34:57'), ipvlan('ipv0', 20, parent=3),
              ipvlan('ipv9', 29, mode='l3s'))
    exc = refusal([ipvlan_spec('ipv0', parent='eth0', recreate=True)])
    assert exc.field == 'mode' and "parent 'eth0' already has ipvlan ports with mode l3s" in exc.message
    assert "'ipv9' in the root namespace" in exc.message
    assert kernel.calls == []


def test_siblings_in_a_namespace_the_run_does_not_involve_are_found(kernel):
    """port_siblings dumps every named namespace (netlink.list_namespaces), not only those of the specs."""
    kernel.add_namespace('c9', [loopback(), ipvlan('eth0', 5, link_netnsid=3)])
    kernel.nsids[('c9', None)] = 3
    exc = refusal([ipvlan_spec('ipv1', mode='l3')])
    assert "already has ipvlan ports with mode l2, flag bridge: 'eth0' in namespace 'c9'." in exc.message
    assert 'c9' in kernel.opened and 'net1' in kernel.opened  # every named namespace was looked at
    assert all(sock.closed for sock in kernel.sockets)
    assert kernel.open_fds() == []
    assert kernel.calls == []


def test_siblings_in_the_parent_namespace_when_the_link_lives_elsewhere(kernel):
    add_links(kernel, ipvlan('ipv0', 20, mode='l3'))
    exc = refusal([ipvlan_spec('c1', netns='net1')])
    assert "mode l3, flag bridge: 'ipv0' in the root namespace" in exc.message
    assert kernel.calls == []


def test_parent_in_a_named_namespace(kernel):
    """Parent host1/eth0; its ports live in host1 and c1. The root's eth0 (also index 2) is another parent."""
    kernel.add_namespace('host1', [loopback(), ethernet(mac='52:54:00:12:34:99'), ipvlan('ipv0', 20, mode='l3')])
    kernel.add_namespace('c1', [loopback(), ipvlan('eth0', 4, link_netnsid=1, mode='l3')])
    kernel.nsids[('c1', 'host1')] = 1
    add_links(kernel, ipvlan('root0', 21, mode='l2'))  # on the root's eth0: not a sibling
    exc = refusal([ipvlan_spec('c2', netns='net1', parent_netns='host1', mode='l3s')])
    assert "mode l3, flag bridge: 'eth0' in namespace 'c1', 'ipv0' in namespace 'host1'." in exc.message
    assert 'root0' not in exc.message
    result = reconcile([ipvlan_spec('c2', netns='net1', parent_netns='host1', mode='l3')])[0]
    assert result['changes'][-1]['action'] == 'create'
    assert port_of(kernel, None, 'root0') == ('l2', 'bridge')


def test_same_index_on_another_parent_is_not_a_sibling(kernel):
    """c9's link sits on host1's eth0 (nsid 1 in c9), not on the root's eth0, though both are index 2."""
    kernel.add_namespace('host1', [loopback(), ethernet(mac='52:54:00:12:34:99'), ipvlan('ipv9', 20, mode='l3')])
    kernel.add_namespace('c9', [loopback(), ipvlan('eth0', 5, link_netnsid=1, mode='l3')])
    kernel.nsids[('c9', 'host1')] = 1
    kernel.nsids[('c9', None)] = 0
    result = reconcile([ipvlan_spec('ipv0')])[0]
    assert [c['action'] for c in result['changes']] == ['create']
    assert port_of(kernel, 'c9', 'eth0') == ('l3', 'bridge')


def test_other_kinds_on_the_parent_are_not_siblings(kernel):
    add_links(kernel, ethernet('eth1', 3, mac='52:54:00:12:34:57'), ipvlan('ipv9', 29, parent=3, mode='l3'),
              vlan('eth0.10', 30))
    result = reconcile([ipvlan_spec('ipv0', mode='l3s')])[0]
    assert [c['action'] for c in result['changes']] == ['create']


def test_unnamed_namespaces_are_not_seen(kernel, monkeypatch):
    """Documented limit: a sibling in a namespace without a name (not in /var/run/netns) cannot be found."""
    kernel.add_namespace('hidden', [loopback(), ipvlan('eth0', 5, link_netnsid=0)])
    kernel.nsids[('hidden', None)] = 0
    monkeypatch.setattr(netlink, 'list_namespaces', lambda: ['net1'])
    result = reconcile([ipvlan_spec('ipv1', mode='l3')])[0]
    assert [c['action'] for c in result['changes']] == ['create']
    assert port_of(kernel, 'hidden', 'eth0') == ('l3', 'bridge')  # the kernel changed it anyway
    assert 'hidden' not in kernel.opened


def test_absent_does_not_look_at_siblings(kernel):
    add_links(kernel, ipvlan('ipv0', 20, mode='l3'), ipvlan('ipv1', 21, mode='l3'))
    result = reconcile([ipvlan_spec('ipv0', state='absent', parent=None)])[0]
    assert [c['action'] for c in result['changes']] == ['delete']
    assert kernel.find(None, 'ipv0') is None and port_of(kernel, None, 'ipv1') == ('l3', 'bridge')


def test_unchanged_port_does_not_look_at_siblings(kernel):
    add_links(kernel, ipvlan('ipv0', 20, mode='l3'), ipvlan('ipv1', 21, mode='l3'))
    kernel.add_namespace('c9', [loopback()])
    result = reconcile([ipvlan_spec('ipv0', mode='l3', mtu=1400)])[0]
    assert [c['action'] for c in result['changes']] == ['set mtu']
    assert 'c9' not in kernel.opened  # no port option in the plan: no scan of other namespaces


# ---------------------------------------------------------------- siblings: change_siblings

def test_change_siblings_on_create(kernel):
    add_links(kernel, ipvlan('ipv0', 20))
    result = reconcile([ipvlan_spec('ipv1', mode='l3', change_siblings=True)])[0]
    assert [c['action'] for c in result['changes']] == ['create', 'change siblings']
    assert result['changes'][-1] == {
        'action': 'change siblings', 'attribute': 'mode', 'before': 'l2', 'after': 'l3', 'kind': 'ipvlan',
        'name': 'ipv1', 'netns': None, 'reason': "siblings on the same parent: 'ipv0' in the root namespace"}
    assert [op for _netns, op, _what in kernel.calls] == ['new_link']  # the kernel changes the siblings itself
    assert port_of(kernel, None, 'ipv0') == ('l3', 'bridge')
    assert result['link']['mode'] == 'l3'
    kernel.calls = []
    assert reconcile([ipvlan_spec('ipv1', mode='l3')])[0]['changed'] is False  # siblings agree now
    assert kernel.calls == []


def test_change_siblings_step_per_differing_option(kernel):
    add_links(kernel, ipvlan('ipv0', 20))
    result = reconcile([ipvlan_spec('ipv1', mode='l3s', flag='vepa', change_siblings=True)])[0]
    assert [(c['action'], c.get('attribute')) for c in result['changes']] == [
        ('create', None), ('change siblings', 'mode'), ('change siblings', 'flag')]
    assert port_of(kernel, None, 'ipv0') == ('l3s', 'vepa')


def test_change_siblings_in_place(kernel):
    kernel.nsids[('net1', None)] = 0
    add_links(kernel, ipvlan('ipv0', 20), ipvlan('ipv1', 21))
    add_links(kernel, ipvlan('c1', 5, link_netnsid=0), netns='net1')
    result = reconcile([ipvlan_spec('ipv0', flag='private', change_siblings=True)])[0]
    assert [c['action'] for c in result['changes']] == ['set flag', 'change siblings']
    assert result['changes'][-1]['reason'] == ("siblings on the same parent: 'ipv1' in the root namespace, "
                                               "'c1' in namespace 'net1'")
    assert calls_of(kernel, 'set_link') == [(None, {'index': 20, 'kind': 'ipvlan', 'info_data': {'flags': 1}})]
    assert port_of(kernel, None, 'ipv1') == port_of(kernel, 'net1', 'c1') == ('l2', 'private')


def test_change_siblings_without_a_difference_adds_no_step(kernel):
    add_links(kernel, ipvlan('ipv0', 20, mode='l3'))
    result = reconcile([ipvlan_spec('ipv1', mode='l3', change_siblings=True)])[0]
    assert [c['action'] for c in result['changes']] == ['create']


def test_change_siblings_in_another_namespace(kernel):
    kernel.add_namespace('c9', [loopback(), ipvlan('eth0', 5, link_netnsid=3)])
    kernel.nsids[('c9', None)] = 3
    result = reconcile([ipvlan_spec('ipv1', mode='l3', change_siblings=True)])[0]
    assert result['changes'][-1]['reason'] == "siblings on the same parent: 'eth0' in namespace 'c9'"
    assert port_of(kernel, 'c9', 'eth0') == ('l3', 'bridge')


# ---------------------------------------------------------------- check mode

def test_check_mode_with_siblings_is_refused_too(kernel):
    add_links(kernel, ipvlan('ipv0', 20))
    exc = refusal([ipvlan_spec('ipv1', mode='l3')], check_mode=True)
    assert exc.field == 'mode' and "'ipv0' in the root namespace" in exc.message
    assert kernel.calls == []


def test_check_mode_with_change_siblings_predicts_and_changes_nothing(kernel):
    kernel.add_namespace('c9', [loopback(), ipvlan('eth0', 5, link_netnsid=3)])
    kernel.nsids[('c9', None)] = 3
    add_links(kernel, ipvlan('ipv0', 20))
    spec = ipvlan_spec('ipv1', mode='l3', change_siblings=True)
    result = reconcile([spec], check_mode=True)[0]
    assert result['changed'] is True
    assert [c['action'] for c in result['changes']] == ['create', 'change siblings']
    assert result['changes'][-1]['reason'] == ("siblings on the same parent: 'ipv0' in the root namespace, "
                                               "'eth0' in namespace 'c9'")
    assert result['link'] == spec.view()
    assert kernel.calls == []
    assert kernel.find(None, 'ipv1') is None
    assert port_of(kernel, None, 'ipv0') == port_of(kernel, 'c9', 'eth0') == ('l2', 'bridge')


def test_check_mode_in_place_change_with_change_siblings(kernel):
    add_links(kernel, ipvlan('ipv0', 20), ipvlan('ipv1', 21))
    result = reconcile([ipvlan_spec('ipv0', mode='l3s', change_siblings=True)], check_mode=True)[0]
    assert [c['action'] for c in result['changes']] == ['set mode', 'change siblings']
    assert result['link']['mode'] == 'l3s'
    assert kernel.calls == [] and port_of(kernel, None, 'ipv1') == ('l2', 'bridge')


# ---------------------------------------------------------------- port_siblings directly

def test_port_siblings_uses_snapshots_already_read(kernel):
    add_links(kernel, ipvlan('ipv0', 20), macvlan('mv9', 22))
    snaps = {None: Snapshot.read(kernel.socket(None))}
    kernel.opened = []
    found = port_siblings(ipvlan_spec('ipv1'), snaps)
    assert [(netns, item['name']) for netns, item in found] == [(None, 'ipv0')]
    assert kernel.opened == ['net1']  # the root namespace was not dumped again
    assert [item['name'] for _netns, item in port_siblings(ipvlan_spec('ipv1'), snaps, ('macvlan',))] == ['mv9']


def test_port_siblings_excludes_the_link_itself(kernel):
    add_links(kernel, ipvlan('ipv0', 20))
    snaps = {None: Snapshot.read(kernel.socket(None))}
    assert port_siblings(ipvlan_spec('ipv0'), snaps) == []


def test_port_siblings_without_the_parent(kernel):
    snaps = {None: Snapshot.read(kernel.socket(None))}
    assert port_siblings(ipvlan_spec('ipv0', parent='eth9'), snaps) == []
    assert port_siblings(ipvlan_spec('ipv0', parent_netns='gone'), snaps) == []


# ---------------------------------------------------------------- the kernel's answers

@pytest.mark.parametrize('holder, refused', [(macvlan_spec, ipvlan_spec), (ipvlan_spec, macvlan_spec)])
def test_a_parent_with_ports_of_the_other_driver_is_refused_naming_them(kernel, holder, refused):
    """EBUSY either way round: the message names the sibling that holds the parent, nothing is left behind."""
    held, wanted = holder(), refused()
    reconcile([held])
    with pytest.raises(KernelError) as exc:
        reconcile([wanted])
    assert exc.value.message == (
        "cannot create %s '%s' in the root namespace: parent 'eth0' already carries %s port '%s' in the root "
        "namespace; a parent takes ports of one driver only: use another parent or a VLAN sub-interface of it "
        "(EBUSY); nothing was left changed" % (wanted.kind, wanted.name, held.kind, held.name))
    assert (exc.value.code, exc.value.field) == (errno.EBUSY, 'parent')
    assert kernel.find(None, wanted.name) is None and calls_of(kernel, 'del_link') == []


def test_macvlan_on_a_parent_with_ipvlan_ports_names_them(kernel):
    reconcile([ipvlan_spec(netns='net1')])
    with pytest.raises(KernelError) as exc:
        reconcile([macvlan_spec()])
    assert "parent 'eth0' already carries ipvlan port 'ipv0' in namespace 'net1'" in exc.value.message
    assert exc.value.code == errno.EBUSY


def test_a_mode_the_kernel_keeps_is_caught_by_verification(kernel):
    add_links(kernel, ipvlan('ipv0', 20))
    kernel.ignore.add('mode')
    with pytest.raises(KernelError) as exc:
        reconcile([ipvlan_spec('ipv0', mode='l3')])
    assert 'still to do: set mode l2 -> l3' in exc.value.message


# ---------------------------------------------------------------- bugs found by these tests, since fixed

def test_ipvtap_ports_are_siblings_too(kernel):
    add_links(kernel, ipvlan('tap0', 20, kind='ipvtap'))
    try:
        reconcile([ipvlan_spec('ipv1', mode='l3')])
    except ValidationError as exc:
        assert exc.field == 'mode' and "'tap0' in the root namespace" in exc.message
    else:
        assert False, "created ipv1 and silently switched ipvtap 'tap0' to %s" % (port_of(kernel, None, 'tap0'),)


def test_two_new_ports_of_one_run_with_different_modes(kernel):
    try:
        reconcile([ipvlan_spec('ipv0', mode='l2'), ipvlan_spec('ipv1', mode='l3')])
    except ValidationError:
        assert kernel.calls == []
    except KernelError as exc:
        assert False, 'applied, then: %s' % exc.message
    else:
        assert False, 'no error'


def test_an_unreadable_namespace_is_named(kernel, monkeypatch):
    add_links(kernel, ipvlan('ipv0', 20))
    monkeypatch.setattr(netlink, 'list_namespaces', lambda: ['ghost', 'net1'])  # listed, gone when opened
    try:
        reconcile([ipvlan_spec('ipv1')])
    except KernelError as exc:
        assert 'ghost' in exc.message, exc.message


def test_a_failing_hint_still_undoes_the_batch(kernel, monkeypatch):
    add_links(kernel, ethernet('eth1', 3, mac='52:54:00:12:34:57'), ipvlan('ipv0', 20))
    monkeypatch.setattr(netlink, 'list_namespaces', lambda: ['ghost', 'net1'])
    with pytest.raises(KernelError) as exc:
        reconcile([macvlan_spec('mv1', parent='eth1'), macvlan_spec('mv0', parent='eth0')])
    assert kernel.find(None, 'mv1') is None, 'mv1 left behind; error was: %s' % exc.value.message
    assert exc.value.code == errno.EBUSY
