"""Building large answers: the cyclic garbage collector paused while a question builds many small acyclic
containers. A coverage answer at 1M register triples holds ~350k path lists; the collections these allocations
trigger scan every tracked object again and again and cost about a third of the call. Reference counting still
frees everything at once; cyclic collection resumes when the outermost pause ends (nested and concurrent pauses
share one count)."""
from __future__ import annotations

import contextlib
import gc
import threading
from collections.abc import Iterator

_lock = threading.Lock()
_depth = 0
_was_enabled = False


@contextlib.contextmanager
def gc_paused() -> Iterator[None]:
    """Pause cyclic garbage collection for the block (usable as a decorator)."""
    global _depth, _was_enabled
    with _lock:
        if _depth == 0:
            _was_enabled = gc.isenabled()
            gc.disable()
        _depth += 1
    try:
        yield
    finally:
        with _lock:
            _depth -= 1
            if _depth == 0 and _was_enabled:
                gc.enable()
