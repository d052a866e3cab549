"""What each guest of the VM lab carries in a scenario: its address, its containers, its networks.

The same fleets as the built-in namespace lab (lab/fleet.yml), with the lab's guests as the
hosts: guest N's eth0 is on the switch with 198.18.0.<10+N>/20, and two containers per guest (network
namespaces inside the guest, named <lab>-c1 and <lab>-c2) sit on it:

    macvlan  bridge-mode macvlan children of eth0, 198.18.N.2 and .3 (the guest's range 198.18.N.0/28);
             network 'lab' (198.18.0.0/20) with a macvlan shim 198.18.N.254
    ipvlan   the same with ipvlan l2 children and an ipvlan shim
    vlan     a trunk: c1 a macvlan child of eth0.10 (network v10, 198.18.(16+N).2), c2 of eth0.20 (v20,
             198.18.(32+N).2); one shim per VLAN network on its sub-interface. The lab makes eth0.10 and
             eth0.20 for the containers, as a container runtime does for its parents.

layout() returns, per guest name, the variables the scenario's plays use (JSON-ready).
"""

KINDS = ("macvlan", "ipvlan", "vlan")
VLANS = (10, 20)


def _container(lab, number, index, kind):
    on_vlan = kind == "vlan"
    return {
        "name": f"g{number}-c{index}",
        "guest": f"{lab}-g{number}",
        "netns": f"{lab}-c{index}",
        "kind": "ipvlan" if kind == "ipvlan" else "macvlan",
        "parent": f"eth0.{VLANS[index - 1]}" if on_vlan else "eth0",
        "network": f"v{VLANS[index - 1]}" if on_vlan else "lab",
        "address": f"198.18.{16 * index + number}.2" if on_vlan else f"198.18.{number}.{index + 1}",
    }


def _networks(number, kind):
    if kind == "vlan":
        return [{"name": f"v{vlan}", "parent": "eth0", "vlan_id": vlan, "subnet": f"198.18.{16 * i}.0/20",
                 "ip_range": f"198.18.{16 * i + number}.0/28", "shim_address": f"198.18.{16 * i + number}.254"}
                for i, vlan in enumerate(VLANS, start=1)]
    return [{"name": "lab", "driver": kind, "parent": "eth0", "subnet": "198.18.0.0/20",
             "ip_range": f"198.18.{number}.0/28", "shim_address": f"198.18.{number}.254"}]


def layout(lab, guest_numbers, kind):
    if kind not in KINDS:
        raise ValueError(f"lab kind {kind!r} is not known: use one of {', '.join(KINDS)}")
    containers = [_container(lab, n, i, kind) for n in guest_numbers for i in (1, 2)]
    result = {}
    for number in guest_numbers:
        name = f"{lab}-g{number}"
        own = [c for c in containers if c["guest"] == name]
        # macvlan and ipvlan: every container (its own through the shim, the others over the underlay);
        # vlan: its own containers (the guest has no address of its own in the VLANs' subnets)
        targets = own if kind == "vlan" else containers
        result[name] = {
            "vm_lab_address": f"198.18.0.{10 + number}/20",
            "vm_lab_vlans": list(VLANS) if kind == "vlan" else [],
            "vm_lab_containers": own,
            "vm_lab_peers": [c for c in containers if c["guest"] != name],
            "host_reachability_networks": _networks(number, kind),
            "underlay_verify_targets": [{"name": c["name"], "address": c["address"]} for c in targets],
        }
    return result
