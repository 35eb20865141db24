"""The web page (HTML, server-rendered with Jinja2): thin handlers over the engine functions, like api/rest.py.

Views: overview (``/``), coverage (``/coverage``: framework x framework heatmap and one framework's
provisions coloured by status), trace explorer (``/trace`` search, ``/provisions/{ref}``, ``/controls/{id}``,
``/evidence/{id}``), systems (``/systems``, ``/systems/{id}``), Statement of Applicability (``/soa`` and
``/soa/download``) and the SPARQL editor (``/query``, YASGUI vendored under ``/static/vendor/yasgui``).

A handler parses parameters, calls engine functions and hands their plain data to a template; it computes
no answer. Errors (``ClausegraphError``, parameter validation) render ``error.html`` with the error's own
message and HTTP status; an unknown reference lists the suggestions as links.

Caching: engine results are memoised per *store generation* (the query pool's snapshot, renewed after every
committed write and after a register load), so a write through ``/sparql`` or ``/store`` is seen by the next
page. A remote store (``--endpoint``) may change behind our back, so nothing is cached for it.
"""
from __future__ import annotations

import datetime as dt
import os
import re
import tempfile
import threading
from collections import OrderedDict
from pathlib import Path
from typing import Any, Callable
from urllib.parse import quote

from fastapi import APIRouter, Query, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import FileResponse, HTMLResponse, Response
from fastapi.routing import APIRoute
from starlette.background import BackgroundTask
from starlette.templating import Jinja2Templates

from ..engine.errors import ClausegraphError, NotFoundError, UnknownReferenceError, UserInputError
from ..engine.store import Store

WEB = Path(__file__).resolve().parent / "web"
STATIC_DIR = WEB / "static"
FRAMEWORK_ORDER = ("iso42001", "iso27001", "euaiact", "nist-ai-rmf")
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
templates.env.globals["pct"] = _pct
templates.env.globals["zip"] = zip
templates.env.globals["FRAMEWORK_ORDER"] = FRAMEWORK_ORDER


def _node_url(node: dict) -> str:
    kind, ident = node["kind"], node["id"]
    return {"provision": _ref_url, "control": lambda i: _id_url("controls", i),
            "evidence": lambda i: _id_url("evidence", i)}[kind](ident)


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


# ------------------------------------------------------------------ per-generation cache
class PageCache:
    """Engine results memoised for one store generation (bounded LRU; cleared when the generation changes)."""

    def __init__(self, size: int = 256) -> None:
        self.size = size
        self.lock = threading.Lock()
        self.generation: object = None
        self.data: OrderedDict[tuple, Any] = OrderedDict()

    def get(self, generation: object, key: tuple, compute: Callable[[], Any]) -> Any:
        if generation is None:
            return compute()
        with self.lock:
            if generation != self.generation:
                self.generation, self.data = generation, OrderedDict()
            if key in self.data:
                self.data.move_to_end(key)
                return self.data[key]
        value = compute()
        with self.lock:
            if generation == self.generation:
                self.data[key] = value
                while len(self.data) > self.size:
                    self.data.popitem(last=False)
        return value


_cache_lock = threading.Lock()


def _generation(request: Request) -> object:
    """Identifies the store's current content: its write generation (None, so no caching, when others can
    write it, as with a remote SPARQL store)."""
    store = request.app.state.backend.store
    return store.generation if store is not None and store.cacheable else None


def cached(request: Request, key: tuple, compute: Callable[[], Any]) -> Any:
    state = request.app.state
    cache = getattr(state, "page_cache", None)
    if cache is None:
        with _cache_lock:
            cache = getattr(state, "page_cache", None)
            if cache is None:
                cache = state.page_cache = PageCache()
    return cache.get(_generation(request), key, compute)


def store_of(request: Request) -> Store:
    return request.app.state.backend.store


def parse_day(text: str | None) -> dt.date:
    """A form's date field: empty means today."""
    if not text:
        return dt.date.today()
    try:
        return dt.date.fromisoformat(text.strip())
    except ValueError:
        raise UserInputError(f"as_of must be a date written YYYY-MM-DD, not {text!r}") from None


def has_register(request: Request) -> bool:
    from ..engine.build import REGISTER_GRAPH

    store = store_of(request)
    return cached(request, ("register?",), lambda: REGISTER_GRAPH in store.graphs())


def need_register(request: Request) -> None:
    if not has_register(request):
        raise NotFoundError("no register is loaded in the store (start the server with a register, e.g. "
                            "'clausegraph serve --register examples/acme', or 'clausegraph import' one)")


def frameworks_of(request: Request, day: dt.date) -> list[dict]:
    from ..engine.catalogue import frameworks

    store = store_of(request)
    return cached(request, ("frameworks", day), lambda: frameworks(store, day))


def catalogue_of(request: Request):
    from ..engine.catalogue import Catalogue

    store = store_of(request)
    return cached(request, ("catalogue",), lambda: Catalogue.of(store))


def controls_of(request: Request) -> dict:
    from ..engine.org import controls

    store = store_of(request)
    return cached(request, ("controls",), lambda: controls(store))


def page(request: Request, name: str, **context: Any) -> HTMLResponse:
    context.setdefault("register_loaded", has_register(request))
    return templates.TemplateResponse(request, name, context)


# ------------------------------------------------------------------ overview
@router.get("/", response_class=HTMLResponse)
def home(request: Request, as_of: str | None = Query(None)) -> HTMLResponse:
    day = parse_day(as_of)
    return page(request, "index.html", title="Overview", nav="home", day=day,
                frameworks=frameworks_of(request, day), store=store_of(request).description)


# ------------------------------------------------------------------ coverage
def _heatmap(request: Request, day: dt.date) -> dict:
    """For each (source, target): the target's assessable provisions fully / partly covered through the
    mappings if the source were fully implemented (engine.coverage.coverage_matrix)."""
    from ..engine.coverage import coverage_matrix

    store = store_of(request)

    def compute() -> dict:
        m = coverage_matrix(store, day)
        keys = [f["key"] for f in frameworks_of(request, day) if f["key"] in m["frameworks"]]
        cells = {(c["source"], c["target"]): c for c in m["cells"].values()}
        return {"order": keys, "cells": cells, "totals": m["totals"]}

    return cached(request, ("heatmap", day), compute)


@router.get("/coverage", response_class=HTMLResponse)
def coverage_page(request: Request, framework: str = Query("euaiact"), as_of: str | None = Query(None),
                  via: str | None = Query(None)) -> HTMLResponse:
    from ..engine.coverage import framework_coverage
    from ..engine.refs import normalise_key

    day = parse_day(as_of)
    via_mappings = via in ("1", "true", "on", "yes")
    key = normalise_key(framework)
    fws = frameworks_of(request, day)
    doc = None
    if has_register(request):
        store = store_of(request)
        doc = cached(request, ("coverage", key, day, via_mappings),
                     lambda: framework_coverage(store, key, day, via_mappings))
    cat = catalogue_of(request)
    from ..engine.refs import parse_ref

    titles = {}
    if doc:
        for p in doc["provisions"]:
            info = cat.provisions.get(parse_ref(p["ref"]).iri)
            titles[p["ref"]] = info.title if info else ""
    return page(request, "coverage.html", title="Coverage", nav="coverage", day=day, framework=key,
                via=via_mappings, frameworks=fws, heat=_heatmap(request, day), doc=doc, titles=titles)


# ------------------------------------------------------------------ trace explorer
def _search(request: Request, text: str) -> dict:
    """Provisions (by reference, alias or title), controls and evidence (by id or title) matching ``text``."""
    cat = catalogue_of(request)
    needle = text.strip().lower()
    exact = None
    tries = [text.strip()] + ([f"{k}:{text.strip()}" for k in FRAMEWORK_ORDER] if ":" not in text else [])
    for attempt in tries:   # a reference or alias, with or without its framework key
        try:
            exact = cat.resolve(attempt)
            break
        except (ClausegraphError, ValueError, KeyError):
            continue
    from ..engine.refs import sort_key

    provisions = [p for p in cat.provisions.values()
                  if needle in str(p.ref).lower() or needle in (p.title or "").lower()]
    provisions.sort(key=lambda p: (p.ref.key != (exact.ref.key if exact else ""), FRAMEWORK_ORDER.index(p.ref.key)
                                   if p.ref.key in FRAMEWORK_ORDER else 9, sort_key(p.ref)))
    if exact is not None:
        provisions = [exact] + [p for p in provisions if p.iri != exact.iri]
    ctl = controls_of(request) if has_register(request) else {}
    controls = sorted((c for c in ctl.values() if needle in c.id.lower() or needle in c.title.lower()),
                      key=lambda c: c.id)
    evidence: dict[str, Any] = {}
    for c in ctl.values():
        for e in c.evidence.values():
            if needle in e.id.lower() or needle in (e.title or "").lower():
                evidence.setdefault(e.id, e)
    return {"provisions": provisions, "controls": controls,
            "evidence": [evidence[k] for k in sorted(evidence)], "exact": exact}


@router.get("/trace", response_class=HTMLResponse)
def trace_page(request: Request, q: str = Query("", max_length=200)) -> HTMLResponse:
    found = _search(request, q) if q.strip() else None
    limit = 60
    return page(request, "trace.html", title="Trace explorer", nav="trace", q=q, found=found, limit=limit)


@router.get("/provisions/{ref:path}", response_class=HTMLResponse)
def provision_page(request: Request, ref: str, as_of: str | None = Query(None)) -> HTMLResponse:
    from ..engine.catalogue import show
    from ..engine.trace import trace_provision

    day = parse_day(as_of)
    store = store_of(request)
    ref = str(catalogue_of(request).resolve(ref).ref)   # unknown: 404 with suggestions, from the cached index
    doc = cached(request, ("show", ref, day), lambda: show(store, ref, day))
    tree = cached(request, ("trace", doc["ref"], day), lambda: trace_provision(store, doc["ref"], day))
    return page(request, "provision.html", title=doc["ref"], nav="trace", day=day, p=doc, tree=tree)


def _backward_page(request: Request, what: str, ident: str, as_of: str | None) -> HTMLResponse:
    """A control's or a piece of evidence's page: its backward trace to every provision it serves."""
    from ..engine.trace import trace_control, trace_evidence

    need_register(request)
    day = parse_day(as_of)
    store = store_of(request)
    trace = trace_control if what == "control" else trace_evidence
    tree = cached(request, (f"trace-{what}", ident, day), lambda: trace(store, ident, day))
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
    from ..engine.classify import classify, read_systems
    from ..engine.validate import to_json, validate

    need_register(request)
    day = parse_day(as_of)
    store = store_of(request)
    doc = cached(request, ("classify", day), lambda: classify(store, day))
    facts = cached(request, ("systems",), lambda: {s.id: s for s in read_systems(store)})
    report = cached(request, ("validate", day), lambda: to_json(validate(store, day)))
    return page(request, "systems.html", title="AI systems", nav="systems", day=day, doc=doc, facts=facts,
                report=report)


@router.get("/systems/{system_id}", response_class=HTMLResponse)
def system_page(request: Request, system_id: str, as_of: str | None = Query(None)) -> HTMLResponse:
    from ..engine.classify import classify_one, read_systems
    from ..engine.coverage import system_coverage

    need_register(request)
    day = parse_day(as_of)
    store = store_of(request)
    doc = cached(request, ("classify-one", system_id, day), lambda: classify_one(store, system_id, day))
    facts = cached(request, ("systems",), lambda: {s.id: s for s in read_systems(store)})
    cov = cached(request, ("system-coverage", system_id, day),
                 lambda: system_coverage(store, system_id, day, True))
    status = {p["ref"]: p for p in cov["provisions"]}
    return page(request, "system.html", title=f"System {system_id}", nav="systems", day=day, doc=doc,
                system=facts.get(system_id), coverage=cov, status=status)


# ------------------------------------------------------------------ Statement of Applicability
def _soa(request: Request, day: dt.date, include_27001: bool) -> dict:
    from ..engine.soa import statement_of_applicability

    need_register(request)
    store = store_of(request)
    fws = ("iso42001", "iso27001") if include_27001 else ("iso42001",)
    return cached(request, ("soa", day, fws), lambda: statement_of_applicability(store, day, fws))


@router.get("/soa", response_class=HTMLResponse)
def soa_page(request: Request, as_of: str | None = Query(None), include_27001: bool = Query(False)) -> HTMLResponse:
    from ..engine.soa import COLUMNS, table_rows

    day = parse_day(as_of)
    doc = _soa(request, day, include_27001)
    return page(request, "soa.html", title="Statement of Applicability", nav="soa", day=day, doc=doc,
                columns=COLUMNS, rows=table_rows(doc), include_27001=include_27001)


@router.get("/soa/download")
def soa_download(request: Request, format: str = Query("xlsx"), as_of: str | None = Query(None),  # noqa: A002
                 include_27001: bool = Query(False)) -> Response:
    from ..engine.render import to_csv, to_markdown
    from ..engine.soa import COLUMNS, table_rows, to_xlsx

    if format not in SOA_FORMATS:
        raise UserInputError(f"unknown format {format!r}; use csv, xlsx or markdown")
    day = parse_day(as_of)
    doc = _soa(request, day, include_27001)
    media, ext = SOA_FORMATS[format]
    filename = f"statement-of-applicability-{day.isoformat()}.{ext}"
    headers = {"Content-Disposition": f'attachment; filename="{filename}"'}
    if format == "xlsx":
        fd, path = tempfile.mkstemp(prefix="clausegraph-soa-", suffix=".xlsx")
        os.close(fd)
        to_xlsx(doc, path)
        return FileResponse(path, media_type=media, filename=filename,
                            background=BackgroundTask(os.unlink, path))
    render = to_csv if format == "csv" else to_markdown
    return Response(render(COLUMNS, table_rows(doc)), media_type=media, headers=headers)


# ------------------------------------------------------------------ SPARQL editor
def _examples(request: Request) -> dict[str, str]:
    """Example values for the named queries' $parameters, as SPARQL terms."""
    from ..engine import queries as q
    from ..engine.refs import Ref, framework_iri

    day = dt.date.today()
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
