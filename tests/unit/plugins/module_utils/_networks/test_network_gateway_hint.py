# Copyright: (c) 2026, underlay.network contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""A gateway inside the container range: the refusal says how an engine network made by hand got there."""

import pytest

from ansible_collections.underlay.network.plugins.module_utils._networks.definitions import normalise_networks
from ansible_collections.underlay.network.plugins.module_utils._networks.options import NetworkError


def test_a_docker_network_made_without_a_gateway_is_refused_with_how_to_make_it_again():
    docker = {'made': {'driver': 'macvlan', 'parent': 'eth0', 'options': {}, 'labels': {}, 'containers': [],
                       'subnets': [{'subnet': '198.18.50.0/24', 'gateway': '198.18.50.1', 'ip_range': '198.18.50.0/28',
                                    'aux_addresses': {'host': '198.18.50.254'}}]}}
    with pytest.raises(NetworkError, match=r'contains the gateway 198\.18\.50\.1.*Docker gives a network made without '
                                           r'--gateway the first address of --ip-range'):
        normalise_networks([{'name': 'made', 'parent': 'eth0', 'docker': {'name': 'made', 'create': False}}],
                           docker_views=docker)


def test_a_plain_definition_is_told_to_narrow_its_range_only():
    with pytest.raises(NetworkError) as raised:
        normalise_networks([{'name': 'plain', 'parent': 'eth0', 'subnet': '198.18.50.0/24', 'gateway': '198.18.50.1',
                             'ip_range': '198.18.50.0/28', 'shim_address': '198.18.50.254'}])
    assert 'Narrow ip_range' in str(raised.value) and '--gateway' not in str(raised.value)
