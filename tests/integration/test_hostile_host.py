# Copyright: (c) 2026, underlay.network contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""A hostile host: nothing planted at the paths host_networks writes is followed or truncated, a corrupt or
foreign stored state is reported and replaced, and the engine a boot runs as root is refused when others could
have changed it. A host namespace with one macvlan network (and its container); files under a test root."""
import json
import os
import stat
import subprocess
from pathlib import Path

import pytest

from helpers import run_module, sh

pytestmark = pytest.mark.kernel('macvlan')

NET = dict(name='n1', parent='p1', subnet='198.18.131.0/24', ip_range='198.18.131.0/28', shim_address='198.18.131.254')
VICTIM_TEXT = 'precious, not ours\n'


@pytest.fixture
def host(lab):
    host = lab.add_ns('host')
    lab.veth(host, 'p1', 'q1')
    return host


@pytest.fixture
def victim(lab):
    """Someone else's file, on the file system of the lock directory (a hard link cannot cross file systems)."""
    os.makedirs('/run/underlay.network', exist_ok=True)
    path = Path('/run/underlay.network/%s-victim' % lab.prefix)
    path.write_text(VICTIM_TEXT)
    yield path
    path.unlink()


def converge(host, root, **extra):
    return run_module('host_networks', networks=[NET], netns=host, persist='engine', persist_root=str(root), **extra)


def warnings(result):
    """The texts of a module's warnings (ansible-core 2.19 and later send each as a summary of an event)."""
    return [w if isinstance(w, str) else w['event']['msg'] for w in result.get('warnings', [])]


def lock_path(host):
    return '/run/underlay.network/netns-%s.lock' % host


@pytest.mark.parametrize('plant', ['symlink', 'hardlink', 'fifo'])
def test_nothing_planted_at_the_lock_path_is_followed_or_truncated(lab, host, tmp_path, victim, plant):
    path = lock_path(host)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    {'symlink': lambda: os.symlink(str(victim), path), 'hardlink': lambda: os.link(str(victim), path),
     'fifo': lambda: os.mkfifo(path)}[plant]()
    try:
        result = converge(host, tmp_path / 'root')
    finally:
        os.unlink(path)
    assert result['rc'] == 1 and 'refusing the lock file %s' % path in result['msg'], result
    assert result['field'] == 'lock' and 'remove it and run again' in result['msg']
    assert victim.read_text() == VICTIM_TEXT and lab.link(host, 'n1-shim') is None, 'nothing was changed'
    assert converge(host, tmp_path / 'root')['rc'] == 0, 'once it is gone, the run goes through'
    assert stat.S_ISREG(os.lstat(path).st_mode) and os.stat(path).st_nlink == 1


def test_a_planted_state_file_temporary_name_or_directory_is_refused_by_name(host, tmp_path, victim):
    root = tmp_path / 'root'
    state = root / ('etc/underlay.network/host-networks@%s.json' % host)
    state.parent.mkdir(parents=True)
    for planted in (state, state.parent / (state.name + '.underlay-new')):
        os.symlink(str(victim), str(planted))
        result = converge(host, root)
        assert result['rc'] == 1 and 'refusing to write %s' % planted in result['msg'], result
        assert victim.read_text() == VICTIM_TEXT
        os.unlink(str(planted))
    # our directory itself a symlink to someone else's
    elsewhere = tmp_path / 'elsewhere'
    elsewhere.mkdir()
    state.parent.rmdir()
    os.symlink(str(elsewhere), str(state.parent))
    result = converge(host, root)
    assert result['rc'] == 1 and 'refusing to write %s: it is a symlink' % state.parent in result['msg'], result
    assert os.listdir(str(elsewhere)) == []
    os.unlink(str(state.parent))


def test_what_a_killed_run_left_half_written_is_removed_and_modes_are_ours(host, tmp_path):
    root = tmp_path / 'root'
    os.umask(0o000)  # whatever the umask, what we write is ours alone to change
    try:
        made = converge(host, root)
    finally:
        os.umask(0o022)
    assert made['rc'] == 0, made
    engine = root / 'usr/lib/underlay.network'
    modes = {os.path.relpath(os.path.join(folder, name), str(root)): stat.S_IMODE(os.lstat(os.path.join(folder, name)).st_mode)
             for folder, dirs, files in os.walk(str(root)) for name in dirs + files
             if not os.path.islink(os.path.join(folder, name))}
    assert modes['usr/lib/underlay.network/replay'] == 0o755
    assert {mode for path, mode in modes.items() if os.path.isdir(str(root / path))} == {0o755}
    assert {mode for path, mode in modes.items() if not os.path.isdir(str(root / path)) and not path.endswith('replay')} \
        == {0o644}
    # a run killed while writing leaves a temporary file: the next run removes it, the one after changes nothing
    half = root / ('etc/underlay.network/host-networks@%s.json.underlay-new' % host)
    half.write_text('{"format": 1, "netw')
    (engine / 'replay.underlay-new').write_text('#!/bin/sh\n')
    again = converge(host, root)
    assert again['rc'] == 0 and not half.exists() and not (engine / 'replay.underlay-new').exists(), again
    assert sorted((c['action'], c['name']) for c in again['changes']) == [
        ('remove file', '/%s' % half.relative_to(root)), ('remove file', '/usr/lib/underlay.network/replay.underlay-new')]
    assert converge(host, root)['changed'] is False


def test_the_replay_refuses_an_engine_tree_others_could_have_changed(host, tmp_path):
    root = tmp_path / 'root'
    assert converge(host, root)['rc'] == 0
    replay = root / 'usr/lib/underlay.network/replay'
    code = root / 'usr/lib/underlay.network/lib/ansible_collections/underlay/network/plugins/module_utils/_host/converge.py'
    os.chmod(str(code), 0o666)
    refused = subprocess.run([str(replay), '--root', str(root)], capture_output=True, text=True, check=False)
    assert refused.returncode == 1 and 'refusing to run the engine' in refused.stderr and str(code) in refused.stderr
    assert converge(host, root)['changed'], 'the next run puts the mode back'
    assert stat.S_IMODE(os.stat(str(code)).st_mode) == 0o644
    assert subprocess.run([str(replay), '--root', str(root)], capture_output=True, check=False).returncode == 0


@pytest.mark.parametrize('corrupt, words', [
    ('{"format": 1, "netns": "x", "netw', 'not JSON'),
    ('{"format": 7, "networks": []}', 'unknown format 7 (this engine reads format 1: a newer release wrote it?)'),
    ('{"format": 1, "netns": null, "networks": "n1"}', 'networks is a str, not a list'),
    ('{"format": 1, "networks": [{"name": "n1"}]}', 'networks[0] is not a network with a name and a parent'),
])
def test_a_corrupt_state_is_one_line_of_the_replay_the_others_come_back_and_the_next_run_replaces_it(
        lab, host, tmp_path, corrupt, words):
    root = tmp_path / 'root'
    other = lab.add_ns('other')
    lab.veth(other, 'p1', 'q1')
    assert converge(host, root)['rc'] == 0 and converge(other, root)['rc'] == 0
    bad = root / ('etc/underlay.network/host-networks@%s.json' % host)
    bad.write_text(corrupt)
    sh('ip -n %s link del n1-shim' % other)  # a boot: the other namespace's shim has to come back
    out = subprocess.run([str(root / 'usr/lib/underlay.network/replay'), '--root', str(root)],
                         capture_output=True, text=True, check=False)
    lines = [line for line in out.stdout.splitlines() if 'host-networks@%s.json' % host in line]
    assert len(lines) == 1 and 'cannot replay it' in lines[0] and words in lines[0], out.stdout
    assert 'Traceback' not in out.stdout + out.stderr and out.returncode == 1
    assert lab.link(other, 'n1-shim') is not None, 'the other stored state was replayed'
    rewritten = converge(host, root)
    replaced = [w for w in warnings(rewritten) if 'could not be read and is replaced' in w and words in w]
    assert rewritten['rc'] == 0 and replaced, rewritten
    assert json.loads(bad.read_text())['networks'][0]['name'] == 'n1'
    assert converge(other, root, state='absent')['rc'] == 0 and converge(host, root, state='absent')['rc'] == 0


def test_what_others_could_change_in_our_tree_is_put_back_by_the_next_run(host, tmp_path):
    """A directory of ours made world-writable, a file given to another user, a symlink in place of a directory
    of the engine: the replay refuses the tree, and the next run makes it ours again."""
    root = tmp_path / 'root'
    assert converge(host, root)['rc'] == 0
    engine = root / 'usr/lib/underlay.network'
    lib = engine / 'lib'
    code = lib / 'ansible_collections/underlay/network/plugins/module_utils/_kernel/netlink.py'
    os.chmod(str(lib), 0o777)
    os.chown(str(code), 1000, -1)
    os.symlink('/', str(lib / 'evil'))
    refused = subprocess.run([str(engine / 'replay'), '--root', str(root)], capture_output=True, text=True, check=False)
    assert refused.returncode == 1 and 'refusing to run the engine' in refused.stderr
    repaired = converge(host, root)
    assert repaired['rc'] == 0 and repaired['changed'], repaired
    assert stat.S_IMODE(os.stat(str(lib)).st_mode) == 0o755 and os.stat(str(code)).st_uid == 0
    assert not os.path.lexists(str(lib / 'evil'))
    assert subprocess.run([str(engine / 'replay'), '--root', str(root)], capture_output=True, check=False).returncode == 0
    assert converge(host, root)['changed'] is False


def test_a_fifo_or_a_foreign_state_is_refused_by_the_replay_without_hanging(lab, host, tmp_path):
    root = tmp_path / 'root'
    assert converge(host, root)['rc'] == 0
    states = root / 'etc/underlay.network'
    os.mkfifo(str(states / 'host-networks@ulnone.json'))  # would block a plain open() for ever
    (states / 'host-networks@ulother.json').write_text((states / ('host-networks@%s.json' % host)).read_text())
    out = subprocess.run([str(root / 'usr/lib/underlay.network/replay'), '--root', str(root)], capture_output=True,
                         text=True, timeout=60, check=False)
    assert 'host-networks@ulnone.json: cannot replay it' in out.stdout and 'not a regular file' in out.stdout, out.stdout
    assert "host-networks@ulother.json: cannot replay it" in out.stdout and 'not of the namespace its name says' in \
        out.stdout, out.stdout
    assert "namespace '%s': networks n1" % host in out.stdout, 'its own state still replayed'
    os.unlink(str(states / 'host-networks@ulnone.json'))
    os.unlink(str(states / 'host-networks@ulother.json'))
