# Copyright: (c) 2026, underlay.network contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""The doctor's judgement: evidence in, one finding per check out. Pure logic, no socket.

Each `judge_*` takes a normalised network (from _networks.definitions) and the evidence `gather` read
and probed for it (plain dicts, so the unit tests feed recorded evidence: a VMware guest, a Wi-Fi
parent, Docker 20 and 27) and returns a finding: check, network, status (ok / warn / fail), evidence (what
was read, sent and answered) and fix (one sentence; None when there is nothing to fix).
"""

from __future__ import annotations

from typing import NamedTuple

OK, WARN, FAIL = 'ok', 'warn', 'fail'
STATUSES = (OK, WARN, FAIL)
# the checks, in the order a report lists them
CHECKS = ('new_macs_upstream', 'wireless_parent', 'reverse_path_and_arp', 'port_modes', 'address_conflicts',
          'capacity', 'container_engines', 'kernel_drivers')
# macvlan ports beyond this many MACs overflow the unicast filter of common NICs (16 to 128 entries); the NIC
# then turns promiscuous and every frame on the wire reaches the CPU
MAC_FILTER_TYPICAL = 64
# Docker's rule for macvlan/ipvlan networks on one parent: one network per parent interface; from Docker 27,
# several macvlan networks may share one (ipvlan still one)
DOCKER_SHARED_MACVLAN_PARENT = (27, 0)


def finding(check, network, status, evidence, fix=None):
    return {'check': check, 'network': network, 'status': status, 'evidence': evidence,
            'fix': fix if status != OK else None}


# ---------------------------------------------------------------- 1. new MACs dropped upstream

class Platform(NamedTuple):
    """What a host runs on, as far as it matters to new MACs: its name, why frames are dropped, the switch fix."""

    name: str
    cause: str
    switch_fix: str


# DMI sys_vendor / product_name / chassis asset tag markers, then the NIC driver, each to a platform
_AZURE_ASSET_TAG = '7783-7084-3265-9085-8269-3286-77'  # the chassis asset tag every Azure VM reports
PLATFORMS = {
    'vmware': Platform('VMware vSphere', "the vSwitch port group rejects forged transmits and MAC address "
                       "changes (the default on distributed switches since vSphere 7)",
                       'set Forged transmits, MAC address changes and Promiscuous mode to Accept on the port group'),
    'hyperv': Platform('Microsoft Hyper-V', 'MAC address spoofing is off on the VM\'s network adapter (the default)',
                       'turn on MAC address spoofing (Set-VMNetworkAdapter -MacAddressSpoofing On)'),
    'azure': Platform('Microsoft Azure', 'the Azure virtual network delivers only the MAC of the VM\'s NIC; macvlan '
                      'cannot work there', 'assign the containers\' addresses as secondary IP configurations of the NIC'),
    'virtualbox': Platform('Oracle VirtualBox', "the adapter's promiscuous mode policy is Deny (the default)",
                           "set the adapter's Promiscuous Mode to Allow All"),
    'aws': Platform('Amazon EC2', 'the VPC delivers only the MAC of the instance\'s network interface; macvlan '
                    'cannot work there', 'assign the containers\' addresses as secondary private IPs of the ENI'),
    'gcp': Platform('Google Compute Engine', 'the VPC delivers only the MAC of the VM\'s NIC; macvlan cannot work '
                    'there', 'give the containers an alias IP range of the NIC'),
    'openstack': Platform('OpenStack', 'port security on the Neutron port drops frames from other MACs',
                          'add the new MACs as allowed address pairs of the port, or turn off port security on it'),
    'kvm': Platform('a KVM/QEMU guest', 'the host\'s bridge or cloud network may filter MACs the guest was not given '
                    '(libvirt nwfilter clean-traffic, a cloud\'s port security)',
                    'allow the new MACs on the guest\'s port of the host'),
}
_VENDORS = (('vmware', 'vmware'), ('innotek', 'virtualbox'), ('virtualbox', 'virtualbox'), ('amazon', 'aws'),
            ('google', 'gcp'), ('openstack', 'openstack'), ('qemu', 'kvm'), ('red hat', 'kvm'), ('kvm', 'kvm'))
_DRIVERS = {'vmxnet3': 'vmware', 'hv_netvsc': 'hyperv', 'ena': 'aws', 'gve': 'gcp', 'virtio_net': 'kvm',
            'xen-netfront': 'aws', 'vif': 'aws'}


def platform_of(dmi: dict, nic_driver: str | None) -> str | None:
    """The key of PLATFORMS the DMI fields and the NIC driver point to, or None (bare metal, or unknown)."""
    text = ' '.join(str(dmi.get(key) or '') for key in ('sys_vendor', 'product_name', 'bios_vendor')).lower()
    if (dmi.get('chassis_asset_tag') or '').strip() == _AZURE_ASSET_TAG:
        return 'azure'
    if 'microsoft' in text:
        return 'hyperv'
    for marker, key in _VENDORS:
        if marker in text:
            return key
    return _DRIVERS.get(nic_driver or '')


def _answered(answers):
    return sorted(target for target, macs in answers.items() if macs)


def judge_new_macs(net: dict, ev: dict) -> dict:
    """ev: targets, parent (name), parent_mac, parent_answers, probe_mac, probe_answers (None: no probe, with
    probe_skipped saying why), dmi, nic_driver."""
    check, name = 'new_macs_upstream', net['name']
    targets = ev['targets']
    if not targets:
        return finding(check, name, WARN, 'nothing to probe: the network has no gateway and no verify_targets, and '
                       'no targets were given', 'give the network its gateway (or verify_targets, or the doctor '
                       'targets) so the doctor can probe what answers')
    parent_heard = _answered(ev['parent_answers'])
    parent_text = "from %s's own MAC %s %s answered (of %s)" % (
        ev['parent'], ev['parent_mac'], ', '.join(parent_heard) or 'nothing', ', '.join(targets))
    if net['driver'] == 'ipvlan':
        status = OK if parent_heard else WARN
        return finding(check, name, status, 'ipvlan ports send with the parent\'s MAC, so no new MAC is needed; '
                       + parent_text, 'check that the gateway and verify_targets are up and on this link')
    if ev.get('probe_answers') is None:
        return finding(check, name, WARN, '%s; not probed from a new MAC: %s' % (parent_text, ev['probe_skipped']),
                       'run the doctor with probe: true as root to compare with a new MAC')
    probe_heard = _answered(ev['probe_answers'])
    probe_text = 'from a new MAC %s (a throwaway macvlan) %s answered' % (
        ev['probe_mac'], ', '.join(probe_heard) or 'nothing')
    evidence = '%s; %s' % (parent_text, probe_text)
    lost = [target for target in parent_heard if target not in probe_heard]
    if not parent_heard:
        return finding(check, name, WARN if not probe_heard else OK, evidence + '; nothing answered the parent '
                       'itself, so the probe cannot tell', 'check that the gateway and verify_targets are up and on '
                       'this link')
    if not lost:
        return finding(check, name, OK, evidence)
    key = platform_of(ev.get('dmi') or {}, ev.get('nic_driver'))
    if key is None:
        cause = 'the switch or the hypervisor drops frames from MAC addresses it did not assign (port security)'
        switch_fix = 'allow several MACs on the switch port'
    else:
        cause = '%s (%s, NIC driver %s): %s' % (PLATFORMS[key].name, _dmi_words(ev.get('dmi') or {}),
                                                ev.get('nic_driver') or 'unknown', PLATFORMS[key].cause)
        switch_fix = PLATFORMS[key].switch_fix
    return finding(check, name, FAIL, '%s; new MACs are dropped upstream: likely cause %s' % (evidence, cause),
                   'use driver: ipvlan for this network (its ports share the parent\'s MAC), or %s' % switch_fix)


def _dmi_words(dmi):
    words = [dmi.get(key) for key in ('sys_vendor', 'product_name') if dmi.get(key)]
    return 'DMI ' + ' / '.join(words) if words else 'no DMI'


# ---------------------------------------------------------------- 2. wireless parent

def judge_wireless(net: dict, ev: dict) -> dict:
    """ev: parent, wireless (None when the parent is missing), wireless_evidence, nic_driver."""
    check, name = 'wireless_parent', net['name']
    if ev.get('wireless') is None:
        return finding(check, name, WARN, ev['wireless_evidence'], 'create the parent first, or fix parent')
    evidence = '%s (driver %s): %s' % (ev['parent'], ev.get('nic_driver') or 'unknown', ev['wireless_evidence'])
    if not ev['wireless']:
        return finding(check, name, OK, evidence)
    if net['driver'] == 'ipvlan':
        return finding(check, name, OK, evidence + '; ipvlan ports share the station\'s MAC, which the access point '
                       'accepts')
    return finding(check, name, FAIL, evidence + '; an access point accepts frames only from the MAC that associated, '
                   'so macvlan ports (each a MAC of its own) get nothing through',
                   'use driver: ipvlan on a Wi-Fi parent, or put the containers on a wired NIC')


# ---------------------------------------------------------------- 3. rp_filter, arp_ignore, arp_filter

def effective(all_value, own_value, key):
    """What the kernel applies: the larger of all and the interface (rp_filter, arp_ignore), either (arp_filter)."""
    values = [int(v) for v in (all_value, own_value) if v is not None]
    if not values:
        return None
    return int(any(values)) if key == 'arp_filter' else max(values)


def judge_reverse_path(net: dict, ev: dict) -> dict:
    """ev: parent, shim, shim_exists, sysctls {'all'|'default'|parent|shim: {key: value}} (a shim not made yet
    takes 'default', as the kernel would give it)."""
    check, name = 'reverse_path_and_arp', net['name']
    values = ev['sysctls']
    shim_source = ev['shim'] if ev['shim_exists'] else 'default'
    keys = ('rp_filter', 'arp_ignore', 'arp_filter')
    links = {'parent': ev['parent'], 'shim': shim_source}
    rows = {role: {key: effective(values['all'].get(key), (values.get(link) or {}).get(key), key) for key in keys}
            for role, link in links.items()}

    def described(role, label):
        own = values.get(links[role]) or {}
        return '%s %s: %s' % (role, label, ', '.join('%s=%s (all %s, own %s)' % (
            key, rows[role][key], values['all'].get(key), own.get(key)) for key in keys))

    shim_label = ev['shim'] if ev['shim_exists'] else ev['shim'] + ' (not made yet: default applies)'
    evidence = '; '.join((described('parent', ev['parent']), described('shim', shim_label)))
    ranges = ', '.join(item['ip_range'] for item in net['subnets'])
    problems, fixes = [], []
    if rows['parent']['rp_filter'] == 1:
        problems.append('strict rp_filter on %s drops packets from the container range (%s) that arrive on %s (the '
                        'range used by other hosts too, a vepa port through a hairpin switch): the route back to them '
                        'goes through the shim' % (ev['parent'], ranges, ev['parent']))
        fixes.append('net.ipv4.conf.%s.rp_filter=2' % ev['parent'])
    if rows['shim']['rp_filter'] == 1:
        problems.append('strict rp_filter on the shim drops packets that arrive on it from addresses routed '
                        'elsewhere (a container outside %s)' % ranges)
        fixes.append('net.ipv4.conf.%s.rp_filter=2' % shim_source)
    if rows['shim']['arp_ignore'] and rows['shim']['arp_ignore'] >= 1:
        problems.append('arp_ignore=%d on the shim: it does not answer ARP for the host\'s addresses on other '
                        'links, so containers cannot reach the host\'s own address on %s'
                        % (rows['shim']['arp_ignore'], ev['parent']))
        fixes.append('net.ipv4.conf.%s.arp_ignore=0 and net.ipv4.conf.all.arp_ignore=0' % shim_source)
    if not problems:
        return finding(check, name, OK, evidence)
    # arp_ignore breaks every container -> host conversation; strict rp_filter only packets of the container range
    # that come in on the wrong link (the range shared with other hosts, a vepa port through a hairpin switch)
    return finding(check, name, FAIL if rows['shim']['arp_ignore'] else WARN,
                   evidence + '; ' + '; '.join(problems),
                   'set %s (host_networks sysctls; the kernel applies the larger of all and the interface, so the '
                   'interface\'s own value is enough)' % ' and '.join(fixes))


# ---------------------------------------------------------------- 4. modes

def judge_modes(net: dict, ev: dict) -> dict:
    """ev: parent, ports [{name, netns, kind, mode}] on the network's parent, hairpin (True / False / None) and
    hairpin_evidence (what the probe did or why it did not run)."""
    check, name = 'port_modes', net['name']
    parent = net['link_parent']
    ports = ev['ports']
    if net['driver'] == 'ipvlan':
        modes = sorted({port['mode'] for port in ports if port['kind'] == 'ipvlan'})
        listing = ', '.join('%s (%s)' % (_where(port), port['mode']) for port in ports if port['kind'] == 'ipvlan')
        evidence = 'ipvlan ports on %s: %s' % (parent, listing or 'none')
        if net['mode'] and modes and modes != [net['mode']]:
            return finding(check, name, FAIL, evidence + '; the network wants mode %s, but the kernel keeps one ipvlan '
                           'mode per parent' % net['mode'], 'give the network mode %s (or inherit), or remove the '
                           'ports in mode %s first' % (modes[0], ', '.join(modes)))
        return finding(check, name, OK, evidence)
    isolated = [port for port in ports if port['kind'] == 'macvlan' and port['mode'] in ('vepa', 'private')]
    wanted = net['mode'] == 'vepa'
    listing = ', '.join('%s (%s)' % (_where(port), port['mode']) for port in ports if port['kind'] == 'macvlan')
    evidence = 'macvlan ports on %s: %s; the network\'s shim mode %s' % (parent, listing or 'none', net['mode'])
    if not isolated and not wanted:
        return finding(check, name, OK, evidence)
    evidence += '; hairpin probe: %s' % ev['hairpin_evidence']
    private = [port for port in isolated if port['mode'] == 'private']
    if private:
        return finding(check, name, FAIL, evidence + '; private ports never talk to other ports of %s, hairpin or '
                       'not' % parent, 'recreate %s in mode bridge (macvlan_link mode: bridge)'
                       % ', '.join(_where(port) for port in private))
    if ev['hairpin']:
        return finding(check, name, OK, evidence + '; the switch sends frames back on the port they came in, so '
                       'vepa ports reach each other and the shim through it')
    culprits = ', '.join(_where(port) for port in isolated) or 'the network\'s shim'
    if ev['hairpin'] is None:
        return finding(check, name, WARN, evidence, 'recreate %s in mode bridge, or run the doctor with probe: true '
                       'to see whether the switch reflects frames' % culprits)
    return finding(check, name, FAIL, evidence + '; vepa sends every frame to the switch, which does not send it '
                   'back, so %s cannot reach the other ports of %s or the shim' % (culprits, parent),
                   'recreate %s in mode bridge (macvlan_link mode: bridge; a macvlan made without a mode is vepa), or '
                   'turn on reflective relay (hairpin) on the switch port' % culprits)


def _where(port):
    return '%s in %s' % (port['name'], port['netns']) if port.get('netns') else port['name']


# ---------------------------------------------------------------- 5. address conflicts

def judge_addresses(net: dict, ev: dict) -> dict:
    """ev: probed {address: [MACs that answered]} (None: not probed, with probe_skipped), local {address: link}
    (links of this host that hold a probed address), shim, parent, source_mac."""
    check, name = 'address_conflicts', net['name']
    local = {address: link for address, link in ev['local'].items() if link != ev['shim']}
    if ev['probed'] is None:
        evidence = 'not probed: %s' % ev['probe_skipped']
    else:
        evidence = 'duplicate-address probes (ARP / neighbour solicitation, sender without an address) from %s ' \
                   '(%s) for %s: %s' % (ev['parent'], ev['source_mac'], ', '.join(ev['probed']), ', '.join(
                       '%s answered by %s' % (address, ' '.join(macs)) for address, macs in ev['probed'].items()
                       if macs) or 'no answer')
    taken = {address: macs for address, macs in (ev['probed'] or {}).items() if macs}
    shims = {item['shim_address'] for item in net['subnets']}
    if local:
        evidence += '; held on this host: %s' % ', '.join('%s on %s' % item for item in sorted(local.items()))
    if not taken and not local:
        return finding(check, name, OK if ev['probed'] is not None else WARN, evidence,
                       'run the doctor with probe: true as root')
    which = sorted(set(taken) | set(local))
    if any(address in shims for address in which):
        fix = 'give the network another shim_address (an unused one in its subnet), or free %s on the device that ' \
              'holds it' % ', '.join(address for address in which if address in shims)
    else:
        fix = 'narrow ip_range so it leaves out %s, or free those addresses on the devices that hold them' \
              % ', '.join(which)
    return finding(check, name, FAIL, evidence + '; someone already uses %s' % ', '.join(which), fix)


# ---------------------------------------------------------------- 6. capacity

def judge_capacity(net: dict, ev: dict) -> dict:
    """ev: parent_link {name, mtu, promiscuity, promisc} (None: missing), ports [{name, netns, kind, mtu}], shim_exists,
    docker_mtu (the Docker network's driver MTU option, or None).

    A port above its parent's MTU fails (the kernel refuses to make one, so finding one means the kernel did not
    keep its rule); a Docker network asking for more is a warning: its containers silently get less. A port below
    the shim's MTU is no finding: the kernel delivers the larger frames between ports anyway."""
    check, name = 'capacity', net['name']
    parent = ev['parent_link']
    if parent is None:
        return finding(check, name, WARN, 'parent %s does not exist' % net['link_parent'],
                       'create %s first, or fix parent / vlan_id' % net['link_parent'])
    macs = [port for port in ev['ports'] if port['kind'] in ('macvlan', 'macvtap')]
    count = len(macs) + (1 if net['driver'] == 'macvlan' and not ev['shim_exists'] else 0)  # the shim to come
    evidence = '%s: mtu %s, promiscuity %s%s; %d macvlan MAC(s) on it (with the shim)' % (
        parent['name'], parent['mtu'], parent['promiscuity'], ' (PROMISC)' if parent['promisc'] else '',
        count if net['driver'] == 'macvlan' else len(macs))
    problems, fixes = [], []
    larger = [port for port in ev['ports'] if port['mtu'] and port['mtu'] > parent['mtu']]
    for port in larger:
        problems.append('%s has mtu %d, larger than its parent\'s %d: frames above %d bytes cannot leave through '
                        'the parent' % (_where(port), port['mtu'], parent['mtu'], parent['mtu']))
    if larger:
        fixes.append('give %s an mtu of at most %d, or raise the parent\'s mtu'
                     % (', '.join(_where(port) for port in larger), parent['mtu']))
    if ev.get('docker_mtu') and ev['docker_mtu'] > parent['mtu']:
        problems.append('Docker network %s asks for mtu %d (com.docker.network.driver.mtu), larger than its parent\'s '
                        '%d: the kernel refuses a port above its parent\'s mtu, so the containers do not get it'
                        % (ev['docker_name'], ev['docker_mtu'], parent['mtu']))
        fixes.append('create Docker network %s with com.docker.network.driver.mtu at most %d, or raise the '
                     'parent\'s mtu' % (ev['docker_name'], parent['mtu']))
    if count > MAC_FILTER_TYPICAL and not parent['promisc']:
        problems.append('%d MACs are more than the unicast filter of most NICs holds (16 to 128): the NIC turns '
                        'promiscuous' % count)
        fixes.append('expect the NIC in promiscuous mode (underlay.network.promisc), or use ipvlan')
    if not problems:
        return finding(check, name, OK, evidence)
    status = FAIL if larger else WARN
    return finding(check, name, status, evidence + '; ' + '; '.join(problems), '; '.join(fixes))


# ---------------------------------------------------------------- 7. Docker and Podman

def version_tuple(text):
    parts = []
    for part in str(text or '').split('.')[:2]:
        digits = ''.join(ch for ch in part if ch.isdigit())
        parts.append(int(digits) if digits else 0)
    return tuple(parts + [0] * (2 - len(parts)))


def judge_engines(net: dict, ev: dict) -> dict:
    """ev: docker {reachable, error, version, networks [{name, driver, parent}]}, podman [{name, driver, parent}]."""
    check, name = 'container_engines', net['name']
    parent = net['link_parent']
    docker = ev['docker']
    own = net['docker']['name'] if net['docker'] else None
    if not docker['reachable']:
        if own:
            return finding(check, name, FAIL, 'the network is a Docker network (%s), but %s' % (own, docker['error']),
                           'start dockerd, or give docker_host its socket')
        evidence = 'no Docker engine (%s)' % docker['error']
        docker_on_parent = []
    else:
        docker_on_parent = [item for item in docker['networks'] if item['parent'] == parent and item['name'] != own]
        evidence = 'Docker %s: %s on %s' % (docker['version'], ', '.join(
            '%s (%s)' % (item['name'], item['driver']) for item in docker_on_parent) or 'no other macvlan/ipvlan '
            'network', parent)
    podman_on_parent = [item for item in ev['podman'] if item['parent'] == parent]
    if podman_on_parent:
        evidence += '; Podman: %s' % ', '.join('%s (%s)' % (item['name'], item['driver']) for item in podman_on_parent)
    others = docker_on_parent + podman_on_parent
    clash = [item for item in others if item['driver'] != net['driver']]
    if clash:
        return finding(check, name, FAIL, evidence + '; the kernel takes ports of one driver per parent, and %s uses '
                       '%s on %s (EBUSY)' % (', '.join(item['name'] for item in clash), clash[0]['driver'], parent),
                       'give the network driver: %s, or another parent or vlan_id' % clash[0]['driver'])
    if own and docker_on_parent:
        shared_ok = net['driver'] == 'macvlan' and version_tuple(docker['version']) >= DOCKER_SHARED_MACVLAN_PARENT \
            and all(item['driver'] == 'macvlan' for item in docker_on_parent)
        if not shared_ok:
            return finding(check, name, FAIL, evidence + '; Docker %s takes one %s network per parent interface '
                           '(several macvlan networks only from Docker 27)' % (docker['version'], net['driver']),
                           'put the network on a VLAN of its own (vlan_id), or remove %s'
                           % ', '.join(item['name'] for item in docker_on_parent))
        evidence += '; Docker %s allows several macvlan networks on one parent' % docker['version']
    return finding(check, name, OK, evidence)


# ---------------------------------------------------------------- 8. kernel drivers

def judge_kernel(net: dict, ev: dict) -> dict:
    """ev: kernel (kernel_drivers' report for the drivers this network needs), needs [module names]."""
    check, name = 'kernel_drivers', net['name']
    report = ev['kernel']
    words = ', '.join('%s %s%s' % (module, report['drivers'][module]['status'],
                                   '' if report['drivers'][module]['usable'] else ' (not usable)')
                      for module in ev['needs'])
    evidence = 'kernel %s: %s' % (report['kernel']['release'], words)
    unprobed = [module for module in ev['needs'] if not report['drivers'][module]['usable']
                and report['drivers'][module]['available'] is None]
    if unprobed:  # the files alone cannot tell a built-in driver on a kernel without module support
        return finding(check, name, WARN, evidence + '; %s not probed (%s)' % (
            ', '.join(unprobed), report['drivers'][unprobed[0]]['probe']), 'run the doctor with probe: true as root')
    problems = [report['drivers'][module]['message'] for module in ev['needs']
                if not report['drivers'][module]['usable'] and report['drivers'][module]['message']]
    problems += [feature['message'] for feature in report['features'].values() if feature['message']]
    if problems:
        return finding(check, name, FAIL, evidence + '; ' + '; '.join(problems),
                       problems[0].split('; ')[-1] if '; ' in problems[0] else 'use a kernel with the driver')
    loadable = [module for module in ev['needs'] if report['drivers'][module]['status'] == 'loadable']
    if loadable:
        return finding(check, name, OK, evidence + '; %s loaded on demand by the role (kernel_modules)'
                       % ', '.join(loadable))
    return finding(check, name, OK, evidence)
