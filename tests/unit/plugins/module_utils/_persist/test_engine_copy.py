# Copyright: (c) 2026, underlay.network contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""The engine's copy for the boot replay: what _persist/replay.py imports, whatever else the writing module imported."""

from ansible_collections.underlay.network.plugins.module_utils._persist import engine
from ansible_collections.underlay.network.tests.unit.plugins.module_utils.test_layers import imports_of, modules

PREFIX = 'ansible_collections/underlay/network/plugins/module_utils/'


def replay_closure():
    """'package.module' of every module_utils module _persist/replay.py imports, followed through (at any depth)."""
    found, todo = set(), [('_persist', 'replay')]
    while todo:
        here = todo.pop()
        if here not in found:
            found.add(here)
            todo.extend(imports_of(modules()[here]))
    return sorted('%s.%s' % pair for pair in found)


def test_the_listed_modules_are_what_the_replay_imports():
    assert sorted(engine.REPLAY_MODULES) == replay_closure()


def test_the_copy_holds_those_modules_whatever_else_was_imported():
    before = engine.engine_sources()
    # what underlay_host and the doctor import beside the engine
    from ansible_collections.underlay.network.plugins.module_utils._site import host  # noqa: F401 pylint: disable=unused-import
    from ansible_collections.underlay.network.plugins.module_utils._doctor import examine  # noqa: F401 pylint: disable=unused-import
    after = engine.engine_sources()
    ours = sorted(path[len(PREFIX):] for path in after if path.startswith(PREFIX) and not path.endswith('__init__.py'))
    assert ours == sorted(name.replace('.', '/') + '.py' for name in engine.REPLAY_MODULES)
    assert {path: text for path, text in after.items() if path.startswith(PREFIX)} == \
        {path: text for path, text in before.items() if path.startswith(PREFIX)}
    with open(modules()[('_networks', 'docker')], encoding='utf-8') as handle:
        assert after[PREFIX + '_networks/docker.py'] == handle.read()
    assert after['ansible/__init__.py'] == '' and any(path.startswith('ansible/module_utils/') for path in after)
