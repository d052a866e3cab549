# SPDX-License-Identifier: GPL-3.0-or-later
"""host_reachability_persist on systemd guests: what the role made comes back by itself.

Guest 1 persists with the engine's boot replay (persist: true), guest 2 with systemd-networkd files
(persist: networkd); both walk the same steps side by side (one Ansible run for both, reboots in
parallel). Each guest's own configuration, as an installer would leave it: a netplan-style
`10-netplan-eth0.network` for its data NIC eth0 (up, with the host's own IPv4 and IPv6 address). The test owns a dummy NIC ulpd0 as a
second parent: on guest 1 it is made by hand after boot (a parent that appears late), on guest 2 by a
`.netdev` of the host's own networkd config (it has no `.network`, so the backend writes one).

Four networks: a dual-stack macvlan network on eth0, an ipvlan network on VLAN eth0.20, an ipvlan
network on ulpd0 and a macvlan network on VLAN ulpd0.30. The containers are network namespaces inside
the guest with a macvlan/ipvlan port of the network's parent, made again after each boot as a container
runtime would.
"""
import inspect
import json
import shlex
import threading
import time

import vm_lab
from conftest import ansible_playbook, recap_changed

NETWORKS = [
    dict(name='mv0', parent='eth0', subnets=[
        dict(subnet='198.18.61.0/24', ip_range='198.18.61.0/28', shim_address='198.18.61.254'),
        dict(subnet='2001:db8:61::/64', ip_range='2001:db8:61::/120', shim_address='2001:db8:61::1:fe')]),
    dict(name='ipv20', driver='ipvlan', parent='eth0', vlan_id=20, subnet='198.18.62.0/24',
         ip_range='198.18.62.0/28', shim_address='198.18.62.254'),
    dict(name='ipd', driver='ipvlan', parent='ulpd0', subnet='198.18.63.0/24', ip_range='198.18.63.0/28',
         shim_address='198.18.63.254'),
    dict(name='mvd30', parent='ulpd0', vlan_id=30, subnet='198.18.64.0/24', ip_range='198.18.64.0/28',
         shim_address='198.18.64.254'),
]
# namespace, link type, parent, addresses (the first one is what the host pings)
CONTAINERS = [
    ('ulp-c1', 'macvlan mode bridge', 'eth0', ['198.18.61.10/24', '2001:db8:61::10/64']),
    ('ulp-c2', 'ipvlan mode l2', 'eth0.20', ['198.18.62.10/24']),
    ('ulp-c3', 'ipvlan mode l2', 'ulpd0', ['198.18.63.10/24']),
    ('ulp-c4', 'macvlan mode bridge', 'ulpd0.30', ['198.18.64.10/24']),
]
TARGETS = ['198.18.61.10', '2001:db8:61::10', '198.18.62.10', '198.18.63.10', '198.18.64.10']
ON_DUMMY = ['198.18.63.10', '198.18.64.10']
SHIMS = {'mv0-shim': ['198.18.61.254/32', '2001:db8:61::1:fe/128'], 'ipv20-shim': ['198.18.62.254/32'],
         'ipd-shim': ['198.18.63.254/32'], 'mvd30-shim': ['198.18.64.254/32']}
ROUTES = {'mv0-shim': ['198.18.61.0/28', '2001:db8:61::/120'], 'ipv20-shim': ['198.18.62.0/28'],
          'ipd-shim': ['198.18.63.0/28'], 'mvd30-shim': ['198.18.64.0/28']}
OURS = ['eth0.20', 'ulpd0.30'] + sorted(SHIMS)
BACKENDS = [True, 'networkd']  # guest 1, guest 2


def mine(value, guest):
    """VALUE with the guest's own addresses: the data NICs of both guests share the lab's switch, so guest N
    uses 198.18.(6+N)x.0/24 and 2001:db8:(6+N)x::/64 where the constants say 198.18.6x and 2001:db8:6x."""
    text = json.dumps(value).replace('198.18.6', '198.18.%d' % (6 + guest.number))
    return json.loads(text.replace('2001:db8:6', '2001:db8:%d' % (6 + guest.number)))


NETPLAN_ETH0 = ('[Match]\nName=eth0\n\n[Network]\nLinkLocalAddressing=no\nIPv6AcceptRA=no\n'
                'ConfigureWithoutCarrier=yes\nAddress=198.18.61.45/24\nAddress=2001:db8:61::1:45/64\n')
# the host's own addresses on eth0 (the netplan file's), which the containers of mv0 must reach over both families
HOST_MAIN = ['198.18.61.45', '2001:db8:61::1:45']
DUMMY_NETDEV = '[NetDev]\nName=ulpd0\nKind=dummy\n'
PERSISTED = ['/etc/underlay.network', '/usr/lib/underlay.network', '/etc/systemd/system/underlay-network-replay.service',
             '/etc/systemd/system/underlay-network-parent@.service']


# ssh joins its words into one line for the guest's shell; a Guest.ssh_argv with `quote` quotes them itself
QUOTED_BY_THE_LAB = 'quote' in inspect.signature(vm_lab.Guest.ssh_argv).parameters


def shell(guest, script, check=True):
    """A shell script on the guest."""
    return guest.ssh('sh', '-c', script if QUOTED_BY_THE_LAB else shlex.quote(script), check=check)


def write(guest, path, text):
    shell(guest, "mkdir -p $(dirname %s) && cat > %s <<'EOF'\n%sEOF" % (path, path, text))


def both(function, guests):
    """FUNCTION(guest) on every guest at once; returns their results in order (re-raises the first error)."""
    results, errors = [None] * len(guests), []

    def run(index, guest):
        try:
            results[index] = function(guest)
        except Exception as exc:  # noqa: BLE001 (handed to the test below)
            errors.append(exc)
    threads = [threading.Thread(target=run, args=(i, g)) for i, g in enumerate(guests)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    if errors:
        raise errors[0]
    return results


def reboot(guests):
    """Power-cycles the guests in parallel (their starts one after the other: they share the lab's state file)."""
    start = time.monotonic()
    both(lambda guest: guest.power_off(), guests)
    for guest in guests:
        guest.start()
    # a UML kernel re-executes itself as it starts; a look at its process in that moment misses it
    time.sleep(1)
    since = time.monotonic()
    booted = both(lambda guest: guest.wait_for_ssh(since), guests)
    return round(time.monotonic() - start, 1), [round(seconds, 1) for seconds in booted]


def site(lab, guests, backends, *args, **variables):
    """One ansible-playbook run of the roles on the guests (each with its own backend); changed per guest."""
    extra = dict(variables, vm_lab_target=':'.join(g.name for g in guests),
                 kernel_modules_drivers=['macvlan', 'ipvlan', '8021q'], host_reachability_sysctls={},
                 vm_lab_persist={g.name: backend for g, backend in zip(guests, backends)},
                 vm_lab_networks={g.name: mine(NETWORKS, g) for g in guests})
    out = ansible_playbook(lab, 'persistence.yml', '-e', json.dumps(extra),
                           '-e', 'host_reachability_persist={{ vm_lab_persist[inventory_hostname] }}',
                           '-e', 'host_reachability_networks={{ vm_lab_networks[inventory_hostname] }}', *args)
    return [recap_changed(out, g.name) for g in guests], out


def containers(guest, which=None):
    """(Re)makes the containers (all by default): a namespace each with a port of the network's parent as eth0."""
    script = []
    for netns, kind, parent, addresses in mine(which or CONTAINERS, guest):
        script.append('{{ ip netns del {n} 2>/dev/null || true; }} && ip netns add {n} && ip link add link {p} name ulpx type {k} && '
                      'ip link set ulpx netns {n} && ip -n {n} link set ulpx name eth0 && ip -n {n} link set lo up && '
                      'ip -n {n} link set eth0 up'.format(n=netns, p=parent, k=kind))
        script.extend('ip -n %s addr add %s dev eth0%s' % (netns, a, ' nodad' if ':' in a else '') for a in addresses)
    shell(guest, ' && '.join(script))


def reachable(guest, targets=None):
    """{target: the host's ping answered} (one packet each, one second at most; all targets by default)."""
    targets = mine(targets or TARGETS, guest)
    script = '; '.join('if ping -c1 -W1 %s >/dev/null 2>&1; then echo "%s ok"; else echo "%s no"; fi' % (t, t, t)
                       for t in targets)
    out = shell(guest, script, check=False).stdout
    return dict(line.split() for line in out.splitlines())


def container_reaches_host(guest, netns='ulp-c1'):
    """{address: answered} for the host's own addresses on eth0, pinged from inside a container (three echoes)."""
    script = '; '.join('if ip netns exec %s ping -c3 -i0.2 -W1 %s >/dev/null 2>&1; then echo "%s ok"; else echo "%s no"; fi'
                       % (netns, a, a, a) for a in mine(HOST_MAIN, guest))
    return dict(line.split() for line in shell(guest, script, check=False).stdout.splitlines())


def reached_within(guest, targets, timeout=15):
    """Seconds until every target answers, or None when some still do not after TIMEOUT."""
    start = time.monotonic()
    while time.monotonic() - start < timeout:
        if set(reachable(guest, targets).values()) == {'ok'}:
            return round(time.monotonic() - start, 1)
        time.sleep(0.5)
    return None


def our_links(guest):
    """{name: (addresses, routes)} of the links that carry the collection's mark, as the kernel has them
    (one look: links, addresses and our routes in one SSH call)."""
    out = shell(guest, 'ip -d -j link show; echo; echo ===; ip -j addr show; echo; echo ===; '
                       'ip -o route show proto 209; ip -o -6 route show proto 209').stdout
    links, addresses, routes = out.split('\n===\n')
    by_index = {item['ifname']: item.get('addr_info', []) for item in json.loads(addresses)}
    found = {}
    for link in json.loads(links):
        if link.get('ifalias') == 'underlay.network':
            name = link['ifname']
            found[name] = (sorted('%s/%s' % (a['local'], a['prefixlen']) for a in by_index.get(name, [])
                                  if not a['local'].startswith('fe80')),
                           sorted(line.split()[0] for line in routes.splitlines()
                                  if line.split()[1:3] == ['dev', name]))
    return found


def shims_back(guest, timeout=15):
    """Seconds until every shim has its addresses and routes (and both VLANs are there), or None."""
    start = time.monotonic()
    while time.monotonic() - start < timeout:
        links = our_links(guest)
        if all(links.get(name) == (sorted(mine(SHIMS, guest)[name]), sorted(mine(ROUTES, guest)[name]))
               for name in SHIMS) and \
                all(vlan in links or guest.ssh('ip', 'link', 'show', vlan, check=False).returncode == 0
                    for vlan in ('eth0.20', 'ulpd0.30')):
            return round(time.monotonic() - start, 1)
        time.sleep(0.5)
    return None


def unit(guest, name, *properties):
    shown = guest.ssh('systemctl', 'show', '-p', ','.join(properties), name).stdout
    return dict(line.split('=', 1) for line in shown.splitlines())


def dummy_parent(guest):
    shell(guest, 'ip link add ulpd0 type dummy && ip link set ulpd0 up')


def test_what_the_role_made_survives_reboots_restarts_and_a_recreated_parent(lab):
    engine, networkd = guests = lab.guests[:2]
    timings = {}
    # the guests' own configuration, as an installer leaves it
    for guest in guests:
        guest.ssh('modprobe', 'dummy')
        write(guest, '/etc/systemd/network/10-netplan-eth0.network', mine(NETPLAN_ETH0, guest))
    write(networkd, '/etc/systemd/network/10-ulp-ulpd0.netdev', DUMMY_NETDEV)
    both(lambda guest: guest.ssh('networkctl', 'reload'), guests)
    dummy_parent(engine)
    shell(networkd, 'for i in $(seq 50); do ip link show ulpd0 >/dev/null 2>&1 && break; sleep 0.1; done; '
          'ip link set ulpd0 up')
    mgmt_before = [guest.ssh('ip', '-br', 'addr', 'show', 'dev', 'mgmt0').stdout.split()[2:] for guest in guests]

    # check mode: the plan includes the files (diff mode shows them), nothing is written
    changed, out = site(lab, guests, BACKENDS, '--check', '--diff')
    assert changed[0] > 0 and changed[1] > 0, out
    assert '/etc/underlay.network/host-networks.json' in out and '60-underlay-network-mv0-shim.netdev' in out, out
    for guest in guests:
        assert our_links(guest) == {}
        script = 'ls -d %s /etc/systemd/network/*underlay* 2>/dev/null | wc -l' % ' '.join(PERSISTED)
        assert shell(guest, script).stdout.strip() == '0'

    # apply: the networks now, and for the next boot
    changed, out = site(lab, guests, BACKENDS)
    assert changed[0] > 0 and changed[1] > 0, out
    for guest in guests:
        containers(guest)
        assert set(reachable(guest).values()) == {'ok'}, (guest.name, reachable(guest))
        assert set(container_reaches_host(guest).values()) == {'ok'}, (guest.name, container_reaches_host(guest))
    # what each backend wrote
    stored = json.loads(engine.ssh('cat', '/etc/underlay.network/host-networks.json').stdout)
    assert [net['name'] for net in stored['networks']] == [net['name'] for net in NETWORKS]
    assert engine.ssh('systemctl', 'is-enabled', 'underlay-network-replay.service').stdout.strip() == 'enabled'
    for parent in ('eth0', 'ulpd0'):
        assert engine.ssh('test', '-L', '/etc/systemd/system/sys-subsystem-net-devices-%s.device.wants/'
                          'underlay-network-parent@%s.service' % (parent, parent), check=False).returncode == 0
    listed = shell(networkd, 'cd /etc/systemd/network && ls *underlay* *.d/*').stdout.split()
    assert '10-netplan-eth0.network.d/60-underlay-network.conf' in listed, listed
    assert '60-underlay-network-ulpd0.network' in listed and '60-underlay-network-mv0-shim.netdev' in listed, listed
    for guest in guests:
        assert guest.ssh('cat', '/etc/systemd/network/10-netplan-eth0.network').stdout == mine(NETPLAN_ETH0, guest)
    assert networkd.ssh('test', '-e', '/etc/underlay.network', check=False).returncode != 0, \
        'the networkd backend stores its state as networkd files only'

    # reboot: no Ansible; the containers come back as a runtime would make them
    timings['reboot'] = reboot(guests)
    # guest 1: the boot replay made the networks on eth0; ulpd0 is not there yet, which is no failure
    ran = unit(engine, 'underlay-network-replay.service', 'Result', 'ExecMainStatus', 'ExecMainStartTimestampMonotonic')
    assert ran['Result'] == 'success' and ran['ExecMainStatus'] == '0' and ran['ExecMainStartTimestampMonotonic'] != '0', ran
    # whichever unit runs first at boot (the replay, or eth0's device unit) makes the networks on eth0
    journal = shell(engine, "journalctl -b -o cat -u 'underlay-network-*'").stdout
    assert 'parent ulpd0 is not there yet' in journal and 'created' in journal, journal
    assert engine.ssh('systemctl', 'is-system-running', check=False).stdout.strip() in ('running', 'degraded')
    assert 'failed' not in engine.ssh('systemctl', 'is-failed', 'underlay-network-replay.service',
                                      check=False).stdout
    dummy_parent(engine)  # the late parent: its device unit replays its networks
    timings['late parent'] = shims_back(engine)
    assert timings['late parent'] is not None, our_links(engine)
    for guest in guests:
        containers(guest)
    assert [reached_within(guest, TARGETS, 10) is not None for guest in guests] == [True, True], \
        [reachable(guest) for guest in guests]
    # and the containers reach the host's own IPv4 and IPv6 address (proxy NDP on the shim, both backends)
    assert [set(container_reaches_host(guest).values()) for guest in guests] == [{'ok'}, {'ok'}], \
        [container_reaches_host(guest) for guest in guests]
    # after a reboot, what came back is exactly what Ansible wants: a second run changes nothing
    changed, out = site(lab, guests, BACKENDS)
    assert changed == [0, 0], out

    # systemd-networkd restarts (its clean-up of foreign routes): still reachable within seconds
    before = [unit(g, 'underlay-network-replay.service', 'ExecMainStartTimestampMonotonic') for g in guests]
    both(lambda guest: guest.ssh('systemctl', 'restart', 'systemd-networkd'), guests)
    timings['networkd restart'] = both(lambda guest: reached_within(guest, TARGETS, 10), guests)
    assert None not in timings['networkd restart'], [reachable(guest) for guest in guests]
    after = unit(engine, 'underlay-network-replay.service', 'ExecMainStartTimestampMonotonic')
    assert int(after['ExecMainStartTimestampMonotonic']) > int(before[0]['ExecMainStartTimestampMonotonic']), \
        'the replay did not run again after networkd restarted'

    # the parent is deleted and made again: its VLAN and shims come back with addresses and routes
    for guest in guests:
        guest.ssh('ip', 'link', 'del', 'ulpd0')
        assert 'ipd-shim' not in our_links(guest) and 'mvd30-shim' not in our_links(guest)
    dummy_parent(engine)
    shell(networkd, 'ip link add ulpd0 type dummy')  # networkd configures it (and brings it up)
    timings['parent re-created'] = both(shims_back, guests)
    assert None not in timings['parent re-created'], [our_links(guest) for guest in guests]
    for guest in guests:
        containers(guest, [c for c in CONTAINERS if c[2].startswith('ulpd0')])
    assert None not in both(lambda guest: reached_within(guest, ON_DUMMY, 10), guests)
    assert [set(reachable(guest).values()) for guest in guests] == [{'ok'}, {'ok'}]

    # guest 1: persist false after true; guest 2: state absent. Then a reboot: nothing of ours comes back
    changed, out = site(lab, [engine], [False])
    assert changed[0] > 0, out
    assert shell(engine, 'ls -d %s 2>/dev/null | wc -l' % ' '.join(PERSISTED)).stdout.strip() == '0'
    assert shell(engine, 'ls /etc/systemd/system/*.wants/underlay-network-* 2>/dev/null | wc -l').stdout.strip() == '0'
    assert sorted(our_links(engine)) == sorted(OURS), 'persist: false keeps what runs now'
    # absent leaves a VLAN that still carries container ports (it says so in `left`): the containers go first
    shell(networkd, ' ; '.join('ip netns del %s' % netns for netns, _kind, _parent, _addresses in CONTAINERS))
    changed, out = site(lab, [networkd], ['networkd'], host_reachability_state='absent')
    assert changed[0] > 0, out
    assert shell(networkd, 'ls /etc/systemd/network/').stdout.split() == [
        '10-netplan-eth0.network', '10-ulp-ulpd0.netdev', '10-vml-data.link', '10-vml-mgmt.link']
    assert our_links(networkd) == {}
    timings['reboot after'] = reboot(guests)
    for guest, mgmt in zip(guests, mgmt_before):
        assert our_links(guest) == {}, guest.name
        assert 'proto 209' not in shell(guest, 'ip route; ip -6 route').stdout
        for link in ('eth0.20', 'ulpd0.30', 'mv0-shim'):
            assert guest.ssh('ip', 'link', 'show', link, check=False).returncode != 0, (guest.name, link)
        # the guest's own networking is as it was
        assert guest.ssh('ip', '-br', 'addr', 'show', 'dev', 'mgmt0').stdout.split()[2:] == mgmt, guest.name
        assert guest.ssh('cat', '/etc/systemd/network/10-netplan-eth0.network').stdout == mine(NETPLAN_ETH0, guest)
        assert 'UP' in guest.ssh('ip', '-br', 'link', 'show', 'dev', 'eth0').stdout
    print('\npersistence timings (s): %s' % timings)
    # the guests as the other tests of the session expect them: no configuration of this test left
    for guest in guests:
        shell(guest, 'rm -f /etc/systemd/network/10-netplan-eth0.network /etc/systemd/network/10-ulp-ulpd0.netdev; '
                     'ip link del ulpd0 2>/dev/null; networkctl reload')
