# Copyright: (c) 2026, underlay.network contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Network sysctls of one namespace: validated, read, planned as changes, written and read back.

/proc/sys/net shows the namespace of whoever opens the file, so reads and writes happen inside
the namespace. Only net.* keys: the others are not per namespace, and not this collection's business.
"""

from __future__ import annotations

import os
import re
from typing import Iterable

from ansible_collections.underlay.network.plugins.module_utils._common.change import Change
from ansible_collections.underlay.network.plugins.module_utils._common.errors import KernelError, ValidationError
from ansible_collections.underlay.network.plugins.module_utils._kernel import netlink


_KEY = re.compile(r'^net[./][A-Za-z0-9_@:+./-]+$')
_EMPTY_PART = re.compile(r'\.\.|//|/\.|\./|[./]$')


def path_of(key: str) -> str:
    """A dotted key (sysctl style: '/' stands for a '.' inside a name such as eth0/10) or a path under
    /proc/sys starting with net/."""
    if key.startswith('net/'):
        return '/proc/sys/' + key
    return '/proc/sys/' + key.translate({ord('.'): '/', ord('/'): '.'})


def _value(key, value):
    if isinstance(value, bool):
        return '1' if value else '0'
    if isinstance(value, int):
        return str(value)
    if isinstance(value, str) and value.strip() and '\n' not in value and '\r' not in value:
        return ' '.join(value.split())
    raise ValidationError("sysctls: the value of '%s' is %r; give a number, a boolean or a one-line string"
                          % (key, value), 'sysctls', value)


def normalise_sysctls(sysctls: dict | None) -> dict[str, str]:
    """{key: value} -> {key: the value as the kernel shows it (whitespace folded)}, or ValidationError."""
    if sysctls is None:
        return {}
    if not isinstance(sysctls, dict):
        raise ValidationError("sysctls must be a dictionary of net.* keys and values, not %r" % (sysctls,),
                              'sysctls', sysctls)
    result = {}
    for key, value in sysctls.items():
        key = str(key)
        if not _KEY.match(key) or _EMPTY_PART.search(key):
            raise ValidationError("sysctls: key '%s' is not a net.* sysctl; give a dotted key such as "
                                  "net.ipv4.ip_forward (or a path under /proc/sys such as "
                                  "net/ipv4/conf/eth0.10/rp_filter): only network sysctls are per namespace"
                                  % key, 'sysctls', key)
        result[key] = _value(key, value)
    return result


def read(netns: str | None, keys: Iterable[str]) -> dict[str, str | None]:
    """{key: current value, or None where the kernel has no such sysctl}."""
    values = {}
    with netlink.in_namespace(netns):
        for key in keys:
            try:
                with open(path_of(key)) as handle:
                    values[key] = ' '.join(handle.read().split())
            except OSError:
                values[key] = None
    return values


def plan(wanted: dict[str, str], current: dict[str, str | None]) -> list[Change]:
    """Changes from `current` to `wanted`; a key the kernel lacks is refused, naming it."""
    missing = sorted(key for key in wanted if current.get(key) is None)
    if missing:
        verb = 'does' if len(missing) == 1 else 'do'
        paths = ', '.join(path_of(key) for key in missing)
        raise ValidationError("sysctls: %s %s not exist in this namespace (%s); check the spelling, or create the "
                              "interface it names first" % (', '.join(missing), verb, paths), 'sysctls', missing[0])
    return [Change('set sysctl', key, current[key], value) for key, value in sorted(wanted.items())
            if current[key] != value]


def apply(netns: str | None, changes: list[Change], backwards: bool = False) -> None:
    """Write each change (its `before` when `backwards`), then read them back."""
    with netlink.in_namespace(netns):
        for change in changes:
            value = change.before if backwards else change.after
            try:
                with open(path_of(change.attribute), 'w') as handle:
                    handle.write(value + '\n')
            except OSError as exc:
                raise KernelError("cannot set sysctl %s to '%s': the kernel refused it (%s)"
                                  % (change.attribute, value, os.strerror(exc.errno or 0)), exc.errno,
                                  'sysctls', change.attribute)
    now = read(netns, [change.attribute for change in changes])
    for change in changes:
        value = change.before if backwards else change.after
        if now[change.attribute] != value:
            raise KernelError("sysctl %s: wrote '%s', the kernel kept '%s'" % (change.attribute, value,
                                                                               now[change.attribute]),
                              None, 'sysctls', change.attribute)
