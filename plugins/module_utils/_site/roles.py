# Copyright: (c) 2026, underlay.network contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""The roles' variables as the parts of the one host call (the underlay_host action runs this on the controller).

Each role's variables are the ones its meta/argument_specs.yml declares, checked against it with its defaults
made explicit before they get here; this only says which variable goes to which option of which part.
"""

from __future__ import annotations

from ansible.module_utils.parsing.convert_bool import boolean

# the roles, in the order site.yml runs them; each is one part of the host call
ROLES = ('kernel_modules', 'promisc', 'host_reachability')


def persist_backend(value) -> str:
    """host_reachability_persist as host_networks' persist: true -> engine (the boot replay), networkd,
    networkmanager, false -> none."""
    if str(value) in ('networkd', 'networkmanager'):
        return str(value)
    return 'engine' if boolean(value, strict=False) else 'none'


def kernel_modules_part(variables: dict, host: str) -> dict:
    return {'drivers': variables.get('kernel_modules_drivers'), 'features': variables.get('kernel_modules_features'),
            # unset drivers and features are what the host's networks need
            'networks': variables.get('host_reachability_networks') or [],
            'docker_host': variables.get('host_reachability_docker_host'),
            'podman_host': variables.get('host_reachability_podman_host') or None,
            'persist': variables['kernel_modules_persist'], 'config_root': variables['kernel_modules_config_root'],
            'host': host}


def promisc_part(variables: dict) -> dict:
    return {'interfaces': variables['promisc_interfaces'], 'state': variables['promisc_state'],
            'netns': variables['promisc_netns'] or None, 'persist': variables['promisc_persist'],
            'config_root': variables['promisc_config_root'], 'ip_command': variables['promisc_ip_command']}


def host_reachability_part(variables: dict) -> dict:
    return {'networks': variables['host_reachability_networks'], 'state': variables['host_reachability_state'],
            'netns': variables['host_reachability_netns'] or None,
            'docker_host': variables['host_reachability_docker_host'],
            'podman_host': variables.get('host_reachability_podman_host') or None, 'sysctls': variables['host_reachability_sysctls'],
            'verify': variables['host_reachability_verify'],
            'verify_timeout': variables['host_reachability_verify_timeout'],
            'on_unreachable': variables['host_reachability_on_unreachable'],
            'controller_address': variables['host_reachability_controller_address'] or None,
            'persist': persist_backend(variables['host_reachability_persist']),
            'persist_root': variables['host_reachability_config_root']}


def module_args(roles: list, variables: dict, host: str) -> dict:
    """underlay_host's parameters for `roles`, from their variables (checked, defaults explicit)."""
    parts = {'kernel_modules': lambda: kernel_modules_part(variables, host), 'promisc': lambda: promisc_part(variables),
             'host_reachability': lambda: host_reachability_part(variables)}
    return {role: parts[role]() for role in ROLES if role in roles}
