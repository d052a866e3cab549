# Copyright: (c) 2026, underlay.network contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""_spec: every field is validated and normalised before any socket is opened."""


import pytest

from ansible_collections.underlay.network.plugins.module_utils._common.errors import ValidationError
from ansible_collections.underlay.network.plugins.module_utils._links.spec import (
    LINK_ARGUMENT_SPEC, LinkSpec, build_spec, normalise_addresses)


# ---------------------------------------------------------------- addresses

@pytest.mark.parametrize('values, expected', [
    (None, None),
    ([], ()),
    (['198.18.0.10'], ('198.18.0.10/32',)),
    (['2001:db8::10'], ('2001:db8::10/128',)),
    (['198.18.248.10/20'], ('198.18.248.10/20',)),
    ([' 10.0.0.1/24 '], ('10.0.0.1/24',)),
    (['2001:DB8:0:0::A/64'], ('2001:db8::a/64',)),
    (['2001:db8::1/64', '198.18.0.10/24', '10.0.0.2/8', '10.0.0.1/8'],
     ('10.0.0.1/8', '10.0.0.2/8', '198.18.0.10/24', '2001:db8::1/64')),
    (['10.0.0.10/24', '10.0.0.9/24'], ('10.0.0.9/24', '10.0.0.10/24')),  # by address, not text
    (['169.254.1.1/16'], ('169.254.1.1/16',)),
])
def test_addresses_normalised_and_sorted(values, expected):
    assert normalise_addresses(values) == expected


@pytest.mark.parametrize('values, duplicate', [
    (['10.0.0.1/24', '10.0.0.1/25'], '10.0.0.1'),
    (['10.0.0.1', '10.0.0.1/32'], '10.0.0.1'),
    (['2001:db8::1/64', '2001:DB8::1/128'], '2001:db8::1'),
    (['10.0.0.1/24', '10.0.0.1/24'], '10.0.0.1'),
])
def test_addresses_listed_twice_rejected(values, duplicate):
    with pytest.raises(ValidationError) as exc:
        normalise_addresses(values)
    assert exc.value.message.startswith('addresses: %s is listed twice' % duplicate)
    assert 'list each address once' in exc.value.message
    assert exc.value.field == 'addresses'


@pytest.mark.parametrize('value', ['198.18.0.300/24', 'not-an-ip', '10.0.0.1/33', '2001:db8::1/129', '', None, 42,
                                   '10.0.0.1/24/1'])
def test_addresses_bad_text_rejected(value):
    with pytest.raises(ValidationError) as exc:
        normalise_addresses(['10.0.0.1/24', value])
    assert exc.value.message == ("addresses: '%s' is not an IP address with prefix; write it like "
                                 "198.18.0.10/24 or 2001:db8::10/64" % value)
    assert (exc.value.field, exc.value.value) == ('addresses', value)


@pytest.mark.parametrize('value', ['224.0.0.1/24', '239.1.1.1', 'ff02::1/64', '0.0.0.0/0', '::/0'])
def test_addresses_non_unicast_rejected(value):
    with pytest.raises(ValidationError) as exc:
        normalise_addresses([value])
    assert exc.value.message == "addresses: '%s' is not a unicast address; give a host address" % value


# ---------------------------------------------------------------- build_spec

def _module_params(**overrides):
    """params as AnsibleModule hands them over: every shared option present, defaults applied."""
    params = {key: value.get('default') for key, value in LINK_ARGUMENT_SPEC.items()}
    params.update(overrides)
    return params


@pytest.mark.parametrize('params', [
    {'name': 'mv0', 'parent': 'eth0'},
    _module_params(name='mv0', parent='eth0'),
], ids=['sparse', 'module-params'])
def test_build_spec_defaults(params):
    spec = build_spec('macvlan', params, {'mode': 'bridge'})
    assert isinstance(spec, LinkSpec)
    assert (spec.kind, spec.name, spec.parent) == ('macvlan', 'mv0', 'eth0')
    assert spec.state == 'present'
    assert spec.admin_state == 'up'
    assert spec.recreate is False
    assert spec.netns is None and spec.parent_netns is None
    assert spec.mtu is None and spec.macaddress is None and spec.addresses is None  # unmanaged
    assert spec.options == {'mode': 'bridge'}
    assert spec.identity == (None, 'mv0')


def test_build_spec_normalises_every_field():
    spec = build_spec('macvlan', _module_params(
        name='eth0', parent='eth0', netns='net1', parent_netns='', admin_state='down', mtu=1400,
        macaddress='02-00-5E-10-00-01', addresses=['2001:db8::10/64', '198.18.248.10'], recreate='yes'), {})
    assert spec.identity == ('net1', 'eth0')
    assert spec.parent_netns is None
    assert spec.admin_state == 'down'
    assert spec.mtu == 1400
    assert spec.macaddress == '02:00:5e:10:00:01'
    assert spec.addresses == ('198.18.248.10/32', '2001:db8::10/64')
    assert spec.recreate is True


def test_build_spec_default_name():
    spec = build_spec('vlan', {'parent': 'eth0'}, {'vlan_id': 10}, default_name='eth0.10')
    assert spec.name == 'eth0.10'
    assert build_spec('vlan', {'name': 'v10', 'parent': 'eth0'}, {}, default_name='eth0.10').name == 'v10'


@pytest.mark.parametrize('params, field, words', [
    ({'parent': 'eth0'}, 'name', ['name is required']),
    ({'name': 'mv0'}, 'parent', ['parent is required']),
    ({'name': 'mv0', 'parent': 'eth0', 'mtu': 10}, 'mtu', ['mtu 10 is out of range']),
    ({'name': 'mv0', 'parent': 'eth0', 'macaddress': '01:00:5e:00:00:01'}, 'macaddress', ['multicast']),
    ({'name': 'mv0', 'parent': 'eth0', 'addresses': ['10.0.0.256/24']}, 'addresses', ["'10.0.0.256/24'"]),
    ({'name': 'mv0', 'parent': 'eth0', 'netns': '/run/netns/x'}, 'netns', ['not a namespace name']),
    ({'name': 'mv0', 'parent': 'eth0 '}, 'parent', ['not a valid interface name']),
])
def test_build_spec_rejects_bad_fields(params, field, words):
    with pytest.raises(ValidationError) as exc:
        build_spec('macvlan', params, {})
    assert exc.value.field == field
    for word in words:
        assert word in exc.value.message


def test_build_spec_absent_needs_no_parent():
    spec = build_spec('macvlan', _module_params(name='mv0', state='absent'), {})
    assert spec.state == 'absent'
    assert spec.parent is None


def test_build_spec_absent_still_checks_a_given_parent():
    with pytest.raises(ValidationError) as exc:
        build_spec('macvlan', {'name': 'mv0', 'state': 'absent', 'parent': 'p' * 16}, {})
    assert exc.value.field == 'parent'


# ---------------------------------------------------------------- the views the diff shows

def test_view_leaves_unmanaged_attributes_out():
    spec = build_spec('macvlan', {'name': 'mv0', 'parent': 'eth0'},
                      {'mode': 'bridge', 'nopromisc': None, 'source_macs': None})
    assert spec.view() == {'kind': 'macvlan', 'name': 'mv0', 'netns': None, 'parent': 'eth0',
                           'parent_netns': None, 'admin_state': 'up', 'mode': 'bridge'}


def test_view_lists_managed_attributes_and_tuples_as_lists():
    spec = build_spec('macvlan', {'name': 'mv0', 'parent': 'eth0', 'mtu': 1400, 'addresses': [],
                                  'macaddress': '02:00:00:00:00:01'},
                      {'mode': 'source', 'source_macs': ('02:00:00:00:00:02',)})
    view = spec.view()
    assert view['mtu'] == 1400
    assert view['macaddress'] == '02:00:00:00:00:01'
    assert view['addresses'] == []
    assert view['source_macs'] == ['02:00:00:00:00:02']


def test_describe_is_what_error_translation_needs():
    spec = build_spec('macvlan', {'name': 'eth0', 'parent': 'eth0', 'netns': 'net1'}, {})
    assert spec.describe() == {'kind': 'macvlan', 'name': 'eth0', 'netns': 'net1', 'parent': 'eth0',
                               'parent_netns': None, 'macaddress': None}
