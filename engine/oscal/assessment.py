"""The organisation's coverage and validation findings as OSCAL assessment results.

One result per export: an observation per piece of evidence (its location, digest, collection date and
validity), a finding per assessable provision (covered -> satisfied; partial or uncovered -> not satisfied, with
the coverage state as a property) citing the provision and linking the observations behind it, and a finding per
validation result citing the provisions its shape enforces."""
from __future__ import annotations

import datetime as dt

from ..coverage import framework_coverage
from ..org import Evidence, controls
from ..refs import FRAMEWORK_KEYS, Ref, normalise_key, parse_ref
from ..store import Store
from ..validate import Finding, validate
from .common import control_id, document_uuid, metadata, prop, stable_uuid, timestamp

_METHOD_RESOURCE = stable_uuid("resource", "clausegraph-method")


def _day(d: dt.date) -> dt.datetime:
    return dt.datetime.combine(d, dt.time(0, 0), tzinfo=dt.timezone.utc)


def _observation(ev: Evidence, supports: list[str], as_of: dt.date) -> dict:
    out: dict = {"uuid": stable_uuid("observation", ev.iri), "title": ev.title or ev.id,
                 "description": f"Evidence {ev.id} supporting control(s) {', '.join(sorted(supports))}.",
                 "props": [prop("evidence-id", ev.id), prop("valid-on-as-of", "true" if ev.valid_on(as_of) else "false")]
                 + [prop("supports-control", c) for c in sorted(supports)],
                 "methods": ["EXAMINE"], "types": ["control-objective"],
                 "collected": timestamp(_day(ev.collected or as_of))}
    if ev.until:
        out["expires"] = timestamp(_day(ev.until + dt.timedelta(days=1)))
    relevant: dict = {"description": f"Evidence {ev.id}" + (f" at {ev.location}" if ev.location else "")}
    if ev.location:
        relevant["href"] = ev.location
    digest = ev.sha256 or ev.computed
    if digest:
        relevant["props"] = [prop("sha256", digest.lower())]
        if ev.sha256 and ev.computed:
            relevant["props"].append(prop("digest-matches", "true" if ev.sha256.lower() == ev.computed.lower() else "false"))
    out["relevant-evidence"] = [relevant]
    return out


def _coverage_finding(key: str, entry: dict, observation_of: dict[str, str], via: bool) -> dict:
    ref = parse_ref(entry["ref"])
    satisfied = entry["status"] == "covered"
    out: dict = {
        "uuid": stable_uuid("finding", entry["ref"], "via" if via else "direct"),
        "title": f"Coverage of {entry['ref']}",
        "description": (f"{entry['ref']} is {entry['status']}"
                        + (f" by control(s) {', '.join(entry['controls'])}" if entry["controls"] else "")
                        + (" (through crosswalks)" if via else "") + "."),
        "props": [prop("coverage", entry["status"]), prop("reference", entry["ref"]), prop("framework", key)]
        + [prop("control", c) for c in entry["controls"]],
        "target": {"type": "objective-id", "target-id": control_id(ref),
                   "status": {"state": "satisfied" if satisfied else "not-satisfied"}},
    }
    related = [observation_of[e] for e in entry["evidence"] if e in observation_of]
    if related:
        out["related-observations"] = [{"observation-uuid": u} for u in sorted(set(related))]
    return out


def _validation_finding(f: Finding) -> dict:
    d = f.as_dict()
    cited = [e for e in d["enforces"] if e]
    target_ref = next((parse_ref(e) for e in cited if ":" in e and e.split(":", 1)[0] in FRAMEWORK_KEYS), None)
    out: dict = {
        "uuid": stable_uuid("validation", f.focus, f.shape, f.path or "", f.value or ""),
        "title": f"{d['severity']}: {d['shape']} on {d['focus_label']}",
        "description": d["message"] or d["shape"],
        "props": [prop("severity", d["severity"].lower()), prop("shape", d["shape"]),
                  prop("focus", d["focus_label"] or f.focus)] + [prop("enforces", e) for e in cited],
        "target": {"type": "objective-id",
                   "target-id": control_id(target_ref) if target_ref else f"shape_{d['shape']}",
                   "status": {"state": "not-satisfied"}},
    }
    return out


def export_assessment_results(store: Store, *, as_of: dt.date, frameworks: tuple[str, ...] = FRAMEWORK_KEYS,
                              via_mappings: bool = False, generated: dt.datetime | None = None) -> dict:
    """Coverage of ``frameworks`` and the validation report on ``as_of`` as an OSCAL assessment-results document
    (the store must hold a register)."""
    keys = [normalise_key(k) for k in frameworks]
    ctrls = controls(store)
    supports: dict[str, tuple[Evidence, list[str]]] = {}
    for c in ctrls.values():
        for ev in c.evidence.values():
            supports.setdefault(ev.id, (ev, []))[1].append(c.id)
    observations = [_observation(ev, cs, as_of) for ev, cs in sorted(supports.values(), key=lambda x: x[0].id)]
    observation_of = {ev.id: stable_uuid("observation", ev.iri) for ev, _ in supports.values()}
    findings, reviewed, summary = [], [], []
    for key in keys:
        doc = framework_coverage(store, key, as_of, via_mappings)
        s = doc["summary"]
        summary.append(f"{key}: {s['covered']} covered, {s['partial']} partial, {s['uncovered']} uncovered "
                       f"of {s['provisions']}")
        for entry in doc["provisions"]:
            findings.append(_coverage_finding(key, entry, observation_of, via_mappings))
            reviewed.append({"control-id": control_id(parse_ref(entry["ref"]))})
    report = validate(store, as_of)
    findings += [_validation_finding(f) for f in report.findings]
    result: dict = {
        "uuid": stable_uuid("result", as_of.isoformat(), ",".join(keys), str(via_mappings)),
        "title": f"clausegraph coverage and validation as of {as_of.isoformat()}",
        "description": "Coverage of every assessable provision by implemented controls with valid evidence, and "
                       "the SHACL validation findings. " + "; ".join(summary) + f"; {len(report.findings)} "
                       "validation finding(s).",
        "start": timestamp(_day(as_of)),
        "props": [prop("as-of", as_of.isoformat()), prop("via-mappings", "true" if via_mappings else "false")],
        "reviewed-controls": {"control-selections": [{"include-controls": reviewed}] if reviewed
                              else [{"include-all": {}}]},
    }
    if observations:
        result["observations"] = observations
    if findings:
        result["findings"] = findings
    body: dict = {
        "metadata": metadata(title=f"clausegraph assessment results as of {as_of.isoformat()}", version="0.1.0",
                             generated=generated, props=[prop("as-of", as_of.isoformat())]),
        "import-ap": {"href": f"#{_METHOD_RESOURCE}",
                      "remarks": "No separate assessment plan: the method is clausegraph's coverage and SHACL "
                                 "validation, described in the back-matter resource."},
        "results": [result],
        "back-matter": {"resources": [{
            "uuid": _METHOD_RESOURCE, "title": "clausegraph assessment method",
            "description": "A provision is covered when an implemented control implementing it (directly, or "
                           "through crosswalk rows when asked) has evidence valid on the as-of date; partial when "
                           "only partial controls or overlapping mappings reach it; uncovered otherwise. Validation "
                           "runs the bundled SHACL shapes, each citing the provisions it enforces."}]},
    }
    return {"assessment-results": {"uuid": document_uuid("assessment-results", body), **body}}
