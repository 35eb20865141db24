"""JSON routes (``/api/...``): thin wrappers over the same engine functions the CLI calls.

A handler only parses parameters, calls one facade method (:class:`clausegraph.engine.Clausegraph`) and pages
its result; it never computes an answer. Every list is paginated the same way (``limit``/``offset``, with
``total``).

Routes: frameworks, provisions/{ref}, crosswalk, systems, systems/{id}/classification, coverage, gaps,
trace, impact, validation, soa; the management system's records: incidents, incidents/{id}/impact, findings,
decisions, readiness. Pattern to follow (see ``frameworks_route``): a sync ``def`` (FastAPI runs it in the thread pool), a
``cg: Clausegraph = Depends(get_facade)`` parameter, ``as_of: dt.date | None = AsOf()`` passed on as it is (read by the engine's
``parse_date``; the facade defaults it), list results returned through :func:`page`; errors are raised as ``ClausegraphError`` subclasses
(the app renders them).
"""
from __future__ import annotations

import datetime as dt
from typing import Any

from fastapi import APIRouter, Depends, Path, Query, Request
from pydantic import BaseModel, Field

from ..engine.facade import ISO_DATE_PATTERN, Clausegraph, parse_date

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


def get_facade(request: Request) -> Clausegraph:
    return request.app.state.facade


def Limit() -> Any:  # noqa: N802 - reads like a type in signatures
    return Query(100, ge=1, le=10000, description="page size")


def Offset() -> Any:  # noqa: N802
    return Query(0, ge=0, description="items to skip")


def DateQuery(name: str, description: str) -> Any:  # noqa: N802
    """An optional ``YYYY-MM-DD`` query parameter, read by the engine's one date parser (anything else: 400)."""

    def read(text: str | None = Query(None, alias=name, description=description,
                                      json_schema_extra={"format": "date", "pattern": ISO_DATE_PATTERN})) -> dt.date | None:
        return None if text is None else parse_date(text, name=name)

    return Depends(read)


def AsOf() -> Any:  # noqa: N802
    return DateQuery("as_of", "date (YYYY-MM-DD) the text in force is taken from; default today")


def page(items: list, limit: int, offset: int) -> dict:
    return {"items": items[offset:offset + limit], "total": len(items), "limit": limit, "offset": offset}


@router.get("/frameworks", response_model=Page, responses=ERRORS, summary="Frameworks and provision counts",
            description="Each framework with the number of provisions per kind in force on `as_of`.")
def frameworks_route(as_of: dt.date | None = AsOf(), limit: int = Limit(), offset: int = Offset(),
                     cg: Clausegraph = Depends(get_facade)) -> dict:
    return page(cg.frameworks(as_of=as_of), limit, offset)


@router.get("/provisions/{ref:path}", responses=ERRORS, summary="One provision",
            description="Everything about one provision (aliases accepted, e.g. `nist-ai-rmf:GV-1.1`): title, "
                        "summary, parent, children, dates, obligations, mappings. Unknown references answer 404 "
                        "with `suggestions`.")
def provision_route(ref: str = Path(..., description="a reference such as `euaiact:Art. 26(1)`"),
                    as_of: dt.date | None = AsOf(), cg: Clausegraph = Depends(get_facade)) -> dict:
    return dict(cg.show(ref=ref, as_of=as_of))


@router.get("/crosswalk", response_model=Page, responses=ERRORS, summary="Crosswalk between two frameworks",
            description="Typed mappings from one framework to another, oriented from `from`; `inferred` adds the "
                        "soundly chained ones; `via_hub` answers with the mappings computed from the requirement "
                        "hub's atoms instead (each `derived` with `via`: the shared atom ids).")
def crosswalk_route(from_: str = Query(..., alias="from", description="framework key, e.g. nist-ai-rmf"),
                    to: str = Query(..., description="framework key, e.g. iso42001"),
                    inferred: bool = Query(False, description="include mappings derived by chaining"),
                    via_hub: bool = Query(False, description="mappings computed from the requirement hub"),
                    min_strength: int = Query(1, ge=1, le=10, description="lowest strength kept"),
                    limit: int = Limit(), offset: int = Offset(), cg: Clausegraph = Depends(get_facade)) -> dict:
    from ..engine.mappings.sssom import as_json

    rows = [{**as_json(m), "target": m.target}
            for m in cg.crosswalk(from_key=from_, to_key=to, inferred=inferred, min_strength=min_strength,
                                  via_hub=via_hub)]
    return page(rows, limit, offset)


@router.get("/hub", response_model=Page, responses=ERRORS, summary="The requirement hub",
            description="Atomic requirements, each with the provisions of every framework that demand it "
                        "(`demanded_by`, by framework key); `theme` keeps one theme's atoms.")
def hub_route(theme: str | None = Query(None, description="a hub theme, e.g. log"), limit: int = Limit(),
              offset: int = Offset(), cg: Clausegraph = Depends(get_facade)) -> dict:
    return page(cg.hub(theme=theme)["atoms"], limit, offset)


@router.get("/hub/{atom}", responses=ERRORS, summary="One atom of the requirement hub",
            description="One atom (e.g. `hub:log.record-in-use`) with its statement and the provisions demanding "
                        "it. Unknown ids answer 404 with `suggestions`.")
def atom_route(atom: str = Path(..., description="an atom id such as `hub:log.record-in-use`"),
               cg: Clausegraph = Depends(get_facade)) -> dict:
    return cg.hub(atom=atom)["atoms"][0]


@router.get("/systems", response_model=Page, responses=ERRORS, summary="AI systems of the register",
            description="The register's AI systems with their EU AI Act tier on `as_of`.")
def systems_route(as_of: dt.date | None = AsOf(), limit: int = Limit(), offset: int = Offset(),
                  cg: Clausegraph = Depends(get_facade)) -> dict:
    return page([s.as_dict() for s in cg.systems(as_of=as_of)], limit, offset)


@router.get("/systems/{system_id}/classification", responses=ERRORS, summary="Classification of one system",
            description="EU AI Act tier, basis and obligations (applicable or upcoming on `as_of`) for one "
                        "register entry; the same contract as `clausegraph classify`.")
def classification_route(system_id: str, as_of: dt.date | None = AsOf(),
                         cg: Clausegraph = Depends(get_facade)) -> dict:
    return dict(cg.classify(system=system_id, as_of=as_of))


@router.get("/coverage", responses=ERRORS, summary="Coverage of a framework or of one system's obligations",
            description="Each assessable provision covered / partial / uncovered on `as_of`, with every control, "
                        "piece of evidence and path that justifies it (the `clausegraph coverage` contract; "
                        "`provisions` is paginated, `summary` counts all).")
def coverage_route(framework: str | None = Query(None, description="framework key"),
                   system: str | None = Query(None, description="a system id (its EU AI Act obligations)"),
                   via_mappings: bool = Query(False, description="count coverage through the crosswalks"),
                   as_of: dt.date | None = AsOf(), limit: int = Limit(), offset: int = Offset(),
                   cg: Clausegraph = Depends(get_facade)) -> dict:
    cg.require_register()
    doc = cg.coverage(framework=framework, system=system, via_mappings=via_mappings, as_of=as_of)
    return {**doc, "provisions": page(doc["provisions"], limit, offset)}


@router.get("/gaps", responses=ERRORS, summary="What a target framework still needs",
            description="Uncovered and partial provisions of `target`, most important first (`clausegraph gaps`).")
def gaps_route(target: str = Query(..., description="framework key"),
               from_: str | None = Query(None, alias="from", description="count only controls of this framework"),
               assume_complete: bool = Query(False, description="treat all of `from` as implemented"),
               system: str | None = Query(None, description="one system's EU AI Act obligations"),
               as_of: dt.date | None = AsOf(), limit: int = Limit(), offset: int = Offset(),
               cg: Clausegraph = Depends(get_facade)) -> dict:
    doc = cg.gaps(target=target, from_key=from_, system=system, assume_complete=assume_complete, as_of=as_of)
    return {**doc, "gaps": page(doc["gaps"], limit, offset)}


@router.get("/trace", responses=ERRORS, summary="Trace a provision, a control or a piece of evidence",
            description="Forward from `ref` (provision -> mapped provisions -> controls -> evidence, and the "
                        "findings raised against it -> corrective actions -> evidence) or backward from `control`, "
                        "`evidence`, `finding`, `action` or `decision`. Give exactly one.")
def trace_route(ref: str | None = Query(None), control: str | None = Query(None),
                evidence: str | None = Query(None), finding: str | None = Query(None),
                action: str | None = Query(None), decision: str | None = Query(None), as_of: dt.date | None = AsOf(),
                cg: Clausegraph = Depends(get_facade)) -> dict:
    return dict(cg.trace(ref=ref, control=control, evidence=evidence, finding=finding, action=action,
                         decision=decision, as_of=as_of))


@router.get("/impact", responses=ERRORS, summary="What loses coverage",
            description="Provisions per framework losing coverage if `evidence` is withdrawn, `control` fails, "
                        "or `on` a future date, and the systems affected.")
def impact_route(evidence: str | None = Query(None), control: str | None = Query(None),
                 on: dt.date | None = DateQuery("on", "a later date (YYYY-MM-DD) to look at"), via_mappings: bool = Query(True),
                 as_of: dt.date | None = AsOf(), cg: Clausegraph = Depends(get_facade)) -> dict:
    return dict(cg.impact(evidence=evidence, control=control, on=on, via_mappings=via_mappings, as_of=as_of))


@router.get("/validation", responses=ERRORS, summary="SHACL validation report",
            description="The organisation data checked against the shapes on `as_of` (`clausegraph validate`).")
def validation_route(as_of: dt.date | None = AsOf(), limit: int = Limit(), offset: int = Offset(),
                     cg: Clausegraph = Depends(get_facade)) -> dict:
    from ..engine.validate import to_json

    doc = to_json(cg.validate(as_of=as_of))
    return {**doc, "findings": page(doc["findings"], limit, offset)}


@router.get("/soa", responses=ERRORS, summary="Statement of Applicability",
            description="ISO/IEC 42001 Annex A controls (and ISO/IEC 27001's with `include_27001`): decision, "
                        "implementing controls, evidence and its validity (`clausegraph soa`).")
def soa_route(include_27001: bool = Query(False), as_of: dt.date | None = AsOf(), limit: int = Limit(),
              offset: int = Offset(), cg: Clausegraph = Depends(get_facade)) -> dict:
    doc = cg.soa(include_27001=include_27001, as_of=as_of)
    return {**doc, "controls": page(doc["controls"], limit, offset)}


# ---------------------------------------------------------------- the management system's records

@router.get("/incidents", response_model=Page, responses=ERRORS, summary="Incidents and their Art. 73 deadlines",
            description="Every incident; serious ones with the EU AI Act Art. 73 reporting deadline, the paragraph "
                        "that sets it, days left or days late on `as_of`, and whether Art. 73 binds the organisation "
                        "for the system on the deadline.")
def incidents_route(as_of: dt.date | None = AsOf(), limit: int = Limit(), offset: int = Offset(),
                    cg: Clausegraph = Depends(get_facade)) -> dict:
    return page(cg.incidents(as_of=as_of), limit, offset)


@router.get("/incidents/{incident_id}/impact", responses=ERRORS, summary="Impact of one incident",
            description="The systems, provisions and open findings an incident touches.")
def incident_impact_route(incident_id: str, as_of: dt.date | None = AsOf(),
                          cg: Clausegraph = Depends(get_facade)) -> dict:
    return dict(cg.incident_impact(incident=incident_id, as_of=as_of))


@router.get("/findings", responses=ERRORS, summary="Open findings and corrective actions",
            description="Findings not closed (with their actions) and actions not done on `as_of`, overdue first.")
def findings_route(as_of: dt.date | None = AsOf(), cg: Clausegraph = Depends(get_facade)) -> dict:
    return dict(cg.open_findings(as_of=as_of))


@router.get("/decisions", response_model=Page, responses=ERRORS, summary="Decision history per system",
            description="Gate decisions (design, pre-deployment, change, retirement) per system, oldest first.")
def decisions_route(system: str | None = Query(None, description="only this system's decisions"),
                    limit: int = Limit(), offset: int = Offset(), cg: Clausegraph = Depends(get_facade)) -> dict:
    return page(cg.decisions(system=system), limit, offset)


@router.get("/readiness", responses=ERRORS, summary="ISO/IEC 42001 audit readiness",
            description="Per clause 4-10 and per Annex A control: the records that show it operates on `as_of` "
                        "(evidence, audits, reviews, closed findings, assessments, SoA) and what is missing.")
def readiness_route(as_of: dt.date | None = AsOf(), cg: Clausegraph = Depends(get_facade)) -> dict:
    return dict(cg.readiness(as_of=as_of))
