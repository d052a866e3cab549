# Copyright: (c) 2026, underlay.network contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The execution environment: `ansible-builder create` on execution-environment.yml (which installs this
collection from its tarball) gives a build context with our Python and system requirements and the
collection in it, and ansible-builder's introspection (the step the image build runs on the installed
collections) finds the same requirements in the installed collection's meta/execution-environment.yml.
Building the image itself needs a container runtime that can pull the base image from a registry,
which these machines cannot reach (docs/awx.md). scripts/test stage ee."""
import os
import shutil
import subprocess
import sys
import tarfile

import pytest

from helpers import REPO

pytestmark = pytest.mark.ee

BIN = os.path.dirname(sys.executable)


def run(*argv, **kwargs):
    proc = subprocess.run([os.path.join(BIN, argv[0])] + list(argv[1:]), capture_output=True, text=True,
                          check=False, **kwargs)
    assert proc.returncode == 0, (argv, proc.stdout, proc.stderr)
    return proc.stdout


def requirement_lines(path):
    with open(path) as stream:
        return [line.strip() for line in stream if line.strip() and not line.startswith('#')]


@pytest.fixture(scope='module')
def built(tmp_path_factory):
    """The definition with what it names beside it, the collection tarball built there, and the context."""
    work = tmp_path_factory.mktemp('ee')
    definition = work / 'definition'
    definition.mkdir()
    for name in ('execution-environment.yml', 'requirements.txt', 'bindep.txt'):
        shutil.copy(os.path.join(REPO, name), str(definition / name))
    run('ansible-galaxy', 'collection', 'build', '--output-path', str(definition), REPO)
    run('ansible-builder', 'create', '-f', str(definition / 'execution-environment.yml'), '-c', str(work / 'context'),
        '--output-filename', 'Containerfile')
    yield work
    shutil.rmtree(str(work), ignore_errors=True)


def test_context_has_our_python_and_system_requirements(built):
    context = built / 'context' / '_build'
    assert requirement_lines(str(context / 'requirements.txt')) == requirement_lines(os.path.join(REPO, 'requirements.txt'))
    assert requirement_lines(str(context / 'bindep.txt')) == requirement_lines(os.path.join(REPO, 'bindep.txt'))
    assert 'pyroute2>=0.7.2' in requirement_lines(str(context / 'requirements.txt'))
    assert 'iproute2 [platform:dpkg]' in requirement_lines(str(context / 'bindep.txt'))


def test_context_installs_this_collection_from_its_tarball(built):
    context = built / 'context'
    tarballs = os.listdir(str(context / '_build' / 'collections'))
    assert len(tarballs) == 1 and tarballs[0].startswith('underlay-network-'), tarballs
    with tarfile.open(str(context / '_build' / 'collections' / tarballs[0])) as tarball:
        members = set(tarball.getnames())
    for name in ('MANIFEST.json', 'meta/execution-environment.yml', 'requirements.txt', 'bindep.txt',
                 'plugins/modules/macvlan_link.py', 'roles/host_reachability/meta/argument_specs.yml'):
        assert name in members, name
    assert not [name for name in members if name.startswith(('lab/', 'tests/output', '.venv'))]
    containerfile = (context / 'Containerfile').read_text()
    galaxy_stage = containerfile.split('FROM base AS galaxy', 1)[1].split('FROM base AS builder', 1)[0]
    assert 'COPY _build/collections/ /build/collections/' in galaxy_stage
    assert 'ansible-galaxy collection install' in galaxy_stage and '-r requirements.yml' in galaxy_stage
    requirements = (context / '_build' / 'requirements.yml').read_text()
    assert '/build/collections/underlay-network.tar.gz' in requirements and 'type: file' in requirements
    # the builder stage merges the collections' requirements with ours (introspection), the final stage installs them
    assert 'introspect' in containerfile and 'install-from-bindep' in containerfile
    assert 'ARG PYPKG="python3.12"' in containerfile


def test_introspection_of_the_installed_collection_finds_the_same_requirements(built):
    collections = built / 'collections'
    tarball = [name for name in os.listdir(str(built / 'definition')) if name.endswith('.tar.gz')][0]
    run('ansible-galaxy', 'collection', 'install', '--offline', '--force', '-p', str(collections),
        str(built / 'definition' / tarball), env=dict(os.environ, ANSIBLE_COLLECTIONS_SCAN_SYS_PATH='false'))
    run('ansible-builder', 'introspect', '--sanitize', str(collections),
        '--write-pip', str(built / 'pip.txt'), '--write-bindep', str(built / 'bindep.txt'))
    assert requirement_lines(str(built / 'pip.txt')) == ['pyroute2>=0.7.2  # from collection underlay.network']
    assert requirement_lines(str(built / 'bindep.txt')) == [
        '%s  # from collection underlay.network' % line for line in requirement_lines(os.path.join(REPO, 'bindep.txt'))]
