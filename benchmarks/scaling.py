"""RESULTS.md's scaling lines: for each measure, its time per 1,000 graph triples at every scale, and how that
figure grows from one scale to the next (1.00x = linear; a step well above 1 is super-linear)."""
from __future__ import annotations

SUPER_LINEAR = 1.5   # a per-1k growth factor above this is flagged


def _median(d: dict | None) -> float | None:
    return d.get("median") if d else None


def measures(sc: dict) -> dict[str, float | None]:
    """Seconds per measure at one scale (None where it was not measured or was cut)."""
    ops = sc.get("ops", {})
    m: dict[str, float | None] = {}
    for op in ops:   # every question the worker measured
        o = ops.get(op, {})
        m[f"query {op}: engine"] = _median(o.get("engine"))
        m[f"query {op}: raw pyoxigraph"] = _median(o.get("raw"))
        m[f"query {op}: rdflib"] = _median(o.get("rdflib"))
    b = sc.get("build", {})
    m["build: engine"] = _median(b.get("engine"))
    m["build: raw bulk load"] = _median(b.get("raw"))
    m["validate: fast"] = _median(sc.get("validate_fast", {}).get("timing"))
    m["validate: pySHACL"] = _median((sc.get("pyshacl") or {}).get("timing"))
    m["validate: pyshacl-turbo"] = _median((sc.get("turbo") or {}).get("timing"))
    return m


def scaling_lines(scales: dict, fmt) -> list[str]:
    """The section as markdown lines; ``fmt`` formats seconds."""
    labels = list(scales)
    triples = {lab: scales[lab].get("graph", {}).get("total_triples") or 0 for lab in labels}
    per = {lab: measures(scales[lab]) for lab in labels}
    names = list(per[labels[0]]) if labels else []
    L = ["## Scaling: time per 1,000 graph triples\n",
         "Each measure's median divided by the scale's graph triples in thousands (" +
         ", ".join(f"{lab}: {triples[lab]:,}" for lab in labels) + "). *Growth* is the per-1k figure of a scale "
         "over the one before it: 1.00x is linear, below 1 the fixed costs are being spread, and a step above "
         f"{SUPER_LINEAR}x is marked **super-linear**. Blank: not measured at that scale (skipped or cut).\n",
         "| measure | " + " | ".join(f"{lab} per 1k" for lab in labels) + " | "
         + " | ".join(f"growth {a}->{b}" for a, b in zip(labels, labels[1:])) + " |",
         "|---|" + "---|" * (2 * len(labels) - 1)]
    for name in names:
        vals = [(per[lab][name] / (triples[lab] / 1000) if per[lab][name] and triples[lab] else None)
                for lab in labels]
        if not any(vals):
            continue
        steps = []
        for a, b in zip(vals, vals[1:]):
            if a and b:
                g = b / a
                steps.append(f"**{g:.2f}x super-linear**" if g > SUPER_LINEAR else f"{g:.2f}x")
            else:
                steps.append("")
        L.append(f"| {name} | " + " | ".join(fmt(v) if v else "" for v in vals) + " | " + " | ".join(steps) + " |")
    L.append("")
    return L
