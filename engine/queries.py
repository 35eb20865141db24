"""Named SPARQL queries: the files in ``engine/queries/*.rq`` and a thin, safe parameter substitution.

Each file starts with ``#`` comment lines that document it (the first line is its title); parameters are
written ``$name`` and substituted with correctly escaped SPARQL terms, never raw text.
"""
from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from functools import lru_cache

from . import resources

#: the prefixes the named queries use, for ad-hoc queries (tests, the REPL); engine code runs named queries only
PREFIXES = """PREFIX cg: <https://w3id.org/clausegraph/ontology#>
PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
PREFIX dcterms: <http://purl.org/dc/terms/>
PREFIX owl: <http://www.w3.org/2002/07/owl#>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
PREFIX xsd: <http://www.w3.org/2001/XMLSchema#>
"""

@dataclass(frozen=True)
class NamedQuery:
    name: str
    title: str
    description: str
    text: str


@lru_cache(maxsize=None)
def all_queries() -> dict[str, NamedQuery]:
    out = {}
    for f in resources.query_files():
        text = resources.read_text(f)
        comments = [ln[1:].strip() for ln in text.splitlines() if ln.startswith("#")]
        name = f.name[:-3]
        out[name] = NamedQuery(name, comments[0] if comments else name, " ".join(comments[1:]), text)
    return out


def iri(value: str) -> str:
    if re.search(r"[<>\"{}|^`\\\s]", value):
        raise ValueError(f"not an IRI: {value!r}")
    return f"<{value}>"


def date(value: dt.date) -> str:
    return f'"{value.isoformat()}"^^<http://www.w3.org/2001/XMLSchema#date>'


def string(value: str) -> str:
    esc = value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n").replace("\r", "\\r")
    return f'"{esc}"'


def values(var: str, iris: "list[str] | tuple[str, ...]") -> str:
    """A ``VALUES ?var { <iri> ... }`` block (each IRI checked by :func:`iri`)."""
    if not re.fullmatch(r"[A-Za-z_]\w*", var):
        raise ValueError(f"not a variable name: {var!r}")
    return f"VALUES ?{var} {{ " + " ".join(iri(i) for i in iris) + " }"


def render(name: str, **params: str) -> str:
    """The named query with ``$param`` replaced by already-formatted SPARQL terms (use iri/date/string)."""
    text = "\n".join(ln for ln in all_queries()[name].text.splitlines() if not ln.startswith("#"))

    def sub(m: re.Match) -> str:
        key = m.group(1)
        if key not in params:
            raise KeyError(f"query {name} needs parameter ${key}")
        return params[key]

    return re.sub(r"\$([A-Za-z_]\w*)", sub, text)
