# Copyright: (c) 2026, underlay.network contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""_drivers: classification from files (a fake /proc, /sys, /lib/modules tree), probe bodies, messages."""


import errno
import json
import os

import pytest

from ansible_collections.underlay.network.plugins.module_utils._kernel import netlink as nl
from ansible_collections.underlay.network.plugins.module_utils._links import drivers


RELEASE = '6.1.176'


def tree(tmp_path, modules=True, builtin=(), loaded=(), sys_builtin=(), kos=(), dep=True, disabled=False,
         release=RELEASE):
    """A fake root: /proc/modules (when the kernel has module support), /sys/module, /lib/modules/<release>."""
    root = tmp_path
    if modules:
        (root / 'proc' / 'sys' / 'kernel').mkdir(parents=True)
        (root / 'proc' / 'modules').write_text(''.join('%s 16384 0 - Live 0x0\n' % name for name in loaded))
        (root / 'proc' / 'sys' / 'kernel' / 'modules_disabled').write_text('1\n' if disabled else '0\n')
    for name in loaded:
        (root / 'sys' / 'module' / name).mkdir(parents=True)
        (root / 'sys' / 'module' / name / 'initstate').write_text('live\n')
    for name in sys_builtin:
        (root / 'sys' / 'module' / name / 'parameters').mkdir(parents=True)
    moddir = root / 'lib' / 'modules' / release
    if builtin or kos:
        moddir.mkdir(parents=True)
    if builtin:
        (moddir / 'modules.builtin').write_text(''.join('kernel/drivers/net/%s.ko\n' % name for name in builtin))
    for path in kos:
        (moddir / path).parent.mkdir(parents=True, exist_ok=True)
        (moddir / path).write_bytes(b'')
    if kos and dep:
        (moddir / 'modules.dep').write_text(''.join('%s:\n' % path for path in kos))
    return drivers.KernelFiles(str(root), release)


class FakeProber:
    """Answers probes from a table {kind or feature title: ProbeResult} and records what was probed."""

    def __init__(self, answers=None, default=True):
        self.answers = answers or {}
        self.default = default
        self.asked = []

    def probe(self, what, kind, info_data, needs_parent, config=None, check=None):
        self.asked.append(what)
        if what in self.answers:
            return self.answers[what]
        if self.default:
            return drivers.ProbeResult(True, 'created %s in a throwaway namespace' % what)
        return drivers.ProbeResult(False, drivers._refusal(errno.EOPNOTSUPP, what, config), errno.EOPNOTSUPP)


# ---------------------------------------------------------------- names and versions

@pytest.mark.parametrize('name, expected', [('vlan', '8021q'), ('8021q', '8021q'), ('macvlan', 'macvlan'),
                                            ('bond', None)])
def test_canonical(name, expected):
    assert drivers.canonical(name) == expected


def test_requested_dedups_aliases_and_names_unknown_ones():
    assert drivers.requested(['vlan', 'macvlan', '8021q', 'macvlan']) == ['8021q', 'macvlan']
    with pytest.raises(ValueError) as exc:
        drivers.requested(['macvlan', 'bond', 'vrf'])
    assert str(exc.value).startswith('unknown driver(s) bond, vrf; known: ')


@pytest.mark.parametrize('release, expected', [
    ('6.18.44-fc-v595', (6, 18, 44)), ('3.10.0-1160.el7.x86_64', (3, 10, 0)), ('4.9', (4, 9, 0)),
    ('5', (5, 0, 0)), ('garbage', None), ('', None)])
def test_parse_version(release, expected):
    assert drivers.parse_version(release) == expected


@pytest.mark.parametrize('release, minimum, expected', [
    ('3.10.0-1160.el7', '3.19', True), ('3.19.0', '3.19', False), ('4.8.17', '4.9', True), ('4.15.0-20', '4.15', False),
    ('2.6.22', '2.6.23', True), ('6.1.0', None, False), ('weird', '3.19', False)])
def test_below(release, minimum, expected):
    assert drivers.below(release, minimum) is expected


def test_minimums_are_the_documented_ones():
    assert drivers.MINIMUMS == {'macvlan': '2.6.23', 'ipvlan': '3.19', 'ipvlan_l3s': '4.9', 'ipvlan_flags': '4.15',
                                '8021q': None, 'dummy': None, 'macvtap': None, 'ipvtap': None}


# ---------------------------------------------------------------- files

def test_status_from_files(tmp_path):
    files = tree(tmp_path, builtin=['dummy'], loaded=['8021q'], sys_builtin=['bridge'],
                 kos=['kernel/drivers/net/ipvlan/ipvlan.ko', 'kernel/drivers/net/macvlan.ko.xz'])
    assert files.module_support() is True and files.modules_disabled() is False
    assert files.status('8021q')[0] == drivers.LOADED
    assert files.status('dummy') == (drivers.BUILTIN, 'built into the kernel')
    assert files.status('bridge')[0] == drivers.BUILTIN  # /sys/module/bridge without initstate
    assert files.status('ipvlan') == (drivers.LOADABLE, 'module ipvlan is not loaded; '
                                      '/lib/modules/6.1.176/kernel/drivers/net/ipvlan/ipvlan.ko can be loaded')
    assert files.status('macvlan')[0] == drivers.LOADABLE  # compressed modules count
    assert files.status('macvtap') == (None, 'no macvtap.ko under /lib/modules/6.1.176')


def test_module_files_are_found_without_modules_dep(tmp_path):
    files = tree(tmp_path, kos=['kernel/drivers/net/ipvlan/ipvlan.ko.zst'], dep=False)
    assert files.status('ipvlan')[0] == drivers.LOADABLE


def test_dash_and_underscore_are_the_same_module(tmp_path):
    files = tree(tmp_path, loaded=['nf_conntrack'], kos=['kernel/net/foo-bar.ko'])
    assert files.loaded('nf-conntrack') is True
    assert files.module_file('foo_bar') == '/lib/modules/6.1.176/kernel/net/foo-bar.ko'


def test_modules_disabled_means_not_loadable(tmp_path):
    files = tree(tmp_path, kos=['kernel/drivers/net/ipvlan/ipvlan.ko'], disabled=True)
    status, detail = files.status('ipvlan')
    assert status is None and 'loading modules is disabled (kernel.modules_disabled=1)' in detail


def test_no_module_support_leaves_it_to_the_probe(tmp_path):
    files = tree(tmp_path, modules=False)
    assert files.module_support() is False
    assert files.status('macvlan') == (None, 'the kernel has no module support')


# ---------------------------------------------------------------- the assessment

def test_host_kernel_without_modules_builtin_macvlan_and_missing_ipvlan(tmp_path):
    files = tree(tmp_path, modules=False, release='6.18.44-fc-v595')
    prober = FakeProber({'ipvlan': drivers.ProbeResult(False, 'refused', errno.EOPNOTSUPP),
                         'vlan': drivers.ProbeResult(False, 'refused', errno.EOPNOTSUPP)})
    result = drivers.assess(['macvlan', 'ipvlan', 'vlan'], [], files, prober)
    assert result['changed'] is False
    assert result['kernel'] == {'release': '6.18.44-fc-v595', 'version': '6.18.44', 'module_support': False,
                                'modules_disabled': None, 'modules_dir': None}
    macvlan = result['drivers']['macvlan']
    assert (macvlan['status'], macvlan['available'], macvlan['usable'], macvlan['message']) == (
        'builtin', True, True, None)
    assert macvlan['detail'] == 'built into the kernel (no module support; the probe created it)'
    ipvlan = result['drivers']['ipvlan']
    assert (ipvlan['status'], ipvlan['available'], ipvlan['usable']) == ('missing', False, False)
    assert ipvlan['message'] == (
        'ipvlan: kernel 6.18.44-fc-v595 cannot create ipvlan links (probe: EOPNOTSUPP): it is not built in and the '
        'kernel has no module support, so there is nothing to load; use a kernel built with CONFIG_IPVLAN')
    assert result['drivers']['8021q']['message'].startswith('8021q: kernel 6.18.44-fc-v595 cannot create vlan links')
    assert result['problems'] == [ipvlan['message'], result['drivers']['8021q']['message']]
    assert result['loadable'] == [] and result['modules'] == []


def test_loadable_module_is_not_probed(tmp_path):
    """Creating the link would make the kernel load the module: a facts module must not."""
    files = tree(tmp_path, loaded=['macvlan'], kos=['kernel/drivers/net/macvlan.ko', 'kernel/drivers/net/ipvlan/ipvlan.ko'])
    prober = FakeProber()
    result = drivers.assess(['macvlan', 'ipvlan'], ['ipvlan_l3s'], files, prober)
    assert prober.asked == ['macvlan']
    ipvlan = result['drivers']['ipvlan']
    assert (ipvlan['status'], ipvlan['available'], ipvlan['usable'], ipvlan['message']) == (
        'loadable', None, True, None)
    assert ipvlan['probe'] == 'not probed: creating the link would make the kernel load module ipvlan itself'
    assert result['features']['ipvlan_l3s']['probe'] == 'not probed: the ipvlan module is not loaded yet'
    assert result['features']['ipvlan_l3s']['usable'] is True
    assert result['loadable'] == ['ipvlan'] and result['modules'] == ['macvlan', 'ipvlan']
    assert result['problems'] == []


def test_missing_with_module_support_names_the_package_fix(tmp_path):
    files = tree(tmp_path, kos=['kernel/drivers/net/macvlan.ko'])
    prober = FakeProber(default=False)
    report = drivers.assess(['ipvlan'], [], files, prober)['drivers']['ipvlan']
    assert report['status'] == 'missing'
    assert report['message'] == (
        'ipvlan: kernel 6.1.176 cannot create ipvlan links (probe: EOPNOTSUPP): it is not built in, module ipvlan is '
        'not loaded, and no ipvlan.ko under /lib/modules/6.1.176; install the kernel modules package that has '
        'ipvlan.ko (for example linux-modules-extra-6.1.176 on Ubuntu) or use a kernel built with CONFIG_IPVLAN')


def test_missing_on_an_old_kernel_says_the_minimum(tmp_path):
    files = tree(tmp_path, modules=False, release='3.10.0-1160.el7.x86_64')
    report = drivers.assess(['ipvlan'], [], files, FakeProber(default=False))['drivers']['ipvlan']
    assert report['kernel_ok'] is False
    assert '; ipvlan needs Linux >= 3.19, this kernel is 3.10.0-1160.el7.x86_64; use a kernel built with' in report['message']


def test_probe_proves_a_backport_on_an_old_kernel(tmp_path):
    files = tree(tmp_path, loaded=['ipvlan'], release='3.10.0-1160.el7.x86_64')
    result = drivers.assess(['ipvlan'], [], files, FakeProber())
    report = result['drivers']['ipvlan']
    assert report['kernel_ok'] is False and report['usable'] is True and result['problems'] == []


def test_feature_below_minimum_without_proof_is_a_problem_naming_the_version(tmp_path):
    files = tree(tmp_path, kos=['kernel/drivers/net/ipvlan/ipvlan.ko'], release='4.4.0-210-generic')
    result = drivers.assess(['ipvlan'], ['ipvlan_l3s', 'ipvlan_flags'], files, FakeProber())
    assert result['features']['ipvlan_l3s']['kernel_ok'] is False
    assert result['features']['ipvlan_l3s']['usable'] is False
    assert result['drivers']['ipvlan']['usable'] is True  # the driver itself is fine (3.19 <= 4.4)
    assert result['problems'] == ['ipvlan mode l3s needs Linux >= 4.9, this kernel is 4.4.0-210-generic',
                                  'ipvlan flags (bridge/private/vepa) needs Linux >= 4.15, this kernel is 4.4.0-210-generic']


def test_feature_refused_by_the_probe(tmp_path):
    files = tree(tmp_path, loaded=['ipvlan'])
    refusal = drivers.ProbeResult(False, drivers._refusal(errno.EOPNOTSUPP, 'ipvlan mode l3s', 'CONFIG_IPVLAN_L3S'),
                                  errno.EOPNOTSUPP)
    result = drivers.assess(['ipvlan'], ['ipvlan_l3s'], files, FakeProber({'ipvlan mode l3s': refusal}))
    feature = result['features']['ipvlan_l3s']
    assert (feature['available'], feature['usable'], feature['kernel_ok']) == (False, False, True)
    assert result['problems'] == ['ipvlan mode l3s: the kernel cannot create ipvlan mode l3s now (EOPNOTSUPP); '
                                  'it needs CONFIG_IPVLAN_L3S']


def test_feature_asks_for_its_driver(tmp_path):
    files = tree(tmp_path, loaded=['ipvlan'])
    result = drivers.assess([], ['ipvlan_flags'], files, FakeProber())
    assert list(result['drivers']) == ['ipvlan'] and result['features']['ipvlan_flags']['available'] is True


def test_files_only_without_probe(tmp_path):
    files = tree(tmp_path, loaded=['macvlan'], kos=['kernel/drivers/net/ipvlan/ipvlan.ko'])
    result = drivers.assess(['macvlan', 'ipvlan', 'dummy'], [], files)
    assert result['drivers']['macvlan']['probe'] == 'not probed (probe=false)'
    assert result['drivers']['macvlan']['usable'] is True and result['drivers']['macvlan']['available'] is None
    assert result['drivers']['dummy']['status'] == 'missing'
    assert len(result['problems']) == 1 and result['problems'][0].startswith('dummy: ')


def test_loaded_but_refused_is_a_problem(tmp_path):
    files = tree(tmp_path, loaded=['ipvlan'])
    result = drivers.assess(['ipvlan'], [], files, FakeProber(default=False))
    report = result['drivers']['ipvlan']
    assert report['status'] == 'loaded' and report['usable'] is False
    assert report['message'] == ('ipvlan: module ipvlan is loaded (loaded), but the kernel cannot create ipvlan now '
                                 '(EOPNOTSUPP); it needs CONFIG_IPVLAN')


def test_permission_denied_probe_falls_back_to_files(tmp_path):
    files = tree(tmp_path, loaded=['macvlan'])
    denied = drivers.ProbeResult(None, drivers._refusal(errno.EPERM, 'macvlan', None), errno.EPERM)
    report = drivers.assess(['macvlan'], [], files, FakeProber({'macvlan': denied}))['drivers']['macvlan']
    assert report['available'] is None and report['usable'] is True
    assert report['probe'] == ('not probed: permission denied creating macvlan (run as root or with CAP_NET_ADMIN)')


@pytest.mark.parametrize('loaded, kos, expected', [
    ((), (), 'veth'),
    (('veth',), ('kernel/drivers/net/veth.ko',), 'veth'),
    ((), ('kernel/drivers/net/veth.ko',), 'dummy'),
    ((), ('kernel/drivers/net/veth.ko', 'kernel/drivers/net/dummy.ko'), None),
])
def test_probe_parent_never_needs_a_module_load(tmp_path, loaded, kos, expected):
    assert drivers.parent_driver(tree(tmp_path, loaded=loaded, kos=kos)) == expected


# ---------------------------------------------------------------- probe bodies

def test_create_body_of_a_macvlan_probe():
    body = drivers.create_link_body('p2t', 'macvlan', 7, drivers.KERNEL_DRIVERS['macvlan'].info_data)
    link = nl.decode_link(body)
    assert (link['name'], link['kind'], link['link']) == ('p2t', 'macvlan', 7)
    assert nl.as_u32(link['data'][drivers.IFLA_MACVLAN_MODE]) == drivers.MACVLAN_MODE_BRIDGE


def test_create_body_of_a_veth_pair_carries_the_peer():
    body = drivers.create_link_body('p1a', 'veth', peer='p1b')
    link = nl.decode_link(body)
    assert link['kind'] == 'veth' and link['link'] is None
    peer = link['data'][nl.VETH_INFO_PEER]
    assert nl.as_string(nl.parse_attrs(peer, 16)[nl.IFLA_IFNAME]) == 'p1b'


def test_create_body_of_a_dummy_has_no_data():
    link = nl.decode_link(drivers.create_link_body('p1t', 'dummy'))
    assert link['kind'] == 'dummy' and link['data'] == {} and link['link'] is None


def test_ipvlan_flags_check_reads_the_private_flag():
    feature = drivers.FEATURES['ipvlan_flags']
    assert feature.check({drivers.IFLA_IPVLAN_FLAGS: b'\x01\x00'}) is True
    assert feature.check({drivers.IFLA_IPVLAN_FLAGS: b'\x00\x00'}) is False
    assert feature.check({}) is False  # an old kernel ignores the attribute


@pytest.mark.parametrize('code, text', [
    (errno.EOPNOTSUPP, 'the kernel cannot create ipvlan now (EOPNOTSUPP); it needs CONFIG_IPVLAN'),
    (errno.EINVAL, 'the kernel refused ipvlan (EINVAL: Invalid argument)'),
    (errno.EPERM, 'not probed: permission denied creating ipvlan (run as root or with CAP_NET_ADMIN)'),
])
def test_refusal_sentences(code, text):
    assert drivers._refusal(code, 'ipvlan', 'CONFIG_IPVLAN') == text


def test_gather_without_permission_for_the_probe_reports_why(tmp_path, monkeypatch):
    tree(tmp_path, modules=False)

    def refuse():
        raise OSError(errno.EPERM, 'Operation not permitted')

    monkeypatch.setattr(drivers, '_unshare_network', refuse)  # the probe's child process has it too (fork)
    result = drivers.gather(['macvlan'], [], root=str(tmp_path), release='6.18.0')
    macvlan = result['drivers']['macvlan']
    assert macvlan['status'] == 'missing' and macvlan['available'] is None
    assert macvlan['probe'].startswith('not probed: cannot create a throwaway network namespace ([Errno 1] ')
    assert 'run as root' in macvlan['message']


class NoSocket:
    """Stands in for the probe's netlink socket: these tests make no link."""

    def __init__(self, netns):
        assert netns is None, 'the probe opens its socket in the namespace it unshared'


def test_a_probe_that_fails_names_the_failure_and_its_process_is_gone(tmp_path, monkeypatch):
    monkeypatch.setattr(drivers, '_unshare_network', lambda: None)
    monkeypatch.setattr(drivers.nl, 'Netlink', NoSocket)

    def boom(*args):
        raise RuntimeError('boom')

    monkeypatch.setattr(drivers, 'assess', boom)
    with pytest.raises(OSError, match='RuntimeError: boom'):
        drivers.gather(['macvlan'], [], root=str(tmp_path), release='6.18.0')
    with pytest.raises(ChildProcessError):
        os.waitpid(-1, os.WNOHANG)  # the child was reaped: no zombie left


def test_what_the_probe_process_assessed_comes_back_whole(tmp_path, monkeypatch):
    tree(tmp_path, modules=False)
    monkeypatch.setattr(drivers, '_unshare_network', lambda: None)
    monkeypatch.setattr(drivers.nl, 'Netlink', NoSocket)
    monkeypatch.setattr(drivers.Prober, 'probe', lambda self, *args, **kwargs: drivers.ProbeResult(True, 'made it'))
    result = drivers.gather(['macvlan'], [], root=str(tmp_path), release='6.18.0')
    assert result['drivers']['macvlan']['status'] == 'builtin' and result['drivers']['macvlan']['probe'] == 'made it'
    assert result == json.loads(json.dumps(result)) and result['kernel']['release'] == '6.18.0'
