# Copyright: (c) 2026, underlay.network contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""_common.vocabulary is said once and the rest agrees with it: its own tables, the kernel drivers, every
module's documented choices and defaults against its real argument spec, and the roles' argument specs."""


import importlib
import os

import pytest
import yaml

from ansible_collections.underlay.network.plugins.module_utils._common import vocabulary as words
from ansible_collections.underlay.network.plugins.module_utils._links import drivers
from ansible_collections.underlay.network.plugins.module_utils._networks import network as one_network
from ansible_collections.underlay.network.plugins.module_utils._networks.definitions import normalise_networks


ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), '..', '..', '..', '..', '..'))
MODULES = sorted(name[:-3] for name in os.listdir(os.path.join(ROOT, 'plugins', 'modules'))
                 if name.endswith('.py') and name != '__init__.py')
PREFIX = 'ansible_collections.underlay.network.plugins.'


# ---------------------------------------------------------------- the tables themselves

@pytest.mark.parametrize('table, default', [
    (words.MACVLAN_MODES, words.DEFAULT_MODES['macvlan']),
    (words.IPVLAN_MODES, words.DEFAULT_MODES['ipvlan']),
    (words.IPVLAN_FLAGS, words.DEFAULT_IPVLAN_FLAG),
    (words.VLAN_PROTOCOLS, words.DEFAULT_VLAN_PROTOCOL),
])
def test_each_table_lists_its_default_first_and_numbers_each_name_once(table, default):
    assert next(iter(table)) == default
    assert len(set(table.values())) == len(table)


def test_the_derived_words_stay_inside_the_tables():
    assert set(words.MODES) == set(words.NETWORK_DRIVERS) == set(words.DEFAULT_MODES)
    assert words.DEFAULT_DRIVER in words.NETWORK_DRIVERS
    for driver in words.NETWORK_DRIVERS:
        assert set(words.NETWORK_MODES[driver]) <= set(words.MODES[driver])
        assert set(words.DOCKER_MODES[driver]) <= set(words.MODES[driver])
        assert words.DEFAULT_MODES[driver] in words.NETWORK_MODES[driver]
    assert words.DOCKER_MODES == {'macvlan': ('bridge', 'vepa', 'private', 'passthru'), 'ipvlan': ('l2', 'l3', 'l3s')}
    assert words.INHERIT_MODE not in words.mode_choices(*words.NETWORK_DRIVERS)
    assert words.mode_choices('macvlan', 'ipvlan') == list(words.MACVLAN_MODES) + list(words.IPVLAN_MODES)


def test_a_shim_refuses_exactly_the_macvlan_modes_it_cannot_reach_containers_in():
    assert set(one_network._MACVLAN_UNREACHABLE) == set(words.MACVLAN_MODES) - set(words.NETWORK_MODES['macvlan'])


def test_every_kind_the_collection_names_has_its_kernel_module():
    assert set(words.PORT_KINDS) | set(words.NETWORK_DRIVERS) | {'vlan'} <= set(words.KERNEL_MODULES)
    for name, driver in drivers.KERNEL_DRIVERS.items():
        assert driver.module == name == words.KERNEL_MODULES[driver.kind]
    assert drivers.ALIASES == {'vlan': '8021q'}
    assert drivers.canonical('vlan') == drivers.canonical('8021q') == '8021q'


def test_what_the_networks_need_is_what_kernel_drivers_knows():
    net = dict(name='n', driver='ipvlan', mode='l3s', parent='eth0', vlan_id=10, subnet='198.18.240.0/20',
               ip_range='198.18.248.0/22', shim_address='198.18.255.254')
    result = normalise_networks([net])
    assert result['drivers'] == ['ipvlan', '8021q'] and set(result['drivers']) <= set(drivers.KERNEL_DRIVERS)
    assert result['features'] and set(result['features']) <= set(drivers.FEATURES)


# ---------------------------------------------------------------- modules: documented against the real argument spec

def _fragment(name):
    """The options of a doc fragment of this collection ('underlay.network.link', 'underlay.network.link.ATTRIBUTES')."""
    parts = name.split('.')
    assert parts[:2] == ['underlay', 'network'], 'a fragment of another collection: %s' % name
    fragment = importlib.import_module(PREFIX + 'doc_fragments.' + parts[2]).ModuleDocFragment
    return yaml.safe_load(getattr(fragment, parts[3].upper() if len(parts) > 3 else 'DOCUMENTATION')).get('options') or {}


def documented_options(module):
    """The module's options as ansible-doc shows them: each fragment's options, the module's own on top (per option)."""
    doc = yaml.safe_load(module.DOCUMENTATION)
    options = {}
    for name in doc.get('extends_documentation_fragment') or ():
        options.update(_fragment(name))
    for name, option in (doc.get('options') or {}).items():
        options[name] = dict(options.get(name) or {}, **option)
    return options


def argument_spec(module, monkeypatch):
    """The argument spec the module's main() hands to run_module (nothing runs)."""
    captured = {}

    def fake_run_module(spec, *_args, **_kwargs):
        captured.update(spec)

    monkeypatch.setattr(module, 'run_module', fake_run_module)
    module.main()
    assert captured, '%s.main() did not call run_module' % module.__name__
    return captured


def mismatches(spec, docs, where=''):
    """Options whose documented choices or default differ from the argument spec's (choices in any order)."""
    found = []
    for name in sorted(set(spec) | set(docs)):
        option, doc = spec.get(name), docs.get(name)
        if option is None or doc is None:
            found.append('%s%s: %s' % (where, name, 'not documented' if doc is None else 'not in the argument spec'))
            continue
        choices, documented = option.get('choices'), doc.get('choices')
        if (choices is None) != (documented is None) or sorted(map(str, choices or ())) != sorted(map(str, documented or ())):
            found.append('%s%s choices: argument spec %s, docs %s' % (where, name, choices, documented))
        if documented is not None and len(set(map(str, documented))) != len(documented):
            found.append('%s%s choices: docs list one twice: %s' % (where, name, documented))
        if option.get('default') != doc.get('default'):
            found.append('%s%s default: argument spec %r, docs %r' % (where, name, option.get('default'), doc.get('default')))
        if option.get('options'):
            found.extend(mismatches(option['options'], doc.get('suboptions') or {}, '%s%s.' % (where, name)))
    return found


@pytest.mark.parametrize('name', MODULES)
def test_documented_choices_and_defaults_are_the_argument_specs(name, monkeypatch):
    module = importlib.import_module(PREFIX + 'modules.' + name)
    assert mismatches(argument_spec(module, monkeypatch), documented_options(module)) == []


def test_the_comparison_sees_a_difference(monkeypatch):
    module = importlib.import_module(PREFIX + 'modules.macvlan_link')
    docs = documented_options(module)
    docs['mode'] = dict(docs['mode'], choices=['bridge', 'vepa'], default='vepa')
    del docs['nopromisc']
    assert mismatches(argument_spec(module, monkeypatch), docs) == [
        "mode choices: argument spec ['bridge', 'vepa', 'private', 'passthru', 'source'], docs ['bridge', 'vepa']",
        "mode default: argument spec 'bridge', docs 'vepa'",
        'nopromisc: not documented']


# ---------------------------------------------------------------- roles' argument specs

def role_options(role):
    with open(os.path.join(ROOT, 'roles', role, 'meta', 'argument_specs.yml')) as handle:
        return yaml.safe_load(handle)['argument_specs']['main']['options']


def test_kernel_modules_takes_the_drivers_and_features_kernel_drivers_knows():
    options = role_options('kernel_modules')
    assert sorted(options['kernel_modules_drivers']['choices']) == sorted(drivers.DRIVER_CHOICES)
    assert sorted(options['kernel_modules_features']['choices']) == sorted(drivers.FEATURES)


def test_host_reachability_talks_to_dockers_default_socket():
    assert role_options('host_reachability')['host_reachability_docker_host']['default'] == words.DOCKER_HOST


def test_benchmark_topologies_are_dockers_bridge_or_a_driver_in_one_of_its_modes():
    topologies = role_options('benchmark')['benchmark_topologies']['choices']
    assert 'bridge' in topologies  # the baseline: Docker's own bridge network
    for topology in topologies:
        if topology != 'bridge':
            driver, _sep, mode = topology.partition('_')
            assert driver in words.NETWORK_DRIVERS and mode in words.MODES[driver], topology
