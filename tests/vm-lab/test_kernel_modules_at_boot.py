"""kernel_modules on a systemd guest: loads ipvlan and 8021q with modprobe, writes modules-load.d, and
after a power cycle systemd-modules-load has loaded them at boot."""
from conftest import role_check, role_twice

MODULES = ("ipvlan", "8021q")


def loaded(guest):
    return {line.split()[0] for line in guest.ssh("lsmod").stdout.splitlines()[1:]}


def test_modules_are_loaded_now_and_by_systemd_at_the_next_boot(lab):
    guest = lab.guests[0]
    guest.ssh("modprobe", "-r", *MODULES, "macvlan")  # a clean start, whatever ran before on this guest
    guest.ssh("rm", "-f", "/etc/modules-load.d/underlay-network.conf")
    assert not loaded(guest) & set(MODULES)
    drivers = {"kernel_modules_drivers": list(MODULES)}

    # check mode: modprobe --dry-run, the file planned; nothing loaded, nothing written
    assert role_check(lab, guest, "kernel_modules", drivers) >= 2
    assert not loaded(guest) & set(MODULES)
    assert guest.ssh("test", "-e", "/etc/modules-load.d/underlay-network.conf", check=False).returncode == 1

    changed = role_twice(lab, guest, "kernel_modules", drivers)
    assert changed[0] >= 2 and changed[1] == 0, changed  # modprobe + the file; then nothing
    assert loaded(guest) >= set(MODULES)
    listed = guest.ssh("grep", "-v", "^#", "/etc/modules-load.d/underlay-network.conf").stdout.split()
    assert sorted(listed) == sorted(MODULES)

    times = lab.reboot(guest.name)
    print(f"reboot of {guest.name}: {times}")
    assert loaded(guest) >= set(MODULES)
    # ... loaded by systemd at boot: systemd-modules-load ran in this boot and inserted them (its early
    # messages reach the journal through the kernel log, without the unit's name: match its identifier)
    journal = guest.ssh("journalctl", "-b", "-o", "cat", "-t", "systemd-modules-load").stdout
    for module in MODULES:
        assert f"Inserted module '{module}'" in journal, journal
    state = guest.ssh("systemctl", "show", "-p", "ActiveState,Result", "systemd-modules-load.service").stdout
    assert sorted(state.split()) == ["ActiveState=active", "Result=success"], state
