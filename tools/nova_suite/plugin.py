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

"""pytest plugin for Nova's installed tests (``-p nova_suite.plugin``).

In every pytest process (the xdist controller and each worker), before any
test module is imported, :func:`pytest_configure`:

* puts Nova in native-thread mode (``OS_NOVA_DISABLE_EVENTLET_PATCHING``,
  as Nova's ``*-threading`` tox environments do);
* with ``--nova-suite-activate``, runs ``nova_cca.activate()``;
* works around two quirks of running Nova's tests from an installed wheel
  under pytest (:func:`_fix_quirks`), the same way in both runs.

Items outside the selection file are deselected; the controller writes the
outcome of every test to ``--nova-suite-results`` (JSON).
"""

import json
import os
import re
import sysconfig

import pytest


def pytest_addoption(parser):
    group = parser.getgroup('nova-suite')
    group.addoption('--nova-suite-activate', action='store_true',
                    help='run nova_cca.activate() before collection')
    group.addoption('--nova-suite-selection', metavar='FILE',
                    help='which tests run (see selection.txt)')
    group.addoption('--nova-suite-results', metavar='FILE',
                    help='write every test outcome here (JSON)')


@pytest.hookimpl(tryfirst=True)
def pytest_configure(config):
    os.environ.setdefault('OS_NOVA_DISABLE_EVENTLET_PATCHING', '1')
    from nova import monkey_patch
    monkey_patch.patch()
    if config.getoption('nova_suite_activate'):
        import nova_cca
        nova_cca.activate()
    _fix_quirks()
    path = config.getoption('nova_suite_selection')
    if path:
        config.pluginmanager.register(Selection.load(path), 'nova-suite-sel')
    path = config.getoption('nova_suite_results')
    if path and not hasattr(config, 'workerinput'):
        config.pluginmanager.register(Results(path, config),
                                      'nova-suite-results')


def _fix_quirks():
    """Make Nova's tests runnable here; both runs get the same fixes."""
    from nova import test
    from nova.tests.fixtures import conf as conf_fixture

    # nova.test.TestCase._clear_attrs deletes every instance attribute in
    # clean-up, including the test method pytest's unittest support keeps
    # there; pytest then fails the test with AttributeError.
    clear_attrs = test.TestCase._clear_attrs
    if not getattr(clear_attrs, 'nova_suite', False):
        def keep_test_attrs(self):
            kept = {name: value for name, value in vars(self).items()
                    if name.startswith('test')}
            clear_attrs(self)
            vars(self).update(kept)
        keep_test_attrs.nova_suite = True
        test.TestCase._clear_attrs = keep_test_attrs

    # The wheel installs api-paste.ini under the environment's data prefix;
    # ConfFixture defaults to $state_path/etc/nova (next to site-packages).
    paste = os.path.join(sysconfig.get_path('data'), 'etc', 'nova',
                         'api-paste.ini')
    set_up = conf_fixture.ConfFixture.setUp
    if not getattr(set_up, 'nova_suite', False):
        def set_up_with_paste(self):
            set_up(self)
            self.conf.set_default('api_paste_config', paste, group='wsgi')
        set_up_with_paste.nova_suite = True
        conf_fixture.ConfFixture.setUp = set_up_with_paste


class Selection:
    """The selection file: which collected tests run.

    ``PATH [REGEX]`` selects the tests under PATH (relative to
    site-packages) whose ``Class::test`` name matches REGEX (searched,
    case-insensitive; every test without one); ``- NODEID`` drops a test,
    a class or a file again. ``#`` starts a comment.
    """

    def __init__(self, includes, excludes):
        self.includes = includes
        self.excludes = excludes

    @classmethod
    def load(cls, path):
        includes, excludes = [], []
        with open(path) as f:
            for line in f:
                line = line.split('#', 1)[0].strip()
                if not line:
                    continue
                if line.startswith('- '):
                    excludes.append(line[2:].strip())
                    continue
                where, _, regex = line.partition(' ')
                regex = regex.strip()
                includes.append(
                    (where, re.compile(regex, re.I) if regex else None))
        return cls(includes, excludes)

    def paths(self):
        return sorted({where for where, _ in self.includes})

    @staticmethod
    def _under(nodeid, prefix):
        return (nodeid == prefix or
                nodeid.startswith(prefix.rstrip('/') + '/') or
                nodeid.startswith(prefix + '::'))

    def selects(self, nodeid):
        if any(self._under(nodeid, prefix) for prefix in self.excludes):
            return False
        name = nodeid.partition('::')[2]
        return any(self._under(nodeid, where) and
                   (regex is None or regex.search(name))
                   for where, regex in self.includes)

    def pytest_collection_modifyitems(self, config, items):
        keep, drop = [], []
        for item in items:
            (keep if self.selects(item.nodeid) else drop).append(item)
        if drop:
            config.hook.pytest_deselected(items=drop)
            items[:] = keep


class Results:
    """Outcome of every test, written as JSON at the end of the session."""

    def __init__(self, path, config):
        self.path = path
        self.config = config
        self.tests = {}
        self.collection_errors = {}

    def pytest_collectreport(self, report):
        if report.failed:
            self.collection_errors[report.nodeid] = _crash(report)

    def pytest_runtest_logreport(self, report):
        entry = self.tests.setdefault(
            report.nodeid, {'outcome': 'passed', 'duration': 0.0})
        entry['duration'] = round(entry['duration'] + report.duration, 3)
        if report.failed:
            if entry['outcome'] in ('failed', 'error'):
                return
            entry['outcome'] = 'failed' if report.when == 'call' else 'error'
            entry['crash'] = _crash(report)
            entry['details'] = str(report.longrepr)[-4000:]
        elif report.skipped and entry['outcome'] == 'passed':
            entry['outcome'] = 'skipped'

    def pytest_sessionfinish(self, session, exitstatus):
        import nova_cca

        data = {
            'activated': self.config.getoption('nova_suite_activate'),
            'nova_cca': os.path.dirname(nova_cca.__file__),
            'exit_status': int(exitstatus),
            'collection_errors': self.collection_errors,
            'tests': self.tests,
        }
        with open(self.path, 'w') as f:
            json.dump(data, f, indent=1, sort_keys=True)


#: frames of test and mocking libraries: never the key line
_HELPERS = r'/(testtools|unittest|fixtures|_pytest|oslotest)/'


def _crash(report):
    """The key line of a failure: its last frame and the exception.

    The frame is the innermost one in nova_cca if the traceback has one.
    testtools' failures reach pytest as text, so the text is read.
    """
    text = str(report.longrepr)
    lines = text.splitlines()
    starts = [i for i, line in enumerate(lines)
              if line.startswith('Traceback (most recent call last)')]
    if not starts:
        crash = getattr(report.longrepr, 'reprcrash', None)
        if crash is not None:
            message = crash.message.strip().splitlines() or ['']
            return '%s:%s: %s' % (_short(crash.path), crash.lineno,
                                  message[0][:300])
        return (lines or [''])[-1][:300]
    frames, exception = [], []
    for line in lines[starts[-1] + 1:]:
        if exception:
            exception.append(line.strip())
            if line.strip() and not exception[0].endswith(':'):
                break
            if len(exception) == 3:
                break
        elif line.startswith('  File '):
            frames.append(line.strip())
        elif line and not line.startswith(' '):
            exception.append(line.strip())
    ours = [frame for frame in frames if '/nova_cca/' in frame]
    tested = [frame for frame in frames
              if not re.search(_HELPERS, frame)]
    frame = (ours or tested or frames or [''])[-1]
    match = re.match(r'File "(.*)", line (\d+), in (.*)', frame)
    if match:
        frame = '%s:%s (%s)' % (_short(match.group(1)), match.group(2),
                                match.group(3))
    exception = ' '.join(filter(None, exception))
    # object addresses would split one cause into one group per test
    exception = re.sub(r' at 0x[0-9a-f]+', '', exception)
    return '%s: %s' % (frame, exception[:300])


def _short(path):
    """A path from its package on (nova/..., nova_cca/...)."""
    match = re.search(r'/lib/python3[.0-9]*/(site-packages/)?', path)
    if match:
        return path[match.end():]
    parts = path.split('/')
    for package in ('nova_cca', 'nova', 'placement'):
        if package in parts:
            return '/'.join(parts[parts.index(package):])
    return path
