# Copyright: (c) 2026, underlay.network contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""The engine backend on a host with NetworkManager: a conf.d drop-in keeps NetworkManager off our VLANs and shims
(seen on NetworkManager 1.42: an assumed macvlan lost its addresses and routes on `nmcli networking off`)."""

from __future__ import annotations

import os
from types import SimpleNamespace

from ansible_collections.underlay.network.plugins.module_utils._networks.definitions import normalise_networks
from ansible_collections.underlay.network.plugins.module_utils._persist.converge import Persistence

DROP_IN = 'etc/NetworkManager/conf.d/60-underlay-network.conf'
NETWORKS = [
    dict(name='web', parent='eth0', subnet='198.18.40.0/24', ip_range='198.18.40.0/28', shim_address='198.18.40.254'),
    dict(name='db', driver='ipvlan', parent='eth0', vlan_id=20, subnet='198.18.41.0/24', ip_range='198.18.41.0/28',
         shim_address='198.18.41.254', mode='l2'),
]


def converge(root, backend, state='present'):
    host = SimpleNamespace(netns=None, derived=normalise_networks(NETWORKS), params={}, sysctls={}, proxy_ndp={},
                           unmarked_vlans=set())
    return Persistence(backend, None, str(root), state, python='/usr/bin/python3').converge(host, False)


def files(root):
    return sorted(os.path.relpath(os.path.join(top, name), str(root)) for top, _dirs, names in os.walk(str(root))
                  for name in names)


def test_the_engine_lists_its_links_as_unmanaged_where_networkmanager_is(tmp_path):
    (tmp_path / 'etc/NetworkManager/conf.d').mkdir(parents=True)
    result = converge(tmp_path, 'engine')
    assert '/' + DROP_IN in [change['name'] for change in result['changes']]
    text = (tmp_path / DROP_IN).read_text()
    assert text.startswith('# Written by underlay.network (host_networks, persist: engine)')
    assert '[keyfile]\nunmanaged-devices+=interface-name:db-shim;interface-name:eth0.20;interface-name:web-shim\n' in text
    assert converge(tmp_path, 'engine')['changes'] == []

    converge(tmp_path, 'engine', state='absent')
    assert files(tmp_path) == [] and (tmp_path / 'etc/NetworkManager/conf.d').is_dir(), \
        'the drop-in goes with the engine; conf.d is the system\'s and stays'


def test_no_drop_in_without_networkmanager(tmp_path):
    converge(tmp_path, 'engine')
    assert not (tmp_path / 'etc/NetworkManager').exists()
