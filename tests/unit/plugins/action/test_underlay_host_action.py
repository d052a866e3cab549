# Copyright: (c) 2026, underlay.network contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""underlay_host's action reads the roles' argument specs when it is imported (in the controller's main process,
which every task's worker is forked from), and reads them as a safe YAML load does."""

import os

import yaml

from ansible_collections.underlay.network.plugins.action import underlay_host
from ansible_collections.underlay.network.plugins.module_utils._site.roles import ROLES


def spec(role):
    with open(os.path.join(underlay_host.COLLECTION, 'roles', role, 'meta', 'argument_specs.yml'), encoding='utf-8') as handle:
        return yaml.safe_load(handle)['argument_specs']['main']['options']


def test_the_specs_are_read_at_import_as_a_safe_load_reads_them():
    assert set(underlay_host._SPECS) == set(ROLES)
    for role in ROLES:
        assert underlay_host._SPECS[role] == spec(role)


def test_a_spec_not_read_yet_is_read_when_asked():
    kept = underlay_host._SPECS.pop('promisc')
    try:
        assert underlay_host.role_options('promisc') == kept
        assert 'promisc' in underlay_host._SPECS
    finally:
        underlay_host._SPECS['promisc'] = kept


def test_the_loader_is_a_safe_one():
    assert issubclass(underlay_host._LOADER, (yaml.SafeLoader, getattr(yaml, 'CSafeLoader', yaml.SafeLoader)))
