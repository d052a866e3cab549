# Copyright: (c) 2026, underlay.network contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""One list of netperf tests and one of topologies, wherever YAML has to repeat them.

The tests are TESTS in module_utils/_benchmark/netperf.py; the modules' argument specs use it, and their
documentation and the benchmark role's argument specs and defaults must say the same. The topologies are
the keys of the role's catalog (roles/benchmark/vars/main.yml, which says what each one is); the role's
argument specs and defaults must offer exactly those, and the report's default baseline must be one.
"""

import os

import pytest
import yaml

from ansible_collections.underlay.network.plugins.module_utils._benchmark.netperf import TESTS
from ansible_collections.underlay.network.plugins.modules import benchmark_report, netperf

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', '..', '..', '..', '..')
ROLE = os.path.join(ROOT, 'roles', 'benchmark')


def load(*parts):
    with open(os.path.join(ROLE, *parts), encoding='utf-8') as data:
        return yaml.safe_load(data)


OPTIONS = load('meta', 'argument_specs.yml')['argument_specs']['main']['options']
DEFAULTS = load('defaults', 'main.yml')
CATALOG = load('vars', 'main.yml')['benchmark_catalog']


@pytest.mark.parametrize('module', [netperf, benchmark_report], ids=['netperf', 'benchmark_report'])
def test_the_modules_document_the_tests_they_accept(module):
    option = yaml.safe_load(module.DOCUMENTATION)['options']['tests']
    assert option['choices'] == TESTS and option['default'] == TESTS


def test_the_role_offers_the_same_tests_in_the_same_order():
    assert OPTIONS['benchmark_tests']['choices'] == TESTS
    assert OPTIONS['benchmark_tests']['default'] == TESTS
    assert DEFAULTS['benchmark_tests'] == TESTS


def test_the_role_offers_every_topology_of_its_catalog_and_no_other():
    assert OPTIONS['benchmark_topologies']['choices'] == list(CATALOG)
    assert OPTIONS['benchmark_topologies']['default'] == list(CATALOG)
    assert DEFAULTS['benchmark_topologies'] == list(CATALOG)


def test_the_reports_default_baseline_is_a_topology():
    baseline = yaml.safe_load(benchmark_report.DOCUMENTATION)['options']['baseline']['default']
    assert baseline in CATALOG and CATALOG[baseline]['driver'] is None  # the bridge every ratio is taken against


def test_every_default_of_the_role_is_declared_with_the_same_value():
    for name, value in DEFAULTS.items():
        assert name in OPTIONS, f'{name} in defaults/main.yml is not in meta/argument_specs.yml'
        assert OPTIONS[name].get('default') == value, name
