# Copyright: (c) 2026, underlay.network contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later


class ModuleDocFragment:

    # The options every link module shares (module_utils/_spec.py LINK_ARGUMENT_SPEC).
    DOCUMENTATION = r'''
options:
  name:
    description:
      - Name of the link in O(netns), at most 15 characters.
      - Together with O(netns) this is the link's identity. A link created from a parent in another
        namespace is created straight into O(netns) under this name, so it may reuse a name the parent's
        namespace already has (a container's C(eth0) inside C(net1), made from the host's C(eth0)).
    type: str
  parent:
    description:
      - The lower device the link sits on, in O(parent_netns). Required when O(state=present).
      - The kernel cannot move a link to another parent; changing it needs O(recreate=true).
    type: str
  state:
    description:
      - V(present) creates or updates the link; V(absent) deletes it if it exists.
    type: str
    choices: [present, absent]
    default: present
  admin_state:
    description:
      - Administrative state of the link.
    type: str
    choices: [up, down]
    default: up
  mtu:
    description:
      - MTU of the link (68-65535, at most the parent's). Left as the kernel chose when omitted.
    type: int
  addresses:
    description:
      - IPv4/IPv6 addresses with prefix, for example V(198.18.248.10/20) or V(2001:db8::10/64).
        A bare address means a host prefix (/32 or /128).
      - When given, this is the exact set. Other addresses on the link are removed, except the kernel's
        own IPv6 link-local address. Omit it to leave addresses unmanaged; give V([]) to remove them all.
    type: list
    elements: str
  netns:
    description:
      - Named network namespace (as C(ip netns list) shows it) the link lives in. Omit for the
        namespace the task runs in.
      - The namespace must exist (see M(underlay.network.netns)); in check mode a missing one is
        assumed to be created by an earlier task.
    type: str
  parent_netns:
    description:
      - Named network namespace the parent lives in. Omit for the namespace the task runs in.
    type: str
  recreate:
    description:
      - Allow deleting and re-creating the link when a wanted change cannot be made in place
        (another parent, and the changes each module lists). Without it such a change fails and
        says which attribute and why, and nothing is touched.
    type: bool
    default: false
requirements:
  - pyroute2 >= 0.7.2 on the managed host (Debian/Ubuntu C(python3-pyroute2) or PyPI)
  - Linux with the link kind's driver; root or C(CAP_NET_ADMIN)
notes:
  - Changed or not is decided from the live kernel (one netlink dump per namespace), never from
    a cache. Every change is read back and verified; a failure while applying deletes the links
    this task created.
'''

    ATTRIBUTES = r'''
attributes:
  check_mode:
    description: Can run in check_mode and return changed status prediction without modifying target.
    support: full
  diff_mode:
    description: Will return details on what has changed (or possibly needs changing in check_mode), when in diff mode.
    support: full
  idempotent:
    description:
      - When run twice in a row outside check mode, with the same arguments, the second invocation
        indicates no change.
      - This assumes that the system controlled/queried by the module has not changed in a relevant way.
    support: full
  platform:
    description: Target OS/families that can be operated against.
    support: full
    platforms: posix
'''
