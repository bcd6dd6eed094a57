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

"""A TCP relay: ``python -m nova_cca_deploy.relay LISTEN TARGET``.

The machine's RabbitMQ listens on 127.0.0.1 only; computes in their own
network namespaces reach it at the bridge address, where this relay
listens and forwards every connection, byte for byte, to the broker.
``LISTEN`` and ``TARGET`` are ``address:port``.
"""

import asyncio
import signal
import sys

CHUNK = 64 * 1024


async def _pipe(reader, writer):
    try:
        while True:
            data = await reader.read(CHUNK)
            if not data:
                break
            writer.write(data)
            await writer.drain()
    except (ConnectionError, asyncio.CancelledError):
        pass
    finally:
        try:
            writer.close()
        except RuntimeError:
            pass


def _split(endpoint):
    host, _, port = endpoint.rpartition(':')
    if not host or not port.isdigit():
        raise SystemExit('relay: %r is not address:port' % endpoint)
    return host, int(port)


async def serve(listen, target):
    target_host, target_port = target

    async def connected(client_reader, client_writer):
        try:
            broker_reader, broker_writer = await asyncio.open_connection(
                target_host, target_port)
        except OSError as e:
            print('relay: %s:%d unreachable: %s' % (target_host, target_port,
                                                   e), file=sys.stderr,
                  flush=True)
            client_writer.close()
            return
        await asyncio.gather(_pipe(client_reader, broker_writer),
                             _pipe(broker_reader, client_writer))

    server = await asyncio.start_server(connected, *listen)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    print('relay: %s:%d -> %s:%d' % (listen + target), flush=True)
    async with server:
        await stop.wait()


def main(argv=None):
    argv = sys.argv[1:] if argv is None else argv
    if len(argv) != 2:
        raise SystemExit('usage: python -m nova_cca_deploy.relay '
                         'LISTEN_ADDRESS:PORT TARGET_ADDRESS:PORT')
    asyncio.run(serve(_split(argv[0]), _split(argv[1])))
    return 0


if __name__ == '__main__':
    sys.exit(main())
