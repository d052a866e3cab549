#!/usr/bin/env bash
# Copyright: (c) 2026, underlay.network contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
# Self-test of the kernel lab: tests/kernel-lab/selftest.sh (as root).
# Proves that tests/kernel-lab/run boots a 6.1 kernel with loadable modules,
# that ipvlan/vlan/dummy links and a netns work inside, that the exit status,
# stdin-less runs and the timeout behave, and that nothing leaks to the host.
set -uo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd -P)
run=$here/run
fails=0
ok() { echo "ok - $*"; }
fail() { echo "FAIL - $*"; fails=$((fails + 1)); }
check() { if [ $? = 0 ]; then ok "$1"; else fail "$1"; fi; }  # on the last status

host_state() {  # what the lab must never change on the host
    ls -a /lib/modules /usr/lib/modules ~/.uml 2>&1
    ls -a "/usr/lib/uml/modules/$(/usr/bin/linux.uml --version 2>/dev/null)"
    ls -d /tmp/klab-canary 2>&1
}
before=$(host_state) tmp_before=$(ls -a /tmp) netns_before=$(ip netns list) links_before=$(ip -br link)

start=$(date +%s%N)
out=$("$run" -- uname -r </dev/null)
ms=$((($(date +%s%N) - start) / 1000000))
[[ $out =~ ^6\.1\. ]]; check "uname -r inside is 6.1.x ($out)"
echo "# boot + uname -r + power-off: $((ms / 1000)).$(printf %03d $((ms % 1000))) s wall time"

out=$(UNDERLAY_LAB_MODULES='' "$run" -- sh -c \
    'modprobe -a ipvlan 8021q dummy && cut -d" " -f1 /proc/modules | sort | tr "\n" " "' </dev/null)
[[ " $out" == *" 8021q "*" dummy "*" ipvlan "* ]]; check "modprobe -a ipvlan 8021q dummy ($out)"

out=$("$run" -- sh -c 'set -e
    ip link add klab-d0 type dummy
    ip link add link klab-d0 name klab-d0.10 type vlan id 10
    ip link add link klab-d0 name klab-iv0 type ipvlan mode l3
    ip netns add klab-ns && ip link set klab-iv0 netns klab-ns
    ip -n klab-ns -br link show klab-iv0 && ip -br link show klab-d0.10
    echo leak >/tmp/klab-canary' </dev/null 2>&1)
[[ $out == *klab-iv0@*klab-d0.10@klab-d0* ]]; check "dummy, vlan 10, ipvlan l3 and a netns inside"
echo "#   ${out//$'\n'/$'\n'#   }"

"$run" -- sh -c 'exit 7' </dev/null
[ $? = 7 ]; check "exit status 7 propagates"
"$run" -- true <&-; check "runs with stdin closed"
out=$("$run" -- sh -c 'echo out; echo err >&2' </dev/null 2>/dev/null)
[ "$out" = out ]; check "stdout and stderr stay apart, no \\r"

"$run" --timeout 3 -- sleep 60 </dev/null 2>/dev/null
[ $? = 124 ]; check "--timeout 3 on a hung command exits 124"

py=/work/main/.venv/py311/bin/python
[ -x "$py" ] || py=/usr/bin/python3
out=$("$run" -- "$py" -c 'import pyroute2; print(pyroute2.__version__)' </dev/null 2>&1)
check "$py imports pyroute2 inside ($out)"

diff <(echo "$before") <(host_state)
check "nothing left in /lib/modules, ~/.uml, uml modules, /tmp (canary)"
! { ip -br link; ip netns list; } | grep klab-; check "no klab-* link or netns on the host"
# Other processes may change these meanwhile: report, do not fail.
new=$(comm -13 <(echo "$tmp_before") <(ls -a /tmp) | tr '\n' ' ')
[ -z "$new" ] || echo "# note: new in /tmp (other processes? a kernel-lab.* may be another run's): $new"
[ "$netns_before" = "$(ip netns list)" ] || echo "# note: host netns list changed (other processes?)"
[ "$links_before" = "$(ip -br link)" ] || echo "# note: host link list changed (other processes?)"
[ "$fails" = 0 ] && echo "all kernel-lab self-tests passed" || echo "$fails failed"
exit $((fails > 0))
