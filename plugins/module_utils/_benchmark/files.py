# Copyright: (c) 2026, underlay.network contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""The report's three files: where they go, and rewriting one only when its content changes."""

from __future__ import annotations

import os
from typing import TYPE_CHECKING, Dict, List

if TYPE_CHECKING:
    from ansible.module_utils.basic import AnsibleModule

# kind -> file name inside dest, in the order they are written
FILES = {'markdown': 'results.md', 'json': 'results.json', 'chart': 'chart.png'}


def paths(dest: str) -> Dict[str, str]:
    """{kind: path} of the three files in `dest`."""
    return {kind: os.path.join(dest, name) for kind, name in FILES.items()}


def write_if_changed(module: AnsibleModule, path: str, content: bytes) -> bool:
    """Whether `path` does not hold `content` yet; outside check mode it then does (an atomic move)."""
    try:
        with open(path, 'rb') as existing:
            if existing.read() == content:
                return False
    except OSError:
        pass
    if not module.check_mode:
        temp = f'{path}.tmp{os.getpid()}'
        with open(temp, 'wb') as out:
            out.write(content)
        module.atomic_move(temp, path)
    return True


def write_report(module: AnsibleModule, dest: str, contents: Dict[str, bytes]) -> List[str]:
    """The files that were (in check mode: would be) rewritten, `dest` made when missing."""
    files = paths(dest)
    if not os.path.isdir(dest) and not module.check_mode:
        os.makedirs(dest)
    return [files[kind] for kind in FILES if write_if_changed(module, files[kind], contents[kind])]
