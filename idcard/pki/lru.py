"""A bounded least-recently-used map: the caches in `idcard.pki` (see `certcache`) share it."""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import Generic, TypeVar

K = TypeVar("K", bound=Hashable)
V = TypeVar("V")

#: Entries per cache: a day of a busy portal's returning citizens, a few MB.
DEFAULT_SIZE = 2048


class BoundedCache(Generic[K, V]):
    """A least-recently-used map with a fixed bound (0 turns it off)."""

    def __init__(self, size: int = DEFAULT_SIZE) -> None:
        self.size = size
        self._items: OrderedDict[K, V] = OrderedDict()
        self.hits = self.misses = 0

    def get(self, key: K, build: Callable[[], V]) -> V:
        try:
            value = self._items[key]
        except KeyError:
            self.misses += 1
            value = build()
            if self.size > 0:
                self._items[key] = value
                if len(self._items) > self.size:
                    self._items.popitem(last=False)
            return value
        self.hits += 1
        self._items.move_to_end(key)
        return value

    def clear(self) -> None:
        self._items.clear()
        self.hits = self.misses = 0

    def __len__(self) -> int:
        return len(self._items)
