# Copyright: (c) 2026, underlay.network contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Make `ansible_collections.underlay.network` importable under plain pytest, as under ansible-test units.

`ansible-test units` already puts the collection on sys.path. Plain pytest does not: the
repository root is the collection root, so we add the tree that holds an
`ansible_collections/underlay/network` pointing at it: `.venv/collections` (made by
scripts/bootstrap), or the real parent when the checkout itself sits at such a path.
"""


import os
import sys

import pytest

REPO_ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def _collections_path():
    candidates = [os.path.join(REPO_ROOT, '.venv', 'collections')]
    parts = REPO_ROOT.split(os.sep)
    if parts[-3:-2] == ['ansible_collections']:
        candidates.insert(0, os.sep.join(parts[:-3]) or os.sep)
    for path in candidates:
        if os.path.isdir(os.path.join(path, 'ansible_collections', 'underlay', 'network', 'plugins')):
            return path
    return None


_PATH = _collections_path()
if _PATH is not None and _PATH not in sys.path:
    sys.path.insert(0, _PATH)


def _install_collection_loader():
    """Ansible's collection loader, as ansible-test units installs it before any test imports: plugins
    loaded by name (connection_loader.get('underlay.network.netns')) need the collection's metadata."""
    from ansible.utils.collection_loader import AnsibleCollectionConfig
    if AnsibleCollectionConfig.collection_finder is None and _PATH is not None:
        from ansible.plugins.loader import init_plugin_loader
        init_plugin_loader([_PATH])


_install_collection_loader()


@pytest.fixture
def kernel(monkeypatch):
    """A fake kernel: root namespace with lo and eth0 (index 2), plus an empty named namespace net1."""
    from ansible_collections.underlay.network.tests.unit.fakes import FakeKernel, address, ethernet, loopback
    fake = FakeKernel({
        None: ([loopback(), ethernet()], [address(2, '192.0.2.10/24')]),
        'net1': ([loopback()], []),
    })
    fake.patch(monkeypatch)
    return fake
