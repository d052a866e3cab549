#!/usr/bin/python
# Copyright: (c) 2026, underlay.network contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later


DOCUMENTATION = r'''
module: kernel_drivers
short_description: Report which link drivers the running kernel can create, and how
version_added: 0.1.0
description:
  - For each link driver asked (macvlan, ipvlan, 8021q, ...) reports whether the running kernel has it
    and how - V(builtin) (listed in C(modules.builtin), or the kernel has no module support and can create
    the kind), V(loaded) (a module under C(/sys/module)), V(loadable) (a C(.ko) under
    C(/lib/modules/<release>) that is not loaded yet) or V(missing).
  - The definitive answer comes from a real probe over netlink. In a throwaway network namespace of its own (a
    child process unshares one, and it goes with the child, so nothing is named or left behind), the module
    creates a veth pair and tries to create a link of the kind on it; EOPNOTSUPP means the kernel cannot create it
    now.
  - A driver that is a module not loaded yet is not probed, because creating such a link makes the kernel
    load the module on its own. Use the M(ansible.builtin.command) C(modprobe) or the
    C(underlay.network.kernel_modules) role to load it.
  - Also reports the kernel version and the minimum kernel versions of the drivers and features
    (macvlan 2.6.23, ipvlan 3.19, ipvlan mode l3s 4.9, ipvlan flags 4.15, 8021q always).
  - Never changes anything, so C(changed) is always false. The probe namespace exists only while the
    module runs, in check mode too.
author:
  - underlay.network maintainers (@underlay-network)
extends_documentation_fragment:
  - underlay.network.link.ATTRIBUTES
attributes:
  diff_mode:
    description: Will return details on what has changed (or possibly needs changing in check_mode), when in diff mode.
    support: N/A
    details: The module only reads; it never changes anything.
options:
  drivers:
    description:
      - The link drivers to report on. V(vlan) is another name for V(8021q).
    type: list
    elements: str
    choices: [macvlan, macvtap, ipvlan, ipvtap, 8021q, vlan, dummy]
    default: [macvlan, ipvlan, 8021q]
  features:
    description:
      - Later capabilities of a driver to check as well - V(ipvlan_l3s) (ipvlan mode l3s, Linux 4.9, needs
        C(CONFIG_IPVLAN_L3S)) and V(ipvlan_flags) (ipvlan bridge/private/vepa flags, Linux 4.15).
      - Each is probed for real when its driver is available; otherwise the kernel version decides.
    type: list
    elements: str
    choices: [ipvlan_l3s, ipvlan_flags]
    default: []
  probe:
    description:
      - Probe over netlink in a throwaway namespace (needs root or C(CAP_NET_ADMIN) and C(CAP_SYS_ADMIN)).
        With V(false) only the files under C(/proc), C(/sys) and C(/lib/modules) are read, and a kernel
        without module support reports every driver V(missing).
    type: bool
    default: true
requirements:
  - pyroute2 >= 0.7.2 on the managed host (what the link modules need; the probe itself does not use it)
notes:
  - Run it as root. Without the permission to create the probe, drivers are reported from files only and
    C(probe) says why.
seealso:
  - module: underlay.network.macvlan_link
  - module: underlay.network.ipvlan_link
  - module: underlay.network.vlan_link
'''

EXAMPLES = r'''
- name: Which drivers does this kernel have?
  underlay.network.kernel_drivers:
    drivers: [macvlan, ipvlan, vlan]
    features: [ipvlan_l3s]
  register: underlay_drivers

- name: Stop early when ipvlan cannot work here
  ansible.builtin.assert:
    that: underlay_drivers.drivers.ipvlan.usable
    fail_msg: "{{ underlay_drivers.problems | join('; ') }}"

- name: Load what is loadable
  ansible.builtin.command: modprobe {{ item }}
  loop: "{{ underlay_drivers.loadable }}"
  changed_when: true
'''

RETURN = r'''
kernel:
  description: The running kernel.
  returned: always
  type: dict
  contains:
    release:
      description: C(uname -r).
      type: str
      sample: 6.18.44-fc-v595
    version:
      description: The numeric version compared with the minimums.
      type: str
      sample: 6.18.44
    module_support:
      description: The kernel can load modules at all (it has C(/proc/modules)).
      type: bool
    modules_disabled:
      description: C(kernel.modules_disabled) is set (no more loading until reboot); null without module support.
      type: bool
    modules_dir:
      description: C(/lib/modules/<release>) when it exists, else null.
      type: str
  sample: {release: 6.1.176, version: 6.1.176, module_support: true, modules_disabled: false,
           modules_dir: /lib/modules/6.1.176}
drivers:
  description: One entry per driver asked (and per driver a feature needs), keyed by the driver's name (V(8021q) for V(vlan)).
  returned: always
  type: dict
  sample:
    macvlan: {name: macvlan, kind: macvlan, module: macvlan, status: builtin, available: true, usable: true,
              detail: "built into the kernel (no module support; the probe created it)",
              probe: created macvlan in a throwaway namespace, min_kernel: 2.6.23, kernel_ok: true, message: null}
    ipvlan: {name: ipvlan, kind: ipvlan, module: ipvlan, status: missing, available: false, usable: false,
             min_kernel: '3.19', kernel_ok: true,
             probe: the kernel cannot create ipvlan now (EOPNOTSUPP); it needs CONFIG_IPVLAN,
             message: "ipvlan: kernel 6.18.44 has no ipvlan driver ..."}
  contains:
    status:
      description: V(builtin), V(loaded), V(loadable) or V(missing).
      type: str
    available:
      description: The probe created the kind just now (true), the kernel refused it (false), or it was not probed (null).
      type: bool
    usable:
      description: Available now, or loadable; what a playbook should test.
      type: bool
    probe:
      description: What the probe did or why it did not run.
      type: str
    message:
      description: Why the driver cannot be used and what to do; null when it can.
      type: str
features:
  description: One entry per feature asked, keyed by name, with C(min_kernel), C(kernel_ok), C(available), C(usable) and C(message).
  returned: always
  type: dict
  sample: {ipvlan_l3s: {name: ipvlan_l3s, driver: ipvlan, min_kernel: '4.9', kernel_ok: true, available: true,
                        usable: true, probe: created ipvlan mode l3s in a throwaway namespace, message: null}}
minimums:
  description: Minimum kernel version of each driver and feature; null means no minimum.
  returned: always
  type: dict
  sample: {macvlan: 2.6.23, ipvlan: '3.19', ipvlan_l3s: '4.9', ipvlan_flags: '4.15', 8021q: null, dummy: null}
loadable:
  description: Modules of the drivers asked that exist but are not loaded (what C(modprobe) would load).
  returned: always
  type: list
  elements: str
  sample: [ipvlan]
modules:
  description: Modules of the drivers asked that are modules, loaded or loadable (what C(modules-load.d) should list).
  returned: always
  type: list
  elements: str
  sample: [macvlan, ipvlan, 8021q]
problems:
  description: One sentence per driver or feature that cannot be used, naming it, the cause and the fix.
  returned: always
  type: list
  elements: str
'''

from ansible_collections.underlay.network.plugins.module_utils._common.errors import KernelError
from ansible_collections.underlay.network.plugins.module_utils._common.vocabulary import KERNEL_MODULES, NETWORK_DRIVERS
from ansible_collections.underlay.network.plugins.module_utils._common.module import run_module
from ansible_collections.underlay.network.plugins.module_utils._kernel import netlink
from ansible_collections.underlay.network.plugins.module_utils._links import drivers


def _gather(module):
    try:
        return drivers.gather(module.params['drivers'], module.params['features'], module.params['probe'])
    except (OSError, netlink.NetlinkError) as exc:
        raise KernelError('cannot probe the kernel for link drivers in a throwaway namespace: %s; run as root, '
                          'or set probe=false to read only /proc, /sys and /lib/modules' % exc, field='probe')


def main():
    run_module(dict(
        drivers=dict(type='list', elements='str', default=[KERNEL_MODULES[kind] for kind in NETWORK_DRIVERS + ('vlan',)],
                     choices=drivers.DRIVER_CHOICES),
        features=dict(type='list', elements='str', default=[], choices=sorted(drivers.FEATURES)),
        probe=dict(type='bool', default=True),
    ), _gather, requires=[netlink.PYROUTE2])


if __name__ == '__main__':
    main()
