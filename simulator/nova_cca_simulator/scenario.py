# Copyright 2026 The nova-cca Authors
#
# Licensed under the Apache License, Version 2.0 (the "License"); you may
# not use this file except in compliance with the License. You may obtain
# a copy of the License at
#
#      http://www.apache.org/licenses/LICENSE-2.0
#
# Unless required by applicable law or agreed to in writing, software
# distributed under the License is distributed on an "AS IS" BASIS, WITHOUT
# WARRANTIES OR CONDITIONS OF ANY KIND, either express or implied. See the
# License for the specific language governing permissions and limitations
# under the License.

"""Scenario files of ``nova-cca simulate``: load and check, start nothing.

A scenario (YAML) names simulated hosts, flavors, images and the steps to
run through the compute API; see docs/simulation.md, which lists every rule
checked here. Every mistake is reported as a :class:`ScenarioError` naming
its place (``steps[3].action.do``) before any service starts; the message
is one line of at most :data:`MAX_MESSAGE` characters.
"""

import dataclasses
import importlib.resources
import pathlib
import re

from oslo_config import cfg
import yaml

from nova_cca import conf as realm_conf
from nova_cca import glossary
from nova_cca_simulator import domcaps

ARCHES = (glossary.AARCH64, 'x86_64')
#: the largest simulated host (Nova's fake libvirt host limit)
MAX_VCPUS = 16
#: the largest integer Nova and Placement store (nova.db.constants.MAX_INT)
MAX_INT = 2147483647
#: a scenario file is read only up to this size (bytes)
MAX_FILE_BYTES = 1024 * 1024
#: a loaded document may hold at most this many values, counting every
#: use of a YAML alias again (what a reader of the document sees)
MAX_NODES = 100000
#: and nest at most this deep
MAX_DEPTH = 32
#: the longest error message
MAX_MESSAGE = 300
#: Nova's limit of names (servers, flavors) and extra specs
MAX_NAME = 255
#: Placement names providers with at most 200 characters; Nova's child
#: provider of a host is '<host>_arm_cca'
MAX_HOST_NAME = 200 - len(glossary.CHILD_PROVIDER_SUFFIX)
#: the characters of a compute host name Nova's API accepts (the 'fqdn'
#: parameter type of server create, migrate and evacuate)
HOST_NAME = re.compile(r'[A-Za-z0-9._-]+\Z')
#: the flavor extra spec keys Nova's API accepts (its JSON schema's
#: pattern, whose '9-_' is a range from '9' to '_')
EXTRA_SPEC_KEY = re.compile(r'[a-zA-Z0-9-_:. ]{1,255}\Z')


class ScenarioError(ValueError):
    """A malformed scenario: one line that names the place first.

    :ivar place: where in the document (``hosts[0].vcpus``), or the file
    """

    def __init__(self, place, message=None):
        if message is None:
            place, message = None, place
        self.place = place
        text = message if place is None else '%s: %s' % (place, message)
        text = ' '.join(str(text).split())
        if len(text) > MAX_MESSAGE:
            text = text[:MAX_MESSAGE - 3] + '...'
        super().__init__(text)


def _show(value, limit=60):
    """A short repr of a value for a message."""
    try:
        text = repr(value)
    except ValueError:  # an integer too long to print
        return '<an integer of more than 4300 digits>'
    return text if len(text) <= limit else text[:limit - 3] + '...'


def _type_name(value):
    return {bool: 'a boolean', int: 'an integer', float: 'a number',
            str: 'a string', list: 'a list', dict: 'a mapping',
            type(None): 'nothing'}.get(type(value), type(value).__name__)


@dataclasses.dataclass
class Host:
    name: str
    arch: str = glossary.AARCH64
    cca: bool = False
    measurement_algos: tuple = glossary.MEASUREMENT_ALGORITHMS
    #: the domcaps file and its text, read and checked when loaded
    domcaps_path: pathlib.Path = None
    domcaps_text: str = None
    vcpus: int = 8
    memory_mb: int = 16384
    disk_gb: int = 200
    #: per-host [arm_cca] options
    arm_cca: dict = dataclasses.field(default_factory=dict)

    def domcaps_xml(self):
        """The aarch64 domain capabilities this host serves, or None."""
        if self.arch != glossary.AARCH64:
            return None
        if self.domcaps_text is not None:
            return self.domcaps_text
        return domcaps.render(self.cca, self.measurement_algos)


@dataclasses.dataclass
class Flavor:
    name: str
    vcpus: int = 1
    ram: int = 512
    disk: int = 1
    extra_specs: dict = dataclasses.field(default_factory=dict)


@dataclasses.dataclass
class Image:
    name: str
    properties: dict = dataclasses.field(default_factory=dict)


@dataclasses.dataclass
class Step:
    index: int
    #: 'boot', 'action' or 'host'
    kind: str
    server: str = None   # boot, action
    do: str = None       # action name, 'host-down' or 'host-up'
    flavor: str = None   # boot, resize
    image: str = None    # boot, rebuild
    host: str = None     # boot (admin-requested host), migrations,
    #                      evacuate; the host of a host step


@dataclasses.dataclass
class Scenario:
    hosts: list
    flavors: list
    images: list
    steps: list
    source: str = '<built-in default>'


@dataclasses.dataclass(frozen=True)
class Action:
    """One ``do`` of an action step: how the compute API is asked."""

    #: key of the server action in the request body (None: DELETE)
    request: str
    #: its value: None, or a mapping the step's flavor/image/host join
    body: object
    #: who asks: 'user' or 'admin'
    by: str
    #: the server status the action settles in when it worked (None: the
    #: status the server had before)
    settles_in: str
    #: the step key the action needs ('flavor', 'image') or None
    needs: str = None
    #: whether the step's ``host`` is the action's target host
    targets_host: bool = False


#: the vocabulary of action steps (``action: {server, do: <name>}``), in
#: the order docs/simulation.md lists them. Migrations and resizes are
#: confirmed automatically.
ACTIONS = {
    'suspend': Action('suspend', None, 'user', 'SUSPENDED'),
    'resume': Action('resume', None, 'user', 'ACTIVE'),
    'live-migrate': Action('os-migrateLive', {'host': None,
                                              'block_migration': 'auto'},
                           'admin', 'ACTIVE', targets_host=True),
    'migrate': Action('migrate', None, 'admin', 'VERIFY_RESIZE',
                      targets_host=True),
    'resize': Action('resize', {}, 'user', 'VERIFY_RESIZE', needs='flavor'),
    'reboot': Action('reboot', {'type': 'HARD'}, 'user', 'ACTIVE'),
    'stop': Action('os-stop', None, 'user', 'SHUTOFF'),
    'start': Action('os-start', None, 'user', 'ACTIVE'),
    'rebuild': Action('rebuild', {}, 'user', 'ACTIVE', needs='image'),
    'shelve': Action('shelve', None, 'user', 'SHELVED_OFFLOADED'),
    'unshelve': Action('unshelve', None, 'user', 'ACTIVE'),
    # since microversion 2.95 Nova leaves an evacuated server stopped
    'evacuate': Action('evacuate', {}, 'admin', 'SHUTOFF',
                       targets_host=True),
    'delete': Action(None, None, 'user', None),
}

#: steps that change a host rather than a server
HOST_STEPS = ('host-down', 'host-up')
STEP_KINDS = ('boot', 'action') + HOST_STEPS


# the YAML loader

class _Loader(yaml.SafeLoader):
    """YAML's safe loader, refusing a key given twice in one mapping."""

    def construct_mapping(self, node, deep=False):
        if isinstance(node, yaml.MappingNode):
            self.flatten_mapping(node)
            seen = {}
            for key_node, _ in node.value:
                key = self.construct_object(key_node, deep=deep)
                try:
                    first = seen.get(key)
                except TypeError:
                    continue  # unhashable: the base class says so
                if first is not None:
                    raise yaml.constructor.ConstructorError(
                        None, None, 'key %s given twice (first on line %d)'
                        % (_show(key), first.line + 1), key_node.start_mark)
                seen[key] = key_node.start_mark
        return super().construct_mapping(node, deep=deep)


def _check_size(document, source):
    """Refuse documents larger than MAX_NODES or deeper than MAX_DEPTH
    once YAML aliases are expanded (a few lines of aliases can stand for
    billions of values).
    """
    count = 0
    stack = [(document, 1)]
    while stack:
        value, depth = stack.pop()
        count += 1
        if count > MAX_NODES:
            raise ScenarioError(source, 'the document holds more than %d '
                                'values (with its YAML aliases expanded)'
                                % MAX_NODES)
        if depth > MAX_DEPTH:
            raise ScenarioError(source, 'the document nests deeper than %d '
                                'levels' % MAX_DEPTH)
        if isinstance(value, dict):
            stack.extend((v, depth + 1) for kv in value.items() for v in kv)
        elif isinstance(value, list):
            stack.extend((v, depth + 1) for v in value)


def loads(data, source='<string>'):
    """The YAML document in ``data`` (bytes or text), checked for size."""
    if isinstance(data, bytes):
        if len(data) > MAX_FILE_BYTES:
            raise ScenarioError(source, 'larger than %d bytes'
                                % MAX_FILE_BYTES)
        try:
            data = data.decode('utf-8-sig')
        except UnicodeDecodeError as e:
            raise ScenarioError(source, 'not UTF-8 text (byte 0x%02x at '
                                'offset %d)' % (e.object[e.start], e.start))
    try:
        document = yaml.load(data, Loader=_Loader)  # noqa: S506 (safe)
    except yaml.MarkedYAMLError as e:
        mark = e.problem_mark or e.context_mark
        where = ' (line %d, column %d)' % (mark.line + 1, mark.column + 1) \
            if mark else ''
        raise ScenarioError(source, 'not valid YAML%s: %s' % (
            where, e.problem or e.context))
    except yaml.YAMLError as e:
        raise ScenarioError(source, 'not valid YAML: %s' % e)
    except RecursionError:
        raise ScenarioError(source, 'not valid YAML: nested too deeply')
    except ValueError as e:  # e.g. an integer of more than 4300 digits
        raise ScenarioError(source, 'not valid YAML: %s' % e)
    _check_size(document, source)
    return document


# checking values

def _mapping(value, where, required=(), optional=()):
    if not isinstance(value, dict):
        raise ScenarioError(where, 'expected a mapping, got %s'
                            % _type_name(value))
    known = set(required) | set(optional)
    unknown = [k for k in value if k not in known]
    if unknown:
        raise ScenarioError(where, 'unknown key %s (known: %s)' % (
            ', '.join(_show(k, 40) for k in unknown[:3]),
            ', '.join(sorted(known))))
    for key in required:
        if value.get(key) in (None, ''):
            raise ScenarioError(where, 'missing %r' % key)
    return value


def _list(document, key):
    value = document.get(key)
    if value is None:
        return []
    if not isinstance(value, list):
        raise ScenarioError(key, 'expected a list, got %s'
                            % _type_name(value))
    return value


def _int(value, where, minimum=1, maximum=MAX_INT, why=''):
    """An integer (not a boolean, not a number with a fraction) from
    ``minimum`` to ``maximum``; ``why`` explains the bounds.
    """
    if isinstance(value, bool) or not isinstance(value, int):
        raise ScenarioError(where, 'expected an integer, got %s %s' % (
            _type_name(value), _show(value)))
    if not minimum <= value <= maximum:
        raise ScenarioError(where, 'expected an integer from %d to %d%s, '
                            'got %s' % (minimum, maximum, why, _show(value)))
    return value


def _text(value, where, what='a string', maximum=MAX_NAME):
    """A non-empty printable string of at most ``maximum`` characters,
    without leading or trailing white space (Nova's names).
    """
    if not isinstance(value, str):
        raise ScenarioError(where, 'expected %s, got %s %s' % (
            what, _type_name(value), _show(value)))
    if not value or len(value) > maximum:
        raise ScenarioError(where, 'expected 1 to %d characters, got %d'
                            % (maximum, len(value)))
    if value != value.strip() or not value.isprintable():
        raise ScenarioError(where, '%s has white space at an end or a '
                            'character that is not printable' % _show(value))
    return value


def _name(value, where, seen):
    name = _text(value, where + '.name')
    if name in seen:
        raise ScenarioError(where + '.name', '%r is defined twice' % name)
    seen.add(name)
    return name


def _host_name(value, where, seen):
    name = _text(value, where + '.name', maximum=MAX_HOST_NAME)
    if not HOST_NAME.match(name):
        raise ScenarioError(where + '.name', '%s is not a host name Nova '
                            'accepts (letters, digits, ".", "-", "_")'
                            % _show(name))
    for other in seen:
        if other.lower() == name.lower():
            raise ScenarioError(where + '.name', '%r is defined twice (host '
                                'names are case-insensitive)' % name)
    seen.add(name)
    return name


def _scalar_mapping(value, where):
    """A mapping of string keys to strings, numbers or booleans."""
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise ScenarioError(where, 'expected a mapping, got %s'
                            % _type_name(value))
    for key, item in value.items():
        if not isinstance(key, str) or not key or len(key) > MAX_NAME:
            raise ScenarioError(where, 'expected keys of 1 to %d characters,'
                                ' got %s' % (MAX_NAME, _show(key)))
        place = '%s[%s]' % (where, _show(key, 40))
        if isinstance(item, (dict, list)) or item is None:
            raise ScenarioError(place, 'expected a string, number or '
                                'boolean, got %s' % _type_name(item))
        if isinstance(item, str) and len(item) > MAX_NAME:
            raise ScenarioError(place, 'longer than %d characters'
                                % MAX_NAME)
    return value


# the sections

def _host(raw, where, base_dir, seen):
    raw = _mapping(raw, where, ('name',), (
        'arch', 'cca', 'measurement_algos', 'domcaps', 'vcpus', 'memory_mb',
        'disk_gb', 'config'))
    host = Host(name=_host_name(raw['name'], where, seen))
    host.arch = raw.get('arch', glossary.AARCH64)
    if not isinstance(host.arch, str) or host.arch not in ARCHES:
        raise ScenarioError(where + '.arch', '%s is not one of %s'
                            % (_show(host.arch), ', '.join(ARCHES)))
    if 'domcaps' in raw and ('cca' in raw or 'measurement_algos' in raw):
        raise ScenarioError(where, 'give either domcaps or cca/'
                            'measurement_algos, not both')
    if host.arch != glossary.AARCH64 and (
            raw.get('cca') or 'domcaps' in raw or 'measurement_algos' in raw):
        raise ScenarioError(where, 'only aarch64 hosts can have CCA (arch '
                            'is %s)' % host.arch)
    cca = raw.get('cca', False)
    if not isinstance(cca, bool):
        raise ScenarioError(where + '.cca', 'expected true or false, got %s'
                            % _show(cca))
    host.cca = cca
    if 'measurement_algos' in raw:
        algos = raw['measurement_algos']
        if not isinstance(algos, list) or any(
                not isinstance(a, str) or
                a not in glossary.MEASUREMENT_ALGORITHMS for a in algos):
            raise ScenarioError(
                where + '.measurement_algos', 'expected a list of %s, got %s'
                % (', '.join(glossary.MEASUREMENT_ALGORITHMS), _show(algos)))
        if len(set(algos)) != len(algos):
            raise ScenarioError(where + '.measurement_algos',
                                'an algorithm is listed twice')
        host.measurement_algos = tuple(algos)
        host.cca = raw.get('cca', True)
    if 'domcaps' in raw:
        host.domcaps_path, host.domcaps_text = _domcaps(
            raw['domcaps'], where + '.domcaps', base_dir)
    host.vcpus = _int(raw.get('vcpus', host.vcpus), where + '.vcpus',
                      maximum=MAX_VCPUS,
                      why=' (a simulated host has at most %d)' % MAX_VCPUS)
    placement = ' (what Placement accepts)'
    host.memory_mb = _int(raw.get('memory_mb', host.memory_mb),
                          where + '.memory_mb', 512, why=placement)
    host.disk_gb = _int(raw.get('disk_gb', host.disk_gb),
                        where + '.disk_gb', why=placement)
    host.arm_cca = _host_config(raw.get('config'), where + '.config')
    return host


def _domcaps(value, where, base_dir):
    path = _text(value, where, 'a file name', maximum=4096)
    if '\0' in path:
        raise ScenarioError(where, 'a file name cannot hold a NUL character')
    path = base_dir / path
    try:
        return path, domcaps.read(path)
    except domcaps.DomainCapabilitiesError as e:
        raise ScenarioError(where, str(e))


def _config_value(opt, value, where):
    """``value`` of ``[arm_cca] opt`` as nova.conf would hold it, typed as
    YAML writes it: integers as integers, strings as strings.
    """
    if value is None:
        return None
    if isinstance(opt, cfg.IntOpt):
        minimum = opt.type.min if opt.type.min is not None else -MAX_INT
        maximum = min(opt.type.max if opt.type.max is not None else MAX_INT,
                      MAX_INT)
        return _int(value, where, minimum, maximum)
    if isinstance(opt, cfg.BoolOpt):
        if not isinstance(value, bool):
            raise ScenarioError(where, 'expected true or false, got %s'
                                % _show(value))
        return value
    if isinstance(opt, cfg.StrOpt) and not isinstance(value, str):
        raise ScenarioError(where, 'expected a string, got %s %s'
                            % (_type_name(value), _show(value)))
    try:
        return opt.type(value)
    except (TypeError, ValueError) as e:
        raise ScenarioError(where, str(e))


def _host_config(raw, where):
    if raw is None:
        return {}
    raw = _mapping(raw, where, (), (glossary.CONFIG_GROUP,))
    options = {opt.name: opt for _, opts in realm_conf.list_opts()
               for opt in opts}
    section = raw.get(glossary.CONFIG_GROUP)
    if section is None:
        return {}
    section = _mapping(section, where + '.arm_cca', (), tuple(options))
    return {key: _config_value(options[key], value,
                               '%s.arm_cca.%s' % (where, key))
            for key, value in section.items()}


def _flavor(raw, where, seen):
    raw = _mapping(raw, where, ('name',),
                   ('vcpus', 'ram', 'disk', 'extra_specs'))
    name = _name(raw['name'], where, seen)
    specs = _scalar_mapping(raw.get('extra_specs'), where + '.extra_specs')
    specs = {k: str(v).lower() if isinstance(v, bool) else str(v)
             for k, v in specs.items()}
    for key, value in specs.items():
        _extra_spec(key, value, '%s.extra_specs[%s]' % (where, _show(key)),
                    name)
    return Flavor(name=name,
                  vcpus=_int(raw.get('vcpus', 1), where + '.vcpus'),
                  ram=_int(raw.get('ram', 512), where + '.ram'),
                  disk=_int(raw.get('disk', 1), where + '.disk', 0),
                  extra_specs=specs)


def _extra_spec(key, value, where, flavor):
    """Check an extra spec as Nova's API will (at the latest microversion,
    with nova-cca active): its key pattern and Nova's validators.
    """
    if not EXTRA_SPEC_KEY.match(key):
        raise ScenarioError(where, 'flavor %s: Nova accepts extra spec keys '
                            'of letters, digits and -_:. only' % flavor)
    from nova.api.validation.extra_specs import validators
    from nova import exception
    import nova_cca
    nova_cca.activate()
    if not validators.VALIDATORS:
        validators.load_validators()
    try:
        validators.validate(key, value)
    except exception.ValidationError as e:
        raise ScenarioError(where, 'flavor %s: %s' % (flavor, e))


def _image(raw, where, seen):
    raw = _mapping(raw, where, ('name',), ('properties',))
    props = _scalar_mapping(raw.get('properties'), where + '.properties')
    return Image(name=_name(raw['name'], where, seen), properties=props)


class _Steps:
    """Checks steps in order, knowing which servers exist at each one."""

    def __init__(self, hosts, flavors, images):
        self.known = {'host': hosts, 'flavor': flavors, 'image': images}
        #: server name -> index of the step that booted it
        self.servers = {}
        #: server name -> index of the step that deleted it
        self.deleted = {}
        #: host name -> index of the host-down step
        self.down = {}

    def _ref(self, value, where, what):
        if value is None:
            return None
        if not isinstance(value, str):
            raise ScenarioError(where, 'expected the name of a %s, got %s %s'
                                % (what, _type_name(value), _show(value)))
        if value not in self.known[what]:
            raise ScenarioError(where, 'unknown %s %s'
                                % (what, _show(value)))
        return value

    def step(self, raw, index):
        where = 'steps[%d]' % index
        if not isinstance(raw, dict) or len(raw) != 1:
            raise ScenarioError(where, "expected one of 'boot: {...}', "
                                "'action: {...}', 'host-down: HOST' or "
                                "'host-up: HOST'")
        (kind, body), = raw.items()
        if kind == 'boot':
            return self._boot(body, index, where + '.boot')
        if kind == 'action':
            return self._action(body, index, where + '.action')
        if kind in HOST_STEPS:
            return self._host_step(kind, body, index,
                                   '%s.%s' % (where, kind))
        raise ScenarioError(where, 'unknown step %s (known: %s)'
                            % (_show(kind), ', '.join(STEP_KINDS)))

    def _boot(self, body, index, where):
        body = _mapping(body, where, ('name', 'flavor', 'image'), ('host',))
        name = _text(body['name'], where + '.name')
        if name in self.servers:
            raise ScenarioError(where + '.name', 'server %r exists already '
                                '(booted by steps[%d]); delete it first or '
                                'choose another name'
                                % (name, self.servers[name]))
        step = Step(index, 'boot', name,
                    flavor=self._ref(body['flavor'], where + '.flavor',
                                     'flavor'),
                    image=self._ref(body['image'], where + '.image',
                                    'image'),
                    host=self._ref(body.get('host'), where + '.host',
                                   'host'))
        self.servers[name] = index
        self.deleted.pop(name, None)
        return step

    def _action(self, body, index, where):
        body = _mapping(body, where, ('server', 'do'),
                        ('flavor', 'image', 'host'))
        do = body['do']
        if not isinstance(do, str) or do not in ACTIONS:
            raise ScenarioError(where + '.do', 'unknown action %s (known: %s)'
                                % (_show(do), ', '.join(ACTIONS)))
        action = ACTIONS[do]
        server = _text(body['server'], where + '.server')
        if server not in self.servers:
            if server in self.deleted:
                raise ScenarioError(where + '.server', 'server %r was deleted'
                                    ' by steps[%d]'
                                    % (server, self.deleted[server]))
            raise ScenarioError(where + '.server', 'no earlier boot of %r'
                                % server)
        for key in ('flavor', 'image'):
            if action.needs == key and body.get(key) is None:
                raise ScenarioError(where, '%s needs %r' % (do, key))
            if action.needs != key and key in body:
                raise ScenarioError(where, '%s takes no %r' % (do, key))
        if 'host' in body and not action.targets_host:
            raise ScenarioError(where, "%s takes no 'host'" % do)
        step = Step(index, 'action', server, do=do,
                    flavor=self._ref(body.get('flavor'), where + '.flavor',
                                     'flavor'),
                    image=self._ref(body.get('image'), where + '.image',
                                    'image'),
                    host=self._ref(body.get('host'), where + '.host',
                                   'host'))
        if do == 'delete':
            self.deleted[server] = index
            del self.servers[server]
        return step

    def _host_step(self, kind, body, index, where):
        host = self._ref(body, where, 'host')
        if host is None:
            raise ScenarioError(where, 'expected the name of a host')
        if kind == 'host-down' and host in self.down:
            raise ScenarioError(where, 'host %r is down already (steps[%d])'
                                % (host, self.down[host]))
        if kind == 'host-up' and host not in self.down:
            raise ScenarioError(where, 'host %r is not down' % host)
        if kind == 'host-down':
            self.down[host] = index
        else:
            del self.down[host]
        return Step(index, 'host', do=kind, host=host)


def _no_provider_clash(hosts):
    """A host called '<other host>_arm_cca' would take the name of the
    other host's realm provider (Nova's child layout).
    """
    names = {h.name.lower(): h.name for h in hosts}
    for i, host in enumerate(hosts):
        lower = host.name.lower()
        suffix = glossary.CHILD_PROVIDER_SUFFIX
        if lower.endswith(suffix) and lower[:-len(suffix)] in names:
            raise ScenarioError(
                'hosts[%d].name' % i, '%r is the name of the realm provider '
                'of host %r in Placement' % (
                    host.name, names[lower[:-len(suffix)]]))


def parse(document, base_dir=pathlib.Path('.'), source='<string>'):
    """Check a loaded YAML document; return a Scenario."""
    _check_size(document, source)
    document = _mapping(document, source, ('hosts', 'steps'),
                        ('flavors', 'images'))
    seen = {'hosts': set(), 'flavors': set(), 'images': set()}
    hosts = [_host(h, 'hosts[%d]' % i, base_dir, seen['hosts'])
             for i, h in enumerate(_list(document, 'hosts'))]
    if not hosts:
        raise ScenarioError('hosts', 'at least one host is needed')
    _no_provider_clash(hosts)
    flavors = [_flavor(f, 'flavors[%d]' % i, seen['flavors'])
               for i, f in enumerate(_list(document, 'flavors'))]
    images = [_image(m, 'images[%d]' % i, seen['images'])
              for i, m in enumerate(_list(document, 'images'))]
    checker = _Steps(seen['hosts'], seen['flavors'], seen['images'])
    steps = [checker.step(s, i)
             for i, s in enumerate(_list(document, 'steps'))]
    return Scenario(hosts, flavors, images, steps, source)


def load(path):
    """Read and check a scenario file; paths in it are relative to it."""
    path = pathlib.Path(path)
    try:
        with open(path, 'rb') as f:
            data = f.read(MAX_FILE_BYTES + 1)
    except OSError as e:
        raise ScenarioError(str(path), e.strerror or str(e))
    except ValueError as e:  # e.g. a NUL character in the path
        raise ScenarioError(_show(str(path)), str(e))
    return parse(loads(data, str(path)), path.resolve().parent, str(path))


def default():
    """The built-in scenario: the whole story in well under a minute."""
    data = (importlib.resources.files('nova_cca_simulator') / 'data' /
            'default-scenario.yaml').read_bytes()
    source = '<built-in default>'
    return parse(loads(data, source), source=source)
