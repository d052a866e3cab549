# Copyright: (c) 2026, underlay.network contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""The report's bar chart as PNG bytes: one panel per unit, a group of bars per column, a bar per topology.

matplotlib is imported guarded: a module that draws requires MATPLOTLIB (run_module's `requires`), so a
host without it gets missing_required_lib instead of a traceback.
"""

from __future__ import annotations

import io
import traceback
from typing import Any, List, Mapping

try:
    import matplotlib
    matplotlib.use('Agg')  # no display on a controller
    from matplotlib import pyplot
except ImportError:  # the module reports this through missing_required_lib
    MATPLOTLIB_IMPORT_ERROR = traceback.format_exc()
else:
    MATPLOTLIB_IMPORT_ERROR = None
# what a module that draws the chart requires (run_module's `requires`)
MATPLOTLIB = ('matplotlib', MATPLOTLIB_IMPORT_ERROR)

# (unit, panel heading), in panel order
PANELS = [('Mbit/s', 'Streams (Mbit/s, higher is better)'),
          ('/s', 'Request/response (transactions/s, higher is better)')]


def chart(title: str, context: Mapping[str, Any], rows: List[dict], columns: List[dict]) -> bytes:
    """PNG bytes: one panel per unit, a group of bars per column, one bar per measured topology."""
    measured = [r for r in rows if r['status'] == 'measured']

    def in_unit(unit):
        return [c for c in columns if any(r['figures'][c['test']][c['figure']]['unit'] == unit for r in measured)]

    panels = [(unit, heading, in_unit(unit)) for unit, heading in PANELS]
    panels = [p for p in panels if p[2]] or [(None, 'no topology was measured', [])]
    figure, axes = pyplot.subplots(1, len(panels), figsize=(5.2 * len(panels), 4.2), dpi=80, squeeze=False)
    width = 0.8 / max(len(measured), 1)
    for axis, (_unit, heading, panel_columns) in zip(axes[0], panels):
        axis.set_title(heading, fontsize=10)
        for index, row in enumerate(measured):
            values = [row['figures'][c['test']][c['figure']]['value'] for c in panel_columns]
            positions = [i + (index - (len(measured) - 1) / 2) * width for i in range(len(panel_columns))]
            axis.bar(positions, values, width, label=row['label'], color=f'C{index % 10}')
        axis.set_xticks(range(len(panel_columns)))
        axis.set_xticklabels([c['header'].replace(' ', '\n') for c in panel_columns], fontsize=8)
        axis.tick_params(axis='y', labelsize=8)
        axis.grid(axis='y', alpha=0.3)
        axis.margins(y=0.25)  # room for the legend above the tallest bar
        if measured and panel_columns:
            axis.legend(fontsize=8, loc='upper left', ncol=2)
    notes = [f"{r['label']}: {r['status']}" for r in rows if r['status'] != 'measured']
    subtitle = ', '.join(f'{key} {value}' for key, value in context.items())
    figure.suptitle(f'{title}\n{subtitle}', fontsize=10)
    if notes:
        figure.text(0.01, 0.01, '; '.join(notes), fontsize=8, color='0.35')
    figure.tight_layout(rect=(0, 0.04 if notes else 0, 1, 0.92))
    out = io.BytesIO()
    # no Software/date metadata: the same figures give the same bytes, so a re-run changes nothing
    figure.savefig(out, format='png', metadata={'Software': None})
    pyplot.close(figure)
    return out.getvalue()
