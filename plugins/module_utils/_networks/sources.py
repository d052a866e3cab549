# Copyright: (c) 2026, underlay.network contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""What the sources a list of definitions names say, read once on the managed host before anything is planned.

Docker networks through the Engine API, Podman networks through the podman command, CNI configurations
from their files (or the definition itself). Nothing is asked of a source no definition names.
"""

from __future__ import annotations

from typing import NamedTuple

from ansible_collections.underlay.network.plugins.module_utils._common.vocabulary import DEFAULT_DRIVER
from ansible_collections.underlay.network.plugins.module_utils._networks.cni import cni_views
from ansible_collections.underlay.network.plugins.module_utils._networks.docker import DockerClient, docker_views
from ansible_collections.underlay.network.plugins.module_utils._networks.from_source import engine_name_of
from ansible_collections.underlay.network.plugins.module_utils._networks.podman import PodmanClient, podman_views


class Sources(NamedTuple):
    docker: dict  # Docker network name -> docker.network_view() (+ managed), or None when missing
    podman: dict  # Podman network name -> podman.network_view() (+ containers), or None when missing
    cni: dict  # network name -> the SourceView of its CNI configuration
    podman_lacks: dict  # driver -> why this Podman cannot create such networks (only drivers it lacks)
    docker_client: DockerClient | None
    podman_client: PodmanClient | None

    def normalise_args(self) -> dict:
        """The keyword arguments of definitions.normalise_networks()."""
        return {'docker_views': self.docker, 'podman_views': self.podman, 'cni_views': self.cni,
                'podman_lacks': self.podman_lacks}


def read_sources(raw_networks, docker_host: str | None = None, podman_host: str | None = None,
                 docker_client: DockerClient | None = None, podman_client: PodmanClient | None = None,
                 read_file=None, netns: str | None = None, run_command=None) -> Sources:
    """The sources the definitions name, read on this host (`netns`: the namespace of the host's NICs;
    `run_command`: AnsibleModule.run_command, which runs the podman command)."""
    docker, docker_client = docker_views(raw_networks, docker_host, docker_client)
    podman, podman_client = podman_views(raw_networks, podman_host, podman_client, netns=netns,
                                         run_command=run_command)
    # a Podman network to create with a driver this Podman lacks is refused before anything changes
    missing = [raw for raw in raw_networks or [] if engine_name_of(raw, 'podman') in podman
               and podman[engine_name_of(raw, 'podman')] is None]
    drivers = sorted({raw.get('driver') or DEFAULT_DRIVER for raw in missing})
    lacks = {driver: podman_client.lacks(driver) for driver in drivers if podman_client.lacks(driver)}
    return Sources(docker, podman, cni_views(raw_networks, read_file), lacks, docker_client, podman_client)
