"""The lab itself: each guest's disk layer is its own and survives its power cycle, and the switch is a
trunk (tagged frames pass between guests as they are, and stay apart from untagged ones)."""
import json

import pytest

VLAN31_NETNS = "vmltest31"  # a namespace on the second guest that only VLAN 31 reaches


@pytest.fixture
def vlan_links(lab):
    yield
    for guest in lab.guests:  # the guests are shared by the session's tests: leave them as found
        guest.ssh("ip", "netns", "del", VLAN31_NETNS, check=False)
        guest.ssh("ip", "link", "del", "eth0.30", check=False)
        guest.ssh("ip", "addr", "flush", "dev", "eth0", check=False)


def test_tagged_frames_cross_the_switch_and_stay_in_their_vlan(lab, vlan_links):
    first, second = lab.guests[:2]
    for number, guest in enumerate((first, second), start=1):
        guest.ssh("sh", "-c", f"""set -e
            ip link set dev eth0 up
            ip addr replace 198.18.200.{number}/24 dev eth0
            ip link add link eth0 name eth0.30 type vlan id 30
            ip addr add 198.18.230.{number}/24 dev eth0.30
            ip link set dev eth0.30 up""")
    # Behind VLAN 31 of the second guest, in a namespace of its own, an address of VLAN 30's subnet: only
    # a tag lost on the way (or a switch that mixed the VLANs up) would let the first guest reach it.
    second.ssh("sh", "-c", f"""set -e
        ip netns add {VLAN31_NETNS}
        ip link add link eth0 name eth0.31 netns {VLAN31_NETNS} type vlan id 31
        ip -n {VLAN31_NETNS} addr add 198.18.230.9/24 dev eth0.31
        ip -n {VLAN31_NETNS} link set dev eth0.31 up""")
    received_before = rx_packets(second, "eth0.30")
    assert first.ssh("ping", "-c", "2", "-W", "2", "198.18.230.2", check=False).returncode == 0, "no VLAN 30 path"
    assert rx_packets(second, "eth0.30") >= received_before + 2, "the pings did not arrive through VLAN 30"
    assert first.ssh("ping", "-c", "2", "-W", "2", "198.18.200.2", check=False).returncode == 0, "no untagged path"
    assert first.ssh("ping", "-c", "2", "-W", "1", "198.18.230.9", check=False).returncode != 0, "VLAN 31 leaked into 30"
    # ... and VLAN 31 itself works: the first guest reaches the namespace once it is on VLAN 31 too
    first.ssh("sh", "-c", """set -e
        ip link add link eth0 name eth0.31 type vlan id 31
        ip addr add 198.18.231.1/24 dev eth0.31
        ip link set dev eth0.31 up""")
    second.ssh("ip", "-n", VLAN31_NETNS, "addr", "add", "198.18.231.9/24", "dev", "eth0.31")
    try:
        assert first.ssh("ping", "-c", "2", "-W", "2", "198.18.231.9", check=False).returncode == 0, "no VLAN 31 path"
    finally:
        first.ssh("ip", "link", "del", "eth0.31", check=False)


def rx_packets(guest, link):
    return json.loads(guest.ssh("ip", "-s", "-j", "link", "show", "dev", link).stdout)[0]["stats64"]["rx"]["packets"]


def test_a_guests_changes_are_its_own_and_survive_its_power_cycle(lab):
    first, second = lab.guests[:2]
    first.ssh("sh", "-c", "echo kept-by-g1 > /etc/vm-lab-test")
    boots_before = first.ssh("journalctl", "--list-boots", "--no-pager", "-q").stdout.count("\n")
    machine_id = first.ssh("cat", "/etc/machine-id").stdout
    lab.reboot(first.name)
    assert first.ssh("cat", "/etc/vm-lab-test").stdout == "kept-by-g1\n"
    assert first.ssh("cat", "/etc/machine-id").stdout == machine_id  # the same installed system
    assert first.ssh("journalctl", "--list-boots", "--no-pager", "-q").stdout.count("\n") == boots_before + 1
    assert second.ssh("test", "-e", "/etc/vm-lab-test", check=False).returncode == 1, "written into the image"
    assert machine_id != second.ssh("cat", "/etc/machine-id").stdout
    first.ssh("rm", "/etc/vm-lab-test")
