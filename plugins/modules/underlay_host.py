#!/usr/bin/python
# Copyright: (c) 2026, underlay.network contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later


DOCUMENTATION = r'''
module: underlay_host
short_description: A host's whole underlay side in one call - kernel drivers, promiscuous NICs, host networks
version_added: 0.3.0
description:
  - What the C(underlay.network.kernel_modules), C(underlay.network.promisc) and
    C(underlay.network.host_reachability) roles do on a host, in one module run instead of a task per step - and
    what C(site.yml) and C(teardown.yml) run on each host. A fleet then costs about what Ansible itself costs per
    task, not thirty tasks per host.
  - Takes the roles' own variables (C(kernel_modules_*), C(promisc_*), C(host_reachability_*)), as each role's
    argument spec declares them with its defaults, from the task's variables; they are checked on the
    controller against those specs before the host is contacted.
  - In the roles' order, on the host - the link drivers (a real probe, C(modprobe) of the modules not loaded yet,
    C(modprobe --dry-run) in check mode, the C(modules-load.d) file), the promiscuous flag of each NIC and its
    systemd unit, then the networks' host side as one transaction with M(underlay.network.host_networks)
    (VLANs, shims, addresses, routes, Docker networks, sysctls, what the next boot replays) and the
    C(sysctl.d) file. Every file is planned, shown in diff mode and written only outside check mode.
  - Returns what the roles set as facts (RV(kernel_modules_result), RV(host_reachability_result)) and the
    host_reachability role's report line; C(site.yml) sets the same facts from them.
  - With O(validate_only=true) nothing on the host changes - the variables and the networks' definitions are
    checked on the controller (on the host with M(underlay.network.underlay_networks) only when a network has a
    Docker, Podman or CNI source there), and the result is that module's (C(site.yml) runs this on every host,
    with C(any_errors_fatal), before any host changes).
author:
  - underlay.network maintainers (@underlay-network)
extends_documentation_fragment:
  - underlay.network.link.ATTRIBUTES
options:
  roles:
    description: The roles whose work to do, in this order whatever the order given.
    type: list
    elements: str
    choices: [kernel_modules, promisc, host_reachability]
    default: [kernel_modules, promisc, host_reachability]
  validate_only:
    description: Only check the variables and the networks' definitions; nothing is read or changed on the host.
    type: bool
    default: false
  set_stats:
    description:
      - Also give AWX this run's summary, as an C(ansible.builtin.set_stats) task with C(aggregate) and without
        C(per_host) would - C(underlay_networks) (each host's network names) or, with C(host_reachability_state)
        C(absent), C(underlay_teardown) (what each host's teardown removed and left, and whether it was check
        mode). Only with the host_reachability part, and only on success. C(site.yml) and C(teardown.yml) use it
        instead of a task of their own.
    type: bool
    default: false
  kernel_modules:
    description:
      - Filled in by the action from the C(kernel_modules_*) variables (not given in a task) - C(drivers),
        C(features), C(persist), C(config_root), and C(networks) and C(docker_host) for drivers derived from the
        networks.
    type: dict
  promisc:
    description:
      - Filled in by the action from the C(promisc_*) variables (not given in a task) - C(interfaces), C(state),
        C(netns), C(persist), C(config_root), C(ip_command).
    type: dict
  host_reachability:
    description:
      - Filled in by the action from the C(host_reachability_*) variables (not given in a task) - the options of
        M(underlay.network.host_networks).
    type: dict
requirements:
  - pyroute2 >= 0.7.2 on the managed host (installed from the OS packages first when
    C(host_reachability_install_pyroute2) allows it)
  - root on the managed host
notes:
  - The roles stay usable on their own with the same variables; each runs this module with its own part.
seealso:
  - module: underlay.network.host_networks
  - module: underlay.network.kernel_drivers
  - module: underlay.network.promisc
  - module: underlay.network.underlay_networks
'''

EXAMPLES = r'''
- name: Check every host's variables and networks before any host changes
  underlay.network.underlay_host:
    validate_only: true
  any_errors_fatal: true

- name: Kernel drivers, promiscuous NICs and the networks' host side, one call per host, with AWX's summary
  underlay.network.underlay_host:
    set_stats: true
  register: underlay_host_run

- name: The roles' facts
  ansible.builtin.set_fact:
    kernel_modules_result: "{{ underlay_host_run.kernel_modules_result }}"
    host_reachability_result: "{{ underlay_host_run.host_reachability_result }}"
'''

RETURN = r'''
changes:
  description: Every step, the parts in order (loaded modules, promiscuous flags, files, enabled units, links).
  returned: always
  type: list
  elements: dict
  sample: [{action: create, kind: macvlan, name: lab-shim, netns: null}]
kernel_modules_result:
  description:
    - What the kernel has after loading - M(underlay.network.kernel_drivers)' report (C(kernel), C(drivers),
      C(features), C(loadable), C(modules), C(problems), C(minimums)) plus C(modprobe_errors).
  returned: when kernel_modules was asked
  type: dict
promisc_links:
  description: Each NIC's result as M(underlay.network.promisc) returns it.
  returned: when promisc was asked
  type: list
  elements: dict
host_reachability_result:
  description:
    - What the networks' host side did - C(created), C(modified), C(removed), C(left), C(networks), C(verify),
      C(changes), C(persist) of M(underlay.network.host_networks), with C(state), C(netns) and C(drivers).
  returned: when host_reachability was asked
  type: dict
host_reachability_report:
  description: The host_reachability role's one-line report.
  returned: when host_reachability was asked
  type: str
  sample: "host_reachability present: networks lab; changed 4 steps; created lab-shim; removed nothing"
parts:
  description: The parts that ran.
  returned: unless validate_only
  type: list
  elements: str
networks:
  description: With O(validate_only), the networks with every default explicit (as M(underlay.network.underlay_networks) returns them).
  returned: with validate_only
  type: list
  elements: dict
drivers:
  description: With O(validate_only), the kernel modules the networks need.
  returned: with validate_only
  type: list
  elements: str
pyroute2:
  description: Whether pyroute2 imports on the host; returned when it does not.
  returned: failure
  type: dict
'''

from ansible_collections.underlay.network.plugins.module_utils._common.module import run_module
from ansible_collections.underlay.network.plugins.module_utils._kernel.netlink import HAS_PYROUTE2, PYROUTE2
from ansible_collections.underlay.network.plugins.module_utils._site.host import converge_site
from ansible_collections.underlay.network.plugins.module_utils._site.roles import ROLES


def _run(module):
    if not HAS_PYROUTE2:  # the action installs it (host_reachability_install_pyroute2) and runs the module again
        from ansible.module_utils.basic import missing_required_lib
        module.fail_json(msg=missing_required_lib(PYROUTE2[0]), exception=PYROUTE2[1],
                         pyroute2={'available': False, 'version': None})
    return converge_site({part: module.params[part] for part in module.params['roles']}, module.check_mode,
                         module.run_command)


def main():
    run_module(dict(
        roles=dict(type='list', elements='str', choices=list(ROLES), default=list(ROLES)),
        validate_only=dict(type='bool', default=False),
        set_stats=dict(type='bool', default=False),  # the action's (the summary for AWX)
        kernel_modules=dict(type='dict'),
        promisc=dict(type='dict'),
        host_reachability=dict(type='dict'),
    ), _run)


if __name__ == '__main__':
    main()
