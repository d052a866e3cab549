# Copyright: (c) 2026, underlay.network contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Write a Sphinx object inventory standing in for docs.ansible.com's (which is out of reach here).

It holds what the real one has and our pages link to: a label per ansible.builtin plugin of the
installed ansible-core (the names M(ansible.builtin.command) and the like resolve to), and the
reference appendix pages antsibull-docs' templates link to. A reference to anything else (a
misspelt module, another collection) stays unresolved, and the -W build fails on it.

    python offline_inventory.py OUTPUT
"""


import os
import sys
import zlib

import ansible

# Pages of the Ansible docs that antsibull-docs' generated pages refer to by label.
APPENDIX_LABELS = {
    'common_return_values': ('reference_appendices/common_return_values.html#common-return-values', 'Return Values'),
    'ansible_configuration_settings': ('reference_appendices/config.html#ansible-configuration-settings',
                                       'Ansible Configuration Settings'),
    # the note on a module that has an action plugin (underlay_host)
    'action_plugins': ('plugins/action.html#action-plugins', 'Action plugins'),
}
PLUGIN_TYPES = ('module', 'connection', 'lookup', 'filter', 'test', 'callback', 'become', 'inventory', 'vars',
                'cache', 'shell', 'strategy')


def builtin_plugins(plugin_type):
    """The documented ansible.builtin plugins of one type, from the installed ansible-core's files:
    modules/*.py, plugins/<type>/*.py, and one YAML doc file per filter and test."""
    base = os.path.dirname(ansible.__file__)
    if plugin_type == 'module':
        directory, suffix = os.path.join(base, 'modules'), '.py'
    else:
        directory = os.path.join(base, 'plugins', plugin_type)
        suffix = '.yml' if plugin_type in ('filter', 'test') else '.py'
    names = [name[:-len(suffix)] for name in os.listdir(directory)
             if name.endswith(suffix) and not name.startswith('_') and documented(os.path.join(directory, name))]
    return sorted('ansible.builtin.' + name for name in names)


def documented(path):
    """A plugin has a page when it has docs: a YAML doc file, or DOCUMENTATION in its Python file."""
    if path.endswith('.yml'):
        return True
    with open(path) as stream:
        return 'DOCUMENTATION' in stream.read()


def entries():
    for label, (uri, title) in sorted(APPENDIX_LABELS.items()):
        yield label, uri, title
    for plugin_type in PLUGIN_TYPES:
        for fqcn in builtin_plugins(plugin_type):
            name = fqcn.split('.')[-1]
            label = 'ansible_collections.%s_%s' % (fqcn, plugin_type)
            uri = 'collections/ansible/builtin/%s_%s.html' % (name, plugin_type)
            yield label, uri, '%s %s' % (fqcn, plugin_type)


def main(output):
    lines = ['%s std:label -1 %s %s' % entry for entry in entries()]
    header = ('# Sphinx inventory version 2\n# Project: Ansible\n# Version: devel\n'
              '# The remainder of this file is compressed using zlib.\n')
    with open(output, 'wb') as stream:
        stream.write(header.encode('utf-8'))
        stream.write(zlib.compress('\n'.join(lines).encode('utf-8') + b'\n'))
    print('offline inventory: %d labels in %s' % (len(lines), output))


if __name__ == '__main__':
    main(sys.argv[1])
