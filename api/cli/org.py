"""Commands answering from an organisation register: classify, validate, soa, coverage, trace, gaps, impact,
plan. Each opens the facade (``--register`` is built in or imported), asks one question and renders it."""
from __future__ import annotations

import argparse
import json
import sys

from ...engine.errors import UserInputError
from ...engine.facade import as_of_or_today
from .common import open_facade


def cmd_classify(args: argparse.Namespace) -> int:
    from ..render import emit

    as_of = as_of_or_today(args.as_of)
    doc = open_facade(args).classify(as_of=as_of)
    rows = []
    for s in doc["systems"]:
        applicable = sum(o["status"] == "applicable" for o in s["obligations"])
        rows.append([s["id"], s["tier"] or "", s["gpai"] or "", ", ".join(s["basis"]),
                     f"{applicable} applicable, {len(s['obligations']) - applicable} upcoming"])
    emit(args.format, ["system", "tier", "gpai", "basis", "obligations"], rows, doc,
         title=f"EU AI Act classification on {as_of} ({doc['act_version']})")
    return 0


def cmd_validate(args: argparse.Namespace) -> int:
    from ...engine.validate import to_json, to_junit, to_text

    report = open_facade(args).validate(as_of=args.as_of, engine=args.engine, catalogue=args.catalogue,
                                        focus_nodes=args.format == "junit")
    text = {"json": lambda r: json.dumps(to_json(r), indent=2, ensure_ascii=False) + "\n",
            "junit": to_junit, "text": to_text}[args.format](report)
    if args.output:
        with open(args.output, "w", encoding="utf-8") as f:
            f.write(text)
        print(f"wrote {args.output}: " + ("conforms" if report.conforms else "does not conform"), file=sys.stderr)
    else:
        sys.stdout.write(text)
    return 0 if report.conforms else 1


def cmd_soa(args: argparse.Namespace) -> int:
    from ...engine.soa import COLUMNS, table_rows
    from ..render import emit, soa_xlsx

    as_of = as_of_or_today(args.as_of)
    if args.format == "xlsx" and not args.output:
        raise UserInputError("--format xlsx writes a workbook: give --output FILE.xlsx")
    doc = open_facade(args).soa(include_27001=args.include_27001, as_of=as_of)
    if args.format == "xlsx":
        soa_xlsx(doc, args.output)
        print(f"wrote {args.output}: {len(doc['controls'])} controls", file=sys.stderr)
        return 0
    out = open(args.output, "w", encoding="utf-8", newline="") if args.output else None
    try:
        emit(args.format, COLUMNS, table_rows(doc), doc, title=f"Statement of Applicability on {as_of}", out=out)
    finally:
        if out:
            out.close()
            print(f"wrote {args.output}: {len(doc['controls'])} controls", file=sys.stderr)
    return 0


def cmd_coverage(args: argparse.Namespace) -> int:
    from ...engine.facade import exactly_one
    from ..render import emit

    exactly_one(**{"--framework KEY": args.framework, "--system ID": args.system})   # before the register is read
    doc = open_facade(args).coverage(framework=args.framework, system=args.system,
                                     via_mappings=args.via_mappings, as_of=args.as_of)
    from ...engine.coverage import left_in_words

    rows = [[p["ref"], p["status"], left_in_words(p), ", ".join(p["controls"]), ", ".join(p["evidence"]),
             len(p["paths"])] for p in doc["provisions"]]
    sm = doc["summary"]
    emit(args.format, ["provision", "status", "what is left", "controls", "evidence", "paths"], rows, doc,
         title=f"{doc.get('system') or doc['framework']} on {doc['as_of']}"
               f"{' via mappings' if doc['via_mappings'] else ''}: {sm['covered']} covered, {sm['partial']} "
               f"partial, {sm['uncovered']} uncovered of {sm['provisions']}")
    if doc.get("note") and args.format in ("table", "markdown"):
        print(doc["note"])
    return 0


def cmd_trace(args: argparse.Namespace) -> int:
    from ...engine.facade import exactly_one
    from ...engine.trace import flatten
    from ..render import emit, print_tree, to_json

    exactly_one(**{"a provision reference": args.ref, "--control ID": args.control, "--evidence ID": args.evidence,
                   "--finding ID": args.finding, "--action ID": args.action,
                   "--decision ID": args.decision})   # before the register is read
    doc = open_facade(args).trace(ref=args.ref, control=args.control, evidence=args.evidence, finding=args.finding,
                                  action=args.action, decision=args.decision, as_of=args.as_of)
    if args.format == "json":
        sys.stdout.write(to_json(doc) + "\n")
    elif args.format == "table":
        print_tree(doc["root"])
        for key, refs in doc.get("serves", {}).items():
            print(f"serves {key}: {', '.join(refs)}")
    else:
        paths = flatten(doc["root"])
        depth = max(len(p) for p in paths)
        rows = [[f"{n['kind']} {n['id']}" + (f" [{n['relationship']}]" if n.get("relationship") else "")
                 + (" (valid)" if n.get("valid") else " (not valid)" if n["kind"] == "evidence" else "")
                 for n in p] + [""] * (depth - len(p)) for p in paths]
        emit(args.format, [f"level {i}" for i in range(depth)], rows, doc)
    return 0


def cmd_gaps(args: argparse.Namespace) -> int:
    from ..render import emit

    doc = open_facade(args).gaps(target=args.target, from_key=args.from_key, system=args.system,
                                 assume_complete=args.assume_complete, as_of=args.as_of)
    emit(args.format, ["provision", "title", "status", "importance", "why", "atoms left", "systems"],
         [[g["ref"], g["title"], g["status"], g["importance"], g["why"],
           ", ".join(g["left"]) if g["left"] is not None else "(not decomposed)", ", ".join(g["systems"])]
          for g in doc["gaps"]],
         doc, title=f"{doc['summary']['gaps']} gaps in {doc['target']}"
                    + (f" given {doc['from']}" if doc["from"] else "") + f" on {doc['as_of']}")
    if doc.get("note") and args.format in ("table", "markdown"):
        print(doc["note"])
    if args.format in ("table", "markdown") and doc["atoms"]:
        if args.format == "markdown":
            print()
        emit(args.format, ["atom", "title", "gaps advanced", "gaps closed", "why"],
             [[a["id"], a["title"], len(a["gaps"]), ", ".join(a["closes"]), a["why"]] for a in doc["atoms"]],
             title=f"{len(doc['atoms'])} atoms left, those advancing most gaps first")
    return 0


def cmd_impact(args: argparse.Namespace) -> int:
    from ..render import emit
    from .records import cmd_incident_impact

    if args.incident:
        if args.evidence or args.control or args.on:
            raise UserInputError("--incident cannot be combined with --evidence, --control or --on")
        return cmd_incident_impact(args)
    doc = open_facade(args).impact(evidence=args.evidence, control=args.control, on=args.on,
                                   via_mappings=not args.direct_only, as_of=args.as_of)
    if args.format == "json":
        emit("json", [], [], doc)
        return 0
    what = " and ".join(x for x in (f"evidence {args.evidence} is withdrawn" if args.evidence else "",
                                    f"control {args.control} fails" if args.control else "",
                                    f"time moves on to {doc['on']}" if args.on else "") if x)
    rows = [[f["framework"], c["ref"], c["before"], c["after"], ", ".join(c["atoms_lost"])]
            for f in doc["frameworks"] for c in f["provisions"]]
    counts = ", ".join(f"{k} {v}" for k, v in doc["summary"].items())
    headline = (f"provisions losing coverage if {what}: {counts}" if rows else
                f"no provision loses coverage if {what} (as of {doc['as_of']})")
    tabular = args.format in ("csv", "tsv")   # two plain tables (provisions, then systems), no sentences
    if rows or tabular:
        emit(args.format, ["framework", "provision", "before", "after", "atoms lost"], rows, title=headline)
    if args.format == "markdown" or (args.format == "table" and not rows):   # a table's title says it already
        print(headline if args.format == "table" else f"{headline}\n")
    if doc["systems"]:
        if args.format != "table":
            print()
        emit(args.format, ["system", "obligations losing coverage", "why listed"],
             [[s["id"], ", ".join(s["obligations_losing_coverage"]) or "none",
               "a control concerned applies to it" if s["control_scoped_to_system"]
               else "its obligations lose coverage"] for s in doc["systems"]], title="systems concerned")
    return 0


def cmd_plan(args: argparse.Namespace) -> int:
    from ..render import emit

    doc = open_facade(args).plan(targets=args.target, budget=args.budget, as_of=args.as_of)
    rows = [[i + 1, p["pick"], p["kind"], p["gain"], "; ".join(f"{c['ref']} ({c['how']})" for c in p["closes"]),
             ", ".join(c["ref"] for c in p["advances"]), ", ".join(p["frameworks"])]
            for i, p in enumerate(doc["picks"])]
    emit(args.format, ["#", "pick", "kind", "gain", "closes", "advances", "frameworks"], rows, doc,
         title=f"plan for {', '.join(doc['targets'])}: open {doc['open_before']} -> {doc['open_after']}")
    return 0
