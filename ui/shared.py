"""Values built once per view for every session of this server, by a key that names the view.

A class's 200 following tabs rerun one view after each change: the torch check and the
Playground's grid descriptions are built by the first of them and taken by the rest. A plain
dictionary under a lock, not ``st.cache_resource``: that one hashes every argument and reads
the function's signature again on every call (~3 % of a following tab's rerun, measured with
benchmarks/bench_rerun.py), where the key is already one string.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import Generic, TypeVar

__all__ = ["Shared"]

T = TypeVar("T")


class Shared(Generic[T]):
    """The ``entries`` values used last, by key; built by whichever session asks first.

    >>> views = Shared[int](entries=2)
    >>> views.get("a", lambda: 1), views.get("a", lambda: 2)
    (1, 1)
    """

    def __init__(self, entries: int) -> None:
        self.entries = entries
        self._values: OrderedDict[Hashable, T] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: Hashable, build: Callable[[], T]) -> T:
        """The value kept for ``key``, else ``build()``'s, kept (two sessions asking at once may
        both build it: the same value, kept once)."""
        with self._lock:
            if key in self._values:
                self._values.move_to_end(key)
                return self._values[key]
        value = build()
        with self._lock:
            self._values[key] = value
            while len(self._values) > self.entries:
                self._values.popitem(last=False)  # the one used longest ago
        return value
