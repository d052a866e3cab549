# Copyright: (c) 2026, underlay.network contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""The pure parts of host_networks: sysctl keys and plans, the lock, the gate's packets, route steps."""


import fcntl
import os
import struct
from types import SimpleNamespace

import pytest

from ansible_collections.underlay.network.plugins.module_utils._common.errors import ValidationError
from ansible_collections.underlay.network.plugins.module_utils._host.lock import LockTimeout, NamespaceLock
from ansible_collections.underlay.network.plugins.module_utils._host.shim import ShimSpec
from ansible_collections.underlay.network.plugins.module_utils._kernel import icmp as gate
from ansible_collections.underlay.network.plugins.module_utils._kernel import sysctl
from ansible_collections.underlay.network.plugins.module_utils._links import drivers
from ansible_collections.underlay.network.plugins.module_utils._links.spec import normalise_routes
from ansible_collections.underlay.network.plugins.module_utils._reconcile.plan import route_changes


@pytest.mark.parametrize('key, path', [
    ('net.ipv4.ip_forward', '/proc/sys/net/ipv4/ip_forward'),
    ('net.ipv4.conf.eth0/10.rp_filter', '/proc/sys/net/ipv4/conf/eth0.10/rp_filter'),
    ('net/ipv4/conf/eth0.10/rp_filter', '/proc/sys/net/ipv4/conf/eth0.10/rp_filter'),
])
def test_sysctl_keys_as_paths(key, path):
    assert sysctl.path_of(key) == path


def test_sysctl_values_are_normalised_and_bad_ones_named():
    assert sysctl.normalise_sysctls({'net.ipv4.ip_forward': True, 'net.ipv4.ip_local_port_range': '1024   65000'}) == {
        'net.ipv4.ip_forward': '1', 'net.ipv4.ip_local_port_range': '1024 65000'}
    for bad, words in (({'kernel.panic': 1}, "key 'kernel.panic' is not a net.* sysctl"),
                       ({'net..x': 1}, "key 'net..x'"),
                       ({'net.ipv4.ip_forward': ''}, "the value of 'net.ipv4.ip_forward' is ''"),
                       ({'net.ipv4.ip_forward': [1]}, 'give a number'),
                       (['net.ipv4.ip_forward'], 'must be a dictionary')):
        with pytest.raises(ValidationError) as exc:
            sysctl.normalise_sysctls(bad)
        assert words in exc.value.message and exc.value.field == 'sysctls'


def test_sysctl_plan_names_what_the_kernel_lacks_and_skips_what_matches():
    steps = sysctl.plan({'net.ipv4.ip_forward': '1', 'net.ipv6.conf.all.forwarding': '0'},
                        {'net.ipv4.ip_forward': '0', 'net.ipv6.conf.all.forwarding': '0'})
    assert [(s.action, s.attribute, s.before, s.after) for s in steps] == [
        ('set sysctl', 'net.ipv4.ip_forward', '0', '1')]
    with pytest.raises(ValidationError) as exc:
        sysctl.plan({'net.ipv4.conf.eth9.rp_filter': '1'}, {'net.ipv4.conf.eth9.rp_filter': None})
    assert 'net.ipv4.conf.eth9.rp_filter does not exist' in exc.value.message


def test_a_held_lock_times_out_naming_its_holder(tmp_path):
    path = tmp_path / 'netns-ulx.lock'
    with open(str(path), 'w') as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        handle.write('pid 77 (a job), since then\n')
        handle.flush()
        with pytest.raises(LockTimeout) as exc:
            with NamespaceLock('ulx', timeout=0.3, directory=str(tmp_path)):
                pass
    assert "namespace 'ulx'" in exc.value.message and 'pid 77 (a job)' in exc.value.message
    assert exc.value.field == 'lock_timeout'
    with NamespaceLock('ulx', timeout=0.3, holder='me', directory=str(tmp_path)):
        assert path.read_text().startswith('me, since ')
    assert path.read_text() == ''  # released and emptied


def test_gate_echo_packets():
    packet = gate._echo(4, 0x1234, 7)
    kind, code, checksum, ident, seq = struct.unpack('!BBHHH', packet[:8])
    assert (kind, code, ident, seq) == (8, 0, 0x1234, 7)
    assert gate._checksum(packet) == 0  # a correct checksum sums to zero
    assert struct.unpack('!B', gate._echo(6, 1, 1)[:1])[0] == 128
    reply = b'\x45' + b'\0' * 19 + struct.pack('!BBHHH', 0, 0, 0, 0x1234, 7)  # an IPv4 header, then the reply
    assert gate._reply_from(4, reply, 0x1234) and not gate._reply_from(4, reply, 0x4321)
    assert gate._reply_from(6, struct.pack('!BBHHH', 129, 0, 0, 5, 1), 5)
    assert gate.ping_all(None, []) == {}


def test_route_steps_and_the_ipv6_default_metric():
    assert normalise_routes(['198.18.1.0/24', '2001:db8::/64']) == {'198.18.1.0/24': 0, '2001:db8::/64': 1024}
    assert normalise_routes(['2001:db8::/64'], 7) == {'2001:db8::/64': 7}
    steps = route_changes({'198.18.1.0/24': 0, '198.18.2.0/24': 0}, {'198.18.2.0/24': 5, '198.18.3.0/24': 5})
    assert [(s.action, s.details.get('route'), s.before, s.after) for s in steps] == [
        ('remove route', '198.18.1.0/24', '198.18.1.0/24', None),
        ('add route', '198.18.3.0/24', None, '198.18.3.0/24'),
        ('set route metric', '198.18.2.0/24', 0, 5)]
    with pytest.raises(ValidationError):
        normalise_routes(['198.18.1.1/24'])


def test_route_sources_are_set_and_replaced_only_where_the_link_manages_them():
    have, want = {'198.18.1.0/28': 0, '198.18.2.0/28': 0}, {'198.18.1.0/28': 0, '198.18.2.0/28': 0, '198.18.3.0/28': 0}
    sources = {'198.18.1.0/28': '198.18.1.254', '198.18.2.0/28': '198.18.2.254', '198.18.3.0/28': '198.18.3.254'}
    steps = route_changes(have, want, {'198.18.1.0/28': '198.18.1.254', '198.18.2.0/28': None}, sources)
    assert [(s.action, s.details['route'], s.before, s.after, s.details.get('source')) for s in steps] == [
        ('add route', '198.18.3.0/28', None, '198.18.3.0/28', '198.18.3.254'),
        ('set route source', '198.18.2.0/28', None, '198.18.2.254', None)]
    # a link that leaves sources alone never replaces a route for its source
    assert route_changes(have, have, {'198.18.1.0/28': '198.18.9.9'}, None) == []
    assert [s.as_dict(SimpleNamespace(kind='macvlan', name='x', netns=None))
            for s in route_changes({}, {'198.18.1.0/28': 0}, {}, {'198.18.1.0/28': None})] == [
        {'action': 'add route', 'kind': 'macvlan', 'name': 'x', 'netns': None, 'attribute': 'routes',
         'after': '198.18.1.0/28', 'route': '198.18.1.0/28', 'metric': 0}], 'no source: the step says nothing of one'


def test_a_shim_of_several_subnets_gives_each_route_the_address_of_its_subnet():
    addresses = ['198.18.71.254', '198.18.72.254', '2001:db8:71::1', '2001:db8:72::1']
    shim = ShimSpec(dict(name='s', parent='eth0', addresses=addresses,
                         routes=['198.18.72.0/28', '198.18.71.128/26', '2001:db8:72::/120', '2001:db8:71::/120']))
    assert shim.route_sources() == {'198.18.72.0/28': '198.18.72.254', '198.18.71.128/26': '198.18.71.254',
                                    '2001:db8:72::/120': '2001:db8:72::1', '2001:db8:71::/120': '2001:db8:71::1'}
    single = ShimSpec(dict(name='s', parent='eth0', addresses=['198.18.71.254', '2001:db8:71::1'],
                           routes=['198.18.71.0/28', '2001:db8:71::/120']))
    assert single.route_sources() == {'198.18.71.0/28': None, '2001:db8:71::/120': None}, \
        'one address of a family: the kernel takes it anyway'


def test_the_hosts_own_lock_is_its_network_namespaces(tmp_path):
    """Two hosts that are network namespaces on one filesystem take their own locks, each at once."""
    mine = NamespaceLock(None, timeout=0.3, directory=str(tmp_path))
    assert mine.path == str(tmp_path / ('host-net%s.lock' % os.stat('/proc/self/ns/net').st_ino))
    read_end, write_end = os.pipe()
    with mine:
        pid = os.fork()
        if pid == 0:  # another host: a network namespace of its own, the same /run
            code = 1
            try:
                try:
                    drivers._unshare_network()  # pylint: disable=protected-access
                except PermissionError:
                    code = 77
                else:
                    with NamespaceLock(None, timeout=0.3, directory=str(tmp_path)) as theirs:
                        os.write(write_end, theirs.path.encode())
                    code = 0
            finally:
                os._exit(code)  # pylint: disable=protected-access
        os.close(write_end)
        theirs = os.read(read_end, 4096).decode()
        _pid, status = os.waitpid(pid, 0)
    os.close(read_end)
    if os.WIFEXITED(status) and os.WEXITSTATUS(status) == 77:
        pytest.skip('making a network namespace needs CAP_SYS_ADMIN (run the unit tests as root)')
    assert status == 0 and theirs.startswith(str(tmp_path / 'host-net')) and theirs != mine.path, theirs
