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

"""The image and network APIs of the deployment: a stub of its own.

Nova's API reads images from Glance's v2 API and its computes download
them; every server is created with ``networks: none`` but Nova still asks
the network API about ports and security groups. This process answers
those reads and nothing else: no keystone, no Glance, no Neutron.

    python -m nova_cca_deploy.stub IMAGES.json PORT [ADDRESS,...]

It listens on 127.0.0.1, or on each ADDRESS given.

IMAGES.json lists images: {"id", "name", "file" (path or null),
"properties": {...}}.
"""

import hashlib
import json
import os
import re
import socketserver
import sys
import threading
import time
from wsgiref import simple_server

#: Glance's base image attributes; Nova reads every other one as an
#: image property (hw_*)
BASE_ATTRIBUTES = (
    'id', 'name', 'status', 'visibility', 'protected', 'tags',
    'container_format', 'disk_format', 'size', 'virtual_size', 'min_disk',
    'min_ram', 'owner', 'checksum', 'os_hash_algo', 'os_hash_value',
    'created_at', 'updated_at', 'file', 'self', 'schema', 'locations',
    'direct_url', 'os_hidden')
IMAGE_SCHEMA = {
    'name': 'image',
    'properties': {name: {} for name in BASE_ATTRIBUTES},
    'additionalProperties': {'type': 'string'},
}


def image_document(image):
    """Glance v2's representation of one image."""
    path = image.get('file')
    data = b''
    if path:
        with open(path, 'rb') as f:
            data = f.read()
    now = time.strftime('%Y-%m-%dT%H:%M:%SZ', time.gmtime())
    doc = {
        'id': image['id'], 'name': image['name'], 'status': 'active',
        'visibility': 'public', 'protected': False, 'tags': [],
        'container_format': 'bare',
        'disk_format': image.get('disk_format', 'qcow2'),
        'size': len(data), 'virtual_size': None,
        'min_disk': 0, 'min_ram': 0, 'owner': 'nova-cca-deploy',
        'checksum': hashlib.md5(data).hexdigest(),
        'os_hash_algo': 'sha512',
        'os_hash_value': hashlib.sha512(data).hexdigest(),
        'created_at': now, 'updated_at': now,
        'file': '/v2/images/%s/file' % image['id'],
        'self': '/v2/images/%s' % image['id'],
        'schema': '/v2/schemas/image',
    }
    doc.update({k: str(v) for k, v in image.get('properties', {}).items()})
    return doc


class StubApp:
    def __init__(self, images):
        self.images = {image['id']: image for image in images}

    def __call__(self, environ, start_response):
        path = environ.get('PATH_INFO', '')
        method = environ['REQUEST_METHOD']
        status, body, headers = self.route(method, path, environ)
        if isinstance(body, (dict, list)):
            body = json.dumps(body).encode()
            headers = [('Content-Type', 'application/json')] + headers
        headers.append(('Content-Length', str(len(body))))
        start_response(status, headers)
        return [body]

    def route(self, method, path, environ):
        if path == '/v2/schemas/image':
            return '200 OK', IMAGE_SCHEMA, []
        match = re.fullmatch(r'/v2/images/([^/]+)(/file)?', path)
        if match and method == 'GET':
            image = self.images.get(match.group(1))
            if image is None:
                return '404 Not Found', {'message': 'no such image'}, []
            if not match.group(2):
                return '200 OK', image_document(image), []
            with open(image['file'], 'rb') as f:
                data = f.read()
            return '200 OK', data, [
                ('Content-Type', 'application/octet-stream'),
                ('Content-MD5', hashlib.md5(data).hexdigest())]
        if path == '/v2/images' and method == 'GET':
            return '200 OK', {'images': [image_document(i) for i in
                                         self.images.values()]}, []
        match = re.fullmatch(r'/v2\.0/([a-z_-]+)(\.json)?', path)
        if match and method == 'GET':
            # the network API: nothing exists (servers have no networks)
            return '200 OK', {match.group(1).replace('-', '_'): []}, []
        if re.fullmatch(r'/v2\.0/ports/[^/]+', path) and method == 'DELETE':
            return '204 No Content', b'', []
        return '404 Not Found', {'message': '%s %s: not served by the '
                                            'deployment stub' % (method,
                                                                 path)}, []


class _Server(socketserver.ThreadingMixIn, simple_server.WSGIServer):
    daemon_threads = True


class _Handler(simple_server.WSGIRequestHandler):
    def log_message(self, format, *args):
        sys.stderr.write('%s %s\n' % (time.strftime('%H:%M:%S'),
                                      format % args))


def main(argv=None):
    argv = sys.argv[1:] if argv is None else argv
    images_file, port = argv[0], int(argv[1])
    # the loopback, and the computes' bridge when they have namespaces
    addresses = argv[2].split(',') if len(argv) > 2 else ['127.0.0.1']
    with open(images_file) as f:
        images = json.load(f)
    for image in images:
        if image.get('file') and not os.path.exists(image['file']):
            raise SystemExit('image file %s missing' % image['file'])
    app = StubApp(images)
    servers = [simple_server.make_server(address, port, app,
                                         server_class=_Server,
                                         handler_class=_Handler)
               for address in addresses]
    for server in servers[1:]:
        threading.Thread(target=server.serve_forever, daemon=True).start()
    servers[0].serve_forever()


if __name__ == '__main__':
    main()
