# Copyright: (c) 2026, underlay.network contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""One converge per network namespace at a time: two AWX jobs on one host queue up, never interleave.

An flock on a file per namespace under /run (gone at reboot, released by the kernel when the
holder dies); the holder writes who it is beside it, so a waiter that gives up can say whom it
waited for. Re-entrant within a process: a converge and the persistence written with it (or a boot
replay reading the stored state) hold the lock as one, and a nested `with` does not wait on itself.
"""

from __future__ import annotations

import fcntl
import os
import time

from ansible_collections.underlay.network.plugins.module_utils._common.errors import UnderlayError


LOCK_DIR = '/run/underlay.network'


class LockTimeout(UnderlayError):
    pass


class NamespaceLock:
    _held = {}  # path -> depth, for the locks this process holds

    def __init__(self, netns, timeout=120, holder='', directory=LOCK_DIR):
        name = ('netns-%s' % netns) if netns else 'host'
        self.path = os.path.join(directory, name + '.lock')
        self.netns = netns
        self.timeout = timeout
        self.holder = holder or 'pid %d' % os.getpid()
        self._fd = None

    def __enter__(self):
        if self.path in NamespaceLock._held:
            NamespaceLock._held[self.path] += 1
            return self
        if not os.path.isdir(os.path.dirname(self.path)):
            os.makedirs(os.path.dirname(self.path), 0o755)
        self._fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
        deadline = time.time() + self.timeout
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
                time.sleep(0.2)
        os.ftruncate(self._fd, 0)
        os.write(self._fd, ('%s, since %s\n' % (self.holder, time.strftime('%Y-%m-%d %H:%M:%S'))).encode('utf-8'))
        NamespaceLock._held[self.path] = 1
        return self

    def _read_holder(self):
        try:
            with open(self.path) as handle:
                return handle.read().strip()
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
