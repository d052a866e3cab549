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

# The order of things only: netperf's tests and output are _benchmark/netperf.py, running it between two
# namespaces (netserver up and down again) is _benchmark/runner.py.
from ansible_collections.underlay.network.plugins.module_utils._benchmark.netperf import TESTS
from ansible_collections.underlay.network.plugins.module_utils._benchmark.runner import Netperf, check_options
from ansible_collections.underlay.network.plugins.module_utils._common.module import run_module


def _measure(module):
    check_options(module.params)
    if module.check_mode:  # the namespaces of a planned run do not exist yet
        return dict(changed=False, figures={})
    netperf = Netperf(module)
    figures = netperf.measure()
    return dict(changed=False, figures=figures, netperf_version=netperf.version())


def main():
    run_module(dict(
        client_netns=dict(type='str', required=True),
        server_netns=dict(type='str', required=True),
        server_address=dict(type='str', required=True),
        tests=dict(type='list', elements='str', choices=TESTS, default=list(TESTS)),
        seconds=dict(type='int', default=10),
        repetitions=dict(type='int', default=1),
        port=dict(type='int', default=12865),
    ), _measure)


if __name__ == '__main__':
    main()
