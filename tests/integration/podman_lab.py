# Copyright: (c) 2026, underlay.network contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""A rootful Podman of a test's own: every file under one temporary root, a busybox image made offline.

containers.conf and storage.conf reach podman through CONTAINERS_CONF and CONTAINERS_STORAGE_CONF (the
environment `env` holds): storage (vfs), run root, network definitions, the network backend, and at most
1024 open files and processes per container (this machine gives no CAP_SYS_RESOURCE to raise Podman's
default limits). Containers start with `nsenter --net` into a lab namespace, so their macvlan or ipvlan
ports are made there.
"""
import json
import os
import shutil
import subprocess

import pytest

CONTAINERS_CONF = '''[containers]
default_ulimits = ["nofile=1024:1024", "nproc=1024:1024"]
[engine]
cgroup_manager = "cgroupfs"
events_logger = "file"
tmp_dir = "{root}/tmp"
[network]
network_backend = "{backend}"
network_config_dir = "{root}/networks"
'''
STORAGE_CONF = '''[storage]
driver = "vfs"
graphroot = "{root}/storage"
runroot = "{root}/run"
'''


class PodmanLab:
    def __init__(self, prefix, backend='netavark'):
        self.prefix = prefix
        self.root = '/tmp/%s-podman' % prefix
        self.image = 'localhost/%s/busybox:1' % prefix
        self.backend = backend
        self.env = dict(os.environ, CONTAINERS_CONF=self.root + '/containers.conf',
                        CONTAINERS_STORAGE_CONF=self.root + '/storage.conf')

    def start(self):
        if not shutil.which('podman'):
            pytest.fail('podman is missing: scripts/bootstrap installs podman')
        os.makedirs(self.root + '/tmp')
        for name, text in (('containers.conf', CONTAINERS_CONF), ('storage.conf', STORAGE_CONF)):
            with open(os.path.join(self.root, name), 'w') as handle:
                handle.write(text.format(root=self.root, backend=self.backend))
        rootfs = os.path.join(self.root, 'rootfs')
        os.makedirs(os.path.join(rootfs, 'bin'))
        shutil.copy('/bin/busybox', os.path.join(rootfs, 'bin', 'busybox'))
        for applet in ('sh', 'ping', 'sleep', 'ip'):
            os.symlink('busybox', os.path.join(rootfs, 'bin', applet))
        tar = subprocess.Popen(['tar', '-C', rootfs, '-c', '.'], stdout=subprocess.PIPE)
        subprocess.run(['podman', 'import', '-', self.image], stdin=tar.stdout, env=self.env, capture_output=True,
                       check=True)
        tar.wait()

    def podman(self, *args, check=True, netns=None):
        """The podman command with this lab's configuration, in namespace `netns` when given."""
        command = (['nsenter', '--net=/run/netns/%s' % netns] if netns else []) + ['podman'] + list(args)
        done = subprocess.run(command, capture_output=True, text=True, env=self.env, check=False)
        if check and done.returncode != 0:
            raise AssertionError('podman %s failed: %s' % (' '.join(args), done.stderr.strip()))
        return done

    def run_container(self, name, network, netns, *addresses):
        args = ['run', '-d', '--name', '%s-%s' % (self.prefix, name), '--network', network]
        for address in addresses:
            args += ['--ip6' if ':' in address else '--ip', address]
        self.podman(*(args + [self.image, 'sleep', '3600']), netns=netns)
        return '%s-%s' % (self.prefix, name)

    def ping_from(self, container, address, tries=1):
        """Pings from the container; an IPv6 address up to `tries` times (a new port's address is tentative
        until duplicate address detection ends, about a second after the container starts)."""
        for _attempt in range(tries if ':' in address else 1):
            if self.podman('exec', container, 'ping', '-c', '1', '-W', '1', address, check=False).returncode == 0:
                return True
        return False

    def inspect(self, network):
        return json.loads(self.podman('network', 'inspect', network).stdout)[0]

    def cleanup(self):
        self.podman('rm', '--all', '--force', '--time', '0', check=False)
        for net in json.loads(self.podman('network', 'ls', '--format', 'json', check=False).stdout or '[]'):
            if net['name'] != 'podman':
                self.podman('network', 'rm', '--force', net['name'], check=False)
        self.podman('system', 'reset', '--force', check=False)
        shutil.rmtree(self.root, ignore_errors=True)
