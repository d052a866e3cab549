# Copyright: (c) 2026, underlay.network contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""_namespace.reconcile_namespace against the in-memory FakeKernel (pyroute2's netns calls patched out)."""


import errno

import pytest

from ansible_collections.underlay.network.plugins.module_utils._common.errors import KernelError, ValidationError
from ansible_collections.underlay.network.plugins.module_utils._reconcile.namespace import reconcile_namespace
from ansible_collections.underlay.network.tests.unit.fakes import FakeKernel, calls_of, ethernet, link, loopback


@pytest.fixture
def kernel(monkeypatch):
    fake = FakeKernel({None: ([loopback(), ethernet()], []), 'net1': ([loopback(), ethernet(index=5)], [])})
    fake.patch(monkeypatch)
    return fake


def test_create_brings_loopback_up(kernel):
    result = reconcile_namespace('net2')
    assert result['changed'] is True
    assert result['changes'] == [{'action': 'create', 'kind': 'netns', 'name': 'net2', 'netns': 'net2'},
                                 {'action': 'set admin_state', 'kind': 'loopback', 'name': 'lo', 'netns': 'net2',
                                  'attribute': 'admin_state', 'before': 'down', 'after': 'up'}]
    assert calls_of(kernel, 'set_link') == [('net2', {'index': 1, 'up': True})]
    assert result['namespace'] == {'name': 'net2', 'links': [{'name': 'lo', 'kind': 'loopback', 'index': 1,
                                                              'admin_state': 'up'}]}
    assert result['diff'] == {'before': {}, 'after': {'name': 'net2', 'links': ['lo (loopback, up)']}}
    assert reconcile_namespace('net2')['changed'] is False


def test_create_without_loopback(kernel):
    result = reconcile_namespace('net2', loopback_up=False)
    assert [c['action'] for c in result['changes']] == ['create']
    assert result['namespace']['links'][0]['admin_state'] == 'down'
    assert kernel.calls == []


def test_existing_namespace_is_described_from_the_kernel(kernel):
    result = reconcile_namespace('net1')
    assert result['changed'] is False
    assert result['namespace'] == {'name': 'net1', 'links': [
        {'name': 'lo', 'kind': 'loopback', 'index': 1, 'admin_state': 'up'},
        {'name': 'eth0', 'kind': None, 'index': 5, 'admin_state': 'up'}]}


def test_loopback_down_in_an_existing_namespace(kernel):
    kernel.namespaces['net1']['links'][0] = link('lo', 1, up=False)
    result = reconcile_namespace('net1')
    assert [c['action'] for c in result['changes']] == ['set admin_state']
    assert kernel.find('net1', 'lo')['flags'] & 1


def test_check_mode_predicts(kernel):
    result = reconcile_namespace('net2', check_mode=True)
    assert result['changed'] is True
    assert result['namespace']['links'] == [{'name': 'lo', 'kind': 'loopback', 'index': 1, 'admin_state': 'up'}]
    assert 'net2' not in kernel.namespaces
    result = reconcile_namespace('net1', state='absent', check_mode=True)
    assert (result['changed'], result['namespace']) == (True, None)
    assert 'net1' in kernel.namespaces


def test_absent(kernel):
    result = reconcile_namespace('net1', state='absent')
    assert (result['changed'], result['namespace'], result['diff']['after']) == (True, None, {})
    assert 'net1' not in kernel.namespaces
    assert reconcile_namespace('net1', state='absent')['changed'] is False


def test_refusal_is_a_kernel_error(kernel):
    kernel.fail['set_link'] = errno.EPERM
    with pytest.raises(KernelError) as exc:
        reconcile_namespace('net2')
    assert exc.value.message.startswith("cannot create namespace 'net2': ")
    assert (exc.value.field, exc.value.value) == ('name', 'net2')


@pytest.mark.parametrize('name', ['/var/run/netns/x', '..'])
def test_bad_name(kernel, name):
    with pytest.raises(ValidationError):
        reconcile_namespace(name)
    assert kernel.opened == []
