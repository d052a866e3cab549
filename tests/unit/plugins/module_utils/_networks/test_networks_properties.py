# Copyright: (c) 2026, underlay.network contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Property-based: random network definitions, values of every type in every field.

Whatever comes in, normalise_networks either accepts it (and then the result is consistent) or
refuses it with a NetworkError that names the network and the field - never another exception.
"""


import ipaddress

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ansible_collections.underlay.network.plugins.module_utils._common.errors import ValidationError
from ansible_collections.underlay.network.plugins.module_utils._networks.definitions import normalise_networks
from ansible_collections.underlay.network.plugins.module_utils._networks.options import FIELDS, SUBNET_FIELDS, NetworkError


# plausible values (so that many definitions get far into the checks) mixed with anything at all
ADDRESSES = st.sampled_from(['198.18.240.1', '198.18.255.254', '198.18.248.10', '198.18.0.1', '2001:db8::1',
                             '2001:db8:1::fe', '198.18.240.0', '198.18.255.255', '198.18.248.254/32', 'host'])
NETWORKS = st.sampled_from(['198.18.240.0/20', '198.18.248.0/22', '198.18.240.1/20', '2001:db8:1::/64',
                            '2001:db8:1::1:0/112', '198.18.240.0/30', '198.18.0.0/24', 'lan'])
ANYTHING = st.one_of(st.none(), st.booleans(), st.integers(-5, 5000), st.text(max_size=12),
                     st.floats(allow_nan=False), st.lists(st.integers(0, 3), max_size=2),
                     st.dictionaries(st.text(max_size=4), st.integers(0, 2), max_size=2))
PLAUSIBLE = {
    'name': st.one_of(st.sampled_from(['mynet', 'v10', ' spaced ', 'x' * 20]), ANYTHING),
    'driver': st.one_of(st.sampled_from(['macvlan', 'ipvlan', 'bridge']), ANYTHING),
    'parent': st.one_of(st.sampled_from(['eth0', 'enp0s31f6np0', 'eth 0', 'a' * 16]), ANYTHING),
    'vlan_id': st.one_of(st.integers(-1, 5000), st.sampled_from(['10', 'ten']), ANYTHING),
    'subnet': st.one_of(NETWORKS, ANYTHING),
    'gateway': st.one_of(ADDRESSES, ANYTHING),
    'ip_range': st.one_of(NETWORKS, ANYTHING),
    'shim_address': st.one_of(ADDRESSES, ANYTHING),
    'shim_address_reserved': st.one_of(st.booleans(), ANYTHING),
    'shim_name': st.one_of(st.sampled_from(['mynet-shim', 'eth0', 'x' * 16]), ANYTHING),
    'mode': st.one_of(st.sampled_from(['bridge', 'vepa', 'private', 'l2', 'l3', 'inherit']), ANYTHING),
    'metric': st.one_of(st.integers(-1, 2 ** 33), ANYTHING),
    'verify_targets': st.one_of(st.lists(ADDRESSES, max_size=3), ANYTHING),
    'docker': st.one_of(st.none(), st.just({}), st.fixed_dictionaries({}, optional={
        'name': st.one_of(st.sampled_from(['mynet', 'bad name']), ANYTHING),
        'create': st.one_of(st.booleans(), ANYTHING)}), ANYTHING),
}
SUBNET = st.fixed_dictionaries({}, optional={field: PLAUSIBLE[field] for field in SUBNET_FIELDS})
PLAUSIBLE['subnets'] = st.one_of(st.lists(st.one_of(SUBNET, ANYTHING), max_size=3), ANYTHING)
FIELD_NAMES = st.one_of(st.sampled_from(sorted(PLAUSIBLE)), st.sampled_from(['iprange', 'Shim-Name', 'vlan']))
DEFINITION = st.one_of(
    st.fixed_dictionaries({'name': st.sampled_from(['mynet', 'other'])},
                          optional={field: value for field, value in PLAUSIBLE.items() if field != 'name'}),
    st.dictionaries(FIELD_NAMES, ANYTHING, max_size=6),
    ANYTHING)


def _where(raw, index):
    name = raw.get('name') if isinstance(raw, dict) else None
    if isinstance(name, str) and name.strip():
        return name.strip()
    return index


@settings(max_examples=600, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(DEFINITION, min_size=1, max_size=3))
def test_any_definitions_are_accepted_or_refused_naming_network_and_field(raw_networks):
    try:
        result = normalise_networks(raw_networks)
    except NetworkError as exc:
        assert exc.network in [_where(raw, i) for i, raw in enumerate(raw_networks)], exc.message
        where = "network '%s': " % exc.network if isinstance(exc.network, str) else 'networks[%d]: ' % exc.network
        assert exc.message.startswith(where), exc.message
        if exc.field is not None:
            leaf = exc.field.split('.')[-1].split('[')[0]
            assert leaf in exc.message or exc.field in exc.message, exc.message
        else:  # only a definition that is not a dictionary at all has no field to name
            assert 'must be a dictionary' in exc.message, exc.message
        return
    except ValidationError as exc:  # pragma: no cover - would be a refusal without the network
        raise AssertionError('refused without naming the network: %s' % exc.message)

    # accepted: every network is complete and consistent
    assert len(result['networks']) == len(raw_networks)
    for net in result['networks']:
        assert set(FIELDS) <= set(net)
        for item in net['subnets']:
            subnet = ipaddress.ip_network(item['subnet'])
            assert ipaddress.ip_network(item['ip_range']).subnet_of(subnet)
            assert ipaddress.ip_address(item['shim_address']) in subnet
        tagged = '%s.%s' % (net['parent'], net['vlan_id'])
        assert net['link_parent'] == (net['parent'] if net['vlan_id'] is None else tagged)
    assert len({shim['name'] for shim in result['shims']}) == len(result['shims'])


@settings(max_examples=200, deadline=None)
@given(st.integers(1, 4094), st.sampled_from(['macvlan', 'ipvlan']), st.integers(0, 2))
def test_valid_definitions_always_pass_and_round_trip(vlan_id, driver, extra_subnets):
    subnets = [{'subnet': '198.18.%d.0/24' % (16 + i), 'ip_range': '198.18.%d.0/25' % (16 + i),
                'shim_address': '198.18.%d.254' % (16 + i)} for i in range(1 + extra_subnets)]
    subnets.append({'subnet': '2001:db8:%x::/64' % vlan_id, 'ip_range': '2001:db8:%x::/120' % vlan_id,
                    'shim_address': '2001:db8:%x::1:1' % vlan_id})
    raw = {'name': 'n', 'driver': driver, 'parent': 'eth0', 'vlan_id': vlan_id, 'subnets': subnets}
    first = normalise_networks([raw])
    net = first['networks'][0]
    assert [item['shim_address'] for item in net['subnets']] == [item['shim_address'] for item in subnets]
    assert first['shims'][0]['routes'] == [item['ip_range'] for item in subnets]
    # a normalised definition is a valid definition of the same network
    again = {key: net[key] for key in ('name', 'driver', 'parent', 'vlan_id', 'shim_name', 'metric')}
    again['subnets'] = net['subnets']
    assert normalise_networks([again])['networks'][0] == net
