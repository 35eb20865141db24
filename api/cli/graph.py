"""Commands about the graph itself: build, import, query, frameworks, show, crosswalk, mappings, hub, queries."""
from __future__ import annotations

import argparse
import os
import sys

from ...engine.errors import UserInputError
from .common import open_facade

MAPPING_COLUMNS = ["subject", "relationship", "object", "rationale", "strength", "kind", "path/source", "comment"]


def cmd_build(args: argparse.Namespace) -> int:
    from rich.console import Console
    from rich.progress import BarColumn, Progress, TextColumn

    from ..render import emit

    cg = open_facade(args, build="no", create_store=True)
    console = Console(stderr=True)
    with Progress(TextColumn("{task.description}"), BarColumn(), TextColumn("{task.completed}/{task.total}"),
                  console=console, transient=True, disable=args.format == "json" or not console.is_terminal) as bar:
        task = bar.add_task("loading", total=1)

        def progress(name: str, i: int, total: int) -> None:
            bar.update(task, description=f"loading {name}", completed=i, total=total)

        report = cg.build(register=args.register, keep_register=not args.drop_register, progress=progress)
    cg.close()
    rows = sorted(report.graphs.items())
    doc = {"store": cg.store.description, "graphs": dict(rows), "triples": report.triples,
           "seconds": round(report.seconds, 3), "register": report.register}
    if args.format == "table":
        emit("table", ["graph", "triples"], rows + [("total", report.triples)],
             title=f"built {cg.store.description} in {report.seconds:.2f} s")
        print({"loaded": f"register loaded from {args.register}",
               "kept": "register kept: the store's register was left as it was (--drop-register removes it)",
               "dropped": "register dropped (--drop-register)",
               "none": "no register: give --register PATH to load one"}[report.register])
    else:
        emit(args.format, ["graph", "triples"], rows, doc)
    return 0


def cmd_import(args: argparse.Namespace) -> int:
    from ..render import emit

    with open_facade(args, build="no") as cg:
        result = cg.import_register(path=args.register)
    emit(args.format, ["file", "rows"], sorted(result.rows.items()),
         {"register": result.source, "rows": result.rows, "triples": result.triples},
         title=f"imported {result.source}")
    return 0


def cmd_query(args: argparse.Namespace) -> int:
    from ...engine.store import AskResult, GraphResult
    from ..render import emit

    if args.file:
        try:
            text = open(args.file, encoding="utf-8").read()
        except OSError as exc:
            raise UserInputError(f"cannot read query file {args.file}: {exc.strerror}") from None
    elif args.sparql:
        text = args.sparql
    else:
        raise UserInputError("give a SPARQL query as an argument or with --file")
    res = open_facade(args).query(sparql=text)
    if isinstance(res, GraphResult):
        if args.format == "json":
            emit("json", [], [], {"triples": res.ntriples.splitlines()})
        else:
            sys.stdout.write(res.ntriples)
        return 0
    if isinstance(res, AskResult):
        emit(args.format, ["boolean"], [[res.value]], res.to_json())
        return 0
    rows = [[row[v].value if v in row else None for v in res.variables] for row in res.rows]
    emit(args.format, res.variables, rows, res.to_json(), title=f"{len(rows)} rows")
    return 0


def cmd_frameworks(args: argparse.Namespace) -> int:
    from ...engine.facade import as_of_or_today
    from ..render import emit

    as_of = as_of_or_today(args.as_of)
    fws = open_facade(args).frameworks(as_of=as_of)
    def in_force(f: dict) -> str:
        if f["in_force"]:
            return ", ".join(f"{k} {v}" for k, v in f["counts"].items())
        return (f"none: not yet {'published' if f['published'] == f['in_force_from'] else 'in force'} "
                f"(from {f['in_force_from']})")

    rows = [[f["key"], f["title"], f["version"], in_force(f)] for f in fws]
    emit(args.format, ["key", "title", "version", "provisions in force"], rows, {"as_of": as_of.isoformat(),
         "frameworks": fws}, title=f"frameworks in force on {as_of}")
    return 0


def cmd_show(args: argparse.Namespace) -> int:
    from ..render import emit, to_json

    doc = open_facade(args).show(ref=args.ref, as_of=args.as_of)
    if args.format == "json":
        sys.stdout.write(to_json(doc) + "\n")
        return 0
    rows = [["reference", doc["ref"]], ["title", doc["title"]], ["kind", doc["kind"]],
            ["summary", doc["summary"]], ["in force", doc["in_force"]],
            ["parent", f"{doc['parent']['ref']} {doc['parent']['title']}" if doc["parent"] else ""],
            ["source", doc["source"]]]
    if "applies_from" in doc:
        a = doc["application"]
        for label in ("as_adopted", "as_amended"):
            cond = "; ".join(f"{c['condition']}: {c['applies_from']}" for c in a[label]["conditional"])
            rows.append([f"applies from ({label.replace('_', ' ')})",
                         f"{a[label]['applies_from']}" + (f" ({cond})" if cond else "")])
    if "addressees" in doc:
        rows.append(["addressees", ", ".join(doc["addressees"])])
        rows += [["applies when", " AND ".join(r["requires"]) + (f" (not {', '.join(r['excludes'])})"
                                                                  if r["excludes"] else "")]
                 for r in doc["applicability"]]
    rows += [["child", f"{c['ref']} {c['title']}"] for c in doc["children"]]
    rows += [["change", f"{c['effective_from']} {c['type']}: {c['summary'] or ''}"] for c in doc["changes"]]
    rows += [["mapping", f"{m['relationship']} {m['object'] or '(no counterpart in ' + m['target'] + ')'} "
              f"[{m['rationale']}, {m['strength']}{', derived' if m['derived'] else ''}]"] for m in doc["mappings"]]
    hub = doc.get("hub") or {}
    if hub.get("decomposed") and not hub["atoms"]:
        rows.append(["atoms", "demands nothing assessable (hub)"])
    rows += [["atom", f"{a['id']}: {a['title']}"] for a in hub.get("atoms", [])]
    emit(args.format, ["field", "value"], rows, doc, title=doc["ref"])
    return 0


def mapping_rows(mappings) -> list[list]:
    def origin(m) -> str:
        if m.via:
            return "via hub: " + ", ".join(m.via)
        return " -> ".join(str(r) for r in m.path) if m.derived else (m.source or "own analysis")

    return [[str(m.subject), m.relationship, str(m.object) if m.object else "(no counterpart)", m.rationale,
             m.strength, "derived" if m.derived else "curated", origin(m), m.comment] for m in mappings]


def cmd_crosswalk(args: argparse.Namespace) -> int:
    from ...engine.mappings.sssom import as_json, to_sssom
    from ...engine.refs import normalise_key
    from ..render import emit

    fk, tk = normalise_key(args.from_key), normalise_key(args.to_key)
    cg = open_facade(args)
    ms = cg.crosswalk(from_key=fk, to_key=tk, inferred=args.inferred, min_strength=args.min_strength,
                      via_hub=args.via_hub)
    if args.format == "sssom":
        sys.stdout.write(to_sssom(ms, cg.crosswalk_metadata(from_key=fk, to_key=tk, inferred=args.inferred,
                                                            via_hub=args.via_hub)))
        return 0
    emit(args.format, MAPPING_COLUMNS, mapping_rows(ms),
         {"from": fk, "to": tk, "mappings": [as_json(m) for m in ms]}, title=f"{fk} -> {tk}: {len(ms)} mappings")
    return 0


def cmd_mappings_check(args: argparse.Namespace) -> int:
    from ...engine.facade import Clausegraph
    from ..render import emit

    files = None
    if args.files:
        files = []
        for path in args.files:
            try:
                files.append((os.path.basename(path), open(path, encoding="utf-8").read()))
            except (OSError, UnicodeDecodeError) as exc:
                raise UserInputError(f"cannot read {path}: {exc}") from None
    report = Clausegraph.check_mappings(files=files)
    if args.format == "json":
        emit("json", [], [], {"ok": report.ok, "problems": [p.as_dict() for p in report.problems],
                              "warnings": [p.as_dict() for p in report.warnings], "stats": report.stats,
                              "hub": report.hub})
    else:
        for p in report.problems:
            print(f"{p}", file=sys.stdout)
        for p in report.warnings:
            print(f"warning: {p}", file=sys.stdout)
        n = sum(len(s.mappings) for s in report.sets)
        decomposed = sum(d["decomposed"] for d in report.hub.get("decomposition", []))
        print(f"{len(report.sets)} mapping sets, {n} rows; hub: {decomposed} provisions decomposed: "
              + ("no problems" if report.ok else f"{len(report.problems)} problems")
              + (f", {len(report.warnings)} warnings" if report.warnings else ""))
    return 0 if report.ok else 1


def cmd_mappings_stats(args: argparse.Namespace) -> int:
    from ...engine.facade import Clausegraph
    from ..render import emit

    report = Clausegraph.check_mappings()
    rels = ["equal", "subset_of", "superset_of", "intersects_with", "not_related", "no_counterpart"]
    rows = [[s["pair"], s["rows"], *[s["by_relationship"].get(r, 0) for r in rels],
             f"{s['assessed']}/{s['required']} ({s['assessed_share']}%)"] for s in report.stats]
    derived = report.hub.get("derived", [])
    if args.format != "table":
        rows += [[f"{d['pair']} (via hub)", d["related_pairs"], *[d.get(r, 0) for r in rels], ""] for d in derived]
    emit(args.format, ["pair", "rows", *rels, "assessed"], rows, {"pairs": report.stats, "hub": report.hub},
         title="curated crosswalk statistics")
    if args.format == "table" and derived:
        emit("table", ["pair", "related pairs", *rels[:4], "no counterpart", "typed share"],
             [[d["pair"], d["related_pairs"], *[d[r] for r in rels[:4]], d["no_counterpart"], f"{d['typed_share']}%"]
              for d in derived], title="relations derived through the requirement hub (provision pairs)")
        emit("table", ["framework", "decomposed", "assessable"],
             [[d["framework"], d["decomposed"], d["assessable"]] for d in report.hub["decomposition"]],
             title="hub decomposition")
    return 0


def cmd_hub(args: argparse.Namespace) -> int:
    from ..render import emit

    doc = open_facade(args).hub(atom=args.atom, theme=args.theme)
    keys = ("euaiact", "iso42001", "iso27001", "nist-ai-rmf")
    if args.atom and args.format == "table":
        a = doc["atoms"][0]
        rows = [["atom", a["id"]], ["title", a["title"]], ["theme", a["theme"]], ["actor", a["actor"]],
                ["statement", a["statement"]], ["why", a["comment"]]]
        rows += [[f"demanded by ({k})", ", ".join(a["demanded_by"].get(k, []))] for k in keys if k in a["demanded_by"]]
        emit("table", ["field", "value"], rows, doc, title=a["id"])
        return 0
    rows = [[a["id"], a["title"], a["actor"], *[", ".join(a["demanded_by"].get(k, [])) for k in keys]]
            for a in doc["atoms"]]
    emit(args.format, ["atom", "title", "actor", *keys], rows, doc,
         title=f"{doc['summary']['atoms']} atoms, {doc['summary']['shared']} demanded by two frameworks or more")
    return 0


def cmd_queries(args: argparse.Namespace) -> int:
    from ...engine.facade import Clausegraph
    from ..render import emit

    qs = Clausegraph.named_queries()
    if args.name:
        match = [n for n in qs if n.name == args.name]
        if not match:
            raise UserInputError(f"no named query {args.name!r}; run 'clausegraph queries' to list them")
        sys.stdout.write(match[0].text)
        return 0
    emit(args.format, ["name", "title", "description"], [[n.name, n.title, n.description] for n in qs],
         {"queries": [{"name": n.name, "title": n.title, "description": n.description} for n in qs]})
    return 0
