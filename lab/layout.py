# Copyright: (c) 2026, underlay.network contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""The lab's layout, in one place: the hosts, containers, addresses, VLANs and networks of every lab fleet.

Two labs build the same fleets, each with its own names for the hosts:

    the built-in lab (lab/fleet.yml)   hosts are network namespaces on this machine, <prefix>-h1..N,
                                       plugged into the switch namespace <prefix>-sw; host N's containers
                                       are the namespaces <prefix>-hN-c1 and -c2, called hN-c1 and hN-c2
    the VM lab (scripts/vm-lab layout) hosts are the lab's guests <lab>-g1..N (vm_lab.py names them);
                                       guest N's containers are the namespaces <lab>-c1 and -c2 inside it,
                                       called gN-c1 and gN-c2

Host N's eth0 is on the switch with 198.18.0.<10+N>/20, and its two containers sit on it, named eth0
inside. The lab kind says how:

    macvlan  bridge-mode macvlan children of eth0, 198.18.N.2 and .3 (the host's range 198.18.N.0/28);
             one network 'lab' (198.18.0.0/20) with a macvlan shim 198.18.N.254 per host
    ipvlan   the same with ipvlan l2 children and an ipvlan shim that inherits l2 (needs the ipvlan driver)
    vlan     a VLAN trunk: c1 a macvlan child of eth0.10 (network v10, 198.18.16.0/20, range
             198.18.(16+N).0/28), c2 of eth0.20 (v20, 198.18.32.0/20, range 198.18.(32+N).0/28); each
             network its own shim on its VLAN sub-interface (needs the 8021q driver). The lab makes
             eth0.10 and eth0.20 for its containers, as a container runtime does for its parents.

Every host checks (playbooks/verify.yml, underlay_verify_targets) every container on macvlan and ipvlan
(its own through the shim, the others over the underlay), and only its own on vlan (it has no address of
its own in the VLANs' subnets). Every container checks (lab/check.yml) its peers: the other hosts'
containers on its network.

As a program, for lab/fleet.yml (JSON on stdout; a bad setting exits 2 with the reason on stderr):

    layout.py show  --prefix P --kind K --hosts 1,2,3   the whole fleet: what to build and each host's variables
    layout.py wire  --prefix P --hosts 1,2,3            plug each host's eth0 into the switch's bridge (only
                                                        what is missing; the namespaces must exist)
    layout.py hosts --prefix P --kind K --hosts 1,2,3 [--inventory FILE]
                                                        the hosts whose namespace exists, with their
                                                        variables; FILE gets them as an inventory
"""

import argparse
import json
import os
import subprocess
import sys

KINDS = ("macvlan", "ipvlan", "vlan")
VLANS = (10, 20)  # container c1 sits on the first, c2 on the second (vlan lab)
CONTAINERS = (1, 2)
# Host N's containers get 198.18.N.0/28 of 198.18.0.0/20 (and 198.18.(16+N).0/28, 198.18.(32+N).0/28
# of the VLANs' subnets): N from 1 to 15 keeps every range inside its subnet.
HOST_NUMBERS = range(1, 16)
NETNS_DIR = "/run/netns"


class LayoutError(ValueError):
    """A lab setting that makes no fleet; the message says which and what would."""


# ----------------------------------------------------------------------------------- the fleet

def check(kind, numbers):
    if kind not in KINDS:
        raise LayoutError(f"lab kind {kind!r} is not known: use one of {', '.join(KINDS)}")
    if not numbers:
        raise LayoutError("the fleet has no hosts: give at least one host number, for example 1,2,3")
    wrong = [n for n in numbers if n not in HOST_NUMBERS]
    if wrong:
        raise LayoutError(f"host numbers {', '.join(map(str, wrong))}: a host number is 1 to {HOST_NUMBERS[-1]} "
                          "(host N's containers get 198.18.N.0/28 inside 198.18.0.0/20)")
    if len(set(numbers)) != len(numbers):
        raise LayoutError(f"host numbers {', '.join(map(str, numbers))} name a host twice")


def host_address(number):
    """Host N's eth0 on the switch."""
    return f"198.18.0.{10 + number}/20"


def networks(kind, number):
    """Host N's network definitions (host_reachability_networks)."""
    if kind == "vlan":
        return [{"name": f"v{vlan}", "parent": "eth0", "vlan_id": vlan, "subnet": f"198.18.{16 * i}.0/20",
                 "ip_range": f"198.18.{16 * i + number}.0/28", "shim_address": f"198.18.{16 * i + number}.254"}
                for i, vlan in enumerate(VLANS, start=1)]
    return [{"name": "lab", "driver": kind, "parent": "eth0", "subnet": "198.18.0.0/20",
             "ip_range": f"198.18.{number}.0/28", "shim_address": f"198.18.{number}.254"}]


def container(kind, number, index, host, names, parent_netns):
    """Container `index` of host `number`: where it lives, what it sits on and its address."""
    on_vlan = kind == "vlan"
    vlan = VLANS[index - 1]
    address = f"198.18.{16 * index + number}.2" if on_vlan else f"198.18.{number}.{index + 1}"
    return {
        "name": names["name"],
        "host": host,
        "netns": names["netns"],
        "kind": "ipvlan" if kind == "ipvlan" else "macvlan",
        "parent": f"eth0.{vlan}" if on_vlan else "eth0",
        "parent_netns": parent_netns,  # where eth0 is, seen from where the container is made (None: there)
        "network": f"v{vlan}" if on_vlan else "lab",
        "address": address,
        "addresses": [f"{address}/20"],
    }


def _target(item):
    return {"name": item["name"], "address": item["address"]}


def fleet(kind, hosts, container_names, built_from_outside):
    """The fleet of `kind` on `hosts` ([(number, host name)]): the hosts and their containers.

    container_names(number, index) gives {"name": ..., "netns": ...}; built_from_outside says whether the
    containers are made from outside their host (the built-in lab: the host is a namespace, so the
    container's parent is in the host's namespace) or on the host itself (the VM lab's guests).
    """
    check(kind, [number for number, _name in hosts])
    containers = [container(kind, number, index, name, container_names(number, index),
                            name if built_from_outside else None)
                  for number, name in hosts for index in CONTAINERS]
    for item in containers:
        item["peers"] = [_target(other) for other in containers
                         if other["host"] != item["host"] and other["network"] == item["network"]]
    fleet_hosts = []
    for number, name in hosts:
        own = [item for item in containers if item["host"] == name]
        fleet_hosts.append({
            "name": name,
            "number": number,
            "address": host_address(number),
            "vlans": list(VLANS) if kind == "vlan" else [],
            "containers": own,
            "networks": networks(kind, number),
            "verify_targets": [_target(item) for item in (own if kind == "vlan" else containers)],
        })
    return {"hosts": fleet_hosts, "containers": containers}


# ------------------------------------------------------------------- the built-in lab (namespaces)

def namespace_lab(prefix, kind, numbers):
    """The built-in lab for lab/fleet.yml: every namespace to make, the VLAN sub-interfaces, the containers
    and each host with the variables it gets (the hosts run their modules with this Python: they are
    namespaces of this machine, and lab/fleet.yml runs this script with the playbook's own Python)."""
    lab = fleet(kind, [(n, f"{prefix}-h{n}") for n in numbers],
                lambda n, i: {"name": f"h{n}-c{i}", "netns": f"{prefix}-h{n}-c{i}"}, built_from_outside=True)
    config_root = f"/tmp/{prefix}-config"
    switch = f"{prefix}-sw"
    return {
        "switch": switch,
        "config_root": config_root,
        # in the order they are made; removed the other way round
        "namespaces": [switch] + [h["name"] for h in lab["hosts"]] + [c["netns"] for c in lab["containers"]],
        "vlan_links": [{"netns": h["name"], "parent": "eth0", "vlan_id": vlan} for h in lab["hosts"] for vlan in h["vlans"]],
        "containers": lab["containers"],
        "hosts": [{"name": h["name"], "number": h["number"], "address": h["address"], "vars": {
            "ansible_connection": "underlay.network.netns",
            "ansible_python_interpreter": sys.executable,
            "kernel_modules_config_root": f"{config_root}/h{h['number']}",
            "host_reachability_config_root": f"{config_root}/h{h['number']}",
            "host_reachability_networks": h["networks"],
            "underlay_verify_targets": h["verify_targets"],
        }} for h in lab["hosts"]],
    }


def _ip(*args):
    run = subprocess.run(("ip",) + args, capture_output=True, text=True, check=False)
    if run.returncode != 0:
        raise LayoutError(f"ip {' '.join(args)} failed ({run.returncode}): {run.stderr.strip()}")


def _has_link(netns, name):
    return subprocess.run(["ip", "-n", netns, "link", "show", "dev", name], capture_output=True,
                          check=False).returncode == 0


def wire(layout):
    """Lab wiring only: the switch's bridge br0, and each host's eth0 a veth whose other end hN is a port of
    it. Makes only what is missing; returns what it made."""
    switch, made = layout["switch"], []
    if not _has_link(switch, "br0"):
        _ip("-n", switch, "link", "add", "br0", "type", "bridge")
        _ip("-n", switch, "link", "set", "br0", "up")
        made.append("br0")
    for host in layout["hosts"]:
        port = f"h{host['number']}"
        if _has_link(switch, port):
            continue
        _ip("-n", switch, "link", "add", port, "type", "veth", "peer", "name", "eth0", "netns", host["name"])
        _ip("-n", switch, "link", "set", port, "master", "br0", "up")
        _ip("-n", host["name"], "link", "set", "eth0", "up")
        _ip("-n", host["name"], "addr", "add", host["address"], "dev", "eth0")
        made.append(port)
    return made


def existing_hosts(layout):
    """The hosts whose namespace exists now, as {name: variables}."""
    return {h["name"]: h["vars"] for h in layout["hosts"] if os.path.exists(os.path.join(NETNS_DIR, h["name"]))}


def write_inventory(path, hosts):
    """The hosts as an Ansible inventory file (group underlay_hosts); True when the file changed."""
    import yaml  # the playbook's Python has it (ansible-core needs it); only this step does

    text = yaml.safe_dump({"all": {"children": {"underlay_hosts": {"hosts": hosts}}}}, sort_keys=False, indent=2)
    if os.path.exists(path):
        with open(path, encoding="utf-8") as stream:
            if stream.read() == text:
                return False
    with open(path, "w", encoding="utf-8") as stream:
        stream.write(text)
    os.chmod(path, 0o644)
    return True


# ------------------------------------------------------------------------------------ the VM lab

def vm_lab_guests(lab, kind, guests):
    """The VM lab's fleet: per guest name (`guests`: [(number, name)]), the variables its playbooks use
    (tests/vm-lab/playbooks/fleet.yml, fleet_check.yml and the shared playbooks)."""
    if not guests:
        raise LayoutError(f"lab {lab} has no guests: run 'scripts/vm-lab --lab {lab} up' first")
    layout = fleet(kind, guests, lambda n, i: {"name": f"g{n}-c{i}", "netns": f"{lab}-c{i}"}, built_from_outside=False)
    return {h["name"]: {
        "vm_lab_address": h["address"],
        "vm_lab_vlans": h["vlans"],
        "vm_lab_containers": h["containers"],
        "host_reachability_networks": h["networks"],
        "underlay_verify_targets": h["verify_targets"],
    } for h in layout["hosts"]}


# ------------------------------------------------------------------------------- the command line

def _numbers(text):
    try:
        return [int(part) for part in text.strip("[]").replace(" ", "").split(",") if part]
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a list of host numbers (for example 1,2,3)") from None


def main(argv):
    parser = argparse.ArgumentParser(prog="lab/layout.py", description=__doc__.split("\n", 1)[0])
    parser.add_argument("action", choices=["show", "wire", "hosts"])
    parser.add_argument("--prefix", required=True, help="what every lab object's name starts with")
    parser.add_argument("--kind", default="macvlan", help=f"the lab kind: {', '.join(KINDS)}")
    parser.add_argument("--hosts", required=True, type=_numbers, help="the host numbers, for example 1,2,3")
    parser.add_argument("--inventory", default="", help="hosts: also write them to this inventory file")
    args = parser.parse_args(argv)
    try:
        layout = namespace_lab(args.prefix, args.kind, args.hosts)
        if args.action == "show":
            result = layout
        elif args.action == "wire":
            made = wire(layout)
            result = {"changed": bool(made), "made": made}
        else:
            hosts = existing_hosts(layout)
            written = write_inventory(args.inventory, hosts) if args.inventory else False
            result = {"changed": written, "hosts": [{"name": name, "vars": v} for name, v in hosts.items()]}
    except LayoutError as error:
        print(f"lab/layout.py: {error}", file=sys.stderr)
        return 2
    json.dump(result, sys.stdout, indent=1)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
