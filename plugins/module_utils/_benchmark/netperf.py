# Copyright: (c) 2026, underlay.network contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""netperf's words: the tests, the figures each gives, and reading them from its key=value output.

The one list of tests (TESTS) that the netperf and benchmark_report modules offer and the benchmark
role's argument specs repeat (tests/unit/plugins/module_utils/_benchmark/test_vocabulary.py holds the
role to it). Figures are read from netperf's `-k` output, never from its human-readable tables, so a
change of column layout cannot shift a number into the wrong place.
"""

from __future__ import annotations

import math
from typing import Dict, Iterable, List, Tuple

from ansible_collections.underlay.network.plugins.module_utils._common.errors import UnderlayError

TESTS = ['TCP_STREAM', 'UDP_STREAM', 'TCP_RR', 'TCP_CRR', 'UDP_RR']

# netperf's omni output selectors for each test's figures: figure name -> selector, in column order.
# For UDP_STREAM THROUGHPUT is the receiver's figure; the sender's is asked for on its own.
SELECTORS = {
    'UDP_STREAM': {'send': 'LOCAL_SEND_THROUGHPUT', 'receive': 'REMOTE_RECV_THROUGHPUT'},
}
DEFAULT_SELECTORS = {'throughput': 'THROUGHPUT'}
UNITS_SELECTOR = 'THROUGHPUT_UNITS'
# netperf's unit -> ours: Mbit/s for the stream tests, transactions per second for request/response
UNITS = {'10^6bits/s': 'Mbit/s', 'Trans/s': '/s'}

# one run's figures: {figure: (value, unit)}
Run = Dict[str, Tuple[float, str]]


class NetperfError(UnderlayError):
    """netperf or netserver failed, or printed no figure that can be read; the message shows what it printed."""


def selectors_of(test: str) -> Dict[str, str]:
    """{figure: netperf output selector} of one test."""
    return SELECTORS.get(test, DEFAULT_SELECTORS)


def figures_of(test: str) -> List[str]:
    """The figures one test gives, in column order: `throughput`, or UDP_STREAM's `send` and `receive`."""
    return list(selectors_of(test))


def output_selectors(test: str) -> List[str]:
    """What to ask netperf's `-k` for in one run of `test`: its figures' selectors and the unit."""
    return sorted(set(selectors_of(test).values()) | {UNITS_SELECTOR})


def columns_of(tests: Iterable[str]) -> List[dict]:
    """One column per figure of each test, in order: {test, figure, header}."""
    return [dict(test=test, figure=figure, header=test if figure == 'throughput' else f'{test} {figure}')
            for test in tests for figure in figures_of(test)]


def parse_keyval(test: str, output: str) -> Run:
    """Figures of one run from netperf's `-k` output (KEY=VALUE lines; other lines are ignored).

    Returns {figure: (value, unit)}; raises NetperfError naming the missing or unreadable key.
    """
    values = {}
    for line in output.splitlines():
        key, sep, value = line.strip().partition('=')
        if sep and key.isupper():
            values[key] = value.strip()
    shown = output.strip() or '(nothing)'
    unit = values.get(UNITS_SELECTOR)
    if unit not in UNITS:
        raise NetperfError(f'{test}: netperf printed no known {UNITS_SELECTOR} ({unit!r}); its output was: {shown}',
                           field='tests', value=test)
    figures = {}
    for figure, key in selectors_of(test).items():
        try:
            number = float(values[key])
        except (KeyError, ValueError):
            raise NetperfError(f'{test}: netperf printed no number for {key} ({values.get(key)!r}); '
                               f'its output was: {shown}', field='tests', value=test) from None
        if not math.isfinite(number) or number < 0:
            raise NetperfError(f'{test}: {key} is {number!r}, not a figure; its output was: {output.strip()}',
                               field='tests', value=test)
        figures[figure] = (number, UNITS[unit])
    return figures


def summarise(runs: List[Run]) -> dict:
    """[{figure: (value, unit)}, ...] of one test -> {figure: {mean, unit, runs}}."""
    out = {}
    for figure in runs[0]:
        numbers = [run[figure][0] for run in runs]
        out[figure] = dict(mean=round(sum(numbers) / len(numbers), 2), unit=runs[0][figure][1],
                           runs=[round(n, 2) for n in numbers])
    return out
