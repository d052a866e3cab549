# Copyright: (c) 2026, underlay.network contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""The options of each part of the one host call (underlay_host), as one table each.

A part is a dictionary of the module's (`kernel_modules`, `promisc`, `host_reachability`); it is checked here
against its table, with every default made explicit, before anything on the host is read or changed. The
host_reachability part takes the options of the host_networks module (the same table)."""

from __future__ import annotations

from ansible.module_utils.common.arg_spec import ArgumentSpecValidator

from ansible_collections.underlay.network.plugins.module_utils._common.errors import ValidationError
from ansible_collections.underlay.network.plugins.module_utils._common.vocabulary import DOCKER_HOST
from ansible_collections.underlay.network.plugins.module_utils._links.drivers import DRIVER_CHOICES, FEATURES
from ansible_collections.underlay.network.plugins.module_utils._persist.converge import HOST_NETWORKS_OPTIONS

PROMISC_STATES = ('on', 'off')

KERNEL_MODULES_OPTIONS = dict(
    drivers=dict(type='list', elements='str', choices=DRIVER_CHOICES),  # None: what `networks` needs
    features=dict(type='list', elements='str', choices=sorted(FEATURES)),  # None: what `networks` needs
    networks=dict(type='list', elements='dict', default=[]),
    docker_host=dict(type='str', default=DOCKER_HOST),
    podman_host=dict(type='str'),
    persist=dict(type='bool', default=True),
    config_root=dict(type='path', default='/'),
    host=dict(type='str'),  # the inventory name, for the failure message
)

PROMISC_OPTIONS = dict(
    interfaces=dict(type='list', elements='str', default=[]),
    state=dict(type='str', choices=list(PROMISC_STATES), default='on'),
    netns=dict(type='str'),
    persist=dict(type='bool', default=True),
    config_root=dict(type='path', default='/'),
    ip_command=dict(type='path', default='/sbin/ip'),
)

PARTS = {'kernel_modules': KERNEL_MODULES_OPTIONS, 'promisc': PROMISC_OPTIONS,
         'host_reachability': HOST_NETWORKS_OPTIONS}


def checked(part: str, values: dict) -> dict:
    """The part's values with every default explicit; bad ones fail naming the part, the option and the fix."""
    given = {name: value for name, value in values.items() if value is not None}  # None: not given
    result = ArgumentSpecValidator(PARTS[part]).validate(given)
    if result.error_messages:
        raise ValidationError('%s: %s; fix these options of %s (underlay_host documents them)'
                              % (part, '; '.join(result.error_messages), part), part, values)
    return result.validated_parameters
