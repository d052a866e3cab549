# Copyright: (c) 2026, underlay.network contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""NetworkManagerCli: which nmcli and ip commands it runs, in which order, and what it makes of their answers.

run_command is a recorder that answers like nmcli 1.42 (the real NetworkManager is in tests/vm-lab).
"""

import pytest

from ansible_collections.underlay.network.plugins.module_utils._persist.files import PersistError
from ansible_collections.underlay.network.plugins.module_utils._persist.networkmanager import NetworkManagerCli


class Nmcli:
    """A run_command that records each argv and answers from `answers` ({args tuple after 'nmcli': (rc, out)})."""

    def __init__(self, answers=None):
        self.calls = []
        self.answers = answers or {}

    def __call__(self, argv):
        self.calls.append(argv)
        code, out = self.answers.get(tuple(argv[1:]), (0, ''))
        return code, out, 'error from %s' % argv[1] if code else ''


@pytest.fixture
def present(monkeypatch):
    monkeypatch.setattr(NetworkManagerCli, 'available', staticmethod(lambda: True))


def test_preflight_reads_the_version_and_refuses_a_stopped_networkmanager(present):
    running = Nmcli({('--version',): (0, 'nmcli tool, version 1.42.4\n'), ('-t', '-f', 'RUNNING', 'general'):
                     (0, 'running\n')})
    assert NetworkManagerCli(running).preflight() == (1, 42)
    stopped = Nmcli({('--version',): (0, 'nmcli tool, version 1.52.0\n'), ('-t', '-f', 'RUNNING', 'general'):
                     (0, 'asleep\n')})
    with pytest.raises(PersistError) as refused:
        NetworkManagerCli(stopped).preflight()
    assert 'not running' in refused.value.message and 'Nothing was changed' in refused.value.message
    assert [argv[1:] for argv in stopped.calls] == [['--version'], ['-t', '-f', 'RUNNING', 'general']]


def test_preflight_without_nmcli_says_so(monkeypatch):
    monkeypatch.setattr(NetworkManagerCli, 'available', staticmethod(lambda: False))
    nmcli = Nmcli()
    with pytest.raises(PersistError) as refused:
        NetworkManagerCli(nmcli).preflight()
    assert 'install NetworkManager' in refused.value.message and nmcli.calls == []


def test_release_unmanages_first_then_gives_each_route_our_protocol(present):
    nmcli, ip_runs = Nmcli(), []
    profile = {'ipv4': {'route1': '198.18.42.0/28,0.0.0.0,7', 'route1_options': 'src=198.18.42.254',
                        'route2': '198.18.43.0/28,0.0.0.0,7'},
               'ipv6': {'route1': '2001:db8:42::/120,::,'}}
    NetworkManagerCli(nmcli).release('app-shim', profile, ip_runs.append)
    assert nmcli.calls == [['nmcli', 'device', 'set', 'app-shim', 'managed', 'no']]
    assert ip_runs == [
        ['ip', '-4', 'route', 'replace', '198.18.42.0/28', 'dev', 'app-shim', 'proto', '209', 'metric', '7',
         'src', '198.18.42.254'],
        ['ip', '-4', 'route', 'replace', '198.18.43.0/28', 'dev', 'app-shim', 'proto', '209', 'metric', '7'],
        ['ip', '-6', 'route', 'replace', '2001:db8:42::/120', 'dev', 'app-shim', 'proto', '209']]


def test_a_failed_release_stops_before_any_route_is_touched(present):
    nmcli, ip_runs = Nmcli({('device', 'set', 'app-shim', 'managed', 'no'): (10, '')}), []
    with pytest.raises(PersistError) as failed:
        NetworkManagerCli(nmcli).release('app-shim', {'ipv4': {'route1': '198.18.42.0/28,0.0.0.0,7'}}, ip_runs.append)
    assert 'nmcli device set app-shim managed no failed (10)' in failed.value.message and ip_runs == []


def test_load_then_activate_in_the_order_given(present):
    nmcli = Nmcli()
    cli = NetworkManagerCli(nmcli)
    cli.load(['etc/NetworkManager/system-connections/underlay-network-eth0.30.nmconnection'])
    cli.activate(['eth0.30', 'app-shim'])
    assert [argv[1:] for argv in nmcli.calls] == [
        ['connection', 'load', '/etc/NetworkManager/system-connections/underlay-network-eth0.30.nmconnection'],
        ['device', 'set', 'eth0.30', 'managed', 'yes'], ['connection', 'up', 'underlay-network-eth0.30'],
        ['device', 'set', 'app-shim', 'managed', 'yes'], ['connection', 'up', 'underlay-network-app-shim']]
    nothing = Nmcli()
    NetworkManagerCli(nothing).load([])
    assert nothing.calls == []


def test_active_profiles_read_escaped_colons(present):
    nmcli = Nmcli({('-t', '-f', 'DEVICE,CONNECTION', 'device'): (
        0, 'eth0:Wired connection 1\napp-shim:underlay-network-app-shim\nlo:\nweird\\:dev:a\\:b\n')})
    assert NetworkManagerCli(nmcli).active_profiles() == {
        'eth0': 'Wired connection 1', 'app-shim': 'underlay-network-app-shim', 'weird:dev': 'a:b'}
