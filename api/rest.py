"""JSON routes (``/api/...``): thin wrappers over the same engine functions the CLI calls.

A handler only parses parameters, calls one engine function and pages its result; it never computes an
answer. Every list is paginated the same way (``limit``/``offset``, with ``total``).

Routes: frameworks, provisions/{ref}, crosswalk, systems, systems/{id}/classification, coverage, gaps,
trace, impact, validation, soa. Pattern to follow (see ``frameworks_route``): a sync ``def`` (FastAPI runs it in the thread pool), a
``store: Store = Depends(get_store)`` parameter, ``as_of: dt.date | None`` defaulting to today, list results
returned through :func:`page`; errors are raised as ``ClausegraphError`` subclasses (the app renders them).
"""
from __future__ import annotations

import datetime as dt
from typing import Any

from fastapi import APIRouter, Depends, Path, Query, Request
from pydantic import BaseModel, Field

from ..engine.errors import NotFoundError
from ..engine.store import Store

router = APIRouter(prefix="/api", tags=["rest"])


class Page(BaseModel):
    """A page of a list: ``items[offset:offset+limit]`` of ``total``."""

    items: list[dict[str, Any]]
    total: int = Field(description="number of items before paging")
    limit: int
    offset: int


class ErrorBody(BaseModel):
    """The one error shape (``ClausegraphError.as_dict()``)."""

    error: str
    message: str
    problems: list[dict[str, Any]] = []
    suggestions: list[str] | None = None


ERRORS = {s: {"model": ErrorBody} for s in (400, 404, 406, 500, 503)}


def get_store(request: Request) -> Store:
    return request.app.state.backend.store


def Limit() -> Any:  # noqa: N802 - reads like a type in signatures
    return Query(100, ge=1, le=10000, description="page size")


def Offset() -> Any:  # noqa: N802
    return Query(0, ge=0, description="items to skip")


def AsOf() -> Any:  # noqa: N802
    return Query(None, description="date (YYYY-MM-DD) the text in force is taken from; default today")


def page(items: list, limit: int, offset: int) -> dict:
    return {"items": items[offset:offset + limit], "total": len(items), "limit": limit, "offset": offset}


@router.get("/frameworks", response_model=Page, responses=ERRORS, summary="Frameworks and provision counts",
            description="Each framework with the number of provisions per kind in force on `as_of`.")
def frameworks_route(as_of: dt.date | None = AsOf(), limit: int = Limit(), offset: int = Offset(),
                     store: Store = Depends(get_store)) -> dict:
    from ..engine.catalogue import frameworks

    return page(frameworks(store, as_of or dt.date.today()), limit, offset)


@router.get("/provisions/{ref:path}", responses=ERRORS, summary="One provision",
            description="Everything about one provision (aliases accepted, e.g. `nist-ai-rmf:GV-1.1`): title, "
                        "summary, parent, children, dates, obligations, mappings. Unknown references answer 404 "
                        "with `suggestions`.")
def provision_route(ref: str = Path(..., description="a reference such as `euaiact:Art. 26(1)`"),
                    as_of: dt.date | None = AsOf(), store: Store = Depends(get_store)) -> dict:
    from ..engine.catalogue import show

    return show(store, ref, as_of or dt.date.today())


@router.get("/crosswalk", response_model=Page, responses=ERRORS, summary="Crosswalk between two frameworks",
            description="Typed mappings from one framework to another, oriented from `from`; `inferred` adds the "
                        "soundly chained ones.")
def crosswalk_route(from_: str = Query(..., alias="from", description="framework key, e.g. nist-ai-rmf"),
                    to: str = Query(..., description="framework key, e.g. iso42001"),
                    inferred: bool = Query(False, description="include mappings derived by chaining"),
                    min_strength: int = Query(1, ge=1, le=10, description="lowest strength kept"),
                    limit: int = Limit(), offset: int = Offset(), store: Store = Depends(get_store)) -> dict:
    from ..engine.crosswalk import crosswalk
    from ..engine.mappings.sssom import as_json

    rows = [{**as_json(m), "target": m.target} for m in crosswalk(store, from_, to, inferred, min_strength)]
    return page(rows, limit, offset)


def _register_loaded(store: Store) -> None:
    from ..engine.build import REGISTER_GRAPH

    if REGISTER_GRAPH not in store.graphs():
        raise NotFoundError("no register is loaded in the store (start the server with a register, or "
                            "'clausegraph import' one into the store)")


@router.get("/systems", response_model=Page, responses=ERRORS, summary="AI systems of the register",
            description="The register's AI systems with their EU AI Act tier on `as_of`.")
def systems_route(as_of: dt.date | None = AsOf(), limit: int = Limit(), offset: int = Offset(),
                  store: Store = Depends(get_store)) -> dict:
    from ..engine.classify import classify, read_systems

    _register_loaded(store)
    doc = classify(store, as_of or dt.date.today())
    tiers = {s["id"]: s for s in doc["systems"]}
    items = [{"id": s.id, "name": s.name, "roles": sorted(s.roles), "use_cases": sorted(s.use_cases),
              "lifecycle": s.lifecycle, "tier": tiers.get(s.id, {}).get("tier"),
              "gpai": tiers.get(s.id, {}).get("gpai")} for s in read_systems(store)]
    return page(items, limit, offset)


@router.get("/systems/{system_id}/classification", responses=ERRORS, summary="Classification of one system",
            description="EU AI Act tier, basis and obligations (applicable or upcoming on `as_of`) for one "
                        "register entry; the same contract as `clausegraph classify`.")
def classification_route(system_id: str, as_of: dt.date | None = AsOf(),
                         store: Store = Depends(get_store)) -> dict:
    from ..engine.classify import classify_one

    _register_loaded(store)
    return classify_one(store, system_id, as_of or dt.date.today())


@router.get("/coverage", responses=ERRORS, summary="Coverage of a framework or of one system's obligations",
            description="Each assessable provision covered / partial / uncovered on `as_of`, with every control, "
                        "piece of evidence and path that justifies it (the `clausegraph coverage` contract; "
                        "`provisions` is paginated, `summary` counts all).")
def coverage_route(framework: str | None = Query(None, description="framework key"),
                   system: str | None = Query(None, description="a system id (its EU AI Act obligations)"),
                   via_mappings: bool = Query(False, description="count coverage through the crosswalks"),
                   as_of: dt.date | None = AsOf(), limit: int = Limit(), offset: int = Offset(),
                   store: Store = Depends(get_store)) -> dict:
    from ..engine.coverage import framework_coverage, system_coverage
    from ..engine.errors import UserInputError

    _register_loaded(store)
    if bool(framework) == bool(system):
        raise UserInputError("give either framework or system")
    day = as_of or dt.date.today()
    doc = (system_coverage(store, system, day, via_mappings) if system
           else framework_coverage(store, framework, day, via_mappings))
    return {**doc, "provisions": page(doc["provisions"], limit, offset)}


@router.get("/gaps", responses=ERRORS, summary="What a target framework still needs",
            description="Uncovered and partial provisions of `target`, most important first (`clausegraph gaps`).")
def gaps_route(target: str = Query(..., description="framework key"),
               from_: str | None = Query(None, alias="from", description="count only controls of this framework"),
               assume_complete: bool = Query(False, description="treat all of `from` as implemented"),
               system: str | None = Query(None, description="one system's EU AI Act obligations"),
               as_of: dt.date | None = AsOf(), limit: int = Limit(), offset: int = Offset(),
               store: Store = Depends(get_store)) -> dict:
    from ..engine.gaps import gaps

    if not assume_complete:
        _register_loaded(store)
    doc = gaps(store, target, as_of or dt.date.today(), from_, system, assume_complete)
    return {**doc, "gaps": page(doc["gaps"], limit, offset)}


@router.get("/trace", responses=ERRORS, summary="Trace a provision, a control or a piece of evidence",
            description="Forward from `ref` (provision -> mapped provisions -> controls -> evidence) or backward "
                        "from `control` or `evidence` to every provision it serves. Give exactly one.")
def trace_route(ref: str | None = Query(None), control: str | None = Query(None),
                evidence: str | None = Query(None), as_of: dt.date | None = AsOf(),
                store: Store = Depends(get_store)) -> dict:
    from ..engine.errors import UserInputError
    from ..engine.trace import trace_control, trace_evidence, trace_provision

    if len([x for x in (ref, control, evidence) if x]) != 1:
        raise UserInputError("give exactly one of ref, control, evidence")
    day = as_of or dt.date.today()
    if ref:
        return trace_provision(store, ref, day)
    _register_loaded(store)
    return trace_control(store, control, day) if control else trace_evidence(store, evidence, day)


@router.get("/impact", responses=ERRORS, summary="What loses coverage",
            description="Provisions per framework losing coverage if `evidence` is withdrawn, `control` fails, "
                        "or `on` a future date, and the systems affected.")
def impact_route(evidence: str | None = Query(None), control: str | None = Query(None),
                 on: dt.date | None = Query(None), via_mappings: bool = Query(True),
                 as_of: dt.date | None = AsOf(), store: Store = Depends(get_store)) -> dict:
    from ..engine.impact import impact

    _register_loaded(store)
    return impact(store, as_of or dt.date.today(), evidence, control, on, via_mappings)


@router.get("/validation", responses=ERRORS, summary="SHACL validation report",
            description="The organisation data checked against the shapes on `as_of` (`clausegraph validate`).")
def validation_route(as_of: dt.date | None = AsOf(), limit: int = Limit(), offset: int = Offset(),
                     store: Store = Depends(get_store)) -> dict:
    from ..engine.validate import to_json, validate

    _register_loaded(store)
    doc = to_json(validate(store, as_of or dt.date.today()))
    return {**doc, "findings": page(doc["findings"], limit, offset)}


@router.get("/soa", responses=ERRORS, summary="Statement of Applicability",
            description="ISO/IEC 42001 Annex A controls (and ISO/IEC 27001's with `include_27001`): decision, "
                        "implementing controls, evidence and its validity (`clausegraph soa`).")
def soa_route(include_27001: bool = Query(False), as_of: dt.date | None = AsOf(), limit: int = Limit(),
              offset: int = Offset(), store: Store = Depends(get_store)) -> dict:
    from ..engine.soa import statement_of_applicability

    _register_loaded(store)
    fws = ("iso42001", "iso27001") if include_27001 else ("iso42001",)
    doc = statement_of_applicability(store, as_of or dt.date.today(), fws)
    return {**doc, "controls": page(doc["controls"], limit, offset)}
