"""The ``clausegraph`` command line: argument parsing only. Each command calls engine functions, picks a
renderer and maps errors to exit codes (0 ok, 1 validate found violations, 2 user error, 3 internal error).

Heavy modules (pyoxigraph, rdflib, rich, FastAPI) are imported inside the commands so ``--help`` is fast.
"""
from __future__ import annotations

import argparse
import datetime as dt
import os
import sys
from typing import Callable, Sequence

from .errors import ClausegraphError, UserInputError

FORMATS_TABLE = ("table", "json", "csv", "markdown")


def _version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("clausegraph")
    except PackageNotFoundError:  # pragma: no cover - running from a source tree without install
        return "0+unknown"


def _date(text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a date YYYY-MM-DD, got {text!r}") from None


# ---------------------------------------------------------------- shared option groups

def _store_options(p: argparse.ArgumentParser) -> None:
    g = p.add_argument_group("store (default: the bundled graph, built in memory)")
    g.add_argument("--store", metavar="DIR", help="persistent embedded store (pyoxigraph) in DIR")
    g.add_argument("--endpoint", metavar="URL", help="remote SPARQL 1.1 query endpoint")
    g.add_argument("--update-endpoint", metavar="URL", help="remote update endpoint, when it differs")
    g.add_argument("--store-endpoint", metavar="URL", help="remote Graph Store Protocol endpoint")
    g.add_argument("--user", help="user name for HTTP basic auth on the remote store")
    g.add_argument("--password", default=os.environ.get("CLAUSEGRAPH_PASSWORD"),
                   help="password for basic auth (or CLAUSEGRAPH_PASSWORD)")
    g.add_argument("--token", default=os.environ.get("CLAUSEGRAPH_TOKEN"),
                   help="bearer token for the remote store (or CLAUSEGRAPH_TOKEN)")
    g.add_argument("--timeout", type=float, default=30.0, help="remote request timeout in seconds (30)")


def _format_option(p: argparse.ArgumentParser, choices: Sequence[str] = FORMATS_TABLE) -> None:
    p.add_argument("--format", choices=choices, default="table", help="output format (default: table)")


def _as_of_option(p: argparse.ArgumentParser) -> None:
    p.add_argument("--as-of", type=_date, default=None, metavar="YYYY-MM-DD",
                   help="answer for the text in force on this date (default: today)")


def _register_options(p: argparse.ArgumentParser, formats: Sequence[str] = FORMATS_TABLE) -> None:
    """The options of every command that answers from organisation data."""
    p.add_argument("--register", metavar="PATH", help="a folder of CSV files, .xlsx or .yaml")
    _as_of_option(p)
    _store_options(p)
    _format_option(p, formats)


def _open(args: argparse.Namespace, need_build: bool = True):
    """Open the chosen store; the default in-memory store is built on the fly from the bundled data."""
    from .build import build, is_built
    from .store import open_store

    store = open_store(args.store, args.endpoint, args.update_endpoint, args.store_endpoint,
                       args.user, args.password, args.token, args.timeout)
    if need_build and not is_built(store):
        if args.store is None and args.endpoint is None:
            build(store, register=getattr(args, "register", None))
        else:
            where = args.store or args.endpoint
            raise UserInputError(f"no clausegraph graph in {where}; run 'clausegraph build "
                                 f"{'--store' if args.store else '--endpoint'} {where}' first")
    return store


# ---------------------------------------------------------------- commands

def cmd_build(args: argparse.Namespace) -> int:
    from rich.console import Console
    from rich.progress import BarColumn, Progress, TextColumn

    from .build import build
    from .render import emit

    store = _open(args, need_build=False)
    console = Console(stderr=True)
    with Progress(TextColumn("{task.description}"), BarColumn(), TextColumn("{task.completed}/{task.total}"),
                  console=console, transient=True, disable=args.format == "json" or not console.is_terminal) as bar:
        task = bar.add_task("loading", total=1)

        def progress(name: str, i: int, total: int) -> None:
            bar.update(task, description=f"loading {name}", completed=i, total=total)

        report = build(store, register=args.register, progress=progress)
    store.close()
    rows = sorted(report.graphs.items())
    doc = {"store": store.description, "graphs": dict(rows), "triples": report.triples,
           "seconds": round(report.seconds, 3)}
    if args.format == "table":
        emit("table", ["graph", "triples"], rows + [("total", report.triples)],
             title=f"built {store.description} in {report.seconds:.2f} s")
    else:
        emit(args.format, ["graph", "triples"], rows, doc)
    return 0


def cmd_query(args: argparse.Namespace) -> int:
    from .render import emit
    from .store import AskResult, GraphResult

    if args.file:
        try:
            text = open(args.file, encoding="utf-8").read()
        except OSError as exc:
            raise UserInputError(f"cannot read query file {args.file}: {exc.strerror}") from None
    elif args.sparql:
        text = args.sparql
    else:
        raise UserInputError("give a SPARQL query as an argument or with --file")
    store = _open(args)
    res = store.query(text)
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
    from .catalogue import frameworks
    from .render import emit

    as_of = args.as_of or dt.date.today()
    fws = frameworks(_open(args), as_of)
    rows = [[f["key"], f["title"], f["version"], ", ".join(f"{k} {v}" for k, v in f["counts"].items())]
            for f in fws]
    emit(args.format, ["key", "title", "version", "provisions in force"], rows, {"as_of": as_of.isoformat(),
         "frameworks": fws}, title=f"frameworks in force on {as_of}")
    return 0


def cmd_show(args: argparse.Namespace) -> int:
    from .catalogue import show
    from .render import emit, to_json

    doc = show(_open(args), args.ref, args.as_of or dt.date.today())
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
    emit(args.format, ["field", "value"], rows, doc, title=doc["ref"])
    return 0


def _mapping_rows(mappings) -> list[list]:
    return [[str(m.subject), m.relationship, str(m.object) if m.object else "(no counterpart)", m.rationale,
             m.strength, "derived" if m.derived else "curated",
             " -> ".join(str(r) for r in m.path) if m.derived else (m.source or "own analysis"), m.comment]
            for m in mappings]


MAPPING_COLUMNS = ["subject", "relationship", "object", "rationale", "strength", "kind", "path/source", "comment"]


def cmd_crosswalk(args: argparse.Namespace) -> int:
    from .crosswalk import crosswalk
    from .mappings.sssom import as_json, to_sssom
    from .refs import ID_BASE, ONTOLOGY_NS, framework_base, normalise_key
    from .render import emit

    fk, tk = normalise_key(args.from_key), normalise_key(args.to_key)
    ms = crosswalk(_open(args), fk, tk, inferred=args.inferred, min_strength=args.min_strength)
    if args.format == "sssom":
        meta = {"curie_map": {"cg": ONTOLOGY_NS, "cgagent": ID_BASE + "agent/", fk: framework_base(fk),
                              tk: framework_base(tk), "semapv": "https://w3id.org/semapv/vocab/",
                              "skos": "http://www.w3.org/2004/02/skos/core#", "sssom": "https://w3id.org/sssom/"},
                "mapping_set_id": f"https://w3id.org/clausegraph/mappings/{fk}--{tk}"
                                  + ("-inferred" if args.inferred else ""),
                "mapping_set_version": _version(), "license": "https://creativecommons.org/licenses/by/4.0/",
                "creator_label": ["clausegraph contributors"], "mapping_date": dt.date.today().isoformat(),
                "subject_source": ID_BASE + fk, "object_source": ID_BASE + tk,
                "extension_definitions": [
                    {"slot_name": "strm_relationship", "property": "cg:relationship", "type_hint": "xsd:string"},
                    {"slot_name": "strm_rationale", "property": "cg:rationale", "type_hint": "xsd:string"},
                    {"slot_name": "strm_strength", "property": "cg:strength", "type_hint": "xsd:integer"}]}
        sys.stdout.write(to_sssom(ms, meta))
        return 0
    emit(args.format, MAPPING_COLUMNS, _mapping_rows(ms),
         {"from": fk, "to": tk, "mappings": [as_json(m) for m in ms]}, title=f"{fk} -> {tk}: {len(ms)} mappings")
    return 0


def cmd_mappings_check(args: argparse.Namespace) -> int:
    from .build import build
    from .mappings.checks import catalogue_facts, check
    from .render import emit
    from .store import open_store

    store = open_store()
    build(store, include_mappings=False)
    files = None
    if args.files:
        files = []
        for path in args.files:
            try:
                files.append((os.path.basename(path), open(path, encoding="utf-8").read()))
            except (OSError, UnicodeDecodeError) as exc:
                raise UserInputError(f"cannot read {path}: {exc}") from None
    report = check(catalogue_facts(store), files)
    if args.format == "json":
        emit("json", [], [], {"ok": report.ok, "problems": [p.as_dict() for p in report.problems],
                              "stats": report.stats})
    else:
        for p in report.problems:
            print(f"{p}", file=sys.stdout)
        n = sum(len(s.mappings) for s in report.sets)
        print(f"{len(report.sets)} mapping sets, {n} rows: "
              + ("no problems" if report.ok else f"{len(report.problems)} problems"))
    return 0 if report.ok else 1


def cmd_mappings_stats(args: argparse.Namespace) -> int:
    from .build import build
    from .mappings.checks import catalogue_facts, check
    from .render import emit
    from .store import open_store

    store = open_store()
    build(store, include_mappings=False)
    report = check(catalogue_facts(store))
    rels = ["equal", "subset_of", "superset_of", "intersects_with", "not_related", "no_counterpart"]
    rows = [[s["pair"], s["rows"], *[s["by_relationship"].get(r, 0) for r in rels],
             f"{s['assessed']}/{s['required']} ({s['assessed_share']}%)"] for s in report.stats]
    emit(args.format, ["pair", "rows", *rels, "assessed"], rows, {"pairs": report.stats},
         title="crosswalk statistics")
    return 0


def _register_store(args: argparse.Namespace):
    """The store to answer register questions from: the chosen store with --register loaded into it (or
    the register already in a persistent/remote store)."""
    from .build import REGISTER_GRAPH, build, is_built
    from .store import open_store

    if args.store is None and args.endpoint is None:
        store = open_store()
        build(store, register=args.register)
        return store
    store = _open(args)
    if args.register:
        from .register import load_register

        data = load_register(args.register)
        store.replace_graph(REGISTER_GRAPH, data.ntriples, "ntriples")
    elif REGISTER_GRAPH not in store.graphs():
        raise UserInputError("no register loaded: give --register PATH (a folder, .xlsx or .yaml)")
    del is_built
    return store


def cmd_import(args: argparse.Namespace) -> int:
    from .build import REGISTER_GRAPH, is_built
    from .register import load_register
    from .render import emit

    store = _open(args, need_build=False)
    if not is_built(store):
        raise UserInputError("the store holds no clausegraph build; run 'clausegraph build' with the same store")
    data = load_register(args.register)   # validates everything first: nothing is written on any problem
    store.replace_graph(REGISTER_GRAPH, data.ntriples, "ntriples")
    store.close()
    counts = {k: len(v) for k, v in data.tables.items()}
    emit(args.format, ["file", "rows"], sorted(counts.items()),
         {"register": data.source, "rows": counts, "triples": len(data.ntriples.splitlines())},
         title=f"imported {data.source}")
    return 0


def cmd_classify(args: argparse.Namespace) -> int:
    from .classify import classify
    from .render import emit

    as_of = args.as_of or dt.date.today()
    doc = classify(_register_store(args), as_of)
    rows = []
    for s in doc["systems"]:
        applicable = sum(o["status"] == "applicable" for o in s["obligations"])
        rows.append([s["id"], s["tier"] or "", s["gpai"] or "", ", ".join(s["basis"]),
                     f"{applicable} applicable, {len(s['obligations']) - applicable} upcoming"])
    emit(args.format, ["system", "tier", "gpai", "basis", "obligations"], rows, doc,
         title=f"EU AI Act classification on {as_of} ({doc['act_version']})")
    return 0


def cmd_validate(args: argparse.Namespace) -> int:
    from .validate import to_json, to_junit, to_text, validate

    as_of = args.as_of or dt.date.today()
    report = validate(_register_store(args), as_of, engine=args.engine, catalogue=args.catalogue,
                      focus_nodes=args.format == "junit")
    text = {"json": lambda r: __import__("json").dumps(to_json(r), indent=2, ensure_ascii=False) + "\n",
            "junit": to_junit, "text": to_text}[args.format](report)
    if args.output:
        with open(args.output, "w", encoding="utf-8") as f:
            f.write(text)
    else:
        sys.stdout.write(text)
    return 0 if report.conforms else 1


def cmd_soa(args: argparse.Namespace) -> int:
    from .render import emit
    from .soa import COLUMNS, statement_of_applicability, table_rows, to_xlsx

    as_of = args.as_of or dt.date.today()
    fws = ("iso42001", "iso27001") if args.include_27001 else ("iso42001",)
    doc = statement_of_applicability(_register_store(args), as_of, fws)
    if args.format == "xlsx":
        if not args.output:
            raise UserInputError("--format xlsx writes a workbook: give --output FILE.xlsx")
        to_xlsx(doc, args.output)
        print(f"wrote {args.output}: {len(doc['controls'])} controls", file=sys.stderr)
        return 0
    out = open(args.output, "w", encoding="utf-8", newline="") if args.output else None
    try:
        emit(args.format, COLUMNS, table_rows(doc), doc, title=f"Statement of Applicability on {as_of}", out=out)
    finally:
        if out:
            out.close()
    return 0


def cmd_coverage(args: argparse.Namespace) -> int:
    from .coverage import framework_coverage, system_coverage
    from .render import emit

    as_of = args.as_of or dt.date.today()
    if bool(args.framework) == bool(args.system):
        raise UserInputError("give either --framework KEY or --system ID")
    store = _register_store(args)
    doc = (system_coverage(store, args.system, as_of, args.via_mappings) if args.system
           else framework_coverage(store, args.framework, as_of, args.via_mappings))
    rows = [[p["ref"], p["status"], ", ".join(p["controls"]), ", ".join(p["evidence"]), len(p["paths"])]
            for p in doc["provisions"]]
    sm = doc["summary"]
    emit(args.format, ["provision", "status", "controls", "evidence", "paths"], rows, doc,
         title=f"{doc.get('system') or doc['framework']} on {doc['as_of']}"
               f"{' via mappings' if doc['via_mappings'] else ''}: {sm['covered']} covered, {sm['partial']} "
               f"partial, {sm['uncovered']} uncovered of {sm['provisions']}")
    return 0


def cmd_trace(args: argparse.Namespace) -> int:
    from .render import emit, print_tree, to_json
    from .trace import flatten, trace_control, trace_evidence, trace_provision

    as_of = args.as_of or dt.date.today()
    chosen = [x for x in (args.ref, args.control, args.evidence) if x]
    if len(chosen) != 1:
        raise UserInputError("give exactly one of: a provision reference, --control ID, --evidence ID")
    store = _register_store(args)
    doc = (trace_control(store, args.control, as_of) if args.control else
           trace_evidence(store, args.evidence, as_of) if args.evidence else trace_provision(store, args.ref, as_of))
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
    from .gaps import gaps
    from .render import emit

    as_of = args.as_of or dt.date.today()
    doc = gaps(_register_store(args), args.target, as_of, args.from_key, args.system, args.assume_complete)
    emit(args.format, ["provision", "title", "status", "importance", "why", "systems"],
         [[g["ref"], g["title"], g["status"], g["importance"], g["why"], ", ".join(g["systems"])] for g in doc["gaps"]],
         doc, title=f"{doc['summary']['gaps']} gaps in {doc['target']}"
                    + (f" given {doc['from']}" if doc["from"] else "") + f" on {doc['as_of']}")
    return 0


def cmd_impact(args: argparse.Namespace) -> int:
    from .impact import impact
    from .render import emit

    as_of = args.as_of or dt.date.today()
    doc = impact(_register_store(args), as_of, args.evidence, args.control, args.on, not args.direct_only)
    rows = [[f["framework"], c["ref"], c["before"], c["after"]] for f in doc["frameworks"] for c in f["provisions"]]
    rows += [["(system)", s["id"], "", ", ".join(s["obligations_losing_coverage"])] for s in doc["systems"]]
    emit(args.format, ["framework", "provision", "before", "after"], rows, doc,
         title="provisions losing coverage: " + ", ".join(f"{k} {v}" for k, v in doc["summary"].items()))
    return 0


def cmd_plan(args: argparse.Namespace) -> int:
    from .plan import plan
    from .render import emit

    as_of = args.as_of or dt.date.today()
    doc = plan(_register_store(args), args.target, as_of, args.budget)
    rows = [[i + 1, p["pick"], p["kind"], p["gain"], "; ".join(f"{c['ref']} ({c['how']})" for c in p["closes"])]
            for i, p in enumerate(doc["picks"])]
    emit(args.format, ["#", "pick", "kind", "gain", "closes"], rows, doc,
         title=f"plan for {', '.join(doc['targets'])}: open {doc['open_before']} -> {doc['open_after']}")
    return 0


def cmd_queries(args: argparse.Namespace) -> int:
    from .queries import all_queries
    from .render import emit

    qs = sorted(all_queries().values(), key=lambda n: n.name)
    if args.name:
        match = [n for n in qs if n.name == args.name]
        if not match:
            raise UserInputError(f"no named query {args.name!r}; run 'clausegraph queries' to list them")
        sys.stdout.write(match[0].text)
        return 0
    emit(args.format, ["name", "title", "description"], [[n.name, n.title, n.description] for n in qs],
         {"queries": [{"name": n.name, "title": n.title, "description": n.description} for n in qs]})
    return 0


def cmd_serve(args: argparse.Namespace) -> int:
    from ..api.app import serve
    from ..api.settings import Settings

    store = _open(args, need_build=args.endpoint is None and args.store is None)
    if args.store and not _is_built(store):
        from .build import build

        build(store, register=args.register)
    settings = Settings(query_timeout=args.query_timeout, max_rows=args.max_rows, max_body=args.max_body,
                        update_token=args.update_token or None,
                        cors_origins=[] if args.no_cors else (args.cors_origin or ["*"]),
                        register_path=args.register)
    if args.workers:
        settings.workers = args.workers
    return serve(store, host=args.host, port=args.port, settings=settings)


def _is_built(store) -> bool:
    from .build import is_built

    return is_built(store)


# ---------------------------------------------------------------- parser

def make_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="clausegraph",
        description="AI governance as a knowledge graph: ISO/IEC 42001, EU AI Act, NIST AI RMF and ISO/IEC 27001.",
        epilog="Exit codes: 0 ok, 1 validation found violations, 2 usage or input error, 3 internal error.")
    p.add_argument("--version", action="version", version=f"clausegraph {_version()}")
    p.add_argument("--debug", action="store_true", help="show tracebacks for internal errors")
    sub = p.add_subparsers(dest="command", metavar="COMMAND")

    def add(name: str, func: Callable[[argparse.Namespace], int], help_: str) -> argparse.ArgumentParser:
        sp = sub.add_parser(name, help=help_, description=help_)
        sp.set_defaults(func=func)
        return sp

    sp = add("build", cmd_build, "load ontology, catalogues and crosswalks (and a register) into a store")
    sp.add_argument("--register", metavar="PATH", help="organisation register (folder, .xlsx or .yaml)")
    _store_options(sp)
    _format_option(sp, ("table", "json"))

    sp = add("query", cmd_query, "run a SPARQL query over the graph")
    sp.add_argument("sparql", nargs="?", help="the SPARQL query text")
    sp.add_argument("-f", "--file", help="read the query from a file")
    _store_options(sp)
    _format_option(sp, ("table", "json", "csv", "tsv", "markdown"))

    sp = add("frameworks", cmd_frameworks, "list frameworks with their provision counts on a date")
    _as_of_option(sp)
    _store_options(sp)
    _format_option(sp)

    sp = add("show", cmd_show, "show one provision: title, summary, parent, children, dates, obligations")
    sp.add_argument("ref", help="a reference, e.g. 'euaiact:Art. 26(1)' or nist-ai-rmf:GV-1.1")
    _as_of_option(sp)
    _store_options(sp)
    _format_option(sp)

    sp = add("import", cmd_import, "import an organisation register into a built store (all or nothing)")
    sp.add_argument("--register", metavar="PATH", required=True, help="a folder of CSV files, .xlsx or .yaml")
    _store_options(sp)
    _format_option(sp, ("table", "json"))

    sp = add("classify", cmd_classify, "EU AI Act tier, basis and obligations of every system in a register")
    _register_options(sp)

    sp = add("validate", cmd_validate, "check organisation data against the SHACL shapes (exit 1 on violations)")
    sp.add_argument("--engine", choices=("fast", "pyshacl"), default="fast",
                    help="fast: shapes as SPARQL on the store (default); pyshacl: the reference implementation")
    sp.add_argument("--catalogue", action="store_true", help="also validate the catalogues against shapes/catalogue.ttl")
    sp.add_argument("-o", "--output", metavar="FILE", help="write the report to FILE")
    _register_options(sp, ("text", "json", "junit"))
    sp.set_defaults(format="text")

    sp = add("soa", cmd_soa, "Statement of Applicability: Annex A controls, decisions, implementing controls, evidence")
    sp.add_argument("--include-27001", action="store_true", help="add the 93 ISO/IEC 27001 Annex A controls")
    sp.add_argument("-o", "--output", metavar="FILE", help="write to FILE (required for xlsx)")
    _register_options(sp, ("table", "markdown", "csv", "xlsx", "json"))

    sp = add("coverage", cmd_coverage, "covered / partial / uncovered provisions, with controls, evidence and paths")
    sp.add_argument("--framework", metavar="KEY", help="every assessable provision of this framework")
    sp.add_argument("--system", metavar="ID", help="the EU AI Act obligations binding this system")
    sp.add_argument("--via-mappings", action="store_true", help="also count controls reaching provisions "
                    "through the (chained) crosswalks")
    _register_options(sp)

    sp = add("trace", cmd_trace, "trace a provision to mappings, controls and evidence, or a control/evidence back")
    sp.add_argument("ref", nargs="?", help="a provision reference (forward trace)")
    sp.add_argument("--control", metavar="ID", help="trace a control back to every provision it serves")
    sp.add_argument("--evidence", metavar="ID", help="trace a piece of evidence back")
    _register_options(sp)

    sp = add("gaps", cmd_gaps, "what a target framework still needs, ordered by importance")
    sp.add_argument("--target", required=True, metavar="KEY", help="the framework to close gaps in")
    sp.add_argument("--from", dest="from_key", metavar="KEY", help="count only controls implementing this framework")
    sp.add_argument("--assume-complete", action="store_true",
                    help="treat all of --from as implemented (e.g. certified), whatever the register says")
    sp.add_argument("--system", metavar="ID", help="EU AI Act obligations of this system only")
    _register_options(sp)

    sp = add("impact", cmd_impact, "what loses coverage if evidence expires, a control fails, or on a date")
    sp.add_argument("--evidence", metavar="ID", help="withdraw this piece of evidence")
    sp.add_argument("--control", metavar="ID", help="remove this control (or treat it as failed)")
    sp.add_argument("--on", type=_date, metavar="YYYY-MM-DD", help="look at coverage on this future date")
    sp.add_argument("--direct-only", action="store_true", help="ignore coverage through mappings")
    _register_options(sp)

    sp = add("plan", cmd_plan, "which controls or provisions close the most open provisions (greedy set cover)")
    sp.add_argument("--target", required=True, nargs="+", metavar="KEY", help="target framework(s)")
    sp.add_argument("--budget", type=int, default=10, help="number of picks (default 10)")
    _register_options(sp)

    sp = add("crosswalk", cmd_crosswalk, "mappings between two frameworks, oriented from --from to --to")
    sp.add_argument("--from", dest="from_key", required=True, metavar="KEY", help="framework key, e.g. nist-ai-rmf")
    sp.add_argument("--to", dest="to_key", required=True, metavar="KEY", help="framework key, e.g. iso42001")
    sp.add_argument("--inferred", action="store_true", help="include mappings derived by sound chaining")
    sp.add_argument("--min-strength", type=int, default=1, choices=range(1, 11), metavar="N",
                    help="only mappings of strength N or more (1-10)")
    _store_options(sp)
    _format_option(sp, ("table", "json", "csv", "markdown", "sssom"))

    mp = sub.add_parser("mappings", help="check the crosswalk files and show their statistics",
                        description="Check the crosswalk files (exit 1 on problems) and show statistics.")
    msub = mp.add_subparsers(dest="mappings_command", metavar="SUBCOMMAND", required=True)
    sp = msub.add_parser("check", help="check crosswalks: format, references, duplicates, completeness, closure")
    sp.set_defaults(func=cmd_mappings_check)
    sp.add_argument("files", nargs="*", help="SSSOM files to check (default: the bundled crosswalks)")
    _format_option(sp, ("text", "json"))
    sp.set_defaults(format="text")
    sp = msub.add_parser("stats", help="rows per relationship and share of provisions assessed, per pair")
    sp.set_defaults(func=cmd_mappings_stats)
    _format_option(sp)

    sp = add("queries", cmd_queries, "list the named SPARQL queries (or print one)")
    sp.add_argument("name", nargs="?", help="print this query's text")
    _format_option(sp)

    sp = add("serve", cmd_serve, "serve the web page and the SPARQL endpoint on 127.0.0.1")
    sp.add_argument("--host", default="127.0.0.1", help="interface to bind (default 127.0.0.1)")
    sp.add_argument("--port", type=int, default=8000, help="port (default 8000)")
    sp.add_argument("--register", metavar="PATH", help="organisation register to load")
    sp.add_argument("--query-timeout", type=float, default=30.0, metavar="S",
                    help="seconds a SPARQL query may run before it is stopped (503); default 30")
    sp.add_argument("--max-rows", type=int, default=10000, metavar="N",
                    help="result cap; longer results are cut and flagged X-Clausegraph-Truncated (10000)")
    sp.add_argument("--max-body", type=int, default=1024 * 1024, metavar="BYTES", help="request body limit (1 MiB)")
    sp.add_argument("--update-token", default=os.environ.get("CLAUSEGRAPH_UPDATE_TOKEN"), metavar="TOKEN",
                    help="enable SPARQL Update and Graph Store writes for this bearer token "
                         "(or CLAUSEGRAPH_UPDATE_TOKEN); off by default")
    sp.add_argument("--cors-origin", action="append", metavar="ORIGIN", help="allowed CORS origin (repeatable; "
                    "default *)")
    sp.add_argument("--no-cors", action="store_true", help="turn CORS off")
    sp.add_argument("--workers", type=int, metavar="N", help="query worker processes (default min(4, CPUs))")
    _store_options(sp)
    return p


def main(argv: Sequence[str] | None = None) -> int:
    parser = make_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:  # argparse: --help/--version exit 0, usage errors exit 2
        return int(exc.code or 0)
    if not getattr(args, "func", None):
        parser.print_help()
        return 2
    try:
        return args.func(args)
    except ClausegraphError as exc:
        print(f"clausegraph: error: {exc.message}", file=sys.stderr)
        for problem in exc.problems:
            print(f"  {problem}", file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        return 0
    except Exception as exc:  # noqa: BLE001 - last resort: exit 3 without a traceback unless --debug
        if args.debug or os.environ.get("CLAUSEGRAPH_DEBUG"):
            raise
        print(f"clausegraph: internal error: {type(exc).__name__}: {exc} (rerun with --debug for details)",
              file=sys.stderr)
        return 3


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
