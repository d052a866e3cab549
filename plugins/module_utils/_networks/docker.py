# Copyright: (c) 2026, underlay.network contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Docker macvlan and ipvlan networks through the Docker Engine API on its unix socket.

Only what the collection needs: read, create and remove one network, and list them to find the
other networks on a parent. Plain HTTP/1.1 over AF_UNIX with the standard library, so managed hosts
need neither the Docker SDK for Python nor requests (docs/docker.md says why).
"""

from __future__ import annotations

import ipaddress
import json
import socket
from urllib.parse import quote

from ansible_collections.underlay.network.plugins.module_utils._common.change import report, step
from ansible_collections.underlay.network.plugins.module_utils._common.errors import UnderlayError, ValidationError
from ansible_collections.underlay.network.plugins.module_utils._common.fields import parse_network
from ansible_collections.underlay.network.plugins.module_utils._common.vocabulary import (
    DEFAULT_DRIVER, DEFAULT_MODES, DOCKER_HOST, DOCKER_MODES, ENGINE_LABEL, NETWORK_DRIVERS)
from ansible_collections.underlay.network.plugins.module_utils._networks.from_source import (
    docker_name_of, one_per_parent_message)


# the driver option that holds the mode (docker network create -o macvlan_mode=...)
MODE_OPTION = {'macvlan': 'macvlan_mode', 'ipvlan': 'ipvlan_mode'}
# the settings a network is made of; Docker cannot change any of them on an existing network
SETTINGS = ('driver', 'parent', 'subnets', 'mode')
# one IPAM config of a network (Docker's --subnet, --gateway, --ip-range, --aux-address, once per subnet)
SUBNET_SETTINGS = ('subnet', 'gateway', 'ip_range', 'aux_addresses')


class DockerError(UnderlayError):
    """The Docker engine refused or could not be reached: the message says what to do; `code` is the HTTP status."""

    def __init__(self, message: str, code: int | None = None, field: str | None = None, value=None):
        super().__init__(message, field=field, value=value)
        self.code = code


def _unix_connection(path: str, timeout: float):
    """(an HTTP connection to the unix socket `path`, the exception class of its HTTP errors). http.client is
    imported here, when a definition asks Docker, not with this module: with the ssl and email modules it pulls
    in, it was about 8 ms of every host call's imports, on hosts that have no Docker network too."""
    import http.client  # pylint: disable=import-outside-toplevel

    class UnixHTTPConnection(http.client.HTTPConnection):
        def connect(self):
            sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            sock.settimeout(self.timeout)
            sock.connect(path)
            self.sock = sock

    return UnixHTTPConnection('localhost', timeout=timeout), http.client.HTTPException


def socket_path(docker_host: str | None) -> str:
    """`unix:///run/docker.sock` or a bare path -> the path; other schemes are refused with the fix."""
    host = docker_host or DOCKER_HOST
    if host.startswith('unix://'):
        return host[len('unix://'):]
    if host.startswith('/'):
        return host
    raise ValidationError("docker_host '%s' is not a unix socket; give unix:///path/to/docker.sock (the modules "
                          "run on the Docker host itself, so TCP and SSH endpoints are not needed)" % host,
                          'docker_host', docker_host)


class DockerClient:
    """The few Engine API calls the collection makes."""

    def __init__(self, docker_host: str | None = None, timeout: float = 30):
        self.path = socket_path(docker_host)
        self.timeout = timeout

    def request(self, method: str, path: str, body: dict | None = None) -> tuple[int, object]:
        """(HTTP status, decoded JSON or None); DockerError when the engine cannot be reached."""
        conn, http_error = _unix_connection(self.path, self.timeout)
        try:
            payload = json.dumps(body) if body is not None else None
            headers = {'Content-Type': 'application/json'} if payload is not None else {}
            conn.request(method, path, payload, headers)
            response = conn.getresponse()
            data = response.read()
        except (OSError, http_error) as exc:
            raise DockerError("cannot talk to the Docker engine at unix://%s (%s); is dockerd running, and is this "
                              "its socket (docker_host)?" % (self.path, exc), field='docker_host', value=self.path)
        finally:
            conn.close()
        try:
            decoded = json.loads(data.decode('utf-8')) if data else None
        except ValueError:
            decoded = {'message': data.decode('utf-8', 'replace')}
        return response.status, decoded

    def _checked(self, status, answer, doing):
        if status >= 400:
            message = answer.get('message') if isinstance(answer, dict) else answer
            raise DockerError('Docker refused to %s: %s' % (doing, message), code=status)
        return answer

    def network(self, name: str) -> dict | None:
        """The network called `name` (not an id prefix, which the engine would also match), or None."""
        status, answer = self.request('GET', '/networks/%s' % quote(name, safe=''))
        if status == 404:
            return None
        answer = self._checked(status, answer, "read network '%s'" % name)
        return answer if answer.get('Name') == name else None

    def networks(self) -> list[dict]:
        status, answer = self.request('GET', '/networks')
        return self._checked(status, answer, 'list networks')

    def create_network(self, body: dict) -> dict:
        status, answer = self.request('POST', '/networks/create', body)
        return self._checked(status, answer, "create network '%s'" % body['Name'])

    def create(self, params: dict) -> None:
        """Create the network the role planned (definitions' engine network parameters)."""
        self.create_network(create_body(params))

    def remove_network(self, network_id: str, name: str) -> None:
        status, answer = self.request('DELETE', '/networks/%s' % quote(network_id, safe=''))
        if status != 404:
            self._checked(status, answer, "remove network '%s'" % name)


def _config_view(config):
    return {'subnet': config.get('Subnet') or None, 'gateway': config.get('Gateway') or None,
            'ip_range': config.get('IPRange') or None, 'aux_addresses': dict(config.get('AuxiliaryAddresses') or {})}


def network_view(raw: dict) -> dict:
    """A Docker network (inspect JSON) in the collection's terms: the SETTINGS plus name, id and containers."""
    configs = [_config_view(config) for config in (raw.get('IPAM') or {}).get('Config') or []]
    options = raw.get('Options') or {}
    driver = raw.get('Driver')
    containers = raw.get('Containers') or {}
    return {
        'name': raw.get('Name'),
        'id': raw.get('Id'),
        'driver': driver,
        'parent': options.get('parent'),
        'subnets': configs,
        'mode': options.get(MODE_OPTION.get(driver, ''), None),
        'ipv6': bool(raw.get('EnableIPv6')),
        'containers': sorted(info.get('Name') or cid[:12] for cid, info in containers.items()),
    }


def create_body(desired: dict) -> dict:
    """The POST /networks/create body for the desired settings (IPv6 enabled when a subnet is IPv6)."""
    configs = []
    for item in desired['subnets']:
        config = {'Subnet': item['subnet']}
        for key, docker_key in (('gateway', 'Gateway'), ('ip_range', 'IPRange'), ('aux_addresses', 'AuxiliaryAddresses')):
            if item.get(key):
                config[docker_key] = dict(item[key]) if key == 'aux_addresses' else item[key]
        configs.append(config)
    options = {'parent': desired['parent']}
    if desired.get('mode'):
        options[MODE_OPTION[desired['driver']]] = desired['mode']
    ipv6 = any(':' in item['subnet'] for item in desired['subnets'])
    return {'Name': desired['name'], 'Driver': desired['driver'], 'CheckDuplicate': True, 'EnableIPv6': ipv6,
            'IPAM': {'Driver': 'default', 'Config': configs}, 'Options': options,
            'Labels': {ENGINE_LABEL: 'true'}}


def differences(view: dict, desired: dict) -> list[tuple]:
    """[(setting, docker's value, desired value)] for the settings the desired state names."""
    found = []
    for key in SETTINGS:
        want = desired.get(key)
        if want in (None, '', {}, []):
            continue  # not named: whatever Docker has is fine
        have = view.get(key)
        if key == 'mode' and have is None:
            have = DEFAULT_MODES.get(view.get('driver'))  # Docker leaves the option out: the driver's default
        if key == 'subnets':
            found.extend(_config_differences(have, want))
        elif have != want:
            found.append((key, have, want))
    return found


def _config_differences(have, want):
    """Docker's IPAM configs against the desired ones: the same count; each named field equal, aux a subset."""
    if len(have) != len(want):
        return [('subnets', ', '.join(item['subnet'] for item in have) or 'none',
                 ', '.join(item['subnet'] for item in want))]
    found = []
    for index, (mine, theirs) in enumerate(zip(want, have)):
        where = 'subnets[%d].' % index if len(want) > 1 else ''
        for key in ('subnet', 'gateway', 'ip_range'):
            if mine.get(key) and mine[key] != theirs.get(key):
                found.append((where + key, theirs.get(key), mine[key]))
        aux = mine.get('aux_addresses') or {}
        if any(theirs['aux_addresses'].get(name) != ip for name, ip in aux.items()):
            found.append((where + 'aux_addresses', theirs['aux_addresses'], aux))
    return found


def parent_users(networks: list[dict], desired: dict) -> list[str]:
    """Other macvlan/ipvlan networks on the desired parent: Docker allows one network per parent interface."""
    return sorted(item['Name'] for item in networks
                  if item.get('Driver') in NETWORK_DRIVERS and item.get('Name') != desired['name']
                  and (item.get('Options') or {}).get('parent') == desired['parent'])


def _ip(field, value):
    try:
        return str(ipaddress.ip_address(str(value)))
    except ValueError:
        raise ValidationError("%s: '%s' is not an IP address; write it like 198.18.72.254" % (field, value),
                              field, value)


def _desired(params):
    """The desired settings; the single-subnet parameters are the one-subnet case of `subnets`."""
    desired = {key: params.get(key) for key in ('name', 'driver', 'parent', 'mode')}
    desired['driver'] = desired['driver'] or DEFAULT_DRIVER
    given = params.get('subnets') or ([{key: params.get(key) for key in SUBNET_SETTINGS}]
                                      if any(params.get(key) for key in SUBNET_SETTINGS) else [])
    desired['subnets'] = [_desired_subnet(item, i if params.get('subnets') else None) for i, item in enumerate(given)]
    if desired['driver'] not in NETWORK_DRIVERS:
        raise ValidationError("driver '%s' is not an underlay driver; use macvlan or ipvlan" % desired['driver'],
                              'driver', desired['driver'])
    if desired['mode'] and desired['mode'] not in DOCKER_MODES[desired['driver']]:
        raise ValidationError("mode '%s' is not a Docker %s mode; use one of %s" % (
            desired['mode'], desired['driver'], ', '.join(DOCKER_MODES[desired['driver']])), 'mode', desired['mode'])
    return desired


def _desired_subnet(item, index):
    where = '' if index is None else 'subnets[%d].' % index
    subnet = {'subnet': str(parse_network(where + 'subnet', item['subnet'])) if item.get('subnet') else None}
    subnet['ip_range'] = str(parse_network(where + 'ip_range', item['ip_range'])) if item.get('ip_range') else None
    subnet['gateway'] = _ip(where + 'gateway', item['gateway']) if item.get('gateway') else None
    subnet['aux_addresses'] = {name: _ip('%saux_addresses.%s' % (where, name), ip)
                               for name, ip in (item.get('aux_addresses') or {}).items()}
    return subnet


def _refuse_changes(view, found, recreate):
    if not recreate:
        raise ValidationError("Docker network '%s' exists with other settings (%s); Docker cannot change a network "
                              "in place. Fix the task to match, or set recreate: true to remove and re-create it "
                              "(only while no container is attached)" % (view['name'], '; '.join(
                                  '%s is %s, the task wants %s' % item for item in found)), found[0][0], found[0][2])
    if view['containers']:
        raise ValidationError("Docker network '%s' must be re-created (%s) but containers are attached: %s. Stop "
                              "them or disconnect them (docker network disconnect) first" % (
                                  view['name'], ', '.join(item[0] for item in found), ', '.join(view['containers'])),
                              found[0][0], found[0][2])


def reconcile_network(client: DockerClient, params: dict, check_mode: bool = False) -> dict:
    """Make Docker network params['name'] present (created, or read when it exists) or absent."""
    desired = _desired(params)
    raw = client.network(desired['name'])
    before = network_view(raw) if raw else None
    changes = []
    if params.get('state') == 'absent':
        if before is not None:
            if before['containers']:
                raise ValidationError("Docker network '%s' still has containers attached: %s. Stop or disconnect "
                                      "them first; Docker removes no network in use" % (
                                          desired['name'], ', '.join(before['containers'])), 'name', desired['name'])
            changes.append(step('remove', 'docker network', desired['name']))
            if not check_mode:
                client.remove_network(before['id'], desired['name'])
        return _result(changes, before, None)

    if before is not None:
        found = differences(before, desired)
        if not found:
            return _result(changes, before, before)
        _refuse_changes(before, found, params.get('recreate'))
        changes.append(step('remove', 'docker network', desired['name'], reason=', '.join(item[0] for item in found)))
    if not desired['parent'] or not desired['subnets'] or not all(item['subnet'] for item in desired['subnets']):
        missing = 'parent' if not desired['parent'] else 'subnet'
        raise ValidationError("Docker network '%s' does not exist and %s is not given; give parent and subnet to "
                              "create it" % (desired['name'], missing), missing, None)
    others = parent_users(client.networks(), desired)
    if others:
        raise ValidationError(one_per_parent_message(desired['name'], desired['parent'], others), 'parent',
                              desired['parent'])
    changes.append(step('create', 'docker network', desired['name']))
    after = dict(desired, id=None, containers=[], ipv6=any(':' in item['subnet'] for item in desired['subnets']))
    if not check_mode:
        if before is not None:
            client.remove_network(before['id'], desired['name'])
        try:
            client.create_network(create_body(desired))
        except DockerError as exc:
            if 'already using parent interface' in exc.message:  # a network made between our list and create
                raise ValidationError(one_per_parent_message(desired['name'], desired['parent'], ['(another)']),
                                      'parent', desired['parent'])
            raise
        after = network_view(client.network(desired['name']))
    return _result(changes, before, after)


def _result(changes, before, after):
    def shown(view):
        return {key: view[key] for key in ('name',) + SETTINGS} if view else {}
    return report(changes, shown(before), shown(after), network=after)


def docker_views(raw_networks, docker_host: str | None,
                 client: DockerClient | None = None) -> tuple[dict, DockerClient | None]:
    """Each declared Docker network as Docker has it (None when missing); no Docker call without one."""
    names = sorted({name for name in (docker_name_of(raw) for raw in raw_networks or []) if name})
    if not names:
        return {}, None
    client = client or DockerClient(docker_host)
    views = {}
    for name in names:
        raw = client.network(name)
        views[name] = dict(network_view(raw), managed=(raw.get('Labels') or {}).get(ENGINE_LABEL) == 'true') \
            if raw else None
    return views, client
