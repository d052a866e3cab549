# Copyright: (c) 2026, underlay.network contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Docker ipvlan and macvlan networks end to end on a kernel that has ipvlan and 802.1Q: a Docker host guest.

One guest of the VM lab's `docker` image (Debian's docker.io, dockerd and containerd started by systemd, vfs
storage, no docker0 or iptables) is the Docker host; the controller runs playbooks/site.yml, verify.yml and
teardown.yml over SSH with an inventory of its own (group underlay_hosts), as a user would. The container
image is busybox, imported offline. Networks (each on a parent of its own, since Docker takes one macvlan or
ipvlan network per parent):

  ipl2     ipvlan l2 on eth0, created by the role: a container range, the shim's address as aux address host
  ipl2two  ipvlan l2 with two subnets and two gateways, on VLAN 31 (the role makes eth0.31)
  ipl3     ipvlan l3 with two subnets on VLAN 32: containers in both reach each other through the parent
  v10 v20  macvlan on VLANs 10 and 20 of the trunk eth0: same VLAN reaches, the other VLAN does not
  m218     macvlan with two subnets made by hand on parent eth0.218, a VLAN Docker creates itself

Every container is run with restart=always, so after a power cycle Docker brings them back and the boot
replay (host_reachability_persist) brings the shims back: the host reaches every container without Ansible.
"""
import json
import os
import re
import subprocess
import time
from pathlib import Path

import pytest

import vm_lab
from test_persistence import shell

HERE = Path(__file__).resolve().parent
REPO = HERE.parent.parent
LAB_NAME = os.environ.get("VM_LAB_DOCKER_NAME", "vmld")
IMAGE = "ul/busybox:1"
ETH0 = ("[Match]\nName=eth0\n\n[Network]\nLinkLocalAddressing=no\nIPv6AcceptRA=no\nConfigureWithoutCarrier=yes\n"
        "Address=198.18.129.45/24\n")

NETWORKS = [
    dict(name="ipl2", driver="ipvlan", mode="l2", parent="eth0", subnet="198.18.130.0/24", gateway="198.18.130.1",
         ip_range="198.18.130.128/26", shim_address="198.18.130.254", docker={}),
    dict(name="ipl2two", driver="ipvlan", mode="l2", parent="eth0", vlan_id=31, docker={}, subnets=[
        dict(subnet="198.18.131.0/24", gateway="198.18.131.1", ip_range="198.18.131.128/26",
             shim_address="198.18.131.254"),
        dict(subnet="198.18.132.0/24", gateway="198.18.132.1", ip_range="198.18.132.128/26",
             shim_address="198.18.132.254")]),
    dict(name="ipl3", driver="ipvlan", mode="l3", parent="eth0", vlan_id=32, docker={}, subnets=[
        dict(subnet="198.18.133.0/24", ip_range="198.18.133.128/26", shim_address="198.18.133.254"),
        dict(subnet="198.18.134.0/24", ip_range="198.18.134.128/26", shim_address="198.18.134.254")]),
    dict(name="v10", parent="eth0", vlan_id=10, subnet="198.18.135.0/24", gateway="198.18.135.1",
         ip_range="198.18.135.128/26", shim_address="198.18.135.254", docker={}),
    dict(name="v20", parent="eth0", vlan_id=20, subnet="198.18.136.0/24", gateway="198.18.136.1",
         ip_range="198.18.136.128/26", shim_address="198.18.136.254", docker={}),
    # made by hand below; only the shim's addresses are the definition's (Docker's CLI keeps one aux name per network)
    dict(name="m218", docker={"create": False}, subnets=[
        dict(subnet="198.18.137.0/24", shim_address="198.18.137.254"),
        dict(subnet="198.18.138.0/24", shim_address="198.18.138.254")]),
]
M218 = ("docker network create -d macvlan -o parent=eth0.218 --subnet 198.18.137.0/24 --gateway 198.18.137.1 "
        "--ip-range 198.18.137.128/26 --subnet 198.18.138.0/24 --gateway 198.18.138.1 --ip-range 198.18.138.128/26 m218")
# container, network, address, capabilities
CONTAINERS = [
    ("ul-ipl2-a", "ipl2", "198.18.130.130"), ("ul-ipl2-b", "ipl2", "198.18.130.131"),
    ("ul-two-a", "ipl2two", "198.18.131.130"), ("ul-two-b", "ipl2two", "198.18.132.130"),
    ("ul-l3-a", "ipl3", "198.18.133.130"), ("ul-l3-b", "ipl3", "198.18.134.130"),
    ("ul-v10-a", "v10", "198.18.135.130"), ("ul-v10-b", "v10", "198.18.135.131"), ("ul-v20-a", "v20", "198.18.136.130"),
    ("ul-218-a", "m218", "198.18.137.130"), ("ul-218-b", "m218", "198.18.138.130"),
]
ADDRESS = {name: address for name, _net, address in CONTAINERS}
# the shim's address a container answers to: its own subnet's (x.y.z.254 of the container's x.y.z.0/24)
SHIM_OF = {name: address.rsplit(".", 1)[0] + ".254" for name, _net, address in CONTAINERS}


@pytest.fixture(scope="module")
def docker_host():
    lab = vm_lab.Lab(LAB_NAME)
    lab.down()
    try:
        lab = vm_lab.Lab(LAB_NAME)
        start = time.monotonic()
        boot = lab.up(1, "docker")
        guest = lab.guests[0]
        # the host's own configuration of its NIC, as an installer leaves it: eth0 up at every boot
        shell(guest, "cat > /etc/systemd/network/10-netplan-eth0.network <<'EOF'\n%sEOF\nnetworkctl reload && "
                     "mkdir -p /tmp/rf/bin && cp /bin/busybox /tmp/rf/bin/ && for a in sh ping sleep ip; do "
                     "ln -sf busybox /tmp/rf/bin/$a; done && tar -C /tmp/rf -c . | docker import - %s >/dev/null"
              % (ETH0, IMAGE))
        shell(guest, "for i in $(seq 50); do ip -br link show eth0 | grep -q ',UP' && exit 0; sleep 0.2; done; exit 1")
        print("\nvm-lab %s: docker image %s, boot to SSH %s, Docker ready after %.1f s" % (
            LAB_NAME, lab.image.build_info["recipe"], boot, time.monotonic() - start))
        yield lab, guest
    finally:
        if os.environ.get("VM_LAB_KEEP") != "1":
            vm_lab.Lab(LAB_NAME).down()


def playbook(lab, guest, name, *args, check=True, **variables):
    """playbooks/NAME on the Docker host over SSH, its inventory the lab's with the group underlay_hosts."""
    inventory = lab.directory / "docker-inventory.yml"
    text = lab.inventory_file.read_text().replace("    vm_lab:\n", "    underlay_hosts:\n")
    inventory.write_text(text)
    values = dict(dict(host_reachability_networks=NETWORKS, host_reachability_persist=True,
                       kernel_modules_drivers=["macvlan", "ipvlan", "8021q"]), **variables)
    env = dict(os.environ, ANSIBLE_COLLECTIONS_PATH=str(REPO / ".venv" / "collections"), ANSIBLE_NOCOLOR="1",
               ANSIBLE_HOST_KEY_CHECKING="true", ANSIBLE_RETRY_FILES_ENABLED="0")
    command = [str(REPO / ".venv" / "py311" / "bin" / "ansible-playbook"), "-i", str(inventory),
               str(REPO / "playbooks" / name), "-e", json.dumps(values), *args]
    run = subprocess.run(command, capture_output=True, text=True, env=env, cwd=REPO, timeout=600, check=False)
    if check:
        assert run.returncode == 0, "%s failed:\n%s\n%s" % (name, run.stdout, run.stderr)
    return run


def changed(run, guest):
    return sum(int(n) for n in re.findall(r"^%s\s+:.*\bchanged=(\d+)" % re.escape(guest.name), run.stdout, re.M))


def pings(guest, pairs):
    """{(source, address): answered} for (source, address) pairs; source 'host' or a container's name."""
    script = []
    for source, address in pairs:
        ping = "ping -c1 -W1 %s" % address if source == "host" else "docker exec %s ping -c1 -W1 %s" % (source, address)
        script.append('if %s >/dev/null 2>&1; then echo "%s %s ok"; else echo "%s %s no"; fi'
                      % (ping, source, address, source, address))
    out = shell(guest, "; ".join(script)).stdout
    return {(source, address): word == "ok" for source, address, word in re.findall(r"^(\S+) (\S+) (ok|no)$", out, re.M)}


EXPECTED = (
    # the host reaches every container through its network's shim, and every container the host's shim address
    [("host", address) for _name, _net, address in CONTAINERS]
    + [(name, SHIM_OF[name]) for name, _net, _address in CONTAINERS]
    # containers of one network reach each other: ipvlan l2 in one subnet, ipvlan l3 across two subnets
    # through the parent, macvlan on one VLAN
    + [("ul-ipl2-a", ADDRESS["ul-ipl2-b"]), ("ul-l3-a", ADDRESS["ul-l3-b"]), ("ul-v10-a", ADDRESS["ul-v10-b"])]
)


def ours(guest):
    """The VLAN, macvlan and ipvlan links in the guest's root namespace."""
    return sorted(re.findall(r"^\d+: ([^:@]+)", shell(guest, "ip -o link show type vlan; ip -o link show type macvlan; "
                                                             "ip -o link show type ipvlan").stdout, re.M))


def test_docker_ipvlan_and_vlan_networks_from_site_to_reboot_to_teardown(docker_host):
    lab, guest = docker_host
    timings = {}
    shell(guest, M218)  # Docker makes eth0.218 itself
    assert "eth0.218" in ours(guest)

    # Docker's own rules fail the validation before any host changes: a second ipvlan network on eth0, and a
    # mode other than the one of the network Docker has (after the first site run, below)
    second = [dict(name="again", driver="ipvlan", parent="eth0", subnet="198.18.139.0/24",
                   ip_range="198.18.139.128/26", shim_address="198.18.139.254", docker={})]
    refused = playbook(lab, guest, "site.yml", check=False, host_reachability_networks=NETWORKS + second)
    assert refused.returncode != 0 and "one macvlan or ipvlan network per parent interface" in refused.stdout, \
        refused.stdout
    assert ours(guest) == ["eth0.218"], "nothing changed on the host"

    start = time.monotonic()
    first = playbook(lab, guest, "site.yml")
    timings["site"] = round(time.monotonic() - start, 1)
    assert changed(first, guest) > 0
    inspect = json.loads(shell(guest, "docker network inspect ipl2 ipl2two ipl3").stdout)
    assert [(n["Driver"], n["Options"]["parent"], n["Options"].get("ipvlan_mode")) for n in inspect] == [
        ("ipvlan", "eth0", "l2"), ("ipvlan", "eth0.31", "l2"), ("ipvlan", "eth0.32", "l3")]
    assert inspect[0]["IPAM"]["Config"][0]["AuxiliaryAddresses"] == {"host": "198.18.130.254"}
    assert [c["Gateway"] for c in inspect[1]["IPAM"]["Config"]] == ["198.18.131.1", "198.18.132.1"]

    for name, net, address in CONTAINERS:
        shell(guest, "docker run -d --restart=always --cap-add NET_ADMIN --name %s --network %s --ip %s %s sleep 1d"
                     % (name, net, address, IMAGE))
    assert not pings(guest, [("host", "198.18.139.1")])[("host", "198.18.139.1")]
    seen = pings(guest, EXPECTED)
    assert all(seen.values()), [pair for pair, ok in seen.items() if not ok]
    # one shim per network, an address and a route per subnet
    addresses = shell(guest, "ip -o addr show dev ipl2two-shim; ip route show dev ipl2two-shim").stdout
    for text in ("198.18.131.254/32", "198.18.132.254/32", "198.18.131.128/26 proto 209", "198.18.132.128/26 proto 209"):
        assert text in addresses, addresses
    # the other VLAN does not answer, even with a route on the container's link: the frames stay on VLAN 10
    shell(guest, "docker exec ul-v10-a ip route add 198.18.136.0/24 dev eth0")
    assert not pings(guest, [("ul-v10-a", ADDRESS["ul-v20-a"])])[("ul-v10-a", ADDRESS["ul-v20-a"])]

    verify = playbook(lab, guest, "verify.yml", underlay_verify_targets=[
        {"name": name, "address": address} for name, _net, address in CONTAINERS])
    assert "ul-218-b" in verify.stdout, verify.stdout  # the matrix names every target; its assert passed

    again = playbook(lab, guest, "site.yml")
    assert changed(again, guest) == 0, again.stdout
    mismatch = [dict(NETWORKS[0], mode="l3")]
    refused = playbook(lab, guest, "site.yml", check=False, host_reachability_networks=mismatch)
    assert refused.returncode != 0 and "mode l3 differs from Docker network 'ipl2', which has l2" in refused.stdout, \
        refused.stdout

    start = time.monotonic()
    lab.reboot(guest.name)
    # dockerd on the UML guest takes a minute or more to restore eleven containers on vfs storage
    deadline = time.monotonic() + 300
    while True:  # Docker restarts the containers, the replay the shims: no Ansible in between
        seen = pings(guest, [("host", address) for _n, _net, address in CONTAINERS])
        if all(seen.values()) or time.monotonic() > deadline:
            break
        time.sleep(2)
    timings["reboot_until_every_container_answers"] = round(time.monotonic() - start, 1)
    assert all(seen.values()), [pair for pair, ok in seen.items() if not ok]
    after = playbook(lab, guest, "site.yml")
    assert changed(after, guest) == 0, after.stdout

    shell(guest, "docker rm -f %s >/dev/null" % " ".join(name for name, _net, _address in CONTAINERS))
    start = time.monotonic()
    down = playbook(lab, guest, "teardown.yml")
    timings["teardown"] = round(time.monotonic() - start, 1)
    assert "Docker network m218 (not created by this collection)" in down.stdout, down.stdout
    left = shell(guest, "docker network ls --format '{{.Name}}'").stdout.split()
    assert sorted(left) == ["host", "m218", "none"], left  # (no bridge network: dockerd runs with bridge none)
    assert ours(guest) == ["eth0.218"], "only Docker's own VLAN of the network made by hand stays"
    shell(guest, "docker network rm m218")
    assert ours(guest) == [], "Docker removes the VLAN it made with its network"
    print("\nDocker host timings: %s" % json.dumps(timings))
