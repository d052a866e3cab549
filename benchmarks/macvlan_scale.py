#!/usr/bin/env python
"""Create, then re-apply unchanged, N macvlans in a namespace through the engine, beside `ip -batch`.

Usage: .venv/py311/bin/python benchmarks/macvlan_scale.py [N ...]   (default 10 100 1000)
Everything happens in throwaway namespaces ulbench-*; nothing in the root namespace.
"""
import os
import subprocess
import sys
import tempfile
import time

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(REPO, '.venv', 'collections'))

from ansible_collections.underlay.network.plugins.module_utils._kernel import netlink  # noqa: E402
from ansible_collections.underlay.network.plugins.module_utils._reconcile.transaction import reconcile  # noqa: E402
from ansible_collections.underlay.network.plugins.module_utils._links.kinds import KINDS  # noqa: E402
from ansible_collections.underlay.network.plugins.module_utils._links.spec import build_spec  # noqa: E402

NS = 'ulbench-engine'
NS_IP = 'ulbench-ipbatch'


class Counting(netlink.Netlink):
    """Counts dumps and change requests, to show what a re-apply costs."""
    calls = {}

    def _count(self, what):
        Counting.calls[what] = Counting.calls.get(what, 0) + 1

    def links(self):
        self._count('link dumps')
        return super().links()

    def addresses(self):
        self._count('address dumps')
        return super().addresses()

    def run(self, requests):
        for _request in requests:
            self._count('changes')
        return super().run(requests)


def specs(n):
    out = []
    for i in range(n):
        params = dict(name='mv%d' % i, parent='up0', netns=NS, parent_netns=NS)
        out.append(build_spec('macvlan', params, KINDS['macvlan'].normalise(params)))
    return out


def fresh_ns(name):
    subprocess.run(['ip', 'netns', 'del', name], capture_output=True, check=False)
    subprocess.run('ip netns add {0} && ip -n {0} link add up0 type veth peer name up1 && '
                   'ip -n {0} link set up0 up'.format(name), shell=True, check=True)


def timed(func):
    start = time.perf_counter()
    result = func()
    return time.perf_counter() - start, result


def ip_batch(n):
    with tempfile.NamedTemporaryFile('w', suffix='.batch') as batch:
        for i in range(n):
            batch.write('link add link up0 name mv%d up type macvlan mode bridge\n' % i)
        batch.flush()
        return timed(lambda: subprocess.run(['ip', '-n', NS_IP, '-batch', batch.name], check=True))[0]


def main(sizes):
    netlink.Netlink = Counting  # the engine opens its sockets through this name (netlink.Netlink in every layer)
    netlink.pyroute2_netns.popns  # pylint: disable=pointless-statement  # the engine imports pyroute2 at the first
    # namespace it enters: done here, before anything is timed
    print('%6s %10s %10s %7s %12s  %s' % ('N', 'ip -batch', 'engine', 'ratio', 're-apply', 're-apply netlink calls'))
    try:
        for n in sizes:
            fresh_ns(NS)
            fresh_ns(NS_IP)
            wanted = specs(n)
            t_ip = ip_batch(n)
            t_create, results = timed(lambda: reconcile(wanted))
            assert all(r['changed'] for r in results)
            Counting.calls = {}
            t_again, results = timed(lambda: reconcile(wanted))
            assert not any(r['changed'] for r in results), 'a re-apply changed something'
            calls = dict(Counting.calls)
            assert calls.get('changes', 0) == 0 and calls.get('link dumps') == 1, calls
            cost = ', '.join('%s=%d' % kv for kv in sorted(calls.items()))
            print('%6d %9.3fs %9.3fs %6.2fx %11.3fs  %s' % (n, t_ip, t_create, t_create / t_ip, t_again, cost))
    finally:
        for name in (NS, NS_IP):
            subprocess.run(['ip', 'netns', 'del', name], capture_output=True, check=False)


if __name__ == '__main__':
    main([int(a) for a in sys.argv[1:]] or [10, 100, 1000])
