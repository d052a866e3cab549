# -*- coding: utf-8 -*-
# Copyright: (c) 2026, underlay.network contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""The glue every module is: argument spec in, engine call, result out."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible.module_utils.basic import AnsibleModule, missing_required_lib

from ansible_collections.underlay.network.plugins.module_utils._kernel import netlink
from ansible_collections.underlay.network.plugins.module_utils._reconcile.transaction import reconcile
from ansible_collections.underlay.network.plugins.module_utils._common.errors import KernelError, UnderlayError
from ansible_collections.underlay.network.plugins.module_utils._links.kinds import KINDS
from ansible_collections.underlay.network.plugins.module_utils._links.spec import LINK_ARGUMENT_SPEC, build_spec


class UnderlayModule(AnsibleModule):
    """AnsibleModule that fails cleanly without pyroute2 and turns UnderlayError into fail_json."""

    def __init__(self, argument_spec, needs_pyroute2=True, **kwargs):
        kwargs.setdefault('supports_check_mode', True)
        super(UnderlayModule, self).__init__(argument_spec=argument_spec, **kwargs)
        if needs_pyroute2 and not netlink.HAS_PYROUTE2:
            self.fail_json(msg=missing_required_lib('pyroute2'), exception=netlink.PYROUTE2_IMPORT_ERROR)

    def fail_from(self, exc):
        details = dict((key, getattr(exc, key)) for key in ('network', 'field', 'value', 'code')
                       if getattr(exc, key, None) is not None)
        self.fail_json(msg=exc.message, **details)

    def run(self, reconcile):
        """The body of a module: `reconcile(params, check_mode)` returns the result, or raises UnderlayError."""
        try:
            result = reconcile(self.params, self.check_mode)
        except UnderlayError as exc:
            self.fail_from(exc)
        self.exit_with(result)

    def exit_with(self, result):
        for warning in result.pop('warnings', []):
            self.warn(warning)
        if not self._diff:
            result.pop('diff', None)
        self.exit_json(**result)


def run_link_module(kind, argument_spec, **module_kwargs):
    """The whole body of a link module: `kind` names the driver in _kinds.KINDS."""
    spec = dict(LINK_ARGUMENT_SPEC)
    spec.update(argument_spec)
    module_kwargs.setdefault('required_if', []).append(('state', 'present', ('parent',)))
    module = UnderlayModule(spec, **module_kwargs)
    try:
        driver = KINDS[kind]
        options = driver.normalise(module.params) if module.params['state'] == 'present' else {}
        desired = build_spec(kind, module.params, options, default_name=driver.default_name(module.params))
        result = reconcile([desired], check_mode=module.check_mode)[0]
    except (UnderlayError, KernelError) as exc:
        module.fail_from(exc)
    module.exit_with(result)
