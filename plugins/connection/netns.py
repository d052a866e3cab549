# Copyright: (c) 2026, underlay.network contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later


DOCUMENTATION = r'''
name: netns
short_description: Run tasks inside a named network namespace on the controller
version_added: 0.1.0
description:
  - Runs each task on the controller machine, inside a named network namespace (as C(ip netns exec)
    does, so C(/sys/class/net) and interface facts show that namespace's links). A namespace then
    stands in for a host, which is how the built-in lab fleet and the Molecule scenarios run
    C(site.yml) against several "hosts" on one machine.
  - Files are on the controller's filesystem, shared by every namespace; only the network differs.
author:
  - underlay.network maintainers (@underlay-network)
options:
  netns_name:
    description:
      - The namespace to run in (C(ip netns list)). Defaults to the inventory host's address (C(ansible_host)),
        which defaults to its name.
    type: str
    vars:
      - name: ansible_netns_name
      - name: underlay_netns
  pipelining:
    description: Pipelining (like the local connection).
    type: bool
    default: true
    vars:
      - name: ansible_pipelining
  become_success_timeout:
    description: Seconds to wait for become to succeed (ansible-core 2.19 and newer use it).
    type: int
    default: 10
    vars:
      - name: ansible_local_become_success_timeout
  become_strip_preamble:
    description: Strip internal become output preceding command execution (ansible-core 2.19 and newer).
    type: bool
    default: true
    vars:
      - name: ansible_local_become_strip_preamble
notes:
  - Needs root on the controller (entering a namespace needs C(CAP_SYS_ADMIN)) and iproute2's C(ip).
  - Each command runs in its own mount namespace (as C(ip netns exec) sets it up), so a named namespace
    created by a task that runs through this connection is not visible to later tasks; create namespaces
    from plays on the controller's own namespace (C(connection=local)).
'''

import os
import shlex

from ansible.errors import AnsibleConnectionFailure
from ansible.plugins.connection.local import Connection as LocalConnection

from ansible_collections.underlay.network.plugins.module_utils._common.vocabulary import NETNS_RUN_DIR


class Connection(LocalConnection):
    """The local connection, with every command wrapped in `ip netns exec <namespace>`."""

    transport = 'underlay.network.netns'
    has_pipelining = True

    def _namespace(self):
        name = self.get_option('netns_name') or self._play_context.remote_addr
        if not name or '/' in name:
            raise AnsibleConnectionFailure("netns connection: '%s' is not a namespace name; set ansible_netns_name" % name)
        if not os.path.exists(os.path.join(NETNS_RUN_DIR, name)):
            raise AnsibleConnectionFailure("netns connection: namespace '%s' does not exist (ip netns list); create it "
                                           "first, for example with underlay.network.netns" % name)
        return name

    def exec_command(self, cmd, in_data=None, sudoable=True):
        if not isinstance(cmd, (str, bytes)):
            cmd = shlex.join(cmd)
        if isinstance(cmd, bytes):
            cmd = cmd.decode('utf-8', 'surrogateescape')
        wrapped = 'ip netns exec %s /bin/sh -c %s' % (shlex.quote(self._namespace()), shlex.quote(cmd))
        return super().exec_command(wrapped, in_data=in_data, sudoable=sudoable)
