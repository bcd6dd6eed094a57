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

"""The report of a simulated run: the JSON document and its text form."""

import json

#: top-level keys of the JSON document (a contract: keep them)
KEYS = ('hosts', 'providers', 'steps', 'audit')


def finish(raw, scenario):
    """The report document; timing stays out of it (see ``elapsed``)."""
    document = {key: raw[key] for key in KEYS}
    return Report(document, scenario.source, raw.get('elapsed_s'))


class Report:

    def __init__(self, document, source, elapsed_s):
        self.document = document
        self.source = source
        self.elapsed_s = elapsed_s

    @property
    def audit_clean(self):
        """Whether the integrity audit after the last step found nothing."""
        return self.document['audit']['clean']

    def _audit_lines(self):
        audit = self.document['audit']
        lines = ['', 'Integrity audit (after the last step)']
        if audit['clean']:
            return lines + ['  clean: every realm runs on a CCA host with '
                            'launchSecurity and one slot; no other server '
                            'has either']
        for v in audit['violations']:
            lines.append('  VIOLATION %s on %s: %s' % (
                v['server'] or '(host)', v['host'] or '(no host)',
                v['problem']))
        return lines

    def to_json(self):
        return json.dumps(self.document, indent=2, sort_keys=False)

    def to_text(self):
        lines = ['Simulated Arm CCA cloud - scenario %s' % self.source, '']
        lines.append('Hosts')
        for host in self.document['hosts']:
            cca = host['cca']
            lines.append('  %-12s %-8s CCA: %s' % (
                host['name'], host['arch'],
                'yes (measurement: %s)' % (
                    ', '.join(cca['measurement_algos']) or
                    'platform default') if cca['supported'] else 'no'))
        lines += ['', 'Placement resource providers (after the last step)']
        for rp in self.document['providers']:
            lines.append('  %s%s' % (rp['name'], '  (child of %s)' %
                                     rp['parent'] if rp['parent'] else ''))
            for rc, total in rp['inventories'].items():
                lines.append('      %-24s total %-10d used %d' % (
                    rc, total, rp['usages'].get(rc, 0)))
            custom = [t for t in rp['traits'] if not t.startswith((
                'COMPUTE_', 'HW_CPU_X86', 'HW_ARCH'))]
            if custom:
                lines.append('      traits: %s' % ', '.join(custom))
        lines += ['', 'Steps']
        for step in self.document['steps']:
            what = step['do'] or 'boot'
            status = step['outcome'].upper()
            if step['http_status'] and step['outcome'] == 'rejected':
                status += ' (HTTP %d)' % step['http_status']
            elif step.get('status') and step['status'] != status:
                status += ', %s' % step['status']
            lines.append(('  [%d] %-12s %-10s %-24s%s' % (
                step['index'], what, step['server'] or step['host'],
                status, ' on %s' % step['host'] if step['host'] and
                step['server'] else '')).rstrip())
            if step['message']:
                lines.append('        %s' % ' '.join(step['message'].split()))
            if step['allocations']:
                for rp, resources in sorted(step['allocations'].items()):
                    lines.append('        allocation on %s: %s' % (
                        rp, ', '.join('%s=%s' % kv for kv in
                                      sorted(resources.items()))))
        realm_xml = [s for s in self.document['steps']
                     if s['domain_xml'] and '<launchSecurity' in
                     s['domain_xml']]
        if realm_xml:
            last = realm_xml[-1]
            lines += ['', 'Realm guest XML of %s on %s (step %d), as given '
                      'to libvirt:' % (last['server'], last['host'],
                                       last['index']), '']
            lines += ['    ' + line for line in
                      last['domain_xml'].strip().splitlines()]
        lines += self._audit_lines()
        if self.elapsed_s is not None:
            lines += ['', 'Finished in %.1f s.' % self.elapsed_s]
        return '\n'.join(lines) + '\n'
