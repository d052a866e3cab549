# Copyright: (c) 2026, underlay.network contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""One converge per network namespace at a time: two AWX jobs on one host queue up, never interleave.

An flock on a file per namespace under /run (gone at reboot, released by the kernel when the
holder dies); the holder writes who it is beside it, so a waiter that gives up can say whom it
waited for. The host's own namespace is named by the kernel's number for it: hosts that are network
namespaces sharing one filesystem (the lab's, a fleet benchmark's) do not wait for each other.
Re-entrant within a process: a converge and the persistence written with it (or a boot replay
reading the stored state) hold the lock as one, and a nested `with` does not wait on itself.
"""

from __future__ import annotations

import errno
import fcntl
import os
import stat
import time

from ansible_collections.underlay.network.plugins.module_utils._common.errors import UnderlayError


LOCK_DIR = '/run/underlay.network'


class LockTimeout(UnderlayError):
    pass


class PlantedLock(UnderlayError):
    """Something other than our lock file sits at the lock's path: never followed, never truncated."""


def _open_lock(path):
    """The lock file, opened without following a symlink; refused when it is not a plain file of its own (a
    symlink, a FIFO, a hard link to someone else's file), which truncating would destroy."""
    directory = os.path.dirname(path)
    if os.path.islink(directory) or (os.path.exists(directory) and not os.path.isdir(directory)):
        raise PlantedLock("refusing the lock directory %s: it is not a directory of ours (a symlink or a file); "
                          "remove it and run again" % directory, 'lock', directory)
    if not os.path.isdir(directory):
        os.makedirs(directory, 0o755)
    try:
        fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC, 0o644)
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            raise PlantedLock("refusing the lock file %s: it is a symlink; remove it and run again" % path,
                              'lock', path) from None
        raise
    info = os.fstat(fd)
    if not stat.S_ISREG(info.st_mode) or info.st_nlink != 1:
        os.close(fd)
        raise PlantedLock("refusing the lock file %s: it is %s, not a lock file of ours; remove it and run again" % (
            path, 'not a regular file' if not stat.S_ISREG(info.st_mode) else 'a hard link to another file'),
            'lock', path)
    return fd


def own_namespace():
    """The kernel's number for this process's network namespace (/proc/self/ns/net: net:[4026531840]), or None."""
    try:
        return os.readlink('/proc/self/ns/net').split('[', 1)[1].rstrip(']')
    except (OSError, IndexError):
        return None


class NamespaceLock:
    _held = {}  # path -> depth, for the locks this process holds

    def __init__(self, netns, timeout=120, holder='', directory=LOCK_DIR):
        name = ('netns-%s' % netns) if netns else 'host-net%s' % (own_namespace() or '')
        self.path = os.path.join(directory, name + '.lock')
        self.netns = netns
        self.timeout = timeout
        self.holder = holder or 'pid %d' % os.getpid()
        self._fd = None

    def __enter__(self):
        if self.path in NamespaceLock._held:
            NamespaceLock._held[self.path] += 1
            return self
        self._fd = _open_lock(self.path)
        deadline, pause = time.time() + self.timeout, 0.01
        while True:
            try:
                fcntl.flock(self._fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except OSError:
                if time.time() >= deadline:
                    held_by = self._read_holder()
                    os.close(self._fd)
                    self._fd = None
                    raise LockTimeout(
                        "another run is changing %s's underlay networks (%s) and still held the lock %s after %d s; "
                        "wait for it to finish, or raise lock_timeout" % (
                            "namespace '%s'" % self.netns if self.netns else 'this host', held_by or 'holder unknown',
                            self.path, self.timeout), 'lock_timeout', self.timeout)
                time.sleep(pause)
                pause = min(pause * 2, 0.2)  # a short wait is noticed at once, a long one polled gently
        os.ftruncate(self._fd, 0)
        os.write(self._fd, ('%s, since %s\n' % (self.holder, time.strftime('%Y-%m-%d %H:%M:%S'))).encode('utf-8'))
        NamespaceLock._held[self.path] = 1
        return self

    def _read_holder(self):
        """Who holds it, as the holder wrote it into the file we have open (never the path again)."""
        try:
            return os.pread(self._fd, 4096, 0).decode('utf-8', 'replace').strip()
        except OSError:
            return ''

    def __exit__(self, *exc):
        depth = NamespaceLock._held.get(self.path, 0)
        if depth > 1 or self._fd is None:
            if depth > 1:
                NamespaceLock._held[self.path] = depth - 1
            return
        del NamespaceLock._held[self.path]
        if self._fd is not None:
            os.ftruncate(self._fd, 0)
            fcntl.flock(self._fd, fcntl.LOCK_UN)
            os.close(self._fd)
            self._fd = None
