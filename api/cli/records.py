"""Commands over the management system's own records: readiness (ISO/IEC 42001 audit), incidents with their
Art. 73 deadlines, open findings and actions, decision history. Each opens the facade, asks one question and
renders it."""
from __future__ import annotations

import argparse

from .common import open_facade


def cmd_readiness(args: argparse.Namespace) -> int:
    from ..render import emit

    doc = open_facade(args).readiness(as_of=args.as_of)
    rows = [[r["ref"], r["title"], r["status"],
             "; ".join(f"{i['kind']} {i['id']}" + (f" ({i['date']})" if i["date"] else "") for i in r["records"]),
             "; ".join(r["missing"])]
            for r in doc["clauses"] + ([] if args.clauses_only else doc["controls"])]
    s = doc["summary"]
    emit(args.format, ["provision", "title", "status", "records", "missing"], rows, doc,
         title=f"ISO/IEC 42001 audit readiness on {doc['as_of']} (records since {doc['window_from']}): "
               f"{s['clauses_ready']} of {s['clauses']} clauses and {s['controls_ready']} of {s['controls']} "
               f"Annex A controls ready, {s['controls_excluded']} excluded")
    return 0


def cmd_incidents(args: argparse.Namespace) -> int:
    from ..render import emit

    doc = open_facade(args).incidents(as_of=args.as_of)
    rows = [[i["id"], i["system"], i["aware_on"], "yes" if i["serious"] else "no", i["due_on"] or "",
             i["deadline_set_by"] or "", i["reported_on"] or "", i["state"]] for i in doc]
    emit(args.format, ["incident", "system", "aware on", "serious", "report due", "deadline set by", "reported on",
                       "state"], rows, doc, title="incidents and their EU AI Act Art. 73 reporting deadlines")
    return 0


def cmd_findings(args: argparse.Namespace) -> int:
    from ..render import emit

    doc = open_facade(args).open_findings(as_of=args.as_of)
    rows = [["finding", f["id"], f["kind"], f["raised_on"], f["status"], ", ".join(f["refs"]), f["description"]]
            for f in doc["findings"]]
    rows += [["action", a["id"], "overdue" if a["overdue"] else "open", a["due"], a["owner"],
              ", ".join(a["findings"]), a["title"]] for a in doc["actions"]]
    s = doc["summary"]
    emit(args.format, ["record", "id", "kind/state", "date", "status/owner", "refs/findings", "text"], rows, doc,
         title=f"on {doc['as_of']}: {s['open_findings']} open findings, {s['open_actions']} open actions "
               f"({s['overdue_actions']} overdue)")
    return 0


def cmd_decisions(args: argparse.Namespace) -> int:
    from ..render import emit

    doc = open_facade(args).decisions(system=args.system)
    rows = [[h["system"], d["date"], d["id"], d["gate"], d["decision"], d["approver"], ", ".join(d["basis"]),
             d["conditions"] or ""] for h in doc for d in h["decisions"]]
    emit(args.format, ["system", "date", "decision", "gate", "outcome", "approver", "basis", "conditions"], rows,
         doc, title="gate decisions per system")
    return 0


def cmd_incident_impact(args: argparse.Namespace) -> int:
    from ..render import emit

    doc = open_facade(args).incident_impact(incident=args.incident, as_of=args.as_of)
    rows = [["system", s, ""] for s in doc["systems"]] + [["provision", p, ""] for p in doc["provisions"]]
    rows += [["open finding", f["id"], f["description"]] for f in doc["open_findings"]]
    emit(args.format, ["what", "id", "detail"], rows, doc,
         title=f"impact of incident {args.incident}: {doc['incident']['state']}")
    return 0
