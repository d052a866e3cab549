# Copyright: (c) 2026, underlay.network contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""_engine.describe_links (the link_info module) against the fake kernel: read only, filters, parents."""


from ansible_collections.underlay.network.plugins.module_utils._reconcile.read import describe_links
from ansible_collections.underlay.network.tests.unit.fakes import (
    PARENT_INDEX, address, ipvlan, link, macvlan, macvlan_data, vlan)


def test_reads_every_link_with_its_driver_options(kernel):
    kernel.namespaces[None]['links'] += [macvlan('lab-shim', 10), vlan('eth0.10', 30, vlan_id=10),
                                         ipvlan('ipv0', 20, parent=30, mode='l3', flags='private')]
    kernel.namespaces[None]['addresses'].append(address(10, '198.18.1.254/32'))
    links = describe_links()
    assert [item['name'] for item in links] == ['lo', 'eth0', 'lab-shim', 'ipv0', 'eth0.10']
    shim = links[2]
    assert (shim['kind'], shim['parent'], shim['mode']) == ('macvlan', 'eth0', 'bridge')
    assert shim['addresses'] == ['198.18.1.254/32']
    assert (links[3]['parent'], links[3]['mode'], links[3]['flag']) == ('eth0.10', 'l3', 'private')
    assert (links[4]['vlan_id'], links[4]['protocol']) == (10, '802.1Q')
    assert links[1]['kind'] is None and 'mode' not in links[1]
    assert kernel.calls == [], 'link_info must not change anything'


def test_filters_by_kind_and_name(kernel):
    kernel.namespaces[None]['links'] += [macvlan('a', 10), macvlan('b', 11), vlan('eth0.10', 30)]
    assert [item['name'] for item in describe_links(kinds=['macvlan', 'ipvlan'])] == ['a', 'b']
    assert [item['name'] for item in describe_links(kinds=['vlan'], names=['a', 'eth0.10'])] == ['eth0.10']
    assert describe_links(kinds=['ipvlan']) == []


def test_missing_namespace_is_none_not_an_error(kernel):
    assert describe_links('nowhere') is None
    assert 'nowhere' not in kernel.opened


def test_names_a_parent_in_the_root_namespace(kernel):
    kernel.nsids[('net1', None)] = 0
    kernel.namespaces['net1']['links'].append(
        link('eth0', 5, kind='macvlan', parent=PARENT_INDEX, link_netnsid=0, data=macvlan_data('bridge')))
    links = describe_links('net1', kinds=['macvlan'])
    assert [(item['name'], item['parent'], item['parent_netns'], item['mode']) for item in links] == [
        ('eth0', 'eth0', None, 'bridge')]


def test_macvtap_reads_like_macvlan(kernel):
    kernel.namespaces[None]['links'].append(link('tap0', 12, kind='macvtap', parent=PARENT_INDEX, data=macvlan_data('vepa')))
    assert [(item['kind'], item['mode']) for item in describe_links(kinds=['macvtap'])] == [('macvtap', 'vepa')]
