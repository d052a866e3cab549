# Copyright: (c) 2026, underlay.network contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""The ownership mark, for the backends whose links another program makes at boot (networkd, NetworkManager).

The engine marks each VLAN and shim it makes (the link's alias); when networkd or NetworkManager makes them at
boot instead, udev .link files put the same mark on. A VLAN that exists without the mark, and that no file of
ours makes (a .netdev, a profile: udev applies only the first .link file that matches, so another one may have
kept ours from marking it), is someone else's: the networks only sit on it, and no file of ours may take it over.
"""

from __future__ import annotations

import os

from ansible_collections.underlay.network.plugins.module_utils._common.vocabulary import OWNER_MARK
from ansible_collections.underlay.network.plugins.module_utils._persist.files import (
    HEADER, NETWORKD_DIR, NETWORKD_PREFIX, NM_DIR, NM_PROFILE_PREFIX, NM_PROFILE_SUFFIX, File, ini_text)

SYSFS_NET = '/sys/class/net'


def owner_mark_files(derived, backend):
    """udev .link files that mark the VLANs and shims of `derived` (udev applies them to every new link, whoever
    made it)."""
    return [File(os.path.join(NETWORKD_DIR, NETWORKD_PREFIX + link + '.link'), content=HEADER % backend + ini_text([
        ('Match', [('OriginalName', link)]), ('Link', [('Alias', OWNER_MARK)])]))
        for link in sorted({item['name'] for item in derived['vlans']} | {net['shim_name'] for net in derived['networks']})]


def made_by_our_files(root, name):
    """Whether a .netdev or a NetworkManager profile of ours makes the link NAME at boot."""
    return any(os.path.lexists(os.path.join(root, path)) for path in (
        os.path.join(NETWORKD_DIR, NETWORKD_PREFIX + name + '.netdev'),
        os.path.join(NM_DIR, NM_PROFILE_PREFIX + name + NM_PROFILE_SUFFIX)))


def foreign_vlans(root, vlans, sysfs=SYSFS_NET):
    """The names of the VLANs that exist without our mark and that no file of ours makes. Under a persist_root
    nothing is known: none."""
    foreign = set()
    for vlan in vlans if root == '/' else ():
        if made_by_our_files(root, vlan['name']):
            continue
        try:
            with open(os.path.join(sysfs, vlan['name'], 'ifalias'), encoding='utf-8') as handle:
                if handle.read().strip() != OWNER_MARK:
                    foreign.add(vlan['name'])
        except OSError:
            continue  # not there: ours to make
    return foreign


def without_foreign_vlans(root, derived, sysfs=SYSFS_NET):
    """`derived` without the VLANs someone else made (the networks on them stay)."""
    foreign = foreign_vlans(root, derived['vlans'], sysfs)
    return dict(derived, vlans=[vlan for vlan in derived['vlans'] if vlan['name'] not in foreign])
