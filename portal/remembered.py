"""What a web process remembers between requests: a bounded map, the least recently read
dropped first, safe to share between threads. What is kept, and by what key (a key must name
everything the value was made from), is the caller's: the layouts of kept pages
(:mod:`portal.kept_pages`) and the principals of accounts (:mod:`portal.security`)."""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Hashable
from typing import Any

MISSING = object()  # what :meth:`Remembered.recalled` gives for a key it does not hold


class Remembered:
    def __init__(self, limit: int) -> None:
        self.limit = limit
        self._found: OrderedDict[Hashable, Any] = OrderedDict()
        self._lock = threading.Lock()

    def recalled(self, key: Hashable) -> Any:
        """The value remembered by ``key``, or :data:`MISSING`."""
        with self._lock:
            found = self._found.get(key, MISSING)
            if found is not MISSING:
                self._found.move_to_end(key)
            return found

    def remember(self, key: Hashable, value: Any) -> None:
        with self._lock:
            self._found[key] = value
            self._found.move_to_end(key)
            while len(self._found) > self.limit:
                self._found.popitem(last=False)

    def forget(self) -> None:
        with self._lock:
            self._found.clear()
