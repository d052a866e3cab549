# Copyright: (c) 2026, underlay.network contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""The collection's code in a module's payload, compiled once per run instead of twice.

A module runs from the zip file Ansible sends (AnsiballZ), so every import compiles its source: no bytecode
is cached. Python's zipimport compiles each file twice: once when the import system asks where the module comes
from (zipimporter.get_filename compiles to find out) and again to run it (measured on 3.11 and 3.12; CPython
issue gh-141276 is open for 3.13 to 3.15). Compiling was 54% of an unchanged underlay_host run, and half of that
was the second pass.

Importing this module, when it was itself loaded from a zip, puts a finder first on sys.meta_path for this
collection's module_utils only: it reads each source from the same archive through zipimport and compiles
it once. Anywhere else (a checkout, the controller, the tests, the boot replay's copy) it does nothing.
"""

from __future__ import annotations

import sys
import zipimport
from importlib.machinery import ModuleSpec

PACKAGE = __name__.rsplit('.', 2)[0]  # ansible_collections.underlay.network.plugins.module_utils


class CompileOnceFinder:
    """Finds and loads PACKAGE's submodules in a zip archive; anything else is left to the usual finders."""

    def __init__(self) -> None:
        self._archives: dict = {}  # a package directory inside the zip -> its zipimporter (or None: not a zip)
        self._sources: dict = {}  # module name -> its source, read once from the archive

    def _archive(self, entry: str):
        if entry not in self._archives:
            try:
                self._archives[entry] = zipimport.zipimporter(entry)
            except zipimport.ZipImportError:
                self._archives[entry] = None
        return self._archives[entry]

    def find_spec(self, fullname: str, path=None, target=None):  # pylint: disable=unused-argument
        if not fullname.startswith(PACKAGE + '.') or not path:
            return None
        leaf = fullname.rpartition('.')[2]
        for entry in path:
            archive = self._archive(entry)
            if archive is None:
                continue
            try:
                package = archive.is_package(fullname)
                source = archive.get_source(fullname)
            except zipimport.ZipImportError:
                continue  # not in this directory of the archive
            if source is None:
                return None  # only bytecode: zipimport's to load
            origin = '%s/%s' % (entry, leaf + '/__init__.py' if package else leaf + '.py')
            spec = ModuleSpec(fullname, self, origin=origin, is_package=package)
            spec.has_location = True  # __file__ is the origin, as zipimport sets it
            if package:
                spec.submodule_search_locations = ['%s/%s' % (entry, leaf)]
            self._sources[fullname] = source
            return spec
        return None

    def create_module(self, spec):  # pylint: disable=unused-argument
        return None  # the default module object

    def exec_module(self, module) -> None:
        spec = module.__spec__
        code = compile(self.get_source(spec.name), spec.origin, 'exec', dont_inherit=True)
        exec(code, module.__dict__)  # pylint: disable=exec-used

    def get_source(self, fullname: str) -> str:
        """The module's source (the engine's copy for the boot replay and tracebacks read it through here)."""
        if fullname not in self._sources:
            raise ImportError('%s was not found by this loader' % fullname, name=fullname)
        return self._sources[fullname]


def install() -> None:
    """Put the finder first on sys.meta_path, once, when this code runs from a zip."""
    if isinstance(globals().get('__loader__'), zipimport.zipimporter) and \
            not any(isinstance(finder, CompileOnceFinder) for finder in sys.meta_path):
        sys.meta_path.insert(0, CompileOnceFinder())


install()
