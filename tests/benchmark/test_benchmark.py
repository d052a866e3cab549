"""playbooks/benchmark.yml for real, short (1 s per test): the report's shape, the chart, the cleanup.

Performance figures are not asserted (they belong in docs/benchmark.md); only that every row and column is
there, every measured figure is positive, a topology the kernel cannot build says why, and nothing is left.
Run as root: the playbook makes throwaway namespaces named ulbm<pid>-* and removes them.
"""
import json
import os
import re
import shutil
import struct
import subprocess
import sys
import tempfile
import zlib

import pytest

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
COLLECTIONS = os.path.join(REPO, '.venv', 'collections')
PLAYBOOK = os.path.join(REPO, 'playbooks', 'benchmark.yml')
PREFIX = 'ulbm%d' % os.getpid()
ROWS = ['bridge', 'macvlan bridge', 'ipvlan l2', 'ipvlan l3']
COLUMNS = ['TCP_STREAM', 'UDP_STREAM send', 'UDP_STREAM receive', 'TCP_RR', 'TCP_CRR', 'UDP_RR']
CELL = re.compile(r'^(?P<mean>\d+\.\d\d) (?P<unit>Mbit/s|/s) \((?P<ratio>\d+\.\d\d)×\)$')


def sh(command):
    return subprocess.run(command, shell=True, capture_output=True, text=True, check=False)


def kernel_has_ipvlan():
    """Probe in a throwaway namespace: can this kernel create an ipvlan link (loading its module if need be)?"""
    ns = '%s-probe' % PREFIX
    sh('ip netns add %s' % ns)
    try:
        return sh('ip -n {0} link add p0 type veth peer name p1 && ip -n {0} link add link p0 name t0 type ipvlan'
                  .format(ns)).returncode == 0
    finally:
        sh('ip netns del %s' % ns)


def netserver_pids():
    return set(sh('pgrep -x netserver').stdout.split())


def ours():
    return [ns for ns in sh('ip netns list').stdout.split() if ns.startswith(PREFIX)]


@pytest.fixture
def output_dir():
    path = tempfile.mkdtemp(prefix='ulbm-')
    before = netserver_pids()
    yield path
    shutil.rmtree(path, ignore_errors=True)
    leftovers = ours()
    for ns in leftovers:  # never leave them, but fail the test that left them
        sh('ip netns pids %s | xargs -r kill; ip netns del %s' % (ns, ns))
    assert not leftovers, 'the playbook left namespaces %s' % leftovers
    assert netserver_pids() <= before, 'the playbook left a netserver running'


def benchmark(output_dir, *extra):
    bindir = os.path.dirname(sys.executable)
    env = dict(os.environ, ANSIBLE_COLLECTIONS_PATH=COLLECTIONS, ANSIBLE_NOCOLOR='1',
               ANSIBLE_LOCALHOST_WARNING='false', ANSIBLE_INVENTORY_UNPARSED_WARNING='false')
    return subprocess.run([os.path.join(bindir, 'ansible-playbook'), PLAYBOOK, '-e', 'benchmark_prefix=%s' % PREFIX,
                           '-e', 'benchmark_output_dir=%s' % output_dir, '-e', 'benchmark_seconds=1'] + list(extra),
                          capture_output=True, text=True, env=env, check=False, cwd=output_dir)


def table(markdown):
    """{row label: {column: cell}} of the Markdown table, and its header."""
    lines = [line for line in markdown.splitlines() if line.startswith('| ')]
    header = [cell.strip() for cell in lines[0].strip('|').split('|')]
    rows = {}
    for line in lines[1:]:
        cells = [cell.strip() for cell in line.strip('|').split('|')]
        rows[cells[0]] = dict(zip(header[1:], cells[1:]))
    return header, rows


def png_size(path):
    """Width and height from a PNG's IHDR chunk, after checking the signature and the chunk's CRC."""
    with open(path, 'rb') as png:
        data = png.read()
    assert data[:8] == b'\x89PNG\r\n\x1a\n', 'not a PNG signature'
    length, kind = struct.unpack('>I4s', data[8:16])
    assert (length, kind) == (13, b'IHDR'), 'the first chunk is not IHDR'
    body = data[16:16 + length]
    (crc,) = struct.unpack('>I', data[16 + length:20 + length])
    assert crc == zlib.crc32(kind + body) & 0xffffffff, 'IHDR CRC mismatch'
    width, height, depth, colour = struct.unpack('>IIBB', body[:10])
    assert depth in (1, 2, 4, 8, 16) and colour in (0, 2, 3, 4, 6)
    assert data.endswith(b'IEND\xaeB`\x82'), 'the PNG has no IEND chunk'
    return width, height


def test_short_run_writes_every_row_and_column_a_chart_and_leaves_nothing(output_dir):
    ipvlan = kernel_has_ipvlan()
    run = benchmark(output_dir)
    assert run.returncode == 0, run.stdout + run.stderr

    with open(os.path.join(output_dir, 'results.md'), encoding='utf-8') as md:
        header, rows = table(md.read())
    assert header == ['topology'] + COLUMNS
    assert list(rows) == ROWS
    for label, cells in rows.items():
        assert list(cells) == COLUMNS, label
        if label.startswith('ipvlan') and not ipvlan:
            first = cells['TCP_STREAM']
            assert first.startswith('not measured: ipvlan:') and 'cannot create ipvlan' in first, first
            assert set(list(cells.values())[1:]) == {'—'}, cells
            continue
        for column, text in cells.items():
            cell = CELL.match(text)
            assert cell, (label, column, text)
            assert float(cell.group('mean')) > 0 and float(cell.group('ratio')) > 0, (label, column, text)
            assert cell.group('unit') == ('Mbit/s' if 'STREAM' in column else '/s'), (label, column, text)
            if label == 'bridge':
                assert cell.group('ratio') == '1.00'

    with open(os.path.join(output_dir, 'results.json'), encoding='utf-8') as js:
        document = json.load(js)
    assert str(document['context']['seconds per test']) == '1' and str(document['context']['repetitions']) == '1'
    assert [row['label'] for row in document['topologies']] == ROWS
    for row in document['topologies']:
        if row['status'] != 'measured':
            assert row['name'].startswith('ipvlan') and not ipvlan and row['reason'], row
            continue
        for column in document['columns']:
            figure = row['figures'][column['test']][column['figure']]
            assert figure['mean'] > 0 and len(figure['runs']) == 1 and all(r > 0 for r in figure['runs']), figure

    width, height = png_size(os.path.join(output_dir, 'chart.png'))
    assert width > 300 and height > 200

    # the table is printed too
    assert '| topology | TCP_STREAM | UDP_STREAM send |' in run.stdout


def test_check_mode_builds_nothing_and_writes_nothing(output_dir):
    run = benchmark(output_dir, '--check')
    assert run.returncode == 0, run.stdout + run.stderr
    assert 'would measure bridge, macvlan bridge' in run.stdout, run.stdout
    assert os.listdir(output_dir) == []


def test_a_failing_topology_is_a_row_that_says_what_failed_and_is_removed(output_dir):
    # the server's address outside the client's subnet: netperf cannot reach it
    run = benchmark(output_dir, '-e', '{"benchmark_topologies": ["bridge"], "benchmark_tests": ["TCP_RR"]}',
                    '-e', 'benchmark_server_address=198.19.250.2')
    assert run.returncode != 0, run.stdout
    assert 'not measured because of a failure' in run.stdout, run.stdout
    assert 'Remove the topology' in run.stdout, run.stdout
    with open(os.path.join(output_dir, 'results.md'), encoding='utf-8') as md:
        header, rows = table(md.read())
    assert header == ['topology', 'TCP_RR']
    assert rows['bridge']['TCP_RR'].startswith('failed: Netperf from the first container to the second: TCP_RR from'), rows
