# Copyright: (c) 2026, underlay.network contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""CNI configurations and Podman networks as sources of a definition: what each says, and what is refused."""
import json

import pytest

from ansible_collections.underlay.network.plugins.module_utils._networks.cni import cni_views, source_of
from ansible_collections.underlay.network.plugins.module_utils._networks.definitions import normalise_networks
from ansible_collections.underlay.network.plugins.module_utils._networks.options import NetworkError
from ansible_collections.underlay.network.plugins.module_utils._networks.podman import (
    create_args, network_view, podman_source)


def macvlan(ipam, **plugin):
    return dict({'cniVersion': '1.0.0', 'name': 'pods', 'type': 'macvlan', 'master': 'eth0', 'ipam': ipam}, **plugin)


def derived(raw, config):
    raw = dict(raw, name='pods', cni={'config': config})
    return normalise_networks([raw], cni_views=cni_views([raw]))['networks'][0]


def test_host_local_ranges_become_subnets_with_the_smallest_prefix_that_holds_each_range():
    config = macvlan({'type': 'host-local', 'ranges': [
        [{'subnet': '198.18.10.0/24', 'rangeStart': '198.18.10.128', 'rangeEnd': '198.18.10.191',
          'gateway': '198.18.10.1'}],
        [{'subnet': '2001:db8:10::/64', 'rangeStart': '2001:db8:10::100', 'rangeEnd': '2001:db8:10::1ff'}]]})
    net = derived({'subnets': [{'subnet': '198.18.10.0/24', 'shim_address': '198.18.10.254'},
                               {'subnet': '2001:db8:10::/64', 'shim_address': '2001:db8:10::fe'}]}, config)
    assert (net['driver'], net['parent'], net['mode']) == ('macvlan', 'eth0', 'bridge')
    assert [(s['subnet'], s['gateway'], s['ip_range']) for s in net['subnets']] == [
        ('198.18.10.0/24', '198.18.10.1', '198.18.10.128/26'), ('2001:db8:10::/64', None, '2001:db8:10::100/120')]
    assert net['cni'] == {'config': config} and net['shim_address_reserved'] is False


def test_the_older_host_local_form_a_json_string_and_a_network_attachment_definition_say_the_same():
    config = macvlan({'type': 'host-local', 'subnet': '198.18.11.0/24', 'rangeStart': '198.18.11.64',
                      'rangeEnd': '198.18.11.127', 'gateway': '198.18.11.1'}, mode='vepa')
    nad = {'apiVersion': 'k8s.cni.cncf.io/v1', 'kind': 'NetworkAttachmentDefinition',
           'metadata': {'name': 'pods'}, 'spec': {'config': json.dumps(config)}}
    shim = {'shim_address': '198.18.11.254'}
    nets = [derived(shim, given) for given in (config, json.dumps(config), nad)]
    assert [{k: v for k, v in net.items() if k != 'cni'} for net in nets] == [
        {k: v for k, v in nets[0].items() if k != 'cni'}] * 3
    assert (nets[0]['ip_range'], nets[0]['mode']) == ('198.18.11.64/26', 'vepa')


def test_whereabouts_trims_excluded_blocks_at_the_ends_and_static_addresses_make_a_range():
    wb = derived({'shim_address': '198.18.12.10'}, macvlan({
        'type': 'whereabouts', 'range': '198.18.12.0/24', 'range_start': '198.18.12.0',
        'range_end': '198.18.12.255', 'exclude': ['198.18.12.0/25'], 'gateway': '198.18.12.1'}))
    assert wb['ip_range'] == '198.18.12.128/25'
    static = derived({'shim_address': '198.18.13.254'}, dict(macvlan({'type': 'static', 'addresses': [
        {'address': '198.18.13.10/24', 'gateway': '198.18.13.1'}]}), type='ipvlan', mode='l3'))
    assert (static['driver'], static['mode'], static['ip_range'], static['gateway']) == (
        'ipvlan', 'l3', '198.18.13.10/32', '198.18.13.1')


def test_ipvlan_takes_the_plugin_default_mode_l2():
    net = derived({'shim_address': '198.18.14.254'}, dict(macvlan({
        'type': 'host-local', 'subnet': '198.18.14.0/24', 'rangeStart': '198.18.14.128',
        'rangeEnd': '198.18.14.191'}), type='ipvlan'))
    assert (net['driver'], net['mode']) == ('ipvlan', 'l2')


@pytest.mark.parametrize('config, words', [
    (dict(macvlan({'type': 'host-local', 'subnet': '198.18.15.0/24'}), type='bridge'),
     ["type 'bridge' is not macvlan or ipvlan"]),
    ({'cniVersion': '1.0.0', 'name': 'p', 'plugins': [macvlan({'type': 'host-local', 'subnet': '198.18.15.0/24',
                                                               'rangeStart': '198.18.15.128',
                                                               'rangeEnd': '198.18.15.255'}),
                                                      {'type': 'mystery'}]},
     ["plugins[1].type 'mystery'", 'tuning']),
    (macvlan({'type': 'dhcp'}), ["ipam.type 'dhcp' is not an IPAM this collection reads"]),
    (macvlan({'type': 'host-local', 'subnet': '198.18.15.0/24'}),
     ['ipam.rangeStart and rangeEnd are not both set', '198.18.15.128/25']),
    (macvlan({'type': 'host-local', 'subnet': '198.18.15.0/24', 'rangeStart': '198.18.15.1',
              'rangeEnd': '198.18.15.100', 'gateway': '198.18.15.1'}),
     ['needs the route 198.18.15.0/25', 'holds the gateway 198.18.15.1']),
    ({'kind': 'NetworkAttachmentDefinition', 'spec': {}}, ['spec.config is empty', 'cni.file']),
    ('{"name": ', ['cni.config is not JSON']),
])
def test_what_cannot_be_read_is_refused_naming_the_field_and_the_fix(config, words):
    with pytest.raises(NetworkError) as caught:
        derived({'shim_address': '198.18.15.254'}, config)
    assert caught.value.field == 'cni'
    for word in words:
        assert word in caught.value.message, caught.value.message


def test_a_shim_address_inside_a_cni_range_is_refused_and_reservation_cannot_be_claimed():
    config = macvlan({'type': 'host-local', 'subnet': '198.18.16.0/24', 'rangeStart': '198.18.16.128',
                      'rangeEnd': '198.18.16.255'})
    for extra in ({}, {'shim_address_reserved': True}):
        with pytest.raises(NetworkError) as caught:
            derived(dict({'shim_address': '198.18.16.200'}, **extra), config)
        assert 'CNI IPAM reserves nothing' in caught.value.message


def test_a_file_source_names_the_file_when_it_cannot_be_read(tmp_path):
    with pytest.raises(NetworkError) as caught:
        source_of('pods', {'file': str(tmp_path / 'nope.conflist')})
    assert 'nope.conflist cannot be read' in caught.value.message and caught.value.field == 'cni'
    bad = tmp_path / 'bad.conf'
    bad.write_text('not json')
    with pytest.raises(NetworkError) as caught:
        source_of('pods', {'file': str(bad)})
    assert str(bad) in caught.value.message and 'is not JSON' in caught.value.message


def test_cni_and_an_engine_together_or_both_cni_keys_are_refused():
    with pytest.raises(NetworkError, match='a network comes from one source'):
        normalise_networks([{'name': 'x', 'docker': {}, 'cni': {'file': '/etc/cni/net.d/x.conf'}}])
    with pytest.raises(NetworkError, match='exactly one of file'):
        normalise_networks([{'name': 'x', 'cni': {'file': '/a', 'config': '{}'}}])


# ---------------------------------------------------------------- Podman

PODMAN_NETWORK = {
    'name': 'pods', 'id': 'abc', 'driver': 'macvlan', 'network_interface': 'eth0',
    'subnets': [{'subnet': '198.18.20.0/24', 'gateway': '198.18.20.1',
                 'lease_range': {'start_ip': '198.18.20.129', 'end_ip': '198.18.20.255'}},
                {'subnet': '2001:db8:20::/64', 'gateway': '2001:db8:20::1'}],
    'ipv6_enabled': True, 'labels': {'underlay.network.managed': 'true'}}


def test_a_podman_network_view_reads_the_lease_range_back_as_the_prefix_it_was_made_from():
    view = network_view(PODMAN_NETWORK)
    assert view['managed'] and view['mode'] == 'bridge' and view['parent'] == 'eth0'
    assert [item['ip_range'] for item in view['subnets']] == ['198.18.20.128/25', None]


def test_a_podman_network_completes_a_definition_but_keeps_no_address_for_the_host():
    view = dict(network_view(PODMAN_NETWORK), containers=[])
    raw = {'name': 'pods', 'podman': {}, 'shim_address': '198.18.20.100'}
    with pytest.raises(NetworkError, match='has 2 subnets'):
        normalise_networks([raw], podman_views={'pods': view})
    one = dict(PODMAN_NETWORK, subnets=PODMAN_NETWORK['subnets'][:1])
    with pytest.raises(NetworkError, match='Podman cannot reserve'):
        normalise_networks([dict(raw, shim_address='198.18.20.200')], podman_views={'pods': network_view(one)})
    net = normalise_networks([raw], podman_views={'pods': network_view(one)})
    assert net['podman_networks'] == [{'network': 'pods', 'name': 'pods', 'exists': True, 'params': {'name': 'pods'}}]
    assert podman_source(network_view(one))['reserved_shim'] is False


def test_podman_create_arguments_pair_every_subnet_with_its_gateway_and_range():
    args = create_args({'name': 'pods', 'driver': 'macvlan', 'parent': 'eth0.10', 'mode': 'bridge', 'subnets': [
        {'subnet': '198.18.21.0/24', 'gateway': '198.18.21.1', 'ip_range': '198.18.21.128/25'},
        {'subnet': '2001:db8:21::/64', 'gateway': '2001:db8:21::1', 'ip_range': '2001:db8:21::100/120'}]})
    assert args == ['network', 'create', '--driver', 'macvlan', '--opt', 'parent=eth0.10', '--opt', 'mode=bridge',
                    '--subnet', '198.18.21.0/24', '--gateway', '198.18.21.1', '--ip-range', '198.18.21.128/25',
                    '--subnet', '2001:db8:21::/64', '--gateway', '2001:db8:21::1', '--ip-range',
                    '2001:db8:21::100/120', '--ipv6', '--label', 'underlay.network.managed=true', 'pods']


def test_a_missing_podman_network_of_a_driver_this_podman_lacks_is_refused_with_why():
    raw = {'name': 'ipv', 'driver': 'ipvlan', 'parent': 'eth0', 'subnet': '198.18.22.0/24',
           'ip_range': '198.18.22.128/25', 'shim_address': '198.18.22.100', 'podman': {}}
    with pytest.raises(NetworkError, match='has no ipvlan networks') as caught:
        normalise_networks([raw], podman_views={'ipv': None},
                           podman_lacks={'ipvlan': 'this Podman (4.3.1, netavark 1.4.0) has no ipvlan networks'})
    assert caught.value.field == 'driver'


def test_listed_subnets_are_matched_to_the_sources_by_value_not_by_position():
    view = network_view(dict(PODMAN_NETWORK, subnets=[
        {'subnet': '198.18.24.0/24', 'gateway': '198.18.24.1',
         'lease_range': {'start_ip': '198.18.24.129', 'end_ip': '198.18.24.191'}},
        {'subnet': '198.18.23.0/24', 'gateway': '198.18.23.1',
         'lease_range': {'start_ip': '198.18.23.129', 'end_ip': '198.18.23.191'}}]))
    subnets = [{'subnet': '198.18.23.0/24', 'shim_address': '198.18.23.254'},
               {'subnet': '198.18.24.0/24', 'shim_address': '198.18.24.254'}]
    raw = {'name': 'pods', 'podman': {}, 'subnets': subnets}
    net = normalise_networks([raw], podman_views={'pods': view})['networks'][0]
    assert [(s['subnet'], s['gateway'], s['ip_range'], s['shim_address']) for s in net['subnets']] == [
        ('198.18.23.0/24', '198.18.23.1', '198.18.23.128/26', '198.18.23.254'),
        ('198.18.24.0/24', '198.18.24.1', '198.18.24.128/26', '198.18.24.254')]
    with pytest.raises(NetworkError, match='differs from Podman network'):
        normalise_networks([dict(raw, subnets=[raw['subnets'][0], dict(raw['subnets'][1], subnet='198.18.25.0/24')])],
                           podman_views={'pods': view})


@pytest.mark.parametrize('engine', ['docker', 'podman'])
def test_an_engine_network_is_made_with_a_gateway_outside_its_range_and_not_the_shims(engine):
    """Left to itself Docker takes the range's first address as the gateway, which the host would then route
    through its shim (and the next run would refuse): the role names one."""
    raw = {'name': 'n', 'parent': 'eth0', engine: {}, 'subnets': [
        {'subnet': '198.18.26.0/24', 'ip_range': '198.18.26.0/25', 'shim_address': '198.18.26.254'},
        {'subnet': '198.18.27.0/24', 'ip_range': '198.18.27.128/25', 'shim_address': '198.18.27.1'}]}
    made = normalise_networks([raw], **{'%s_views' % engine: {'n': None}})['%s_networks' % engine][0]
    assert [item['gateway'] for item in made['params']['subnets']] == ['198.18.26.128', '198.18.27.2']
