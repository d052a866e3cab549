# Copyright: (c) 2026, underlay.network contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""_errors.translate: a kernel errno becomes a sentence with the cause and the fix."""


import errno

import pytest

from ansible_collections.underlay.network.plugins.module_utils._common.errors import (
    KernelError, UnderlayError, ValidationError, translate)


MACVLAN = {'kind': 'macvlan', 'name': 'mv0', 'netns': None, 'parent': 'eth0', 'parent_netns': None,
           'macaddress': '02:00:5e:10:00:01'}
IN_NET1 = dict(MACVLAN, name='eth0', netns='net1', parent_netns='host1')


def test_error_classes():
    exc = ValidationError('msg', 'mtu', 10)
    assert isinstance(exc, UnderlayError) and str(exc) == 'msg'
    assert (exc.message, exc.field, exc.value) == ('msg', 'mtu', 10)
    kernel = KernelError('boom', errno.EBUSY, field='parent', value='eth0')
    assert isinstance(kernel, UnderlayError)
    assert (kernel.code, kernel.field, kernel.value) == (errno.EBUSY, 'parent', 'eth0')


@pytest.mark.parametrize('link, where', [
    (MACVLAN, "macvlan 'mv0' in the root namespace"),
    (IN_NET1, "macvlan 'eth0' in namespace 'net1'"),
    ({'name': 'x0'}, "link 'x0' in the root namespace"),
])
def test_message_says_which_link(link, where):
    assert translate(errno.EPERM, 'create', link).message.startswith('cannot create %s: ' % where)


@pytest.mark.parametrize('kind, module', [('macvlan', 'macvlan'), ('ipvlan', 'ipvlan'), ('vlan', '8021q')])
def test_eopnotsupp_names_driver_and_module(kind, module):
    exc = translate(errno.EOPNOTSUPP, 'create', dict(MACVLAN, kind=kind))
    assert isinstance(exc, KernelError)
    assert exc.code == errno.EOPNOTSUPP
    assert "this kernel has no %s driver (EOPNOTSUPP)" % kind in exc.message
    assert 'load module %s (modprobe %s, or the underlay.network.kernel_modules role)' % (module, module) in exc.message
    assert (exc.field, exc.value) == ('kind', kind)


def test_ebusy_without_hint_lists_the_usual_causes():
    exc = translate(errno.EBUSY, 'create', MACVLAN)
    assert exc.message == (
        "cannot create macvlan 'mv0' in the root namespace: parent 'eth0' is busy: it already carries ports of "
        "another driver (macvlan and ipvlan cannot share a parent), is enslaved to a bond or bridge, or is held "
        "by a passthru macvlan (EBUSY)")
    assert (exc.code, exc.field, exc.value) == (errno.EBUSY, 'parent', 'eth0')


def test_ebusy_with_hint_uses_it():
    exc = translate(errno.EBUSY, 'create', MACVLAN, "parent 'eth0' is enslaved to 'br0'; release it")
    assert exc.message == ("cannot create macvlan 'mv0' in the root namespace: parent 'eth0' is enslaved to 'br0'; "
                           "release it (EBUSY)")
    assert exc.field == 'parent'


@pytest.mark.parametrize('code, hint', [(errno.EADDRINUSE, None), (errno.EADDRINUSE, 'macaddress'),
                                        (errno.EEXIST, 'macaddress')])
def test_mac_in_use_names_the_mac(code, hint):
    exc = translate(code, 'create', MACVLAN, hint)
    assert exc.message == ("cannot create macvlan 'mv0' in the root namespace: MAC address 02:00:5e:10:00:01 is "
                           "already used by another port on parent 'eth0'; choose another macaddress or leave it "
                           "out to get a random one")
    assert (exc.code, exc.field, exc.value) == (code, 'macaddress', '02:00:5e:10:00:01')


def test_mac_in_use_without_declared_mac_does_not_say_none():
    """E.g. bringing up a port whose (kernel-chosen) MAC a sibling already uses."""
    exc = translate(errno.EADDRINUSE, 'change admin_state of', dict(MACVLAN, macaddress=None))
    assert 'None' not in exc.message
    assert exc.message == ("cannot change admin_state of macvlan 'mv0' in the root namespace: its MAC address is "
                           "already used by another port on parent 'eth0'; choose another macaddress or leave it out "
                           "to get a random one")
    assert (exc.code, exc.field, exc.value) == (errno.EADDRINUSE, 'macaddress', None)


def test_eexist_without_mac_hint_is_the_name():
    exc = translate(errno.EEXIST, 'create', IN_NET1)
    assert exc.message == ("cannot create macvlan 'eth0' in namespace 'net1': a link with that name already exists "
                           "there; choose another name")
    assert (exc.field, exc.value) == ('name', 'eth0')


def test_erange_is_the_name_length():
    exc = translate(errno.ERANGE, 'create', dict(MACVLAN, name='n' * 16))
    assert "the name '%s' is longer than the kernel's 15 bytes; choose a shorter name" % ('n' * 16) in exc.message
    assert (exc.code, exc.field) == (errno.ERANGE, 'name')


@pytest.mark.parametrize('link, words', [
    (MACVLAN, "parent 'eth0' does not exist in the root namespace"),
    (IN_NET1, "parent 'eth0' does not exist in namespace 'host1'"),
])
def test_enodev_is_the_parent(link, words):
    exc = translate(errno.ENODEV, 'create', link)
    assert words in exc.message
    assert exc.message.endswith('create the parent first or fix parent/parent_netns')
    assert (exc.field, exc.value) == ('parent', 'eth0')


@pytest.mark.parametrize('code', [errno.EPERM, errno.EACCES])
def test_permission(code):
    exc = translate(code, 'delete', MACVLAN)
    assert exc.message == ("cannot delete macvlan 'mv0' in the root namespace: permission denied; run the task as "
                           "root (become: true) or with CAP_NET_ADMIN")
    assert exc.code == code


def test_einval_with_hint():
    exc = translate(errno.EINVAL, 'change mtu of', MACVLAN, 'mtu above the parent mtu')
    assert exc.message == ("cannot change mtu of macvlan 'mv0' in the root namespace: the kernel rejected it as "
                           "invalid (EINVAL): mtu above the parent mtu")


@pytest.mark.parametrize('code, hint, tail', [
    (errno.EINVAL, None, 'the kernel answered EINVAL (Invalid argument)'),
    (errno.ENOSPC, None, 'the kernel answered ENOSPC (No space left on device)'),
    (errno.ENOSPC, 'too many ports', 'the kernel answered ENOSPC (No space left on device); too many ports'),
    (9999, None, 'the kernel answered 9999 (Unknown error 9999)'),
    (None, None, 'the kernel answered None (unknown error)'),
])
def test_unknown_errno_is_passed_on(code, hint, tail):
    exc = translate(code, 'create', MACVLAN, hint)
    assert exc.message == "cannot create macvlan 'mv0' in the root namespace: %s" % tail
    assert exc.code == code
    assert exc.field is None
