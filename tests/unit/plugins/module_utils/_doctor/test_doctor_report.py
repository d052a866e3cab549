# Copyright: (c) 2026, underlay.network contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""_doctor.report and the container-range sample: what a person reads, and which addresses the probes ask for."""

from ansible_collections.underlay.network.plugins.module_utils._doctor import examine, report
from ansible_collections.underlay.network.plugins.module_utils._doctor.decide import finding

FINDINGS = [dict(finding('new_macs_upstream', 'lan', 'fail', 'from a new MAC nothing answered', 'use driver: ipvlan'),
                 host='h1'),
            dict(finding('wireless_parent', 'lan', 'ok', 'eth0 | not wireless', 'unused'), host='h1')]


def test_the_result_counts_tables_and_sentences():
    result = report.result('h1', FINDINGS)
    assert result['counts'] == {'ok': 1, 'warn': 0, 'fail': 1} and not result['healthy'] and not result['changed']
    assert result['problems'] == ['h1: network lan, new_macs_upstream FAIL: from a new MAC nothing answered. '
                                  'Fix: use driver: ipvlan']
    assert result['table'][0] == 'h1: 1 ok, 0 warn, 1 fail'
    assert result['table'][2].split() == ['FAIL', 'lan', 'new_macs_upstream', 'use', 'driver:', 'ipvlan']
    assert result['table'][3].split() == ['OK', 'lan', 'wireless_parent', '-']  # an ok finding has no fix
    assert '| **fail** | lan | new_macs_upstream | from a new MAC nothing answered | use driver: ipvlan |' in \
        result['markdown']
    assert '| ok | lan | wireless_parent | eth0 \\| not wireless |  |' in result['markdown']  # pipes escaped


def test_the_range_sample_spreads_over_the_range():
    assert examine.range_sample('198.18.248.0/22') == ['198.18.248.1', '198.18.248.205', '198.18.249.153',
                                                       '198.18.250.101', '198.18.251.49', '198.18.251.254']
    assert examine.range_sample('198.18.248.0/30') == ['198.18.248.1', '198.18.248.2']
    assert examine.range_sample('2001:db8:1::100/126') == ['2001:db8:1::101', '2001:db8:1::102', '2001:db8:1::103']
