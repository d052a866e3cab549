# Copyright: (c) 2026, underlay.network contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""systemd's names for things: the instance string of a template unit (`systemd-escape NAME`) and the
device unit of a network interface (`systemd-escape --path`), written once for every unit we write."""

from __future__ import annotations


_SYSTEMD_SAFE = frozenset(b'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789:_.')


def systemd_escape(name: str) -> str:
    """`systemd-escape NAME`: the instance string of a template unit for this interface name.

    Kept: ASCII letters, digits, ':', '_' and '.' (not leading); '/' becomes '-'; every other byte
    is \\xNN. So 'eth0.10' stays, 'br-lan' becomes 'br\\x2dlan' (whose %I is 'br-lan' again).
    """
    out = []
    for position, byte in enumerate(name.encode('utf-8')):
        if byte == ord('/'):
            out.append('-')
        elif byte in _SYSTEMD_SAFE and not (position == 0 and byte == ord('.')):
            out.append(chr(byte))
        else:
            out.append('\\x%02x' % byte)
    return ''.join(out)


def systemd_escape_path(path: str) -> str:
    """`systemd-escape --path`: slashes at either end dropped, the rest escaped like a name."""
    return systemd_escape(path.strip('/'))


def device_unit(ifname: str) -> str:
    """The device unit of a network interface (sys-subsystem-net-devices-eth0.10.device)."""
    return systemd_escape_path('/sys/subsystem/net/devices/%s' % ifname) + '.device'
