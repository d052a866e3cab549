# Copyright: (c) 2026, underlay.network contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""_engine planning: desired specs against hand-built Snapshots, no kernel involved."""


import pytest

from ansible_collections.underlay.network.plugins.module_utils._common.change import Change
from ansible_collections.underlay.network.plugins.module_utils._common.errors import ValidationError
from ansible_collections.underlay.network.plugins.module_utils._links.kinds import KINDS
from ansible_collections.underlay.network.plugins.module_utils._reconcile import transaction as engine
from ansible_collections.underlay.network.plugins.module_utils._reconcile.plan import LinkPlan, plan_link
from ansible_collections.underlay.network.plugins.module_utils._reconcile.read import Snapshot, link_view
from ansible_collections.underlay.network.tests.unit.fakes import (
    PARENT_MAC, address, ethernet, ipvlan, link, loopback, macvlan, macvlan_spec, root_with_parent, snapshot,
    with_ipv6_conf)


def steps(plan):
    """The plan as (action, attribute, before, after) tuples."""
    return [(c.action, c.attribute, c.before, c.after) for c in plan.changes]


def actions(plan):
    return [c.action for c in plan.changes]


# ---------------------------------------------------------------- Snapshot

def test_snapshot_indexes_links_by_name_and_index():
    snap = snapshot([loopback(), ethernet(), macvlan()], netns='net1')
    assert snap.netns == 'net1'
    assert sorted(snap.links) == ['eth0', 'lo', 'mv0']
    assert snap.by_index[10]['name'] == 'mv0'


def test_snapshot_addresses_sorted_and_ipv6_link_local_ignored():
    snap = snapshot([ethernet(), macvlan()], [
        address(10, '2001:db8::10/64'), address(10, 'fe80::ff:fe00:a/64', scope=253),
        address(10, '198.18.0.10/24'), address(10, '10.0.0.1/8'), address(2, '192.0.2.1/24')])
    assert snap.addresses_of(snap.links['mv0']) == ('10.0.0.1/8', '198.18.0.10/24', '2001:db8::10/64')
    assert snap.addresses_of(snap.links['eth0']) == ('192.0.2.1/24',)


def test_snapshot_keeps_link_local_addresses_for_those_who_declare_them():
    snap = snapshot([ethernet(), macvlan()], [address(10, 'fe80::ff:fe00:a/64'), address(10, 'fe80::1/64'),
                                              address(10, '198.18.0.10/24')])
    assert snap.addresses[10] == ['fe80::ff:fe00:a/64', 'fe80::1/64', '198.18.0.10/24']
    assert snap.addresses_of(snap.links['mv0'], keep=('fe80::1/64',)) == ('198.18.0.10/24', 'fe80::1/64')


def test_snapshot_skips_addresses_without_an_address():
    snap = snapshot([ethernet()], [dict(address(2, '192.0.2.1/24'), address=None)])
    assert snap.addresses == {}


def test_snapshot_shows_ipv4_link_local_addresses():
    snap = snapshot([ethernet(), macvlan()], [address(10, '169.254.0.5/16'), address(10, '10.0.0.1/8')])
    assert snap.addresses_of(snap.links['mv0']) == ('10.0.0.1/8', '169.254.0.5/16')


# ---------------------------------------------------------------- link_view

def test_link_view_same_namespace():
    snaps = root_with_parent(macvlan(up=False, mtu=1400), addresses=[address(10, '10.0.0.1/24')])
    snap = snaps[None]
    view = link_view(KINDS['macvlan'], snap.links['mv0'], snap, snaps, None)
    assert view == {'kind': 'macvlan', 'name': 'mv0', 'netns': None, 'parent': 'eth0', 'parent_netns': None,
                    'admin_state': 'down', 'mtu': 1400, 'macaddress': '02:00:5e:00:00:0a',
                    'addresses': ['10.0.0.1/24'], 'index': 10, 'mode': 'bridge', 'nopromisc': None,
                    'source_macs': None}


def test_link_view_parent_in_another_namespace():
    """Seed 000: eth0 in net1 is a macvlan whose parent is the root namespace's eth0."""
    snaps = root_with_parent()
    snaps['net1'] = snapshot([loopback(), macvlan('eth0', 3, parent=2, link_netnsid=0)], netns='net1',
                             peer_nsids={None: 0})
    view = link_view(KINDS['macvlan'], snaps['net1'].links['eth0'], snaps['net1'], snaps, None)
    assert (view['name'], view['netns'], view['parent'], view['parent_netns']) == ('eth0', 'net1', 'eth0', None)


@pytest.mark.parametrize('peer_nsids', [{}, {None: -1}, {None: 4}], ids=['not-asked', 'unassigned', 'other-id'])
def test_link_view_parent_namespace_unknown(peer_nsids):
    """A link_netnsid that is not the declared parent namespace's id: the parent is somewhere else."""
    snaps = root_with_parent()
    snaps['net1'] = snapshot([loopback(), macvlan('eth0', 3, parent=2, link_netnsid=0)], netns='net1',
                             peer_nsids=peer_nsids)
    view = link_view(KINDS['macvlan'], snaps['net1'].links['eth0'], snaps['net1'], snaps, None)
    assert (view['parent'], view['parent_netns']) == (None, '(another namespace)')


def test_link_view_parent_namespace_not_read():
    snap = snapshot([loopback(), macvlan('eth0', 3, parent=2, link_netnsid=0)], netns='net1', peer_nsids={'host1': 0})
    view = link_view(KINDS['macvlan'], snap.links['eth0'], snap, {'net1': snap}, 'host1')
    assert (view['parent'], view['parent_netns']) == (None, 'host1')


def test_link_view_keeps_a_declared_link_local_address():
    snaps = root_with_parent(macvlan(), addresses=[address(10, 'fe80::1/64'), address(10, 'fe80::2/64')])
    view = link_view(KINDS['macvlan'], snaps[None].links['mv0'], snaps[None], snaps, None, ('fe80::1/64',))
    assert view['addresses'] == ['fe80::1/64']


# ---------------------------------------------------------------- create

def test_create_plan_with_addresses():
    spec = macvlan_spec(addresses=['198.18.0.20/24', '2001:db8::20/64'], mtu=1400)
    plan = plan_link(spec, root_with_parent())
    assert plan.before is None
    assert plan.changed is True
    assert actions(plan) == ['create', 'add address', 'add address']
    assert plan.changes[0].after == spec.view()
    assert [c.after for c in plan.changes[1:]] == ['198.18.0.20/24', '2001:db8::20/64']
    assert all(c.attribute == 'addresses' for c in plan.changes[1:])
    assert plan.warnings == []


def test_create_plan_without_addresses_is_one_step():
    assert actions(plan_link(macvlan_spec(), root_with_parent())) == ['create']


def test_create_into_another_namespace():
    """The link is looked up in its own namespace; the parent in parent_netns."""
    snaps = root_with_parent(macvlan('eth0x', 10))
    snaps['net1'] = snapshot([loopback()], netns='net1')
    plan = plan_link(macvlan_spec(name='eth0', netns='net1'), snaps)
    assert actions(plan) == ['create']


def test_existing_name_in_another_namespace_is_not_this_link():
    snaps = root_with_parent(macvlan('mv0', 10))
    snaps['net1'] = snapshot([loopback()], netns='net1')
    assert actions(plan_link(macvlan_spec(netns='net1'), snaps)) == ['create']


# ---------------------------------------------------------------- no-op and in-place changes

def test_identical_link_is_a_noop():
    snaps = root_with_parent(macvlan(mtu=1400), addresses=[address(10, '198.18.0.20/24')])
    spec = macvlan_spec(mtu=1400, macaddress='02:00:5E:00:00:0A', addresses=['198.18.0.20/24'])
    plan = plan_link(spec, snaps)
    assert plan.changes == []
    assert plan.changed is False
    assert plan.before['index'] == 10


def test_unmanaged_attributes_are_left_alone():
    snaps = root_with_parent(macvlan(mtu=1234, mac='02:11:22:33:44:55'),
                             addresses=[address(10, '10.9.9.9/24')])
    assert plan_link(macvlan_spec(), snaps).changes == []


@pytest.mark.parametrize('params, current, expected', [
    ({'mode': 'private'}, {}, [('set mode', 'mode', 'bridge', 'private')]),
    ({'mode': 'bridge'}, {'mode': 4}, []),
    ({'mode': 'bridge'}, {'mode': 'vepa'}, [('set mode', 'mode', 'vepa', 'bridge')]),
    ({}, {'mode': None}, [('set mode', 'mode', 'vepa', 'bridge')]),  # kernel default vepa != our bridge
    ({'mtu': 1400}, {}, [('set mtu', 'mtu', 1500, 1400)]),
    ({'macaddress': '02:00:5e:00:00:0b'}, {}, [('set macaddress', 'macaddress', '02:00:5e:00:00:0a',
                                                '02:00:5e:00:00:0b')]),
    ({'admin_state': 'down'}, {}, [('set admin_state', 'admin_state', 'up', 'down')]),
    ({'admin_state': 'up'}, {'up': False}, [('set admin_state', 'admin_state', 'down', 'up')]),
    ({'mode': 'passthru', 'nopromisc': True}, {'mode': 'passthru', 'flags': 0},
     [('set nopromisc', 'nopromisc', False, True)]),
    ({'mode': 'passthru'}, {'mode': 8, 'flags': 1}, [('set nopromisc', 'nopromisc', True, False)]),
    ({'mode': 'source', 'source_macs': ['02:00:00:00:00:02']}, {'mode': 'source', 'source_macs': ['02:00:00:00:00:01']},
     [('set source_macs', 'source_macs', ('02:00:00:00:00:01',), ('02:00:00:00:00:02',))]),
    ({'mode': 'source'}, {'mode': 'source', 'source_macs': ['02:00:00:00:00:01']}, []),
])
def test_in_place_changes(params, current, expected):
    plan = plan_link(macvlan_spec(**params), root_with_parent(macvlan(**current)))
    assert steps(plan) == expected


def test_in_place_changes_come_in_a_stable_order():
    snaps = root_with_parent(macvlan(up=False), addresses=[address(10, '10.0.0.1/24')])
    spec = macvlan_spec(mode='private', mtu=1400, macaddress='02:00:00:00:00:99', addresses=['10.0.0.2/24'])
    assert [(c.action, c.before, c.after) for c in plan_link(spec, snaps).changes] == [
        ('set mode', 'bridge', 'private'),
        ('set mtu', 1500, 1400),
        ('set macaddress', '02:00:5e:00:00:0a', '02:00:00:00:00:99'),
        ('add address', None, '10.0.0.2/24'),     # adds before removes: with promote_secondaries the
        ('remove address', '10.0.0.1/24', None),  # subnet never goes without an address
        ('set admin_state', 'down', 'up'),
    ]


# ---------------------------------------------------------------- addresses: the exact set

@pytest.mark.parametrize('have, want, removed, added', [
    (['10.0.0.1/24'], ['10.0.0.1/24'], [], []),
    ([], ['10.0.0.1/24'], [], ['10.0.0.1/24']),
    (['10.0.0.1/24', '10.0.0.2/24'], ['10.0.0.2/24'], ['10.0.0.1/24'], []),
    (['10.0.0.1/24'], ['10.0.0.1/25'], ['10.0.0.1/24'], ['10.0.0.1/25']),  # same ip, other prefix
    (['10.0.0.1/24', '2001:db8::1/64'], [], ['10.0.0.1/24', '2001:db8::1/64'], []),  # [] removes all
    (['10.0.0.1/32'], ['10.0.0.1'], [], []),  # bare address means /32
    (['2001:db8::1/128'], ['2001:DB8::1'], [], []),
    (['2001:db8::1/64', 'fe80::1/64'], ['2001:db8::1/64'], [], []),  # kernel's link-local ignored
    (['fe80::1/64'], [], [], []),
    (['fe80::1/64'], ['fe80::1/64'], [], []),  # declared link-local: kept, not re-added
    (['fe80::1/64', 'fe80::ff:fe00:a/64'], ['fe80::1/64'], [], []),  # the kernel's own still ignored
    ([], ['fe80::1/64'], [], ['fe80::1/64']),
    (['10.0.0.1/24', '10.0.0.2/24'], ['10.0.0.3/24'], ['10.0.0.1/24', '10.0.0.2/24'], ['10.0.0.3/24']),
])
def test_addresses_are_an_exact_set(have, want, removed, added):
    snaps = root_with_parent(macvlan(), addresses=[address(10, a) for a in have])
    plan = plan_link(macvlan_spec(addresses=want), snaps)
    assert [c.before for c in plan.changes if c.action == 'remove address'] == removed
    assert [c.after for c in plan.changes if c.action == 'add address'] == added
    assert all(c.attribute == 'addresses' for c in plan.changes)


def test_addresses_not_given_are_not_managed():
    snaps = root_with_parent(macvlan(), addresses=[address(10, '10.0.0.1/24')])
    assert plan_link(macvlan_spec(addresses=None), snaps).changes == []


def test_declared_link_local_address_is_idempotent():
    snaps = root_with_parent(macvlan(), addresses=[address(10, 'fe80::1/64')])
    assert plan_link(macvlan_spec(addresses=['fe80::1/64']), snaps).changes == []


# ---------------------------------------------------------------- what cannot change in place

def test_parent_change_needs_recreate():
    snaps = root_with_parent(ethernet('eth1', 3), macvlan(parent=3))
    with pytest.raises(ValidationError) as exc:
        plan_link(macvlan_spec(parent='eth0'), snaps)
    assert exc.value.message.startswith(
        "parent: the kernel cannot move a macvlan to another parent (eth1 in the root namespace -> eth0 in "
        "the root namespace); set recreate: true to delete and re-create 'mv0'")
    assert (exc.value.field, exc.value.value) == ('parent', 'eth0')


def test_parent_change_with_recreate():
    snaps = root_with_parent(ethernet('eth1', 3), macvlan(parent=3), addresses=[address(10, '10.0.0.1/24')])
    plan = plan_link(macvlan_spec(parent='eth0', recreate=True, addresses=['10.0.0.1/24']), snaps)
    assert steps(plan) == [('recreate', 'parent', None, None), ('add address', 'addresses', None, '10.0.0.1/24')]
    assert 'cannot move a macvlan to another parent (eth1' in plan.changes[0].reason
    assert plan.before['parent'] == 'eth1'


def three_namespaces(c1_peer_nsids):
    """root and host1 each with an eth0 at index 2; c1's macvlan 'c1' sits on the one its nsid 0 names."""
    snaps = root_with_parent()
    snaps['host1'] = snapshot([loopback(), ethernet()], netns='host1')
    snaps['c1'] = snapshot([loopback(), macvlan('c1', 3, parent=2, link_netnsid=0)], netns='c1',
                           peer_nsids=c1_peer_nsids)
    return snaps


@pytest.mark.parametrize('c1_peer_nsids', [{'host1': 1}, {'host1': -1}, {}], ids=['other-id', 'unassigned', 'not-asked'])
def test_parent_namespace_change_needs_recreate(c1_peer_nsids):
    """The parent is eth0 of the root namespace (nsid 0), the spec says eth0 of host1: same name, same index."""
    snaps = three_namespaces(c1_peer_nsids)
    spec = macvlan_spec(name='c1', netns='c1', parent_netns='host1')
    with pytest.raises(ValidationError) as exc:
        plan_link(spec, snaps)
    assert exc.value.message.startswith('parent: the kernel cannot move a macvlan to another parent (')
    assert "-> eth0 in namespace 'host1'); set recreate: true to delete and re-create 'c1'" in exc.value.message
    assert (exc.value.field, exc.value.value) == ('parent', 'eth0')
    plan = plan_link(macvlan_spec(name='c1', netns='c1', parent_netns='host1', recreate=True), snaps)
    assert steps(plan) == [('recreate', 'parent', None, None)]


def test_parent_namespace_unchanged_is_a_noop():
    snaps = three_namespaces({'host1': 0})
    plan = plan_link(macvlan_spec(name='c1', netns='c1', parent_netns='host1'), snaps)
    assert plan.changes == []
    assert (plan.before['parent'], plan.before['parent_netns']) == ('eth0', 'host1')


def test_parent_namespace_change_names_where_the_parent_is():
    snaps = three_namespaces({'host1': 1, None: 0})
    with pytest.raises(ValidationError) as exc:
        plan_link(macvlan_spec(name='c1', netns='c1', parent_netns='host1'), snaps)
    assert "(eth0 in the root namespace -> eth0 in namespace 'host1')" in exc.value.message


@pytest.mark.parametrize('current, desired', [('bridge', 'passthru'), ('passthru', 'private')])
def test_passthru_in_or_out_needs_recreate(current, desired):
    snaps = root_with_parent(macvlan(mode=current))
    with pytest.raises(ValidationError) as exc:
        plan_link(macvlan_spec(mode=desired), snaps)
    assert exc.value.message.startswith('mode: a macvlan cannot switch between passthru and other modes in place '
                                        '(%s -> %s); set recreate: true' % (current, desired))
    assert (exc.value.field, exc.value.value) == ('mode', desired)
    plan = plan_link(macvlan_spec(mode=desired, recreate=True), snaps)
    assert steps(plan) == [('recreate', 'mode', None, None)]


def test_parent_and_mode_together_in_one_recreate():
    snaps = root_with_parent(ethernet('eth1', 3), macvlan(parent=3, mode='bridge'))
    plan = plan_link(macvlan_spec(mode='passthru', recreate=True), snaps)
    assert steps(plan) == [('recreate', 'parent, mode', None, None)]
    assert 'another parent' in plan.changes[0].reason and 'passthru' in plan.changes[0].reason


def test_recreate_flag_alone_changes_nothing():
    assert plan_link(macvlan_spec(recreate=True), root_with_parent(macvlan())).changes == []


def test_recreate_keeps_unmanaged_addresses():
    snaps = root_with_parent(ethernet('eth1', 3), macvlan(parent=3), addresses=[
        address(10, '10.0.0.1/24'), address(10, 'fe80::ff:fe00:a/64')])
    plan = plan_link(macvlan_spec(parent='eth0', recreate=True), snaps)
    # the kernel's own link-local address is not re-added: the new link gets its own
    assert [c.after for c in plan.changes if c.action == 'add address'] == ['10.0.0.1/24']


def test_recreate_with_declared_addresses_adds_only_those():
    snaps = root_with_parent(ethernet('eth1', 3), macvlan(parent=3), addresses=[address(10, '10.0.0.1/24')])
    plan = plan_link(macvlan_spec(parent='eth0', recreate=True, addresses=['10.0.0.2/24']), snaps)
    assert [c.after for c in plan.changes if c.action == 'add address'] == ['10.0.0.2/24']
    plan = plan_link(macvlan_spec(parent='eth0', recreate=True, addresses=[]), snaps)
    assert actions(plan) == ['recreate']


# ---------------------------------------------------------------- refusals

@pytest.mark.parametrize('existing, kind_words', [
    (ipvlan('mv0', 10), 'as a ipvlan link, not a macvlan'),
    (link('mv0', 10, kind='vlan', parent=2), 'as a vlan link, not a macvlan'),
    (link('mv0', 10), 'as a plain link, not a macvlan'),
])
@pytest.mark.parametrize('state', ['present', 'absent'])
def test_existing_link_of_another_kind_is_refused(existing, kind_words, state):
    with pytest.raises(ValidationError) as exc:
        plan_link(macvlan_spec(state=state), root_with_parent(existing))
    assert exc.value.message.startswith("name: 'mv0' in the root namespace already exists %s" % kind_words)
    assert 'remove it or choose another name' in exc.value.message
    assert (exc.value.field, exc.value.value) == ('name', 'mv0')


def test_missing_parent_is_an_error():
    snaps = {None: snapshot([loopback()]), 'host1': snapshot([loopback()], netns='host1')}
    with pytest.raises(ValidationError) as exc:
        plan_link(macvlan_spec(parent='eth9', parent_netns='host1'), snaps)
    assert exc.value.message == ("parent: 'eth9' does not exist in namespace 'host1'; create it first, or set "
                                 "parent_netns to the namespace it lives in")
    assert (exc.value.field, exc.value.value) == ('parent', 'eth9')


def test_missing_parent_in_root_namespace_words():
    with pytest.raises(ValidationError) as exc:
        plan_link(macvlan_spec(parent='eth9'), root_with_parent())
    assert "'eth9' does not exist in the root namespace" in exc.value.message


def test_missing_parent_is_a_warning_in_check_mode():
    plan = plan_link(macvlan_spec(parent='eth9'), root_with_parent(), check_mode=True)
    assert actions(plan) == ['create']
    assert plan.warnings == ["parent 'eth9' does not exist yet; check mode assumes an earlier task creates it"]


def test_missing_namespaces_are_warnings_in_check_mode():
    spec = macvlan_spec(name='c1', netns='c1', parent_netns='host1')
    plan = plan_link(spec, {None: snapshot([loopback()])}, missing_namespaces={'c1', 'host1'}, check_mode=True)
    assert actions(plan) == ['create']
    assert plan.warnings == [
        "netns 'c1' does not exist yet; check mode assumes an earlier task creates it",
        "parent_netns 'host1' does not exist yet; check mode assumes an earlier task creates it"]


def test_link_cannot_be_its_own_parent():
    snaps = root_with_parent(macvlan('self0', 11))
    with pytest.raises(ValidationError) as exc:
        plan_link(macvlan_spec(name='self0', parent='self0'), snaps)
    assert exc.value.message == "parent: 'self0' is the link itself; give the lower device"


# ---------------------------------------------------------------- absent

def test_absent_deletes_an_existing_link():
    snaps = root_with_parent(macvlan())
    plan = plan_link(macvlan_spec(state='absent', parent=None), snaps)
    assert steps(plan) == [('delete', None, None, None)]
    assert plan.before['name'] == 'mv0'
    assert plan.predicted_after() is None


@pytest.mark.parametrize('snaps', [root_with_parent(), {}], ids=['no-link', 'no-namespace-snapshot'])
def test_absent_without_link_is_nothing(snaps):
    plan = plan_link(macvlan_spec(state='absent', parent=None, netns='gone'), snaps)
    assert plan.changes == [] and plan.changed is False and plan.before is None


def test_absent_does_not_need_the_parent():
    plan = plan_link(macvlan_spec(state='absent', parent='eth9'), root_with_parent(macvlan()))
    assert actions(plan) == ['delete']


# ---------------------------------------------------------------- duplicates

def test_duplicate_declarations_are_refused():
    specs = [macvlan_spec(name='eth0', netns='net1'), macvlan_spec(name='mv0'),
             macvlan_spec(name='eth0', netns='net1', mode='private')]
    with pytest.raises(ValidationError) as exc:
        engine._check_unique(specs)  # pylint: disable=protected-access
    assert exc.value.message == "links: 'eth0' in namespace 'net1' is declared twice; declare each link once"
    assert (exc.value.field, exc.value.value) == ('name', 'eth0')


def test_same_name_in_different_namespaces_is_fine():
    specs = [macvlan_spec(name='eth0', netns='net1'), macvlan_spec(name='eth0', netns='net2'),
             macvlan_spec(name='eth0x')]
    assert engine._check_unique(specs) is None  # pylint: disable=protected-access


# ---------------------------------------------------------------- LinkPlan and Change

def test_predicted_after_of_a_create_is_the_desired_view():
    spec = macvlan_spec(addresses=['10.0.0.1/24'])
    assert plan_link(spec, root_with_parent()).predicted_after() == spec.view()


def test_predicted_after_overlays_desired_on_current():
    snaps = root_with_parent(macvlan(mtu=9000), addresses=[address(10, '10.0.0.1/24')])
    after = plan_link(macvlan_spec(mode='private', mtu=1400), snaps).predicted_after()
    assert 'index' not in after
    assert (after['mode'], after['mtu'], after['addresses'], after['macaddress']) == (
        'private', 1400, ['10.0.0.1/24'], '02:00:5e:00:00:0a')


def test_predicted_after_does_not_touch_before():
    snaps = root_with_parent(macvlan())
    plan = plan_link(macvlan_spec(mode='private'), snaps)
    plan.predicted_after()
    assert plan.before['mode'] == 'bridge' and plan.before['index'] == 10


def test_linkplan_defaults():
    plan = LinkPlan(macvlan_spec(), None, [])
    assert (plan.changed, plan.warnings) == (False, [])
    assert LinkPlan(macvlan_spec(), None, [Change('create')]).changed is True


@pytest.mark.parametrize('change, expected', [
    (Change('create'), {'action': 'create'}),
    (Change('set mtu', 'mtu', 1500, 1400), {'action': 'set mtu', 'attribute': 'mtu', 'before': 1500, 'after': 1400}),
    (Change('set admin_state', 'admin_state', 'up', 'down'),
     {'action': 'set admin_state', 'attribute': 'admin_state', 'before': 'up', 'after': 'down'}),
    (Change('set nopromisc', 'nopromisc', False, True),
     {'action': 'set nopromisc', 'attribute': 'nopromisc', 'before': False, 'after': True}),
    (Change('set source_macs', 'source_macs', ('02:00:00:00:00:01',), ()),
     {'action': 'set source_macs', 'attribute': 'source_macs', 'before': ['02:00:00:00:00:01'], 'after': []}),
    (Change('recreate', 'parent', reason='why'), {'action': 'recreate', 'attribute': 'parent', 'reason': 'why'}),
])
def test_change_as_dict(change, expected):
    spec = macvlan_spec(name='eth0', netns='net1')
    assert change.as_dict(spec) == dict(expected, kind='macvlan', name='eth0', netns='net1')


def test_snapshot_from_a_socket():
    class Sock:
        netns = 'net1'

        @staticmethod
        def links():
            return [ethernet()]

        @staticmethod
        def addresses():
            return [address(2, '10.0.0.1/8')]

        @staticmethod
        def nsid_of(netns):
            return {None: 0, 'host1': -1}[netns]

    snap = Snapshot.read(Sock())
    assert (snap.netns, list(snap.links), snap.addresses, snap.peer_nsids) == (
        'net1', ['eth0'], {2: ['10.0.0.1/8']}, {})
    snap = Snapshot.read(Sock(), peers=['net1', None, 'host1'])  # its own namespace is not a peer
    assert snap.peer_nsids == {None: 0, 'host1': -1}


def test_parent_mac_is_reported_for_ipvlan_children():
    # sanity of the fakes the EBUSY tests rely on: ipvlan ports share the parent's MAC
    assert ipvlan()['macaddress'] == PARENT_MAC


# ---------------------------------------------------------------- IPv6 settings and proxy entries of a link

def shim_spec(**extra):
    spec = macvlan_spec('sh0')
    spec.ipv6_conf = {'forwarding': 1, 'proxy_ndp': 1}
    spec.proxies = ('2001:db8::45', '2001:db8::46')
    for key, value in extra.items():
        setattr(spec, key, value)
    return spec


def test_a_new_link_gets_its_ipv6_settings_and_proxy_entries_once_it_exists():
    plan = plan_link(shim_spec(), root_with_parent())
    assert steps(plan)[1:] == [
        ('set ipv6 forwarding', 'ipv6_conf', None, 1), ('set ipv6 proxy_ndp', 'ipv6_conf', None, 1),
        ('add proxy', 'proxies', None, '2001:db8::45'), ('add proxy', 'proxies', None, '2001:db8::46')]
    assert plan.changes[1].details == {'setting': 'forwarding'}
    assert all(attribute in engine.FOLLOWUP_ATTRIBUTES for attribute in ('ipv6_conf', 'proxies'))


def test_settings_and_proxy_entries_are_compared_with_what_the_kernel_has():
    current = with_ipv6_conf(macvlan('sh0'), forwarding=1)
    snap = Snapshot(None, [loopback(), ethernet(), current], [], proxies=[
        {'index': 10, 'address': '2001:db8::45'}, {'index': 10, 'address': '2001:db8::99'}])
    plan = plan_link(shim_spec(), {None: snap})
    assert steps(plan) == [('set ipv6 proxy_ndp', 'ipv6_conf', 0, 1), ('remove proxy', 'proxies', '2001:db8::99', None),
                           ('add proxy', 'proxies', None, '2001:db8::46')]
    assert plan.before['ipv6_conf'] == {'forwarding': 1, 'proxy_ndp': 0}
    assert plan.before['proxies'] == ['2001:db8::45', '2001:db8::99']
    settled = Snapshot(None, [loopback(), ethernet(), with_ipv6_conf(current, forwarding=1, proxy_ndp=1)], [], proxies=[
        {'index': 10, 'address': '2001:db8::46'}, {'index': 10, 'address': '2001:db8::45'}])
    assert plan_link(shim_spec(), {None: settled}).changes == []


def test_unmanaged_settings_and_proxies_are_neither_read_nor_shown():
    snap = Snapshot(None, [loopback(), ethernet(), macvlan('sh0')], [], proxies=[{'index': 10, 'address': '2001:db8::1'}])
    plan = plan_link(macvlan_spec('sh0'), {None: snap})
    assert plan.changes == [] and 'ipv6_conf' not in plan.before and 'proxies' not in plan.before


def test_a_rollback_puts_the_settings_and_proxy_entries_back():
    current = with_ipv6_conf(macvlan('sh0'))
    snap = Snapshot(None, [loopback(), ethernet(), current], [], proxies=[{'index': 10, 'address': '2001:db8::99'}])
    restore = engine._restore_spec(plan_link(shim_spec(), {None: snap}))
    assert restore.ipv6_conf == {'forwarding': 0, 'proxy_ndp': 0} and restore.proxies == ('2001:db8::99',)
    # IPv6 off on a link that is to answer (no settings to read): refused before anything changes, naming it
    ipv6_off = Snapshot(None, [loopback(), ethernet(), macvlan('sh0')], [], proxies=[])
    with pytest.raises(ValidationError) as exc:
        plan_link(shim_spec(), {None: ipv6_off})
    assert exc.value.message.startswith("ipv6_conf: IPv6 is off on macvlan 'sh0' in the root namespace")
    assert (exc.value.field, exc.value.value) == ('ipv6_conf', 'sh0')
    # one that keeps no settings of ours has nothing to write back
    assert engine._restore_spec(plan_link(macvlan_spec('sh0'), {None: ipv6_off})).ipv6_conf is None
