# Copyright: (c) 2026, underlay.network contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""site.yml and teardown.yml show what they showed before they became one call per host.

Two namespace hosts (one with a promiscuous NIC, one without), one macvlan network each, run through the netns
connection: site.yml --check --diff, site.yml --diff, site.yml again, teardown.yml --check --diff and
teardown.yml --diff. A test callback (callbacks/record.py) records per host whether anything changed, the diffs
shown, the facts the roles set (kernel_modules_result, host_reachability_result), the report lines and the
set_stats data AWX shows. data/site_reports.json holds the same record made with the collection as it was
before (36 tasks per host), written by this file run as a program:

    .venv/py311/bin/python tests/integration/test_site_reports.py --write DIR   # DIR: that collection's root
"""
import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile

import pytest

from helpers import COLLECTIONS, Lab, REPO, sh

ENGINE_LIB = 'usr/lib/underlay.network/lib/'
HERE = os.path.dirname(os.path.abspath(__file__))
GOLDEN = os.path.join(HERE, 'data', 'site_reports.json')
# the roles' templates before they became part of the host call, and where they went
TEMPLATES = {'underlay-promisc@.service.j2': 'ROOT/etc/systemd/system/underlay-promisc@.service',
             'underlay-network.conf.j2': 'ROOT/etc/modules-load.d/underlay-network.conf'}
RUNS = (('check', 'site.yml', ['--check', '--diff']), ('apply', 'site.yml', ['--diff']), ('again', 'site.yml', []),
        ('teardown check', 'teardown.yml', ['--check', '--diff']), ('teardown', 'teardown.yml', ['--diff']))


def inventory(lab, workdir, **h2):
    """Two hosts, h1 with a promiscuous NIC; `h2` overrides host 2's variables."""
    hosts = {}
    for number in (1, 2):
        name = lab.add_ns('h%d' % number)
        lab.veth(name)
        root = os.path.join(workdir, 'h%d' % number)
        hosts[name] = {'ansible_connection': 'underlay.network.netns', 'ansible_python_interpreter': sys.executable,
                       'kernel_modules_config_root': root, 'host_reachability_config_root': root,
                       'promisc_config_root': root, 'promisc_interfaces': ['up1'] if number == 1 else [],
                       'host_reachability_networks': [{
                           'name': 'n%d' % number, 'parent': 'up0', 'subnet': '198.18.%d.0/24' % number,
                           'ip_range': '198.18.%d.16/28' % number, 'shim_address': '198.18.%d.254' % number}]}
    hosts[lab.ns('h2')].update(h2)
    path = os.path.join(workdir, 'inventory.json')
    with open(path, 'w', encoding='utf-8') as handle:
        json.dump({'underlay_hosts': {'hosts': hosts}}, handle)
    return path


def _diff_entries(diff, root):
    """A diff as {what: how it is after}: links and files by name, whichever module showed them."""
    if 'after_header' in diff:  # a file from the template or copy module: the header under ROOT is its destination
        path = [diff[key] for key in ('before_header', 'after_header') if diff.get(key, '').startswith(root)]
        # in check mode before the file exists, the template module names only its source
        path = path[0] if path else TEMPLATES[os.path.basename(diff['after_header'])].replace('ROOT', root)
        return {'/' + os.path.relpath(path, root): diff.get('after')}
    after = diff.get('after')
    if not isinstance(after, dict):
        return {}
    after = {key: 'symlink' if isinstance(value, str) and value.startswith('-> ') else value
             for key, value in after.items()}  # the file module does not show a symlink's target
    if 'path' in after and 'state' in after:  # the file module: a symlink, a directory, a removal
        if after['state'] == 'directory':
            return {}
        key = '/' + os.path.relpath(after['path'], root)
        return {key: 'symlink' if after['state'] == 'link' else None}
    if 'promisc' in after and 'name' in after:  # the promisc module
        return {'link %s' % after['name']: after}
    return dict(after)


def normalise(record, lab, workdir):
    """The record with this run's names, directories and kernel release replaced by placeholders."""
    text = json.dumps(record, sort_keys=True)
    text = text.replace(lab.prefix, 'PREFIX').replace(workdir, 'ROOT').replace(os.uname().release, 'RELEASE')
    text = text.replace(sys.executable, 'PYTHON')
    text = re.sub(r'"version": "[0-9.]+"', '"version": "VERSION"', text)  # the kernel's
    text = re.sub(r'(?i)"([0-9a-f]{2}:){5}[0-9a-f]{2}"', '"MAC"', text)  # a shim's random MAC address
    # how many files the engine's copy has (the modules the run imported: more since it also loads drivers)
    text = re.sub(r'\d+ files', 'N files', text)
    return _digests(json.loads(re.sub(r'ul-probe-\d+', 'ul-probe-PID', text)))


def _digests(value):
    """Long texts (files shown in a diff) as their length and SHA-256: the record stays small, the comparison exact."""
    if isinstance(value, dict):
        return {key: _digests(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_digests(item) for item in value]
    if isinstance(value, str) and len(value) > 400:
        return '%d characters, sha256 %s' % (len(value), hashlib.sha256(value.encode()).hexdigest())
    return value


def record_runs(collection, lab):
    """{run: {host: {changed, diff, facts, messages, failures}, 'stats': set_stats}} for RUNS against `collection`."""
    farm = tempfile.mkdtemp(prefix='%s-farm-' % lab.prefix)
    workdir = tempfile.mkdtemp(prefix='%s-root-' % lab.prefix)
    os.makedirs(os.path.join(farm, 'ansible_collections', 'underlay'))
    os.symlink(os.path.abspath(collection), os.path.join(farm, 'ansible_collections', 'underlay', 'network'))
    records = {}
    try:
        path = inventory(lab, workdir)
        for run, playbook, flags in RUNS:
            output = os.path.join(workdir, 'record.json')
            env = dict(os.environ, ANSIBLE_COLLECTIONS_PATH=farm, ANSIBLE_NOCOLOR='1',
                       ANSIBLE_CALLBACK_PLUGINS=os.path.join(HERE, 'callbacks'), ANSIBLE_CALLBACKS_ENABLED='record',
                       UNDERLAY_RECORD=output)
            done = subprocess.run([os.path.join(os.path.dirname(sys.executable), 'ansible-playbook'), '-i', path,
                                   os.path.join(collection, 'playbooks', playbook)] + flags,
                                  env=env, capture_output=True, text=True, check=False)
            assert done.returncode == 0, done.stdout[-5000:] + done.stderr[-3000:]
            with open(output, encoding='utf-8') as handle:
                raw = json.load(handle)
            hosts = {}
            for host, seen in raw['hosts'].items():
                diff = {}
                for shown in seen['diffs']:
                    diff.update(_diff_entries(shown, os.path.join(workdir, host.rsplit('-', 1)[1])))
                hosts[host] = {'changed': seen['changed'] > 0, 'diff': diff, 'facts': seen['facts'],
                               'messages': seen['messages'], 'failures': seen['failures']}
            records[run] = normalise({'hosts': hosts, 'stats': raw['stats']}, lab, workdir)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
        shutil.rmtree(farm, ignore_errors=True)
    return records


def comparable(records):
    """What must stay the same: the facts without what only a module's invocation carried, and all the rest."""
    for run in records.values():
        for host in run['hosts'].values():
            for fact in host['facts'].values():
                if isinstance(fact, dict):
                    for key in ('invocation', 'changed', 'failed', 'skipped', 'skip_reason'):
                        fact.pop(key, None)
            host['facts'] = {name: value for name, value in host['facts'].items()
                             if name in ('kernel_modules_result', 'host_reachability_result')}
            for change in host['facts'].get('host_reachability_result', {}).get('changes') or []:
                if change.get('name') == '/' + ENGINE_LIB.rstrip('/'):
                    change['files'] = 'N'
            persist = host['facts'].get('host_reachability_result', {}).get('persist') or {}
            if persist.get('changed_files'):  # the engine's code copy: whatever modules this version has
                persist['changed_files'] = [path for path in persist['changed_files'] if not path.startswith(ENGINE_LIB)]
    return records


@pytest.mark.kernel('macvlan')
@pytest.mark.host_kernel_flow
def test_one_bad_variable_on_one_host_stops_every_host_before_any_change(lab, tmp_path):
    path = inventory(lab, str(tmp_path), promisc_state='maybe')
    env = dict(os.environ, ANSIBLE_COLLECTIONS_PATH=COLLECTIONS, ANSIBLE_NOCOLOR='1')
    run = subprocess.run([os.path.join(os.path.dirname(sys.executable), 'ansible-playbook'), '-i', path,
                          os.path.join(REPO, 'playbooks', 'site.yml')], env=env, capture_output=True, text=True,
                         check=False)
    assert run.returncode != 0, run.stdout
    fatal = [line for line in run.stdout.splitlines() if line.startswith('fatal: ')]
    assert len(fatal) == 1 and lab.ns('h2') in fatal[0], run.stdout
    assert 'promisc_state' in fatal[0] and 'maybe' in fatal[0], fatal
    assert 'Kernel drivers, promiscuous NICs' not in run.stdout, 'a host went on after the check failed'
    for number in (1, 2):
        assert 'n%d-shim' % number not in sh('ip -n %s -o link' % lab.ns('h%d' % number))
    assert not os.listdir(str(tmp_path)) or os.listdir(str(tmp_path)) == ['inventory.json'], 'a file was written'


@pytest.mark.kernel('macvlan')
@pytest.mark.host_kernel_flow
def test_site_and_teardown_show_what_they_showed_before(lab):
    with open(GOLDEN, encoding='utf-8') as handle:
        before = json.load(handle)
    after = comparable(record_runs(REPO, lab))
    assert after['again']['hosts']['PREFIX-h1']['changed'] is False, after['again']
    assert after['apply']['hosts']['PREFIX-h1']['changed'] is True, after['apply']
    differences = [line for run, _playbook, _flags in RUNS for line in differ(before[run], after[run], run)]
    assert not differences, '\n'.join(differences)


def differ(before, after, where):
    """Where two records differ, one line each: the path, before and after."""
    if isinstance(before, dict) and isinstance(after, dict):
        return [line for key in sorted(set(before) | set(after), key=str)
                for line in differ(before.get(key, '(none)'), after.get(key, '(none)'), '%s.%s' % (where, key))]
    if before == '(none)' and after is None:  # a field added since, empty here, says what its absence said
        return []
    if isinstance(before, list) and isinstance(after, list) and len(before) == len(after):
        return [line for index, (old, new) in enumerate(zip(before, after))
                for line in differ(old, new, '%s[%d]' % (where, index))]
    return [] if before == after else ['%s: %r -> %r' % (where, before, after)]


if __name__ == '__main__':
    if sys.argv[1:2] != ['--write'] or len(sys.argv) != 3:
        raise SystemExit(__doc__)
    sys.path.insert(0, COLLECTIONS)
    LAB = Lab()
    try:
        RECORD = comparable(record_runs(os.path.abspath(sys.argv[2]), LAB))
    finally:
        LAB.cleanup()
    os.makedirs(os.path.dirname(GOLDEN), exist_ok=True)
    with open(GOLDEN, 'w', encoding='utf-8') as handle:
        json.dump(RECORD, handle, indent=1, sort_keys=True)
        handle.write('\n')
