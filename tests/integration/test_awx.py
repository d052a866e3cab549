# Copyright: (c) 2026, underlay.network contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""site.yml, verify.yml and teardown.yml as AWX runs a job template: `ansible-runner run` on a private
data directory (inventory, extra vars and command-line options as files, nothing prompted) against
the lab fleet. What is read back is what AWX reads: the job's status and rc, the events in
artifacts/<job>/job_events, and the set_stats data in the playbook_on_stats event's artifact_data
(AWX stores it as the job's artifacts and hands it to the next node of a workflow).

One fleet (three hosts, two macvlan containers each) goes through the job sequence an operator
would run: check job, apply, verify, a verify that fails, a verify with survey-style extra vars,
teardown (check, then for real). (That a second apply changes nothing is the Molecule idempotence
step's and the lab test's job.) scripts/test stage awx.
"""
import glob
import json
import os
import random
import shutil
import subprocess
import sys

import pytest

from helpers import COLLECTIONS, REPO, sh

pytestmark = [pytest.mark.awx, pytest.mark.kernel('macvlan')]

PREFIX = 'ulawx%03d' % random.randrange(1000)
HOSTS = ['%s-h%d' % (PREFIX, n) for n in (1, 2, 3)]
BIN = os.path.dirname(sys.executable)


def lab_fleet(*extra):
    """lab/fleet.yml with this test's prefix (building the fleet is the lab's job, not a job template's)."""
    env = dict(os.environ, ANSIBLE_COLLECTIONS_PATH=COLLECTIONS, ANSIBLE_LOCALHOST_WARNING='false',
               ANSIBLE_INVENTORY_UNPARSED_WARNING='false', ANSIBLE_NOCOLOR='1')
    run = subprocess.run([os.path.join(BIN, 'ansible-playbook'), os.path.join(REPO, 'lab', 'fleet.yml'),
                          '-e', 'lab_prefix=%s' % PREFIX] + list(extra),
                         capture_output=True, text=True, env=env, check=False)
    assert run.returncode == 0, run.stdout + run.stderr


class Job:
    """One finished ansible-runner job, read from its artifacts as AWX reads them."""

    def __init__(self, data_dir, ident):
        self.dir = os.path.join(data_dir, 'artifacts', ident)
        with open(os.path.join(self.dir, 'status')) as stream:
            self.status = stream.read().strip()
        with open(os.path.join(self.dir, 'rc')) as stream:
            self.rc = int(stream.read().strip())
        with open(os.path.join(self.dir, 'stdout')) as stream:
            self.stdout = stream.read()
        self.events = []
        for path in glob.glob(os.path.join(self.dir, 'job_events', '*.json')):
            with open(path) as stream:
                self.events.append(json.load(stream))
        self.events.sort(key=lambda event: event['counter'])
        stats = [event for event in self.events if event['event'] == 'playbook_on_stats']
        assert len(stats) == 1, (ident, self.status, self.stdout[-3000:])
        self.stats = stats[0]['event_data']

    @property
    def artifacts(self):
        """What AWX stores as the job's artifacts: the set_stats data."""
        return self.stats.get('artifact_data', {})

    def changed(self):
        return {host: self.stats['changed'].get(host, 0) for host in HOSTS}


class DataDir:
    """An ansible-runner private data directory: project, inventory, env/ (no prompts anywhere)."""

    def __init__(self, path):
        self.path = str(path)
        for sub in ('inventory', 'env'):
            os.makedirs(os.path.join(self.path, sub))
        # The project is this checkout, as AWX checks out the repository; playbooks by their path in it.
        os.symlink(REPO, os.path.join(self.path, 'project'))
        # What the execution environment provides: the collection, and ansible-playbook on PATH.
        self.write('env/envvars', {'ANSIBLE_COLLECTIONS_PATH': COLLECTIONS, 'ANSIBLE_COLLECTIONS_SCAN_SYS_PATH': 'false',
                                   'ANSIBLE_NOCOLOR': '1'})
        self.count = 0

    def write(self, name, data):
        with open(os.path.join(self.path, name), 'w') as stream:
            stream.write(data if isinstance(data, str) else json.dumps(data))

    def run(self, playbook, check=False, extravars=None):
        """ansible-runner run: job type run or check, extra vars from env/extravars; returns the Job."""
        self.count += 1
        ident = '%d-%s%s' % (self.count, os.path.splitext(os.path.basename(playbook))[0], '-check' if check else '')
        self.write('env/cmdline', '--check' if check else '')
        self.write('env/extravars', extravars or {})
        env = dict(os.environ, PATH=BIN + os.pathsep + os.environ['PATH'])
        proc = subprocess.run([os.path.join(BIN, 'ansible-runner'), 'run', self.path, '-p', playbook, '--ident', ident],
                              capture_output=True, text=True, env=env, check=False)
        job = Job(self.path, ident)
        # ansible-runner's own exit status is the job's rc, as AWX records it
        assert proc.returncode == job.rc, (proc.returncode, job.rc, proc.stderr[-2000:])
        return job


def fleet_state():
    """Links, addresses and routes of every host namespace of the fleet (for 'nothing changed')."""
    return {host: sh('ip -n %s -d -o link show; ip -n %s -o addr show; ip -n %s route show' % (host, host, host))
            for host in HOSTS}


def shims():
    return {host: 'lab-shim@eth0' in sh('ip -n %s -br link' % host) for host in HOSTS}


@pytest.fixture(scope='module')
def data_dir(tmp_path_factory):
    data = DataDir(tmp_path_factory.mktemp('awx') / 'private_data_dir')
    try:
        lab_fleet('-e', 'lab_inventory_file=%s' % os.path.join(data.path, 'inventory', 'hosts.yml'))
        yield data
    finally:
        lab_fleet('-e', 'lab_step=remove')
        shutil.rmtree(data.path, ignore_errors=True)
        left = [ns for ns in sh('ip netns list').split() if ns.startswith(PREFIX)]
        assert not left, 'the lab left namespaces behind: %s' % left


def test_site_check_job_plans_and_changes_nothing(data_dir):
    before = fleet_state()
    job = data_dir.run('playbooks/site.yml', check=True)
    assert (job.status, job.rc) == ('successful', 0), job.stdout
    assert fleet_state() == before, 'a check job changed the kernel'
    assert all(count > 0 for count in job.changed().values()), job.changed()  # it planned the shims
    assert job.artifacts == {'underlay_networks': {host: ['lab'] for host in HOSTS}}


def test_site_job_applies_and_reports_networks_through_set_stats(data_dir):
    job = data_dir.run('playbooks/site.yml')
    assert (job.status, job.rc) == ('successful', 0), job.stdout
    assert shims() == {host: True for host in HOSTS}
    assert job.artifacts == {'underlay_networks': {host: ['lab'] for host in HOSTS}}
    # the events AWX shows per task carry the module results
    host_events = [event for event in job.events if event['event'] == 'runner_on_ok'
                   and event['event_data'].get('resolved_action') == 'underlay.network.underlay_host']
    changed = [event['event_data'] for event in host_events if event['event_data']['res']['changed']]
    assert sorted(data['host'] for data in changed) == HOSTS
    assert all(data['res']['host_reachability_result']['created'] == ['lab-shim'] for data in changed), changed


def test_verify_job_succeeds_with_an_empty_unreachable_list(data_dir):
    job = data_dir.run('playbooks/verify.yml')
    assert (job.status, job.rc) == ('successful', 0), job.stdout
    assert job.artifacts == {'underlay_unreachable': {host: [] for host in HOSTS}}


def test_verify_job_fails_when_a_host_lost_its_shim(data_dir):
    sh('ip -n %s link del lab-shim' % HOSTS[0])  # what a reboot without the role's persistence would do
    job = data_dir.run('playbooks/verify.yml')
    assert job.status == 'failed' and job.rc != 0, job.stdout
    assert job.stats['failures'] == {HOSTS[0]: 1}, job.stats['failures']
    # the set_stats data still arrives, naming what the failed host could not reach
    assert job.artifacts['underlay_unreachable'] == {HOSTS[0]: ['h1-c1', 'h1-c2'], HOSTS[1]: [], HOSTS[2]: []}


def test_verify_job_with_extra_vars_from_a_survey(data_dir):
    """A survey's answers arrive as extra vars: here the targets to check, overriding the inventory's."""
    job = data_dir.run('playbooks/verify.yml', extravars={'underlay_verify_targets': [
        {'name': 'h2-c1', 'address': '198.18.2.2'}, {'name': 'h3-c2', 'address': '198.18.3.3'}]})
    assert (job.status, job.rc) == ('successful', 0), job.stdout
    assert job.artifacts == {'underlay_unreachable': {host: [] for host in HOSTS}}


def test_doctor_job_every_check_ok_then_a_shim_address_someone_holds(data_dir):
    """doctor.yml as a job template: per host a table, set_stats counts and problems, the fleet's Markdown summary;
    a check job the same; then a survey's networks whose shim address another host holds fail the job."""
    report = os.path.join(data_dir.path, 'doctor.md')
    lan = {'underlay_doctor_targets': ['198.18.0.11', '198.18.0.12', '198.18.0.13'], 'underlay_doctor_report': report}
    before = fleet_state()
    for check in (False, True):
        job = data_dir.run('playbooks/doctor.yml', check=check, extravars=lan)
        assert (job.status, job.rc) == ('successful', 0), job.stdout
        assert job.artifacts['underlay_doctor'] == {host: {'ok': 8, 'warn': 0, 'fail': 0, 'problems': []}
                                                    for host in HOSTS}
        assert fleet_state() == before, 'the doctor changed the kernel'
        for host in HOSTS:  # each host's table in the job's output
            assert '%s: 8 ok, 0 warn, 0 fail' % host in job.stdout, job.stdout
    summary = open(report).read()
    assert summary.startswith('# Underlay doctor\n') and all('## %s\n' % host in summary for host in HOSTS)
    assert all('## %s\n' % host in job.artifacts['underlay_doctor_summary'] for host in HOSTS)

    taken = [{'name': 'lab', 'parent': 'eth0', 'subnet': '198.18.0.0/20', 'ip_range': '198.18.1.0/28',
              'shim_address': '198.18.0.12'}]  # host 2's own address on the LAN
    job = data_dir.run('playbooks/doctor.yml', extravars=dict(lan, host_reachability_networks=taken))
    assert job.status == 'failed' and job.rc != 0, job.stdout
    problems = {host: stats['problems'] for host, stats in job.artifacts['underlay_doctor'].items()}
    assert all(len(problems[host]) == 1 and 'address_conflicts FAIL' in problems[host][0] for host in HOSTS), problems
    assert '198.18.0.12 answered by' in problems[HOSTS[0]][0] and '198.18.0.12 on eth0' in problems[HOSTS[1]][0]
    assert fleet_state() == before


def test_teardown_check_job_then_teardown_job(data_dir):
    before = fleet_state()
    check = data_dir.run('playbooks/teardown.yml', check=True)
    assert (check.status, check.rc) == ('successful', 0), check.stdout
    assert fleet_state() == before, 'a check job changed the kernel'
    planned = check.artifacts['underlay_teardown']
    assert planned[HOSTS[1]]['removed'] == ['lab-shim'] and planned[HOSTS[1]]['check_mode'] is True

    job = data_dir.run('playbooks/teardown.yml')
    assert (job.status, job.rc) == ('successful', 0), job.stdout
    assert shims() == {host: False for host in HOSTS}
    done = job.artifacts['underlay_teardown']
    assert done[HOSTS[0]]['removed'] == []  # its shim was already gone
    for host in HOSTS[1:]:
        assert done[host]['removed'] == ['lab-shim'] and done[host]['check_mode'] is False, done
    # nothing of the networks had to stay (no VLAN sub-interface, no shim without the mark)
    assert all(done[host]['left_to_their_owners'] == [] for host in HOSTS), done
