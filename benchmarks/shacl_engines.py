"""The reference SHACL engines beside the fast path: pySHACL and pyshacl-turbo (a Rust engine with pySHACL's API)
run through the engine's own pySHACL path (`validate(store, as_of, engine="pyshacl")`: the same rdflib copy of
the store, the same shapes graph, the same conversion of the report into findings), the only difference being
which `validate` function that path imports. Their findings are compared with the fast path's by the key the
differential test uses (focus node, path, shape, severity)."""
from __future__ import annotations

import contextlib
import time
from typing import Any, Callable

from harness import measure

ENGINES = ("pyshacl", "pyshacl-turbo")


@contextlib.contextmanager
def reference_engine(name: str):
    """While active, the engine's pySHACL path calls ``name``'s `validate` (it imports `pyshacl.validate` at
    call time, so swapping the module attribute swaps the engine and nothing else)."""
    if name == "pyshacl":
        yield
        return
    import pyshacl
    import pyshacl_turbo

    orig = pyshacl.validate
    pyshacl.validate = pyshacl_turbo.validate
    try:
        yield
    finally:
        pyshacl.validate = orig


def run_reference(vmod, store, as_of, *, name: str, reps: int, budget: float, limit: float) -> tuple[dict, set | None]:
    """Time ``validate(engine="pyshacl")`` with ``name`` behind it; returns (result dict, finding keys)."""
    split: dict[str, float] = {}
    orig_to, orig_py = vmod.store_to_rdflib, vmod.validate_pyshacl
    vmod.store_to_rdflib = lambda st: _timed_call(split, "store_to_rdflib", orig_to, st)
    vmod.validate_pyshacl = lambda *a: _timed_call(split, f"{name}.validate", orig_py, *a)
    try:
        with reference_engine(name):
            t = measure(lambda: vmod.validate(store, as_of, engine="pyshacl"), reps=reps, budget=budget, limit=limit)
    except ImportError as exc:
        return {"error": f"{name} not installed: {exc}"}, None
    finally:
        vmod.store_to_rdflib, vmod.validate_pyshacl = orig_to, orig_py
    n = max(len(t.runs), 1)
    keys = {f.key for f in t.result.findings} if t.runs else None
    return {"timing": t.as_dict(), "split": {k: v / n for k, v in split.items()},
            "findings": len(t.result.findings) if t.runs else None}, keys


def agreement(a: set | None, b: set | None) -> dict | None:
    """How two sets of finding keys compare (None when one side was not measured)."""
    if a is None or b is None:
        return None
    return {"same": a == b, "only_first": len(a - b), "only_second": len(b - a),
            "examples": [repr(x) for x in sorted(a ^ b, key=repr)[:3]]}


def projected_ok(prev_s: float | None, limit: float) -> bool:
    """Run at the next scale when the previous scale's time, grown tenfold, fits the limit."""
    return prev_s is not None and prev_s * 10.0 <= limit


def _timed_call(split: dict, name: str, fn: Callable, *a) -> Any:
    s = time.perf_counter()
    try:
        return fn(*a)
    finally:
        split[name] = split.get(name, 0.0) + time.perf_counter() - s
