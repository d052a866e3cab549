# Copyright: (c) 2026, underlay.network contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""The doctor's findings as a person reads them: a table per host, a Markdown section, one sentence per problem.

The playbook prints `table`, hands `problems` and `counts` to AWX (set_stats) and joins every host's
`markdown` into the fleet's summary, so no report text is built in Jinja.
"""

from __future__ import annotations

from ansible_collections.underlay.network.plugins.module_utils._doctor.decide import FAIL, OK, STATUSES


def sentence(item: dict) -> str:
    """One finding as one line: the host, the network, the check, the status, the evidence and the fix."""
    text = '%s: network %s, %s %s: %s' % (item['host'], item['network'], item['check'], item['status'].upper(),
                                          item['evidence'])
    return text + ('. Fix: %s' % item['fix'] if item['fix'] else '')


def table(host: str, findings: list[dict]) -> list[str]:
    """Fixed-width lines: one row per finding (status, network, check), then its fix; the evidence follows."""
    width = max([len(item['network']) for item in findings] + [len('network')])
    lines = ['%s: %d ok, %d warn, %d fail' % ((host,) + tuple(_count(findings, status) for status in STATUSES)),
             '%-6s %-*s %-22s %s' % ('status', width, 'network', 'check', 'fix')]
    for item in findings:
        lines.append('%-6s %-*s %-22s %s' % (item['status'].upper(), width, item['network'], item['check'],
                                             item['fix'] or '-'))
    lines.append('evidence:')
    lines.extend('  %s/%s: %s' % (item['network'], item['check'], item['evidence']) for item in findings)
    return lines


def markdown(host: str, findings: list[dict]) -> str:
    """The host's section of the fleet summary: a heading with the counts and a table of every finding."""
    rows = ['## %s' % host, '',
            '%d ok, %d warn, %d fail' % tuple(_count(findings, status) for status in STATUSES), '',
            '| status | network | check | evidence | fix |', '|---|---|---|---|---|']
    for item in findings:
        rows.append('| %s | %s | %s | %s | %s |' % (
            '**%s**' % item['status'] if item['status'] != OK else item['status'], _cell(item['network']),
            item['check'], _cell(item['evidence']), _cell(item['fix'] or '')))
    return '\n'.join(rows) + '\n'


def _cell(text):
    return str(text).replace('|', '\\|').replace('\n', ' ')


def _count(findings, status):
    return sum(1 for item in findings if item['status'] == status)


def result(host: str, findings: list[dict]) -> dict:
    return {
        'changed': False,
        'findings': findings,
        'counts': {status: _count(findings, status) for status in STATUSES},
        'problems': [sentence(item) for item in findings if item['status'] != OK],
        'healthy': not any(item['status'] == FAIL for item in findings),
        'table': table(host, findings),
        'markdown': markdown(host, findings),
    }
