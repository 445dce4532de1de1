"""A light immutable value object for the cache-hit path.

``dataclasses`` imports ``inspect`` (about 15 ms here) and ``typing`` costs 7 ms: together more
than the whole budget of the cache-hit path. The value objects on that path derive from
``Record`` instead, which gives them what a frozen dataclass would: keyword construction with
defaults, immutability, equality, hashing, ``replace``, copying, pickling and a repr that hides
secret fields.

Each field is declared once, as a class annotation with its default (if any) as the value::

    class Token(Record):
        _hidden = frozenset({"access_token"})  # not annotated: not a field
        access_token: str
        org_id: str | None = None

``_RecordType`` turns those annotations into ``__slots__`` and moves the defaults into
``_defaults`` while the class is created. Type checkers see the same declarations as a frozen,
keyword-only dataclass through ``dataclass_transform`` (PEP 681), imported only when type
checking, so ``Token(acces_token="x")`` is a type error that costs the run time nothing.
"""

from __future__ import annotations

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing_extensions import Self, dataclass_transform
else:

    def dataclass_transform(**_: object) -> object:
        return lambda cls: cls


class _RecordType(type):
    """Makes a record class: its annotated names become its slots, their values its defaults."""

    def __new__(
        mcls, name: str, bases: tuple[type, ...], namespace: dict[str, object]
    ) -> _RecordType:
        if "__slots__" not in namespace:  # fields declared as annotations (the usual way)
            # `from __future__ import annotations` keeps them as a plain dict, in order.
            own: tuple[str, ...] = tuple(namespace.get("__annotations__", {}))  # type: ignore[arg-type]
            defaults = {field: namespace.pop(field) for field in own if field in namespace}
            namespace["__slots__"] = own
        else:  # an explicit __slots__ (the older form): the fields are exactly those
            own = tuple(namespace["__slots__"])  # type: ignore[arg-type]
            defaults = dict(namespace.get("_defaults", {}))  # type: ignore[call-overload]
        inherited = [b for b in bases if isinstance(b, _RecordType)]
        fields = tuple(f for b in inherited for f in b._fields) + own
        namespace["_fields"] = fields
        namespace["_defaults"] = {
            **{k: v for b in inherited for k, v in b._defaults.items()},
            **defaults,
        }
        return super().__new__(mcls, name, bases, namespace)

    _fields: tuple[str, ...]
    _defaults: dict[str, object]


def _rebuild(cls: type[Record], values: tuple[object, ...]) -> Record:
    """Unpickling: set the fields directly, as ``__init__`` does, without its checks again."""
    record = object.__new__(cls)
    for name, value in zip(cls._fields, values):
        object.__setattr__(record, name, value)
    return record


@dataclass_transform(kw_only_default=True, frozen_default=True)
class Record(metaclass=_RecordType):
    """Fields are the subclass's annotations; ``_hidden`` names those repr() must never show."""

    __slots__: tuple[str, ...] = ()
    _hidden: frozenset[str] = frozenset()
    if TYPE_CHECKING:  # set by _RecordType on each record class
        _fields: tuple[str, ...]
        _defaults: dict[str, object]

    if not TYPE_CHECKING:  # type checkers build each record's own __init__ from its fields

        def __init__(self, **fields: object) -> None:
            for name in self._fields:
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
        return tuple(getattr(self, name) for name in self._fields)

    def __eq__(self, other: object) -> bool:
        return type(other) is type(self) and self._values() == other._values()

    def __hash__(self) -> int:
        return hash(self._values())

    def __repr__(self) -> str:
        shown = (
            f"{name}={'***' if name in self._hidden else repr(getattr(self, name))}"
            for name in self._fields
        )
        return f"{type(self).__name__}({', '.join(shown)})"

    # Immutable, so a shallow copy may be the record itself (as for tuples); deep copies and
    # pickles go through __reduce__, which never calls the refusing __setattr__.
    def __copy__(self) -> Self:
        return self

    def __reduce__(self) -> tuple[object, ...]:
        return (_rebuild, (type(self), self._values()))

    def as_dict(self) -> dict[str, object]:
        return {name: getattr(self, name) for name in self._fields}

    def replace(self, **changes: object) -> Self:
        return type(self)(**{**self.as_dict(), **changes})
