#!/usr/bin/python
# Copyright: (c) 2026, underlay.network contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

# Why a module and not `ping` in a loop: one task sends every echo at once (a task per target costs a
# process each), counts answers the same way on every host (no ping binary, no locale, no return codes to
# turn into words), and answers "what does this host reach" as data a playbook can assert on and hand to
# AWX. The name pairs it with the host_reachability role: the role makes a host reach its containers, this
# module checks that it does (Ansible's own `ping` module tests the connection, not ICMP).

DOCUMENTATION = r'''
module: reachability
short_description: Check which addresses answer ICMP echoes from a host or a network namespace
version_added: 0.2.0
description:
  - Sends O(count) ICMP (IPv4) or ICMPv6 (IPv6) echo requests to every target, O(interval) seconds apart, all
    targets at once, from the namespace the task runs in or from O(netns), and counts the answers that come
    back within O(timeout) seconds. A target that answered at least one echo is reachable.
  - Several echoes, because the first one may wait for ARP or IPv6 neighbour discovery longer than a loaded
    host takes to send the second; one lost echo does not make a target unreachable.
  - Reads only, so it runs in check mode too and never reports a change. It does not fail when a target is
    unreachable; assert on RV(not_reached) (see the examples), after printing or reporting what you need.
  - Uses raw sockets, not the C(ping) command, so it needs root or C(CAP_NET_RAW) on the managed host.
author:
  - underlay.network maintainers (@underlay-network)
extends_documentation_fragment:
  - underlay.network.link.ATTRIBUTES
attributes:
  check_mode:
    support: full
    details: Sends the echoes in check mode too (they change nothing), so a check run shows reachability as it is.
  diff_mode:
    support: none
options:
  targets:
    description:
      - The addresses to probe, IPv4 or IPv6 (nothing is resolved), each given either as the address alone or as a
        dict with C(address) and C(name), the name the results call it by (a container's name, for example). A
        target without a name is called by its address.
      - A target dict may also name the C(netns) its echoes leave from, instead of O(netns), so one task checks
        both ways, the host to its containers and a container to the host's own addresses (IPv4 and IPv6). It
        must be a named namespace (C(ip netns list)); for a Docker container, name its namespace first.
    type: list
    elements: raw
    required: true
  netns:
    description:
      - Named network namespace (as C(ip netns list) shows it) the echoes leave from, for example a container's.
        Omit for the namespace the task runs in.
    type: str
  count:
    description: Echo requests sent to each target (1 to 100).
    type: int
    default: 3
  interval:
    description: Seconds between two echoes to the same target (0.01 to 10).
    type: float
    default: 0.2
  timeout:
    description:
      - Seconds from the first echo until the probe stops waiting for answers (0.1 to 60). It ends earlier when
        every echo has been answered, so only unreachable targets cost the whole timeout.
      - Must leave time to send every echo, that is be longer than (O(count) - 1) * O(interval).
    type: float
    default: 3.0
requirements:
  - pyroute2 >= 0.7.2 on the managed host (to enter O(netns))
  - root or C(CAP_NET_RAW) on the managed host
seealso:
  - module: underlay.network.host_networks
    description: Its C(verify_targets) gate a host's networks on the same echoes before the change is kept.
'''

EXAMPLES = r'''
- name: Does this host reach its containers (through its shim) and another host's?
  underlay.network.reachability:
    targets:
      - {name: web1, address: 198.18.1.2}
      - {name: web2, address: "2001:db8:1::2"}
      - {name: other-host-db, address: 198.18.2.2}
  register: reach

- name: The host's line of a reachability matrix, for example "web1=ok, web2=ok, other-host-db=FAIL"
  ansible.builtin.debug:
    msg: "{{ inventory_hostname }}: {{ reach.summary }}"

- name: Fail when anything did not answer
  ansible.builtin.assert:
    that: reach.not_reached | length == 0
    fail_msg: "no answer from {{ reach.not_reached | join(', ') }}"

- name: From inside a container's network namespace, five echoes within two seconds
  underlay.network.reachability:
    netns: net1
    targets: [198.18.1.1]
    count: 5
    timeout: 2
'''

RETURN = r'''
targets:
  description:
    - Every target, in the order given, with what its echoes did.
    - C(sent) counts the echoes that left; C(answers) those answered; C(reachable) is C(answers > 0); C(netns) is
      the namespace they left from (null for the one the task runs in).
    - C(send_error) is why the kernel refused to send (for example C(Network is unreachable) when the
      namespace has no route to the address), null when every echo left.
  returned: always
  type: list
  elements: dict
  sample: [{name: web1, address: 198.18.1.2, netns: null, reachable: true, sent: 3, answers: 3, send_error: null},
           {name: other-host-db, address: 198.18.2.2, netns: null, reachable: false, sent: 3, answers: 0,
            send_error: null}]
reached:
  description: The names of the targets that answered, in the order given.
  returned: always
  type: list
  elements: str
  sample: [web1]
not_reached:
  description:
    - The names of the targets that did not answer any echo, in the order given.
    - (Not C(unreachable), which Ansible reads as "the host itself could not be reached".)
  returned: always
  type: list
  elements: str
  sample: [other-host-db]
summary:
  description: One line, C(name=ok) or C(name=FAIL) per target in the order given (C(no targets) for none).
  returned: always
  type: str
  sample: web1=ok, other-host-db=FAIL
'''

import errno
import ipaddress

from ansible_collections.underlay.network.plugins.module_utils._common.errors import UnderlayError, ValidationError
from ansible_collections.underlay.network.plugins.module_utils._common.module import run_module
from ansible_collections.underlay.network.plugins.module_utils._kernel import icmp
from ansible_collections.underlay.network.plugins.module_utils._kernel.netlink import PYROUTE2, NetlinkError

# option: (lowest, highest)
LIMITS = {'count': (1, 100), 'interval': (0.01, 10), 'timeout': (0.1, 60)}


def checked_targets(params):
    """[(name, address, netns)] of the targets, or a ValidationError naming the option, the value and the fix."""
    for option, (lowest, highest) in LIMITS.items():
        if not lowest <= params[option] <= highest:
            raise ValidationError('%s is %s; give a value from %s to %s' % (option, params[option], lowest, highest),
                                  option, params[option])
    sending = (params['count'] - 1) * params['interval']
    if params['timeout'] <= sending:
        raise ValidationError('timeout %s s ends before the last of %d echoes %s s apart is sent (%.2f s after the '
                              'first); give a longer timeout, fewer echoes or a shorter interval'
                              % (params['timeout'], params['count'], params['interval'], sending),
                              'timeout', params['timeout'])
    return [_target(index, target, params['netns']) for index, target in enumerate(params['targets'])]


def _target(index, target, netns):
    """(name, address, netns) of targets[index]: an address, or a dict with address and an optional name and netns
    (the namespace its echoes leave from; `netns`, the module's, otherwise)."""
    where = 'targets[%d]' % index
    if isinstance(target, dict):
        unknown = sorted(set(target) - {'name', 'address', 'netns'})
        if unknown:
            raise ValidationError('%s has %s; a target dict has only address, name and netns'
                                  % (where, ', '.join(unknown)), 'targets', target)
        netns = target.get('netns') or netns
        if not target.get('address'):
            raise ValidationError('%s has no address; give {address: ..., name: ...} or the address alone' % where,
                                  'targets', target)
        name, address, where = target.get('name'), str(target['address']), where + '.address'
    elif isinstance(target, str):
        name, address = None, target
    else:
        raise ValidationError('%s is %r; give an address or a dict with address and name' % (where, target),
                              'targets', target)
    try:
        ipaddress.ip_address(address.split('%', 1)[0])
    except ValueError:
        raise ValidationError("%s '%s' is not an IP address; give an IPv4 or IPv6 address (nothing is resolved)"
                              % (where, address), 'targets', address) from None
    return str(name or address), address, netns


def report(targets, counts):
    """The module's result from [(name, address, netns)] and {(netns, address): icmp.count_answers' Count}."""
    rows = []
    for name, address, netns in targets:
        count = counts[(netns, address)]
        rows.append(dict(name=name, address=address, netns=netns, reachable=count.reachable, sent=count.sent,
                         answers=count.answers, send_error=count.send_error))
    return dict(
        changed=False,
        targets=rows,
        reached=[row['name'] for row in rows if row['reachable']],
        not_reached=[row['name'] for row in rows if not row['reachable']],
        summary=', '.join('%s=%s' % (row['name'], 'ok' if row['reachable'] else 'FAIL') for row in rows) or 'no targets',
    )


def probe(module):
    params = module.params
    targets = checked_targets(params)
    counts = {}
    for netns in dict.fromkeys(netns for _name, _address, netns in targets):  # each namespace once, in order
        addresses = [address for _name, address, where in targets if where == netns]
        try:
            answered = icmp.count_answers(netns, addresses, count=params['count'], interval=params['interval'],
                                          timeout=params['timeout'])
        except NetlinkError as exc:
            if exc.code != errno.ENOENT:
                raise
            raise UnderlayError("netns '%s' does not exist; create it first (underlay.network.netns) or leave netns "
                                "out to probe from the namespace the task runs in" % netns, 'netns', netns) from None
        except PermissionError:
            raise UnderlayError('opening raw ICMP sockets needs root or CAP_NET_RAW on the managed host; '
                                'run the task with become: true') from None
        counts.update(((netns, address), count) for address, count in answered.items())
    return report(targets, counts)


def main():
    run_module(dict(
        targets=dict(type='list', elements='raw', required=True),
        netns=dict(type='str'),
        count=dict(type='int', default=3),
        interval=dict(type='float', default=0.2),
        timeout=dict(type='float', default=3.0),
    ), probe, requires=[PYROUTE2])


if __name__ == '__main__':
    main()
