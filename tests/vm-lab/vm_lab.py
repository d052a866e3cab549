"""The VM lab: Debian guests with systemd on the UML kernel, reached over SSH, that reboot.

One lab is a name (``vml`` by default; every object of the lab carries it):

    <name>-sw        network namespace on this machine: the lab's switch. It holds
                       br0    the data bridge (no VLAN filtering: a trunk, tagged frames pass as they are)
                       mgmt   the management bridge, 198.19.254.254/24 (the SSH path's end)
                     and per guest N two tap devices, g<N>d (a port of br0) and g<N>m (of mgmt): the
                     guest's NICs, opened by its UML kernel (vector transport "tap"). Every guest's
                     linux.uml process runs inside this namespace.
    /tmp/<name>/     state.json, ssh_config, known_hosts, inventory.yml, per guest a copy-on-write disk
                     layer (<guest>.cow over the cached image), a console log and UML's pid/mconsole dir.

Guest N is <name>-g<N>: eth0 is its data NIC (on br0, left unconfigured for the scenarios), mgmt0 its
management NIC (198.19.254.<10+N>/24, set up by systemd-networkd). The controller reaches it with plain
ssh from the root namespace through a ProxyCommand that enters the switch namespace; nothing is routed
between the root namespace and the lab.
"""

import json
import os
import re
import shlex
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import image

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "lab"))
import layout  # noqa: E402  (lab/layout.py: the one layout of the built-in lab and this one)

MGMT_PREFIX = "198.19.254"
MGMT_GATEWAY = f"{MGMT_PREFIX}.254"
MAX_GUESTS = 9
GUEST_MEMORY = os.environ.get("VM_LAB_MEMORY", "384M")  # an image variant may ask for more (image.VARIANTS)
SSH_TIMEOUT = float(os.environ.get("VM_LAB_SSH_TIMEOUT", "240"))
HALT_TIMEOUT = 60
NAME_PATTERN = re.compile(r"^vml[a-z0-9]{0,7}$")


class LabError(RuntimeError):
    pass


def _run(*argv, check=True, **kwargs):
    result = subprocess.run([str(a) for a in argv], capture_output=True, text=True, **kwargs, check=False)
    if check and result.returncode != 0:
        raise LabError(f"{' '.join(map(str, argv))} failed ({result.returncode}): "
                       f"{(result.stderr or result.stdout).strip()}")
    return result


class Guest:
    def __init__(self, lab, number):
        self.lab = lab
        self.number = number
        self.name = f"{lab.name}-g{number}"
        self.address = f"{MGMT_PREFIX}.{10 + number}"
        self.cow = lab.directory / f"{self.name}.cow"
        self.console = lab.directory / f"{self.name}.console"
        self.data_wire, self.mgmt_wire = f"g{number}d", f"g{number}m"  # tap devices in the switch namespace

    # -- the process -----------------------------------------------------------------------
    @property
    def pid(self):
        return self.lab.state.get("pids", {}).get(self.name)

    def running(self):
        pid = self.pid
        if not pid:
            return False
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return False
        # A zombie or a recycled pid is not our kernel. Before its exec the process is `ip netns exec`;
        # after it, UML rewrites its own argv into one line: look for our umid either way.
        try:
            cmdline = Path(f"/proc/{pid}/cmdline").read_bytes()
        except OSError:
            return False
        return bool(re.search(rb"(^|[\0 ])umid=" + re.escape(self.name.encode()) + rb"([\0 ]|$)", cmdline)) and \
            not _gone(pid)

    @property
    def variant(self):
        """The image variant this guest boots (base, docker, nm)."""
        return self.lab.variants[self.number - 1]

    @property
    def image(self):
        return self.lab.image_of(self.variant)

    def kernel_command_line(self):
        mac = f"02:00:c6:12:{self.number:02x}"
        return [
            f"mem={self.image.build_info.get('memory') or GUEST_MEMORY}", f"umid={self.name}", f"uml_dir={self.lab.directory}",
            # the guest's own disk layer over the shared, read-only image
            f"ubd0={self.cow},{self.image.root_img}", "root=/dev/ubda", "rw",
            # gro=1: the host hands the tap GSO frames (TCP from the SSH proxy); the guest must take them
            f"vec0:transport=tap,ifname={self.data_wire},mac={mac}:01,gro=1",
            f"vec1:transport=tap,ifname={self.mgmt_wire},mac={mac}:fe,gro=1",
            "con=null", "con0=null,fd:1",  # the console goes to the log file
            f"systemd.hostname={self.name}",
            # systemd-network-generator -> networkd; on an nm guest, a unit -> mgmt0's NetworkManager profile
            f"ip={self.address}:::255.255.255.0::mgmt0:off",
            "systemd.show_status=0", "quiet",
        ]

    def start(self):
        """Boots the guest from its own disk layer (made on first boot) in the switch namespace."""
        with open(self.console, "ab") as console:
            console.write(f"\n=== vm-lab: boot at {time.strftime('%H:%M:%S')}\n".encode())
            console.flush()
            env = {k: v for k, v in os.environ.items() if k != "TMPDIR"}  # RAM file in /dev/shm
            env["LD_PRELOAD"] = self.lab.uml_preload  # AVX-512/AMX hosts: tests/uml/xstate_preload.c
            process = subprocess.Popen(
                ["ip", "netns", "exec", self.lab.switch, "linux.uml", *self.kernel_command_line()],
                stdin=subprocess.DEVNULL, stdout=console, stderr=subprocess.STDOUT,
                start_new_session=True, env=env, cwd=self.lab.directory)
        self.lab.state.setdefault("pids", {})[self.name] = process.pid
        self.lab.save()

    def kill(self):
        """Pulls the plug: the whole process group of this guest's kernel."""
        pid = self.pid
        if pid and self.running():
            try:
                os.killpg(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            _wait_gone(pid, 10)

    # -- over SSH ----------------------------------------------------------------------------
    def ssh_argv(self, *command, connect_timeout=10, shared=True, quote=True):
        """ssh's argv for COMMAND on this guest.

        quote=True keeps COMMAND an argv (ssh itself joins its words into one line for the guest's
        shell: `sh -c 'a; b'` would lose its quotes); quote=False is ssh's own behaviour (the CLI).
        shared=False bypasses the master connection."""
        options = [] if shared else ["-o", "ControlPath=none"]
        line = [shlex.join(command)] if quote else list(command)
        return ["ssh", "-F", str(self.lab.ssh_config), "-o", f"ConnectTimeout={connect_timeout}", *options,
                self.name, "--", *line]

    def ssh(self, *command, check=True, timeout=120):
        """Runs the argv COMMAND on the guest as root; the completed process (stdout, stderr as text)."""
        result = subprocess.run(self.ssh_argv(*command), capture_output=True, text=True, timeout=timeout, check=False)
        if check and result.returncode != 0:
            raise LabError(f"{self.name}: {' '.join(command)} failed ({result.returncode}): "
                           f"{(result.stderr or result.stdout).strip()}")
        return result

    def forget_connection(self):
        """Closes the SSH master connection (it would outlive the guest's kernel)."""
        subprocess.run(["ssh", "-F", self.lab.ssh_config, "-O", "exit", self.name],
                       capture_output=True, timeout=10, check=False)

    def wait_for_ssh(self, since):
        deadline = since + SSH_TIMEOUT
        while time.monotonic() < deadline:
            # UML re-executes itself while it starts, so one look can miss it: believe "stopped" only twice
            if not self.running() and (time.sleep(1.5) or not self.running()):
                raise LabError(f"{self.name}: its kernel stopped while booting; see {self.console}")
            try:
                if self.ssh("true", check=False, timeout=20).returncode == 0:
                    return time.monotonic() - since
            except subprocess.TimeoutExpired:
                pass
            time.sleep(1)
        raise LabError(f"{self.name}: no SSH answer within {SSH_TIMEOUT:.0f} s; see {self.console}")

    def power_off(self):
        """A clean halt (systemd stops every unit and unmounts the disk), then the kernel exits.

        Falls back to UML's management console: sync and remount read-only (sysrq s, u), then halt."""
        if self.running():
            # a connection of its own: a master connection left by a busy Ansible run may be stuck
            asked = subprocess.run(self.ssh_argv("systemctl", "poweroff", "--no-block", shared=False),
                                   capture_output=True, text=True, timeout=60, check=False)
            self.forget_connection()
            # ssh may say nothing back (255): a network stack that takes the management NIC down as the halt
            # begins (NetworkManager does) cuts the connection before the answer; the kernel exiting is the answer
            if not _wait_gone(self.pid, HALT_TIMEOUT if asked.returncode in (0, 255) else 5):
                print(f"vm-lab: {self.name} did not halt within {HALT_TIMEOUT} s ({asked.stderr.strip()}); "
                      "syncing its disk and halting it from its management console", file=sys.stderr)
                console = self.lab.directory / self.name / "mconsole"
                for command in ("sysrq s", "sysrq u", "halt"):
                    try:
                        subprocess.run(["uml_mconsole", str(console), *command.split()], capture_output=True,
                                       timeout=30, check=False)
                    except subprocess.TimeoutExpired:  # the kernel exited meanwhile
                        break
                if not _wait_gone(self.pid, 20):
                    self.kill()
        self.forget_connection()


def _gone(pid):
    """The process has exited (reaped here when this process started it, as a test session does)."""
    try:
        if os.waitpid(pid, os.WNOHANG)[0] == pid:
            return True
    except ChildProcessError:
        pass  # not our child: whoever started it, or init, reaps it
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] == "Z"
    except OSError:
        return True


def _wait_gone(pid, timeout):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if _gone(pid):
            return True
        time.sleep(0.2)
    return False


class Lab:
    def __init__(self, name="vml"):
        if not NAME_PATTERN.match(name):
            raise LabError(f"lab name {name!r} is not usable: it must start with 'vml' and have at most 7 more "
                           "lowercase letters or digits (it prefixes every lab object), e.g. 'vml' or 'vmlmol'")
        self.name = name
        self.switch = f"{name}-sw"
        self.directory = Path(f"/tmp/{name}")
        self.state_file = self.directory / "state.json"
        self.ssh_config = self.directory / "ssh_config"
        self.known_hosts = self.directory / "known_hosts"
        self.inventory_file = self.directory / "inventory.yml"
        self.state = json.loads(self.state_file.read_text()) if self.state_file.exists() else {}
        self._images = {}
        self._preload = None

    @property
    def uml_preload(self):
        if self._preload is None:
            self._preload = _run(Path(__file__).resolve().parent.parent / "uml" / "preload").stdout.strip()
        return self._preload

    @property
    def variants(self):
        """Each guest's image variant, in guest order."""
        return self.state.get("variants") or ["base"] * self.state.get("guests", 0)

    def image_of(self, variant):
        if variant not in self._images:
            # the image the guests were booted from (their COW layers sit on it), else the current recipe's
            booted_from = self.state.get("images", {}).get(variant)
            self._images[variant] = image.Image(booted_from) if booted_from and Path(booted_from).is_dir() \
                else image.ensure_image(variant=variant)
        return self._images[variant]

    @property
    def image(self):
        """The first guest's image (a lab of one variant: every guest's)."""
        return self.image_of(self.variants[0] if self.variants else "base")

    @property
    def guests(self):
        return [Guest(self, n) for n in range(1, self.state.get("guests", 0) + 1)]

    def guest(self, name):
        for guest in self.guests:
            if name in (guest.name, f"g{guest.number}", str(guest.number)):
                return guest
        known = ", ".join(g.name for g in self.guests) or "none: run 'scripts/vm-lab up' first"
        raise LabError(f"no guest {name!r} in lab {self.name} (guests: {known})")

    def save(self):
        self.state_file.write_text(json.dumps(self.state, indent=2) + "\n")

    # -- up ------------------------------------------------------------------------------------
    def up(self, count=2, variant="base"):
        """Boots `count` guests (the lab is made first when it is not there), waits for SSH. `variant`: the image
        variant of every guest, or a list of one per guest (a mixed lab: a NetworkManager guest beside others)."""
        if not 1 <= count <= MAX_GUESTS:
            raise LabError(f"guest count {count} is out of range: give 1 to {MAX_GUESTS}")
        variants = [variant] * count if isinstance(variant, str) else list(variant)
        if len(variants) != count:
            raise LabError(f"{len(variants)} image variants ({','.join(variants)}) for {count} guests: give one, "
                           "or one per guest")
        for name in variants:
            image.check_variant(name)
        if self.state.get("guests", count) != count or self.state.get("variants", variants) != variants:
            raise LabError(f"lab {self.name} is up with {self.state['guests']} guests "
                           f"({','.join(self.variants)}); run 'scripts/vm-lab down' first to have "
                           f"{count} ({','.join(variants)})")
        self.directory.mkdir(mode=0o700, exist_ok=True)
        build_start = time.monotonic()
        self.state.update(variants=variants, guests=count,
                          images={name: str(self.image_of(name).directory) for name in sorted(set(variants))})
        self.state.setdefault("timings", {})["image_seconds"] = round(time.monotonic() - build_start, 1)
        self.save()
        self._write_ssh_files()
        self._make_switch()
        start = time.monotonic()
        booting = [g for g in self.guests if not g.running()]
        for guest in booting:
            self._wire(guest)
            guest.start()
        boot = {}
        for guest in booting:
            boot[guest.name] = round(guest.wait_for_ssh(start), 1)
        self.state["timings"]["boot_to_ssh_seconds"] = boot
        self.save()
        self._write_inventory()
        return boot

    def _make_switch(self):
        if _run("ip", "netns", "list").stdout.split().count(self.switch):
            return
        _run("ip", "netns", "add", self.switch)
        sh = ["ip", "-n", self.switch]
        _run(*sh, "link", "set", "lo", "up")
        _run("ip", "netns", "exec", self.switch, "sysctl", "-q", "-w", "net.ipv6.conf.all.disable_ipv6=1",
             "net.ipv6.conf.default.disable_ipv6=1")
        _run(*sh, "link", "add", "br0", "type", "bridge")  # no VLAN filtering: a trunk
        _run(*sh, "link", "add", "mgmt", "type", "bridge")
        _run(*sh, "addr", "add", f"{MGMT_GATEWAY}/24", "dev", "mgmt")
        for bridge in ("br0", "mgmt"):
            _run(*sh, "link", "set", bridge, "up")

    def _wire(self, guest):
        """The guest's two NICs: tap devices in the switch namespace, ports of their bridges.

        Tap, not a veth with UML's raw socket: a packet socket gets received frames with the 802.1Q tag
        taken off (the kernel keeps it aside), so a guest on a raw socket never sees its VLANs; a tap
        hands the guest each frame as it was on the wire."""
        sh = ["ip", "-n", self.switch]
        for tap, bridge in ((guest.data_wire, "br0"), (guest.mgmt_wire, "mgmt")):
            if _run(*sh, "link", "show", tap, check=False).returncode != 0:
                _run(*sh, "tuntap", "add", "dev", tap, "mode", "tap")
            _run(*sh, "link", "set", tap, "master", bridge, "up")

    def _write_ssh_files(self):
        (self.directory / "cp").mkdir(mode=0o700, exist_ok=True)
        # every guest of one image has that image's host key and takes that image's lab key
        self.known_hosts.write_text("".join(
            f"{self.name}-{name} {' '.join(self.image_of(name).host_key.read_text().split()[:2])}\n"
            for name in sorted(set(self.variants))))
        lines = ["# The VM lab's guests (scripts/vm-lab): ssh -F this-file GUEST"]
        for guest in self.guests:
            # by name (ssh, scripts/vm-lab) and by address (Ansible connects to the inventory's ansible_host)
            lines += [f"Host {guest.name} {guest.address}", f"  HostName {guest.address}", f"  IdentityFile {guest.image.key}",
                      f"  HostKeyAlias {self.name}-{guest.variant}"]
        lines += [
            "Host *",
            "  User root",
            "  IdentitiesOnly yes",
            f"  UserKnownHostsFile {self.known_hosts}",
            "  StrictHostKeyChecking yes",
            f"  ProxyCommand ip netns exec {self.switch} socat STDIO TCP:%h:%p,connect-timeout=5",
            "  ControlMaster auto",
            "  ControlPersist 120s",
            f"  ControlPath {self.directory}/cp/%C",
            "  BatchMode yes",
            "  LogLevel ERROR",
            "  ServerAliveInterval 10",
            "  ServerAliveCountMax 3",
        ]
        self.ssh_config.write_text("\n".join(lines) + "\n")

    def _write_inventory(self):
        # each guest's image variant is a host variable (vm_lab_image) and a group (vm_lab_<variant>)
        hosts = "".join(f"        {g.name}:\n          ansible_host: {g.address}\n"
                        f"          ansible_ssh_private_key_file: {g.image.key}\n"
                        f"          vm_lab_image: {g.variant}\n" for g in self.guests)
        groups = "".join(f"    vm_lab_{name}:\n      hosts:\n" +
                         "".join(f"        {g.name}:\n" for g in self.guests if g.variant == name)
                         for name in sorted(set(self.variants)))
        self.inventory_file.write_text(
            "# The VM lab's guests, written by scripts/vm-lab up: ansible-playbook -i this-file PLAYBOOK\n"
            "all:\n  children:\n" + groups + "    vm_lab:\n      hosts:\n" + hosts +
            "      vars:\n"
            "        ansible_connection: ssh\n"
            "        ansible_user: root\n"
            f"        ansible_ssh_common_args: -F {self.ssh_config}\n"
            f"        ansible_control_path_dir: {self.directory}/cp\n"
            "        ansible_ssh_pipelining: true\n"
            "        ansible_python_interpreter: /usr/bin/python3\n")

    # -- the other commands ------------------------------------------------------------------
    def molecule_instances(self, platforms):
        """Molecule's instance config for a scenario whose PLATFORMS are this lab's guests, in order."""
        names = [guest.name for guest in self.guests]
        if list(platforms) != names:
            raise LabError(f"the platforms of this scenario must be named {', '.join(names) or '(no guests)'} "
                           f"(the lab {self.name}'s guests, in order), not {', '.join(platforms)}")
        return [{"instance": guest.name, "address": guest.address, "port": 22, "user": "root",
                 "identity_file": str(guest.image.key)} for guest in self.guests]

    def reboot(self, name):
        """A power cycle: the guest halts, its kernel exits, a new kernel boots from its disk layer."""
        guest = self.guest(name)
        start = time.monotonic()
        guest.power_off()
        halted = time.monotonic() - start
        guest.start()
        booted = guest.wait_for_ssh(time.monotonic())
        return {"halt_seconds": round(halted, 1), "boot_to_ssh_seconds": round(booted, 1),
                "total_seconds": round(time.monotonic() - start, 1)}

    def status(self):
        lines = []
        for guest in self.guests:
            if not guest.running():
                lines.append(f"{guest.name} stopped")
                continue
            answer = guest.ssh("systemctl", "is-system-running", check=False, timeout=30)
            system = answer.stdout.strip() or f"no ssh answer ({answer.stderr.strip()})"
            lines.append(f"{guest.name} running pid={guest.pid} address={guest.address} systemd={system}")
        return lines

    def down(self):
        """Removes everything of this lab: kernels, SSH masters, the switch namespace, /tmp/<name>."""
        for guest in self.guests:
            guest.kill()
        # SSH masters live in the root namespace; their proxies (socat) in the switch namespace.
        if (self.directory / "cp").is_dir():
            for socket in (self.directory / "cp").iterdir():
                subprocess.run(["ssh", "-o", f"ControlPath={socket}", "-O", "exit", "lab"],
                               capture_output=True, timeout=10, check=False)
        if self.switch in _run("ip", "netns", "list").stdout.split():
            # whatever still runs in our namespace is ours (a kernel not in state.json, a proxy)
            for pid in _run("ip", "netns", "pids", self.switch, check=False).stdout.split():
                try:
                    os.kill(int(pid), signal.SIGKILL)
                except ProcessLookupError:
                    pass
            for pid in _run("ip", "netns", "pids", self.switch, check=False).stdout.split():
                _wait_gone(int(pid), 10)
            _run("ip", "netns", "delete", self.switch)
        shutil.rmtree(self.directory, ignore_errors=True)
        self.state = {}


USAGE = """usage: scripts/vm-lab [--lab NAME] COMMAND
  up [N] [--image V]  boot N guests (default 2) of image variant V (base, docker, nm), or V1,V2,... one per
                      guest (a mixed lab); returns when SSH answers on all of them
  inventory           print the path of the Ansible inventory (ansible-playbook -i PATH ...)
  ssh GUEST CMD...    run CMD on GUEST (name, gN or N) as root
  reboot GUEST        power cycle: halt, boot again from the guest's own disk; returns when SSH answers
  status              one line per guest, its name first
  down                remove the lab: kernels, namespace, links, /tmp/NAME
  image [V]           build (or find) the cached guest image (variant V, default base) and print its directory
  layout KIND         per guest, as JSON, what a scenario of KIND (macvlan, ipvlan, vlan) puts on it
  instances FILE PLATFORM...  write Molecule's instance config for a scenario whose platforms are the guests
NAME (default vml, or $VM_LAB_NAME) prefixes every lab object: namespace NAME-sw, /tmp/NAME, guests NAME-gN."""


def main(argv):
    name = os.environ.get("VM_LAB_NAME", "vml")
    if argv[:1] == ["--lab"] and len(argv) > 1:
        name, argv = argv[1], argv[2:]
    if not argv or argv[0] in ("-h", "--help"):
        print(USAGE)
        return 0 if argv else 2
    command, args = argv[0], argv[1:]
    try:
        lab = Lab(name)
        variant = "base"
        if command == "up" and "--image" in args[:-1]:
            at = args.index("--image")
            variant, args = args[at + 1], args[:at] + args[at + 2:]
        if command == "up" and len(args) <= 1:
            variants = variant.split(",")
            boot = lab.up(int(args[0]) if args else len(variants) if len(variants) > 1 else 2,
                          variants[0] if len(variants) == 1 else variants)
            for guest, seconds in boot.items():
                print(f"vm-lab: {guest} answers SSH after {seconds} s")
            print(f"vm-lab: inventory {lab.inventory_file}")
        elif command == "inventory" and not args:
            if not lab.inventory_file.exists():
                raise LabError(f"lab {lab.name} is not up: run 'scripts/vm-lab up' first")
            print(lab.inventory_file)
        elif command == "ssh" and len(args) >= 2:
            guest = lab.guest(args[0])
            return subprocess.run(guest.ssh_argv(*args[1:], quote=False), check=False).returncode  # as ssh does
        elif command == "reboot" and len(args) == 1:
            times = lab.reboot(args[0])
            print(f"vm-lab: {args[0]} rebooted: halted in {times['halt_seconds']} s, SSH again after "
                  f"{times['boot_to_ssh_seconds']} s ({times['total_seconds']} s in all)")
        elif command == "status" and not args:
            print("\n".join(lab.status()) or f"lab {lab.name}: no guests")
        elif command == "down" and not args:
            lab.down()
        elif command == "instances" and len(args) >= 2:
            # JSON is YAML: Molecule reads the file as it is
            Path(args[0]).write_text(json.dumps(lab.molecule_instances(args[1:]), indent=2) + "\n")
            os.chmod(args[0], 0o600)
        elif command == "layout" and len(args) == 1:
            print(json.dumps(layout.vm_lab_guests(lab.name, args[0], [(g.number, g.name) for g in lab.guests])))
        elif command == "image" and len(args) <= 1:
            built = image.ensure_image(variant=args[0] if args else "base")
            print(built.directory)
            print(json.dumps(built.build_info))
        else:
            print(USAGE, file=sys.stderr)
            return 2
    except (LabError, image.ImageError, ValueError) as error:
        print(f"vm-lab: {error}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
