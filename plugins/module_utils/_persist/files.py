# Copyright: (c) 2026, underlay.network contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Files planned like links: each path we own is wanted with a content, a symlink target or absent;
the plan is the list of paths that differ (write, link, remove), shown as steps and a diff, then applied.

Files are found again by their names (and a header line), never by a side record.
"""

from __future__ import annotations

import glob
import os

from ansible_collections.underlay.network.plugins.module_utils._common.change import step
from ansible_collections.underlay.network.plugins.module_utils._common.errors import UnderlayError


STATE_DIR = 'etc/underlay.network'
ENGINE_DIR = 'usr/lib/underlay.network'
UNIT_DIR = 'etc/systemd/system'
NETWORKD_DIR = 'etc/systemd/network'
HEADER = '# Written by underlay.network (host_networks, persist: %s); changes here are overwritten.\n'


class PersistError(UnderlayError):
    pass


def owned_paths(root, pattern):
    """The paths under ROOT that match PATTERN, relative to ROOT."""
    return sorted(os.path.relpath(path, root) for path in glob.glob(os.path.join(root, pattern)))


class File:
    """One path we own: text content, a symlink target, or absent (content and link None)."""

    def __init__(self, path, content=None, link=None, mode=0o644, summary=None):
        self.path = path
        self.content = content
        self.link = link
        self.mode = mode
        self.summary = summary  # shown in the diff instead of the content (the engine's code)

    @property
    def absent(self):
        return self.content is None and self.link is None


def _current(root, path):
    full = os.path.join(root, path)
    if os.path.islink(full):
        return File(path, link=os.readlink(full))
    if os.path.isfile(full):
        with open(full) as handle:
            return File(path, content=handle.read(), mode=os.stat(full).st_mode & 0o7777)
    return File(path)


def plan_files(root, desired):
    """[(wanted File, current File, action)] for every path whose state differs."""
    plan = []
    for want in desired:
        have = _current(root, want.path)
        if want.absent:
            if not have.absent:
                plan.append((want, have, 'remove file'))
        elif want.link is not None:
            if have.link != want.link:
                plan.append((want, have, 'link file'))
        elif have.content != want.content or have.mode != want.mode:
            plan.append((want, have, 'write file'))
    return plan


def apply_files(root, plan):
    for want, _have, action in plan:
        full = os.path.join(root, want.path)
        try:
            if os.path.lexists(full) and (action != 'write file' or os.path.islink(full)):
                os.unlink(full)
            if action == 'remove file':
                _prune_dirs(root, os.path.dirname(want.path))
                continue
            if not os.path.isdir(os.path.dirname(full)):
                os.makedirs(os.path.dirname(full), 0o755)
            if action == 'link file':
                os.symlink(want.link, full)
            else:
                partial = full + '.underlay-new'
                with open(partial, 'w') as handle:
                    handle.write(want.content)
                os.chmod(partial, want.mode)
                os.rename(partial, full)
        except OSError as exc:
            raise PersistError('cannot %s %s: %s' % (action.split()[0], full, exc.strerror or exc), 'persist', full)


def _prune_dirs(root, relative):
    """Removes directories we emptied (a .wants/ or .d/ directory), up to the config directory itself."""
    stop = {UNIT_DIR, NETWORKD_DIR, 'etc/sysctl.d', 'usr/lib', 'usr', 'etc', ''}
    while relative not in stop:
        try:
            os.rmdir(os.path.join(root, relative))
        except OSError:
            return
        relative = os.path.dirname(relative)


def _shown(item):
    if item.absent:
        return None
    return item.content if item.link is None else '-> ' + item.link


def changes_and_diff(plan):
    """The file steps and the diff; the engine's code counts as one step per action, shown by a summary."""
    changes, before, after = [], {}, {}
    code_paths = {}
    for want, have, action in plan:
        if want.summary or have.summary:
            code_paths.setdefault(action, []).append(want.path)
            continue
        changes.append(step(action, 'file', '/' + want.path))
        before['/' + want.path], after['/' + want.path] = _shown(have), _shown(want)
    code = '/%s/lib' % ENGINE_DIR
    for action, paths in sorted(code_paths.items()):
        changes.append(step(action, 'file', code, files=len(paths)))
        before[code] = '%d files of the engine' % len(paths) if action != 'write file' else None
        after[code] = None if action == 'remove file' else 'the engine of this collection (%d files)' % len(paths)
    return changes, before, after
