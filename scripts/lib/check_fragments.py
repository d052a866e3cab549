# Copyright: (c) 2026, underlay.network contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Changelog fragments of the usual size (scripts/lint, after antsibull-changelog lint).

One change per entry, on one line of at most MAX_LENGTH characters. No entry announces a new
module, plugin or role: the changelog's "New Modules" / "New Plugins" / "New Roles" sections come
from version_added in their docs. The release summary may be a short paragraph.

    python check_fragments.py changelogs/fragments
"""


import os
import re
import sys

import yaml

MAX_LENGTH = 200
ANNOUNCEMENT = re.compile(r'\bnew (module|plugin|role|connection|filter|lookup)\b', re.I)


def problems(path):
    with open(path) as stream:
        fragment = yaml.safe_load(stream) or {}
    for section, entries in sorted(fragment.items()):
        if section == 'release_summary':
            continue
        for entry in entries if isinstance(entries, list) else [entries]:
            text = str(entry).strip()
            where = '%s: %s: %s' % (path, section, text[:60] + ('...' if len(text) > 60 else ''))
            if '\n' in text:
                yield '%s: one change per entry, on one line (split it into entries)' % where
            if len(text) > MAX_LENGTH:
                yield '%s: %d characters, at most %d (say what changed, not how)' % (where, len(text), MAX_LENGTH)
            if ANNOUNCEMENT.search(text):
                yield ('%s: announces a new module/plugin/role; drop it, the changelog lists those from '
                       'version_added' % where)


def main(directory):
    found = []
    for name in sorted(os.listdir(directory)):
        if name.endswith(('.yml', '.yaml')):
            found.extend(problems(os.path.join(directory, name)))
    for problem in found:
        print('check_fragments: ' + problem)
    return 1 if found else 0


if __name__ == '__main__':
    sys.exit(main(sys.argv[1]))
