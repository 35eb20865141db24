"""The command line's arguments: one sub-command per question, shared option groups, and each command's
handler (``func``) from :mod:`.graph`, :mod:`.org` or :mod:`.server`."""
from __future__ import annotations

import argparse
import datetime as dt
import os
from typing import Callable, Sequence

from ...engine.resources import version
from . import graph, org, oscal, records, server

FORMATS_TABLE = ("table", "json", "csv", "markdown")


def _date(text: str) -> dt.date:
    from ...engine.errors import UserInputError
    from ...engine.facade import parse_date

    try:
        return parse_date(text)
    except UserInputError:   # argparse names the option itself
        raise argparse.ArgumentTypeError(f"expected a date written YYYY-MM-DD, not {text!r}") from None


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


def _limit_options(p: argparse.ArgumentParser, max_rows: int, rows_help: str) -> None:
    p.add_argument("--query-timeout", type=float, default=30.0, metavar="S",
                   help="seconds a SPARQL query may run before it is stopped (503); default 30")
    p.add_argument("--max-rows", type=int, default=max_rows, metavar="N", help=rows_help)


def _register_options(p: argparse.ArgumentParser, formats: Sequence[str] = FORMATS_TABLE) -> None:
    """The options of every command that answers from organisation data."""
    p.add_argument("--register", metavar="PATH", help="a folder of CSV files, .xlsx or .yaml")
    _as_of_option(p)
    _store_options(p)
    _format_option(p, formats)


# ---------------------------------------------------------------- parser

def make_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="clausegraph",
        description="AI governance as a knowledge graph: ISO/IEC 42001, EU AI Act, NIST AI RMF and ISO/IEC 27001.",
        epilog="Exit codes: 0 ok, 1 validation found violations, 2 usage or input error, 3 internal error.")
    p.add_argument("--version", action="version", version=f"clausegraph {version()}")
    p.add_argument("--debug", action="store_true", help="show tracebacks for internal errors")
    sub = p.add_subparsers(dest="command", metavar="COMMAND")

    def add(name: str, func: Callable[[argparse.Namespace], int], help_: str) -> argparse.ArgumentParser:
        sp = sub.add_parser(name, help=help_, description=help_)
        sp.set_defaults(func=func)
        return sp

    sp = add("build", graph.cmd_build, "load ontology, catalogues and crosswalks (and a register) into a store")
    reg = sp.add_mutually_exclusive_group()
    reg.add_argument("--register", metavar="PATH", help="organisation register (folder, .xlsx or .yaml); replaces "
                     "the store's register")
    reg.add_argument("--drop-register", action="store_true", help="remove the register already in the store "
                     "(without this, a rebuild keeps it)")
    _store_options(sp)
    _format_option(sp, ("table", "json"))

    sp = add("query", graph.cmd_query, "run a SPARQL query over the graph")
    sp.add_argument("sparql", nargs="?", help="the SPARQL query text")
    sp.add_argument("-f", "--file", help="read the query from a file")
    _store_options(sp)
    _format_option(sp, ("table", "json", "csv", "tsv", "markdown"))

    sp = add("frameworks", graph.cmd_frameworks, "list frameworks with their provision counts on a date")
    _as_of_option(sp)
    _store_options(sp)
    _format_option(sp)

    sp = add("show", graph.cmd_show, "show one provision: title, summary, parent, children, dates, obligations")
    sp.add_argument("ref", help="a reference, e.g. 'euaiact:Art. 26(1)' or nist-ai-rmf:GV-1.1")
    _as_of_option(sp)
    _store_options(sp)
    _format_option(sp)

    sp = add("import", graph.cmd_import, "import an organisation register into a built store (all or nothing)")
    sp.add_argument("--register", metavar="PATH", required=True, help="a folder of CSV files, .xlsx or .yaml")
    _store_options(sp)
    _format_option(sp, ("table", "json"))

    sp = add("classify", org.cmd_classify, "EU AI Act tier, basis and obligations of every system in a register")
    _register_options(sp)

    sp = add("validate", org.cmd_validate, "check organisation data against the SHACL shapes (exit 1 on violations)")
    sp.add_argument("--engine", choices=("fast", "pyshacl"), default="fast",
                    help="fast: shapes as SPARQL on the store (default); pyshacl: the reference implementation")
    sp.add_argument("--catalogue", action="store_true", help="also validate the catalogues against shapes/catalogue.ttl")
    sp.add_argument("-o", "--output", metavar="FILE", help="write the report to FILE")
    _register_options(sp, ("text", "json", "junit"))
    sp.set_defaults(format="text")

    sp = add("soa", org.cmd_soa, "Statement of Applicability: Annex A controls, decisions, implementing controls, evidence")
    sp.add_argument("--include-27001", action="store_true", help="add the 93 ISO/IEC 27001 Annex A controls")
    sp.add_argument("-o", "--output", metavar="FILE", help="write to FILE (required for xlsx)")
    _register_options(sp, ("table", "markdown", "csv", "xlsx", "json"))

    sp = add("coverage", org.cmd_coverage, "covered / partial / uncovered provisions, with controls, evidence and paths")
    sp.add_argument("--framework", metavar="KEY", help="every assessable provision of this framework")
    sp.add_argument("--system", metavar="ID", help="the EU AI Act obligations binding this system")
    sp.add_argument("--via-mappings", action="store_true", help="also count controls reaching provisions "
                    "through the (chained) crosswalks")
    _register_options(sp)

    sp = add("trace", org.cmd_trace, "trace a provision to mappings, controls and evidence, or a control/evidence back")
    sp.add_argument("ref", nargs="?", help="a provision reference (forward trace)")
    sp.add_argument("--control", metavar="ID", help="trace a control back to every provision it serves")
    sp.add_argument("--evidence", metavar="ID", help="trace a piece of evidence back")
    sp.add_argument("--finding", metavar="ID", help="trace a finding back to its provisions, actions and evidence")
    sp.add_argument("--action", metavar="ID", help="trace a corrective action back to its findings and provisions")
    sp.add_argument("--decision", metavar="ID", help="trace a gate decision to its system and basis assessments")
    _register_options(sp)

    sp = add("gaps", org.cmd_gaps, "what a target framework still needs, ordered by importance")
    sp.add_argument("--target", required=True, metavar="KEY", help="the framework to close gaps in")
    sp.add_argument("--from", dest="from_key", metavar="KEY", help="count only controls implementing this framework")
    sp.add_argument("--assume-complete", action="store_true",
                    help="treat all of --from as implemented (e.g. certified), whatever the register says")
    sp.add_argument("--system", metavar="ID", help="EU AI Act obligations of this system only")
    _register_options(sp)

    sp = add("impact", org.cmd_impact, "what loses coverage if evidence expires, a control fails, or on a date")
    sp.add_argument("--evidence", metavar="ID", help="withdraw this piece of evidence")
    sp.add_argument("--control", metavar="ID", help="remove this control (or treat it as failed)")
    sp.add_argument("--on", type=_date, metavar="YYYY-MM-DD", help="look at coverage on this future date")
    sp.add_argument("--direct-only", action="store_true", help="ignore coverage through mappings")
    sp.add_argument("--incident", metavar="ID", help="the systems, provisions and open findings an incident touches")
    _register_options(sp)

    sp = add("readiness", records.cmd_readiness, "ISO/IEC 42001 audit readiness: per clause 4-10 and Annex A "
             "control, the records that show it operates and what is missing")
    sp.add_argument("--clauses-only", action="store_true", help="only clauses 4-10 (not the Annex A controls)")
    _register_options(sp)

    sp = add("incidents", records.cmd_incidents, "incidents with their EU AI Act Art. 73 deadlines (days left / late)")
    _register_options(sp)

    sp = add("findings", records.cmd_findings, "open findings and corrective actions (overdue first)")
    _register_options(sp)

    sp = add("decisions", records.cmd_decisions, "gate decisions per system (design, pre-deployment, change, retirement)")
    sp.add_argument("--system", metavar="ID", help="only this system's decisions")
    _register_options(sp)

    sp = add("plan", org.cmd_plan, "which controls or provisions close the most open provisions (greedy set cover)")
    sp.add_argument("--target", required=True, nargs="+", metavar="KEY", help="target framework(s)")
    sp.add_argument("--budget", type=int, default=10, help="number of picks (default 10)")
    _register_options(sp)

    sp = add("crosswalk", graph.cmd_crosswalk, "mappings between two frameworks, oriented from --from to --to")
    sp.add_argument("--from", dest="from_key", required=True, metavar="KEY", help="framework key, e.g. nist-ai-rmf")
    sp.add_argument("--to", dest="to_key", required=True, metavar="KEY", help="framework key, e.g. iso42001")
    sp.add_argument("--inferred", action="store_true", help="include mappings derived by sound chaining")
    sp.add_argument("--via-hub", action="store_true", help="the mappings computed from the requirement hub's "
                    "atoms (derived, with the shared atoms) instead of the curated ones")
    sp.add_argument("--min-strength", type=int, default=1, choices=range(1, 11), metavar="N",
                    help="only mappings of strength N or more (1-10)")
    _store_options(sp)
    _format_option(sp, ("table", "json", "csv", "markdown", "sssom"))

    mp = sub.add_parser("mappings", help="check the crosswalk files and show their statistics",
                        description="Check the crosswalk files (exit 1 on problems) and show statistics.")
    msub = mp.add_subparsers(dest="mappings_command", metavar="SUBCOMMAND", required=True)
    sp = msub.add_parser("check", help="check crosswalks: format, references, duplicates, completeness, closure")
    sp.set_defaults(func=graph.cmd_mappings_check)
    sp.add_argument("files", nargs="*", help="SSSOM files to check (default: the bundled crosswalks)")
    _format_option(sp, ("text", "json"))
    sp.set_defaults(format="text")
    sp = msub.add_parser("stats", help="rows per relationship and share of provisions assessed, per pair")
    sp.set_defaults(func=graph.cmd_mappings_stats)
    _format_option(sp)

    sp = add("hub", graph.cmd_hub, "the requirement hub: atoms with the provisions of every framework demanding each")
    sp.add_argument("atom", nargs="?", help="one atom, e.g. hub:log.record-in-use")
    sp.add_argument("--theme", help="only this theme's atoms (log, risk, data, ...)")
    _store_options(sp)
    _format_option(sp)

    ep = sub.add_parser("export", help="export OSCAL documents (catalog, mapping collection, assessment results)",
                        description="Write OSCAL 1.2.3 JSON documents (docs/oscal.md).")
    esub = ep.add_subparsers(dest="export_kind", metavar="DOCUMENT", required=True)
    sp = esub.add_parser("oscal-catalog", help="a framework as an OSCAL catalog")
    sp.add_argument("--framework", required=True, metavar="KEY", help="framework key, e.g. iso42001")
    _as_of_option(sp)
    sp = esub.add_parser("oscal-mapping", help="a crosswalk as an OSCAL mapping collection")
    sp.add_argument("--from", dest="from_key", required=True, metavar="KEY", help="source framework key")
    sp.add_argument("--to", dest="to_key", required=True, metavar="KEY", help="target framework key")
    sp.add_argument("--inferred", action="store_true", help="include mappings derived by sound chaining")
    sp.add_argument("--via-hub", action="store_true",
                    help="the relations computed from the requirement hub instead of the curated rows")
    sp = esub.add_parser("oscal-assessment-results", help="coverage and validation findings as OSCAL assessment results")
    sp.add_argument("--register", metavar="PATH", help="a folder of CSV files, .xlsx or .yaml")
    sp.add_argument("--via-mappings", action="store_true", help="count coverage through crosswalks too")
    _as_of_option(sp)
    for sp in esub.choices.values():
        sp.set_defaults(func=oscal.cmd_export)
        sp.add_argument("-o", "--output", metavar="FILE", help="write the JSON document to FILE (default stdout)")
        _store_options(sp)

    fp = sub.add_parser("framework", help="add a framework to a store from an OSCAL catalog",
                        description="Add a framework to a store from an OSCAL catalog (docs/oscal.md).")
    fsub = fp.add_subparsers(dest="framework_command", metavar="SUBCOMMAND", required=True)
    sp = fsub.add_parser("add", help="read an OSCAL catalog (JSON) as a new framework (all or nothing)")
    sp.set_defaults(func=oscal.cmd_framework_add)
    sp.add_argument("--oscal", required=True, metavar="FILE", help="the OSCAL catalog JSON file")
    sp.add_argument("--key", required=True, metavar="KEY", help="the new framework's key (lower case, e.g. acme-baseline)")
    _store_options(sp)
    _format_option(sp, ("table", "json"))

    sp = add("queries", graph.cmd_queries, "list the named SPARQL queries (or print one)")
    sp.add_argument("name", nargs="?", help="print this query's text")
    _format_option(sp)

    sp = add("serve", server.cmd_serve, "serve the web page and the SPARQL endpoint on 127.0.0.1")
    sp.add_argument("--host", default="127.0.0.1", help="interface to bind (default 127.0.0.1)")
    sp.add_argument("--port", type=int, default=8000, help="port (default 8000)")
    sp.add_argument("--register", metavar="PATH", help="organisation register to load")
    _limit_options(sp, 0, "refuse (403 result-too-large) a SELECT or CONSTRUCT with more than N rows; default 0: "
                          "no cap, whole results are streamed")
    sp.add_argument("--allow-service", action="append", metavar="IRI", default=[],
                    help="let queries call this SPARQL endpoint with SERVICE (repeatable); federation is off "
                         "by default")
    sp.add_argument("--max-body", type=int, default=1024 * 1024, metavar="BYTES", help="request body limit (1 MiB)")
    sp.add_argument("--update-token", default=os.environ.get("CLAUSEGRAPH_UPDATE_TOKEN"), metavar="TOKEN",
                    help="enable SPARQL Update and Graph Store writes for this bearer token "
                         "(or CLAUSEGRAPH_UPDATE_TOKEN); off by default")
    sp.add_argument("--cors-origin", action="append", metavar="ORIGIN", help="allowed CORS origin (repeatable; "
                    "default *)")
    sp.add_argument("--no-cors", action="store_true", help="turn CORS off")
    sp.add_argument("--workers", type=int, metavar="N", help="query worker processes (default min(4, CPUs))")
    sp.add_argument("--get", metavar="PATH", help="run one GET request (e.g. /api/frameworks) through the app in "
                    "this process, print the response body and exit (no server is started)")
    _store_options(sp)

    sp = add("mcp", server.cmd_mcp, "serve the graph to AI assistants over the Model Context Protocol (stdio)")
    sp.add_argument("--register", metavar="PATH", help="organisation register to load")
    _limit_options(sp, 10000, "rows the query tool returns; longer results are cut and flagged "
                              "\"truncated\": true (10000)")
    sp.add_argument("--workers", type=int, metavar="N", help="query worker processes (default 1)")
    _store_options(sp)
    return p
