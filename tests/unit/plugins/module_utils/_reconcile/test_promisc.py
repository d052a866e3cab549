# Copyright: (c) 2026, underlay.network contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""_promisc: the request bytes, decoding the counter, the plan, systemd instance names, and the
whole module body against a fake kernel behind the real Netlink class."""


import errno
import struct

import pytest

from ansible_collections.underlay.network.plugins.module_utils._common.errors import KernelError, ValidationError
from ansible_collections.underlay.network.plugins.module_utils._kernel import netlink as nl
from ansible_collections.underlay.network.plugins.module_utils._reconcile import promisc


_HEADER = struct.Struct('=IHHII')


def link_payload(index, name, flags, promiscuity):
    return (nl.ifinfo(index, flags, 0) + nl.string(nl.IFLA_IFNAME, name) + nl.u32(nl.IFLA_PROMISCUITY, promiscuity)
            + nl.nested(nl.IFLA_LINKINFO, nl.string(nl.IFLA_INFO_KIND, 'veth')))


class FakeLinkSocket:
    """A kernel with links {name: [index, flags, promiscuity]} that answers RTM_GETLINK dumps and RTM_NEWLINK
    flag changes the way dev_change_flags does (the user flag moves the counter once)."""

    def __init__(self, links, refuse=None):
        self.links = links
        self.refuse = refuse
        self.requests = []
        self._out = []

    def setsockopt(self, *args):
        pass

    def bind(self, address):
        pass

    def close(self):
        pass

    def send(self, data):
        _length, msg_type, flags, seq, _pid = _HEADER.unpack_from(data)
        body = data[_HEADER.size:]
        if msg_type == nl.RTM_GETLINK:
            for name, (index, link_flags, count) in sorted(self.links.items()):
                self._reply(nl.RTM_NEWLINK, seq, link_payload(index, name, link_flags, count))
            self._reply(nl.NLMSG_DONE, seq, struct.pack('=i', 0))
            return
        self.requests.append((msg_type, flags, body))
        _family, _type, index, want, change = struct.unpack_from('=BxHiII', body)
        code = 0
        if self.refuse:
            code = self.refuse
        else:
            for entry in self.links.values():
                if entry[0] == index and change & nl.IFF_PROMISC and (want ^ entry[1]) & nl.IFF_PROMISC:
                    entry[1] ^= nl.IFF_PROMISC
                    entry[2] += 1 if want & nl.IFF_PROMISC else -1
        self._reply(nl.NLMSG_ERROR, seq, struct.pack('=i', -code) + data[:_HEADER.size])

    def _reply(self, msg_type, seq, payload):
        self._out.append(_HEADER.pack(_HEADER.size + len(payload), msg_type, 0, seq, 0) + payload)

    def recv(self, size):
        return self._out.pop(0)


@pytest.fixture
def kernel(monkeypatch):
    state = {'links': {'lo': [1, nl.IFF_UP, 0], 'up0': [2, nl.IFF_UP, 0], 'up1': [3, nl.IFF_UP | nl.IFF_PROMISC, 1],
                       'port0': [4, nl.IFF_UP, 1]},
             'namespaces': ['lab']}
    fake = FakeLinkSocket(state['links'])
    state['socket'] = fake
    monkeypatch.setattr(nl, '_route_socket', lambda netns: fake)
    monkeypatch.setattr(nl, 'list_namespaces', lambda: list(state['namespaces']))
    return state


def test_request_sets_only_the_promisc_flag():
    msg_type, flags, body = promisc.promisc_request(7, True)
    assert (msg_type, flags) == (nl.RTM_NEWLINK, 0)
    assert struct.unpack('=BxHiII', body) == (0, 0, 7, nl.IFF_PROMISC, nl.IFF_PROMISC)
    assert struct.unpack('=BxHiII', promisc.promisc_request(7, False)[2]) == (0, 0, 7, 0, nl.IFF_PROMISC)


def test_decode_adds_the_counter():
    link = promisc.decode(link_payload(3, 'up1', nl.IFF_PROMISC, 2))
    assert (link['name'], link['kind'], link['promiscuity'], link['flags']) == ('up1', 'veth', 2, nl.IFF_PROMISC)
    assert promisc.decode(nl.ifinfo(1) + nl.string(nl.IFLA_IFNAME, 'lo'))['promiscuity'] is None


@pytest.mark.parametrize('name, instance', [
    ('eth0', 'eth0'), ('eth0.10', 'eth0.10'), ('br-lan', 'br\\x2dlan'), ('.hidden', '\\x2ehidden'),
    ('enp0s31f6', 'enp0s31f6'), ('wg@1', 'wg\\x401'), ('a b', 'a\\x20b'), ('ü0', '\\xc3\\xbc0'), ('a:b_c', 'a:b_c')])
def test_systemd_escape_matches_systemd_escape(name, instance):
    assert promisc.systemd_escape(name) == instance


@pytest.mark.parametrize('current, want, expected', [
    ({'promisc': False}, True, [('off', 'on')]),
    ({'promisc': True}, True, []),
    ({'promisc': True}, False, [('on', 'off')]),
    ({'promisc': False}, False, []),
    (None, True, [('off', 'on')]),
    (None, False, []),
])
def test_plan(current, want, expected):
    changes = promisc.plan(current, 'up0', 'lab', want)
    assert [(c['before'], c['after']) for c in changes] == expected
    assert all(c['action'] == 'set promisc' and c['name'] == 'up0' and c['netns'] == 'lab' for c in changes)


def test_on_then_again_then_off(kernel):
    result = promisc.reconcile_promisc('up0', 'lab', 'on')
    assert result['changed'] is True and result['link']['promisc'] is True and result['link']['promiscuity'] == 1
    assert result['diff'] == {'before': {'name': 'up0', 'netns': 'lab', 'promisc': 'off'},
                              'after': {'name': 'up0', 'netns': 'lab', 'promisc': 'on'}}
    assert result['warnings'] == [] and result['systemd_instance'] == 'up0'
    assert len(kernel['socket'].requests) == 1
    again = promisc.reconcile_promisc('up0', 'lab', 'on')
    assert again['changed'] is False and again['changes'] == [] and len(kernel['socket'].requests) == 1
    off = promisc.reconcile_promisc('up0', 'lab', 'off')
    assert off['changed'] is True and off['link']['promisc'] is False and kernel['links']['up0'][2] == 0


def test_bridge_port_counter_is_not_the_flag(kernel):
    result = promisc.reconcile_promisc('port0', 'lab', 'on')
    assert result['changes'][0]['before'] == 'off' and result['link']['promiscuity'] == 2


def test_check_mode_sends_nothing_and_predicts(kernel):
    result = promisc.reconcile_promisc('up1', 'lab', 'off', check_mode=True)
    assert result['changed'] is True and result['link']['promisc'] is False and result['link']['promiscuity'] == 0
    assert kernel['socket'].requests == [] and kernel['links']['up1'][1] & nl.IFF_PROMISC


def test_missing_link_and_namespace(kernel):
    with pytest.raises(KernelError) as exc:
        promisc.reconcile_promisc('eth9', 'lab', 'on')
    assert exc.value.message == ("cannot set promisc on link 'eth9' in namespace 'lab': no such link there; create it "
                                 "first or fix name/netns")
    assert (exc.value.field, exc.value.code) == ('name', errno.ENODEV)
    with pytest.raises(KernelError) as exc:
        promisc.reconcile_promisc('up0', 'other', 'on')
    assert exc.value.message.startswith("cannot set promisc on link 'up0' in namespace 'other': namespace 'other' "
                                        "does not exist")
    assert exc.value.field == 'netns'


def test_check_mode_with_missing_link_or_namespace_warns(kernel):
    missing = promisc.reconcile_promisc('eth9', 'lab', 'on', check_mode=True)
    assert missing['changed'] is True and "does not exist yet" in missing['warnings'][0]
    assert promisc.reconcile_promisc('eth9', 'lab', 'off', check_mode=True)['changed'] is False
    elsewhere = promisc.reconcile_promisc('up0', 'other', 'on', check_mode=True)
    assert elsewhere['changed'] is True and "namespace 'other' does not exist yet" in elsewhere['warnings'][0]


def test_kernel_refusal_is_translated(kernel):
    kernel['socket'].refuse = errno.EPERM
    with pytest.raises(KernelError) as exc:
        promisc.reconcile_promisc('up0', 'lab', 'on')
    assert exc.value.message.startswith("cannot set promisc=on on link 'up0' in namespace 'lab': permission denied")


def test_read_back_mismatch_is_an_error(kernel, monkeypatch):
    # a kernel that acks the request but does not change the flag
    monkeypatch.setattr(promisc, 'promisc_request', lambda index, on: (nl.RTM_NEWLINK, 0, nl.ifinfo(index)))
    with pytest.raises(KernelError) as exc:
        promisc.reconcile_promisc('up0', 'lab', 'on')
    assert exc.value.message == ("asked for promisc=on on link 'up0' in namespace 'lab', but the kernel reads back "
                                 "promisc off")


@pytest.mark.parametrize('name, netns, field', [('', 'lab', 'name'), ('x' * 16, 'lab', 'name'), ('a/b', 'lab', 'name'),
                                                ('up0', '../x', 'netns')])
def test_bad_input(kernel, name, netns, field):
    with pytest.raises(ValidationError) as exc:
        promisc.reconcile_promisc(name, netns, 'on')
    assert exc.value.field == field
    assert kernel['socket'].requests == []
