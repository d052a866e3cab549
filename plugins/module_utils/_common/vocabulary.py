# Copyright: (c) 2026, underlay.network contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""The collection's words for drivers, modes, flags and ownership, said once, with the kernel's numbers.

Each mode and flag table maps the name a user writes to the number the kernel uses for it (the UAPI
enums of linux/if_link.h and if_ether.h); _links.kinds encodes and decodes links with these tables, the
modules take their choices from them and the network definitions their defaults. A table lists the
collection's default first. Where things live on a host (named namespaces, Docker's socket) is here too,
and what marks an object as ours.
"""

from __future__ import annotations


# ---------------------------------------------------------------- drivers

# the drivers an underlay network (and Docker's driver of the same name) puts containers on; also the kinds
# a host shim can be
NETWORK_DRIVERS = ('macvlan', 'ipvlan')
DEFAULT_DRIVER = 'macvlan'
# the link kinds whose ports hold a parent: a parent takes ports of one driver family only (EBUSY)
PORT_KINDS = ('macvlan', 'macvtap', 'ipvlan', 'ipvtap')
# the kernel module behind each link kind (what kernel_modules loads and errors name)
KERNEL_MODULES = {'macvlan': 'macvlan', 'macvtap': 'macvtap', 'ipvlan': 'ipvlan', 'ipvtap': 'ipvtap',
                  'vlan': '8021q', 'dummy': 'dummy', 'veth': 'veth'}

# ---------------------------------------------------------------- modes and flags: name -> kernel number

MACVLAN_MODES = {'bridge': 4, 'vepa': 2, 'private': 1, 'passthru': 8, 'source': 16}  # enum macvlan_mode
IPVLAN_MODES = {'l2': 0, 'l3': 1, 'l3s': 2}  # enum ipvlan_mode
IPVLAN_FLAGS = {'bridge': 0, 'private': 1, 'vepa': 2}  # none, IPVLAN_F_PRIVATE, IPVLAN_F_VEPA
VLAN_PROTOCOLS = {'802.1Q': 0x8100, '802.1ad': 0x88a8}  # ETH_P_8021Q, ETH_P_8021AD
MODES = {'macvlan': MACVLAN_MODES, 'ipvlan': IPVLAN_MODES}

# The defaults the collection gives (not always the kernel's: a macvlan made without a mode is vepa, which
# cannot talk to bridge-mode siblings). Docker's macvlan and ipvlan drivers default to the same modes.
DEFAULT_MODES = {'macvlan': 'bridge', 'ipvlan': 'l2'}
DEFAULT_IPVLAN_FLAG = 'bridge'
DEFAULT_VLAN_PROTOCOL = '802.1Q'

# the modes a host shim can reach containers in (a macvlan shim in private, passthru or source mode cannot)
NETWORK_MODES = {'macvlan': ('bridge', 'vepa'), 'ipvlan': tuple(IPVLAN_MODES)}
# a network definition's word for "the mode of the parent's existing ipvlan ports"
INHERIT_MODE = 'inherit'
# the modes Docker's drivers take (macvlan_mode, ipvlan_mode): every mode but macvlan's source
DOCKER_MODES = {'macvlan': tuple(mode for mode in MACVLAN_MODES if mode != 'source'), 'ipvlan': tuple(IPVLAN_MODES)}
# the container engines whose macvlan/ipvlan networks the collection creates, and how messages name them
ENGINE_NAMES = {'docker': 'Docker', 'podman': 'Podman'}
# Podman (netavark, and its CNI backend) takes the same modes with -o mode=...
PODMAN_MODES = DOCKER_MODES
# the Podman release whose netavark backend gained ipvlan networks (netavark 1.5); its CNI backend always had them
PODMAN_IPVLAN_SINCE = (4, 5)
# the modes the CNI macvlan and ipvlan plugins use when a configuration names none
CNI_DEFAULT_MODES = {'macvlan': 'bridge', 'ipvlan': 'l2'}
# the IPAM plugins whose ranges the collection reads, and plugins that may follow the main one in a conflist
# without touching addresses (they tune, rate-limit or add port maps and rules)
CNI_IPAM_TYPES = ('host-local', 'static', 'whereabouts')
CNI_CHAINED_TYPES = ('tuning', 'portmap', 'bandwidth', 'firewall', 'sbr')

# NetworkManager's own numbers for the same modes (enum NMSettingMacvlanMode, NMSettingIpvlanMode: not the
# kernel's), and the release that gained ipvlan profiles
NM_MACVLAN_MODES = {'vepa': 1, 'bridge': 2, 'private': 3, 'passthru': 4, 'source': 5}
NM_IPVLAN_MODES = {'l2': 1, 'l3': 2, 'l3s': 3}
NM_IPVLAN_SINCE = (1, 52)

# ---------------------------------------------------------------- where things live on a host

NETNS_RUN_DIR = '/var/run/netns'  # named network namespaces, as iproute2 keeps them (`ip netns`)
DOCKER_HOST = 'unix:///var/run/docker.sock'  # the Docker engine's default socket
PODMAN_COMMAND = 'podman'  # found on PATH; with podman_host it talks to that service socket (podman --url)

# ---------------------------------------------------------------- ownership

# Ownership lives on the objects: IFLA_IFALIAS of the links we create, a label on Docker and Podman
# networks, a [user] key in NetworkManager profiles, and (in _kernel.netlink) protocol 209 on our routes.
OWNER_MARK = 'underlay.network'
# the key of the mark in a NetworkManager profile's [user] setting (user data keys need a dot)
NM_PROFILE_MARK = 'underlay.network.owner'
ENGINE_LABEL = 'underlay.network.managed'


def mode_choices(*drivers: str) -> list[str]:
    """The mode names of `drivers`, in table order, each once (a module's `choices`)."""
    return list(dict.fromkeys(mode for driver in drivers for mode in MODES[driver]))
