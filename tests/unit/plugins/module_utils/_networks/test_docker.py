# Copyright: (c) 2026, underlay.network contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""_docker: the Engine API client over a real unix socket (a tiny fake engine), and reconcile_network's rules."""


import json
import os
import socket
import subprocess
import sys
import threading

import pytest

from ansible_collections.underlay.network.plugins.module_utils._common.errors import ValidationError
from ansible_collections.underlay.network.plugins.module_utils._networks.docker import (
    DockerClient, DockerError, create_body, network_view, reconcile_network, socket_path)


def inspect(name='mynet', parent='eth0', containers=None, **ipam):
    config = {'Subnet': '198.18.64.0/20', 'Gateway': '198.18.64.1', 'IPRange': '198.18.72.0/24',
              'AuxiliaryAddresses': {'host': '198.18.72.254'}}
    config.update(ipam)
    return {'Name': name, 'Id': name + '-id', 'Driver': 'macvlan', 'IPAM': {'Config': [config]},
            'Options': {'parent': parent}, 'Containers': containers or {}}


class FakeEngine:
    """The few Engine API answers the client needs, served over a unix socket like dockerd's."""

    def __init__(self, path, networks=()):
        self.networks = {item['Name']: item for item in networks}
        self.requests = []
        self.server = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.server.bind(path)
        self.server.listen(8)
        self.thread = threading.Thread(target=self.serve)
        self.thread.daemon = True
        self.thread.start()

    def serve(self):
        while True:
            try:
                conn, _addr = self.server.accept()
            except OSError:
                return
            with conn:
                data = b''
                while b'\r\n\r\n' not in data:
                    data += conn.recv(65536)
                head, body = data.split(b'\r\n\r\n', 1)
                lines = head.decode().split('\r\n')
                method, path = lines[0].split(' ')[:2]
                length = [int(line.split(':')[1]) for line in lines if line.lower().startswith('content-length')]
                while length and len(body) < length[0]:
                    body += conn.recv(65536)
                self.requests.append((method, path))
                status, answer = self.answer(method, path, json.loads(body) if body else None)
                payload = json.dumps(answer).encode()
                conn.sendall(b'HTTP/1.1 %d X\r\nContent-Type: application/json\r\nContent-Length: %d\r\n'
                             b'Connection: close\r\n\r\n' % (status, len(payload)) + payload)

    def answer(self, method, path, body):
        if method == 'GET' and path == '/networks':
            return 200, list(self.networks.values())
        if method == 'GET' and path.startswith('/networks/'):
            name = path.split('/')[2]
            found = [item for item in self.networks.values() if item['Name'] == name or item['Id'].startswith(name)]
            return (200, found[0]) if found else (404, {'message': 'network %s not found' % name})
        if method == 'POST' and path == '/networks/create':
            config = body['IPAM']['Config'][0]
            self.networks[body['Name']] = dict(inspect(body['Name'], body['Options']['parent']),
                                               IPAM={'Config': [config]}, Options=body['Options'])
            return 201, {'Id': body['Name'] + '-id'}
        if method == 'DELETE':
            self.networks = {k: v for k, v in self.networks.items() if v['Id'] != path.split('/')[2]}
            return 204, None
        return 500, {'message': 'unexpected %s %s' % (method, path)}

    def close(self):
        self.server.close()


@pytest.fixture
def engine(tmp_path):
    path = str(tmp_path / 'docker.sock')
    fake = FakeEngine(path, [inspect()])
    fake.client = DockerClient('unix://' + path)
    yield fake
    fake.close()


def params(**extra):
    base = {'name': 'mynet', 'state': 'present', 'driver': 'macvlan', 'parent': None, 'subnet': None,
            'gateway': None, 'ip_range': None, 'aux_addresses': None, 'mode': None, 'recreate': False}
    base.update(extra)
    return base


def test_an_existing_network_is_read_and_left_alone(engine):
    result = reconcile_network(engine.client, params())
    assert result['changed'] is False and result['changes'] == []
    assert result['network']['subnets'][0]['aux_addresses'] == {'host': '198.18.72.254'}
    assert [method for method, _path in engine.requests] == ['GET']


def test_an_id_prefix_is_not_a_name(engine):
    assert engine.client.network('myn') is None


def test_create_sends_every_setting_and_reads_back(engine):
    result = reconcile_network(engine.client, params(name='v10', parent='eth0.10', subnet='198.18.96.0/20',
                                                     ip_range='198.18.97.0/24', aux_addresses={'host': '198.18.97.254'},
                                                     mode='bridge'))
    assert result['changed']
    assert result['changes'] == [{'action': 'create', 'kind': 'docker network', 'name': 'v10', 'netns': None}]
    created = engine.networks['v10']
    assert created['Options'] == {'parent': 'eth0.10', 'macvlan_mode': 'bridge'}
    assert created['IPAM']['Config'][0] == {'Subnet': '198.18.96.0/20', 'IPRange': '198.18.97.0/24',
                                            'AuxiliaryAddresses': {'host': '198.18.97.254'}}
    assert result['network']['parent'] == 'eth0.10'


def test_check_mode_creates_nothing(engine):
    result = reconcile_network(engine.client, params(name='new', parent='eth1', subnet='198.18.96.0/20'), True)
    assert result['changed'] and 'new' not in engine.networks
    assert all(method == 'GET' for method, _path in engine.requests)


def test_a_second_network_on_a_parent_is_refused_before_docker_is_asked(engine):
    with pytest.raises(ValidationError) as exc:
        reconcile_network(engine.client, params(name='other', parent='eth0', subnet='198.18.96.0/20'))
    assert "'mynet' already uses 'eth0'" in exc.value.message and 'eth0.10' in exc.value.message
    assert ('POST', '/networks/create') not in engine.requests


def test_other_settings_are_refused_then_recreated_on_request(engine):
    with pytest.raises(ValidationError) as exc:
        reconcile_network(engine.client, params(subnet='198.18.64.0/21'))
    assert 'subnet is 198.18.64.0/20, the task wants 198.18.64.0/21' in exc.value.message
    result = reconcile_network(engine.client, params(parent='eth0', subnet='198.18.64.0/21', recreate=True))
    assert [change['action'] for change in result['changes']] == ['remove', 'create']
    assert engine.networks['mynet']['IPAM']['Config'][0]['Subnet'] == '198.18.64.0/21'


def test_nothing_is_removed_or_recreated_with_containers_attached(engine):
    engine.networks['mynet']['Containers'] = {'abc': {'Name': 'web1'}}
    for extra in ({'state': 'absent'}, {'subnet': '198.18.64.0/21', 'recreate': True}):
        with pytest.raises(ValidationError) as exc:
            reconcile_network(engine.client, params(**extra))
        assert 'web1' in exc.value.message
    assert 'mynet' in engine.networks


def test_absent_removes_and_is_idempotent(engine):
    assert reconcile_network(engine.client, params(state='absent'))['changed'] is True
    assert 'mynet' not in engine.networks
    assert reconcile_network(engine.client, params(state='absent'))['changed'] is False


@pytest.mark.parametrize('extra, field', [
    ({'subnet': '198.18.64.1/20'}, 'subnet'),
    ({'gateway': 'gw'}, 'gateway'),
    ({'aux_addresses': {'host': 'x'}}, 'aux_addresses.host'),
    ({'mode': 'l2'}, 'mode'),
])
def test_bad_settings_name_the_field(engine, extra, field):
    with pytest.raises(ValidationError) as exc:
        reconcile_network(engine.client, params(**extra))
    assert exc.value.field == field
    assert engine.requests == []


def test_a_missing_network_needs_parent_and_subnet(engine):
    with pytest.raises(ValidationError) as exc:
        reconcile_network(engine.client, params(name='nope'))
    assert exc.value.field == 'parent' and 'give parent and subnet' in exc.value.message


def test_no_engine_and_tcp_endpoints_are_explained(tmp_path):
    with pytest.raises(DockerError) as exc:
        DockerClient('unix://' + str(tmp_path / 'none.sock')).network('x')
    assert 'is dockerd running' in exc.value.message
    with pytest.raises(ValidationError):
        socket_path('tcp://198.18.0.1:2375')
    assert socket_path('/run/docker.sock') == '/run/docker.sock'


def test_view_and_body_round_trip():
    view = network_view(inspect(containers={'abcdef0123456789': {}}))
    assert view['containers'] == ['abcdef012345'] and view['mode'] is None
    body = create_body(dict(view, name='x', subnets=[dict(view['subnets'][0], gateway=None)]))
    assert 'Gateway' not in body['IPAM']['Config'][0] and body['Labels'] == {'underlay.network.managed': 'true'}


def test_a_network_made_without_a_mode_has_the_drivers_default(engine):
    assert reconcile_network(engine.client, params(mode='bridge'))['changed'] is False
    with pytest.raises(ValidationError) as exc:
        reconcile_network(engine.client, params(mode='vepa'))
    assert 'mode is bridge, the task wants vepa' in exc.value.message


def test_http_client_is_imported_only_when_docker_is_asked():
    """Every host call imports this module; http.client (with ssl and email) only a call that talks to Docker."""
    code = ('import sys; from ansible_collections.underlay.network.plugins.module_utils._networks import docker; '
            'print("http.client" in sys.modules)')
    run = subprocess.run([sys.executable, '-c', code], capture_output=True, text=True, check=True,
                         env=dict(os.environ, PYTHONPATH=os.pathsep.join(sys.path)))
    assert run.stdout.strip() == 'False', run.stdout + run.stderr
