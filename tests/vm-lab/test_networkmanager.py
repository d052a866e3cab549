# SPDX-License-Identifier: GPL-3.0-or-later
"""host_reachability_persist on NetworkManager hosts: what the role made survives what NetworkManager does.

Guests of the `nm` image (Debian 12's NetworkManager 1.42 owns mgmt0 and eth0 through keyfile profiles,
systemd-networkd is off), in a lab of their own (vmln, booted and removed by this module). Guest 1 persists
with the engine's boot replay (persist: true); guest 2 with the networkmanager backend (NetworkManager
profiles). The host's own addresses on eth0 come from eth0's NetworkManager
profile, as an installer leaves them. The networks, the containers (namespaces inside the guest) and the
late dummy parent ulpd0 are those of test_persistence.py.

After the apply, each event below runs on every guest at once; after each one every container answers
the host and the host's own addresses answer a container (timed: seconds from the event's command
until all answer), what NetworkManager shows for our links is externally connected or unmanaged on the
engine guest (never a profile of its own), and a second Ansible run changes nothing. On the networkmanager guest
NetworkManager holds our profiles (listed by nmcli with the mark, each keyfile what `nmcli --offline` itself
writes for the same settings), its macvlan shims and VLAN are connected with them, and the ipvlan networks NetworkManager
1.42 has no profiles for are the engine's (unmanaged).

One difference is NetworkManager's and is checked as such: a VLAN NetworkManager made itself (at boot) is deleted
when NetworkManager deactivates it (`nmcli networking off`), and the container ports on it with it; after `on` the
VLAN and shim are back by themselves, and the containers on that VLAN are made again, as their runtime would.
"""
import json
import re
import time

import pytest
import nm_oracle
import vm_lab
from conftest import booted_lab
from test_persistence import (CONTAINERS, HOST_MAIN, ON_DUMMY, OURS, ROUTES, SHIMS, both, container_reaches_host, containers,
                              dummy_parent, mine, our_links, reachable, reboot, shell, site, unit)

LAB_NAME = 'vmln'


# (guest number, host_reachability_persist)
BACKENDS = [(1, True), (2, 'networkmanager')]
# the networkmanager guest: what NetworkManager keeps through our profiles, and what the engine keeps (ipvlan)
NM_KEPT = ['mv0-shim', 'mvd30-shim', 'ulpd0.30']
ENGINE_KEPT = ['eth0.20', 'ipd-shim', 'ipv20-shim']
PROFILES = '/etc/NetworkManager/system-connections/underlay-network-%s.nmconnection'
# what NetworkManager may say of a VLAN or shim the engine made: it assumed it, or leaves it alone
NOT_NMS = ('100 (connected (externally))', '10 (unmanaged)')
DROP_IN = '/etc/NetworkManager/conf.d/60-underlay-network.conf'
ANSWER_TIMEOUT = 30


@pytest.fixture(scope='module')
def nm_lab():
    yield from booted_lab(LAB_NAME, 2, ['nm', 'nm'])


def eth0_profile(guest):
    """The host's own addresses on eth0 from eth0's NetworkManager profile (the image leaves IPv4 off)."""
    v4, v6 = mine(HOST_MAIN, guest)
    shell(guest, 'nmcli connection modify eth0 ipv4.method manual ipv4.addresses %s/24 ipv6.method manual '
                 'ipv6.addresses %s/64 && nmcli connection up eth0' % (v4, v6))


def nm_states(guest, links=OURS):
    """{link: GENERAL.STATE and GENERAL.CONNECTION} of our VLANs and shims, as NetworkManager shows them."""
    script = '; '.join('echo "%s=$(nmcli -g GENERAL.STATE,GENERAL.CONNECTION device show %s 2>&1 | paste -sd/)"'
                       % (link, link) for link in links)
    states = dict(line.split('=', 1) for line in shell(guest, script).stdout.splitlines())
    return {link: state.rstrip('/') for link, state in states.items()}


def nm_guest_checks(guest):
    """The networkmanager guest: our profiles hold its macvlan shims and VLAN, the engine's links are unmanaged."""
    states = nm_states(guest)
    assert all(states[link] == '100 (connected)/underlay-network-%s' % link for link in NM_KEPT), states
    assert all(states[link] == '10 (unmanaged)' for link in ENGINE_KEPT), states


def shims(guest):
    """{shim: (addresses, routes)}: the engine's routes carry its protocol (209); NetworkManager cannot set one (its
    are `proto static`), so on a networkmanager guest every route on the shim but the kernel's own counts."""
    if dict(BACKENDS)[guest.number] is True:
        return our_links(guest)
    links = our_links(guest)
    v4, v6 = shell(guest, 'ip -j route show; echo; echo ===; ip -j -6 route show').stdout.split('\n===\n')
    routes = {}
    for route in json.loads(v4) + json.loads(v6):
        if route.get('protocol') != 'kernel' and route.get('dev') in SHIMS:
            routes.setdefault(route['dev'], []).append(route['dst'])
    return {name: (links[name][0], sorted(routes.get(name, []))) for name in SHIMS if name in links}


def shims_within(guest, timeout=15):
    """Seconds until every shim has its addresses and routes and both VLANs are there, or None."""
    start = time.monotonic()
    while time.monotonic() - start < timeout:
        have = shims(guest)
        if all(have.get(name) == (sorted(mine(SHIMS, guest)[name]), sorted(mine(ROUTES, guest)[name])) for name in SHIMS) \
                and guest.ssh('ip', 'link', 'show', 'eth0.20', check=False).returncode == 0 \
                and guest.ssh('ip', 'link', 'show', 'ulpd0.30', check=False).returncode == 0:
            return round(time.monotonic() - start, 1)
        time.sleep(0.5)
    return None


def answering(guest):
    """Every container answers the host, and the host's own addresses answer the first container."""
    return set(reachable(guest).values()) == {'ok'} and set(container_reaches_host(guest).values()) == {'ok'}


def answer_within(guest, start, timeout=ANSWER_TIMEOUT):
    """Seconds from START until everything answers (the guest may be unreachable for a while), or None."""
    while time.monotonic() - start < timeout:
        try:
            if answering(guest):
                return round(time.monotonic() - start, 1)
        except (vm_lab.LabError, OSError) as exc:  # SSH itself is gone for a moment (networking off)
            print('%s: not yet: %s' % (guest.name, exc))
        time.sleep(0.5)
    return None


def detached(guest, script, name):
    """SCRIPT as a transient unit on the guest (it may cut the management NIC the SSH session runs over); returns
    once the unit is done."""
    guest.ssh('systemd-run', '--unit', name, '--collect', '--quiet', 'sh', '-c', script)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            if guest.ssh('systemctl', 'is-active', name, check=False, timeout=15).stdout.strip() != 'activating':
                return
        except Exception as exc:  # noqa: BLE001 (SSH drops while the management NIC is down)
            print('%s: waiting for %s: %s' % (guest.name, name, exc))
        time.sleep(0.5)
    raise AssertionError('%s: %s did not finish within 60 s' % (guest.name, name))


def profiles_of_ours(guest):
    """nmcli lists our profiles; each keyfile is root's, 0600, carries the mark and is what NetworkManager itself
    writes for the same settings (nmcli --offline, the oracle); nothing of ours for the engine's links."""
    names = guest.ssh('nmcli', '-g', 'NAME', 'connection', 'show').stdout.split()
    assert sorted(name for name in names if name.startswith('underlay-network-')) == sorted(
        'underlay-network-' + link for link in NM_KEPT), names
    for link in NM_KEPT:
        path = PROFILES % link
        assert guest.ssh('stat', '-c', '%U %a', path).stdout.split() == ['root', '600']
        text = guest.ssh('cat', path).stdout
        assert '[user]\nunderlay.network.owner=host_networks\n' in text, text
        assert nm_oracle.disagreements(text, lambda argv: shell(guest, nm_oracle.quoted(argv)).stdout) == [], text
    nm_guest_checks(guest)


def networking_off_on(guest):
    detached(guest, 'nmcli networking off; sleep 2; nmcli networking on', 'ulp-nm-networking')
    if dict(BACKENDS)[guest.number] == 'networkmanager':
        # NetworkManager deleted the VLAN it made at boot as it deactivated it, and the container port on it; it
        # makes the VLAN and the shim again: the container's runtime makes its port again
        assert shims_within(guest) is not None, (guest.name, shims(guest))
        containers(guest, [c for c in CONTAINERS if c[2] == 'ulpd0.30'])


def leaving_networkmanager(lab, guest):
    """persist: false on the networkmanager guest: our profiles go, a profile made by hand on the same parent stays,
    NetworkManager lets go of the links (they stay, unmanaged, and the containers answer), their routes are ours
    again (209) and a second run changes nothing; then state: absent leaves no link or file of ours."""
    shell(guest, 'nmcli connection add type macvlan ifname ulphand dev eth0 mode bridge con-name ulp-hand-made '
                 'ipv4.method disabled ipv6.method ignore >/dev/null')
    # check mode first: each link whose profile would go is planned as released, and nothing changes
    held = nm_states(guest)
    _changed, out = site(lab, [guest], [False], '--check', '-v')
    released = set(re.findall(r'"action": "release link",[^{}]*?"name": "([^"]+)"', out))
    assert released == {link for link, state in held.items() if 'underlay-network-' in state}, (released, held)
    assert nm_states(guest) == held
    changed, out = site(lab, [guest], [False])
    assert changed[0] > 0, out
    names = guest.ssh('nmcli', '-g', 'NAME', 'connection', 'show').stdout.split()
    assert 'ulp-hand-made' in names and not [name for name in names if name.startswith('underlay-network-')], names
    assert {link: state.split('/')[0] for link, state in nm_states(guest).items()} == dict.fromkeys(OURS, '10 (unmanaged)')
    # the routes NetworkManager had set are the engine's again (protocol 209: our_links reads only those)
    have = our_links(guest)
    assert all(have.get(name) == wanted for name, wanted in shims_expected(guest).items()), have
    assert answer_within(guest, time.monotonic()) is not None, (reachable(guest), container_reaches_host(guest))
    changed, out = site(lab, [guest], [False])
    assert changed == [0], out
    # the containers go first (absent leaves a VLAN that still carries their ports, and says so)
    shell(guest, 'for netns in %s; do ip netns del $netns; done' % ' '.join(c[0] for c in CONTAINERS))
    changed, out = site(lab, [guest], [False], host_reachability_state='absent')
    assert changed[0] > 0, out
    left = shell(guest, 'ls /etc/NetworkManager/system-connections/; ls /etc/systemd/network/ /etc/underlay.network '
                        '2>&1; ip -br link').stdout
    assert 'underlay-network' not in left and not our_links(guest) and 'ulp-hand-made.nmconnection' in left, left
    assert 'ulphand@eth0' in left, left


def shims_expected(guest):
    """{shim: (addresses, routes)} as the engine keeps them (routes with its protocol)."""
    return {name: (sorted(mine(SHIMS, guest)[name]), sorted(mine(ROUTES, guest)[name])) for name in SHIMS}


def setup(guest):
    guest.ssh('modprobe', 'dummy')
    eth0_profile(guest)
    dummy_parent(guest)


def after_boot(guest):
    """What a runtime does after a boot: the late parent appears, the containers are made again."""
    dummy_parent(guest)
    assert shims_within(guest) is not None, (guest.name, shims(guest))
    containers(guest)


def recreate_parent(guest):
    guest.ssh('ip', 'link', 'del', 'ulpd0')
    gone = our_links(guest)
    assert 'ipd-shim' not in gone and 'mvd30-shim' not in gone, (guest.name, gone)
    dummy_parent(guest)
    assert shims_within(guest) is not None, (guest.name, shims(guest))
    containers(guest, [c for c in CONTAINERS if c[2].startswith('ulpd0')])


def modify_eth0(guest):
    # another lab address of the guest's subnet on eth0's profile (the replay does not run: NM re-applies eth0 only)
    shell(guest, 'nmcli connection modify eth0 +ipv4.addresses %s && nmcli connection up eth0'
          % mine('198.18.61.46/24', guest))


EVENTS = [
    ('NetworkManager restart', lambda guest: guest.ssh('systemctl', 'restart', 'NetworkManager')),
    # off takes mgmt0 down too (and NetworkManager keeps it off across reboots): off and on in one detached unit
    ('networking off/on', networking_off_on),
    ('connection reload', lambda guest: guest.ssh('nmcli', 'connection', 'reload')),
    ('eth0 down/up', lambda guest: shell(guest, 'nmcli connection down eth0 && nmcli connection up eth0')),
    ('eth0 profile modified', modify_eth0),
    ('parent re-created', recreate_parent),
]


def check(lab, guests, backends, event, timings):
    """After EVENT: our links as NetworkManager shows them, then the second run (no change)."""
    for guest, backend in zip(guests, backends):
        assert shims_within(guest, 5) is not None, (event, guest.name, shims(guest))
        if backend is True:
            states = {link: state.split('/')[0] for link, state in nm_states(guest).items()}
            assert set(states.values()) <= set(NOT_NMS), (event, guest.name, states)
        else:
            nm_guest_checks(guest)
    changed, out = site(lab, guests, backends)
    assert changed == [0] * len(guests), (event, out)
    print('%s: %s' % (event, timings[event]))


def test_networkmanager_leaves_what_the_role_made_alone(nm_lab):
    guests = [nm_lab.guests[number - 1] for number, _backend in BACKENDS]
    backends = [backend for _number, backend in BACKENDS]
    engine = guests[0]
    timings = {}
    both(setup, guests)

    changed, out = site(nm_lab, guests, backends)
    assert 0 not in changed, out
    both(containers, guests)
    assert [answering(guest) for guest in guests] == [True] * len(guests), [reachable(guest) for guest in guests]
    # the engine guest: the drop-in that keeps NetworkManager off our links, naming every one of them
    drop_in = engine.ssh('cat', DROP_IN).stdout
    assert all('interface-name:%s' % link in drop_in for link in OURS), drop_in
    # NetworkManager reads it when it starts; the run told the running one already
    assert {state.split('/')[0] for state in nm_states(engine).values()} == {'10 (unmanaged)'}, nm_states(engine)
    profiles_of_ours(guests[1])
    changed, out = site(nm_lab, guests, backends)
    assert changed == [0] * len(guests), out

    # a power cycle first: from then on NetworkManager has read the drop-in (every event below relies on it)
    total, booted = reboot(guests)
    start = time.monotonic()
    both(after_boot, guests)
    timings['reboot'] = both(lambda guest: answer_within(guest, start), guests)
    assert None not in timings['reboot'], [reachable(guest) for guest in guests]
    print('reboot: %s s in all, boot to SSH %s' % (total, booted))
    ran = unit(engine, 'underlay-network-replay.service', 'Result', 'ExecMainStatus')
    journal = shell(engine, "journalctl -b -o cat -u 'underlay-network-*'").stdout
    # the known leftover (a parent that came up while the replay ran: ENETDOWN, the parent's unit recovers): shown
    if ran['Result'] != 'success' or 'Network is down' in journal or 'ENETDOWN' in journal:
        print('replay at boot on %s: %s\n%s' % (engine.name, ran, journal))
    assert {state.split('/')[0] for state in nm_states(engine).values()} == {'10 (unmanaged)'}, nm_states(engine)
    check(nm_lab, guests, backends, 'reboot', timings)

    for event, run in EVENTS:
        start = time.monotonic()
        both(run, guests)
        timings[event] = both(lambda guest, since=start: answer_within(guest, since), guests)
        assert None not in timings[event], (event, [reachable(guest) for guest in guests],
                                            [container_reaches_host(guest) for guest in guests])
        check(nm_lab, guests, backends, event, timings)
    # the containers on the dummy answer too after its re-creation (all of them did: answering)
    assert all(set(reachable(guest, ON_DUMMY).values()) == {'ok'} for guest in guests)

    leaving_networkmanager(nm_lab, guests[1])

    heads = ['g%d %s' % (number, 'engine' if backend is True else backend) for number, backend in BACKENDS]
    rows = ['%-24s%s' % ('event', ''.join('%18s' % head for head in heads))]
    rows += ['%-24s%s' % (event, ''.join('%18s' % seconds for seconds in values)) for event, values in timings.items()]
    print('\nNetworkManager events: seconds until every container answers again\n' + '\n'.join(rows))
