"""NetworkManager itself as the oracle of the keyfiles the networkmanager backend writes.

`nmcli --offline connection add ...` (NetworkManager 1.40 and later) prints the keyfile NetworkManager would
write for the settings given, without a daemon. For each profile of ours, the same settings are given to nmcli
in its own words (mode names, "dst metric src=X" routes), and every key we write must be what NetworkManager
writes; the keys it writes beyond ours must be its defaults (a key left out means the same).
"""
import shlex

# keys NetworkManager writes that we leave out, with the value that means the same as leaving it out
NM_DEFAULTS = {('ipv6', 'addr-gen-mode'): 'default', ('vlan', 'flags'): '1'}
MODE_NAMES = {'macvlan': {'1': 'vepa', '2': 'bridge', '3': 'private', '4': 'passthru', '5': 'source'},
              'ipvlan': {'1': 'l2', '2': 'l3', '3': 'l3s'}}  # ipvlan: NetworkManager 1.52 on


def parse_keyfile(text):
    """{section: {key: value}} of a keyfile's text (comments and empty sections left out)."""
    sections, current = {}, None
    for line in text.splitlines():
        line = line.strip()
        if line.startswith('[') and line.endswith(']'):
            current = sections.setdefault(line[1:-1], {})
        elif current is not None and '=' in line and not line.startswith('#'):
            key, value = line.split('=', 1)
            current[key] = value
    return {name: keys for name, keys in sections.items() if keys}


def _routes(section):
    """nmcli's words for the routes of one family's section: "dst metric src=X", comma-separated."""
    words = []
    for key in sorted(key for key in section if key.startswith('route') and key[5:].isdigit()):
        destination, _gateway, metric = section[key].split(',')
        option = section.get(key + '_options')
        words.append(' '.join([destination, metric] + ([option] if option else [])))
    return ', '.join(words)


def nmcli_arguments(profile):
    """`nmcli --offline connection add` arguments that ask NetworkManager for the settings of `profile`."""
    connection, kind = profile['connection'], profile['connection']['type']
    args = ['type', kind, 'con-name', connection['id'], 'ifname', connection['interface-name']]
    own = profile[kind]
    args += ['dev', own['parent']]
    if profile.get('ethernet', {}).get('cloned-mac-address'):
        args += ['ethernet.cloned-mac-address', profile['ethernet']['cloned-mac-address']]
    if kind == 'vlan':
        args += ['id', own['id']]
    else:
        args += ['mode', MODE_NAMES[kind][own['mode']]]
    for family in ('ipv4', 'ipv6'):
        section = profile.get(family, {})
        args += ['%s.method' % family, section['method']]
        addresses = [section[key] for key in sorted(section) if key.startswith('address')]
        if addresses:
            args += ['%s.addresses' % family, ','.join(addresses)]
        if section.get('never-default'):
            args += ['%s.never-default' % family, 'yes']
        if _routes(section):
            args += ['%s.routes' % family, _routes(section)]
    return args


def disagreements(ours_text, run):
    """What NetworkManager writes differently from our keyfile text: [(section, key, ours, NetworkManager's)].
    `run(argv)`: runs a command on a host with NetworkManager (1.40+) and returns its output."""
    ours = parse_keyfile(ours_text)
    oracle = parse_keyfile(run(['nmcli', '--offline', 'connection', 'add'] + nmcli_arguments(ours)))
    found = []
    for section, keys in ours.items():
        for key, value in keys.items():
            if section == 'user' or (section, key) == ('connection', 'uuid'):
                continue  # nmcli --offline has no user data; a UUID is each profile's own
            if oracle.get(section, {}).get(key) != value:
                found.append((section, key, value, oracle.get(section, {}).get(key)))
    for section, keys in oracle.items():
        for key, value in keys.items():
            if key not in ours.get(section, {}) and (section, key) != ('connection', 'uuid') \
                    and NM_DEFAULTS.get((section, key)) != value:
                found.append((section, key, None, value))
    return found


def quoted(argv):
    return ' '.join(shlex.quote(word) for word in argv)
