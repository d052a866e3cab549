# Copyright: (c) 2026, underlay.network contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""The one host call's pure parts: role variables to module options, each part's option check, the files it
keeps (modules-load.d, sysctl.d, the promisc unit) and the host_reachability report line."""

import os

import pytest
import yaml

from ansible_collections.underlay.network.plugins.module_utils._common.errors import ValidationError
from ansible_collections.underlay.network.plugins.module_utils._site import options, plan, roles
from ansible_collections.underlay.network.plugins.module_utils._site.host import sysctl_file
from ansible_collections.underlay.network.plugins.module_utils._site.kernel import asked, modules_load_file
from ansible_collections.underlay.network.plugins.module_utils._site.promisc import UNIT_TEXT, wants_link

ROLES = os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', '..', '..', '..', '..', 'roles')
NET = {'name': 'n1', 'parent': 'eth0', 'subnet': '198.18.1.0/24', 'ip_range': '198.18.1.16/28',
       'shim_address': '198.18.1.254'}


def role_defaults(role):
    with open(os.path.join(ROLES, role, 'meta', 'argument_specs.yml'), encoding='utf-8') as handle:
        spec = yaml.safe_load(handle)['argument_specs']['main']['options']
    return {name: option.get('default') for name, option in spec.items()}


@pytest.mark.parametrize('value,backend', [(True, 'engine'), ('yes', 'engine'), ('networkd', 'networkd'),
                                           (False, 'none'), ('false', 'none')])
def test_persist_variable_becomes_the_backend(value, backend):
    assert roles.persist_backend(value) == backend


def test_every_role_variable_reaches_an_option_of_its_part_and_each_part_checks():
    variables = {}
    for role in roles.ROLES:
        variables.update(role_defaults(role))
    variables.update(host_reachability_networks=[NET], promisc_interfaces=['eth1'])
    args = roles.module_args(list(roles.ROLES), variables, 'web1')
    assert sorted(args) == sorted(roles.ROLES)
    assert args['kernel_modules']['networks'] == [NET] and args['kernel_modules']['host'] == 'web1'
    assert args['kernel_modules']['drivers'] is None, 'unset: what the networks need'
    assert args['promisc']['netns'] is None and args['promisc']['interfaces'] == ['eth1']
    assert args['host_reachability']['persist'] == 'engine' and args['host_reachability']['netns'] is None
    for part, values in args.items():  # every option the mapping fills is one the part's table knows
        assert options.checked(part, values), part
    assert roles.module_args(['promisc'], variables, 'web1').keys() == {'promisc'}


def test_a_bad_option_names_the_part_the_option_the_value_and_the_choices():
    with pytest.raises(ValidationError) as caught:
        options.checked('promisc', {'interfaces': ['eth0'], 'state': 'maybe'})
    assert caught.value.field == 'promisc'
    assert 'promisc:' in caught.value.message and 'state' in caught.value.message and 'maybe' in caught.value.message
    assert 'on, off' in caught.value.message


def test_given_drivers_win_else_the_networks_say_else_macvlan():
    assert asked({'drivers': ['ipvlan'], 'features': []}, None) == (['ipvlan'], [])
    assert asked({'drivers': None, 'features': None},
                 {'drivers': ['macvlan', '8021q'], 'features': []}) == (['macvlan', '8021q'], [])
    assert asked({'drivers': None, 'features': None, 'networks': []}, None) == (['macvlan'], [])
    l3s = dict(NET, driver='ipvlan', mode='l3s')
    assert asked({'drivers': None, 'features': None, 'networks': [l3s]}, None) == (['ipvlan'], ['ipvlan_l3s'])


def test_modules_load_file_lists_the_modules_or_is_absent():
    assert modules_load_file([]).absent
    listed = modules_load_file(['ipvlan', '8021q']).content.splitlines()
    assert listed[-2:] == ['ipvlan', '8021q'] and all(line.startswith('#') for line in listed[:-2])


def test_sysctl_file_only_while_persisting_present_sysctls():
    params = {'persist': 'engine', 'state': 'present', 'sysctls': {'net.ipv4.ip_forward': True, 'net.x': '2'}}
    assert sysctl_file(params).content.splitlines()[-2:] == ['net.ipv4.ip_forward = 1', 'net.x = 2']
    for change in ({'persist': 'none'}, {'state': 'absent'}, {'sysctls': {}}):
        assert sysctl_file(dict(params, **change)).absent, change


def test_promisc_unit_runs_the_ip_command_and_the_wants_link_is_where_systemctl_puts_it():
    unit = UNIT_TEXT % {'ip': '/usr/sbin/ip'}
    assert 'ExecStart=/usr/sbin/ip link set dev %I promisc on' in unit.splitlines()
    assert 'WantedBy=sys-subsystem-net-devices-%i.device' in unit.splitlines()
    assert wants_link('br\\x2dlan') == ('etc/systemd/system/sys-subsystem-net-devices-br\\x2dlan.device.wants/'
                                        'underlay-promisc@br\\x2dlan.service')


def test_only_a_network_with_a_source_on_the_host_needs_the_host_to_be_checked():
    assert not plan.needs_host([NET, dict(NET, docker=None), dict(NET, podman=False)])
    assert plan.needs_host([dict(NET, docker={})]) and plan.needs_host([dict(NET, cni={'file': '/x'})])


def test_report_line_says_what_the_role_said():
    run = {'changes': [{}, {}], 'created': ['n1-shim'], 'removed': [], 'left': ['eth0.10 (in use)'],
           'verify': [{'summary': '198.18.1.20 ok'}], 'diff': {}, 'changed': True}
    result, line = plan.reachability_report({'state': 'present', 'netns': 'lab', 'networks': [NET]}, run,
                                            ['macvlan'], False)
    assert line == ('host_reachability present in namespace lab: networks n1; changed 2 steps; created n1-shim; '
                    'removed nothing; left eth0.10 (in use); verify 198.18.1.20 ok')
    assert 'diff' not in result and result['drivers'] == ['macvlan'] and result['netns'] == 'lab'
    _result, line = plan.reachability_report({'state': 'absent', 'networks': []}, None, [], True)
    assert line == 'host_reachability absent: networks none; would change 0 steps; created nothing; removed nothing'
