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

"""A patch of Nova as a contract.

Every change :func:`nova_cca.activate` makes to Nova is one :class:`Patch`:
what it changes, why Nova offers no seam there, which upstream change
would remove it, and, for a wrapped or replaced Nova callable, the
fingerprint (signature and source) of the Nova code it was written
against. ``tests/unit/activation/test_contracts.py`` fails by the patch's
name when the installed Nova's code differs from its fingerprint;
:func:`check_signatures` refuses to activate when a wrapped callable's
signature changed (a wrapper restates it).
"""

from collections.abc import Callable
import dataclasses
import functools
import hashlib
import importlib
import inspect
from typing import Any

#: attribute set on every function nova-cca wraps
MARK = '__nova_cca_wrapped__'


class NovaChanged(RuntimeError):
    """The installed Nova is not the code a patch was written against."""


@dataclasses.dataclass(frozen=True)
class Patch:
    """One change of Nova, with its contract.

    :param name: short unique name (``virt.get_mem_encryption_constraint``)
    :param target: ``module:attribute.path`` of the Nova object changed
    :param changes: what the patch changes, for whom
    :param why: why Nova offers no seam there
    :param upstream: the upstream change that would remove the patch
    :param apply: the function that makes the change (idempotent)
    :param signature: the signature of the Nova callable the patch wraps,
        replaces or relies on; None for data
    :param source_sha256: the first 16 hex digits of the SHA-256 of that
        callable's source (``inspect.getsource``)
    """

    name: str
    target: str
    changes: str
    why: str
    upstream: str
    apply: Callable[[], None]
    signature: str | None = None
    source_sha256: str | None = None

    def resolve(self) -> Any:
        """The Nova object the patch changes, as Nova defines it."""
        module_name, _, path = self.target.partition(':')
        owner: Any = importlib.import_module(module_name)
        obj = owner
        for part in path.split('.'):
            owner, obj = obj, inspect.getattr_static(obj, part)
        if isinstance(obj, (staticmethod, classmethod)):
            obj = obj.__func__
        return original(obj)


def original(function: Any) -> Any:
    """The Nova function under nova-cca's wrappers (itself if unwrapped)."""
    while getattr(function, MARK, False):
        function = function.__wrapped__
    return function


def fingerprint(function: Any) -> tuple[str, str]:
    """(signature, source SHA-256 prefix) of a Nova callable."""
    function = _callable(function)
    source = inspect.getsource(function)
    digest = hashlib.sha256(source.encode('utf-8')).hexdigest()[:16]
    return str(inspect.signature(function)), digest


def check_signatures(patches: list[Patch]) -> None:
    """Refuse to patch a Nova callable whose signature changed.

    A wrapper restates the signature of the function it wraps; a 34.x
    update that changes it must stop activation, not break a service
    later. (Source changes with the same signature are caught by the
    contract test, which names the patch.)

    :raises: NovaChanged naming every such patch.
    """
    changed = []
    for patch in patches:
        if patch.signature is None:
            continue
        current = str(inspect.signature(_callable(patch.resolve())))
        if current != patch.signature:
            changed.append('%s (%s: was %s, now %s)' % (
                patch.name, patch.target, patch.signature, current))
    if changed:
        raise NovaChanged(
            'nova-cca cannot activate: the installed Nova changed code it '
            'wraps: %s. Install the nova-cca release made for this Nova.'
            % '; '.join(changed))


def _callable(obj: Any) -> Any:
    return obj.fget if isinstance(obj, property) else obj


def wrap(owner: Any, name: str,
         make_wrapper: Callable[[Any], Callable[..., Any]]) -> None:
    """Replace ``owner.name`` by ``make_wrapper(original)``, once.

    The wrapper is marked and keeps ``__wrapped__`` (functools.wraps), so
    :func:`original` finds Nova's function again; a staticmethod stays a
    staticmethod.
    """
    static = inspect.getattr_static(owner, name)
    current = getattr(owner, name)
    if getattr(current, MARK, False):
        return
    wrapper = functools.wraps(current)(make_wrapper(current))
    setattr(wrapper, MARK, True)
    if isinstance(static, staticmethod):
        setattr(owner, name, staticmethod(wrapper))
    else:
        setattr(owner, name, wrapper)
