"""The VM lab's guest image: a Debian 12 root filesystem built from Debian's packages with mmdebstrap.

The image is built once and cached under CACHE_ROOT/<recipe hash>/ (CACHE_ROOT/<variant>-<recipe hash>/
for a variant); the hash covers this file (the recipe: packages, guest configuration, build steps, the
variants), the variant, the UML kernel's version (its modules are copied in) and the apt sources, so any
change to them builds a new image. A variant is the base image plus what VARIANTS adds (a Docker host:
Debian's docker.io, started by systemd). The cache directory holds:

    root.img          ext4 image of the root filesystem (guests boot it read-only, through a COW file)
    id_ed25519[.pub]  the lab's SSH key (root's authorized key in the image)
    host_key.pub      the guests' SSH host key (all guests share the image's), for known_hosts
    build.json        how long the build took, when, and what went in
"""

import fcntl
import hashlib
import json
import os
import re
import shutil
import subprocess
import time
from pathlib import Path

CACHE_ROOT = Path(os.environ.get("VM_LAB_CACHE", "/var/cache/underlay-vm-lab"))
UML_MODULES = Path("/usr/lib/uml/modules")
SUITE = "bookworm"
# What a target host of this collection has: systemd as PID 1, an SSH server, the distro's Python and
# pyroute2 (0.7), iproute2, ping, kmod; dbus and procps so systemctl/ps behave as on any server.
PACKAGES = [
    "systemd-sysv", "udev", "dbus", "openssh-server", "python3", "python3-pyroute2",
    "iproute2", "iputils-ping", "kmod", "procps",
]
IMAGE_SIZE = "2G"  # sparse; the root filesystem uses about 300 MB of it

# Files written into the guest (path -> content). The guest's NICs: vec0 is the data NIC, renamed
# eth0 (the parent of the scenarios' macvlan/ipvlan/VLAN children, left to them: networkd does not
# manage it); vec1 is the management NIC mgmt0, configured by systemd-networkd from the kernel
# command line's ip= (systemd-network-generator), which carries each guest's own address.
GUEST_FILES = {
    "etc/systemd/network/10-vml-data.link": "[Match]\nOriginalName=vec0\n\n[Link]\nName=eth0\n",
    "etc/systemd/network/10-vml-mgmt.link": "[Match]\nOriginalName=vec1\n\n[Link]\nName=mgmt0\n",
    "etc/fstab": "/dev/ubda / ext4 rw,noatime 0 1\n",
    "etc/hostname": "vm-lab\n",  # systemd.hostname= on the command line names each guest
    # A lab guest halts in seconds: no unit (nor the final kill of what remains) waits 90 s.
    "etc/systemd/system.conf.d/vm-lab.conf": "[Manager]\nDefaultTimeoutStopSec=10s\n",
    "etc/ssh/sshd_config.d/vm-lab.conf": "PermitRootLogin prohibit-password\nPasswordAuthentication no\nUseDNS no\n",
    # The console is the lab's log file, not a terminal: no getty on it.
    "etc/systemd/system/getty@.service": None,
    "etc/systemd/system/serial-getty@.service": None,
    "etc/systemd/system/console-getty.service": None,
    # Boot faster and quieter: nothing here needs these on a lab guest.
    "etc/systemd/system/apt-daily.timer": None,
    "etc/systemd/system/apt-daily-upgrade.timer": None,
    "etc/systemd/system/e2scrub_all.timer": None,
    "etc/systemd/system/fstrim.timer": None,
}
ENABLE_UNITS = ["systemd-networkd.service", "systemd-network-generator.service", "ssh.service"]

# The nm variant's management profile: the guest's address from ip=ADDRESS:... of the kernel command line, in
# the keyfile NetworkManager reads when it starts (root's, 0600, or NetworkManager refuses it).
NM_MGMT_PROFILE = r"""#!/bin/sh
set -eu
address=
for word in $(cat /proc/cmdline); do
  case $word in ip=*) address=${word#ip=}; address=${address%%:*} ;; esac
done
[ -n "$address" ] || exit 0
umask 077
file=/etc/NetworkManager/system-connections/mgmt0.nmconnection
{
  printf '[connection]\nid=mgmt0\nuuid=2f4b8e1c-6a1d-4c55-8d0e-3c2b9a7f6e10\ntype=ethernet\ninterface-name=mgmt0\n\n'
  printf '[ethernet]\n\n[ipv4]\nmethod=manual\naddress1=%s/24\n\n[ipv6]\nmethod=disabled\n' "$address"
} > "$file.new"
mv "$file.new" "$file"
"""

# What each variant adds to the base image: packages, files, units to enable, and the memory a guest needs.
# docker: Debian's docker.io (dockerd, containerd, runc) started by systemd, as on any Docker host, with
# busybox-static for a container image made offline. vfs storage (no overlay on the guest's root), and no
# docker0, iptables or masquerading: the lab's guests route nothing, and UML has no netfilter tables loaded.
VARIANTS = {
    "base": {"packages": [], "files": {}, "enable": [], "memory": None},
    "docker": {
        "packages": ["docker.io", "busybox-static"],
        "files": {"etc/docker/daemon.json": json.dumps({
            "storage-driver": "vfs", "bridge": "none", "iptables": False, "ip6tables": False, "ip-masq": False,
            "log-driver": "local"}, indent=2) + "\n"},
        "enable": ["docker.service", "containerd.service"],
        "memory": "768M",
    },
    # nm: a NetworkManager host, as the RHEL family and desktops are: Debian's network-manager (1.42) owns
    # mgmt0 and eth0 through keyfile profiles, as an installer leaves them, and systemd-networkd is off (udev
    # still names the NICs from the .link files). The management profile carries each guest's own address:
    # a unit before NetworkManager writes it from the kernel command line's ip=.
    "nm": {
        "packages": ["network-manager"],
        "files": {
            "etc/NetworkManager/system-connections/eth0.nmconnection": (
                "[connection]\nid=eth0\nuuid=5d0a1a57-3b5e-4a4c-9a1e-0e7e0c0ff1e0\ntype=ethernet\n"
                "interface-name=eth0\nautoconnect=true\n\n[ethernet]\n\n"
                "[ipv4]\nmethod=disabled\n\n[ipv6]\naddr-gen-mode=eui64\nmethod=link-local\n", 0o600),
            "usr/local/sbin/vm-lab-mgmt-profile": (NM_MGMT_PROFILE, 0o755),
            "etc/systemd/system/vm-lab-mgmt-profile.service": (
                "[Unit]\nDescription=VM lab: mgmt0's NetworkManager profile from the kernel command line\n"
                "Before=NetworkManager.service\n\n[Service]\nType=oneshot\n"
                "ExecStart=/usr/local/sbin/vm-lab-mgmt-profile\n\n[Install]\nWantedBy=NetworkManager.service\n",
                0o644),
        },
        "enable": ["NetworkManager.service", "vm-lab-mgmt-profile.service"],
        "disable": ["systemd-networkd.service", "systemd-networkd.socket", "systemd-network-generator.service",
                    "systemd-networkd-wait-online.service"],
        "memory": None,
    },
}


class ImageError(RuntimeError):
    pass


def apt_sources():
    """Debian's bookworm entries of this machine's apt sources, as one-line sources for mmdebstrap.

    Only the URIs come from the machine (its mirror); suites and components are the recipe's.
    """
    uris = {}
    for path in sorted(Path("/etc/apt/sources.list.d").glob("*.sources")):
        for stanza in path.read_text().split("\n\n"):
            fields = dict(re.findall(r"^(\S+):\s*(.*)$", stanza, re.M))
            for suite in fields.get("Suites", "").split():
                if suite.startswith(SUITE):
                    uris.setdefault(suite, fields.get("URIs", "").split()[0])
    legacy = Path("/etc/apt/sources.list")
    if legacy.exists():
        for uri, suite in re.findall(r"^deb\s+(?:\[[^]]*\]\s+)?(\S+)\s+(\S+)", legacy.read_text(), re.M):
            if suite.startswith(SUITE):
                uris.setdefault(suite, uri)
    if SUITE not in uris:
        raise ImageError(f"no apt source for Debian {SUITE} in /etc/apt: add one (URIs: a Debian mirror)")
    return [f"deb {uri} {suite} main" for suite, uri in sorted(uris.items())]


def uml_kernel_version():
    versions = sorted(p.name for p in UML_MODULES.iterdir()) if UML_MODULES.is_dir() else []
    if len(versions) != 1:
        raise ImageError(f"expected one UML kernel under {UML_MODULES}, found {versions or 'none'}: "
                         "install user-mode-linux (scripts/bootstrap)")
    return versions[0]


def recipe_hash(variant="base"):
    digest = hashlib.sha256(Path(__file__).read_bytes())
    digest.update(json.dumps([uml_kernel_version(), apt_sources()] + ([variant] if variant != "base" else [])).encode())
    return digest.hexdigest()[:16]


def check_variant(variant):
    if variant not in VARIANTS:
        raise ImageError(f"no image variant {variant!r}: the variants are {', '.join(VARIANTS)}")
    return variant


class Image:
    """A built image in the cache (see the module's docstring for its files)."""

    def __init__(self, directory):
        self.directory = Path(directory)
        self.root_img = self.directory / "root.img"
        self.key = self.directory / "id_ed25519"
        self.host_key = self.directory / "host_key.pub"
        self.build_info = json.loads((self.directory / "build.json").read_text())


def ensure_image(log=print, variant="base"):
    """The cached image of the current recipe (and `variant`), built first when there is none (under a lock)."""
    CACHE_ROOT.mkdir(parents=True, exist_ok=True)
    check_variant(variant)
    target = CACHE_ROOT / (recipe_hash(variant) if variant == "base" else f"{variant}-{recipe_hash(variant)}")
    with open(CACHE_ROOT / ".lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # another lab may be building the same image right now
        if not (target / "build.json").exists():
            _build(target, log, variant)
    return Image(target)


def _run(*argv, **kwargs):
    result = subprocess.run(argv, capture_output=True, text=True, **kwargs, check=False)
    if result.returncode != 0:
        raise ImageError(f"{' '.join(map(str, argv))} failed ({result.returncode}): "
                         f"{(result.stderr or result.stdout).strip()[-2000:]}")
    return result.stdout


def _build(target, log, variant="base"):
    work = target.with_name(target.name + f".build-{os.getpid()}")
    shutil.rmtree(work, ignore_errors=True)
    rootfs = work / "rootfs"
    work.mkdir()
    try:
        start = time.monotonic()
        packages = PACKAGES + VARIANTS[variant]["packages"]
        log(f"vm-lab: building the guest image {target.name} (mmdebstrap {SUITE}, about a minute)")
        _run("mmdebstrap", "--variant=minbase", "--include=" + ",".join(packages), "--quiet",
             SUITE, str(rootfs), *apt_sources())
        debootstrap_s = time.monotonic() - start
        _configure(rootfs, work, variant)
        _run("mkfs.ext4", "-q", "-L", "vm-lab-root", "-d", str(rootfs), str(work / "root.img"), IMAGE_SIZE)
        shutil.rmtree(rootfs)
        info = {"recipe": target.name, "built": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
                "mmdebstrap_seconds": round(debootstrap_s, 1),
                "build_seconds": round(time.monotonic() - start, 1),
                "kernel": uml_kernel_version(), "packages": packages, "sources": apt_sources(), "variant": variant,
                "memory": VARIANTS[variant]["memory"]}
        (work / "build.json").write_text(json.dumps(info, indent=2) + "\n")
        os.replace(work, target)
        log(f"vm-lab: image built in {info['build_seconds']} s (mmdebstrap {info['mmdebstrap_seconds']} s)")
    finally:
        shutil.rmtree(work, ignore_errors=True)


def _configure(rootfs, work, variant="base"):
    kernel = uml_kernel_version()
    shutil.copytree(UML_MODULES / kernel, rootfs / "lib/modules" / kernel, symlinks=True)
    for relative, content in {**GUEST_FILES, **VARIANTS[variant]["files"]}.items():
        path = rootfs / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        if content is None:  # masked unit
            path.unlink(missing_ok=True)
            path.symlink_to("/dev/null")
            continue
        content, mode = content if isinstance(content, tuple) else (content, 0o644)  # (text, mode) where it matters
        path.write_text(content)
        os.chmod(path, mode)
    _run("systemctl", f"--root={rootfs}", "enable", *ENABLE_UNITS, *VARIANTS[variant]["enable"])
    if VARIANTS[variant].get("disable"):
        _run("systemctl", f"--root={rootfs}", "disable", *VARIANTS[variant]["disable"])
    # The lab's key: root logs in with it (and only with it).
    _run("ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", "underlay-vm-lab", "-f", str(work / "id_ed25519"))
    ssh_dir = rootfs / "root/.ssh"
    ssh_dir.mkdir(mode=0o700, exist_ok=True)
    shutil.copyfile(work / "id_ed25519.pub", ssh_dir / "authorized_keys")
    os.chmod(ssh_dir / "authorized_keys", 0o600)
    shutil.copyfile(rootfs / "etc/ssh/ssh_host_ed25519_key.pub", work / "host_key.pub")
    # /etc/machine-id stays empty (as mmdebstrap leaves it): each guest makes its own at first boot and
    # systemd-machine-id-commit keeps it in the guest's own disk layer.
