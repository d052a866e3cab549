# Copyright: (c) 2026, underlay.network contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Files planned like links: each path we own is wanted with a content, a symlink target or absent;
the plan is the list of paths that differ (write, link, remove), shown as steps and a diff, then applied.

Files are found again by their names (and a header line), never by a side record.

What is written here is run as root at every boot, so nothing planted is followed: a path we write is opened
without following a symlink and never truncated in place (a new file under a temporary name, synced, renamed
over it, the directory synced after: after a power cut the file is the old one or the new one, whole); a
symlink or a non-regular file where we keep a file, or a symlinked directory of ours, is refused by name.
"""

from __future__ import annotations

import contextlib
import errno
import glob
import os
import stat

from ansible_collections.underlay.network.plugins.module_utils._common.change import step
from ansible_collections.underlay.network.plugins.module_utils._common.errors import UnderlayError


STATE_DIR = 'etc/underlay.network'
ENGINE_DIR = 'usr/lib/underlay.network'
UNIT_DIR = 'etc/systemd/system'
NETWORKD_DIR = 'etc/systemd/network'
NM_DIR = 'etc/NetworkManager/system-connections'
NM_DISPATCHER_DIR = 'etc/NetworkManager/dispatcher.d'
UNIT_PREFIX = 'underlay-network-'  # our systemd units: underlay-network-replay.service, underlay-network-parent@.service
NETWORKD_PREFIX = '60-underlay-network-'  # our .netdev, .network and udev .link files
NM_PROFILE_PREFIX, NM_PROFILE_SUFFIX = 'underlay-network-', '.nmconnection'  # our NetworkManager profiles
HEADER = '# Written by underlay.network (host_networks, persist: %s); changes here are overwritten.\n'
PARTIAL = '.underlay-new'  # a file being written; one left behind by a killed run is removed by the next
# directories of the system's that our files sit in: never made, pruned or judged by us
SYSTEM_DIRS = {'', 'etc', 'usr', 'usr/lib', 'etc/systemd', UNIT_DIR, NETWORKD_DIR, 'etc/sysctl.d', 'etc/modules-load.d',
               'etc/NetworkManager', NM_DIR, NM_DISPATCHER_DIR, 'etc/NetworkManager/conf.d'}


def networkd_path(link, suffix):
    """Our networkd file for LINK: .netdev, .network or the udev .link with the mark."""
    return os.path.join(NETWORKD_DIR, NETWORKD_PREFIX + link + suffix)


def nm_profile_path(link):
    """Our NetworkManager profile for LINK."""
    return os.path.join(NM_DIR, NM_PROFILE_PREFIX + link + NM_PROFILE_SUFFIX)


class PersistError(UnderlayError):
    pass


def ini_text(sections):
    """[(section, [(key, value)])] -> the text of an ini-style file (systemd units and networkd files, NetworkManager
    keyfiles)."""
    return '\n'.join('[%s]\n%s' % (section, ''.join('%s=%s\n' % pair for pair in pairs)) for section, pairs in sections)


def owned_paths(root, pattern):
    """The paths under ROOT that match PATTERN, relative to ROOT."""
    return sorted(os.path.relpath(path, root) for path in glob.glob(os.path.join(root, pattern)))


class File:
    """One path we own: text content, a symlink target, or absent (content and link None)."""

    def __init__(self, path, content=None, link=None, mode=0o644, summary=None, owner=None, directory=False):
        self.path = path
        self.owner = owner  # of a file read from disk (ours are written by the user that runs us: root)
        self.directory = directory  # one of our directories, kept 0755 and ours
        self.content = content
        self.link = link
        self.mode = mode
        self.summary = summary  # shown in the diff instead of the content (the engine's code)

    @property
    def absent(self):
        return self.content is None and self.link is None and not self.directory


def _refuse(full, what, fix='remove it (it was not made by this collection) and run again'):
    raise PersistError('refusing to write %s: %s; %s' % (full, what, fix), 'persist', full)


def _check_dirs(root, path):
    """Our directories on the way to PATH must be real directories (a symlink there would send our files,
    run as root at boot, wherever it points)."""
    relative = os.path.dirname(path)
    while relative not in SYSTEM_DIRS:
        full = os.path.join(root, relative)
        if os.path.islink(full):
            _refuse(full, 'it is a symlink (to %s), not a directory of ours' % os.readlink(full))
        relative = os.path.dirname(relative)


def open_regular(full, what='refusing to read'):
    """An fd of the regular file FULL, opened without following a symlink and without blocking on a FIFO (a
    planted one would hang a boot); PersistError naming it otherwise. FileNotFoundError when it is not there."""
    try:
        fd = os.open(full, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC)
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            raise PersistError('%s %s: it is a symlink; remove it and run again' % (what, full), 'persist', full) from None
        raise
    if not stat.S_ISREG(os.fstat(fd).st_mode):
        os.close(fd)
        raise PersistError('%s %s: it is not a regular file; remove it and run again' % (what, full), 'persist', full)
    return fd


def _current(root, path):
    """The path as it is: a File with its content (and owner) or link target; a planted non-regular file is
    refused."""
    full = os.path.join(root, path)
    try:
        fd = open_regular(full, 'refusing to write')
    except FileNotFoundError:
        return File(path)
    except PersistError:
        if not os.path.islink(full):
            raise
        try:
            return File(path, link=os.readlink(full))
        except OSError:  # gone meanwhile
            return File(path)
    info = os.fstat(fd)
    with os.fdopen(fd) as handle:
        return File(path, content=handle.read(), mode=info.st_mode & 0o7777, owner=info.st_uid)


def leftovers(root, directories):
    """Files some earlier run was writing when it was killed (PARTIAL), in DIRECTORIES under ROOT, to remove; a
    symlink or a non-regular file under such a name was planted, and is refused."""
    found = [path for directory in directories for path in owned_paths(root, os.path.join(directory, '*' + PARTIAL))]
    for path in found:
        _check_partial(os.path.join(root, path))
    return [File(path) for path in found]


def _check_partial(full):
    """A file under our temporary name is one we were writing: a regular file, or a unit link of ours."""
    info = os.lstat(full)
    if stat.S_ISREG(info.st_mode):
        return
    if stat.S_ISLNK(info.st_mode) and os.readlink(full).startswith('/%s/%s' % (UNIT_DIR, UNIT_PREFIX)):
        return
    _refuse(full, 'it is a symlink or not a regular file under the temporary name of a file this collection writes')


def plan_files(root, desired):
    """[(wanted File, current File, action)] for every path (and directory of ours) whose state differs; a path
    listed twice (a leftover also matched by a backend's clean-up) counts once."""
    plan, seen = [], set()
    for want in _directories(root, desired) + desired:
        if want.path in seen:
            continue
        seen.add(want.path)
        if want.directory:
            info = os.lstat(os.path.join(root, want.path))
            if stat.S_IMODE(info.st_mode) != 0o755 or info.st_uid != os.geteuid():
                plan.append((want, File(want.path, mode=stat.S_IMODE(info.st_mode), owner=info.st_uid),
                             'fix directory'))
            continue
        _check_dirs(root, want.path)
        have = _current(root, want.path)
        if want.content is not None and have.link is not None:
            _refuse(os.path.join(root, want.path), 'it is a symlink to %s where this collection keeps a file' % have.link)
        if want.absent:
            if not have.absent:
                plan.append((want, have, 'remove file'))
        elif want.link is not None:
            if have.link != want.link:
                plan.append((want, have, 'link file'))
        elif have.content != want.content or have.mode != want.mode or have.owner != os.geteuid():
            plan.append((want, have, 'write file'))
    return plan


def _directories(root, desired):
    """Our existing directories on the way to the files we keep, each once: their mode and owner are ours to keep
    (a boot replay refuses an engine tree others could change)."""
    found = []
    for want in desired:
        if want.absent:
            continue
        relative = os.path.dirname(want.path)
        while relative not in SYSTEM_DIRS:
            if relative not in found and os.path.isdir(os.path.join(root, relative)) \
                    and not os.path.islink(os.path.join(root, relative)):
                found.append(relative)
            relative = os.path.dirname(relative)
    return [File(relative, directory=True) for relative in sorted(found)]


def apply_files(root, plan):
    # removals from one directory are synced together (a teardown removes the engine's hundred-odd files), and
    # before anything else happens: what follows still finds them gone on disk
    removed_from = None  # the directory (relative) of the removals not synced yet
    try:
        for want, _have, action in plan:
            folder = os.path.dirname(want.path)
            if removed_from is not None and (action != 'remove file' or folder != removed_from):
                pending, removed_from = removed_from, None
                _sync_removals(root, pending)
            _apply_file(root, want, action, os.path.join(root, want.path))
            if action == 'remove file':
                removed_from = folder
    except PersistError:
        if removed_from is not None:  # what was removed before the failure stays removed; the failure is the error
            with contextlib.suppress(PersistError):
                _sync_removals(root, removed_from)
        raise
    if removed_from is not None:
        _sync_removals(root, removed_from)


def _sync_removals(root, relative):
    """The removals from a directory on disk, then the directory itself removed if that left it empty."""
    if os.path.isdir(os.path.join(root, relative)):  # gone already: nothing of it to sync
        _sync_dir(os.path.join(root, relative))
        _prune_dirs(root, relative)


def _apply_file(root, want, action, full):
    try:
        if action == 'fix directory':
            os.chown(full, os.geteuid(), -1, follow_symlinks=False)
            os.chmod(full, 0o755)
            return
        if action == 'remove file':
            if os.path.lexists(full):  # a leftover the write of its own file already cleared
                os.unlink(full)  # a symlink itself, never what it points to
            return
        _make_dirs(root, os.path.dirname(want.path))
        partial = full + PARTIAL
        if os.path.lexists(partial):  # left by a run that was killed while writing it
            _check_partial(partial)
            os.unlink(partial)
        if action == 'link file':
            os.symlink(want.link, partial)
        else:
            _write_new(partial, want.content, want.mode)
        os.rename(partial, full)  # atomic: the old file or the new one, never half of one
        _sync_dir(os.path.dirname(full))
    except OSError as exc:
        raise PersistError('cannot %s %s: %s' % (action.split()[0], full, exc.strerror or exc), 'persist', full)


def _write_new(path, content, mode):
    """A new file (never an existing one, never through a symlink) with CONTENT, on disk before it is renamed."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | os.O_CLOEXEC, mode)
    with os.fdopen(fd, 'w') as handle:
        handle.write(content)
        handle.flush()
        os.fchmod(fd, mode)  # whatever the umask
        os.fsync(fd)


def _sync_dir(path):
    """The directory's entries on disk (a rename or a removal is durable only once its directory is)."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)
    except OSError as exc:
        raise PersistError('cannot sync the directory %s: %s' % (path, exc.strerror or exc), 'persist', path)


def _make_dirs(root, relative):
    """The directories down to RELATIVE that are missing, 0755 whatever the umask (root owns what root makes)."""
    full = os.path.join(root, relative)
    if os.path.isdir(full):
        return
    if not relative:  # a persist_root that does not exist yet
        os.makedirs(root, 0o755)
        return
    _make_dirs(root, os.path.dirname(relative))
    os.mkdir(full, 0o755)
    os.chmod(full, 0o755)
    _sync_dir(os.path.dirname(full))  # the new entry itself survives a power cut


def _prune_dirs(root, relative):
    """Removes directories we emptied (a .wants/ or .d/ directory), up to the config directory itself."""
    while relative not in SYSTEM_DIRS:
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
        if action == 'fix directory':
            before['/' + want.path] = 'directory, mode %o, owner %d' % (have.mode, have.owner)
            after['/' + want.path] = 'directory, mode 755, owner %d' % os.geteuid()
            continue
        before['/' + want.path], after['/' + want.path] = _shown(have), _shown(want)
    code = '/%s/lib' % ENGINE_DIR
    for action, paths in sorted(code_paths.items()):
        changes.append(step(action, 'file', code, files=len(paths)))
        before[code] = '%d files of the engine' % len(paths) if action != 'write file' else None
        after[code] = None if action == 'remove file' else 'the engine of this collection (%d files)' % len(paths)
    return changes, before, after
