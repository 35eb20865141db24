"""The web page (HTML, server-rendered with Jinja2): thin handlers over the engine functions, like api/rest.py.

Views: overview (``/``), coverage (``/coverage``: framework x framework heatmap and one framework's
provisions coloured by status), trace explorer (``/trace`` search, ``/provisions/{ref}``, ``/controls/{id}``,
``/evidence/{id}``), systems (``/systems``, ``/systems/{id}``), Statement of Applicability (``/soa`` and
``/soa/download``), the management system's records (``/records``: incidents with deadlines, open findings and
actions, decisions; ``/findings/{id}``, ``/actions/{id}``, ``/decisions/{id}``, ``/incidents/{id}/impact``),
audit readiness (``/readiness``) and the SPARQL editor (``/query``, YASGUI vendored under ``/static/vendor/yasgui``).

A handler parses parameters, calls the facade (:class:`clausegraph.engine.Clausegraph`) and hands its answers
to a template; it computes no answer. Errors (``ClausegraphError``, parameter validation) render ``error.html`` with the error's own
message and HTTP status; an unknown reference lists the suggestions as links.

Caching: the facade remembers answers for one *store generation* (bumped by every committed write and by a
register load), so a write through ``/sparql`` or ``/store`` is seen by the next page. A remote store
(``--endpoint``) may change behind our back, so nothing is remembered for it.
"""
from __future__ import annotations

import datetime as dt
import os
import re
import tempfile
from pathlib import Path
from typing import Any, Callable
from urllib.parse import quote

from fastapi import APIRouter, Query, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import FileResponse, HTMLResponse, Response
from fastapi.routing import APIRoute
from starlette.background import BackgroundTask
from starlette.templating import Jinja2Templates

from ..engine.errors import ClausegraphError, NotFoundError, UserInputError
from ..engine.coverage import left_in_words
from ..engine.facade import Clausegraph, as_of_or_today, parse_date

WEB = Path(__file__).resolve().parent / "web"
STATIC_DIR = WEB / "static"
from ..engine.refs import FRAMEWORK_KEYS as FRAMEWORK_ORDER  # noqa: E402 - the display order of frameworks
SOA_FORMATS = {"csv": ("text/csv; charset=utf-8", "csv"), "markdown": ("text/markdown; charset=utf-8", "md"),
               "xlsx": ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "xlsx")}

templates = Jinja2Templates(directory=str(WEB / "templates"))


# ------------------------------------------------------------------ template helpers
def _ref_url(ref: str) -> str:
    return "/provisions/" + quote(str(ref), safe=":")


def _id_url(kind: str, ident: str) -> str:
    return f"/{kind}/" + quote(str(ident), safe="")


def _pct(part: int, whole: int) -> int:
    return round(100 * part / whole) if whole else 0


templates.env.filters["ref_url"] = _ref_url
templates.env.filters["control_url"] = lambda i: _id_url("controls", i)
templates.env.filters["evidence_url"] = lambda i: _id_url("evidence", i)
templates.env.filters["system_url"] = lambda i: _id_url("systems", i)
templates.env.filters["atom_url"] = lambda i: _id_url("hub", i)
templates.env.globals["left_in_words"] = left_in_words
templates.env.globals["pct"] = _pct
templates.env.globals["zip"] = zip
templates.env.globals["FRAMEWORK_ORDER"] = FRAMEWORK_ORDER


def _node_url(node: dict) -> str:
    kind, ident = node["kind"], node["id"]
    urls = {"provision": _ref_url, "control": lambda i: _id_url("controls", i),
            "evidence": lambda i: _id_url("evidence", i), "system": lambda i: _id_url("systems", i),
            "finding": lambda i: _id_url("findings", i), "action": lambda i: _id_url("actions", i),
            "decision": lambda i: _id_url("decisions", i), "atom": lambda i: _id_url("hub", i)}
    return urls[kind](ident) if kind in urls else "#"


templates.env.globals["node_url"] = _node_url


def _finding_url(label: str | None, focus: str | None) -> str | None:
    """Link a validation finding's focus node to its page where it has one."""
    if not focus or not label:
        return None
    for part, kind in (("/control/", "controls"), ("/evidence/", "evidence"), ("/system/", "systems")):
        if part in focus:
            return _id_url(kind, label)
    return None


templates.env.globals["finding_url"] = _finding_url


# ------------------------------------------------------------------ errors as HTML
def error_page(request: Request, exc: ClausegraphError) -> HTMLResponse:
    suggestions = getattr(exc, "suggestions", None) or []
    return templates.TemplateResponse(request, "error.html", {
        "title": f"Error {exc.http_status}", "error": exc, "status": exc.http_status,
        "suggestions": suggestions, "problems": [str(p) for p in exc.problems]}, status_code=exc.http_status)


class HTMLRoute(APIRoute):
    """A route whose errors render the friendly HTML error page (same message as the ClausegraphError)."""

    def get_route_handler(self) -> Callable:
        inner = super().get_route_handler()

        async def handler(request: Request) -> Response:
            try:
                return await inner(request)
            except ClausegraphError as exc:
                return error_page(request, exc)
            except RequestValidationError as exc:
                from ..engine.errors import Problem

                problems = [Problem(e.get("msg", "invalid value"), file=str(e.get("loc", ["?"])[0]),
                                    column=".".join(str(x) for x in e.get("loc", ())[1:]) or None)
                            for e in exc.errors()]
                n = len(problems)
                return error_page(request, UserInputError(
                    f"invalid request: {n} problem{'s' if n != 1 else ''}", problems))

        return handler


router = APIRouter(route_class=HTMLRoute, include_in_schema=False)


# ------------------------------------------------------------------ the facade
def facade_of(request: Request) -> Clausegraph:
    return request.app.state.facade


def parse_day(text: str | None) -> dt.date:
    """A form's date field: empty means the facade's default (today)."""
    return as_of_or_today(parse_date(text, name="as_of") if text else None)


def page(request: Request, name: str, **context: Any) -> HTMLResponse:
    context.setdefault("register_loaded", facade_of(request).has_register)
    return templates.TemplateResponse(request, name, context)


# ------------------------------------------------------------------ overview
@router.get("/", response_class=HTMLResponse)
def home(request: Request, as_of: str | None = Query(None)) -> HTMLResponse:
    day = parse_day(as_of)
    cg = facade_of(request)
    return page(request, "index.html", title="Overview", nav="home", day=day, frameworks=cg.frameworks(as_of=day),
                store=cg.store.description)


# ------------------------------------------------------------------ coverage
def _heatmap(cg: Clausegraph, day: dt.date) -> dict:
    """For each (source, target): the target's assessable provisions fully / partly covered through the
    mappings if the source were fully implemented, in the frameworks' order."""
    m = cg.coverage_matrix(as_of=day)
    keys = [f["key"] for f in cg.frameworks(as_of=day) if f["key"] in m["frameworks"]]
    cells = {(c["source"], c["target"]): c for c in m["cells"].values()}
    return {"order": keys, "cells": cells, "totals": m["totals"]}


@router.get("/coverage", response_class=HTMLResponse)
def coverage_page(request: Request, framework: str = Query("euaiact"), as_of: str | None = Query(None),
                  via: str | None = Query(None)) -> HTMLResponse:
    from ..engine.refs import normalise_key, parse_ref

    cg = facade_of(request)
    day = parse_day(as_of)
    via_mappings = via in ("1", "true", "on", "yes")
    key = normalise_key(framework)
    fws = cg.frameworks(as_of=day)
    doc = cg.coverage(framework=key, via_mappings=via_mappings, as_of=day) if cg.has_register else None
    cat = cg.catalogue()
    titles = {}
    if doc:
        for p in doc["provisions"]:
            info = cat.provisions.get(parse_ref(p["ref"]).iri)
            titles[p["ref"]] = info.title if info else ""
    return page(request, "coverage.html", title="Coverage", nav="coverage", day=day, framework=key,
                via=via_mappings, frameworks=fws, heat=_heatmap(cg, day), doc=doc, titles=titles)


# ------------------------------------------------------------------ requirement hub
@router.get("/hub", response_class=HTMLResponse)
def hub_page(request: Request, theme: str | None = Query(None, max_length=60)) -> HTMLResponse:
    doc = facade_of(request).hub(theme=theme or None)
    return page(request, "hub.html", title="Requirement hub", nav="hub", doc=doc, theme=theme or "", one=None)


@router.get("/hub/{atom}", response_class=HTMLResponse)
def atom_page(request: Request, atom: str) -> HTMLResponse:
    doc = facade_of(request).hub(atom=atom)
    return page(request, "hub.html", title=doc["atoms"][0]["id"], nav="hub", doc=doc, theme="",
                one=doc["atoms"][0])


# ------------------------------------------------------------------ trace explorer
@router.get("/trace", response_class=HTMLResponse)
def trace_page(request: Request, q: str = Query("", max_length=200)) -> HTMLResponse:
    found = facade_of(request).search(text=q) if q.strip() else None
    limit = 60
    return page(request, "trace.html", title="Trace explorer", nav="trace", q=q, found=found, limit=limit)


@router.get("/provisions/{ref:path}", response_class=HTMLResponse)
def provision_page(request: Request, ref: str, as_of: str | None = Query(None)) -> HTMLResponse:
    cg = facade_of(request)
    day = parse_day(as_of)
    ref = cg.resolve(ref=ref)   # unknown: 404 with suggestions, from the cached index
    doc = cg.show(ref=ref, as_of=day)
    tree = cg.trace(ref=doc["ref"], as_of=day)
    return page(request, "provision.html", title=doc["ref"], nav="trace", day=day, p=doc, tree=tree)


def _backward_page(request: Request, what: str, ident: str, as_of: str | None) -> HTMLResponse:
    """A control's or a piece of evidence's page: its backward trace to every provision it serves."""
    cg = facade_of(request)
    cg.require_register()
    day = parse_day(as_of)
    tree = cg.trace(**{what: ident}, as_of=day)
    return page(request, "backward.html", title=f"{what.capitalize()} {ident}", nav="trace", day=day, tree=tree,
                what=what)


@router.get("/controls/{control_id}", response_class=HTMLResponse)
def control_page(request: Request, control_id: str, as_of: str | None = Query(None)) -> HTMLResponse:
    return _backward_page(request, "control", control_id, as_of)


@router.get("/evidence/{evidence_id}", response_class=HTMLResponse)
def evidence_page(request: Request, evidence_id: str, as_of: str | None = Query(None)) -> HTMLResponse:
    return _backward_page(request, "evidence", evidence_id, as_of)


# ------------------------------------------------------------------ systems
@router.get("/systems", response_class=HTMLResponse)
def systems_page(request: Request, as_of: str | None = Query(None)) -> HTMLResponse:
    from ..engine.validate import to_json

    cg = facade_of(request)
    cg.require_register()
    day = parse_day(as_of)
    doc = cg.classify(as_of=day)
    facts = cg.system_facts()
    report = to_json(cg.validate(as_of=day))
    return page(request, "systems.html", title="AI systems", nav="systems", day=day, doc=doc, facts=facts,
                report=report)


@router.get("/systems/{system_id}", response_class=HTMLResponse)
def system_page(request: Request, system_id: str, as_of: str | None = Query(None)) -> HTMLResponse:
    cg = facade_of(request)
    cg.require_register()
    day = parse_day(as_of)
    doc = cg.classify(system=system_id, as_of=day)
    facts = cg.system_facts()
    cov = cg.coverage(system=system_id, via_mappings=True, as_of=day)
    status = {p["ref"]: p for p in cov["provisions"]}
    return page(request, "system.html", title=f"System {system_id}", nav="systems", day=day, doc=doc,
                system=facts.get(system_id), coverage=cov, status=status)


# ------------------------------------------------------------------ Statement of Applicability
@router.get("/soa", response_class=HTMLResponse)
def soa_page(request: Request, as_of: str | None = Query(None), include_27001: bool = Query(False)) -> HTMLResponse:
    from ..engine.soa import COLUMNS, table_rows

    day = parse_day(as_of)
    doc = facade_of(request).soa(include_27001=include_27001, as_of=day)
    return page(request, "soa.html", title="Statement of Applicability", nav="soa", day=day, doc=doc,
                columns=COLUMNS, rows=table_rows(doc), include_27001=include_27001)


@router.get("/soa/download")
def soa_download(request: Request, format: str = Query("xlsx"), as_of: str | None = Query(None),  # noqa: A002
                 include_27001: bool = Query(False)) -> Response:
    from ..engine.soa import COLUMNS, table_rows
    from .render import soa_xlsx, to_csv, to_markdown

    if format not in SOA_FORMATS:
        raise UserInputError(f"unknown format {format!r}; use csv, xlsx or markdown")
    day = parse_day(as_of)
    doc = facade_of(request).soa(include_27001=include_27001, as_of=day)
    media, ext = SOA_FORMATS[format]
    filename = f"statement-of-applicability-{day.isoformat()}.{ext}"
    headers = {"Content-Disposition": f'attachment; filename="{filename}"'}
    if format == "xlsx":
        fd, path = tempfile.mkstemp(prefix="clausegraph-soa-", suffix=".xlsx")
        os.close(fd)
        soa_xlsx(doc, path)
        return FileResponse(path, media_type=media, filename=filename,
                            background=BackgroundTask(os.unlink, path))
    render = to_csv if format == "csv" else to_markdown
    return Response(render(COLUMNS, table_rows(doc)), media_type=media, headers=headers)


# ------------------------------------------------------------------ the management system's records
@router.get("/records", response_class=HTMLResponse)
def records_page(request: Request, as_of: str | None = Query(None)) -> HTMLResponse:
    cg = facade_of(request)
    cg.require_register()
    day = parse_day(as_of)
    findings = cg.open_findings(as_of=day)
    return page(request, "records.html", title="Records", nav="records", day=day, incidents=cg.incidents(as_of=day),
                findings=findings, open_ids=[f["id"] for f in findings["findings"]], decisions=cg.decisions())


@router.get("/readiness", response_class=HTMLResponse)
def readiness_page(request: Request, as_of: str | None = Query(None)) -> HTMLResponse:
    cg = facade_of(request)
    cg.require_register()
    day = parse_day(as_of)
    return page(request, "readiness.html", title="Audit readiness", nav="records", day=day,
                doc=cg.readiness(as_of=day))


@router.get("/incidents/{incident_id}/impact", response_class=HTMLResponse)
def incident_page(request: Request, incident_id: str, as_of: str | None = Query(None)) -> HTMLResponse:
    cg = facade_of(request)
    cg.require_register()
    day = parse_day(as_of)
    return page(request, "incident.html", title=f"Incident {incident_id}", nav="records", day=day,
                doc=cg.incident_impact(incident=incident_id, as_of=day))


def _record_page(request: Request, what: str, ident: str, as_of: str | None) -> HTMLResponse:
    cg = facade_of(request)
    cg.require_register()
    day = parse_day(as_of)
    return page(request, "record.html", title=f"{what.capitalize()} {ident}", nav="records", day=day,
                tree=cg.trace(**{what: ident}, as_of=day), what=what)


@router.get("/findings/{finding_id}", response_class=HTMLResponse)
def finding_page(request: Request, finding_id: str, as_of: str | None = Query(None)) -> HTMLResponse:
    return _record_page(request, "finding", finding_id, as_of)


@router.get("/actions/{action_id}", response_class=HTMLResponse)
def action_page(request: Request, action_id: str, as_of: str | None = Query(None)) -> HTMLResponse:
    return _record_page(request, "action", action_id, as_of)


@router.get("/decisions/{decision_id}", response_class=HTMLResponse)
def decision_page(request: Request, decision_id: str, as_of: str | None = Query(None)) -> HTMLResponse:
    return _record_page(request, "decision", decision_id, as_of)


# ------------------------------------------------------------------ SPARQL editor
def _examples(request: Request) -> dict[str, str]:
    """Example values for the named queries' $parameters, as SPARQL terms."""
    from ..engine import queries as q
    from ..engine.refs import Ref, framework_iri

    day = as_of_or_today(None)
    return {"as_of": q.date(day), "framework": q.iri(framework_iri("iso42001")),
            "p": q.iri(Ref("euaiact", "Art. 26(1)").iri),
            "targets": "VALUES ?r { " + q.iri(Ref("euaiact", "Art. 26(1)").iri) + " "
                       + q.iri(Ref("iso42001", "A.6.2.8").iri) + " }",
            "via": "true", "scope": "", "filter": ""}


def named_queries(request: Request) -> list[dict]:
    from ..engine import queries as q

    examples = _examples(request)
    out = []
    for nq in q.all_queries().values():
        params = sorted(set(re.findall(r"\$([A-Za-z_]\w*)", "\n".join(
            ln for ln in nq.text.splitlines() if not ln.startswith("#")))))
        header = [ln for ln in nq.text.splitlines() if ln.startswith("#")]
        if params:
            header.append("# parameters filled with example values: " + ", ".join(
                f"${p} = {examples.get(p, '?') or '(empty)'}" for p in params))
        body = q.render(nq.name, **{p: examples.get(p, "") for p in params})
        out.append({"name": nq.name, "title": nq.title, "description": nq.description, "params": params,
                    "text": "\n".join(header) + "\n" + body.strip() + "\n", "template": nq.text})
    return out


@router.get("/query", response_class=HTMLResponse)
def query_page(request: Request, name: str = Query("framework-counts")) -> HTMLResponse:
    queries = named_queries(request)
    if name not in {x["name"] for x in queries}:
        raise NotFoundError(f"no named query {name!r}; known: {', '.join(x['name'] for x in queries)}")
    return page(request, "query.html", title="SPARQL editor", nav="query", queries=queries, selected=name)
