# Copyright: (c) 2026, underlay.network contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""A shim as a desired link: which shims answer for the host's own IPv6 addresses, and for which addresses."""

import pytest

from ansible_collections.underlay.network.plugins.module_utils._host.shim import ShimSpec
from ansible_collections.underlay.network.plugins.module_utils._kernel import netlink
from ansible_collections.underlay.network.plugins.module_utils._reconcile.read import Snapshot
from ansible_collections.underlay.network.tests.unit.fakes import address, ethernet, loopback

# eth0 (index 2) carries the host's own addresses: IPv4, a stable IPv6, a privacy address and one whose DAD failed
HOST_ADDRESSES = [address(2, '198.18.61.45/24'), address(2, '2001:db8:61::45/64'),
                  dict(address(2, '2001:db8:61:0:aa:bb:cc:dd/64'), flags=netlink.IFA_F_TEMPORARY),
                  dict(address(2, '2001:db8:61::99/64'), flags=netlink.IFA_F_DADFAILED),
                  address(2, 'fe80::1/64', scope=253)]


def snapshot():
    return Snapshot(None, [loopback(), ethernet()], HOST_ADDRESSES, routes=[])


def shim(kind='macvlan', mode=None, addresses=('198.18.61.254', '2001:db8:61::1:fe'), **extra):
    return ShimSpec(dict(name='mv0-shim', parent='eth0', kind=kind, mode=mode, addresses=list(addresses),
                         routes=['198.18.61.0/28'] + (['2001:db8:61::/120'] if any(':' in a for a in addresses) else []),
                         **extra))


@pytest.mark.parametrize('kind, mode', [('macvlan', None), ('macvlan', 'vepa'), ('ipvlan', 'l2')])
def test_a_dual_stack_shim_answers_for_the_parents_stable_ipv6_addresses(kind, mode):
    spec = shim(kind, mode).link_spec(snapshot())
    assert spec.ipv6_conf == {'proxy_ndp': 1, 'forwarding': 1}
    assert spec.proxies == ('2001:db8:61::45',), 'no privacy address, no failed one, no link-local'


@pytest.mark.parametrize('kind, mode, addresses', [
    ('ipvlan', 'l3', ('198.18.61.254', '2001:db8:61::1:fe')),  # routed: no neighbour discovery to answer
    ('ipvlan', 'l3s', ('198.18.61.254', '2001:db8:61::1:fe')),
    ('macvlan', None, ('198.18.61.254',)),  # no IPv6 network: nothing to answer for
])
def test_other_shims_keep_no_settings_and_no_entries(kind, mode, addresses):
    spec = shim(kind, mode, addresses).link_spec(snapshot())
    assert spec.ipv6_conf is None and spec.proxies == (), 'an entry left from before is removed'


def test_a_boot_replay_also_answers_for_what_the_last_run_answered_for():
    spec = shim(remembered_proxies=['2001:db8:61::45', '2001:db8:61::46']).link_spec(snapshot())
    assert spec.proxies == ('2001:db8:61::45', '2001:db8:61::46')
    gone = Snapshot(None, [loopback(), ethernet()], [], routes=[])  # the network stack has not put it back yet
    assert shim(remembered_proxies=['2001:db8:61::45']).link_spec(gone).proxies == ('2001:db8:61::45',)
