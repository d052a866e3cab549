# Copyright: (c) 2026, underlay.network contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Sphinx configuration of the collection's documentation site (scripts/docs).

The same settings as the site `antsibull-docs sphinx-init` sets up, with one difference: the
machines this builds on cannot fetch docs.ansible.com's object inventory, so intersphinx reads
a local stand-in that scripts/docs writes (offline_inventory.py) and the links still point to
docs.ansible.com.
"""


import os

project = 'underlay.network'
copyright = 'underlay.network contributors'  # pylint: disable=redefined-builtin
title = 'underlay.network'
html_short_title = 'underlay.network'

extensions = ['sphinx.ext.intersphinx', 'sphinx_antsibull_ext']
pygments_style = 'ansible'
highlight_language = 'YAML+Jinja'

html_theme = 'sphinx_ansible_theme'
html_show_sphinx = False
display_version = False
html_use_smartypants = True
html_use_modindex = False
html_use_index = False
html_copy_source = False

intersphinx_mapping = {
    'ansible_devel': ('https://docs.ansible.com/projects/ansible/devel/',
                      os.environ['UNDERLAY_DOCS_ANSIBLE_INVENTORY']),
}
intersphinx_disabled_reftypes = []

default_role = 'any'
nitpicky = True
