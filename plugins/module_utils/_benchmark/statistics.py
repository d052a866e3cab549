# Copyright: (c) 2026, underlay.network contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""The figures of a benchmark's rounds pooled into one per topology, and each figure's ratio to the baseline.

A benchmark measures every topology once per round, round after round; a topology's figures are then
a list of what the netperf module returned, one per round. Pooling keeps every run and adds the mean,
the median, the lowest and the highest; the table shows one statistic and takes ratios of it.
"""

from __future__ import annotations

from typing import List, Optional, Union

# what the table, the chart and the ratios may show of the pooled runs; the first is the default
STATISTICS = ['median', 'mean']


def median(numbers: List[float]) -> float:
    """The middle of the sorted numbers, or the mean of the two middle ones."""
    ordered = sorted(numbers)
    middle = len(ordered) // 2
    return ordered[middle] if len(ordered) % 2 else (ordered[middle - 1] + ordered[middle]) / 2


def pooled(figures: Union[dict, List[dict], None]) -> dict:
    """netperf's figures, or a list of them (one per round), as one: every run in order, mean, median, min, max."""
    rounds = figures if isinstance(figures, list) else [figures or {}]
    out = {}
    for one_round in rounds:
        for test, test_figures in one_round.items():
            for figure, value in test_figures.items():
                merged = out.setdefault(test, {}).setdefault(figure, dict(unit=value['unit'], runs=[]))
                merged['runs'].extend(value.get('runs') or [value['mean']])
    for test_figures in out.values():
        for merged in test_figures.values():
            runs = merged['runs']
            merged.update(mean=round(sum(runs) / len(runs), 2), min=min(runs), max=max(runs),
                          median=round(median(runs), 2))
    return out


def figure_of(topology: Optional[dict], column: dict) -> Optional[dict]:
    """The figure of one column (a test and one of its figures) in a topology's figures, or None."""
    return ((topology or {}).get('figures') or {}).get(column['test'], {}).get(column['figure'])


def with_ratios(topologies: List[dict], columns: List[dict], baseline: str, statistic: str = 'median') -> List[dict]:
    """The rows as written to results.json: each figure gains value (its `statistic`) and ratio_to_baseline
    (of the values; null without a measured baseline)."""
    base = next((t for t in topologies if t['name'] == baseline and t['status'] == 'measured'), None)
    rows = []
    for topology in topologies:
        row = dict(name=topology['name'], label=topology.get('label') or topology['name'],
                   status=topology['status'], reason=topology.get('reason'), figures={})
        if topology['status'] == 'measured':
            for column in columns:
                figure = dict(figure_of(topology, column))
                figure['value'] = figure[statistic]
                base_value = figure_of(base, column)[statistic] if base else None
                figure['ratio_to_baseline'] = round(figure['value'] / base_value, 2) if base_value else None
                row['figures'].setdefault(column['test'], {})[column['figure']] = figure
        rows.append(row)
    return rows
