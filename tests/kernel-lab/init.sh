#!/usr/bin/env bash
# Copyright: (c) 2026, underlay.network contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
# PID 1 of the User-Mode Linux kernel started by tests/kernel-lab/run.
#
# The root filesystem is the host's own (hostfs): every write outside the tmpfs
# mounts made here lands on the host's real files.  The only host path written
# is $UNDERLAY_LAB_DIR (the run script's mktemp dir, which it removes).
#
# The kernel hands unknown "key=value" boot parameters to init as environment,
# which is how UNDERLAY_LAB_DIR arrives.  The caller's environment, command and
# terminal facts come from "$UNDERLAY_LAB_DIR/{env,settings}" (written by run).
export PATH=/usr/sbin:/usr/bin:/sbin:/bin
lab=${UNDERLAY_LAB_DIR:?UNDERLAY_LAB_DIR not set on the kernel command line}

halt_now() {
    sync  # hostfs caches writes in the guest's page cache: flush them to the host
    echo 0 >/proc/sys/kernel/printk 2>/dev/null  # no "reboot: System halted"
    poweroff -f >/dev/null 2>&1 || halt -f >/dev/null 2>&1
    echo o >/proc/sysrq-trigger
}
die() { echo "kernel-lab init: $*" >&2; halt_now; }

{ mount -t proc proc /proc && mount -t sysfs sysfs /sys; } || die "cannot mount proc/sys"
mount -t tmpfs -o mode=755 tmpfs /run || die "cannot mount /run"  # keeps /run/netns in UML
# /dev is the kernel's devtmpfs (guest memory); add what userspace expects there.
mkdir -p /dev/shm /dev/pts
mount -t tmpfs -o mode=1777 tmpfs /dev/shm && mount -t devpts devpts /dev/pts
ln -sf /proc/self/fd /dev/fd
ln -sf fd/0 /dev/stdin && ln -sf fd/1 /dev/stdout && ln -sf fd/2 /dev/stderr

# Keep a handle on the host's /tmp before hiding it under a tmpfs: the lab dir,
# and perhaps the caller's working directory, live there.
mkdir -p /run/lab /run/host-tmp
{ mount --bind "$lab" /run/lab && mount --bind /tmp /run/host-tmp; } || die "cannot bind $lab"
lab=/run/lab
mount -t tmpfs -o mode=1777 tmpfs /tmp || die "cannot mount /tmp"

lab_pwd=/ lab_modules='' lab_tty_in='' lab_tty_out='' lab_tty_err='' lab_tty_size=''
# shellcheck source=/dev/null
. "$lab/settings" || die "cannot read $lab/settings"
case $lab_pwd/ in /tmp/*)  # the caller works under /tmp: show the host's copy of that dir
    mkdir -p "$lab_pwd" && mount --bind "/run/host-tmp/${lab_pwd#/tmp/}" "$lab_pwd" ;;
esac

# Modules: modprobe only looks in /lib/modules/$(uname -r) (= /usr/lib/modules,
# absent on the host).  Overlay /usr/lib with a tmpfs upper layer so that
# directory can exist inside UML only; the overlay module itself is insmod-ed
# by path since modprobe cannot find anything yet.
kver=$(uname -r)
mods=/usr/lib/uml/modules/$kver
insmod "$mods/kernel/fs/overlayfs/overlay.ko" || die "cannot load overlay.ko"
mkdir -p /run/ovl/upper /run/ovl/work
mount -t overlay -o lowerdir=/usr/lib,upperdir=/run/ovl/upper,workdir=/run/ovl/work \
    overlay /usr/lib || die "cannot overlay /usr/lib"
mkdir -p /lib/modules
if [ -e "$mods/modules.dep" ]; then
    ln -s "$mods" "/lib/modules/$kver"
else  # symlink farm of real dirs in the tmpfs so depmod writes there, not to the host
    cp -rs "$mods" "/lib/modules/$kver" && depmod "$kver"
fi
# shellcheck disable=SC2086  # word splitting wanted
[ -z "$lab_modules" ] || modprobe -a $lab_modules || die "modprobe failed: $lab_modules"
ip link set lo up

# The console is a tty (con0 -> host stdout, con1 -> host stderr).  Where the
# host side is not a terminal, hand the command a pipe instead (so it does not
# believe it has a terminal) and turn off the \n -> \r\n output translation.
stdin=/dev/null stdout=/dev/console stderr=/dev/tty1 relays=()
if [ "$lab_tty_out" != 1 ]; then
    stty -onlcr </dev/console; mkfifo /run/out; stdout=/run/out
    cat /run/out >/dev/console & relays+=($!)
fi
if [ "$lab_tty_err" != 1 ]; then
    stty -onlcr </dev/tty1; mkfifo /run/err; stderr=/run/err
    cat /run/err >/dev/tty1 & relays+=($!)
fi
[ -z "$lab_tty_size" ] || stty rows "${lab_tty_size% *}" cols "${lab_tty_size#* }" </dev/console
setsid=()
[ "$lab_tty_in" = 1 ] && stdin=/dev/console setsid=(setsid --ctty)  # ^C reaches the command

# Run the command with exactly the caller's environment (env -i drops the
# kernel-provided HOME=/, TERM=linux, mem=...), in the caller's directory.
# shellcheck disable=SC2016  # expanded by the inner bash
"${setsid[@]}" env -i /bin/bash -c '. "$1" && cd "$2" && exec "${lab_cmd[@]}"' kernel-lab \
    "$lab/env" "$lab_pwd" <"$stdin" >"$stdout" 2>"$stderr"
echo "$?" >"$lab/rc"
if [ ${#relays[@]} -gt 0 ]; then  # let the relays drain, but processes the
    { sleep 2; kill "${relays[@]}"; } 2>/dev/null &  # command left running may
    wait "${relays[@]}"                              # hold the pipes open
fi
halt_now
