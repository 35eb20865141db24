"""OSCAL downloads (``/api/oscal/...``): the same documents as ``clausegraph export``, as JSON files.

Each handler parses its parameters, calls one facade method and returns the document; ``download=true`` adds a
``Content-Disposition`` so a browser saves it (the page links use it)."""
from __future__ import annotations

import datetime as dt

from fastapi import APIRouter, Depends, Path, Query
from fastapi.responses import Response

from ..engine.facade import Clausegraph
from .rest import ERRORS, AsOf, get_facade

router = APIRouter(prefix="/api/oscal", tags=["oscal"])
MEDIA_TYPE = "application/json"


def _document(doc: dict, filename: str, download: bool) -> Response:
    from ..engine.oscal import dumps

    headers = {"Content-Disposition": f'attachment; filename="{filename}"'} if download else {}
    return Response(dumps(doc), media_type=MEDIA_TYPE, headers=headers)


def Download():  # noqa: N802 - reads like a type in signatures
    return Query(False, description="answer as a file to save (Content-Disposition: attachment)")


OK = {200: {"description": "an OSCAL 1.2.3 JSON document", "content": {MEDIA_TYPE: {}}}}


@router.get("/catalog/{key}", responses={**OK, **ERRORS}, response_class=Response,
            summary="A framework as an OSCAL catalog",
            description="The framework's provisions in force on `as_of` (groups, controls, own-words summaries, "
                        "official links, dates as properties); see docs/oscal.md.")
def catalog_route(key: str = Path(..., description="framework key, e.g. iso42001"), as_of: dt.date | None = AsOf(),
                  download: bool = Download(), cg: Clausegraph = Depends(get_facade)) -> Response:
    doc = cg.oscal_catalog(framework=key, as_of=as_of)
    return _document(doc, f"clausegraph-{key}-catalog.json", download)


@router.get("/mapping", responses={**OK, **ERRORS}, response_class=Response,
            summary="A crosswalk as an OSCAL mapping collection",
            description="Mappings from `from` to `to` with OSCAL's set-theory relationships; `inferred` adds the "
                        "soundly chained ones; `via_hub` gives the relations computed from the requirement hub "
                        "instead (not together with `inferred`).")
def mapping_route(from_: str = Query(..., alias="from", description="source framework key"),
                  to: str = Query(..., description="target framework key"),
                  inferred: bool = Query(False, description="include mappings derived by chaining"),
                  via_hub: bool = Query(False, description="relations computed from the requirement hub"),
                  download: bool = Download(), cg: Clausegraph = Depends(get_facade)) -> Response:
    doc = cg.oscal_mapping(from_key=from_, to_key=to, inferred=inferred, via_hub=via_hub)
    return _document(doc, f"clausegraph-{from_}--{to}-mapping.json", download)


@router.get("/assessment-results", responses={**OK, **ERRORS}, response_class=Response,
            summary="Coverage and validation findings as OSCAL assessment results",
            description="Needs a loaded register: one finding per assessable provision and per validation result, "
                        "one observation per piece of evidence.")
def assessment_results_route(as_of: dt.date | None = AsOf(),
                             via_mappings: bool = Query(False, description="count coverage through crosswalks"),
                             download: bool = Download(), cg: Clausegraph = Depends(get_facade)) -> Response:
    doc = cg.oscal_assessment_results(as_of=as_of, via_mappings=via_mappings)
    day = doc["assessment-results"]["results"][0]["props"][0]["value"]
    return _document(doc, f"clausegraph-assessment-results-{day}.json", download)
