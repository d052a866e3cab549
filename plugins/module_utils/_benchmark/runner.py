# Copyright: (c) 2026, underlay.network contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Running netperf between two named network namespaces: netserver up, the tests, netserver down again.

netserver runs for the duration of one measurement only. It daemonises itself, so it is found (and
stopped, also after a failure) by its network namespace: every process named netserver whose
/proc/PID/ns/net is the namespace's /run/netns/NAME.
"""

from __future__ import annotations

import os
import signal
import time
from typing import TYPE_CHECKING, Dict, List

from ansible_collections.underlay.network.plugins.module_utils._common.vocabulary import NETNS_RUN_DIR
from ansible_collections.underlay.network.plugins.module_utils._benchmark.netperf import (
    TESTS, NetperfError, Run, output_selectors, parse_keyval, summarise)
from ansible_collections.underlay.network.plugins.module_utils._common.errors import UnderlayError

if TYPE_CHECKING:
    from ansible.module_utils.basic import AnsibleModule

LISTEN_TIMEOUT = 15  # seconds netserver may take to listen (a process start costs seconds under emulation)
STOP_TIMEOUT = 5  # seconds netserver may take to go, per signal
TCP_LISTEN = '0A'  # the state column of /proc/net/tcp for a listening socket


def check_options(params: dict) -> None:
    """Bad options fail before anything runs, naming the option, its value and the fix."""
    for option, lowest in (('seconds', 1), ('repetitions', 1), ('port', 1)):
        if params[option] < lowest:
            raise UnderlayError(f'{option} is {params[option]}; give a whole number of at least {lowest}',
                                field=option, value=params[option])
    if params['port'] > 65535:
        raise UnderlayError(f"port is {params['port']}; give a TCP port from 1 to 65535",
                            field='port', value=params['port'])
    if not params['tests']:
        raise UnderlayError(f"tests is empty; give at least one of {', '.join(TESTS)}", field='tests', value=[])


def listening(table: str, port: int) -> bool:
    """A socket in LISTEN state on `port` in a /proc/net/tcp-format table (local address is ADDR:PORT in hex)."""
    try:
        with open(table) as lines:
            rows = [line.split() for line in lines][1:]
    except OSError:
        return False
    return any(len(row) > 3 and row[1].rsplit(':', 1)[-1] == f'{port:04X}' and row[3] == TCP_LISTEN for row in rows)


def words(text: str) -> str:
    """A command's output on one line."""
    return ' '.join(text.split())


class Netperf:
    """One measurement: the module's options, the binaries, and netserver's lifetime."""

    def __init__(self, module: AnsibleModule) -> None:
        self.module = module
        self.params = module.params
        self.ip = module.get_bin_path('ip', required=True)
        missing = [name for name in ('netperf', 'netserver') if not module.get_bin_path(name)]
        if missing:
            raise NetperfError(f"{' and '.join(missing)} not found on the managed host: install the netperf package "
                               '(on Debian it is in the non-free component)')
        self.netperf = module.get_bin_path('netperf')
        self.netserver = module.get_bin_path('netserver')
        for option in ('client_netns', 'server_netns'):
            if not os.path.exists(os.path.join(NETNS_RUN_DIR, self.params[option])):
                raise NetperfError(f'{option}: network namespace {self.params[option]!r} does not exist; create it '
                                   'first (underlay.network.netns)', field=option, value=self.params[option])

    def version(self) -> str:
        """What `netperf -V` printed."""
        rc, out, err = self.module.run_command([self.netperf, '-V'])
        return (out or err).strip()

    def servers(self) -> List[int]:
        """PIDs of the netserver processes in the server's namespace (same /proc/PID/ns/net as /run/netns/NAME)."""
        wanted = os.stat(os.path.join(NETNS_RUN_DIR, self.params['server_netns']))
        pids = []
        for entry in os.listdir('/proc'):
            if not entry.isdigit():
                continue
            try:
                with open(os.path.join('/proc', entry, 'comm')) as comm:
                    if comm.read().strip() != 'netserver':
                        continue
                netns = os.stat(os.path.join('/proc', entry, 'ns', 'net'))
            except OSError:
                continue  # gone meanwhile, or not ours to read
            if (netns.st_dev, netns.st_ino) == (wanted.st_dev, wanted.st_ino):
                pids.append(int(entry))
        return pids

    def start_server(self) -> None:
        """netserver daemonises itself (its parent exits once the child runs); then wait until it listens."""
        netns, port = self.params['server_netns'], self.params['port']
        rc, out, err = self.module.run_command([self.ip, 'netns', 'exec', netns, self.netserver, '-p', str(port)])
        if rc != 0:
            raise NetperfError(f'netserver in {netns} did not start (exit status {rc}): {words(err or out)}')
        deadline = time.time() + LISTEN_TIMEOUT
        while time.time() < deadline:
            # read from netserver's own /proc/PID/net (its namespace's sockets): no process to start
            if any(listening(os.path.join('/proc', str(pid), 'net', table), port)
                   for pid in self.servers() for table in ('tcp', 'tcp6')):
                return
            time.sleep(0.1)
        raise NetperfError(f'netserver in {netns} did not listen on port {port} within {LISTEN_TIMEOUT} s '
                           '(is the port in use there?)', field='port', value=port)

    def stop_servers(self) -> None:
        """Every netserver in the server's namespace: the daemon and the children it forks per test."""
        for sig in (signal.SIGTERM, signal.SIGKILL):
            pids = self.servers()
            for pid in pids:
                try:
                    os.kill(pid, sig)
                except OSError:
                    pass
            deadline = time.time() + STOP_TIMEOUT
            while pids and time.time() < deadline:
                time.sleep(0.05)
                pids = self.servers()
            if not pids:
                return
        raise NetperfError(f"netserver in {self.params['server_netns']} (PIDs {pids}) did not stop")

    def run_once(self, test: str) -> Run:
        """One run of one test from the client's namespace: its figures."""
        params = self.params
        command = [self.ip, 'netns', 'exec', params['client_netns'], self.netperf, '-H', params['server_address'],
                   '-p', str(params['port']), '-t', test, '-l', str(params['seconds']), '-P', '0',
                   '--', '-k', ','.join(output_selectors(test))]
        rc, out, err = self.module.run_command(command)
        if rc != 0:
            raise NetperfError(f"{test} from {params['client_netns']} to {params['server_address']} failed "
                               f'(exit status {rc}): {words(err or out)}', field='tests', value=test)
        return parse_keyval(test, out)

    def measure(self) -> Dict[str, dict]:
        """{test: {figure: {mean, unit, runs}}} of every test, netserver started first and stopped in any case."""
        try:
            self.start_server()
            return {test: summarise([self.run_once(test) for _run in range(self.params['repetitions'])])
                    for test in self.params['tests']}
        finally:
            self.stop_servers()
