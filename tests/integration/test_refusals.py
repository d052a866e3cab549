# Copyright: (c) 2026, underlay.network contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Bad input and kernel refusals: a clear message naming field, value and fix; the kernel untouched."""
import pytest

from helpers import kernel_has, sh

pytestmark = pytest.mark.kernel('macvlan')


def base(lab, host, **extra):
    args = dict(name='eth0', parent='up0', parent_netns=host, netns=lab.ns('c1'))
    args.update(extra)
    return args


BAD_INPUTS = [
    # (overrides, field, words the message must contain)
    ({'name': 'a-very-long-name0'}, 'name', ['a-very-long-name0', '15']),
    ({'name': 'bad/name'}, 'name', ['bad/name', 'not a valid interface name']),
    ({'parent': 'nosuch0'}, 'parent', ['nosuch0', 'does not exist', 'parent_netns']),
    ({'mtu': 10}, 'mtu', ['10', '68 to 65535']),
    ({'macaddress': '01:00:5e:00:00:01'}, 'macaddress', ['01:00:5e:00:00:01', 'multicast']),
    ({'macaddress': 'zz:00'}, 'macaddress', ['zz:00', 'six hex pairs']),
    ({'addresses': ['198.18.248.300/20']}, 'addresses', ['198.18.248.300/20', '198.18.0.10/24']),
    ({'addresses': ['198.18.0.1/24', '198.18.0.1/25']}, 'addresses', ['198.18.0.1', 'twice']),
    ({'nopromisc': True}, 'nopromisc', ['passthru']),
    ({'source_macs': ['02:00:00:00:00:01']}, 'source_macs', ['mode source']),
    ({'netns': 'ul-missing-ns'}, 'netns', ['ul-missing-ns', 'does not exist', 'underlay.network.netns']),
]


@pytest.mark.parametrize('overrides,field,words', BAD_INPUTS, ids=[b[1] + '-' + str(i) for i, b in enumerate(BAD_INPUTS)])
def test_bad_input_names_field_value_fix_and_changes_nothing(lab, host, module, overrides, field, words):
    before = lab.state(host, lab.ns('c1'))
    result = module('macvlan_link', **base(lab, host, **overrides))
    assert result.get('failed') is True and result['rc'] != 0, result
    assert result['field'] == field, result['msg']
    for word in words:
        assert word in result['msg'], result['msg']
    assert lab.state(host, lab.ns('c1')) == before


def test_unknown_mode_is_refused_by_the_argument_spec(lab, host, module):
    result = module('macvlan_link', **base(lab, host, mode='l2'))
    assert result.get('failed') and 'mode' in result['msg'] and 'l2' in result['msg'] and 'bridge' in result['msg']


def test_name_taken_by_another_kind_is_not_touched(lab, host, module):
    result = module('macvlan_link', name='up1', parent='up0', netns=host, parent_netns=host)
    assert result.get('failed') and result['field'] == 'name'
    assert 'veth' in result['msg'] and 'another name' in result['msg']
    assert lab.link(host, 'up1')['linkinfo']['info_kind'] == 'veth'
    absent = module('macvlan_link', name='up1', netns=host, state='absent')
    assert absent.get('failed') and lab.link(host, 'up1') is not None


def test_duplicate_mac_on_a_parent_is_explained(lab, host, module):
    mac = '02:00:5e:10:00:01'
    assert module('macvlan_link', **base(lab, host, macaddress=mac))['changed']
    before = lab.state(host, lab.ns('c2'))
    result = module('macvlan_link', **base(lab, host, netns=lab.ns('c2'), macaddress=mac))
    assert result.get('failed') and result['field'] == 'macaddress', result
    assert mac in result['msg'] and "parent 'up0'" in result['msg']
    assert lab.state(host, lab.ns('c2')) == before


@pytest.mark.kernel('bridge')
def test_parent_enslaved_to_a_bridge_is_explained(lab, host, module):
    sh('ip -n %s link add lab-br0 type bridge && ip -n %s link set up0 master lab-br0' % (host, host))
    before = lab.state(host, lab.ns('c1'))
    result = module('macvlan_link', **base(lab, host))
    assert result.get('failed') and result['field'] == 'parent', result
    assert "enslaved to 'lab-br0'" in result['msg'] and 'EBUSY' in result['msg']
    assert lab.state(host, lab.ns('c1')) == before


def test_without_cap_net_admin_says_so(lab, host, module, tmp_path):
    # setpriv drops CAP_NET_ADMIN from the bounding set, so even root cannot change links.
    import json
    import os
    import subprocess
    import sys
    from helpers import COLLECTIONS, REPO
    args = dict(base(lab, host, netns=host, name='mv9'), _ansible_check_mode=False)
    proc = subprocess.run(['setpriv', '--bounding-set', '-net_admin', '--inh-caps', '-net_admin', sys.executable,
                           os.path.join(REPO, 'plugins', 'modules', 'macvlan_link.py')],
                          input=json.dumps({'ANSIBLE_MODULE_ARGS': args}), capture_output=True, text=True,
                          env=dict(os.environ, PYTHONPATH=COLLECTIONS), check=False)
    result = json.loads(proc.stdout)
    assert result.get('failed') and 'CAP_NET_ADMIN' in result['msg'], result
    assert lab.link(host, 'mv9') is None


def test_missing_driver_is_a_sentence_not_a_traceback(lab, host):
    """The engine's translation of EOPNOTSUPP, provoked with a kind the kernel cannot have."""
    from ansible_collections.underlay.network.plugins.module_utils._kernel import netlink
    from ansible_collections.underlay.network.plugins.module_utils._common.errors import translate
    with netlink.Netlink(host) as sock:
        parent = [l for l in sock.links() if l['name'] == 'up0'][0]
        with pytest.raises(netlink.NetlinkError) as raised:
            sock.request(*netlink.new_link('nd0', parent['index'], 'ulnosuchkind', []))
    error = translate(raised.value.code, 'create', {'kind': 'ulnosuchkind', 'name': 'nd0', 'netns': host})
    assert 'no ulnosuchkind driver' in error.message and 'modprobe ulnosuchkind' in error.message


def test_failure_mid_apply_undoes_what_the_task_created(lab, host):
    """Two links in one run; the second fails in the kernel; the first must be gone again."""
    from ansible_collections.underlay.network.plugins.module_utils._reconcile.transaction import reconcile
    from ansible_collections.underlay.network.plugins.module_utils._common.errors import KernelError
    from ansible_collections.underlay.network.plugins.module_utils._links.kinds import KINDS
    from ansible_collections.underlay.network.plugins.module_utils._links.spec import build_spec
    mac = '02:00:5e:10:00:07'

    def spec(suffix):
        params = dict(name='eth0', parent='up0', parent_netns=host, netns=lab.ns(suffix), macaddress=mac)
        return build_spec('macvlan', params, KINDS['macvlan'].normalise(params))
    before = lab.state(host, lab.ns('c1'), lab.ns('c2'))
    with pytest.raises(KernelError) as raised:
        reconcile([spec('c1'), spec('c2')])
    assert mac in raised.value.message
    assert lab.state(host, lab.ns('c1'), lab.ns('c2')) == before


def test_ipvlan_driver_present_or_missing_is_said_in_words(lab, module):
    """Runs on every kernel: the host's has no ipvlan (a sentence), the UML one has it (a link)."""
    host = lab.add_ns('drv')
    lab.veth(host)
    result = module('ipvlan_link', name='iv0', parent='up0', netns=host, parent_netns=host)
    if kernel_has('ipvlan'):
        assert result['rc'] == 0 and result['link']['mode'] == 'l2'
    else:
        assert result.get('failed') and 'no ipvlan driver' in result['msg'] and 'modprobe ipvlan' in result['msg']
        assert lab.link(host, 'iv0') is None
