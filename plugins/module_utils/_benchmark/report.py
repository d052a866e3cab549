# Copyright: (c) 2026, underlay.network contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""The report's rows checked, and written as the Markdown table and the JSON document.

Every measured topology must have a figure for every column; every other one must say why it was
not measured. The table has one row per topology and one column per figure, each cell the chosen
statistic with its ratio to the baseline; a row that was not measured says why instead.
"""

from __future__ import annotations

import json
from typing import Any, List, Mapping

from ansible_collections.underlay.network.plugins.module_utils._benchmark.statistics import figure_of, pooled
from ansible_collections.underlay.network.plugins.module_utils._common.errors import UnderlayError

MEASURED = 'measured'
STATUSES = [MEASURED, 'not measured', 'failed']


def _where(index: int, topology: dict) -> str:
    return f"topologies[{index}] ({topology['name']})"


def pooled_topologies(topologies: List[dict]) -> List[dict]:
    """Each topology with its figures (one dict, or a list of them, one per round) pooled into one."""
    out = []
    for index, topology in enumerate(topologies):
        figures = topology.get('figures')
        if not isinstance(figures or {}, (dict, list)):
            raise UnderlayError(f'{_where(index, topology)}: figures is a {type(figures).__name__}; give the figures '
                                'underlay.network.netperf returned, or a list of them',
                                field=f'topologies[{index}].figures', value=figures)
        out.append(dict(topology, figures=pooled(figures)))
    return out


def check_rows(topologies: List[dict], columns: List[dict]) -> None:
    """Every measured row has every column's figure; every other row says why. Raises naming what is missing."""
    for index, topology in enumerate(topologies):
        where = _where(index, topology)
        if topology['status'] != MEASURED:
            if not topology.get('reason'):
                raise UnderlayError(f"{where}: status is {topology['status']!r} but reason is empty; say why it was "
                                    'not measured', field=f'topologies[{index}].reason', value=topology.get('reason'))
            continue
        for column in columns:
            figure = figure_of(topology, column)
            if not isinstance(figure, dict) or not isinstance(figure.get('mean'), (int, float)):
                raise UnderlayError(f"{where}: status is measured but figures has no {column['test']} "
                                    f"{column['figure']} mean; give the figures underlay.network.netperf returned "
                                    'for these tests', field=f'topologies[{index}].figures', value=column['test'])


def cell(figure: dict) -> str:
    """One measured cell: the value, its unit and the ratio to the baseline."""
    ratio = figure['ratio_to_baseline']
    return '%.2f %s (%s)' % (figure['value'], figure['unit'], '%.2f×' % ratio if ratio is not None else 'no baseline')


def markdown(title: str, context: Mapping[str, Any], rows: List[dict], columns: List[dict], baseline: str,
             statistic: str = 'median') -> str:
    """results.md: the title, the context as a list, then one table row per topology."""
    lines = [f'# {title}', '']
    lines += [f'- {key}: {value}' for key, value in context.items()]
    lines += [f'- each figure: the {statistic} of its runs, then its ratio to {baseline}', '',
              f"| topology | {' | '.join(c['header'] for c in columns)} |",
              '|---|' + '---|' * len(columns)]
    for row in rows:
        if row['status'] == MEASURED:
            cells = [cell(row['figures'][c['test']][c['figure']]) for c in columns]
        else:
            cells = [f"{row['status']}: {row['reason']}"] + ['—'] * (len(columns) - 1)
        lines.append(f"| {row['label']} | {' | '.join(cells)} |")
    return '\n'.join(lines) + '\n'


def document(title: str, context: Mapping[str, Any], rows: List[dict], columns: List[dict], baseline: str,
             statistic: str) -> str:
    """results.json: the same rows with every run, and what they were measured and compared with."""
    content = dict(title=title, context=context, baseline=baseline, statistic=statistic, columns=columns,
                   topologies=rows)
    return json.dumps(content, indent=2, ensure_ascii=False) + '\n'
