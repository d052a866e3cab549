# Copyright: (c) 2026, underlay.network contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""_networks.options: NETWORK_OPTIONS as documented, and coerce_network's check field by field (Ansible's
conversions, then choices, then the suboptions, then unknown keys), each refusal naming the field."""


import pytest
import yaml

from ansible_collections.underlay.network.plugins.doc_fragments.networks import ModuleDocFragment
from ansible_collections.underlay.network.plugins.module_utils._common.vocabulary import (
    INHERIT_MODE, IPVLAN_MODES, MACVLAN_MODES, NETWORK_DRIVERS)
from ansible_collections.underlay.network.plugins.module_utils._networks.options import (
    FIELDS, NETWORK_OPTIONS, SUBNET_FIELDS, NetworkError, coerce_network)


NET = dict(name='mynet', parent='eth0', subnet='198.18.240.0/20', gateway='198.18.240.1',
           ip_range='198.18.248.0/22', shim_address='198.18.255.254')


def documented():
    """The suboptions of `networks` as the doc fragment documents them."""
    return yaml.safe_load(ModuleDocFragment.DOCUMENTATION)['options']['networks']['suboptions']


def differences(spec, docs, where=''):
    """Every way the documented options differ from the argument spec (names, types, choices, defaults, ...)."""
    found = []
    if set(spec) != set(docs):
        found.append('%s options: spec has %s, docs have %s' % (where or 'top', sorted(spec), sorted(docs)))
    for name in sorted(set(spec) & set(docs)):
        option, doc = spec[name], docs[name]
        for key, missing in (('type', 'str'), ('choices', None), ('default', None), ('elements', None),
                             ('required', False)):
            if option.get(key, missing) != doc.get(key, missing):
                found.append('%s%s %s: spec %r, docs %r' % (where, name, key, option.get(key, missing), doc.get(key, missing)))
        if option.get('options') or doc.get('suboptions'):
            found.extend(differences(option.get('options') or {}, doc.get('suboptions') or {}, '%s%s.' % (where, name)))
    return found


def test_the_doc_fragment_documents_network_options_exactly():
    assert differences(NETWORK_OPTIONS, documented()) == []


def test_the_comparison_sees_a_difference():
    docs = documented()
    docs['mode'] = dict(docs['mode'], choices=['bridge'])
    del docs['docker']['suboptions']['create']
    assert differences(NETWORK_OPTIONS, docs) == [
        "docker. options: spec has ['create', 'name'], docs have ['name']",
        "mode choices: spec %r, docs ['bridge']" % NETWORK_OPTIONS['mode']['choices']]


def test_fields_and_choices_come_from_the_vocabulary():
    assert FIELDS == tuple(NETWORK_OPTIONS) and SUBNET_FIELDS == ('subnet', 'gateway', 'ip_range', 'shim_address')
    assert NETWORK_OPTIONS['driver']['choices'] == list(NETWORK_DRIVERS)
    assert NETWORK_OPTIONS['mode']['choices'] == list(MACVLAN_MODES) + list(IPVLAN_MODES) + [INHERIT_MODE]


# ---------------------------------------------------------------- conversions, as Ansible makes them

@pytest.mark.parametrize('extra, field, expected', [
    ({}, 'driver', 'macvlan'),
    ({}, 'verify_targets', []),
    ({}, 'docker', None),
    ({'vlan_id': '10'}, 'vlan_id', 10),
    ({'metric': '7'}, 'metric', 7),
    ({'shim_address_reserved': 'yes'}, 'shim_address_reserved', True),
    ({'verify_targets': '198.18.240.1,198.18.240.2'}, 'verify_targets', ['198.18.240.1', '198.18.240.2']),
    ({'docker': {}}, 'docker', {'name': None, 'create': True}),
    ({'docker': True}, 'docker', {'name': None, 'create': True}),
    ({'docker': 'name=other'}, 'docker', {'name': 'other', 'create': True}),
    ({'subnets': ['subnet=198.18.0.0/24']}, 'subnets',
     [{'subnet': '198.18.0.0/24', 'gateway': None, 'ip_range': None, 'shim_address': None}]),
    ({'name': ' mynet '}, 'name', 'mynet'),
])
def test_values_are_converted_and_defaults_filled_in(extra, field, expected):
    network = coerce_network(dict(NET, **extra))
    assert set(network) == set(FIELDS)
    assert network[field] == expected


def test_defaults_are_not_shared_between_definitions():
    coerce_network(NET)['verify_targets'].append('198.18.240.1')
    assert coerce_network(NET)['verify_targets'] == []


# ---------------------------------------------------------------- refusals, each naming its field

@pytest.mark.parametrize('extra, field, value, message', [
    ({'vlan_id': 'ten'}, 'vlan_id', 'ten', "vlan_id 'ten' is not a whole number; give a VLAN id from 1 to 4094"),
    ({'vlan_id': float('inf')}, 'vlan_id', float('inf'), 'vlan_id inf is not a whole number; give a VLAN id'),
    ({'subnets': 'x'}, 'subnets', 'x', "subnets 'x' is not a list; give a list of {subnet, gateway"),
    ({'subnets': [5]}, 'subnets', [5], 'subnets [5] is not a dictionary (in every entry); give a list of'),
    ({'subnets': [{'gateway': '198.18.0.1'}]}, 'subnets', [{'gateway': '198.18.0.1'}],
     'subnets: missing required arguments: subnet found in subnets; give it in every entry'),
    ({'subnets': [{'subnet': '198.18.0.0/24', 'zz': 1}]}, 'subnets', [{'subnet': '198.18.0.0/24', 'zz': 1}],
     "subnets: unknown key 'zz'; the keys are subnet, gateway, ip_range, shim_address"),
    ({'docker': {'create': 'maybe'}}, 'docker', 'maybe', "docker.create 'maybe' is not true or false; give true or false"),
    ({'docker': 'name=x,aux=1'}, 'docker', 'name=x,aux=1', "docker 'name=x,aux=1' is not a dictionary; give a dictionary"),
    ({'docker': {'aux': 1, 'zz': 2}}, 'docker', {'aux': 1, 'zz': 2}, "docker: unknown keys 'aux', 'zz'; the keys are name, create"),
    ({'mode': 'l4'}, 'mode', 'l4', "mode 'l4' is not supported; use bridge or vepa or private or passthru or source or l2 or "
                                   "l3 or l3s"),
    ({'ipRange': '198.18.0.0/24'}, 'ipRange', '198.18.0.0/24', "unknown field 'ipRange' (did you mean 'ip_range'?); the fields"),
    ({5: 'x', 'zz': 1}, 5, 'x', "unknown fields '5', 'zz'; the fields are name, driver"),
])
def test_a_wrong_field_is_named_with_its_value(extra, field, value, message):
    with pytest.raises(NetworkError) as exc:
        coerce_network({**NET, **extra})
    assert (exc.value.network, exc.value.field, exc.value.value) == ('mynet', field, value)
    assert exc.value.message.startswith("network 'mynet': " + message), exc.value.message


@pytest.mark.parametrize('extra, field', [
    ({'driver': 'bridge', 'vlan_id': 'ten'}, 'vlan_id'),  # types before choices
    ({'mode': 'l4', 'subnets': [{}]}, 'mode'),  # choices before the suboptions
    ({'subnets': [{}], 'docker': {'create': 'maybe'}}, 'subnets'),  # suboptions in the spec's order
    ({'iprange': 'x', 'docker': {'create': 'maybe'}}, 'docker'),  # unknown keys last
    ({'docker': {'zz': 1}, 'subnets': [{'subnet': 'a', 'zz': 1}]}, 'docker'),
])
def test_several_wrong_fields_are_reported_in_ansibles_order(extra, field):
    with pytest.raises(NetworkError) as exc:
        coerce_network(dict(NET, **extra))
    assert exc.value.field == field, exc.value.message
