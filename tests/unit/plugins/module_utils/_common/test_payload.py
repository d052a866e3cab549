# Copyright: (c) 2026, underlay.network contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""_common.payload: in a zip like Ansible's module payload, the collection's code is compiled once per import.

Each test runs a fresh Python over a zip of plugins/module_utils laid out as AnsiballZ lays it out, and counts
the builtin compile() calls per file.
"""

import json
import os
import subprocess
import sys
import zipfile

from ansible_collections.underlay.network.plugins.module_utils._common import payload

REPO = os.path.abspath(os.path.join(os.path.dirname(__file__), '..', '..', '..', '..', '..'))
PACKAGE = 'ansible_collections.underlay.network.plugins.module_utils'
# what AnsiballZ writes for a package without an __init__.py of its own
NAMESPACE_INIT = 'from pkgutil import extend_path\n__path__=extend_path(__path__,__name__)\n'

RUN = r'''
import builtins, json, sys, traceback
sys.path.insert(0, sys.argv[1])
compiled = {}
real_compile = builtins.compile


def counting(source, filename, *args, **kwargs):
    if filename.endswith('.py'):
        compiled[filename] = compiled.get(filename, 0) + 1
    return real_compile(source, filename, *args, **kwargs)


builtins.compile = counting
if sys.argv[2] == 'with':
    from ansible_collections.underlay.network.plugins.module_utils._common import payload
from ansible_collections.underlay.network.plugins.module_utils._links import spec
from ansible_collections.underlay.network.plugins.module_utils._common.fields import check_mac
try:
    check_mac('not a MAC', 'mac')
except Exception:
    shown = traceback.format_exc()
print(json.dumps({'compiled': compiled, 'file': spec.__file__, 'finders': [type(f).__name__ for f in sys.meta_path],
                  'source': spec.__loader__.get_source(spec.__name__), 'traceback': shown,
                  'package_path': sys.modules[spec.__package__].__path__}))
'''


def payload_zip(tmp_path):
    """plugins/module_utils as ansible_collections/underlay/network/plugins/module_utils/... in a zip."""
    path = str(tmp_path / 'payload.zip')
    with zipfile.ZipFile(path, 'w', zipfile.ZIP_DEFLATED) as archive:
        folders = ['ansible_collections', 'ansible_collections/underlay', 'ansible_collections/underlay/network',
                   'ansible_collections/underlay/network/plugins']
        for folder, _dirs, files in os.walk(os.path.join(REPO, 'plugins', 'module_utils')):
            relative = os.path.relpath(folder, os.path.join(REPO, 'plugins', 'module_utils'))
            inside = PACKAGE.replace('.', '/') + ('' if relative == '.' else '/' + relative)
            if '__pycache__' in inside:
                continue
            if '__init__.py' not in files:
                folders.append(inside)
            for name in files:
                if name.endswith('.py'):
                    archive.write(os.path.join(folder, name), inside + '/' + name)
        for folder in folders:
            archive.writestr(folder + '/__init__.py', NAMESPACE_INIT)
    return path


def run(path, mode):
    done = subprocess.run([sys.executable, '-I', '-c', RUN, path, mode], capture_output=True, text=True, check=False,
                          cwd='/')
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def ours(compiled):
    """{path under module_utils: compiles} of the layers' files (module_utils' own __init__ comes before any)."""
    return {name.split(PACKAGE.replace('.', '/') + '/')[1]: count for name, count in compiled.items()
            if PACKAGE.replace('.', '/') + '/_' in name and not name.endswith('module_utils/__init__.py')}


def test_zipimport_alone_compiles_each_file_twice(tmp_path):
    """The premise: if this fails, Python fixed it (CPython gh-141276) and _common/payload.py can go."""
    seen = run(payload_zip(tmp_path), 'without')
    counts = ours(seen['compiled'])
    modules = {name: count for name, count in counts.items() if not name.endswith('__init__.py')}
    assert modules and set(modules.values()) == {2}, counts
    assert counts['_links/__init__.py'] == 2, counts  # a package too
    assert 'CompileOnceFinder' not in seen['finders']


def test_after_the_payload_import_every_file_is_compiled_once_and_reads_as_from_zipimport(tmp_path):
    path = payload_zip(tmp_path)
    seen = run(path, 'with')
    counts = ours(seen['compiled'])
    # itself and its package: by zipimport, before it could help
    assert counts['_common/payload.py'] == 2 and counts['_common/__init__.py'] == 2, counts
    others = {name: count for name, count in counts.items() if not name.startswith(('_common/payload', '_common/__init'))}
    assert {'_links/spec.py', '_common/fields.py', '_common/errors.py'} <= set(others), others
    assert set(others.values()) == {1}, others
    assert seen['finders'][0] == 'CompileOnceFinder'
    # what zipimport would have set: the file inside the archive, the package's directory there
    assert seen['file'] == path + '/' + PACKAGE.replace('.', '/') + '/_links/spec.py'
    assert seen['package_path'] == [path + '/' + PACKAGE.replace('.', '/') + '/_links']
    # the source for the engine's copy and for tracebacks
    with open(os.path.join(REPO, 'plugins', 'module_utils', '_links', 'spec.py'), encoding='utf-8') as handle:
        assert seen['source'] == handle.read()
    assert '_common/fields.py' in seen['traceback'] and 'raise ValidationError' in seen['traceback'], seen['traceback']


def test_outside_a_zip_nothing_is_installed():
    assert not isinstance(payload.__loader__, __import__('zipimport').zipimporter)
    assert not any(isinstance(finder, payload.CompileOnceFinder) for finder in sys.meta_path)
