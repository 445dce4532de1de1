"""Names loaded on first use: the project's one way to import lazily.

A module that defers a name writes where it lives as ``"module:NAME"``, the notation of entry
points, with the module relative to the asking module's package (``"._parser:CommandParser"``).
A module-level name deferred this way is listed in a ``_LAZY`` table and handed out by the
module's ``__getattr__`` (PEP 562), always these lines:

    _LAZY = {"CommandParser": "._parser:CommandParser"}

    def __getattr__(name: str) -> object:
        if name in _LAZY:
            from ._lazy import attribute

            return attribute(__name__, name, _LAZY[name])
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")

The test comes first because Python asks a module for ``__path__`` at every ``from module
import X``: answered without importing anything, this module stays off the cache-hit path.

The built-in command table (``cli.dispatch.BUILT_IN``) names its other modules' commands the same
way, and entry points (``setup-git = git_credential_amplify.configure:SETUP_GIT``) are loaded
by importlib.metadata, which reads the same notation. CONTRIBUTING.md says why: each import
costs a cache hit instructions it need not spend.
"""

from __future__ import annotations

import sys


def load(reference: str, package: str) -> object:
    """The object ``reference`` ("module:NAME", the module relative to ``package``) names."""
    module, _, name = reference.partition(":")
    level = len(module) - len(module.lstrip("."))
    # What importlib.import_module(module, package) does, without loading the importlib package:
    # git's cache hit asks the face for host_matches, and would pay for it. Given a fromlist,
    # __import__ returns the module named, not its top package.
    found = __import__(module[level:], {"__package__": package}, None, (name,), level)
    return getattr(found, name)


def attribute(module: str, name: str, reference: str) -> object:
    """The lazy name ``name`` of ``module``, from ``reference``, imported now and kept in the
    module, so later lookups find it without ``__getattr__``."""
    owner = sys.modules[module]
    value = load(reference, owner.__package__ or module)
    setattr(owner, name, value)
    return value
