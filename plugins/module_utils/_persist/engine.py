# Copyright: (c) 2026, underlay.network contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""The engine backend: the stored state replayed at boot by a copy of this very engine.

Its files: a copy of the engine's code (and of the parts of ansible.module_utils it imports) under
/usr/lib/underlay.network/lib, the entry point /usr/lib/underlay.network/replay (_persist/replay.py),
and systemd units that run it at boot, whenever a parent NIC appears (a `.wants/` link of its device
unit, so a late or re-created parent gets its VLANs and shims back) and after systemd-networkd or
NetworkManager (re)starts. On a host with NetworkManager, a drop-in under /etc/NetworkManager/conf.d lists the
root namespace's VLANs and shims as unmanaged devices: NetworkManager otherwise assumes an external macvlan as
an in-memory profile of its own and flushes its addresses and routes when it deactivates it (`nmcli networking
off`), and nothing brings them back. NetworkManager reads the drop-in when it starts (the next boot or restart).
"""

from __future__ import annotations

import importlib
import os
import sys

from ansible_collections.underlay.network.plugins.module_utils._kernel.systemd import device_unit, systemd_escape_path
from ansible_collections.underlay.network.plugins.module_utils._networks.network import vlan_link_name
from ansible_collections.underlay.network.plugins.module_utils._persist.files import (
    ENGINE_DIR, HEADER, UNIT_DIR, UNIT_PREFIX, File, PersistError, owned_paths)
from ansible_collections.underlay.network.plugins.module_utils._persist.state import root_parents
# imported for what it imports: the copy of the engine must hold everything a boot replay runs
from ansible_collections.underlay.network.plugins.module_utils._persist import replay  # noqa: F401 pylint: disable=unused-import # isort:skip


REPLAY_UNIT = UNIT_PREFIX + 'replay.service'
PARENT_UNIT = UNIT_PREFIX + 'parent@.service'
# the network stacks whose (re)start may drop our routes: the replay runs again after each
NETWORK_SERVICES = ('systemd-networkd.service', 'NetworkManager.service')
NM_CONF_DIR = 'etc/NetworkManager/conf.d'
NM_UNMANAGED_CONF = os.path.join(NM_CONF_DIR, '60-underlay-network.conf')


PACKAGE = 'ansible_collections.underlay.network.plugins.module_utils'
# What a boot replay runs: _persist/replay.py and the engine modules it imports, followed through. The copy holds
# exactly these, whichever module writes it and whatever else that module imported: host_networks and
# underlay_host write the same copy (it used to be every module the run had imported, so each rewrote the
# other's).
# tests/unit/plugins/module_utils/_persist/test_engine_copy.py keeps the list equal to those imports.
REPLAY_MODULES = (
    '_common.change', '_common.errors', '_common.fields', '_common.vocabulary',
    '_host.converge', '_host.gate', '_host.lock', '_host.shim',
    '_kernel.icmp', '_kernel.netlink', '_kernel.sysctl',
    '_links.kinds', '_links.spec',
    '_networks.cni', '_networks.definitions', '_networks.docker', '_networks.from_source', '_networks.network',
    '_networks.options', '_networks.podman', '_networks.sources',
    '_persist.files', '_persist.replay', '_persist.state',
    '_reconcile.apply', '_reconcile.diagnose', '_reconcile.plan', '_reconcile.read', '_reconcile.transaction',
)


def _source(name, module):
    """The module's source as its loader has it, or None for a module made at runtime."""
    loader = getattr(getattr(module, '__spec__', None), 'loader', None)
    try:
        source = loader.get_source(name) if loader is not None and hasattr(loader, 'get_source') else None
    except (ImportError, OSError):
        return None
    return source.decode('utf-8') if isinstance(source, bytes) else source  # Ansible's collection loader: bytes


def engine_sources():
    """{relative path: source} of the engine's REPLAY_MODULES (all imported with _persist.replay, above) and the
    parts of ansible.module_utils this process imported (a host needs no Ansible at boot)."""
    sources = {}
    for short in REPLAY_MODULES:
        name = '%s.%s' % (PACKAGE, short)
        source = _source(name, importlib.import_module(name))  # imported already, unless only inside a function
        if source is None:
            raise PersistError('cannot copy the engine for the boot replay: no source for %s' % name, 'persist', name)
        sources[name.replace('.', '/') + '.py'] = source
    for name, module in sorted(sys.modules.items()):
        if module is not None and (name == 'ansible' or name.startswith('ansible.module_utils')):
            source = _source(name, module)
            if source is not None:
                sources[name.replace('.', '/') + ('/__init__.py' if hasattr(module, '__path__') else '.py')] = source
    # only ansible.module_utils is needed (the full package's __init__ pulls in the controller): a stub,
    # as in the payload Ansible sends a module
    sources['ansible/__init__.py'] = ''
    # packages whose __init__ the import system made up (namespace packages in the AnsiballZ payload)
    for relative in list(sources):
        parts = relative.split('/')[:-1]
        for depth in range(1, len(parts) + 1):
            sources.setdefault('/'.join(parts[:depth]) + '/__init__.py', '')
    return sources


# The entry point a boot runs as root: it first refuses an engine tree that anyone but its owner could have
# changed (a group- or world-writable file or directory, another owner, a symlink), then replays.
REPLAY_SCRIPT = """\
# Replays the stored desired state (/etc/underlay.network/*.json) with the engine copied beside it.
import os
import stat
import sys

sys.dont_write_bytecode = True  # the tree is Ansible's to compare: no __pycache__ in it
HERE = os.path.dirname(os.path.abspath(__file__))


def unsafe(top):
    \"\"\"The first path under TOP that someone other than its owner could have changed, or None.\"\"\"
    for path in [top] + [os.path.join(folder, name) for folder, dirs, files in os.walk(top) for name in dirs + files]:
        info = os.lstat(path)
        if stat.S_ISLNK(info.st_mode) or info.st_mode & 0o022 or info.st_uid != os.geteuid():
            return path
    return None


BAD = unsafe(HERE)
if BAD:
    sys.stderr.write("underlay.network replay: refusing to run the engine in %s: %s is a symlink, writable by "
                     "others or owned by another user; run the playbook again to rewrite it\\n" % (HERE, BAD))
    sys.exit(1)
sys.path.insert(0, os.path.join(HERE, "lib"))
from ansible_collections.underlay.network.plugins.module_utils._persist.replay import main  # noqa: E402

sys.exit(main(sys.argv[1:]))
"""


def _replay_script(python):
    return '#!%s\n' % python + HEADER % 'engine' + REPLAY_SCRIPT


def _replay_unit():
    after = ' '.join(NETWORK_SERVICES)
    return (HEADER % 'engine' +
            '[Unit]\n'
            'Description=underlay.network: VLANs, host shims, addresses and routes from the stored desired state\n'
            'Documentation=file:///etc/underlay.network/\n'
            '# at boot, and again each time a network stack (re)starts: their clean-up may drop our routes\n'
            'After=network-pre.target %s\n'
            'Before=network.target\n'
            'Wants=network-pre.target\n'
            'ConditionPathExistsGlob=/etc/underlay.network/host-networks*.json\n\n'
            '[Service]\n'
            'Type=oneshot\n'
            'ExecStart=/%s/replay\n\n'
            '[Install]\n'
            'WantedBy=multi-user.target %s\n' % (after, ENGINE_DIR, after))


def _parent_unit():
    return (HEADER % 'engine' +
            '[Unit]\n'
            'Description=underlay.network: VLANs and host shims on %%I (it appeared)\n'
            'Documentation=file:///etc/underlay.network/\n'
            'After=sys-subsystem-net-devices-%%i.device network-pre.target\n'
            'ConditionPathExistsGlob=/etc/underlay.network/host-networks*.json\n\n'
            '[Service]\n'
            'Type=oneshot\n'
            'ExecStart=/%s/replay --parent %%I\n' % ENGINE_DIR)


def root_links(networks):
    """The VLAN sub-interfaces and shims the root namespace's networks make, sorted."""
    names = set()
    for net in networks:
        names.add(net['shim_name'])
        if net.get('vlan_id') is not None:
            names.add(vlan_link_name(net['parent'], net['vlan_id']))
    return sorted(names)


def _nm_unmanaged_conf(networks):
    # `+=` adds to the host's own list (a later file's plain `unmanaged-devices=` would replace it)
    return (HEADER % 'engine' +
            '# NetworkManager leaves these VLANs and shims alone: the boot replay of /etc/underlay.network makes them\n'
            '[keyfile]\n'
            'unmanaged-devices+=%s\n' % ';'.join('interface-name:%s' % name for name in root_links(networks)))


def engine_files(root, docs_after, python, keep=False):
    """The engine's code, entry point and units: present while any namespace has a stored state. `keep`: a stored
    state could not be read, so what is there stays (it may still be replayed once that state is rewritten)."""
    wanted = {}
    if docs_after:
        sources = engine_sources()
        digest = '%d files' % len(sources)
        for relative, source in sources.items():
            wanted[os.path.join(ENGINE_DIR, 'lib', relative)] = File(
                os.path.join(ENGINE_DIR, 'lib', relative), content=source, summary='engine code (%s)' % digest)
        wanted[os.path.join(ENGINE_DIR, 'replay')] = File(os.path.join(ENGINE_DIR, 'replay'),
                                                          content=_replay_script(python), mode=0o755)
        wanted[os.path.join(UNIT_DIR, REPLAY_UNIT)] = File(os.path.join(UNIT_DIR, REPLAY_UNIT), content=_replay_unit())
        wanted[os.path.join(UNIT_DIR, PARENT_UNIT)] = File(os.path.join(UNIT_DIR, PARENT_UNIT), content=_parent_unit())
        for target in ('multi-user.target',) + NETWORK_SERVICES:
            path = os.path.join(UNIT_DIR, target + '.wants', REPLAY_UNIT)
            wanted[path] = File(path, link='/%s/%s' % (UNIT_DIR, REPLAY_UNIT))
        root_doc = docs_after.get(None)
        for parent in root_parents(root_doc['networks']) if root_doc else []:
            instance = PARENT_UNIT.replace('@.', '@%s.' % systemd_escape_path(parent))
            path = os.path.join(UNIT_DIR, device_unit(parent) + '.wants', instance)
            wanted[path] = File(path, link='/%s/%s' % (UNIT_DIR, PARENT_UNIT))
        if root_doc and root_doc['networks'] and os.path.isdir(os.path.join(root, NM_CONF_DIR)):
            wanted[NM_UNMANAGED_CONF] = File(NM_UNMANAGED_CONF, content=_nm_unmanaged_conf(root_doc['networks']))
    # every file of the tree, and a symlink in place of one of its directories (os.walk does not enter those)
    existing = [os.path.relpath(os.path.join(top, name), root)
                for top, dirs, names in os.walk(os.path.join(root, ENGINE_DIR))
                for name in names + [d for d in dirs if os.path.islink(os.path.join(top, d))]
                if '__pycache__' not in top]
    existing += owned_paths(root, os.path.join(UNIT_DIR, UNIT_PREFIX + '*'))
    existing += owned_paths(root, os.path.join(UNIT_DIR, '*.wants', UNIT_PREFIX + '*'))
    existing += owned_paths(root, NM_UNMANAGED_CONF)
    for path in existing if not keep else ():
        wanted.setdefault(path, File(path, summary='engine code' if path.startswith(ENGINE_DIR + '/lib') else None))
    return [wanted[path] for path in sorted(wanted)]
