# Copyright: (c) 2026, underlay.network contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The documentation site (scripts/docs): built with warnings as errors, every plugin and role on it
with its options, the changelog with the next release's new modules and roles, and screenshots
that show a rendered page (scripts/test stage docs)."""
import json
import os
import re
import struct
import subprocess
import zlib

import pytest

from helpers import COLLECTIONS, REPO

pytestmark = pytest.mark.docs

OUT = os.path.join(REPO, 'tests', 'output', 'docs')
VENV_BIN = os.path.join(REPO, '.venv', 'py312', 'bin')


@pytest.fixture(scope='module')
def site():
    """Builds the site once; returns what ansible-doc says the collection has (the expected contents)."""
    build = subprocess.run([os.path.join(REPO, 'scripts', 'docs')], capture_output=True, text=True, check=False)
    assert build.returncode == 0, build.stdout + build.stderr
    dump = subprocess.run([os.path.join(VENV_BIN, 'ansible-doc'), '--metadata-dump', 'underlay.network'],
                          capture_output=True, text=True, check=True,
                          env=dict(os.environ, ANSIBLE_COLLECTIONS_PATH=COLLECTIONS))
    return json.loads(dump.stdout)['all']


def page(name):
    with open(os.path.join(OUT, 'html', name)) as stream:
        return stream.read()


def option_ids(html):
    return set(re.findall(r'id="parameter-([^"]+)"', html))


def collection_names(site, plugin_type):
    return sorted(fqcn.split('.', 2)[2] for fqcn in site[plugin_type])


def test_every_module_has_a_page_with_its_options_table(site):
    modules = collection_names(site, 'module')
    assert 'macvlan_link' in modules and len(modules) == len([
        f for f in os.listdir(os.path.join(REPO, 'plugins', 'modules')) if f.endswith('.py') and f != '__init__.py'])
    index = page('index.html')
    for name in modules:
        html = page('%s_module.html' % name)
        assert 'ansible-option-table' in html, name
        options = site['module']['underlay.network.' + name]['doc'].get('options', {})
        assert set(options) <= option_ids(html), (name, sorted(set(options) - option_ids(html)))
        assert 'href="%s_module.html"' % name in index, name


def test_the_connection_plugin_has_its_page(site):
    for fqcn, data in site['connection'].items():
        name = fqcn.split('.', 2)[2]
        html = page('%s_connection.html' % name)
        assert set(data['doc']['options']) <= option_ids(html), name


def test_every_role_has_a_page_from_its_argument_specs(site):
    roles = collection_names(site, 'role')
    assert roles == sorted(os.listdir(os.path.join(REPO, 'roles')))
    for name in roles:
        html = page('%s_role.html' % name)
        assert 'ansible-option-table' in html, name
        options = site['role']['underlay.network.' + name]['entry_points']['main']['options']
        assert {'main--' + option for option in options} <= option_ids(html), name


def test_the_changelog_lists_the_new_modules_and_roles_from_version_added(site):
    html = page('changelog.html')
    text = re.sub(r'<[^>]+>', '', html)
    assert 'New Modules' in text and 'New Roles' in text and 'New Plugins' in text
    for plugin_type in ('module', 'role', 'connection'):
        for fqcn in site[plugin_type]:
            assert fqcn in text, fqcn


def png_size_and_colours(path):
    """(width, height, distinct bytes in the decoded image data) of a PNG file."""
    with open(path, 'rb') as stream:
        data = stream.read()
    assert data[:8] == b'\x89PNG\r\n\x1a\n', path
    width, height = struct.unpack('>II', data[16:24])
    chunks, offset = [], 8
    while offset < len(data):
        length, kind = struct.unpack('>I4s', data[offset:offset + 8])
        if kind == b'IDAT':
            chunks.append(data[offset + 8:offset + 8 + length])
        offset += 12 + length
    return width, height, len(set(zlib.decompress(b''.join(chunks))))


@pytest.mark.parametrize('shot', ['index.png', 'macvlan_link_module.png'])
def test_screenshots_show_a_rendered_page(site, shot):
    width, height, distinct = png_size_and_colours(os.path.join(OUT, 'screenshots', shot))
    assert width == 1280 and height >= 1400, (width, height)
    # a blank or unstyled page has a handful of byte values; the themed page has text, tables, colours
    assert distinct > 200, distinct
