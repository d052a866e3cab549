# Copyright: (c) 2026, underlay.network contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""The netns connection plugin, loaded by name as Ansible loads it: which namespace it picks, the command
it hands to the local connection, and the errors for a bad or missing namespace (no namespace is entered
here; tests/integration runs it for real, through the lab fleet)."""


import shlex
import sys

import pytest

from ansible.errors import AnsibleConnectionFailure
from ansible.playbook.play_context import PlayContext
from ansible.plugins.connection.local import Connection as LocalConnection
from ansible.plugins.loader import connection_loader


@pytest.fixture
def connect(tmp_path, monkeypatch):
    """connect(remote_addr, **vars) -> (connection, calls): namespaces 'ns1' and 'h1' exist (in tmp_path);
    the local connection's exec_command records what it is given instead of running it."""
    for name in ('ns1', 'h1'):
        (tmp_path / name).write_text('')
    calls = []
    monkeypatch.setattr(LocalConnection, 'exec_command',
                        lambda self, cmd, in_data=None, sudoable=True: calls.append((cmd, in_data, sudoable)) or (0, b'', b''))

    def make(remote_addr, **variables):
        context = PlayContext()
        context.remote_addr = remote_addr
        connection = connection_loader.get('underlay.network.netns', context, None)
        monkeypatch.setattr(sys.modules[type(connection).__module__], 'NETNS_RUN_DIR', str(tmp_path))
        connection.set_options(var_options=variables)
        return connection, calls
    return make


def argv(call):
    return shlex.split(call[0])


def test_a_string_command_runs_through_ip_netns_exec_and_sh(connect):
    connection, calls = connect('h9', ansible_netns_name='ns1')
    assert connection.exec_command("echo 'a b' && ip -br link") == (0, b'', b'')
    assert argv(calls[0]) == ['ip', 'netns', 'exec', 'ns1', '/bin/sh', '-c', "echo 'a b' && ip -br link"]


def test_list_and_bytes_commands_keep_their_words(connect):
    connection, calls = connect('h1')
    connection.exec_command(['python3', '-c', 'print("x y")'])
    connection.exec_command(b'ls /sys/class/net')
    assert argv(calls[0])[-1] == "python3 -c 'print(\"x y\")'"
    assert argv(calls[1]) == ['ip', 'netns', 'exec', 'h1', '/bin/sh', '-c', 'ls /sys/class/net']


def test_the_namespace_defaults_to_the_host_address(connect):
    connection, calls = connect('h1')
    connection.exec_command('true')
    assert argv(calls[0])[3] == 'h1'


def test_stdin_and_sudoable_are_passed_on(connect):
    connection, calls = connect('h1')
    connection.exec_command('cat', in_data=b'module source', sudoable=False)
    assert calls[0][1:] == (b'module source', False)


def test_a_missing_namespace_is_named_with_the_fix(connect):
    connection, calls = connect('h2')
    with pytest.raises(AnsibleConnectionFailure) as exc:
        connection.exec_command('true')
    assert "namespace 'h2' does not exist" in str(exc.value) and 'underlay.network.netns' in str(exc.value)
    assert calls == []


@pytest.mark.parametrize('name', ['../h1', 'a/b'])
def test_a_path_is_not_a_namespace_name(connect, name):
    connection, calls = connect('h1', ansible_netns_name=name)
    with pytest.raises(AnsibleConnectionFailure) as exc:
        connection.exec_command('true')
    assert "'%s' is not a namespace name; set ansible_netns_name" % name in str(exc.value)
    assert calls == []


def test_pipelining_is_on_by_default(connect):
    connection, dummy = connect('h1')
    assert connection.get_option('pipelining') is True
