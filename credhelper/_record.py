"""A light immutable value object for the cache-hit path.

``dataclasses`` imports ``inspect`` (about 15 ms here) and ``typing`` costs 7 ms: together more
than the whole budget of the cache-hit path. The value objects on that path derive from
``Record`` instead, which gives them what a frozen dataclass would: keyword construction with
defaults, immutability, equality, hashing, ``replace`` and a repr that hides secret fields.
"""

from __future__ import annotations


class Record:
    """Fields are the subclass's ``__slots__``; defaults live in ``_defaults``."""

    __slots__: tuple[str, ...] = ()
    _defaults: dict[str, object] = {}
    _hidden: frozenset[str] = frozenset()  # fields that repr() must never show

    def __init__(self, **fields: object) -> None:
        for name in self.__slots__:
            if name in fields:
                value = fields.pop(name)
            elif name in self._defaults:
                value = self._defaults[name]
            else:
                raise TypeError(f"{type(self).__name__}() needs {name!r}")
            object.__setattr__(self, name, value)
        if fields:
            raise TypeError(f"{type(self).__name__}() got unknown fields {sorted(fields)}")

    def __setattr__(self, name: str, value: object) -> None:
        raise AttributeError(f"{type(self).__name__} is immutable: use replace()")

    def __delattr__(self, name: str) -> None:
        raise AttributeError(f"{type(self).__name__} is immutable")

    def _values(self) -> tuple[object, ...]:
        return tuple(getattr(self, name) for name in self.__slots__)

    def __eq__(self, other: object) -> bool:
        return type(other) is type(self) and self._values() == other._values()

    def __hash__(self) -> int:
        return hash(self._values())

    def __repr__(self) -> str:
        shown = (
            f"{name}={'***' if name in self._hidden else repr(getattr(self, name))}"
            for name in self.__slots__
        )
        return f"{type(self).__name__}({', '.join(shown)})"

    def as_dict(self) -> dict[str, object]:
        return {name: getattr(self, name) for name in self.__slots__}

    def replace(self, **changes: object) -> Record:
        return type(self)(**{**self.as_dict(), **changes})
