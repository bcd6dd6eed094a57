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


"""A flattened device tree (DTB) writer.

The blob follows the devicetree specification's flattened format (version
17, last compatible version 16): a 40-byte header, an empty memory
reservation map at offset 40, the structure block, then the strings block,
each property name stored once in order of first use. Nodes and properties
come out in the order they are written, so a writer that replays a VMM's
order produces that VMM's bytes.
"""

import struct

MAGIC = 0xd00dfeed
BEGIN_NODE = 1
END_NODE = 2
PROP = 3
END = 9
HEADER_SIZE = 40


class Writer:
    def __init__(self):
        self._struct = bytearray()
        self._strings = bytearray()
        self._offsets = {}
        self._depth = 0

    def _pad(self):
        self._struct += bytes(-len(self._struct) % 4)

    def begin(self, name: str) -> None:
        self._struct += struct.pack('>I', BEGIN_NODE) + \
            name.encode('ascii') + b'\0'
        self._pad()
        self._depth += 1

    def end(self) -> None:
        self._struct += struct.pack('>I', END_NODE)
        self._depth -= 1

    def prop(self, name: str, value: bytes) -> None:
        if name not in self._offsets:
            self._offsets[name] = len(self._strings)
            self._strings += name.encode('ascii') + b'\0'
        self._struct += struct.pack('>III', PROP, len(value),
                                    self._offsets[name]) + value
        self._pad()

    def null(self, name: str) -> None:
        self.prop(name, b'')

    def u32(self, name: str, *values: int) -> None:
        self.prop(name, struct.pack('>%dI' % len(values), *values))

    def u64(self, name: str, *values: int) -> None:
        self.prop(name, struct.pack('>%dQ' % len(values), *values))

    def string(self, name: str, *values: str) -> None:
        self.prop(name, b''.join(v.encode('ascii') + b'\0' for v in values))

    def finish(self) -> bytes:
        if self._depth:
            raise ValueError('%d device tree nodes left open' % self._depth)
        body = bytes(self._struct) + struct.pack('>I', END)
        off_struct = HEADER_SIZE + 16
        off_strings = off_struct + len(body)
        total = off_strings + len(self._strings)
        header = struct.pack('>10I', MAGIC, total, off_struct, off_strings,
                             HEADER_SIZE, 17, 16, 0, len(self._strings),
                             len(body))
        return header + bytes(16) + body + bytes(self._strings)
