# Copyright: (c) 2026, underlay.network contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""The layers of plugins/module_utils and the one rule between them: imports run one way, downwards.

A package may import from the packages listed before it (and from itself), never from one after it;
the modules inside a package import each other without cycles. docs/engine.md shows the same picture.
"""

import ast
import os

import pytest

MODULE_UTILS = os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', '..', '..', '..', 'plugins',
                            'module_utils')
PREFIX = 'ansible_collections.underlay.network.plugins.module_utils.'

# lowest first; each may import only from those before it
LAYERS = ['_common', '_kernel', '_benchmark', '_links', '_reconcile', '_networks', '_host', '_doctor', '_persist', '_site']


def modules():
    """{(package, module): path} of every module in the layered packages."""
    found = {}
    for package in sorted(os.listdir(MODULE_UTILS)):
        folder = os.path.join(MODULE_UTILS, package)
        if not os.path.isdir(folder) or package == '__pycache__':
            continue
        for name in sorted(os.listdir(folder)):
            if name.endswith('.py'):
                found[(package, name[:-3])] = os.path.join(folder, name)
    return found


def imports_of(path):
    """(package, module) of every module_utils module the file imports, at any depth (also inside functions)."""
    targets = set()
    for node in ast.walk(ast.parse(open(path).read())):
        names = []
        if isinstance(node, ast.ImportFrom) and node.module:
            names = [node.module] + ['%s.%s' % (node.module, alias.name) for alias in node.names]
        elif isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        for name in names:
            if name.startswith(PREFIX):
                parts = name[len(PREFIX):].split('.')
                if len(parts) >= 2 and (parts[0], parts[1]) in modules():
                    targets.add((parts[0], parts[1]))
    return targets


def test_every_package_is_a_known_layer_and_nothing_sits_loose():
    packages = sorted(set(package for package, _module in modules()))
    assert packages == sorted(LAYERS), 'a new package needs its place in LAYERS (and in docs/engine.md)'
    loose = [name for name in os.listdir(MODULE_UTILS) if name.endswith('.py') and name != '__init__.py']
    assert not loose, 'every module_utils module lives in a layer package: %s' % loose


@pytest.mark.parametrize('package,module', sorted(modules()))
def test_imports_run_downwards(package, module):
    rank = LAYERS.index(package)
    upward = sorted('%s.%s' % target for target in imports_of(modules()[(package, module)])
                    if LAYERS.index(target[0]) > rank)
    assert not upward, '%s.%s imports from a higher layer: %s' % (package, module, ', '.join(upward))


def test_no_import_cycles_inside_a_package():
    graph = {key: [target for target in imports_of(path) if target[0] == key[0] and target != key]
             for key, path in modules().items()}
    state = {}

    def visit(node, trail):
        if state.get(node) == 'done':
            return
        assert state.get(node) != 'open', 'import cycle: %s' % ' -> '.join('%s.%s' % n for n in trail + [node])
        state[node] = 'open'
        for target in graph[node]:
            visit(target, trail + [node])
        state[node] = 'done'

    for node in graph:
        visit(node, [])


def test_the_rule_is_enforced_by_this_test():
    """The checker itself finds an upward import (so a green run means something)."""
    path = modules()[('_reconcile', 'plan')]
    assert ('_common', 'change') in imports_of(path) and ('_kernel', 'netlink') in imports_of(path)
    assert LAYERS.index('_persist') > LAYERS.index('_host') > LAYERS.index('_reconcile')
