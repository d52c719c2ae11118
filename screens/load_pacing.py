"""When the Network page may load again: often enough to follow the kernel, never so often
that loading takes the UI thread's time.

Why two kinds: a page at a million routes starts with a dump of several seconds and then
follows the kernel by applying route messages, a tenth of a second each. Pacing the first
apply by the dump's cost held a churning table back by seconds; pacing every load by the
one before it let a single slow apply (a garbage collection, a busy core) double the next
wait. Each kind is paced by the median of its own last few costs.
"""

from __future__ import annotations

import statistics
from collections import deque

MIN_GAP = 0.2
"""Seconds between two loads at the least, however cheap they are."""
GAP_PER_COST = 2.0
"""The wait after a load, in multiples of what such a load costs: loading takes at most a
third of the time."""
_KEPT = 5


class LoadPacer:
    """The earliest time of the next dump (``whole=True``) or the next apply of route
    messages (``whole=False``), from when the last load ended and what each kind costs."""

    def __init__(self) -> None:
        self._costs: dict[bool, deque[float]] = {True: deque(maxlen=_KEPT),
                                                 False: deque(maxlen=_KEPT)}
        self._last_end = float("-inf")

    def loaded(self, *, whole: bool, seconds: float, ended: float) -> None:
        self._costs[whole].append(seconds)
        self._last_end = ended

    def next_at(self, *, whole: bool) -> float:
        costs = self._costs[whole]
        typical = statistics.median(costs) if costs else 0.0
        return self._last_end + max(MIN_GAP, GAP_PER_COST * typical)
