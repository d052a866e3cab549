# Copyright: (c) 2026, underlay.network contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Which link drivers the running kernel can create, and how (built in, loaded, loadable, missing).

Two sources, in this order:

1. Files: /proc/modules (absent when the kernel has no module support), /sys/module/<m>/initstate
   (a loaded module), /lib/modules/<release>/modules.builtin and modules.dep (or the .ko files
   themselves), /proc/sys/kernel/modules_disabled.
2. A real probe over netlink, in a throwaway namespace (a child process unshares one; it goes with the child): a veth
   pair as parent, then a link of the kind on it. EOPNOTSUPP means the kernel cannot create it
   now. A driver that is a module not loaded yet is NOT probed: creating the link would make the
   kernel load the module itself (request_module), and a facts module must not change anything.

`assess()` is pure given a `KernelFiles` and a prober, so the unit tests drive it with a fake tree.
"""

from __future__ import annotations

import errno
import json
import os
import re
from typing import Callable, NamedTuple

from ansible_collections.underlay.network.plugins.module_utils._common.vocabulary import (
    IPVLAN_FLAGS, IPVLAN_MODES, KERNEL_MODULES, MACVLAN_MODES)
from ansible_collections.underlay.network.plugins.module_utils._kernel import netlink as nl
from ansible_collections.underlay.network.plugins.module_utils._links.kinds import (
    IFLA_IPVLAN_FLAGS, IFLA_IPVLAN_MODE, IFLA_MACVLAN_MODE, IFLA_VLAN_ID)


BUILTIN, LOADED, LOADABLE, MISSING = 'builtin', 'loaded', 'loadable', 'missing'
STATUSES = (BUILTIN, LOADED, LOADABLE, MISSING)


class Driver(NamedTuple):
    """A kernel driver: the link kind it creates, its kernel module (also its name here) and config option."""

    kind: str
    config: str
    min_kernel: str | None = None  # None: no minimum (every kernel this collection runs on has it)
    parent: bool = True  # the probe link needs a parent
    info_data: tuple = ()  # IFLA_INFO_DATA attributes of the probe link

    @property
    def module(self) -> str:
        return KERNEL_MODULES[self.kind]

    @property
    def name(self) -> str:
        """What kernel_drivers and the kernel_modules role call it: its module."""
        return self.module


# the probes' link options, in the kernel's numbers
MACVLAN_MODE_BRIDGE = MACVLAN_MODES['bridge']
IPVLAN_MODE_L2, IPVLAN_MODE_L3S = IPVLAN_MODES['l2'], IPVLAN_MODES['l3s']
IPVLAN_F_PRIVATE = IPVLAN_FLAGS['private']

# the drivers kernel_drivers knows, by module name
KERNEL_DRIVERS = {driver.name: driver for driver in (
    Driver('macvlan', 'CONFIG_MACVLAN', '2.6.23', info_data=(nl.u32(IFLA_MACVLAN_MODE, MACVLAN_MODE_BRIDGE),)),
    Driver('macvtap', 'CONFIG_MACVTAP', info_data=(nl.u32(IFLA_MACVLAN_MODE, MACVLAN_MODE_BRIDGE),)),
    Driver('ipvlan', 'CONFIG_IPVLAN', '3.19', info_data=(nl.u16(IFLA_IPVLAN_MODE, IPVLAN_MODE_L2),)),
    Driver('ipvtap', 'CONFIG_IPVTAP', info_data=(nl.u16(IFLA_IPVLAN_MODE, IPVLAN_MODE_L2),)),
    Driver('vlan', 'CONFIG_VLAN_8021Q', info_data=(nl.u16(IFLA_VLAN_ID, 10),)),
    Driver('dummy', 'CONFIG_DUMMY', parent=False),
)}
# a link kind whose module has another name is asked for by either ('vlan' or '8021q')
ALIASES = {driver.kind: name for name, driver in KERNEL_DRIVERS.items() if driver.kind != name}
DRIVER_CHOICES = sorted(list(KERNEL_DRIVERS) + list(ALIASES))
# The probe's parent: a veth pair (or a dummy link when only that is at hand).
PARENT_DRIVERS = {
    'veth': Driver('veth', 'CONFIG_VETH', parent=False),
    'dummy': KERNEL_DRIVERS['dummy'],
}


class Feature(NamedTuple):
    """A driver capability that came later than the driver itself."""

    name: str
    driver: str
    min_kernel: str
    title: str
    config: str | None
    info_data: tuple
    check: Callable[[dict], bool] | None = None  # link data -> bool: the kernel kept the attribute (it ignores unknown ones)


def _kept_private_flag(data):
    return IFLA_IPVLAN_FLAGS in data and nl.as_u16(data[IFLA_IPVLAN_FLAGS]) == IPVLAN_F_PRIVATE


FEATURES = {feature.name: feature for feature in (
    Feature('ipvlan_l3s', 'ipvlan', '4.9', 'ipvlan mode l3s', 'CONFIG_IPVLAN_L3S (needs netfilter)',
            (nl.u16(IFLA_IPVLAN_MODE, IPVLAN_MODE_L3S),)),
    Feature('ipvlan_flags', 'ipvlan', '4.15', 'ipvlan flags (bridge/private/vepa)', None,
            (nl.u16(IFLA_IPVLAN_MODE, IPVLAN_MODE_L2), nl.u16(IFLA_IPVLAN_FLAGS, IPVLAN_F_PRIVATE)),
            check=_kept_private_flag),
)}

MINIMUMS = {**{name: driver.min_kernel for name, driver in KERNEL_DRIVERS.items()},
            **{name: feature.min_kernel for name, feature in FEATURES.items()}}


def canonical(name: str) -> str | None:
    """The driver's table name for what the user wrote ('vlan' -> '8021q'); None when unknown."""
    name = ALIASES.get(name, name)
    return name if name in KERNEL_DRIVERS else None


# ---------------------------------------------------------------- versions

def parse_version(release: str | None) -> tuple[int, int, int] | None:
    """'6.18.44-fc-v595' -> (6, 18, 44); '3.10.0-1160.el7.x86_64' -> (3, 10, 0); '4.9' -> (4, 9, 0)."""
    match = re.match(r'(\d+)(?:\.(\d+))?(?:\.(\d+))?', release or '')
    if not match:
        return None
    return tuple(int(part or 0) for part in match.groups())


def version_string(version: tuple | None) -> str | None:
    return '.'.join(str(part) for part in version) if version else None


def below(release: str | None, minimum: str | None) -> bool:
    """True when kernel `release` is older than `minimum` (False when either is unknown)."""
    if minimum is None:
        return False
    version = parse_version(release)
    return version is not None and version < parse_version(minimum)


# ---------------------------------------------------------------- files

def module_key(name: str) -> str:
    """Module names compare with '-' and '_' as the same character, as modprobe does."""
    return name.replace('-', '_')


_KO = re.compile(r'\.ko(\.xz|\.zst|\.gz)?$')


class KernelFiles:
    """What /proc, /sys and /lib/modules say about modules; `root` lets the unit tests use a fake tree."""

    def __init__(self, root: str = '/', release: str | None = None):
        self.root = root
        self.release = release or os.uname()[2]
        self._builtin = None
        self._files = None

    def path(self, *parts: str) -> str:
        return os.path.join(self.root, *parts)

    def _read(self, *parts):
        try:
            with open(self.path(*parts)) as handle:
                return handle.read()
        except OSError:
            return None

    @property
    def modules_dir(self) -> str:
        return self.path('lib', 'modules', self.release)

    def module_support(self) -> bool:
        """The kernel was built with CONFIG_MODULES (it has /proc/modules)."""
        return os.path.exists(self.path('proc', 'modules'))

    def modules_disabled(self) -> bool:
        """kernel.modules_disabled=1: no module can be loaded any more until reboot."""
        return (self._read('proc', 'sys', 'kernel', 'modules_disabled') or '0').strip() == '1'

    def loaded(self, module: str) -> bool:
        """A module is loaded (not built in): /sys/module/<m>/initstate or a /proc/modules line."""
        key = module_key(module)
        if os.path.exists(self.path('sys', 'module', key, 'initstate')):
            return True
        listing = self._read('proc', 'modules') or ''
        return any(module_key(line.split(' ', 1)[0]) == key for line in listing.splitlines())

    def builtin(self, module: str) -> bool:
        """Built into the kernel: listed in modules.builtin, or in /sys/module without initstate."""
        if self._builtin is None:
            listing = self._read('lib', 'modules', self.release, 'modules.builtin') or ''
            self._builtin = {module_key(_KO.sub('', os.path.basename(line.strip())))
                             for line in listing.splitlines() if line.strip()}
        key = module_key(module)
        if key in self._builtin:
            return True
        directory = self.path('sys', 'module', key)
        return os.path.isdir(directory) and not os.path.exists(os.path.join(directory, 'initstate'))

    def module_file(self, module: str) -> str | None:
        """Path of the module's .ko under /lib/modules/<release> (from modules.dep, else a walk), or None."""
        if self._files is None:
            self._files = {}
            listing = self._read('lib', 'modules', self.release, 'modules.dep')
            if listing is not None:
                paths = [line.split(':', 1)[0] for line in listing.splitlines() if ':' in line]
            else:
                paths = []
                for directory, _dirs, files in os.walk(self.modules_dir):
                    paths.extend(os.path.relpath(os.path.join(directory, name), self.modules_dir)
                                 for name in files if _KO.search(name))
            for path in paths:
                self._files.setdefault(module_key(_KO.sub('', os.path.basename(path))), path)
        found = self._files.get(module_key(module))
        return os.path.join('/lib/modules', self.release, found) if found else None

    def status(self, module: str) -> tuple[str | None, str]:
        """(status, detail): builtin/loaded/loadable from the files, or None when only a probe can tell."""
        if self.loaded(module):
            return LOADED, 'module %s is loaded' % module
        if self.builtin(module):
            return BUILTIN, 'built into the kernel'
        if not self.module_support():
            return None, 'the kernel has no module support'
        path = self.module_file(module)
        if path and self.modules_disabled():
            return None, '%s exists but loading modules is disabled (kernel.modules_disabled=1)' % path
        if path:
            return LOADABLE, 'module %s is not loaded; %s can be loaded' % (module, path)
        return None, 'no %s.ko under /lib/modules/%s' % (module, self.release)


# ---------------------------------------------------------------- the probe

class ProbeResult:
    """available: True (created), False (the kernel refused: `code`), None (not probed); detail says why."""

    def __init__(self, available: bool | None, detail: str, code: int | None = None):
        self.available = available
        self.detail = detail
        self.code = code


def create_link_body(name: str, kind: str, parent_index: int | None = None, info_data: tuple = (),
                     peer: str | None = None) -> bytes:
    """RTM_NEWLINK (create, exclusive) body of a probe link: `ip link add [link P] NAME type KIND ...`."""
    attrs = [nl.string(nl.IFLA_IFNAME, name)]
    if parent_index is not None:
        attrs.append(nl.u32(nl.IFLA_LINK, parent_index))
    data = list(info_data)
    if peer is not None:  # veth: the peer is an ifinfomsg followed by its own attributes
        data.append(nl.attr(nl.VETH_INFO_PEER, nl.ifinfo() + nl.string(nl.IFLA_IFNAME, peer)))
    info = [nl.string(nl.IFLA_INFO_KIND, kind)]
    if data:
        info.append(nl.nested(nl.IFLA_INFO_DATA, *data))
    attrs.append(nl.nested(nl.IFLA_LINKINFO, *info))
    return nl.ifinfo() + b''.join(attrs)


def errname(code: int) -> str:
    """'EOPNOTSUPP' for 95 (Python's errno.errorcode says ENOTSUP, the same number on Linux)."""
    return 'EOPNOTSUPP' if code == errno.EOPNOTSUPP else errno.errorcode.get(code, str(code))


def _refusal(code, what, config):
    name = errname(code)
    if code == errno.EOPNOTSUPP:
        return 'the kernel cannot create %s now (EOPNOTSUPP)%s' % (what, '; it needs %s' % config if config else '')
    if code in (errno.EPERM, errno.EACCES):
        return 'not probed: permission denied creating %s (run as root or with CAP_NET_ADMIN)' % what
    return 'the kernel refused %s (%s: %s)' % (what, name, os.strerror(code))


class Prober:
    """Creates links in a throwaway namespace over `sock`; each probe on a parent of its own (ports are per parent)."""

    def __init__(self, parent_driver: str | None, sock):
        self.parent_driver = parent_driver  # 'veth' or 'dummy' or None (no parent possible without loading)
        self._sock = sock
        self._count = 0

    def _name(self, tag):
        self._count += 1
        return 'p%d%s' % (self._count, tag)

    def _create(self, body):
        self._sock.request(nl.RTM_NEWLINK, nl.NLM_F_CREATE | nl.NLM_F_EXCL, body)

    def _index(self, name):
        for link in self._sock.links():
            if link['name'] == name:
                return link
        return None

    def _parent(self):
        name = self._name('a')
        if self.parent_driver == 'veth':
            self._create(create_link_body(name, 'veth', peer=self._name('b')))
        else:
            self._create(create_link_body(name, 'dummy'))
        return self._index(name)['index']

    def probe(self, what: str, kind: str, info_data: tuple, needs_parent: bool, config: str | None = None,
              check: Callable[[dict], bool] | None = None) -> ProbeResult:
        """Try to create `what` (a link of `kind` with `info_data`); a ProbeResult."""
        if needs_parent and self.parent_driver is None:
            return ProbeResult(None, 'not probed: no veth or dummy driver is available without loading a module, '
                                     'so there is no parent to try it on')
        try:
            parent = self._parent() if needs_parent else None
        except nl.NetlinkError as exc:
            return ProbeResult(None, 'not probed: cannot create a %s parent: %s' % (self.parent_driver, exc))
        name = self._name('t')
        try:
            self._create(create_link_body(name, kind, parent, info_data))
        except nl.NetlinkError as exc:
            available = None if exc.code in (errno.EPERM, errno.EACCES) else False
            return ProbeResult(available, _refusal(exc.code, what, config), exc.code)
        if check is not None:
            link = self._index(name)
            if link is None or not check(link['data']):
                return ProbeResult(False, 'the kernel created the link but ignored the attribute: it does not '
                                          'know %s' % what)
        return ProbeResult(True, 'created %s in a throwaway namespace' % what)


# ---------------------------------------------------------------- the assessment

def _version_note(release, minimum, title):
    if below(release, minimum):
        return '%s needs Linux >= %s, this kernel is %s' % (title, minimum, release)
    return None


def _missing_message(driver, files, detail, probe, release):
    """One sentence: which driver, the evidence, why nothing can be loaded, and the fix."""
    evidence = ''
    if probe is not None and probe.available is False and probe.code:
        evidence = ' (probe: %s)' % errname(probe.code)
    elif probe is not None and probe.available is None:
        evidence = ' (%s)' % probe.detail
    if not files.module_support():
        why = 'it is not built in and the kernel has no module support, so there is nothing to load'
        fix = 'use a kernel built with %s' % driver.config
    else:
        why = 'it is not built in, module %s is not loaded, and %s' % (driver.module, detail)
        fix = ('install the kernel modules package that has %s.ko (for example linux-modules-extra-%s on '
               'Ubuntu) or use a kernel built with %s' % (driver.module, release, driver.config))
    note = _version_note(release, driver.min_kernel, driver.name)
    return '%s: kernel %s cannot create %s links%s: %s%s; %s' % (
        driver.name, release, driver.kind, evidence, why, '; ' + note if note else '', fix)


def assess_driver(driver: Driver, files: KernelFiles, probe_fn: Callable[[Driver], ProbeResult] | None,
                  release: str) -> dict:
    """One driver -> its report (dict). probe_fn(driver) -> ProbeResult, or None when probing is off."""
    status, detail = files.status(driver.module)
    probe = None
    if status != LOADABLE and probe_fn is not None:
        probe = probe_fn(driver)
    if status is None and probe is not None and probe.available and files.loaded(driver.module):
        # A kernel that found the module on its own (request_module; e.g. /lib/modules hidden from us).
        status, detail = LOADED, 'module %s was loaded by the kernel on demand during the probe' % driver.module
    if status is None:
        if probe is not None and probe.available:
            # Works with no module we know of: the kernel has it built in (a kernel without module support).
            status, detail = BUILTIN, 'built into the kernel (%s)' % (
                'no module support; the probe created it' if not files.module_support() else 'the probe created it')
        else:
            status = MISSING
    available = probe.available if probe is not None else None
    if status == LOADABLE:
        probe_text = 'not probed: creating the link would make the kernel load module %s itself' % driver.module
    elif probe is None:
        probe_text = 'not probed (probe=false)'
    else:
        probe_text = probe.detail
    usable = available is True or (available is None and status in (BUILTIN, LOADED, LOADABLE))
    message = None
    if status == MISSING:
        message = _missing_message(driver, files, detail, probe, release)
        usable = False
    elif not usable:
        message = '%s: %s (%s), but %s' % (driver.name, detail, status, probe_text)
        note = _version_note(release, driver.min_kernel, driver.name)
        if note:
            message += '; %s' % note
    return {
        'name': driver.name,
        'kind': driver.kind,
        'module': driver.module,
        'status': status,
        'detail': detail,
        'available': available,
        'probe': probe_text,
        'usable': usable,
        'min_kernel': driver.min_kernel,
        'kernel_ok': not below(release, driver.min_kernel),
        'message': message,
    }


def assess_feature(feature: Feature, driver_report: dict, probe_fn: Callable[[Feature], ProbeResult] | None,
                   release: str) -> dict:
    title = feature.title
    probe = None
    if probe_fn is not None and driver_report['available'] is True:
        probe = probe_fn(feature)
    kernel_ok = not below(release, feature.min_kernel)
    available = probe.available if probe is not None else None
    if probe is not None:
        detail = probe.detail
    elif driver_report['status'] == LOADABLE:
        detail = 'not probed: the %s module is not loaded yet' % feature.driver
    elif not driver_report['usable']:
        detail = 'not probed: the kernel has no %s driver' % feature.driver
    else:
        detail = 'not probed'
    message = None
    if available is False:
        message = '%s: %s' % (title, probe.detail)
        note = _version_note(release, feature.min_kernel, title)
        if note:
            message += '; %s' % note
    elif available is None and not kernel_ok:
        message = _version_note(release, feature.min_kernel, title)
    return {
        'name': feature.name,
        'driver': feature.driver,
        'min_kernel': feature.min_kernel,
        'kernel_ok': kernel_ok,
        'available': available,
        'probe': detail,
        'usable': available is True or (available is None and kernel_ok and driver_report['usable']),
        'message': message,
    }


def requested(names: list[str]) -> list[str]:
    """User driver names -> canonical names, in order, without duplicates; raises ValueError on unknown ones."""
    result = []
    unknown = []
    for name in names:
        driver = canonical(name)
        if driver is None:
            unknown.append(name)
        elif driver not in result:
            result.append(driver)
    if unknown:
        raise ValueError('unknown driver(s) %s; known: %s' % (', '.join(unknown), ', '.join(DRIVER_CHOICES)))
    return result


def parent_driver(files: KernelFiles, prober_possible: bool = True) -> str | None:
    """Which driver makes the probe's parent without loading a module: 'veth', 'dummy' or None."""
    if not prober_possible:
        return None
    for name in ('veth', 'dummy'):
        status, _detail = files.status(name)
        if status != LOADABLE:
            return name
    return None


def assess(names: list[str], features: list[str], files: KernelFiles, probe=None) -> dict:
    """The whole report. `probe` is a Prober-like object with probe(...), or None for files only."""
    release = files.release
    drivers = requested(names)
    # Features need their driver's report.
    for feature in features:
        if FEATURES[feature].driver not in drivers:
            drivers.append(FEATURES[feature].driver)

    def probe_driver(driver):
        return probe.probe(driver.kind, driver.kind, driver.info_data, driver.parent, driver.config)

    def probe_feature(feature):
        return probe.probe(feature.title, KERNEL_DRIVERS[feature.driver].kind, feature.info_data, True, feature.config,
                           feature.check)

    reports = {name: assess_driver(KERNEL_DRIVERS[name], files, probe_driver if probe else None, release)
               for name in drivers}
    feature_reports = {name: assess_feature(FEATURES[name], reports[FEATURES[name].driver],
                                            probe_feature if probe else None, release)
                       for name in features}
    problems = [reports[name]['message'] for name in drivers if reports[name]['message']]
    problems += [feature_reports[name]['message'] for name in features if feature_reports[name]['message']]
    return {
        'changed': False,
        'kernel': {
            'release': release,
            'version': version_string(parse_version(release)),
            'module_support': files.module_support(),
            'modules_disabled': files.modules_disabled() if files.module_support() else None,
            'modules_dir': files.modules_dir if os.path.isdir(files.modules_dir) else None,
        },
        'drivers': reports,
        'features': feature_reports,
        'minimums': dict(MINIMUMS),
        'loadable': [reports[name]['module'] for name in drivers if reports[name]['status'] == LOADABLE],
        'modules': [reports[name]['module'] for name in drivers if reports[name]['status'] in (LOADED, LOADABLE)],
        'problems': problems,
    }


class NoProbe:
    """Stands in for a Prober that could not start: every probe says why."""

    def __init__(self, reason: str):
        self.reason = reason

    def probe(self, what: str, kind: str, info_data: tuple, needs_parent: bool, config: str | None = None,
              check: Callable[[dict], bool] | None = None) -> ProbeResult:
        return ProbeResult(None, 'not probed: %s' % self.reason)


CLONE_NEWNET = 0x40000000  # unshare(2): a new network namespace


def _unshare_network() -> None:
    """This process into a new, empty network namespace of its own (os.unshare from Python 3.12 on)."""
    if hasattr(os, 'unshare'):
        os.unshare(os.CLONE_NEWNET)  # pylint: disable=no-member
        return
    import ctypes  # pylint: disable=import-outside-toplevel
    libc = ctypes.CDLL(None, use_errno=True)
    if libc.unshare(CLONE_NEWNET) != 0:
        code = ctypes.get_errno()
        raise OSError(code, os.strerror(code))


class NamespaceUnavailable(OSError):
    """No throwaway namespace could be made (no permission): the probe cannot run, the files still tell."""


def in_throwaway_namespace(work: Callable[[object], dict]) -> dict:
    """work(sock) in a child process that moved into a network namespace of its own, over a netlink socket there;
    returns what work returned (JSON). The namespace, and every link made in it, goes with the child: nothing is
    named, mounted or left behind, whatever happens to either process. NamespaceUnavailable when no namespace
    could be made; OSError naming the failure when the work failed."""
    read_end, write_end = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: ends here, never returns
        status = 1
        try:
            os.close(read_end)
            try:
                _unshare_network()
                sock = nl.Netlink(None)
            except Exception as exc:  # pylint: disable=broad-except
                payload = {'unavailable': str(exc)}
            else:
                try:
                    payload = {'result': work(sock)}
                    status = 0
                except Exception as exc:  # pylint: disable=broad-except
                    payload = {'error': '%s: %s' % (type(exc).__name__, exc)}
            data = json.dumps(payload).encode()
            while data:
                data = data[os.write(write_end, data):]
        finally:
            os._exit(status)  # pylint: disable=protected-access
    os.close(write_end)
    with os.fdopen(read_end, 'rb') as stream:
        data = stream.read()
    os.waitpid(pid, 0)
    payload = json.loads(data.decode() or '{"error": "the probe process ended without an answer"}')
    if 'unavailable' in payload:
        raise NamespaceUnavailable(payload['unavailable'])
    if 'error' in payload:
        raise OSError(payload['error'])
    return payload['result']


def gather(names: list[str], features: list[str], probe: bool = True, root: str = '/', release: str | None = None) -> dict:
    """assess() against the running kernel, probing in a throwaway namespace when `probe`."""
    files = KernelFiles(root, release)
    if not probe:
        return assess(names, features, files)
    parent = parent_driver(files)
    try:
        return in_throwaway_namespace(lambda sock: assess(names, features, files, Prober(parent, sock)))
    except NamespaceUnavailable as exc:
        return assess(names, features, files, NoProbe('cannot create a throwaway network namespace (%s); run as root'
                                                      % exc))
