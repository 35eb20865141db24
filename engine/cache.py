"""Per-store caches of derived indexes (provision index, mapping relations, mapping closure), valid for one
store generation: every write through the Store object bumps its generation and so drops them. Stores that
others can write (remote SPARQL stores) are never cached."""
from __future__ import annotations

import threading
import weakref
from typing import Any, Callable

from .store import Store

_lock = threading.Lock()
_caches: "weakref.WeakKeyDictionary[Store, tuple[int, dict[str, Any]]]" = weakref.WeakKeyDictionary()


def per_store(store: Store, name: str, compute: Callable[[], Any]) -> Any:
    """``compute()`` once per store generation (always, for stores that are not cacheable)."""
    if not store.cacheable:
        return compute()
    with _lock:
        gen, values = _caches.get(store, (-1, {}))
        if gen != store.generation:
            values = {}
            _caches[store] = (store.generation, values)
        if name in values:
            return values[name]
    value = compute()
    with _lock:
        gen, values = _caches.get(store, (-1, {}))
        if gen == store.generation:
            values[name] = value
    return value
