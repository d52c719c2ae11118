"""The words of a route lookup, put together only when somebody reads them.

Why a module of its own: :class:`~wizard.network.lookup.Resolver` answers without words
(they cost as much as the lookup) and hands out a :class:`LookupTrace` that asks it
again, with words, on the first read.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Protocol, overload


class _Replays(Protocol):
    """What a trace needs of its resolver: the same lookup again, saying each step."""

    def _traced(self, dst: str, src: str | None, mark: int, uid: int) -> list[str]: ...


class LookupTrace(Sequence[str]):
    """A lookup's steps in words (``Resolver.lookup()["trace"]``), made when first read.

    Why: putting every rule and route a lookup passes into words cost about as much as
    the lookup itself, and most callers (checks, the route planner, batches of
    addresses) never read them. Reading replays the lookup with the words on, over the
    same immutable snapshot, so the lines are the ones an eager trace had. It compares
    equal to a list of the same lines; ``list(trace)`` for JSON. Until read it keeps
    its resolver (and so the routing snapshot) alive.
    """

    __slots__ = ("_resolver", "_question", "_lines")

    def __init__(self, resolver: _Replays, question: tuple[str, str | None, int, int]) -> None:
        self._resolver: _Replays | None = resolver
        self._question = question
        self._lines: list[str] | None = None

    @property
    def lines(self) -> list[str]:
        """The lines, worked out on the first read."""
        if self._lines is None:
            assert self._resolver is not None, "a trace without lines has its resolver"
            self._lines = self._resolver._traced(*self._question)
            self._resolver = None
        return self._lines

    @overload
    def __getitem__(self, position: int) -> str: ...

    @overload
    def __getitem__(self, position: slice) -> list[str]: ...

    def __getitem__(self, position: int | slice) -> str | list[str]:
        return self.lines[position]

    def __len__(self) -> int:
        return len(self.lines)

    def __iter__(self) -> Iterator[str]:
        return iter(self.lines)

    def __eq__(self, other: object) -> bool:
        if isinstance(other, LookupTrace):
            return self.lines == other.lines
        if isinstance(other, list):
            return self.lines == other
        return NotImplemented

    __hash__ = None  # type: ignore[assignment]  # unhashable, like the list it stands for

    def __repr__(self) -> str:
        return repr(self.lines)
