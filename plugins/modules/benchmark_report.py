#!/usr/bin/python
# Copyright: (c) 2026, underlay.network contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later


DOCUMENTATION = r'''
module: benchmark_report
short_description: Write a data-plane comparison as a Markdown table, a JSON file and a PNG bar chart
version_added: 0.1.0
description:
  - Takes the figures of several topologies (each measured with M(underlay.network.netperf), or not measured
    with the reason why) and writes three files into O(dest) - C(results.md), a Markdown table with one row
    per topology and one column per figure, each figure followed by its ratio to the topology named in
    O(baseline); C(results.json), the same with every run; and C(chart.png), a bar chart of the same figures.
  - A topology that was not measured (for example because the kernel has no driver for it) keeps its row,
    which says why.
  - Usually runs on the controller (C(delegate_to) C(localhost)), where the chart library is installed.
  - Files are only rewritten when their content changes; check mode writes nothing and reports what would
    change.
author:
  - underlay.network maintainers (@underlay-network)
extends_documentation_fragment:
  - underlay.network.link.ATTRIBUTES
attributes:
  diff_mode:
    support: none
options:
  dest:
    description: Directory to write C(results.md), C(results.json) and C(chart.png) into; created when missing.
    type: path
    required: true
  topologies:
    description:
      - One entry per row, in order.
    type: list
    elements: dict
    required: true
    suboptions:
      name:
        description: Short identifier, for example V(macvlan_bridge).
        type: str
        required: true
      label:
        description: What the row is called in the table and the chart, for example V(macvlan bridge).
        type: str
      status:
        description: V(measured), V(not measured) (O(topologies[].reason) says why) or V(failed).
        type: str
        choices: [measured, not measured, failed]
        required: true
      reason:
        description: Why the topology was not measured or what failed. Required unless measured.
        type: str
      figures:
        description:
          - The C(figures) that M(underlay.network.netperf) returned, or a list of them (one per round of a
            benchmark that measures every topology in turn, round after round); the runs of all of them are
            pooled. Required when measured.
        type: raw
  tests:
    description: The netperf tests that make the columns, in order (V(UDP_STREAM) makes two, send and receive).
    type: list
    elements: str
    choices: [TCP_STREAM, UDP_STREAM, TCP_RR, TCP_CRR, UDP_RR]
    default: [TCP_STREAM, UDP_STREAM, TCP_RR, TCP_CRR, UDP_RR]
  statistic:
    description:
      - Which figure of the pooled runs the table and the chart show, and the ratios compare. V(median) (the
        default) is not moved by one run that other work on the host slowed down; V(mean) is. The JSON file
        has both, with the lowest and the highest run.
    type: str
    choices: [median, mean]
    default: median
  baseline:
    description: O(topologies[].name) of the row every ratio is taken against.
    type: str
    default: bridge
  context:
    description:
      - Facts printed above the table and stored in the JSON file, for example the host, its kernel and the
        seconds per test. Keys and values are shown as they are.
    type: dict
    default: {}
  title:
    description: Heading of C(results.md) and title of the chart.
    type: str
    default: "Data plane: bridge vs macvlan vs ipvlan"
requirements:
  - matplotlib on the host the module runs on (for C(chart.png))
seealso:
  - module: underlay.network.netperf
'''

EXAMPLES = r'''
- name: The report, on the controller
  underlay.network.benchmark_report:
    dest: /srv/benchmark
    topologies:
      - {name: bridge, label: bridge, status: measured, figures: "{{ bridge_netperf.figures }}"}
      - {name: ipvlan_l2, label: ipvlan l2, status: not measured, reason: the kernel has no ipvlan driver}
    context: {host: "{{ inventory_hostname }}", seconds per test: 10}
  delegate_to: localhost
'''

RETURN = r'''
markdown:
  description: The content of C(results.md).
  returned: always
  type: str
files:
  description: The three files' paths.
  returned: always
  type: dict
  sample: {markdown: /srv/benchmark/results.md, json: /srv/benchmark/results.json, chart: /srv/benchmark/chart.png}
written:
  description: The files that were (or, in check mode, would be) rewritten.
  returned: always
  type: list
  elements: str
'''

import io
import json
import os
import traceback

from ansible.module_utils.basic import AnsibleModule, missing_required_lib

try:
    import matplotlib
    matplotlib.use('Agg')  # no display on a controller
    from matplotlib import pyplot
except ImportError:
    MATPLOTLIB_ERROR = traceback.format_exc()
else:
    MATPLOTLIB_ERROR = None

TESTS = ['TCP_STREAM', 'UDP_STREAM', 'TCP_RR', 'TCP_CRR', 'UDP_RR']
# The figures each test gives (underlay.network.netperf's names), in column order.
FIGURES = {'UDP_STREAM': ['send', 'receive']}
CHART_PANELS = [('Mbit/s', 'Streams (Mbit/s, higher is better)'),
                ('/s', 'Request/response (transactions/s, higher is better)')]


def columns_of(tests):
    columns = []
    for test in tests:
        for figure in FIGURES.get(test, ['throughput']):
            header = test if figure == 'throughput' else '%s %s' % (test, figure)
            columns.append(dict(test=test, figure=figure, header=header))
    return columns


def pooled(figures):
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
            runs = sorted(merged['runs'])
            middle = len(runs) // 2
            merged.update(mean=round(sum(runs) / len(runs), 2), min=runs[0], max=runs[-1],
                          median=round(runs[middle] if len(runs) % 2 else (runs[middle - 1] + runs[middle]) / 2.0, 2))
    return out


def figure_of(topology, column):
    return (topology.get('figures') or {}).get(column['test'], {}).get(column['figure'])


def check_input(module, topologies, columns):
    """Every measured row has every column's figure; every other row says why. Fails naming what is missing."""
    for index, topology in enumerate(topologies):
        where = 'topologies[%d] (%s)' % (index, topology['name'])
        if topology['status'] != 'measured':
            if not topology.get('reason'):
                module.fail_json(msg='%s: status is %r but reason is empty; say why it was not measured'
                                     % (where, topology['status']))
            continue
        for column in columns:
            figure = figure_of(topology, column)
            if not isinstance(figure, dict) or not isinstance(figure.get('mean'), (int, float)):
                module.fail_json(msg='%s: status is measured but figures has no %s %s mean; give the figures '
                                     'underlay.network.netperf returned for these tests'
                                     % (where, column['test'], column['figure']))


def with_ratios(topologies, columns, baseline, statistic='median'):
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


def cell(figure):
    ratio = figure['ratio_to_baseline']
    return '%.2f %s (%s)' % (figure['value'], figure['unit'], '%.2f×' % ratio if ratio is not None else 'no baseline')


def markdown(title, context, rows, columns, baseline, statistic='median'):
    lines = ['# %s' % title, '']
    for key, value in context.items():
        lines.append('- %s: %s' % (key, value))
    lines += ['- each figure: the %s of its runs, then its ratio to %s' % (statistic, baseline), '',
              '| topology | %s |' % ' | '.join(c['header'] for c in columns),
              '|---|%s' % ('---|' * len(columns))]
    for row in rows:
        if row['status'] == 'measured':
            cells = [cell(row['figures'][c['test']][c['figure']]) for c in columns]
        else:
            cells = ['%s: %s' % (row['status'], row['reason'])] + ['—'] * (len(columns) - 1)
        lines.append('| %s | %s |' % (row['label'], ' | '.join(cells)))
    return '\n'.join(lines) + '\n'


def chart(title, context, rows, columns):
    """PNG bytes: one panel per unit, a group of bars per column, one bar per measured topology."""
    measured = [r for r in rows if r['status'] == 'measured']

    def in_unit(unit):
        return [c for c in columns if any(r['figures'][c['test']][c['figure']]['unit'] == unit for r in measured)]

    panels = [(unit, heading, in_unit(unit)) for unit, heading in CHART_PANELS]
    panels = [p for p in panels if p[2]] or [(None, 'no topology was measured', [])]
    figure, axes = pyplot.subplots(1, len(panels), figsize=(5.2 * len(panels), 4.2), dpi=80, squeeze=False)
    width = 0.8 / max(len(measured), 1)
    for axis, (unit, heading, panel_columns) in zip(axes[0], panels):
        axis.set_title(heading, fontsize=10)
        for index, row in enumerate(measured):
            values = [row['figures'][c['test']][c['figure']]['value'] for c in panel_columns]
            positions = [i + (index - (len(measured) - 1) / 2.0) * width for i in range(len(panel_columns))]
            axis.bar(positions, values, width, label=row['label'], color='C%d' % (index % 10))
        axis.set_xticks(range(len(panel_columns)))
        axis.set_xticklabels([c['header'].replace(' ', '\n') for c in panel_columns], fontsize=8)
        axis.tick_params(axis='y', labelsize=8)
        axis.grid(axis='y', alpha=0.3)
        axis.margins(y=0.25)  # room for the legend above the tallest bar
        if measured and panel_columns:
            axis.legend(fontsize=8, loc='upper left', ncol=2)
    notes = ['%s: %s' % (r['label'], r['status']) for r in rows if r['status'] != 'measured']
    subtitle = ', '.join('%s %s' % (k, v) for k, v in context.items())
    figure.suptitle('%s\n%s' % (title, subtitle), fontsize=10)
    if notes:
        figure.text(0.01, 0.01, '; '.join(notes), fontsize=8, color='0.35')
    figure.tight_layout(rect=(0, 0.04 if notes else 0, 1, 0.92))
    out = io.BytesIO()
    # no Software/date metadata: the same figures give the same bytes, so a re-run changes nothing
    figure.savefig(out, format='png', metadata={'Software': None})
    pyplot.close(figure)
    return out.getvalue()


def write_if_changed(module, path, content):
    try:
        with open(path, 'rb') as existing:
            if existing.read() == content:
                return False
    except OSError:
        pass
    if not module.check_mode:
        temp = '%s.tmp%d' % (path, os.getpid())
        with open(temp, 'wb') as out:
            out.write(content)
        module.atomic_move(temp, path)
    return True


def main():
    module = AnsibleModule(
        argument_spec=dict(
            dest=dict(type='path', required=True),
            topologies=dict(type='list', elements='dict', required=True, options=dict(
                name=dict(type='str', required=True),
                label=dict(type='str'),
                status=dict(type='str', required=True, choices=['measured', 'not measured', 'failed']),
                reason=dict(type='str'),
                figures=dict(type='raw'),
            )),
            tests=dict(type='list', elements='str', choices=TESTS, default=list(TESTS)),
            baseline=dict(type='str', default='bridge'),
            statistic=dict(type='str', default='median', choices=['median', 'mean']),
            context=dict(type='dict', default={}),
            title=dict(type='str', default='Data plane: bridge vs macvlan vs ipvlan'),
        ),
        supports_check_mode=True,
    )
    if MATPLOTLIB_ERROR:
        module.fail_json(msg=missing_required_lib('matplotlib'), exception=MATPLOTLIB_ERROR)
    params = module.params
    for index, topology in enumerate(params['topologies']):
        if not isinstance(topology.get('figures') or {}, (dict, list)):
            module.fail_json(msg='topologies[%d] (%s): figures is a %s; give the figures underlay.network.netperf '
                                 'returned, or a list of them' % (index, topology['name'], type(topology['figures']).__name__))
        topology['figures'] = pooled(topology.get('figures'))
    columns = columns_of(params['tests'])
    check_input(module, params['topologies'], columns)
    rows = with_ratios(params['topologies'], columns, params['baseline'], params['statistic'])
    text = markdown(params['title'], params['context'], rows, columns, params['baseline'], params['statistic'])
    document = dict(title=params['title'], context=params['context'], baseline=params['baseline'],
                    statistic=params['statistic'], columns=columns, topologies=rows)
    files = dict(markdown=os.path.join(params['dest'], 'results.md'),
                 json=os.path.join(params['dest'], 'results.json'),
                 chart=os.path.join(params['dest'], 'chart.png'))
    contents = dict(markdown=text.encode('utf-8'),
                    json=(json.dumps(document, indent=2, ensure_ascii=False) + '\n').encode('utf-8'),
                    chart=chart(params['title'], params['context'], rows, columns))
    if not os.path.isdir(params['dest']) and not module.check_mode:
        os.makedirs(params['dest'])
    written = [files[kind] for kind in ('markdown', 'json', 'chart') if write_if_changed(module, files[kind], contents[kind])]
    module.exit_json(changed=bool(written), markdown=text, files=files, written=written)


if __name__ == '__main__':
    main()
