# Copyright: (c) 2026, underlay.network contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""netns module on the running kernel."""
import pytest

from helpers import sh


def namespaces():
    return sh('ip netns list').split()


def test_create_is_idempotent_and_brings_loopback_up(lab, module):
    name = lab.ns('a')
    lab.made.append(name)
    first = module('netns', name=name)
    assert first['changed'] is True, first
    assert [c['action'] for c in first['changes']] == ['create', 'set admin_state']
    assert name in namespaces()
    assert 'UP' in lab.link(name, 'lo')['flags']
    assert first['namespace']['links'][0]['name'] == 'lo'

    second = module('netns', name=name)
    assert second['changed'] is False, second
    assert second['changes'] == []


def test_check_mode_creates_nothing(lab, module):
    name = lab.ns('chk')
    result = module('netns', name=name, check=True)
    assert result['changed'] is True
    assert result['namespace']['name'] == name
    assert name not in namespaces(), 'check mode must not create the namespace'


def test_loopback_down_is_repaired_and_reported(lab, module):
    name = lab.add_ns('lo')
    sh('ip -n %s link set lo down' % name)
    result = module('netns', name=name)
    assert result['changed'] is True
    assert result['changes'] == [{'action': 'set admin_state', 'kind': 'loopback', 'name': 'lo', 'netns': name,
                                  'attribute': 'admin_state', 'before': 'down', 'after': 'up'}]
    assert 'UP' in lab.link(name, 'lo')['flags']


def test_loopback_up_false_leaves_lo_alone(lab, module):
    name = lab.ns('nolo')
    lab.made.append(name)
    assert module('netns', name=name, loopback_up=False)['changed'] is True
    assert 'UP' not in lab.link(name, 'lo')['flags']
    assert module('netns', name=name, loopback_up=False)['changed'] is False


def test_absent_removes_namespace_and_its_links(lab, module):
    name = lab.add_ns('gone')
    lab.veth(name)
    shown = module('netns', name=name)
    assert {'up0', 'up1'} <= {link['name'] for link in shown['namespace']['links']}
    removed = module('netns', name=name, state='absent')
    assert removed['changed'] is True and removed['namespace'] is None
    assert name not in namespaces()
    assert module('netns', name=name, state='absent')['changed'] is False


@pytest.mark.parametrize('bad', ['../etc', 'a/b'])
def test_path_like_name_is_refused(module, bad):
    result = module('netns', name=bad)
    assert result.get('failed') and result['field'] == 'name' and bad in result['msg']
