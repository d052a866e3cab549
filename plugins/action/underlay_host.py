# Copyright: (c) 2026, underlay.network contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The controller's side of underlay_host: the roles' variables checked here, then one module run on the host.

Each role's variables are checked against its meta/argument_specs.yml (as the role's own entry point checks
them) and completed with their defaults, on the controller. With validate_only the networks' definitions are
checked here too, unless one needs what only the host has (a Docker, Podman or CNI source): then the
underlay_networks module checks them there. Otherwise the module runs once on the host with every part; when
the host's Python lacks pyroute2 and host_reachability_install_pyroute2 allows it, the OS package is
installed and the module runs again (in check mode the networks' part is then left out, as its plan needs
pyroute2).
"""

import os

import yaml

from ansible.module_utils.common.arg_spec import ArgumentSpecValidator
from ansible.module_utils.parsing.convert_bool import boolean
from ansible.plugins.action import ActionBase

from ansible_collections.underlay.network.plugins.module_utils._common.errors import UnderlayError
from ansible_collections.underlay.network.plugins.module_utils._site.plan import needs_host, network_plan, reachability_report
from ansible_collections.underlay.network.plugins.module_utils._site.roles import ROLES, module_args

COLLECTION = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
# libyaml's loader where PyYAML has it: the pure-Python one took about 12 ms a host for the three specs
_LOADER = getattr(yaml, 'CSafeLoader', yaml.SafeLoader)
_SPECS = {}


def role_options(role):
    """The options of the role's main entry point, from its meta/argument_specs.yml (read once a process)."""
    if role not in _SPECS:
        with open(os.path.join(COLLECTION, 'roles', role, 'meta', 'argument_specs.yml'), encoding='utf-8') as handle:
            _SPECS[role] = yaml.load(handle, Loader=_LOADER)['argument_specs']['main']['options']
    return _SPECS[role]


def _read_specs():
    """The roles' specs, read when this action is imported: the strategy imports it in the controller's main
    process and each task's worker is a fork of that, so they are read once a run instead of once a host and task."""
    for role in ROLES:
        try:
            role_options(role)
        except (OSError, yaml.YAMLError, KeyError, TypeError):  # a task that uses it reads it again and says why
            _SPECS.pop(role, None)


_read_specs()


class ActionModule(ActionBase):
    TRANSFERS_FILES = False
    _VALID_ARGS = frozenset(('roles', 'validate_only', 'set_stats'))

    def _variables(self, roles, task_vars):
        """The roles' variables, templated, checked against their specs and completed with their defaults."""
        variables, errors = {}, []
        for role in roles:
            options = role_options(role)
            given = self._templar.template({name: task_vars[name] for name in options if name in task_vars})
            checked = ArgumentSpecValidator(options).validate(given)
            errors += ['%s: %s' % (role, message) for message in checked.error_messages]
            variables.update(checked.validated_parameters)
        if 'host_reachability' not in roles:  # kernel_modules derives its drivers from the networks
            options = role_options('host_reachability')
            variables.update({name: self._templar.template(task_vars[name]) for name in
                              ('host_reachability_networks', 'host_reachability_docker_host',
                               'host_reachability_podman_host') if name in task_vars})
            variables.setdefault('host_reachability_docker_host', options['host_reachability_docker_host']['default'])
        return variables, errors

    def _validate(self, variables, task_vars):
        networks = variables.get('host_reachability_networks') or []
        docker_host = variables.get('host_reachability_docker_host')
        if needs_host(networks):
            args = {'networks': networks, 'docker_host': docker_host,
                    'podman_host': variables.get('host_reachability_podman_host') or None}
            return self._execute_module('underlay.network.underlay_networks', task_vars=task_vars,
                                        module_args={key: value for key, value in args.items() if value is not None})
        try:
            return dict(network_plan(networks, docker_host), changed=False, checked_on='controller')
        except UnderlayError as exc:
            return {'failed': True, 'msg': exc.message, 'field': exc.field, 'network': getattr(exc, 'network', None)}

    def run(self, tmp=None, task_vars=None):
        result = super().run(tmp, task_vars)
        roles = self._task.args.get('roles') or list(ROLES)
        unknown = [role for role in roles if role not in ROLES]
        if unknown:
            return dict(result, failed=True, msg='roles: %s is not one of %s; name those roles only'
                        % (', '.join(map(str, unknown)), ', '.join(ROLES)))
        variables, errors = self._variables(roles, task_vars)
        if errors:
            return dict(result, failed=True, argument_errors=errors,
                        msg='Validation of the roles\' variables failed: %s' % '; '.join(errors))
        if boolean(self._task.args.get('validate_only', False)):
            result.update(self._validate(variables, task_vars))
            return result
        args = module_args(roles, variables, task_vars['inventory_hostname'])
        run = self._execute_module('underlay.network.underlay_host', module_args=args, task_vars=task_vars)
        if run.get('pyroute2', {}).get('available') is False and 'host_reachability' in roles \
                and variables['host_reachability_install_pyroute2']:
            installed = self._execute_module('ansible.legacy.package', task_vars=task_vars, module_args={
                'name': variables['host_reachability_pyroute2_package'], 'state': 'present'})
            if installed.get('failed'):
                return dict(result, **installed)
            if self._task.check_mode:  # nothing can be planned without pyroute2: say what would happen
                reach = args['host_reachability']
                fact, line = reachability_report(reach, None, network_plan(reach['networks'], None)['drivers'], True)
                planned = dict(result, changed=True, host_reachability_result=fact, host_reachability_report=line,
                               warnings=['pyroute2 is not installed yet (%s would be), so check mode cannot plan the '
                                         'drivers, links, shims and routes: their plan needs it'
                                         % variables['host_reachability_pyroute2_package']])
                return self._with_stats(planned, roles, variables, task_vars['inventory_hostname'])
            run = self._execute_module('underlay.network.underlay_host', module_args=args, task_vars=task_vars)
            run['changed'] = True
        result.update(run)
        return self._with_stats(result, roles, variables, task_vars['inventory_hostname'])

    def _with_stats(self, result, roles, variables, host):
        """With set_stats, the summary AWX shows, as a set_stats task would give it: the networks a host has or,
        with host_reachability_state absent, what its teardown removed and left."""
        if not boolean(self._task.args.get('set_stats', False)) or result.get('failed') or 'host_reachability' not in roles:
            return result
        if variables['host_reachability_state'] == 'absent':
            fact = result.get('host_reachability_result') or {}
            data = {'underlay_teardown': {host: {'removed': fact.get('removed') or [], 'left_to_their_owners':
                                                 fact.get('left') or [], 'check_mode': self._task.check_mode}}}
        else:
            data = {'underlay_networks': {host: [net['name'] for net in variables['host_reachability_networks'] or []]}}
        return dict(result, ansible_stats={'data': data, 'per_host': False, 'aggregate': True})
