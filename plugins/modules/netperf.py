#!/usr/bin/python
# Copyright: (c) 2026, underlay.network contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later


DOCUMENTATION = r'''
module: netperf
short_description: Measure the data plane between two network namespaces with netperf
version_added: 0.1.0
description:
  - Starts C(netserver) in O(server_netns), runs C(netperf) from O(client_netns) against O(server_address) for
    each test in O(tests), O(repetitions) times for O(seconds) each, and returns every figure with its mean over
    the repetitions.
  - When it ends, also after a failure, it stops every C(netserver) process in O(server_netns) (found by their
    network namespace), so give it a namespace made for the measurement.
  - The figures are read from netperf's key=value output (C(-k)), never from its human-readable tables, so a
    change of column layout cannot shift a number into the wrong place. A run whose output lacks a figure
    fails and shows what netperf printed.
  - V(UDP_STREAM) gives two figures, what the client sent (C(send)) and what the server received
    (C(receive)); the difference is what was lost on the way. Every other test gives one, C(throughput), in
    Mbit/s for the stream tests and in transactions per second for the request/response tests.
  - The module measures; it changes nothing on the host that outlives it, so C(changed) is always false. In
    check mode it runs nothing and returns no figures.
author:
  - underlay.network maintainers (@underlay-network)
extends_documentation_fragment:
  - underlay.network.link.ATTRIBUTES
attributes:
  check_mode:
    support: full
    details: In check mode nothing is measured (the namespaces of a planned run do not exist yet).
  diff_mode:
    support: none
options:
  client_netns:
    description: Named network namespace (as C(ip netns list) shows it) C(netperf) runs in.
    type: str
    required: true
  server_netns:
    description: Named network namespace C(netserver) runs in, for the duration of the task only.
    type: str
    required: true
  server_address:
    description: IPv4 or IPv6 address of the server inside O(server_netns), reachable from O(client_netns).
    type: str
    required: true
  tests:
    description: The netperf tests to run, in this order.
    type: list
    elements: str
    choices: [TCP_STREAM, UDP_STREAM, TCP_RR, TCP_CRR, UDP_RR]
    default: [TCP_STREAM, UDP_STREAM, TCP_RR, TCP_CRR, UDP_RR]
  seconds:
    description: Duration of each run of each test (netperf's C(-l)), at least 1.
    type: int
    default: 10
  repetitions:
    description: How many times each test runs; the figures are the mean of the runs, each run is returned too.
    type: int
    default: 1
  port:
    description: TCP port of netserver's control connection inside O(server_netns).
    type: int
    default: 12865
requirements:
  - C(netperf) and C(netserver) 2.5 or later on the managed host (Debian and Ubuntu package C(netperf), in
    Debian's C(non-free) component)
  - C(ip) from iproute2; root (entering a named network namespace)
seealso:
  - module: underlay.network.netns
  - module: underlay.network.benchmark_report
'''

EXAMPLES = r'''
- name: Five netperf tests, 10 s each, three times, between two namespaces
  underlay.network.netperf:
    client_netns: net1
    server_netns: net2
    server_address: 198.18.250.2
    seconds: 10
    repetitions: 3
  register: underlay_netperf

- name: Show TCP_STREAM
  ansible.builtin.debug:
    msg: "{{ underlay_netperf.figures.TCP_STREAM.throughput.mean }} {{ underlay_netperf.figures.TCP_STREAM.throughput.unit }}"
'''

RETURN = r'''
figures:
  description:
    - One entry per test, keyed by the test's name, each a dict of its figures (C(throughput); for
      V(UDP_STREAM) C(send) and C(receive)) with C(mean), C(unit) (V(Mbit/s) or V(/s)) and C(runs) (every
      repetition's figure, in order). Empty in check mode.
  returned: always
  type: dict
  sample:
    TCP_STREAM: {throughput: {mean: 14739.8, unit: Mbit/s, runs: [14739.8]}}
    UDP_STREAM: {send: {mean: 6700.1, unit: Mbit/s, runs: [6700.1]}, receive: {mean: 6560.4, unit: Mbit/s, runs: [6560.4]}}
    TCP_RR: {throughput: {mean: 14782.62, unit: /s, runs: [14782.62]}}
netperf_version:
  description: What C(netperf -V) printed.
  returned: when not in check mode
  type: str
  sample: Netperf version 2.7.0
'''

import math
import os
import signal
import time

from ansible.module_utils.basic import AnsibleModule

TESTS = ['TCP_STREAM', 'UDP_STREAM', 'TCP_RR', 'TCP_CRR', 'UDP_RR']

# netperf's omni output selectors for each test's figures: figure name -> selector.
# For UDP_STREAM THROUGHPUT is the receiver's figure; the sender's is asked for on its own.
SELECTORS = {
    'UDP_STREAM': {'send': 'LOCAL_SEND_THROUGHPUT', 'receive': 'REMOTE_RECV_THROUGHPUT'},
}
DEFAULT_SELECTORS = {'throughput': 'THROUGHPUT'}
UNITS = {'10^6bits/s': 'Mbit/s', 'Trans/s': '/s'}

LISTEN_TIMEOUT = 15  # seconds netserver may take to listen (a process start costs seconds under emulation)
TCP_LISTEN = '0A'  # the state column of /proc/net/tcp for a listening socket


class NetperfError(Exception):
    pass


def selectors_of(test):
    return SELECTORS.get(test, DEFAULT_SELECTORS)


def parse_keyval(test, output):
    """Figures of one run from netperf's `-k` output (KEY=VALUE lines; other lines are ignored).

    Returns {figure: (value, unit)}; raises NetperfError naming the missing or unreadable key.
    """
    values = {}
    for line in output.splitlines():
        key, sep, value = line.strip().partition('=')
        if sep and key.isupper():
            values[key] = value.strip()
    unit = values.get('THROUGHPUT_UNITS')
    if unit not in UNITS:
        raise NetperfError('%s: netperf printed no known THROUGHPUT_UNITS (%r); its output was: %s'
                           % (test, unit, output.strip() or '(nothing)'))
    figures = {}
    for figure, key in selectors_of(test).items():
        try:
            number = float(values[key])
        except (KeyError, ValueError):
            raise NetperfError('%s: netperf printed no number for %s (%r); its output was: %s'
                               % (test, key, values.get(key), output.strip() or '(nothing)'))
        if not math.isfinite(number) or number < 0:
            raise NetperfError('%s: %s is %r, not a figure; its output was: %s' % (test, key, number, output.strip()))
        figures[figure] = (number, UNITS[unit])
    return figures


def listening(table, port):
    """A socket in LISTEN state on `port` in a /proc/net/tcp-format table (local address is ADDR:PORT in hex)."""
    try:
        with open(table) as lines:
            rows = [line.split() for line in lines][1:]
    except OSError:
        return False
    return any(len(row) > 3 and row[1].rsplit(':', 1)[-1] == '%04X' % port and row[3] == TCP_LISTEN for row in rows)


def summarise(runs):
    """[{figure: (value, unit)}, ...] of one test -> {figure: {mean, unit, runs}}."""
    out = {}
    for figure in runs[0]:
        numbers = [run[figure][0] for run in runs]
        out[figure] = dict(mean=round(sum(numbers) / len(numbers), 2), unit=runs[0][figure][1],
                           runs=[round(n, 2) for n in numbers])
    return out


class Netperf:
    def __init__(self, module):
        self.module = module
        self.params = module.params
        self.ip = module.get_bin_path('ip', required=True)
        missing = [name for name in ('netperf', 'netserver') if not module.get_bin_path(name)]
        if missing:
            module.fail_json(msg='%s not found on the managed host: install the netperf package (on Debian it is in the '
                                 'non-free component)' % ' and '.join(missing))
        self.netperf = module.get_bin_path('netperf')
        self.netserver = module.get_bin_path('netserver')
        for option in ('client_netns', 'server_netns'):
            if not os.path.exists(os.path.join('/run/netns', self.params[option])):
                module.fail_json(msg='%s: network namespace %r does not exist; create it first (underlay.network.netns)'
                                     % (option, self.params[option]))

    def version(self):
        rc, out, err = self.module.run_command([self.netperf, '-V'])
        return (out or err).strip()

    def servers(self):
        """PIDs of the netserver processes in the server's namespace (same /proc/PID/ns/net as /run/netns/NAME)."""
        wanted = os.stat(os.path.join('/run/netns', self.params['server_netns']))
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

    def start_server(self):
        """netserver daemonises itself (its parent exits once the child runs); then wait until it listens."""
        rc, out, err = self.module.run_command([self.ip, 'netns', 'exec', self.params['server_netns'], self.netserver,
                                                '-p', str(self.params['port'])])
        if rc != 0:
            raise NetperfError('netserver in %s did not start (exit status %s): %s'
                               % (self.params['server_netns'], rc, ' '.join((err or out).split())))
        deadline = time.time() + LISTEN_TIMEOUT
        while time.time() < deadline:
            # read from netserver's own /proc/PID/net (its namespace's sockets): no process to start
            if any(listening(os.path.join('/proc', str(pid), 'net', table), self.params['port'])
                   for pid in self.servers() for table in ('tcp', 'tcp6')):
                return
            time.sleep(0.1)
        raise NetperfError('netserver in %s did not listen on port %s within %d s (is the port in use there?)'
                           % (self.params['server_netns'], self.params['port'], LISTEN_TIMEOUT))

    def stop_servers(self):
        """Every netserver in the server's namespace: the daemon and the children it forks per test."""
        for sig in (signal.SIGTERM, signal.SIGKILL):
            pids = self.servers()
            for pid in pids:
                try:
                    os.kill(pid, sig)
                except OSError:
                    pass
            deadline = time.time() + 5
            while pids and time.time() < deadline:
                time.sleep(0.05)
                pids = self.servers()
            if not pids:
                return
        raise NetperfError('netserver in %s (PIDs %s) did not stop' % (self.params['server_netns'], pids))

    def run_once(self, test):
        selectors = sorted(set(selectors_of(test).values()) | {'THROUGHPUT_UNITS'})
        command = [self.ip, 'netns', 'exec', self.params['client_netns'], self.netperf, '-H',
                   self.params['server_address'], '-p', str(self.params['port']), '-t', test,
                   '-l', str(self.params['seconds']), '-P', '0', '--', '-k', ','.join(selectors)]
        rc, out, err = self.module.run_command(command)
        if rc != 0:
            raise NetperfError('%s from %s to %s failed (exit status %s): %s'
                               % (test, self.params['client_netns'], self.params['server_address'], rc,
                                  ' '.join((err or out).split())))
        return parse_keyval(test, out)

    def measure(self):
        try:
            self.start_server()
            figures = {}
            for test in self.params['tests']:
                figures[test] = summarise([self.run_once(test) for dummy in range(self.params['repetitions'])])
            return figures
        finally:
            self.stop_servers()


def main():
    module = AnsibleModule(
        argument_spec=dict(
            client_netns=dict(type='str', required=True),
            server_netns=dict(type='str', required=True),
            server_address=dict(type='str', required=True),
            tests=dict(type='list', elements='str', choices=TESTS, default=list(TESTS)),
            seconds=dict(type='int', default=10),
            repetitions=dict(type='int', default=1),
            port=dict(type='int', default=12865),
        ),
        supports_check_mode=True,
    )
    for option, lowest in (('seconds', 1), ('repetitions', 1), ('port', 1)):
        if module.params[option] < lowest:
            module.fail_json(msg='%s is %s; give a whole number of at least %s' % (option, module.params[option], lowest))
    if module.params['port'] > 65535:
        module.fail_json(msg='port is %s; give a TCP port from 1 to 65535' % module.params['port'])
    if not module.params['tests']:
        module.fail_json(msg='tests is empty; give at least one of %s' % ', '.join(TESTS))
    if module.check_mode:
        module.exit_json(changed=False, figures={})
    netperf = Netperf(module)
    try:
        figures = netperf.measure()
    except NetperfError as exc:
        module.fail_json(msg=str(exc))
    module.exit_json(changed=False, figures=figures, netperf_version=netperf.version())


if __name__ == '__main__':
    main()
