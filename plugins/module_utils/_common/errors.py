# Copyright: (c) 2026, underlay.network contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Errors the engine raises, and the translation of kernel errno values into sentences."""

from __future__ import annotations

import errno

from ansible_collections.underlay.network.plugins.module_utils._common.vocabulary import KERNEL_MODULES


class UnderlayError(Exception):
    """An error meant for the user: the message names the field, the value and the fix."""

    def __init__(self, message, field=None, value=None):
        super().__init__(message)
        self.message = message
        self.field = field
        self.value = value


class ValidationError(UnderlayError):
    """Bad input, found before anything was touched."""


class KernelError(UnderlayError):
    """The kernel refused a change; `code` is the errno it returned."""

    def __init__(self, message, code=None, field=None, value=None):
        super().__init__(message, field=field, value=value)
        self.code = code


def _where(link):
    netns = link.get('netns')
    return "%s '%s'%s" % (link.get('kind') or 'link', link.get('name'),
                          " in namespace '%s'" % netns if netns else ' in the root namespace')


def translate(code, action, link, hint=None):
    """A KernelError whose message says what failed, why, and what to do about it.

    `link` is a dict with at least kind, name, netns and, where relevant, parent,
    parent_netns and macaddress; `hint` is what the engine already knows about the
    cause (for example which sibling holds the parent busy).
    """
    where = _where(link)
    parent = link.get('parent')
    kind = link.get('kind')
    if code == errno.EOPNOTSUPP:
        message = ("cannot %s %s: this kernel has no %s driver (EOPNOTSUPP); load module %s "
                   "(modprobe %s, or the underlay.network.kernel_modules role) or use a kernel "
                   "built with it" % (action, where, kind, _module_for(kind), _module_for(kind)))
        return KernelError(message, code, field='kind', value=kind)
    if code == errno.EBUSY:
        cause = hint or ("parent '%s' is busy: it already carries ports of another driver "
                         "(macvlan and ipvlan cannot share a parent), is enslaved to a bond or "
                         "bridge, or is held by a passthru macvlan" % parent)
        return KernelError("cannot %s %s: %s (EBUSY)" % (action, where, cause), code,
                           field='parent', value=parent)
    if code == errno.EADDRINUSE or (code == errno.EEXIST and hint == 'macaddress'):
        mac = link.get('macaddress')
        which = 'MAC address %s' % mac if mac else 'its MAC address'
        return KernelError(
            "cannot %s %s: %s is already used by another port on parent '%s'; "
            "choose another macaddress or leave it out to get a random one" % (action, where, which, parent),
            code, field='macaddress', value=mac)
    if code == errno.EEXIST and action.startswith('add route'):
        return KernelError("cannot %s %s: the main table already has that route with the same metric through "
                           "another device (someone else's); remove it, or give the network another metric"
                           % (action, where), code, field='routes', value=action.split()[2])
    if code == errno.EEXIST and hint:
        return KernelError("cannot %s %s: %s (EEXIST)" % (action, where, hint), code, field='parent',
                           value=parent)
    if code == errno.EEXIST:
        return KernelError("cannot %s %s: a link with that name already exists there; choose another "
                           "name" % (action, where), code, field='name', value=link.get('name'))
    if code == errno.ERANGE:
        return KernelError("cannot %s %s: the name '%s' is longer than the kernel's 15 bytes; "
                           "choose a shorter name" % (action, where, link.get('name')),
                           code, field='name', value=link.get('name'))
    if code == errno.ENODEV:
        return KernelError("cannot %s %s: parent '%s' does not exist in %s; create the parent first or "
                           "fix parent/parent_netns" % (action, where, parent, ns_words(link.get('parent_netns'))),
                           code, field='parent', value=parent)
    if code in (errno.EPERM, errno.EACCES):
        return KernelError("cannot %s %s: permission denied; run the task as root (become: true) or "
                           "with CAP_NET_ADMIN" % (action, where), code)
    if code == errno.EINVAL and hint:
        return KernelError("cannot %s %s: the kernel rejected it as invalid (EINVAL): %s" % (action, where, hint), code)
    return KernelError("cannot %s %s: the kernel answered %s (%s)%s"
                       % (action, where, errno.errorcode.get(code, code), _strerror(code),
                          '; ' + hint if hint else ''), code)


def _module_for(kind):
    return KERNEL_MODULES.get(kind, kind)


def ns_words(netns):
    return "namespace '%s'" % netns if netns else 'the root namespace'


def _strerror(code):
    try:
        import os
        return os.strerror(code)
    except (ValueError, TypeError):
        return 'unknown error'
