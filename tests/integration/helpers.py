# Copyright: (c) 2026, underlay.network contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""What the real-kernel tests share: shell and module runners, the kernel feature probe, the
throwaway namespaces of one test (Lab), ansible-playbook with this checkout as the collection,
and the one-host, two-container macvlan scene most tests start from. Tests import from here;
conftest.py only wires these into pytest (options, markers, fixtures).
"""
import contextlib
import glob
import importlib
import io
import json
import os
import random
import re
import subprocess
import sys

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
COLLECTIONS = os.path.join(REPO, '.venv', 'collections')
HERE = os.path.dirname(os.path.abspath(__file__))
if COLLECTIONS not in sys.path:
    sys.path.insert(0, COLLECTIONS)


def sh(command, check=True):
    """Run a shell command (lab set-up and observation only; the modules use netlink)."""
    result = subprocess.run(command, shell=True, capture_output=True, text=True, check=False)
    if check and result.returncode != 0:
        raise AssertionError('%s failed (%d): %s' % (command, result.returncode, result.stderr.strip()))
    return result.stdout


_FEATURES = {}


def kernel_has(kind):
    """Probe once per run: can this kernel create a link of `kind`? (in a throwaway namespace)"""
    if kind not in _FEATURES:
        ns = 'ulprobe%d' % random.randrange(10 ** 6)
        sh('ip netns add %s' % ns)
        try:
            lower = 'ip link add p0 type veth peer name p1 && '
            create = {
                'macvlan': lower + 'ip link add link p0 name t0 type macvlan',
                'ipvlan': lower + 'ip link add link p0 name t0 type ipvlan',
                'vlan': lower + 'ip link add link p0 name t0 type vlan id 10',
                'dummy': 'ip link add t0 type dummy',
                'bridge': 'ip link add t0 type bridge',
            }[kind]
            _FEATURES[kind] = subprocess.run(['ip', 'netns', 'exec', ns, 'sh', '-c', create],
                                             capture_output=True, check=False).returncode == 0
        finally:
            sh('ip netns del %s' % ns)
    return _FEATURES[kind]


class Lab:
    """Namespaces for one test, all named <prefix>-<suffix>, plus helpers to look at them."""

    def __init__(self):
        self.prefix = 'ul%05d' % random.randrange(10 ** 5)
        self.made = []

    def ns(self, suffix):
        return '%s-%s' % (self.prefix, suffix)

    def add_ns(self, suffix):
        name = self.ns(suffix)
        sh('ip netns add %s && ip -n %s link set lo up' % (name, name))
        self.made.append(name)
        return name

    def veth(self, ns, name='up0', peer='up1'):
        """A veth pair inside `ns` (both ends up): the stand-in for a physical NIC."""
        sh('ip -n {ns} link add {a} type veth peer name {b} && ip -n {ns} link set {a} up && '
           'ip -n {ns} link set {b} up'.format(ns=ns, a=name, b=peer))
        return name

    def link(self, ns, name):
        """`ip -d -j link show` of one link, or None."""
        out = subprocess.run(['ip', '-n', ns, '-d', '-j', 'link', 'show', 'dev', name],
                             capture_output=True, text=True, check=False)
        return json.loads(out.stdout)[0] if out.returncode == 0 else None

    def state(self, *namespaces):
        """Everything observable about links and addresses in these namespaces (for 'nothing changed')."""
        existing = set(sh('ip netns list').split())
        # operstate and carrier settle asynchronously (UNKNOWN -> UP, NO-CARRIER -> LOWER_UP) after a link comes
        # up: not a change of ours
        return {ns: _settled(sh('ip -n %s -d -o link show; ip -n %s -o addr show scope global; ip -n %s route show'
                                % (ns, ns, ns))) if ns in existing else None for ns in namespaces}

    def ping(self, ns, address):
        """Does `address` answer from `ns`? Three echoes 0.2 s apart, any answer counts: the first may wait for
        ARP or neighbour discovery longer than a loaded machine takes to give it a second."""
        return subprocess.run(['ip', 'netns', 'exec', ns, 'ping', '-c', '3', '-i', '0.2', '-W', '1', address],
                              capture_output=True, check=False).returncode == 0

    def cleanup(self):
        for name in sh('ip netns list').split():
            if name.startswith(self.prefix + '-'):
                sh('ip netns del %s' % name, check=False)
        # the lock files host_networks kept for our namespaces (released, empty: the lab's, so they go too)
        for path in glob.glob('/run/underlay.network/netns-%s-*.lock' % self.prefix):
            os.unlink(path)


def _settled(text):
    """`ip` output without what the kernel settles on its own after a link comes up (operstate, carrier)."""
    return re.sub(r'NO-CARRIER,|,LOWER_UP', '', re.sub(r' state [A-Z]+ ', ' ', text))


def run_module(module, check=False, diff=True, **args):
    """Run plugins/modules/<module>.py as Ansible does (args as JSON in, JSON out); returns the result dict.

    By default each call is a new Python process, exactly like Ansible's local execution. With
    UNDERLAY_TESTS_IN_PROCESS=1 (the UML stage, where every process start costs seconds) the module's
    main() runs in this interpreter instead: the same module code against the same kernel.
    """
    args = dict(args, _ansible_check_mode=check, _ansible_diff=diff)
    if os.environ.get('UNDERLAY_TESTS_IN_PROCESS') == '1':
        return _run_in_process(module, args)
    path = os.path.join(REPO, 'plugins', 'modules', module + '.py')
    env = dict(os.environ, PYTHONPATH=COLLECTIONS)
    proc = subprocess.run([sys.executable, path], input=json.dumps({'ANSIBLE_MODULE_ARGS': args}),
                          capture_output=True, text=True, env=env, check=False)
    return _parse_result(module, proc.returncode, proc.stdout, proc.stderr)


def _run_in_process(module, args):
    from ansible.module_utils import basic
    basic._ANSIBLE_ARGS = json.dumps({'ANSIBLE_MODULE_ARGS': args}).encode()
    if hasattr(basic, '_ANSIBLE_PROFILE'):
        basic._ANSIBLE_PROFILE = 'legacy'  # what a controller sends for these modules (ansible-core >= 2.19)
    code = importlib.import_module('ansible_collections.underlay.network.plugins.modules.' + module)
    out = io.StringIO()
    rc = 0
    with contextlib.redirect_stdout(out):
        try:
            code.main()
        except SystemExit as exc:
            rc = exc.code or 0
    return _parse_result(module, rc, out.getvalue(), '')


def _parse_result(module, rc, stdout, stderr):
    try:
        result = json.loads(stdout)
    except ValueError:
        raise AssertionError('module %s printed no JSON (rc %d): %s %s' % (module, rc, stdout, stderr))
    result['rc'] = rc
    return result


def ansible_playbook(playbook, *extra, env=None):
    """ansible-playbook of this virtualenv on tests/integration/playbooks/<playbook> (or a path from there).

    `env`: the environment to start from (default this process's)."""
    bindir = os.path.dirname(sys.executable)
    env = dict(env or os.environ, ANSIBLE_COLLECTIONS_PATH=COLLECTIONS, ANSIBLE_PYTHON_INTERPRETER=sys.executable,
               ANSIBLE_NOCOLOR='1', ANSIBLE_SHOW_CUSTOM_STATS='1', ANSIBLE_LOCALHOST_WARNING='false',
               ANSIBLE_INVENTORY_UNPARSED_WARNING='false')
    return subprocess.run([os.path.join(bindir, 'ansible-playbook'), os.path.join(HERE, 'playbooks', playbook)]
                          + list(extra), capture_output=True, text=True, env=env, check=False)


def changed_per_play(stdout):
    """How many task results said 'changed' in each play of a default-callback run."""
    plays = re.split(r'^PLAY \[', stdout, flags=re.M)[1:]
    return [len(re.findall(r'^changed: \[', play, flags=re.M)) for play in plays]


# The scene most tests start from (the names say "seed000" after the project's first design example):
# a host with its own address on its NIC, and two containers whose eth0 is a bridge-mode macvlan
# child of that NIC, in the same /20. Without a shim the host cannot reach them.
SEED000_HOST_IP = '198.18.252.45'
SEED000_CONTAINERS = (('net1', '198.18.248.10'), ('net2', '198.18.248.9'))


def seed000_scene(lab):
    """A host namespace whose NIC up0 has the host's address, and the two containers; returns the host."""
    host = lab.add_ns('host')
    lab.veth(host)
    sh('ip -n %s addr add %s/20 dev up0' % (host, SEED000_HOST_IP))
    for suffix, ip in SEED000_CONTAINERS:
        lab.add_ns(suffix)
        result = run_module('macvlan_link', name='eth0', parent='up0', parent_netns=host, netns=lab.ns(suffix),
                            addresses=['%s/20' % ip])
        assert result['rc'] == 0, result
    return host


def seed000_reachable(lab, host):
    """Which of host->container, container->host and container->container answer."""
    return {'host->net1': lab.ping(host, '198.18.248.10'),
            'net1->host': lab.ping(lab.ns('net1'), SEED000_HOST_IP),
            'net1->net2': lab.ping(lab.ns('net1'), '198.18.248.9')}
