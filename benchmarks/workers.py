"""Measurement workers. Each runs in its own fresh subprocess (``run.py --worker NAME``), writes its results
as JSON to ``--out`` after every section (so a worker stopped at its deadline still reports what it
measured) and never touches the engine's code: the engine is only called and observed."""
from __future__ import annotations

import cProfile
import datetime as dt
import io
import json
import os
import pstats
import re
import time
from pathlib import Path
from typing import Any, Callable

from harness import QueryRecorder, Timeout, measure, peak_rss_mb, rss_mb, time_limit
from shacl_engines import agreement, run_reference

AS_OF = dt.date(2026, 9, 1)
TRACE_REF = "euaiact:Art. 26(1)"
COVERAGE_FRAMEWORK = "euaiact"
GAPS_TARGET = "euaiact"


class Out:
    def __init__(self, path: str) -> None:
        self.path = Path(path)
        self.data: dict[str, Any] = {}

    def __setitem__(self, k: str, v: Any) -> None:
        self.data[k] = v
        self.save()

    def save(self) -> None:
        tmp = self.path.with_suffix(".tmp")
        tmp.write_text(json.dumps(self.data, indent=1, default=str))
        os.replace(tmp, self.path)


# ---------------------------------------------------------------- raw pyoxigraph and rdflib replays

def raw_replay(store, queries: list[str]) -> int:
    """Run the queries on a plain pyoxigraph store (default graph) and read every solution; rows returned."""
    import pyoxigraph as ox

    n = 0
    for q in queries:
        res = store.query(q)
        if isinstance(res, ox.QuerySolutions):
            for sol in res:
                tuple(sol)
                n += 1
        elif isinstance(res, ox.QueryBoolean):
            bool(res)
        else:
            for _ in res:
                n += 1
    return n


def rdflib_replay(graph, queries: list[str]) -> int:
    n = 0
    for q in queries:
        res = graph.query(q)
        if res.type == "SELECT":
            for row in res:
                tuple(row)
                n += 1
        elif res.type == "ASK":
            bool(res.askAnswer)
        else:
            for _ in res:
                n += 1
    return n


def per_query_rows(run_one: Callable[[str], int], queries: list[str]) -> list[int | str]:
    out: list[int | str] = []
    for q in queries:
        try:
            out.append(run_one(q))
        except Exception as exc:  # noqa: BLE001
            out.append(f"error: {type(exc).__name__}: {exc}"[:200])
    return out


def first_line(q: str) -> str:
    for ln in q.splitlines():
        s = ln.strip()
        if s and not s.upper().startswith("PREFIX") and not s.startswith("#"):
            return s[:110]
    return q.strip()[:110]


def profile_text(fn: Callable[[], Any], top: int = 14) -> str:
    p = cProfile.Profile()
    p.enable()
    try:
        fn()
    finally:
        p.disable()
    buf = io.StringIO()
    st = pstats.Stats(p, stream=buf)
    st.sort_stats("tottime").print_stats(top)
    text = buf.getvalue()
    root = str(Path(__file__).resolve().parent.parent) + "/"
    lines = [ln.replace(root, "") for ln in text.splitlines() if ln.strip()]
    keep = [ln for ln in lines if "function calls" in ln or "ncalls" in ln or "(" in ln and ":" in ln]
    return "\n".join(keep)


# ---------------------------------------------------------------- the per-scale worker

def scale_worker(p: dict, out: Out) -> None:
    """Build, dump, raw load, queries (engine / raw pyoxigraph / rdflib), validation at one scale."""
    import pyoxigraph as ox

    from clausegraph.engine import build as build_mod
    from clausegraph.engine import register as register_pkg
    from clausegraph.engine.store import open_store
    from clausegraph.engine.store.embedded import EmbeddedStore

    deadline = time.monotonic() + p["budget"]

    def left(cap: float) -> float:
        return max(1.0, min(cap, deadline - time.monotonic() - 5))

    out["label"] = p["label"]
    out["systems"] = p["systems"]
    # ---- 1. engine build (incl. register), first one in a fresh process: it also gives the peak memory
    breakdown: dict[str, float] = {}
    orig_load, orig_replace = register_pkg.load_register, EmbeddedStore.replace_graph
    orig_derive, orig_maps, orig_bundled = build_mod.derive, build_mod.mapping_sources, build_mod.bundled_sources

    def timed(name: str, fn: Callable) -> Callable:
        def wrapper(*a, **k):
            s = time.perf_counter()
            try:
                return fn(*a, **k)
            finally:
                breakdown[name] = breakdown.get(name, 0.0) + time.perf_counter() - s
        return wrapper

    register_pkg.load_register = timed("load_register (read, validate, to N-Triples)", orig_load)
    build_mod.derive = timed("derive (assessable provisions query)", orig_derive)
    build_mod.mapping_sources = timed("mapping_sources (SSSOM parse + chaining)", orig_maps)
    build_mod.bundled_sources = timed("bundled_sources (read Turtle files)", orig_bundled)

    def replace(self, graph, data, fmt="turtle"):
        name = ("replace_graph(register)" if graph == build_mod.REGISTER_GRAPH
                else "replace_graph(other graphs)")
        return timed(name, orig_replace)(self, graph, data, fmt)

    EmbeddedStore.replace_graph = replace
    base_rss = rss_mb()
    store_box: dict[str, Any] = {}
    breakdowns: list[dict[str, float]] = []

    def engine_build():
        breakdown.clear()
        s = open_store()
        rep = build_mod.build(s, register=p["register"])
        store_box["store"], store_box["report"] = s, rep
        breakdowns.append(dict(breakdown))
        return rep.triples

    first = measure(engine_build, reps=1, budget=0, limit=left(p["build_limit"]))
    out["memory_engine"] = {"baseline_rss_mb": base_rss, "peak_rss_mb": peak_rss_mb(), "rss_after_mb": rss_mb()}
    if not first.runs:
        out["build"] = {"engine": first.as_dict()}
        return
    rep = store_box["report"]
    out["graph"] = {"register_triples": rep.graphs.get("register", 0), "total_triples": rep.triples,
                    "graphs": len(rep.graphs)}
    more = measure(engine_build, reps=p["build_reps"] - 1, budget=p["build_budget"] - first.runs[0],
                   limit=left(p["build_limit"])) if first.runs[0] * 2 <= p["build_budget"] else measure(
        engine_build, reps=0)
    register_pkg.load_register, EmbeddedStore.replace_graph = orig_load, orig_replace
    build_mod.derive, build_mod.mapping_sources, build_mod.bundled_sources = orig_derive, orig_maps, orig_bundled
    eng = first
    eng.runs += more.runs
    store = store_box["store"]
    # ---- 2. dump the built graph as N-Triples (all graphs flattened), then raw bulk loads of it
    nt = Path(p["workdir"]) / f"graph-{p['label']}.nt"
    t0 = time.perf_counter()
    with open(nt, "wb") as f:
        ox.serialize((ox.Triple(q.subject, q.predicate, q.object)
                      for q in store.oxigraph.quads_for_pattern(None, None, None, None)),
                     output=f, format=ox.RdfFormat.N_TRIPLES)
    dump_s = time.perf_counter() - t0
    raw_box: dict[str, Any] = {}

    def raw_load():
        s = ox.Store()
        s.bulk_load(path=str(nt), format=ox.RdfFormat.N_TRIPLES)
        raw_box["store"] = s
        return len(s)

    raw = measure(raw_load, reps=p["build_reps"], budget=p["build_budget"] / 3, limit=left(120))
    rstore = raw_box["store"]
    med_bd = {k: sorted(b.get(k, 0) for b in breakdowns)[len(breakdowns) // 2] for k in breakdowns[0]}
    out["build"] = {"engine": eng.as_dict(), "raw": raw.as_dict(), "breakdown": med_bd, "dump_s": dump_s,
                    "raw_triples": len(rstore), "nt_path": str(nt), "nt_bytes": nt.stat().st_size}

    # ---- 3. queries: engine vs the same SPARQL on raw pyoxigraph vs rdflib
    from clausegraph.engine import queries as q
    from clausegraph.engine.coverage import _values, framework_coverage
    from clausegraph.engine.gaps import gaps
    from clausegraph.engine.refs import framework_iri
    from clausegraph.engine.trace import trace_provision

    rec = QueryRecorder().install()
    assessable = store.select(q.render("assessable-provisions", framework=q.iri(framework_iri(COVERAGE_FRAMEWORK)),
                                       as_of=q.date(AS_OF))).rows
    cov_text = q.render("coverage", targets=_values([r["r"].value for r in assessable]), via="true", scope="",
                        as_of=q.date(AS_OF))
    hub_text = q.render("hub-coverage", scope="", as_of=q.date(AS_OF))
    ops: dict[str, Callable[[], Any]] = {
        "coverage": lambda: framework_coverage(store, COVERAGE_FRAMEWORK, AS_OF, via_mappings=True),
        "coverage SPARQL": lambda: store.select(cov_text),
        "hub coverage SPARQL": lambda: store.select(hub_text),
        "gaps": lambda: gaps(store, GAPS_TARGET, AS_OF),
        "trace": lambda: trace_provision(store, TRACE_REF, AS_OF),
    }
    results: dict[str, dict] = {}
    out["ops"] = results
    op_texts: dict[str, list[str]] = {}
    for name, fn in ops.items():
        r: dict[str, Any] = {}
        results[name] = r
        # first call: records the SPARQL the engine sends (and warms caches); it counts as the only run
        # when it already took more than half the op's budget
        lim = left(p["op_limit"])
        with rec.recording():
            s0 = time.perf_counter()
            try:
                with time_limit(lim):
                    fn()
                first_s: float | None = time.perf_counter() - s0
            except Timeout:
                first_s = None
        r["queries"] = [{"query": first_line(x[0]), "engine_s": round(x[1], 6), "rows": x[2]} for x in rec.queries]
        texts = op_texts[name] = [x[0] for x in rec.queries]
        if first_s is None:   # cut: still time the queries it had sent (its Python work is what was cut)
            r["engine"] = {"runs": [], "median": None, "timed_out": True, "limit": lim, "error": None}
            r["raw"] = measure(lambda: raw_replay(rstore, texts), reps=1, budget=0,
                               limit=left(p["op_limit"])).as_dict()
            r["raw_partial"] = True
            out.save()
            continue
        r["uses_named_graphs"] = any(re.search(r"\bGRAPH\s*[?<$]", t, re.I) for t in texts)
        if first_s > p["op_budget"] / 2:
            r["engine"] = {"runs": [first_s], "median": first_s, "timed_out": False, "limit": lim, "error": None,
                           "note": "single (first) run: slower than half the budget"}
        else:
            r["engine"] = measure(fn, reps=p["reps"], budget=p["op_budget"], limit=left(p["op_limit"])).as_dict()
        out.save()
        r["raw"] = measure(lambda: raw_replay(rstore, texts), reps=p["reps"], budget=p["op_budget"],
                           limit=left(p["op_limit"]), warmup=True).as_dict()
        # per query: rows and raw evaluation time (one run each), for the split "SPARQL vs Python"
        for qd, t in zip(r["queries"], texts):
            s1 = time.perf_counter()
            qd["raw_rows"] = raw_replay(rstore, [t])
            qd["raw_s"] = round(time.perf_counter() - s1, 6)
        out.save()
    # ---- 5. profiles of the engine calls (one run each, cProfile; only where asked: small enough)
    if p.get("profile"):
        prof = {}
        for name, fn in ops.items():
            if deadline - time.monotonic() < 60:
                break
            try:
                with time_limit(left(15)):
                    prof[name] = profile_text(fn)
            except Timeout:
                prof[name] = "(cut at 15 s)"
        out["profiles"] = prof
    # ---- 6. validation: fast path (SPARQL on the store) and pySHACL
    from clausegraph.engine import validate as vmod

    prep: list[float] = []
    orig_prepare = vmod.prepare

    def prepare(st, as_of):
        s = time.perf_counter()
        orig_prepare(st, as_of)
        prep.append(time.perf_counter() - s)

    vmod.prepare = prepare
    v: dict[str, Any] = {}
    out["validate_fast"] = v
    with rec.recording():
        vt0 = measure(lambda: vmod.validate(store, AS_OF, engine="fast"), reps=1, budget=0,
                      limit=left(p["validate_limit"]))
    qs = sorted(rec.queries, key=lambda x: -x[1])
    v["queries_total"] = len(rec.queries)
    v["queries_s"] = sum(x[1] for x in rec.queries)
    v["top_queries"] = [{"query": x[0][:400], "engine_s": round(x[1], 4), "rows": x[2]} for x in qs[:6]]
    if vt0.runs:
        v["findings"] = len(vt0.result.findings)
        vt = measure(lambda: vmod.validate(store, AS_OF, engine="fast"), reps=p["reps"] - 1,
                     budget=p["op_budget"], limit=left(p["validate_limit"]))
        vt0.runs += vt.runs
    v["timing"] = vt0.as_dict()
    v["prepare_s"] = sorted(prep)[len(prep) // 2] if prep else None
    out.save()
    # ---- 4. rdflib (same N-Triples, in-memory Graph, same SPARQL)
    if p["rdflib"]:
        import rdflib

        gbox: dict[str, Any] = {}

        def rload():
            g = rdflib.Graph()
            g.parse(str(nt), format="nt")
            gbox["g"] = g
            return len(g)

        rl = measure(rload, reps=1, budget=0, limit=left(p["rdflib_load_limit"]))
        out["rdflib_load"] = rl.as_dict()
        if "g" in gbox:
            g = gbox["g"]
            for name, r in results.items():
                if name not in op_texts:
                    continue
                texts = op_texts[name]
                rr = measure(lambda: rdflib_replay(g, texts), reps=p["rdflib_reps"], budget=p["rdflib_budget"],
                             limit=left(p["rdflib_limit"]))
                r["rdflib"] = rr.as_dict()
                if rr.runs and rr.runs[0] < 5:
                    for qd, n in zip(r["queries"], per_query_rows(lambda t: rdflib_replay(g, [t]), texts)):
                        qd["rdflib_rows"] = n
                out.save()
            del g, gbox["g"]
    # ---- 7. the reference engines (pySHACL, pyshacl-turbo) on the same data and shapes, findings compared
    fast_keys = {f.key for f in vt0.result.findings} if vt0.runs else None
    keys: dict[str, set | None] = {"fast": fast_keys}
    for name, key in (("pyshacl", "pyshacl"), ("pyshacl-turbo", "turbo")):
        if not p.get(key):
            continue
        reps = 1 if name == "pyshacl" else p["reps"]
        res, keys[name] = run_reference(vmod, store, AS_OF, name=name, reps=reps, budget=p["op_budget"],
                                        limit=left(p[f"{key}_limit"]))
        res["vs_fast"] = agreement(keys[name], fast_keys)
        if name != "pyshacl":
            res["vs_pyshacl"] = agreement(keys[name], keys.get("pyshacl"))
        out[key] = res


# ---------------------------------------------------------------- memory of raw pyoxigraph

def raw_memory_worker(p: dict, out: Out) -> None:
    import pyoxigraph as ox

    base = rss_mb()
    s = ox.Store()
    t0 = time.perf_counter()
    s.bulk_load(path=p["nt"], format=ox.RdfFormat.N_TRIPLES)
    out["raw"] = {"baseline_rss_mb": base, "peak_rss_mb": peak_rss_mb(), "rss_after_mb": rss_mb(),
                  "triples": len(s), "load_s": time.perf_counter() - t0}


# ---------------------------------------------------------------- register import throughput

def import_worker(p: dict, out: Out) -> None:
    import shutil

    from clausegraph.engine.build import REGISTER_GRAPH, build
    from clausegraph.engine.register import load_register
    from clausegraph.engine.store import open_store

    deadline = time.monotonic() + p["budget"]
    runs = []
    for i in range(p["reps"]):
        d = Path(p["workdir"]) / f"import-store-{i}"
        shutil.rmtree(d, ignore_errors=True)
        st = open_store(d)
        build(st)                                  # a built store, as `clausegraph import` needs (not timed)
        remaining = deadline - time.monotonic() - 5
        if remaining < 5:
            break
        r: dict[str, Any] = {}
        try:
            with time_limit(remaining):
                t0 = time.perf_counter()
                data = load_register(p["register"])
                t1 = time.perf_counter()
                st.replace_graph(REGISTER_GRAPH, data.ntriples, "ntriples")
                st.close()
                t2 = time.perf_counter()
        except Timeout:
            out["timed_out"] = {"limit": remaining}
            break
        r = {"load_register_s": t1 - t0, "write_s": t2 - t1, "total_s": t2 - t0,
             "triples": data.ntriples.count("\n"), "rows": {k: len(v) for k, v in data.tables.items()}}
        runs.append(r)
        out["runs"] = runs
        del data, st
        shutil.rmtree(d, ignore_errors=True)
        if time.monotonic() + r["total_s"] * 1.5 + 5 > deadline:
            break


WORKERS = {"scale": scale_worker, "raw_memory": raw_memory_worker, "import": import_worker}
