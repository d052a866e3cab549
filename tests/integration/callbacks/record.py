# Copyright: (c) 2026, underlay.network contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""A test callback: what a run showed, per host, written as JSON to $UNDERLAY_RECORD when the run ends.

For each host: whether anything changed, the diffs shown (--diff), the facts set (set_fact), the debug messages
and the failures; and the set_stats data (what AWX shows). tests/integration/test_site_reports.py compares these
before and after a change of how the playbooks do their work.
"""

import json
import os

from ansible.plugins.callback import CallbackBase

DOCUMENTATION = '''
name: record
type: aggregate
short_description: records what a run showed, per host, as JSON (tests only)
description: Writes the changes, diffs, facts, debug messages and set_stats data of a run to $UNDERLAY_RECORD.
'''


class CallbackModule(CallbackBase):
    CALLBACK_VERSION = 2.0
    CALLBACK_TYPE = 'aggregate'
    CALLBACK_NAME = 'record'
    CALLBACK_NEEDS_ENABLED = True

    def __init__(self):
        super().__init__()
        self.hosts = {}

    def _host(self, result):
        return self.hosts.setdefault(result._host.get_name(), {'changed': 0, 'diffs': [], 'facts': {}, 'messages': [],
                                                               'failures': []})

    def v2_runner_on_ok(self, result):
        host, data = self._host(result), result._result
        host['changed'] += bool(data.get('changed'))
        for shown in [data] + [item for item in data.get('results') or [] if isinstance(item, dict)]:
            diff = shown.get('diff')
            host['diffs'] += diff if isinstance(diff, list) else [diff] if diff else []
        host['facts'].update(data.get('ansible_facts') or {})
        if result._task.action in ('debug', 'ansible.builtin.debug') and 'msg' in data:
            host['messages'].append(data['msg'])

    def v2_runner_on_failed(self, result, ignore_errors=False):
        self._host(result)['failures'].append(result._result.get('msg'))

    def v2_playbook_on_stats(self, stats):
        with open(os.environ['UNDERLAY_RECORD'], 'w', encoding='utf-8') as handle:
            json.dump({'hosts': self.hosts, 'stats': stats.custom.get('_run', {})}, handle, indent=1, sort_keys=True,
                      default=str)
