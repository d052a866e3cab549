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

# The order of things only: the rounds pooled (_benchmark/statistics.py), the rows checked and the table
# written (_benchmark/report.py), the chart drawn (_benchmark/chart.py), the files rewritten when they
# change (_benchmark/files.py).
from ansible_collections.underlay.network.plugins.module_utils._benchmark import report
from ansible_collections.underlay.network.plugins.module_utils._benchmark.chart import MATPLOTLIB, chart
from ansible_collections.underlay.network.plugins.module_utils._benchmark.files import paths, write_report
from ansible_collections.underlay.network.plugins.module_utils._benchmark.netperf import TESTS, columns_of
from ansible_collections.underlay.network.plugins.module_utils._benchmark.statistics import STATISTICS, with_ratios
from ansible_collections.underlay.network.plugins.module_utils._common.module import run_module


def _report(module):
    params = module.params
    title, context, baseline, statistic = params['title'], params['context'], params['baseline'], params['statistic']
    topologies = report.pooled_topologies(params['topologies'])
    columns = columns_of(params['tests'])
    report.check_rows(topologies, columns)
    rows = with_ratios(topologies, columns, baseline, statistic)
    text = report.markdown(title, context, rows, columns, baseline, statistic)
    contents = dict(markdown=text.encode('utf-8'),
                    json=report.document(title, context, rows, columns, baseline, statistic).encode('utf-8'),
                    chart=chart(title, context, rows, columns))
    written = write_report(module, params['dest'], contents)
    return dict(changed=bool(written), markdown=text, files=paths(params['dest']), written=written)


def main():
    run_module(dict(
        dest=dict(type='path', required=True),
        topologies=dict(type='list', elements='dict', required=True, options=dict(
            name=dict(type='str', required=True),
            label=dict(type='str'),
            status=dict(type='str', required=True, choices=report.STATUSES),
            reason=dict(type='str'),
            figures=dict(type='raw'),
        )),
        tests=dict(type='list', elements='str', choices=TESTS, default=list(TESTS)),
        baseline=dict(type='str', default='bridge'),
        statistic=dict(type='str', default=STATISTICS[0], choices=STATISTICS),
        context=dict(type='dict', default={}),
        title=dict(type='str', default='Data plane: bridge vs macvlan vs ipvlan'),
    ), _report, requires=[MATPLOTLIB])


if __name__ == '__main__':
    main()
