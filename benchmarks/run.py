"""clausegraph benchmark suite: the entry point of ``make bench``.

One run measures, on seeded synthetic registers at three scales (~10k, ~100k, ~1M register triples), the
engine against raw pyoxigraph and rdflib (queries, build), register import throughput, validation (fast
path and pySHACL), peak memory and (when present) the /sparql endpoint benchmark, then writes
benchmarks/RESULTS.md. Every measurement runs in a fresh subprocess under a time limit, so the whole run
stays within its budget (default 570 s) however slow a measured call is; a call cut at its limit is
reported as "> limit" and fails its target.

The long mode (`--long`, or CLAUSEGRAPH_BENCH_LONG=1; `make bench-long`) adds time for what the reference run
cannot afford: rdflib measured at 100k (one run per question, up to LONG_RDFLIB_LIMIT s each) and
pyshacl-turbo at 1M.

    .venv/bin/python benchmarks/run.py [--budget 560] [--quick] [--long] [--scales 10k,100k] [--out RESULTS.md]
"""
from __future__ import annotations

import argparse
import ast
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(HERE))

from harness import machine  # noqa: E402
from shacl_engines import projected_ok  # noqa: E402

SEED = 7
#: (label, systems): systems= values of engine.synthetic.generate giving ~10k / ~100k / ~1M register triples
#: (about 128 register triples per system with the generator's default mix).
SCALES = [("10k", 78), ("100k", 784), ("1M", 7840)]
QUICK_SCALES = [("10k", 78), ("100k", 200), ("1M", 400)]
#: import throughput: 10k systems and ~100k evidence rows (3 controls x 4 evidence, 10% planted defects)
IMPORT_MIX = {"systems": 10_000, "controls_per_system": 3, "evidence_per_control": 4}

TARGETS = {"query_vs_raw": 1.2, "query_vs_rdflib": 50.0, "build_vs_raw": 1.2, "import_vs_raw": 1.5,
           "validate_100k_s": 1.0, "validate_1m_s": 5.0, "memory_vs_raw": 1.5}   # issue 20's targets
RDFLIB_LOAD_LIMIT = 120.0     # rdflib is skipped at a scale where its projected load time is over this
LONG_RDFLIB_LIMIT = 240.0     # long mode: seconds allowed to each rdflib question at 100k (one run)
LONG_EXTRA = {"100k": 4 * LONG_RDFLIB_LIMIT + 60, "1M": 300}   # long mode: seconds added to a scale's share
TURBO_LIMIT = {False: 90.0, True: 240.0}   # pyshacl-turbo: per-run limit (normal / long mode): 100k fits the normal run


def scale_params(label: str, budget: float, quick: bool, long: bool = False) -> dict:
    """Repetitions and per-call limits for a scale (bounded by the scale's share of the run budget)."""
    big = label == "1M" and not quick
    p = {
        "budget": budget, "reps": 5 if label == "10k" else 3, "op_budget": 20.0 if big else 12.0,
        "op_limit": 35.0 if big else 30.0, "build_reps": 2 if big else 3, "build_budget": 40.0 if big else 15.0,
        "build_limit": 90.0, "validate_limit": 30.0, "rdflib_reps": 3, "rdflib_budget": 12.0,
        "rdflib_limit": 6.0 if label == "10k" else 12.0, "rdflib_load_limit": RDFLIB_LOAD_LIMIT, "profile": label == "100k",
        "turbo_limit": TURBO_LIMIT[long],
    }
    if long and label == "100k":   # rdflib measured, not extrapolated: one run of each question
        p.update(budget=budget + LONG_EXTRA["100k"], rdflib_reps=1, rdflib_budget=0.0, rdflib_limit=LONG_RDFLIB_LIMIT)
    elif long and label in LONG_EXTRA:
        p.update(budget=budget + LONG_EXTRA[label])
    return p


# ---------------------------------------------------------------- running workers

def run_worker(name: str, params: dict, workdir: Path, timeout: float) -> dict:
    """Run a worker in a fresh interpreter; returns what it wrote (partial if it was stopped)."""
    out = workdir / f"{name}-{params.get('label', '')}-{int(time.time() * 1000)}.json"
    cmd = [sys.executable, str(HERE / "run.py"), "--worker", name, "--params", json.dumps(params),
           "--result", str(out)]
    start = time.monotonic()
    proc = subprocess.Popen(cmd, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    status = "ok"
    try:
        log, _ = proc.communicate(timeout=timeout)
        if proc.returncode != 0:
            status = f"exit {proc.returncode}"
    except subprocess.TimeoutExpired:
        proc.kill()
        log, _ = proc.communicate()
        status = f"stopped at its {timeout:.0f} s limit"
    data = json.loads(out.read_text()) if out.is_file() else {}
    data["_status"] = status
    data["_wall_s"] = time.monotonic() - start
    if status != "ok":
        data["_log"] = (log or "")[-3000:]
    print(f"  {name} {params.get('label', '')}: {status} in {data['_wall_s']:.1f} s", flush=True)
    if status != "ok" and log:
        print("    " + "\n    ".join(log.strip().splitlines()[-8:]), flush=True)
    return data


def has_main(path: Path) -> bool:
    try:
        tree = ast.parse(path.read_text())
    except (OSError, SyntaxError):
        return False
    return any(isinstance(n, ast.FunctionDef) and n.name == "main" for n in tree.body)


def run_endpoint(timeout: float) -> dict:
    path = HERE / "endpoint_bench.py"
    if not path.is_file() or not has_main(path):
        return {"status": "absent (benchmarks/endpoint_bench.py with a main() not found)"}
    start = time.monotonic()
    try:
        p = subprocess.run([sys.executable, str(path)], cwd=ROOT, capture_output=True, text=True, timeout=timeout)
        status = "ok" if p.returncode == 0 else f"exit {p.returncode}"
        output = p.stdout + (("\n" + p.stderr[-2000:]) if p.returncode else "")
    except subprocess.TimeoutExpired as exc:
        status = f"stopped at its {timeout:.0f} s limit"
        output = (exc.stdout or b"").decode() if isinstance(exc.stdout, bytes) else (exc.stdout or "")
    print(f"  endpoint_bench: {status} in {time.monotonic() - start:.1f} s", flush=True)
    return {"status": status, "output": output.strip(), "wall_s": time.monotonic() - start}


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--budget", type=float, default=570.0, help="seconds for the whole run (default 570)")
    ap.add_argument("--quick", action="store_true", help="small scales, for checking the suite itself")
    ap.add_argument("--long", action="store_true", default=os.environ.get("CLAUSEGRAPH_BENCH_LONG") == "1",
                    help="more time: rdflib measured at 100k, pyshacl-turbo at 1M (also CLAUSEGRAPH_BENCH_LONG=1)")
    ap.add_argument("--scales", default=None, help="only these scales, comma-separated (e.g. 10k,100k)")
    ap.add_argument("--out", default=str(HERE / "RESULTS.md"))
    ap.add_argument("--json", default=None, help="also write the raw measurements as JSON here")
    ap.add_argument("--keep", action="store_true", help="keep the generated registers and dumps")
    ap.add_argument("--render", metavar="JSON", help="only rewrite --out from measurements saved with --json")
    ap.add_argument("--worker", help=argparse.SUPPRESS)
    ap.add_argument("--params", help=argparse.SUPPRESS)
    ap.add_argument("--result", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.worker:
        from workers import WORKERS, Out

        WORKERS[args.worker](json.loads(args.params), Out(args.result))
        return 0
    if args.render:
        from report import render

        Path(args.out).write_text(render(json.loads(Path(args.render).read_text()), TARGETS))
        print(f"wrote {args.out}")
        return 0

    t0 = time.monotonic()
    budget = args.budget
    scales = QUICK_SCALES if args.quick else SCALES
    if args.scales:
        wanted = args.scales.split(",")
        scales = [x for x in scales if x[0] in wanted]
    import_mix = dict(IMPORT_MIX, systems=500) if args.quick else IMPORT_MIX
    # shares of the budget (seconds at the default 570); the rest is for generation and the report
    share = {"10k": 130, "100k": 125, "1M": 170, "raw_memory": 15, "import": 110, "endpoint": 35}
    scale_f = budget / 570.0
    workdir = Path(tempfile.mkdtemp(prefix="cg-bench-"))
    res: dict = {"machine": machine(), "scales": {}, "quick": args.quick, "long": args.long, "seed": SEED}
    print(f"clausegraph benchmarks in {workdir} (budget {budget:.0f} s)", flush=True)
    try:
        from clausegraph.engine.synthetic import generate

        for label, systems in scales:
            s = time.perf_counter()
            g = generate(workdir / f"register-{label}", systems=systems, seed=SEED)
            res["scales"][label] = {"systems": systems, "rows": g.rows, "generate_s": time.perf_counter() - s}
        print(f"  generated registers in {time.monotonic() - t0:.1f} s", flush=True)

        prev_rdflib_load: list[float] = []
        for label, systems in scales:
            p = scale_params(label, share[label] * scale_f, args.quick, args.long)
            p.update(label=label, systems=systems, register=str(workdir / f"register-{label}"),
                     workdir=str(workdir))
            p["pyshacl"] = label == "10k" or (label == "100k" and _pyshacl_projection(res) <= 60)
            p["pyshacl_limit"] = 80.0 if label == "10k" else 60.0
            # pyshacl-turbo: at 10k, then wherever the smaller scale's run, grown tenfold, fits its limit
            prev_turbo = [res["scales"][x].get("turbo", {}).get("timing", {}).get("median") for x in res["scales"]
                          if x != label and "turbo" in res["scales"][x]]
            p["turbo"] = label == scales[0][0] or projected_ok(prev_turbo[-1] if prev_turbo else None,
                                                               p["turbo_limit"])
            res["scales"][label]["turbo_requested"] = p["turbo"]
            # rdflib: skipped where its projected load time (from the two smaller scales) is over the limit
            proj = _projected(prev_rdflib_load, 10.0)
            p["rdflib"] = proj is None or proj <= RDFLIB_LOAD_LIMIT
            res["scales"][label]["rdflib_projected_load_s"] = proj
            res["scales"][label]["pyshacl_requested"] = p["pyshacl"]
            data = run_worker("scale", p, workdir, timeout=p["budget"] + 30)
            res["scales"][label].update(data)
            rl = data.get("rdflib_load", {}).get("median")
            if rl:
                prev_rdflib_load.append(rl)

        big = scales[-1][0]
        nt = res["scales"][big].get("build", {}).get("nt_path")
        if nt:
            res["raw_memory"] = run_worker("raw_memory", {"label": big, "nt": nt}, workdir,
                                           timeout=share["raw_memory"] * scale_f + 30)
        for label, _ in scales:   # the N-Triples dumps are no longer needed
            for f in workdir.glob(f"graph-{label}.nt"):
                f.unlink()

        s = time.perf_counter()
        g = generate(workdir / "register-import", seed=SEED, **import_mix)
        res["import"] = {"mix": import_mix, "rows": g.rows, "generate_s": time.perf_counter() - s}
        res["import"].update(run_worker("import", {"label": "import", "register": str(workdir / "register-import"),
                                                   "workdir": str(workdir), "reps": 3,
                                                   "budget": share["import"] * scale_f},
                                        workdir, timeout=share["import"] * scale_f + 30))
        remaining = budget - (time.monotonic() - t0)
        res["endpoint"] = run_endpoint(timeout=max(30.0, min(share["endpoint"] * scale_f + 20, remaining + 10)))
    finally:
        if not args.keep:
            shutil.rmtree(workdir, ignore_errors=True)
    res["wall_s"] = time.monotonic() - t0
    from report import render

    Path(args.out).write_text(render(res, TARGETS))
    if args.json:
        Path(args.json).write_text(json.dumps(res, indent=1, default=str))
    print(f"wrote {args.out} (run took {res['wall_s']:.0f} s)", flush=True)
    return 0


def _projected(values: list[float], default_factor: float) -> float | None:
    """Next-scale projection from the measured growth factor of the last two scales."""
    if not values:
        return None
    factor = values[-1] / values[-2] if len(values) >= 2 and values[-2] > 0 else default_factor
    return values[-1] * factor


def _pyshacl_projection(res: dict) -> float:
    t = res["scales"].get("10k", {}).get("pyshacl", {}).get("timing", {})
    med = t.get("median")
    if med is None:
        return float("inf")
    return med * 10.0   # pySHACL grows at least linearly with the data graph


if __name__ == "__main__":
    sys.exit(main())
