# Copyright: (c) 2026, underlay.network contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The report's files: rewritten only when their content changes, never in check mode."""

import os
import shutil

from ansible_collections.underlay.network.plugins.module_utils._benchmark import files


class Module:
    """What write_report uses of an AnsibleModule."""

    def __init__(self, check_mode=False):
        self.check_mode = check_mode

    def atomic_move(self, source, dest):
        shutil.move(source, dest)


CONTENTS = {'markdown': b'# t\n', 'json': b'{}\n', 'chart': b'png'}


def test_paths_are_the_three_files_in_dest():
    assert files.paths('/srv/b') == {'markdown': '/srv/b/results.md', 'json': '/srv/b/results.json',
                                     'chart': '/srv/b/chart.png'}


def test_check_mode_writes_nothing_and_says_what_it_would(tmp_path):
    dest = str(tmp_path / 'out')
    assert files.write_report(Module(check_mode=True), dest, CONTENTS) == list(files.paths(dest).values())
    assert not os.path.exists(dest)


def test_only_changed_files_are_rewritten(tmp_path):
    dest = str(tmp_path / 'out')
    assert files.write_report(Module(), dest, CONTENTS) == list(files.paths(dest).values())
    assert sorted(os.listdir(dest)) == ['chart.png', 'results.json', 'results.md']
    assert files.write_report(Module(), dest, CONTENTS) == []
    assert files.write_report(Module(), dest, dict(CONTENTS, json=b'[]\n')) == [os.path.join(dest, 'results.json')]
    with open(os.path.join(dest, 'results.json'), 'rb') as written:
        assert written.read() == b'[]\n'
