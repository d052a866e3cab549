# Copyright: (c) 2026, underlay.network contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""The ownership mark, for the backends whose links another program makes at boot (networkd, NetworkManager).

The engine marks each VLAN and shim it makes (the link's alias); when networkd or NetworkManager makes them at
boot instead, udev .link files put the same mark on. A VLAN that was there without the mark (the engine's read
says which), and that no file of ours makes (a .netdev, a profile: udev applies only the first .link file that
matches, so another one may have kept ours from marking it), is someone else's: the networks only sit on it, and
no file of ours may take it over.
"""

from __future__ import annotations

import os

from ansible_collections.underlay.network.plugins.module_utils._common.vocabulary import OWNER_MARK
from ansible_collections.underlay.network.plugins.module_utils._persist.files import (
    HEADER, File, ini_text, networkd_path, nm_profile_path)


def owner_mark_files(derived, backend):
    """udev .link files that mark the VLANs and shims of `derived` (udev applies them to every new link, whoever
    made it)."""
    return [File(networkd_path(link, '.link'), content=HEADER % backend + ini_text([
        ('Match', [('OriginalName', link)]), ('Link', [('Alias', OWNER_MARK)])]))
        for link in sorted({item['name'] for item in derived['vlans']} | {net['shim_name'] for net in derived['networks']})]


def made_by_our_files(root, name):
    """Whether a .netdev or a NetworkManager profile of ours makes the link NAME at boot."""
    return any(os.path.lexists(os.path.join(root, path)) for path in (networkd_path(name, '.netdev'),
                                                                      nm_profile_path(name)))


def without_foreign_vlans(root, derived, unmarked):
    """`derived` without the VLANs someone else made (the networks on them stay). `unmarked`: the VLANs that were
    there without our mark, as the engine read them. Under a persist_root nothing is known of the host's files:
    none is someone else's."""
    foreign = {name for name in unmarked if not made_by_our_files(root, name)} if root == '/' else set()
    return dict(derived, vlans=[vlan for vlan in derived['vlans'] if vlan['name'] not in foreign])
