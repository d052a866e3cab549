"""promisc on a systemd guest through real systemctl: the flag is set now, and after a power cycle the
template unit underlay-promisc@eth0.service has set it at boot; turned off, it stays off after the
next power cycle too."""
from conftest import role_check, role_twice

UNIT = "underlay-promisc@eth0.service"


def promiscuous(guest):
    flags = guest.ssh("ip", "-o", "link", "show", "dev", "eth0").stdout
    return "PROMISC" in flags.split("<", 1)[1].split(">", 1)[0].split(",")


def unit(guest, *properties):
    shown = guest.ssh("systemctl", "show", "-p", ",".join(properties), UNIT).stdout
    return dict(line.split("=", 1) for line in shown.splitlines())


def test_promiscuous_mode_is_set_by_the_unit_at_boot_and_off_survives_a_reboot_too(lab):
    guest = lab.guests[1]
    assert not promiscuous(guest), "a fresh guest's data NIC is not promiscuous"
    on = {"promisc_interfaces": ["eth0"], "promisc_state": "on"}

    # check mode on a host that has never seen the unit: says what it would change, changes nothing
    assert role_check(lab, guest, "promisc", on) >= 3  # flag, unit file, enable
    assert not promiscuous(guest)
    assert guest.ssh("systemctl", "cat", UNIT, check=False).returncode != 0, "check mode installed the unit"

    changed = role_twice(lab, guest, "promisc", on)
    assert changed[0] >= 3 and changed[1] == 0, changed  # flag, unit file, enable; then nothing
    assert promiscuous(guest)
    assert guest.ssh("systemctl", "is-enabled", UNIT).stdout.strip() == "enabled"

    lab.reboot(guest.name)
    assert promiscuous(guest), "eth0 lost promiscuous mode at reboot"
    ran = unit(guest, "ActiveState", "SubState", "Result", "ExecMainStatus", "ExecMainStartTimestampMonotonic")
    assert (ran["ActiveState"], ran["SubState"], ran["Result"], ran["ExecMainStatus"]) == \
        ("active", "exited", "success", "0"), ran
    assert int(ran["ExecMainStartTimestampMonotonic"]) > 0, "the unit did not run in this boot"
    status = guest.ssh("systemctl", "status", "--no-pager", UNIT, check=False).stdout
    assert "Active: active (exited)" in status and "link set dev eth0 promisc on" in status, status
    assert "status=0/SUCCESS" in status, status

    changed = role_twice(lab, guest, "promisc", {"promisc_interfaces": ["eth0"], "promisc_state": "off"})
    assert changed[0] >= 2 and changed[1] == 0, changed  # flag, disable; then nothing
    assert not promiscuous(guest)
    assert guest.ssh("systemctl", "is-enabled", UNIT, check=False).stdout.strip() == "disabled"

    lab.reboot(guest.name)
    assert not promiscuous(guest), "eth0 came back promiscuous after promisc_state off"
    ran = unit(guest, "ActiveState", "ExecMainStartTimestampMonotonic")
    assert ran == {"ActiveState": "inactive", "ExecMainStartTimestampMonotonic": "0"}, ran
