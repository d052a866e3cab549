# Copyright: (c) 2026, underlay.network contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""The one way a module runs: `run_module(argument_spec, body)` is the whole of every module's main().

The body takes the AnsibleModule and returns the result; an UnderlayError it raises becomes
fail_json with the field and value it names, warnings in the result become Ansible warnings,
and the diff is returned only in diff mode. Libraries a module needs are checked first, so a
host without them gets missing_required_lib instead of a traceback.
"""

from __future__ import annotations

from typing import Any, Callable, Iterable, Optional, Tuple

from ansible.module_utils.basic import AnsibleModule, missing_required_lib

# every module imports this file (most of them first): from here on the payload's code is compiled once
from ansible_collections.underlay.network.plugins.module_utils._common import payload  # noqa: F401 pylint: disable=unused-import
from ansible_collections.underlay.network.plugins.module_utils._common.errors import UnderlayError


# (library name, the traceback of its failed import or None), as the guarded imports record it
Requirement = Tuple[str, Optional[str]]
Body = Callable[[AnsibleModule], dict]

_DETAILS = ('network', 'field', 'value', 'code')


def failure_details(exc: UnderlayError) -> dict:
    """What fail_json returns beside the message: the network, field, value and code the error names."""
    return {key: getattr(exc, key) for key in _DETAILS if getattr(exc, key, None) is not None}


def run_module(argument_spec: dict, body: Body, requires: Iterable[Requirement] = (), **module_kwargs: Any) -> None:
    """Build the module, check its libraries, run `body(module)` and exit with its result."""
    module_kwargs.setdefault('supports_check_mode', True)
    module = AnsibleModule(argument_spec=argument_spec, **module_kwargs)
    for library, import_error in requires:
        if import_error is not None:
            module.fail_json(msg=missing_required_lib(library), exception=import_error)
    try:
        result = body(module)
    except UnderlayError as exc:
        module.fail_json(msg=exc.message, **failure_details(exc))
    for warning in result.pop('warnings', []):
        module.warn(warning)
    if not module._diff:
        result.pop('diff', None)
    module.exit_json(**result)
