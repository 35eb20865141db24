"""JSON routes (``/api/...``): thin wrappers over the same engine functions the CLI calls.

A handler only parses parameters, calls one engine function and pages its result; it never computes an
answer. Every list is paginated the same way (``limit``/``offset``, with ``total``).

Extension points (reserved paths; add one thin route each when the engine function exists)::

    GET /api/coverage?framework=&as_of=          -> engine.coverage.coverage(store, ...)
    GET /api/gaps?framework=&as_of=              -> engine.gaps.gaps(store, ...)
    GET /api/trace/{ref}                         -> engine.trace.trace(store, ref, ...)
    GET /api/impact?amendment=&as_of=            -> engine.impact.impact(store, ...)
    GET /api/validation?shapes=                  -> engine.validate.validate(store, ...)
    GET /api/soa?framework=&as_of=               -> engine.soa.soa(store, ...)

Pattern to follow (see ``frameworks_route``): a sync ``def`` (FastAPI runs it in the thread pool), a
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
    from ..engine.classify import classify

    _register_loaded(store)
    doc = classify(store, as_of or dt.date.today())
    for s in doc["systems"]:
        if s["id"] == system_id:
            return {"as_of": doc["as_of"], "act_version": doc["act_version"], **s}
    raise NotFoundError(f"no system {system_id!r} in the register; known: "
                        + ", ".join(s["id"] for s in doc["systems"]))
