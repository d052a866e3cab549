# Copyright: (c) 2026, underlay.network contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Diagnosis: what the snapshots read before a failed request tell about its cause."""

from __future__ import annotations

import errno
from typing import TYPE_CHECKING

from ansible_collections.underlay.network.plugins.module_utils._common.errors import ns_words
from ansible_collections.underlay.network.plugins.module_utils._common.vocabulary import PORT_KINDS
from ansible_collections.underlay.network.plugins.module_utils._links.kinds import KINDS
from ansible_collections.underlay.network.plugins.module_utils._reconcile.plan import port_siblings


if TYPE_CHECKING:  # names for the annotations only
    from ansible_collections.underlay.network.plugins.module_utils._links.spec import LinkSpec
    from ansible_collections.underlay.network.plugins.module_utils._reconcile.read import Snapshot


def find_cause(code: int, spec: LinkSpec, snapshots: dict[str | None, Snapshot]) -> str | None:
    """What the snapshots tell about the cause of an error (None when they cannot tell)."""
    try:
        return _find_cause(code, spec, snapshots)
    except Exception:  # pylint: disable=broad-except
        return None  # a hint must never hide the error itself, nor skip the undo


def _find_cause(code, spec, snapshots):
    snapshot = snapshots.get(spec.parent_netns)
    parent = snapshot.links.get(spec.parent) if snapshot else None
    if parent is None:
        return None
    if code == errno.EBUSY:
        if parent['master']:
            master = snapshot.by_index.get(parent['master'], {}).get('name', parent['master'])
            return "parent '%s' is enslaved to '%s'; use that master device or release it" % (spec.parent, master)
        others = [kind for kind in PORT_KINDS if kind not in KINDS[spec.kind].port_kinds]
        holders = port_siblings(spec, snapshots, others)
        if holders:
            return ("parent '%s' already carries %s; a parent takes ports of one driver only: use "
                    "another parent or a VLAN sub-interface of it" % (spec.parent, ', '.join(
                        "%s port '%s' in %s" % (link['kind'], link['name'], ns_words(netns))
                        for netns, link in holders)))
    if code == errno.EEXIST:
        kind = KINDS[spec.kind]
        for link in snapshot.links.values():
            if link['kind'] == spec.kind and link['link'] == parent['index'] and link['link_netnsid'] is None \
                    and link['name'] != spec.name and kind.duplicate(spec.options, kind.read(link)):
                return ("parent '%s' already has the same %s as '%s'; use that link or remove it"
                        % (spec.parent, spec.kind, link['name']))
    if code in (errno.EADDRINUSE, errno.EEXIST) and spec.macaddress:
        target = snapshots.get(spec.netns)
        if target is None or spec.name not in target.links:
            return 'macaddress'
    return None
