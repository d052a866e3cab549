# Copyright: (c) 2026, underlay.network contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""What host_networks made, kept for the next boot: one desired state on disk, replayed by the same engine.

Backends:
  engine    the desired state as JSON (/etc/underlay.network/host-networks.json, one file per
            namespace), a copy of this engine's code (/usr/lib/underlay.network) and systemd units
            that replay the state with it (_replay): at boot, whenever a parent NIC appears (a
            `.wants/` link of its device unit, so a late or re-created parent gets its VLANs and shims
            back) and after systemd-networkd or NetworkManager (re)starts.
  networkd  the same state as systemd-networkd files: .netdev for the VLANs and shims, .network for
            their addresses and routes, .link for the ownership mark, and on the parent a drop-in on
            the .network networkd uses for it (a netplan-generated file stays as it is), or a .network
            of ours when it has none.
  none      nothing persistent; what an earlier run persisted is removed.

Everything here is a planned list of file changes (write, remove, link) with a diff, applied after
the runtime transaction succeeded and under the same namespace lock, so a replay never reads a
state the kernel does not have. Files are found again by their names (and a header line), never by
a side record.
"""

from __future__ import annotations

import glob
import json
import os
import sys

from ansible_collections.underlay.network.plugins.module_utils._common.change import step
from ansible_collections.underlay.network.plugins.module_utils._common.errors import UnderlayError, ValidationError
from ansible_collections.underlay.network.plugins.module_utils._common.vocabulary import OWNER_MARK
from ansible_collections.underlay.network.plugins.module_utils._kernel.systemd import device_unit, systemd_escape_path


BACKENDS = ('engine', 'networkd', 'none')
STATE_DIR = 'etc/underlay.network'
ENGINE_DIR = 'usr/lib/underlay.network'
UNIT_DIR = 'etc/systemd/system'
NETWORKD_DIR = 'etc/systemd/network'
REPLAY_UNIT = 'underlay-network-replay.service'
PARENT_UNIT = 'underlay-network-parent@.service'
# the network stacks whose (re)start may drop our routes: the replay runs again after each
NETWORK_SERVICES = ('systemd-networkd.service', 'NetworkManager.service')
NETWORKD_PREFIX = '60-underlay-network-'
DROPIN_NAME = '60-underlay-network.conf'
HEADER = '# Written by underlay.network (host_networks, persist: %s); changes here are overwritten.\n'
STATE_FORMAT = 1


class PersistError(UnderlayError):
    pass


def state_file(netns):
    return os.path.join(STATE_DIR, 'host-networks@%s.json' % netns if netns else 'host-networks.json')


# ------------------------------------------------------------------ the stored desired state

def resolved(derived, netns):
    """`derived` with each ipvlan network's mode as its shim has it now, where the definition left it to the
    parent's ports: a boot, or networkd, must make the shim in that mode before any container is back."""
    open_modes = [net['shim_name'] for net in derived['networks'] if net['driver'] == 'ipvlan' and net['mode'] is None]
    if not open_modes:
        return derived
    from ansible_collections.underlay.network.plugins.module_utils._reconcile.read import describe_links
    found = {view['name']: view.get('mode') for view in describe_links(netns, ['ipvlan'], open_modes) or []}
    networks = [dict(net, mode=found.get(net['shim_name']) or 'l2') if net['shim_name'] in open_modes else net
                for net in derived['networks']]
    return dict(derived, networks=networks)


def stored_networks(derived):
    """The networks as self-contained definitions: every field explicit, nothing left to Docker.

    Docker keeps its own networks across reboots; what a boot needs is their host side, with the
    fields the Ansible run derived from Docker written out.
    """
    networks = []
    for net in derived['networks']:
        item = {'name': net['name'], 'driver': net['driver'], 'parent': net['parent'],
                'subnets': [{key: value for key, value in subnet.items() if value is not None}
                            for subnet in net['subnets']],
                'shim_name': net['shim_name'], 'shim_address_reserved': net['shim_address_reserved'],
                'metric': net['metric']}
        if net['vlan_id'] is not None:
            item['vlan_id'] = net['vlan_id']
        if net['mode'] is not None:
            item['mode'] = net['mode']
        networks.append(item)
    return networks


def state_document(host):
    """The JSON a boot replays: host_networks' own parameters for the namespace."""
    return {
        'format': STATE_FORMAT,
        'comment': 'The desired host side of the underlay networks, replayed at boot by '
                   '/usr/lib/underlay.network/replay (the underlay.network engine). Written by Ansible: '
                   'edit the inventory, not this file.',
        'netns': host.netns,
        'networks': stored_networks(resolved(host.derived, host.netns)),
        'sysctls': host.sysctls,
        'allow_overlap': bool(host.params.get('allow_overlap')),
    }


def read_state(root, path):
    with open(os.path.join(root, path)) as handle:
        doc = json.load(handle)
    if doc.get('format') != STATE_FORMAT:
        raise PersistError('%s: unknown format %r (this engine reads format %d); run the playbook again to rewrite '
                           'it' % (path, doc.get('format'), STATE_FORMAT), 'format', doc.get('format'))
    return doc


def stored_states(root):
    """The stored states under ROOT, as paths relative to it (one per namespace)."""
    return _ours(root, os.path.join(STATE_DIR, 'host-networks*.json'))


def root_parents(networks):
    """The host NICs the networks hang off (a VLAN network's is the NIC its VLAN sits on)."""
    return sorted({net['parent'] for net in networks})


# ------------------------------------------------------------------ files, planned like links

class File:
    """One path we own: text content, a symlink target, or absent (content and link None)."""

    def __init__(self, path, content=None, link=None, mode=0o644, summary=None):
        self.path = path
        self.content = content
        self.link = link
        self.mode = mode
        self.summary = summary  # shown in the diff instead of the content (the engine's code)

    @property
    def absent(self):
        return self.content is None and self.link is None


def _current(root, path):
    full = os.path.join(root, path)
    if os.path.islink(full):
        return File(path, link=os.readlink(full))
    if os.path.isfile(full):
        with open(full) as handle:
            return File(path, content=handle.read(), mode=os.stat(full).st_mode & 0o7777)
    return File(path)


def plan_files(root, desired):
    """[(wanted File, current File, action)] for every path whose state differs."""
    plan = []
    for want in desired:
        have = _current(root, want.path)
        if want.absent:
            if not have.absent:
                plan.append((want, have, 'remove file'))
        elif want.link is not None:
            if have.link != want.link:
                plan.append((want, have, 'link file'))
        elif have.content != want.content or have.mode != want.mode:
            plan.append((want, have, 'write file'))
    return plan


def apply_files(root, plan):
    for want, _have, action in plan:
        full = os.path.join(root, want.path)
        try:
            if os.path.lexists(full) and (action != 'write file' or os.path.islink(full)):
                os.unlink(full)
            if action == 'remove file':
                _prune_dirs(root, os.path.dirname(want.path))
                continue
            if not os.path.isdir(os.path.dirname(full)):
                os.makedirs(os.path.dirname(full), 0o755)
            if action == 'link file':
                os.symlink(want.link, full)
            else:
                partial = full + '.underlay-new'
                with open(partial, 'w') as handle:
                    handle.write(want.content)
                os.chmod(partial, want.mode)
                os.rename(partial, full)
        except OSError as exc:
            raise PersistError('cannot %s %s: %s' % (action.split()[0], full, exc.strerror or exc), 'persist', full)


def _prune_dirs(root, relative):
    """Removes directories we emptied (a .wants/ or .d/ directory), up to the config directory itself."""
    stop = {UNIT_DIR, NETWORKD_DIR, 'usr/lib', 'usr', 'etc', ''}
    while relative not in stop:
        try:
            os.rmdir(os.path.join(root, relative))
        except OSError:
            return
        relative = os.path.dirname(relative)


def _shown(item):
    if item.absent:
        return None
    return item.content if item.link is None else '-> ' + item.link


def changes_and_diff(plan):
    """The file steps and the diff; the engine's code counts as one step per action, shown by a summary."""
    changes, before, after = [], {}, {}
    code_paths = {}
    for want, have, action in plan:
        if want.summary or have.summary:
            code_paths.setdefault(action, []).append(want.path)
            continue
        changes.append(step(action, 'file', '/' + want.path))
        before['/' + want.path], after['/' + want.path] = _shown(have), _shown(want)
    code = '/%s/lib' % ENGINE_DIR
    for action, paths in sorted(code_paths.items()):
        changes.append(step(action, 'file', code, files=len(paths)))
        before[code] = '%d files of the engine' % len(paths) if action != 'write file' else None
        after[code] = None if action == 'remove file' else 'the engine of this collection (%d files)' % len(paths)
    return changes, before, after


# ------------------------------------------------------------------ the engine backend

def engine_sources():
    """{relative path: source} of the engine as this process imported it, and the parts of
    ansible.module_utils it imports (a host needs no Ansible at boot)."""
    import ansible_collections.underlay.network.plugins.module_utils._persist.replay  # noqa: F401 (pulled in for its imports)
    sources = {}
    for name, module in sorted(sys.modules.items()):
        if module is None or not (name == 'ansible' or name.startswith('ansible.module_utils')
                                  or name.startswith('ansible_collections.underlay.network.plugins.module_utils')):
            continue
        loader = getattr(getattr(module, '__spec__', None), 'loader', None)
        try:
            source = loader.get_source(name) if loader is not None and hasattr(loader, 'get_source') else None
        except (ImportError, OSError):
            source = None
        if source is None:
            continue  # a module made at runtime, not a file
        if isinstance(source, bytes):  # Ansible's collection loader hands out bytes
            source = source.decode('utf-8')
        relative = name.replace('.', '/') + ('/__init__.py' if hasattr(module, '__path__') else '.py')
        sources[relative] = source
    # only ansible.module_utils is needed (the full package's __init__ pulls in the controller): a stub,
    # as in the payload Ansible sends a module
    sources['ansible/__init__.py'] = ''
    # packages whose __init__ the import system made up (namespace packages in the AnsiballZ payload)
    for relative in list(sources):
        parts = relative.split('/')[:-1]
        for depth in range(1, len(parts) + 1):
            sources.setdefault('/'.join(parts[:depth]) + '/__init__.py', '')
    return sources


def _replay_script(python):
    return ('#!%s\n' % python + HEADER % 'engine' +
            '# Replays the stored desired state (/etc/underlay.network/*.json) with the engine copied beside it.\n'
            'import os\nimport sys\n\n'
            'sys.dont_write_bytecode = True  # the tree is Ansible\'s to compare: no __pycache__ in it\n'
            'sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "lib"))\n'
            'from ansible_collections.underlay.network.plugins.module_utils._persist.replay import main  # noqa: E402\n\n'
            'sys.exit(main(sys.argv[1:]))\n')


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


def _ours(root, pattern):
    return sorted(os.path.relpath(path, root) for path in glob.glob(os.path.join(root, pattern)))


def engine_files(root, docs_after, python):
    """The engine's code, entry point and units: present while any namespace has a stored state."""
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
    existing = [os.path.relpath(os.path.join(top, name), root)
                for top, _dirs, names in os.walk(os.path.join(root, ENGINE_DIR)) for name in names
                if '__pycache__' not in top]
    existing += _ours(root, os.path.join(UNIT_DIR, 'underlay-network-*'))
    existing += _ours(root, os.path.join(UNIT_DIR, '*.wants', 'underlay-network-*'))
    for path in existing:
        wanted.setdefault(path, File(path, summary='engine code' if path.startswith(ENGINE_DIR + '/lib') else None))
    return [wanted[path] for path in sorted(wanted)]


# ------------------------------------------------------------------ the networkd backend

def _ini(sections):
    """[(section, [(key, value)])] -> the text of a systemd unit-style file."""
    blocks = []
    for section, pairs in sections:
        blocks.append('[%s]\n%s' % (section, ''.join('%s=%s\n' % pair for pair in pairs)))
    return '\n'.join(blocks)


_QUIET_LINK = [('LinkLocalAddressing', 'no'), ('IPv6AcceptRA', 'no'), ('ConfigureWithoutCarrier', 'yes')]


def _networkd_mode(net):
    if net['driver'] == 'macvlan':
        return [('Mode', net['mode'] or 'bridge')]
    return [('Mode', (net['mode'] or 'l2').upper()), ('Flags', 'bridge')]


def _file(name, text):
    return File(os.path.join(NETWORKD_DIR, name), content=HEADER % 'networkd' + text)


def network_file_of(root, ifname):
    """The .network file networkd configures IFNAME with now (its state file says), or None."""
    if root != '/':
        return None
    try:
        with open('/sys/class/net/%s/ifindex' % ifname) as handle:
            index = int(handle.read())
        with open('/run/systemd/netif/links/%d' % index) as handle:
            for line in handle:
                if line.startswith('NETWORK_FILE='):
                    return line.split('=', 1)[1].strip() or None
    except (OSError, ValueError):
        return None
    return None


def networkd_files(root, derived):
    """The networks as networkd files (the host's own namespace only)."""
    files = []
    children = {}  # link -> [(key, child)]: what networkd must create on it
    for vlan in derived['vlans']:
        name = vlan['name']
        children.setdefault(vlan['parent'], []).append(('VLAN', name))
        files.append(_file(NETWORKD_PREFIX + name + '.netdev',
                           _ini([('NetDev', [('Name', name), ('Kind', 'vlan')]), ('VLAN', [('Id', vlan['vlan_id'])])])))
    for net in derived['networks']:
        shim, kind = net['shim_name'], net['driver']
        children.setdefault(net['link_parent'], []).append((kind.upper(), shim))
        files.append(_file(NETWORKD_PREFIX + shim + '.netdev', _ini([
            ('NetDev', [('Name', shim), ('Kind', kind)]), (kind.upper(), _networkd_mode(net))])))
        sections = [('Match', [('Name', shim)]), ('Link', [('RequiredForOnline', 'no')]), ('Network', _QUIET_LINK)]
        for subnet in net['subnets']:
            address = subnet['shim_address']
            host = '%s/%d' % (address, 128 if ':' in address else 32)
            dad = [('DuplicateAddressDetection', 'none')] if ':' in address else []  # the engine's nodad
            sections.append(('Address', [('Address', host)] + dad))
        for subnet in net['subnets']:
            sections.append(('Route', [('Destination', subnet['ip_range']), ('Protocol', 209),
                                       ('Metric', net['metric'])] +
                             ([] if ':' in subnet['ip_range'] else [('Scope', 'link')])))
        files.append(_file(NETWORKD_PREFIX + shim + '.network', _ini(sections)))
    for link in sorted({item['name'] for item in derived['vlans']} | {
            net['shim_name'] for net in derived['networks']}):
        # the ownership mark the engine puts on the links it makes (udev applies .link files)
        files.append(_file(NETWORKD_PREFIX + link + '.link', _ini([
            ('Match', [('OriginalName', link)]), ('Link', [('Alias', OWNER_MARK)])])))
    vlan_names = {vlan['name'] for vlan in derived['vlans']}
    for link, items in sorted(children.items()):
        pairs = list(items)
        if link in vlan_names:
            files.append(_file(NETWORKD_PREFIX + link + '.network', _ini([
                ('Match', [('Name', link)]), ('Link', [('RequiredForOnline', 'no')]), ('Network', _QUIET_LINK + pairs)])))
            continue
        current = network_file_of(root, link)
        if current and not os.path.basename(current).startswith(NETWORKD_PREFIX):
            # the parent's own .network (netplan's, the distribution's): a drop-in beside it, the file untouched
            files.append(File(os.path.join(NETWORKD_DIR, os.path.basename(current) + '.d', DROPIN_NAME),
                              content=HEADER % 'networkd' + _ini([('Network', pairs)])))
        else:
            files.append(_file(NETWORKD_PREFIX + link + '.network', _ini([
                ('Match', [('Name', link)]), ('Link', [('RequiredForOnline', 'no')]),
                ('Network', _QUIET_LINK + [('KeepConfiguration', 'yes')] + pairs)])))
    return files


def networkd_cleanup(root, wanted):
    paths = {item.path for item in wanted}
    existing = _ours(root, os.path.join(NETWORKD_DIR, NETWORKD_PREFIX + '*'))
    existing += _ours(root, os.path.join(NETWORKD_DIR, '*.d', DROPIN_NAME))
    return [File(path) for path in existing if path not in paths]


# ------------------------------------------------------------------ the whole run

class Persistence:
    """The files of one host_networks run: backend, namespace, root (a directory standing in for /)."""

    def __init__(self, backend, netns, root='/', state='present', python=None):
        if backend not in BACKENDS:
            raise ValidationError("persist: '%s' is not a backend; use engine, networkd or none" % backend,
                                  'persist', backend)
        if backend == 'networkd' and netns:
            raise ValidationError("persist: networkd configures the host's own namespace only, not namespace '%s'; "
                                  "use persist: engine (its boot replay enters the namespace)" % netns,
                                  'persist', backend)
        self.backend = backend if state == 'present' else 'none'
        self.netns = netns
        self.root = root or '/'
        self.python = python or sys.executable or '/usr/bin/python3'

    def desired(self, host):
        mine = state_file(self.netns)
        docs_after = {}
        for path in stored_states(self.root):
            if path != mine:
                try:
                    doc = read_state(self.root, path)
                except (OSError, ValueError, PersistError):
                    continue  # not ours to judge: it stays, and so does the engine
                docs_after[doc.get('netns')] = doc
        files = []
        if self.backend == 'engine':
            doc = state_document(host)
            docs_after[self.netns] = doc
            files.append(File(mine, content=json.dumps(doc, indent=2, sort_keys=True) + '\n'))
        else:
            files.append(File(mine))
        files += engine_files(self.root, docs_after, self.python)
        if not self.netns:
            wanted = networkd_files(self.root, resolved(host.derived, None)) if self.backend == 'networkd' else []
            files += wanted + networkd_cleanup(self.root, wanted)
        return files

    def converge(self, host, check_mode):
        plan = plan_files(self.root, self.desired(host))
        changes, before, after = changes_and_diff(plan)
        units_changed = any(want.path.startswith(UNIT_DIR) for want, _have, _action in plan)
        if plan and not check_mode:
            apply_files(self.root, plan)
        return {'backend': self.backend, 'changes': changes, 'before': before, 'after': after,
                'files': sorted({want.path for want, _h, _a in plan}),
                # a running systemd must read the units again (not under a test root, nor in a container)
                'reload_systemd': bool(units_changed and not check_mode and self.root == '/'
                                       and os.path.isdir('/run/systemd/system'))}


def converge_persistent(params, check_mode=False, docker_client=None, run_command=None):
    """host_networks with persistence: the runtime transaction, then its files, under one lock.

    `run_command` (AnsibleModule.run_command) tells a running systemd that the units changed."""
    from ansible_collections.underlay.network.plugins.module_utils._host.converge import HostNetworks
    from ansible_collections.underlay.network.plugins.module_utils._host.lock import NamespaceLock
    persistence = Persistence(params.get('persist') or 'none', params.get('netns') or None,
                              params.get('persist_root') or '/', params.get('state') or 'present')
    host = HostNetworks(params, check_mode, docker_client)
    with NamespaceLock(host.netns, params.get('lock_timeout') or 120, 'pid %d (host_networks)' % os.getpid()):
        result = host.converge()
        persisted = persistence.converge(host, check_mode)
    if persisted['reload_systemd'] and run_command is not None:
        code, _out, err = run_command(['systemctl', 'daemon-reload'])
        if code != 0:
            raise PersistError('systemctl daemon-reload failed (%s): %s; the files are written, the next boot reads '
                               'them' % (code, err.strip()), 'persist', 'daemon-reload')
    result['changes'] = result['changes'] + persisted['changes']
    result['changed'] = bool(result['changes'])
    result['diff']['before'].update(persisted['before'])
    result['diff']['after'].update(persisted['after'])
    result['persist'] = {'backend': persisted['backend'], 'changed_files': persisted['files'],
                         'state_file': '/' + state_file(host.netns) if persisted['backend'] == 'engine' else None}
    return result
