"""Explicit registries (emulators, pack targets): records by id, in registration order.

Generic code asks a registry, never a list of its own, so a family added in one module is
seen everywhere: CLI choices and profile enums read :meth:`Registry.ids` when they are used,
not when they are imported. :meth:`Registry.extended` adds records for the length of a
``with`` block and takes them out again, which is how a test plugs in a fake emulator and
target (tests/fake_family.py) without touching the shipped ones.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from typing import Generic, Protocol, TypeVar, overload


class HasId(Protocol):
    @property
    def id(self) -> str: ...


T = TypeVar("T", bound=HasId)


class Registry(Mapping[str, T], Generic[T]):
    """Records of one kind by their ``id``; the first one registered for a family is its default."""

    def __init__(self, kind: str) -> None:
        self.kind = kind
        self._items: dict[str, T] = {}

    def add(self, item: T) -> None:
        if item.id in self._items:
            raise ValueError(f"{self.kind} {item.id!r} registered twice")
        self._items[item.id] = item

    @contextmanager
    def extended(self, *items: T) -> Iterator[None]:
        """These records registered inside the block only."""
        for it in items:
            self.add(it)
        try:
            yield
        finally:
            for it in items:
                self._items.pop(it.id, None)

    def ids(self) -> Ids:
        """The ids as a sequence that follows the registry (for click choices and schema enums)."""
        return Ids(self)

    def __getitem__(self, key: str) -> T:
        return self._items[key]

    def __iter__(self) -> Iterator[str]:
        return iter(tuple(self._items))

    def __len__(self) -> int:
        return len(self._items)


class Ids(Sequence[str]):
    """A registry's ids, read at each use."""

    def __init__(self, registry: Mapping[str, object]) -> None:
        self._registry = registry

    @overload
    def __getitem__(self, i: int) -> str: ...

    @overload
    def __getitem__(self, i: slice) -> Sequence[str]: ...

    def __getitem__(self, i: int | slice) -> str | Sequence[str]:
        return tuple(self._registry)[i]

    def __len__(self) -> int:
        return len(self._registry)

    def __contains__(self, value: object) -> bool:
        return value in self._registry

    def __repr__(self) -> str:
        return repr(tuple(self._registry))
