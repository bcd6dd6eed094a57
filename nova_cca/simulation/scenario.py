"""Scenario files of ``nova-cca simulate``: load and check, start nothing.

A scenario (YAML) names simulated hosts, flavors, images and the steps to
run through the compute API; see docs/simulation.md. Every mistake is
reported with its place (``steps[3].action.do``) before any service starts.
"""

import dataclasses
import importlib.resources
import pathlib

import yaml

from nova_cca import conf as realm_conf
from nova_cca import model
from nova_cca.simulation import domcaps

ARCHES = ('aarch64', 'x86_64')


@dataclasses.dataclass(frozen=True)
class Action:
    """One ``do`` of an action step: how the compute API is asked."""

    #: key of the server action in the request body (None: DELETE)
    request: str
    #: its value: None, or a mapping the step's flavor/image/host join
    body: object
    #: who asks: 'user' or 'admin'
    by: str
    #: the server status the action settles in when it worked
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
    'delete': Action(None, None, 'user', None),
}
#: the largest simulated host (Nova's fake libvirt host limit)
MAX_VCPUS = 16


class ScenarioError(ValueError):
    """A malformed scenario; the message names the place."""


@dataclasses.dataclass
class Host:
    name: str
    arch: str = 'aarch64'
    cca: bool = False
    measurement_algos: tuple = ('sha256', 'sha512')
    domcaps_path: pathlib.Path = None
    vcpus: int = 8
    memory_mb: int = 16384
    disk_gb: int = 200
    #: per-host [arm_cca] options
    arm_cca: dict = dataclasses.field(default_factory=dict)

    def domcaps_xml(self):
        """The aarch64 domain capabilities this host serves, or None."""
        if self.arch != 'aarch64':
            return None
        if self.domcaps_path is not None:
            return self.domcaps_path.read_text()
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
    kind: str            # 'boot' or 'action'
    server: str
    do: str = None       # action name; None for a boot
    flavor: str = None   # boot, resize
    image: str = None    # boot, rebuild
    host: str = None     # boot (admin-requested host), migrate


@dataclasses.dataclass
class Scenario:
    hosts: list
    flavors: list
    images: list
    steps: list
    source: str = '<built-in default>'


def _mapping(value, where, required=(), optional=()):
    if not isinstance(value, dict):
        raise ScenarioError('%s: expected a mapping, got %r' % (where, value))
    unknown = sorted(set(value) - set(required) - set(optional))
    if unknown:
        raise ScenarioError('%s: unknown key %s (known: %s)' % (
            where, ', '.join(repr(k) for k in unknown),
            ', '.join(sorted(set(required) | set(optional)))))
    for key in required:
        if value.get(key) in (None, ''):
            raise ScenarioError('%s: missing %r' % (where, key))
    return value


def _list(document, key):
    value = document.get(key) or []
    if not isinstance(value, list):
        raise ScenarioError('%s: expected a list' % key)
    return value


def _int(value, where, minimum=1):
    if isinstance(value, bool) or not isinstance(value, int) or (
            value < minimum):
        raise ScenarioError('%s: expected an integer >= %d, got %r' %
                            (where, minimum, value))
    return value


def _name(value, where, seen):
    if not isinstance(value, str):
        raise ScenarioError('%s.name: expected a string, got %r'
                            % (where, value))
    if value in seen:
        raise ScenarioError('%s.name: %r is defined twice' % (where, value))
    seen.add(value)
    return value


def _host(raw, where, base_dir, seen):
    raw = _mapping(raw, where, ('name',), (
        'arch', 'cca', 'measurement_algos', 'domcaps', 'vcpus', 'memory_mb',
        'disk_gb', 'config'))
    host = Host(name=_name(raw['name'], where, seen))
    host.arch = raw.get('arch', 'aarch64')
    if host.arch not in ARCHES:
        raise ScenarioError('%s.arch: %r is not one of %s'
                            % (where, host.arch, ', '.join(ARCHES)))
    if 'domcaps' in raw and ('cca' in raw or 'measurement_algos' in raw):
        raise ScenarioError('%s: give either domcaps or cca/'
                            'measurement_algos, not both' % where)
    if host.arch != 'aarch64' and (
            raw.get('cca') or 'domcaps' in raw or 'measurement_algos' in raw):
        raise ScenarioError('%s: only aarch64 hosts can have CCA (arch is %s)'
                            % (where, host.arch))
    cca = raw.get('cca', False)
    if not isinstance(cca, bool):
        raise ScenarioError('%s.cca: expected true or false, got %r'
                            % (where, cca))
    host.cca = cca
    if 'measurement_algos' in raw:
        algos = raw['measurement_algos']
        if not isinstance(algos, list) or any(
                a not in model.MEASUREMENT_ALGORITHMS for a in algos):
            raise ScenarioError(
                '%s.measurement_algos: expected a list of %s, got %r'
                % (where, ', '.join(model.MEASUREMENT_ALGORITHMS), algos))
        host.measurement_algos = tuple(algos)
        host.cca = raw.get('cca', True)
    if 'domcaps' in raw:
        path = base_dir / str(raw['domcaps'])
        if not path.is_file():
            raise ScenarioError('%s.domcaps: no such file %s'
                                % (where, path))
        host.domcaps_path = path
    host.vcpus = _int(raw.get('vcpus', host.vcpus), where + '.vcpus')
    if host.vcpus > MAX_VCPUS:
        raise ScenarioError('%s.vcpus: a simulated host has at most %d'
                            % (where, MAX_VCPUS))
    host.memory_mb = _int(raw.get('memory_mb', host.memory_mb),
                          where + '.memory_mb', 512)
    host.disk_gb = _int(raw.get('disk_gb', host.disk_gb),
                        where + '.disk_gb')
    host.arm_cca = _host_config(raw.get('config') or {}, where + '.config')
    return host


def _host_config(raw, where):
    raw = _mapping(raw, where, (), ('arm_cca',))
    options = {opt.name: opt for _, opts in realm_conf.list_opts()
               for opt in opts}
    section = _mapping(raw.get('arm_cca') or {}, where + '.arm_cca', (),
                       tuple(options))
    checked = {}
    for key, value in section.items():
        try:
            checked[key] = None if value is None else options[key].type(
                value)
        except ValueError as e:
            raise ScenarioError('%s.arm_cca.%s: %s' % (where, key, e))
    return checked


def _flavor(raw, where, seen):
    raw = _mapping(raw, where, ('name',),
                   ('vcpus', 'ram', 'disk', 'extra_specs'))
    specs = raw.get('extra_specs') or {}
    if not isinstance(specs, dict):
        raise ScenarioError('%s.extra_specs: expected a mapping' % where)
    return Flavor(name=_name(raw['name'], where, seen),
                  vcpus=_int(raw.get('vcpus', 1), where + '.vcpus'),
                  ram=_int(raw.get('ram', 512), where + '.ram'),
                  disk=_int(raw.get('disk', 1), where + '.disk', 0),
                  extra_specs={str(k): str(v).lower()
                               if isinstance(v, bool) else str(v)
                               for k, v in specs.items()})


def _image(raw, where, seen):
    raw = _mapping(raw, where, ('name',), ('properties',))
    props = raw.get('properties') or {}
    if not isinstance(props, dict):
        raise ScenarioError('%s.properties: expected a mapping' % where)
    return Image(name=_name(raw['name'], where, seen), properties=props)


def _step(raw, index, where, names):
    if not isinstance(raw, dict) or len(raw) != 1:
        raise ScenarioError("%s: expected one of 'boot: {...}' or "
                            "'action: {...}'" % where)
    (kind, body), = raw.items()
    if kind == 'boot':
        body = _mapping(body, where + '.boot', ('name', 'flavor', 'image'),
                        ('host',))
        step = Step(index, 'boot', str(body['name']),
                    flavor=body['flavor'], image=body['image'],
                    host=body.get('host'))
        names['servers'].add(step.server)
    elif kind == 'action':
        body = _mapping(body, where + '.action', ('server', 'do'),
                        ('flavor', 'image', 'host'))
        step = Step(index, 'action', str(body['server']), do=body['do'],
                    flavor=body.get('flavor'), image=body.get('image'),
                    host=body.get('host'))
        if step.do not in ACTIONS:
            raise ScenarioError('%s.action.do: unknown action %r (known: %s)'
                                % (where, step.do, ', '.join(ACTIONS)))
        if step.server not in names['servers']:
            raise ScenarioError('%s.action.server: no earlier boot of %r'
                                % (where, step.server))
        needs = ACTIONS[step.do].needs
        if needs and not getattr(step, needs):
            raise ScenarioError("%s.action: %s needs %r"
                                % (where, step.do, needs))
    else:
        raise ScenarioError("%s: unknown step %r (known: boot, action)"
                            % (where, kind))
    for key, known, what in (('flavor', names['flavors'], 'flavor'),
                             ('image', names['images'], 'image'),
                             ('host', names['hosts'], 'host')):
        value = getattr(step, key)
        if value is not None and value not in known:
            raise ScenarioError('%s.%s.%s: unknown %s %r' % (
                where, kind, key, what, value))
    return step


def parse(document, base_dir=pathlib.Path('.'), source='<string>'):
    """Check a loaded YAML document; return a Scenario."""
    document = _mapping(document, source, ('hosts', 'steps'),
                        ('flavors', 'images'))
    seen = {'hosts': set(), 'flavors': set(), 'images': set(),
            'servers': set()}
    hosts = [_host(h, 'hosts[%d]' % i, base_dir, seen['hosts'])
             for i, h in enumerate(_list(document, 'hosts'))]
    if not hosts:
        raise ScenarioError('hosts: at least one host is needed')
    flavors = [_flavor(f, 'flavors[%d]' % i, seen['flavors'])
               for i, f in enumerate(_list(document, 'flavors'))]
    images = [_image(m, 'images[%d]' % i, seen['images'])
              for i, m in enumerate(_list(document, 'images'))]
    steps = [_step(s, i, 'steps[%d]' % i, seen)
             for i, s in enumerate(_list(document, 'steps'))]
    return Scenario(hosts, flavors, images, steps, source)


def load(path):
    """Read and check a scenario file; paths in it are relative to it."""
    path = pathlib.Path(path)
    try:
        document = yaml.safe_load(path.read_text())
    except OSError as e:
        raise ScenarioError('%s: %s' % (path, e.strerror))
    except yaml.YAMLError as e:
        raise ScenarioError('%s: not valid YAML: %s' % (path, e))
    return parse(document, path.resolve().parent, str(path))


def default():
    """The built-in scenario: the whole story in well under a minute."""
    text = (importlib.resources.files('nova_cca') / 'data' /
            'default-scenario.yaml').read_text()
    return parse(yaml.safe_load(text), source='<built-in default>')
