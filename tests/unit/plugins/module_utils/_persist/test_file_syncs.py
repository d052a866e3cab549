# Copyright: (c) 2026, underlay.network contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""_persist.files: what reaches the disk, in which order (every fsync recorded with the path it synced)."""

import os

import pytest

from ansible_collections.underlay.network.plugins.module_utils._persist import files
from ansible_collections.underlay.network.plugins.module_utils._persist.files import File, apply_files, plan_files


@pytest.fixture
def synced(monkeypatch, tmp_path):
    """The paths fsync()ed, relative to tmp_path, in order."""
    seen = []
    real = os.fsync

    def recording(fd):
        seen.append(os.path.relpath(os.readlink('/proc/self/fd/%d' % fd), str(tmp_path)))
        real(fd)
    monkeypatch.setattr(files.os, 'fsync', recording)
    return seen


def write(tmp_path, relative, text='x\n'):
    path = tmp_path / relative
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)


def test_removals_from_one_directory_are_synced_once_and_before_what_follows(tmp_path, synced):
    lib = 'usr/lib/underlay.network/lib/pkg'
    for name in ('a.py', 'b.py', 'c.py'):
        write(tmp_path, '%s/%s' % (lib, name))
    write(tmp_path, 'etc/underlay.network/old.json')
    desired = [File('%s/%s' % (lib, name)) for name in ('a.py', 'b.py', 'c.py')]
    desired += [File('etc/underlay.network/old.json'), File('etc/underlay.network/new.json', content='{}\n')]
    plan = plan_files(str(tmp_path), desired)
    assert [action for _want, _have, action in plan] == ['remove file'] * 4 + ['write file']
    apply_files(str(tmp_path), plan)
    # one sync for the three removals, then the emptied directories pruned; the removal in etc/underlay.network
    # synced (and the directory it emptied pruned) before the new file there is written: the directory made again
    # (its parent synced), the file's fsync, then its directory's after the rename
    assert synced == [lib, 'etc/underlay.network', 'etc', 'etc/underlay.network/new.json' + files.PARTIAL,
                      'etc/underlay.network']
    assert not os.path.exists(str(tmp_path / 'usr/lib/underlay.network'))
    assert sorted(os.listdir(str(tmp_path / 'etc/underlay.network'))) == ['new.json']


def test_removals_are_synced_even_when_a_later_step_fails(tmp_path, synced):
    write(tmp_path, 'etc/underlay.network/old.json')
    write(tmp_path, 'etc/underlay.network/blocked/x')  # a directory where a file should go
    plan = plan_files(str(tmp_path), [File('etc/underlay.network/old.json')])
    plan.append((File('etc/underlay.network/blocked', content='{}\n'), File('etc/underlay.network/blocked'),
                 'write file'))
    with pytest.raises(files.PersistError) as failure:
        apply_files(str(tmp_path), plan)
    assert 'etc/underlay.network/blocked' in failure.value.message
    assert synced[0] == 'etc/underlay.network'
    assert not os.path.exists(str(tmp_path / 'etc/underlay.network/old.json'))
