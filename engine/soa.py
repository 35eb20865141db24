"""Statement of Applicability: every Annex A control with the organisation's decision, the controls that
implement it (directly) with their status, and their evidence with its validity on the as-of date."""
from __future__ import annotations

import datetime as dt

from . import queries as q
from .refs import Ref, framework_iri, sort_key
from .store import Store

COLUMNS = ["control", "title", "applicable", "justification", "implemented_by", "evidence", "valid_evidence"]


def statement_of_applicability(store: Store, as_of: dt.date, frameworks: tuple[str, ...] = ("iso42001",)) -> dict:
    rows = []
    for key in frameworks:
        found: dict[str, dict] = {}
        for r in store.select(q.render("soa", framework=q.iri(framework_iri(key)))).rows:
            ref = Ref(key, r["notation"].value)
            entry = found.setdefault(r["p"].value, {
                "ref": str(ref), "title": r["title"].value,
                "applicable": None, "justification": None, "controls": {}, "_ref": ref})
            if "applicable" in r:
                entry["applicable"] = r["applicable"].py
                entry["justification"] = r["justification"].value if "justification" in r else None
            if "cid" in r:
                ctl = entry["controls"].setdefault(r["cid"].value, {"id": r["cid"].value, "status": r["status"].value,
                                                                   "evidence": {}})
                if "eid" in r:
                    collected = r["collected"].py
                    until = r["until"].py if "until" in r else None
                    valid = collected <= as_of and (until is None or as_of <= until)
                    ctl["evidence"][r["eid"].value] = {"id": r["eid"].value, "collected_on": collected.isoformat(),
                                                       "valid_until": until.isoformat() if until else None,
                                                       "valid": valid}
        for entry in sorted(found.values(), key=lambda e: sort_key(e["_ref"])):
            entry.pop("_ref")
            entry["controls"] = [{**c, "evidence": sorted(c["evidence"].values(), key=lambda e: e["id"])}
                                 for c in sorted(entry["controls"].values(), key=lambda c: c["id"])]
            rows.append(entry)
    decided = [r for r in rows if r["applicable"] is not None]
    return {"as_of": as_of.isoformat(), "frameworks": list(frameworks),
            "summary": {"controls": len(rows), "applicable": sum(1 for r in decided if r["applicable"]),
                        "excluded": sum(1 for r in decided if not r["applicable"]),
                        "undecided": len(rows) - len(decided),
                        "implemented": sum(1 for r in rows if any(c["status"] == "implemented" for c in r["controls"])),
                        "with_valid_evidence": sum(1 for r in rows if any(e["valid"] for c in r["controls"]
                                                                          for e in c["evidence"]))},
            "controls": rows}


def table_rows(doc: dict) -> list[list]:
    out = []
    for r in doc["controls"]:
        applicable = {True: "yes", False: "no", None: "not decided"}[r["applicable"]]
        impl = "; ".join(f"{c['id']} ({c['status']})" for c in r["controls"])
        ev = [e for c in r["controls"] for e in c["evidence"]]
        out.append([r["ref"], r["title"], applicable, r["justification"] or "", impl,
                    "; ".join(f"{e['id']} ({'valid' if e['valid'] else 'not valid'} on {doc['as_of']})" for e in ev),
                    "yes" if any(e["valid"] for e in ev) else "no"])
    return out
