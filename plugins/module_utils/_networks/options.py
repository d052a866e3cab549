# Copyright: (c) 2026, underlay.network contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""One network definition as an Ansible argument spec, and the check of a definition against it.

NETWORK_OPTIONS holds the types, choices and defaults of a definition; every module that takes
networks (host_networks, underlay_networks) checks each definition with coerce_network(), and
doc_fragments/networks.py documents the same table (a unit test holds the two together).

coerce_network() does what Ansible's argument spec validation does - its own type conversions
(ansible.module_utils.common.parameters.DEFAULT_TYPE_VALIDATORS), choices, required keys, unknown
keys and defaults, in Ansible's order: types, then choices, then the suboptions, then unknown keys -
but one field at a time, so each refusal names the network, the field, the value and the fix
without reading Ansible's error text.
"""

from __future__ import annotations

import copy

from ansible.module_utils.common.parameters import DEFAULT_TYPE_VALIDATORS

from ansible_collections.underlay.network.plugins.module_utils._common.errors import ValidationError
from ansible_collections.underlay.network.plugins.module_utils._common.vocabulary import (
    DEFAULT_DRIVER, ENGINE_NAMES, INHERIT_MODE, NETWORK_DRIVERS, mode_choices)


SUBNET_OPTIONS = dict(
    subnet=dict(type='str', required=True),
    gateway=dict(type='str'),
    ip_range=dict(type='str'),
    shim_address=dict(type='str'),
)
DOCKER_OPTIONS = dict(
    name=dict(type='str'),
    create=dict(type='bool', default=True),
)
# a Podman network is named and created like a Docker network
PODMAN_OPTIONS = copy.deepcopy(DOCKER_OPTIONS)
CNI_OPTIONS = dict(
    file=dict(type='str'),
    config=dict(type='raw'),
)
# the container engines whose networks the role can create, and every source a definition can be completed from
ENGINES = tuple(ENGINE_NAMES)
SOURCES = ENGINES + ('cni',)
NETWORK_OPTIONS = dict(
    name=dict(type='str', required=True),
    driver=dict(type='str', choices=list(NETWORK_DRIVERS), default=DEFAULT_DRIVER),
    parent=dict(type='str'),
    vlan_id=dict(type='int'),
    subnet=dict(type='str'),
    gateway=dict(type='str'),
    ip_range=dict(type='str'),
    shim_address=dict(type='str'),
    subnets=dict(type='list', elements='dict', options=SUBNET_OPTIONS),
    shim_address_reserved=dict(type='bool', default=False),
    shim_name=dict(type='str'),
    mode=dict(type='str', choices=mode_choices(*NETWORK_DRIVERS) + [INHERIT_MODE]),
    metric=dict(type='int', default=0),
    verify_targets=dict(type='list', elements='str', default=[]),
    docker=dict(type='dict', options=DOCKER_OPTIONS),
    podman=dict(type='dict', options=PODMAN_OPTIONS),
    cni=dict(type='dict', options=CNI_OPTIONS),
)
FIELDS = tuple(NETWORK_OPTIONS)
# the fields of one subnet; at the top of a definition they are the one-subnet case of `subnets`
SUBNET_FIELDS = tuple(SUBNET_OPTIONS)

_TYPE_WORDS = {'int': 'a whole number', 'str': 'a string', 'bool': 'true or false', 'list': 'a list',
               'dict': 'a dictionary'}
_FIXES = {
    'vlan_id': 'give a VLAN id from 1 to 4094',
    'metric': 'give a route metric from 0 to 4294967295',
    'docker': "give a dictionary: name (the Docker network's name), create (false to only use one made elsewhere)",
    'verify_targets': 'give a list of addresses (the gateway, a container or two)',
    'subnets': 'give a list of {subnet, gateway, ip_range, shim_address}',
    'shim_address_reserved': 'give true or false',
    'docker.create': 'give true or false',
    'podman': "give a dictionary: name (the Podman network's name), create (false to only use one made elsewhere)",
    'podman.create': 'give true or false',
    'cni': 'give a dictionary with file (a .conflist or .conf on the host) or config (the CNI configuration)',
}


class NetworkError(ValidationError):
    """A network definition is wrong: names the network, the field, the value and the fix."""

    def __init__(self, network: str | int, field: str | None, value, message: str):
        where = "network '%s'" % network if isinstance(network, str) else 'networks[%s]' % network
        super().__init__('%s: %s' % (where, message), field=field, value=value)
        self.network = network


def _name_of(raw: dict, index: int) -> str | int:
    name = raw.get('name') if isinstance(raw, dict) else None
    return name.strip() if isinstance(name, str) and name.strip() else index


def _converted(option: dict, value):
    """`value` as Ansible converts it for `option` (its type, then each element); TypeError or ValueError."""
    try:
        value = DEFAULT_TYPE_VALIDATORS[option['type']](value)
        if option.get('elements'):
            value = [DEFAULT_TYPE_VALIDATORS[option['elements']](item) for item in value]
    except OverflowError as exc:  # int() of an infinite float
        raise ValueError(str(exc))
    return value


def _wrong_type(name, where: str, label: str, value, option: dict) -> NetworkError:
    listed = option.get('type') == 'list' and isinstance(value, list)
    wanted = _TYPE_WORDS.get(option.get('elements') if listed else option.get('type'), option.get('type'))
    return NetworkError(name, where, value, "%s %r is not %s%s; %s" % (
        label, value, wanted, ' (in every entry)' if listed else '', _FIXES.get(label, _FIXES.get(where, 'fix the value'))))


def _not_a_choice(name, where: str, label: str, value, option: dict) -> NetworkError:
    return NetworkError(name, where, value, "%s '%s' is not supported; use %s" % (
        label, value, ' or '.join(choice for choice in option['choices'] if choice != INHERIT_MODE)))


def _checked(name, options: dict, given: dict, raw: dict, parent: str | None = None) -> dict:
    """`given` converted against `options` (types, then choices), defaults filled in; raises NetworkError.

    `raw` is what the user wrote for the same fields (the value a message shows); `parent` names the
    option these are suboptions of (a message then says `parent.field`, and the field at fault is the parent).
    """
    converted = {}
    for field, option in options.items():
        value = given.get(field)
        if field not in given or (value is None and not option.get('required') and option.get('default') is None):
            continue
        try:
            converted[field] = _converted(option, value)
        except (TypeError, ValueError):
            where = parent or field
            shown = value if parent else raw.get(field)
            raise _wrong_type(name, where, '%s.%s' % (parent, field) if parent else field, shown, option)
    for field, option in options.items():
        if option.get('choices') is not None and field in converted and converted[field] not in option['choices']:
            raise _not_a_choice(name, parent or field, '%s.%s' % (parent, field) if parent else field,
                                given[field] if parent else raw.get(field), option)
    for field, option in options.items():
        if field not in converted:
            converted[field] = copy.deepcopy(option.get('default'))
    return converted


def _check_suboptions(name, raw: dict, network: dict) -> None:
    """Each entry of `subnets` and the source dictionaries against their options (required keys, types, choices)."""
    for field, option in NETWORK_OPTIONS.items():
        if option.get('options') is None or network.get(field) is None:
            continue
        entries = network[field] if option['type'] == 'list' else [network[field]]
        checked = []
        for entry in entries:
            missing = [key for key, sub in option['options'].items() if sub.get('required') and key not in entry]
            if missing:
                raise NetworkError(name, field, raw[field], "%s: missing required arguments: %s found in %s; give it "
                                   "in every entry" % (field, ', '.join(sorted(missing)), field))
            checked.append(dict(entry, **_checked(name, option['options'], entry, entry, parent=field)))
        network[field] = checked if option['type'] == 'list' else checked[0]


def _check_unknown(name, raw: dict, network: dict) -> None:
    """Keys that are no field of a definition (with the field they resemble), then unknown keys of the suboptions."""
    unknown = sorted((key for key in raw if key not in NETWORK_OPTIONS), key=str)
    if unknown:
        hints = []
        for key in unknown:
            close = [field for field in FIELDS
                     if field.replace('_', '') == str(key).replace('_', '').replace('-', '').lower()]
            hints.append("'%s'%s" % (key, " (did you mean '%s'?)" % close[0] if close else ''))
        raise NetworkError(name, unknown[0], raw[unknown[0]], "unknown field%s %s; the fields are %s"
                           % ('s' if len(unknown) > 1 else '', ', '.join(hints), ', '.join(FIELDS)))
    for field in SOURCES + ('subnets',):
        known = tuple(NETWORK_OPTIONS[field]['options'])
        entries = network[field] if field == 'subnets' else [network[field]]
        written = raw.get(field) if isinstance(raw.get(field), list) else [raw.get(field)]
        for index, entry in enumerate(entries or ()):
            extra = sorted((key for key in entry if key not in known), key=str) if isinstance(entry, dict) else []
            if extra and not isinstance(written[index] if index < len(written) else None, dict):
                # a string Ansible would read as key=value or JSON, naming keys we do not have
                raise _wrong_type(name, field, field, raw[field], NETWORK_OPTIONS[field])
            if extra:
                raise NetworkError(name, field, raw[field], "%s: unknown key%s %s; the keys are %s" % (
                    field, 's' if len(extra) > 1 else '', ', '.join("'%s'" % key for key in extra), ', '.join(known)))


def coerce_network(raw, index: int = 0) -> dict:
    """One definition checked and converted against NETWORK_OPTIONS (types, choices, unknown keys, defaults).

    The same validation Ansible does for an argument spec, per network, so that every message names
    the network as well as the field. Raises NetworkError.
    """
    if not isinstance(raw, dict):
        raise NetworkError(index, None, raw, "each network must be a dictionary with name, parent, subnet, "
                           "ip_range and shim_address, not %r" % (raw,))
    name = _name_of(raw, index)
    for field in ('vlan_id', 'metric'):
        if isinstance(raw.get(field), bool):  # Ansible takes booleans for integers; a VLAN id of True is a slip
            raise NetworkError(name, field, raw[field], "%s %r is a boolean; give a whole number" % (field, raw[field]))
    if not isinstance(name, str):
        raise NetworkError(index, 'name', raw.get('name'), "name is required: give each network a unique name "
                           "(for example the Docker network's name)")
    # None and '' mean "not given", as they do in YAML written by hand; docker: true (podman: true) is short for {}
    raw = {key: {} if key in ENGINES and value is True else value for key, value in raw.items()
           if value is not None and value != '' and not (key in ENGINES and value is False)}
    network = _checked(name, NETWORK_OPTIONS, copy.deepcopy(raw), raw)
    _check_suboptions(name, raw, network)
    _check_unknown(name, raw, network)
    network['name'] = name
    return network
