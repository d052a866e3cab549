# Copyright: (c) 2026, underlay.network contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Real-kernel tests: every object lives in throwaway namespaces named ul<run>-*, removed even on failure.

Each test declares the kernel features it needs with @pytest.mark.kernel("ipvlan", ...). Where the
running kernel lacks one, the test is skipped with the reason - unless --require-all-features is
given (the UML kernel lab passes it), where a missing feature is a failure, not a skip.
"""
import os

import pytest

from helpers import Lab, kernel_has, run_module, seed000_scene


def pytest_addoption(parser):
    parser.addoption('--require-all-features', action='store_true',
                     help='fail (not skip) tests whose kernel features are missing')


def pytest_configure(config):
    config.addinivalue_line('markers', 'kernel(*features): kernel link kinds the test needs')
    config.addinivalue_line('markers', 'fleet: the three-host lab fleet through ansible-playbook (about a minute); '
                            'scripts/test runs it once, with the default controller stack')
    config.addinivalue_line('markers', 'docker: a real Docker engine (dockerd started by the test); scripts/test runs it '
                            'once, with the default controller stack')
    config.addinivalue_line('markers', 'podman: a real rootful Podman (netavark) on a lab namespace; scripts/test runs it '
                            'once, in the host-kernel py311 stage')
    config.addinivalue_line('markers', 'once: a long real-kernel test of the engine itself (processes killed, many '
                            'runs); scripts/test runs it once, with the default controller stack')
    config.addinivalue_line('markers', 'awx: AWX-style jobs through ansible-runner on the lab fleet (scripts/test stage awx)')
    config.addinivalue_line('markers', 'ee: the execution environment build context (scripts/test stage ee)')
    config.addinivalue_line('markers', 'docs: the documentation site (scripts/test stage docs)')
    config.addinivalue_line('markers', 'host_kernel_flow: an ansible-playbook flow that needs only what the host kernel '
                            'has; the UML stage deselects it (each process start costs about a second there)')


def pytest_runtest_setup(item):
    for marker in item.iter_markers('kernel'):
        missing = [kind for kind in marker.args if not kernel_has(kind)]
        if missing:
            reason = 'kernel %s has no %s driver (runs in the UML kernel lab)' % (
                os.uname().release, ', '.join(missing))
            if item.config.getoption('--require-all-features'):
                pytest.fail('required kernel feature missing: ' + reason)
            pytest.skip(reason)


@pytest.fixture
def lab():
    lab = Lab()
    try:
        yield lab
    finally:
        lab.cleanup()


@pytest.fixture
def module():
    return run_module


@pytest.fixture
def host(lab):
    """A 'host' namespace with a veth pair standing in for its NIC (up0, its peer up1), and two container
    namespaces c1 and c2 (a test file with another scene defines its own `host`)."""
    host = lab.add_ns('host')
    lab.veth(host)
    lab.add_ns('c1')
    lab.add_ns('c2')
    return host


@pytest.fixture
def seed000_host(lab):
    """helpers.seed000_scene as a fixture: the host namespace, its two macvlan containers made."""
    return seed000_scene(lab)
