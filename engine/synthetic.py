"""A seeded generator of synthetic organisation registers (CSV folders) for differential tests and
benchmarks. Sizes scale with ``systems``; a share of rows carries planted defects so that validation,
coverage and impact have something to find."""
from __future__ import annotations

import csv
import hashlib
import random
from dataclasses import dataclass
from pathlib import Path

from .register.schema import SCHEMA

ANNEX_III = ["annex-iii-1a", "annex-iii-1b", "annex-iii-2", "annex-iii-3a", "annex-iii-4a", "annex-iii-4b",
             "annex-iii-5a", "annex-iii-5b", "annex-iii-5c", "annex-iii-6a", "annex-iii-8a"]
ART50 = ["art50-interaction", "art50-synthetic-content", "art50-deepfake", "art50-emotion-recognition"]
ROLES = ["provider", "deployer", "importer", "distributor", "authorised-representative"]


@dataclass
class Generated:
    path: Path
    rows: dict[str, int]


def generate(path: str | Path, systems: int = 20, seed: int = 1, defect_rate: float = 0.1,
             controls_per_system: int = 3, evidence_per_control: int = 2, refs: list[str] | None = None,
             local_files: int = 5, records: bool = False) -> Generated:
    """Write a register folder at ``path``; ``refs`` are the provision references controls may implement;
    ``records`` adds the management system's records (dated around early 2028, when Art. 73 and Art. 25(4)
    apply to Annex III providers), with planted defects at ``defect_rate``."""
    rnd = random.Random(seed)
    out = Path(path)
    (out / "evidence").mkdir(parents=True, exist_ok=True)
    refs = refs or ["iso42001:A.6.2.8", "iso42001:A.5.2", "iso27001:A.8.15", "nist-ai-rmf:GOVERN 1.1",
                    "euaiact:Art. 9(1)", "euaiact:Art. 12(1)", "euaiact:Art. 26(1)", "euaiact:Art. 27(1)"]
    bad = lambda: rnd.random() < defect_rate  # noqa: E731
    tables: dict[str, list[dict[str, str]]] = {k: [] for k in SCHEMA}
    for i in range(systems):
        sid = f"sys-{i:06d}"
        kind = rnd.random()
        row = {"id": sid, "name": f"System {i}", "purpose": "" if bad() else f"Purpose of system {i}",
               "owner": f"Team {i % 37}", "role": rnd.choice(ROLES[:2]) if rnd.random() < 0.85 else rnd.choice(ROLES),
               "lifecycle": rnd.choice(["development", "deployed", "deployed", "retired"])}
        if kind < 0.35:
            row["use_cases"] = rnd.choice(ANNEX_III)
            row["public_body"] = "true" if rnd.random() < 0.2 else "false"
            row["profiling"] = "true" if rnd.random() < 0.3 else "false"
            if rnd.random() < 0.1:
                row["art6_3_exemption"] = "preparatory-task"
        elif kind < 0.55:
            row["use_cases"] = rnd.choice(ART50)
        elif kind < 0.6:
            row["gpai_model"] = "true"
            row["training_flops"] = rnd.choice(["1e23", "3e25"])
        tables["systems"].append(row)
        for k in ("risk-assessment", "technical-documentation", "post-market-monitoring-plan", "fria"):
            if not bad():
                tables["assessments"].append({"id": f"asm-{i:06d}-{k}", "system": sid, "kind": k,
                                              "date": "2026-01-15", "owner": "Risk office",
                                              "valid_until": "2026-06-30" if bad() else "2027-12-31"})
        tables["risks"].append({"id": f"rsk-{i:06d}", "system": sid, "title": f"Risk of system {i}",
                                "likelihood": str(rnd.randint(1, 5)), "severity": str(rnd.randint(1, 5)),
                                "owner": "" if False else f"Owner {i % 11}",
                                "treatment": rnd.choice(["mitigate", "accept", "transfer"]),
                                "acceptance_rationale": "" if bad() else "Residual risk within appetite."})
        for c in range(controls_per_system):
            cid = f"ctl-{i:06d}-{c}"
            status = rnd.choice(["implemented", "implemented", "implemented", "partial", "planned"])
            tables["controls"].append({"id": cid, "title": f"Control {c} of system {i}", "owner": "Control owner",
                                       "status": status, "implements": ";".join(rnd.sample(refs, 2)),
                                       "systems": sid})
            for e in range(evidence_per_control):
                if bad():
                    continue
                eid = f"ev-{i:06d}-{c}-{e}"
                expired = bad()
                tables["evidence"].append({
                    "id": eid, "title": f"Evidence {e} for {cid}", "supports": cid,
                    "location": f"https://evidence.example/{eid}", "collected_on": "2026-02-01",
                    "valid_until": "2026-05-01" if expired else "2027-12-31",
                    "kind": rnd.choice(["record", "report", "log", "test-result"])})
    for n in range(min(local_files, len(tables["evidence"]))):
        body = f"synthetic evidence {n}\n".encode()
        name = f"evidence/file-{n}.txt"
        (out / name).write_bytes(body)
        digest = hashlib.sha256(body).hexdigest()
        ev = tables["evidence"][n]
        ev["location"] = name
        ev["sha256"] = digest if n % 2 == 0 else "0" * 64   # every other local file has a wrong digest
    for ref in ("iso42001:A.2.2", "iso42001:A.4.4", "iso42001:A.6.2.8"):
        tables["applicability"].append({"ref": ref, "applicable": "false" if ref.endswith("A.4.4") else "true",
                                        "justification": "n/a" if ref.endswith("A.4.4") and defect_rate
                                        else "Decided by the AI management review."})
    if records:
        _records(rnd, tables, bad)
    for name, rows in tables.items():
        if not rows:
            continue
        cols = [c.name for c in SCHEMA[name] if any(c.name in r for r in rows)]
        with open(out / f"{name}.csv", "w", newline="", encoding="utf-8") as f:
            w = csv.DictWriter(f, fieldnames=cols, restval="")
            w.writeheader()
            w.writerows(rows)
    return Generated(out, {k: len(v) for k, v in tables.items()})


def _records(rnd: random.Random, tables: dict[str, list[dict[str, str]]], bad) -> None:
    """Decisions, incidents, findings, actions, audits, reviews and suppliers for the generated systems."""
    import datetime as dt

    day = lambda offset: (dt.date(2027, 12, 1) + dt.timedelta(days=offset)).isoformat()  # noqa: E731
    basis = {}
    for a in tables["assessments"]:
        basis.setdefault(a["system"], []).append(a["id"])
    evidence = [e["id"] for e in tables["evidence"]]
    for n, s in enumerate(tables["systems"]):
        sid = s["id"]
        high_risk_provider = s.get("use_cases", "").startswith("annex-iii") and "provider" in s["role"]
        if not bad():
            tables["decisions"].append({"id": f"dec-{n:06d}", "system": sid, "gate": "pre-deployment",
                                        "decision": rnd.choice(["approved", "approved-with-conditions", "deferred"]),
                                        "date": "2025-12-01" if bad() else "2026-03-01", "approver": "AI board",
                                        "basis": ";".join(basis.get(sid, [])[:2])})
        if high_risk_provider or n % 5 == 0:
            kind = rnd.choice(["death", "health-harm", "critical-infrastructure", "fundamental-rights", "other"])
            aware = rnd.randint(0, 60)
            tables["incidents"].append({"id": f"inc-{n:06d}", "system": sid, "title": f"Incident {n}",
                                        "aware_on": day(aware), "serious": "true" if rnd.random() < 0.7 else "false",
                                        "kind": kind, "widespread": "true" if rnd.random() < 0.1 else "false",
                                        "reported_on": "" if bad() else day(aware + rnd.randint(0, 17)),
                                        "status": "closed"})
            fid = f"fnd-{n:06d}"
            tables["findings"].append({"id": fid, "kind": "nonconformity", "source": "incident",
                                       "raised_on": day(aware + 1), "description": f"Finding from incident {n}",
                                       "refs": "iso42001:10.2", "systems": sid, "incident": f"inc-{n:06d}",
                                       "status": rnd.choice(["open", "closed"])})
            tables["actions"].append({"id": f"act-{n:06d}", "findings": fid, "title": f"Fix {n}", "owner": "Ops",
                                      "due": day(aware + 30), "done_on": "" if bad() else day(aware + 20),
                                      "evidence": "" if bad() or not evidence else rnd.choice(evidence)})
        if high_risk_provider or n % 4 == 0:
            tables["suppliers"].append({"id": f"sup-{n:06d}", "name": f"Supplier {n}",
                                        "supplies": rnd.choice(["ai-system", "component", "data", "service"]),
                                        "systems": sid, "agreement_on": "" if bad() else "2026-01-10",
                                        "assessed_on": "" if bad() else "2026-01-10"})
    scope = ["iso42001:4", "iso42001:5", "iso42001:6", "iso42001:7", "iso42001:8", "iso42001:9", "iso42001:10"]
    tables["audits"].append({"id": "aud-1", "date": "2027-09-01", "auditor": "Internal audit",
                             "scope": ";".join(scope[:-1] if bad() else scope)})
    tables["reviews"].append({"id": "rev-1", "date": "2026-12-01" if bad() else "2027-10-01", "chair": "CEO",
                              "inputs": "aud-1"})
