"""SERVICE (SPARQL 1.1 Federated Query) policy: off unless the server lists the endpoints a query may call.

pyoxigraph calls any SERVICE endpoint a query names, so the check happens before a query or update runs:
:func:`check_services` finds every ``SERVICE`` keyword in the text (outside strings, IRIs and comments) and
refuses the request unless each one names, as an IRI, an endpoint of ``Settings.federated_endpoints``. The scan
errs on the side of refusing: a word that could be the keyword counts as one.
"""
from __future__ import annotations

import re
import urllib.parse

from ..engine.errors import ForbiddenError

__all__ = ["check_services", "service_endpoints"]

#: what the scan skips or keeps: comments, strings, IRIs, escaped characters, words, anything else
_TOKEN = re.compile(r'''
    (?P<skip>\#[^\n\r]*
      | """(?:[^"\\]|\\.|"(?!""))*""" | \'\'\'(?:[^'\\]|\\.|'(?!''))*\'\'\'
      | "(?:[^"\\\n\r]|\\.)*" | '(?:[^'\\\n\r]|\\.)*'
      | \\.)
  | (?P<iri><[^<>"{}|^`\\\x00-\x20]*>)
  | (?P<word>[^\s{}()\[\]<>,;"'\#\\]+)
  | (?P<other>.)''', re.X | re.S)
_PREFIX = re.compile(r"(?i)prefix$")
_SERVICE = re.compile(r"(?i)(?:^|(?<=[^\w:?$@\-]))service(?![\w:\-])")


def _tokens(text: str) -> list[tuple[str, str]]:
    return [(m.lastgroup, m.group()) for m in _TOKEN.finditer(text) if m.lastgroup != "skip"
            and not (m.lastgroup == "other" and m.group().isspace())]


def service_endpoints(text: str, base: str | None = None) -> list[str | None]:
    """The endpoint IRI of each SERVICE in a query or update (``None`` where it is not a resolvable IRI: a
    variable, an undeclared prefix, a relative IRI without base)."""
    if "service" not in text.lower():   # the common case, at no cost
        return []
    toks = _tokens(text)
    prefixes: dict[str, str] = {}
    out: list[str | None] = []
    for i, (kind, value) in enumerate(toks):
        if kind != "word":
            continue
        if _PREFIX.match(value) and i + 2 < len(toks) and toks[i + 2][0] == "iri":
            prefixes[toks[i + 1][1]] = toks[i + 2][1][1:-1]
        elif value.lower() == "base" and i + 1 < len(toks) and toks[i + 1][0] == "iri":
            base = urllib.parse.urljoin(base or "", toks[i + 1][1][1:-1])
        for _ in _SERVICE.finditer(value):
            j = i + 1
            if j < len(toks) and toks[j][1].lower() == "silent":
                j += 1
            out.append(_endpoint(toks[j] if j < len(toks) else ("other", ""), prefixes, base)
                       if value.lower() == "service" else None)
    return out


def _endpoint(tok: tuple[str, str], prefixes: dict[str, str], base: str | None) -> str | None:
    kind, value = tok
    if kind == "iri":
        iri = value[1:-1]
        if urllib.parse.urlsplit(iri).scheme:
            return iri
        return urllib.parse.urljoin(base, iri) if base else None
    if kind == "word" and ":" in value and not value.startswith(("?", "$")):
        pfx, _, local = value.partition(":")
        return prefixes[pfx + ":"] + local if pfx + ":" in prefixes and "\\" not in local else None
    return None


def check_services(text: str, allowed: list[str], base: str | None = None) -> list[str]:
    """Refuse (403) a query or update whose SERVICE calls are not all to endpoints in ``allowed``; the endpoints
    it calls."""
    endpoints = service_endpoints(text, base)
    if not endpoints:
        return []
    if not allowed:
        raise ForbiddenError("federated queries (SERVICE) are disabled on this endpoint: it makes no outbound "
                             "calls. The server's operator can allow endpoints (clausegraph serve "
                             "--allow-service IRI)")
    for iri in endpoints:
        if iri is None:
            raise ForbiddenError("SERVICE must name its endpoint as an IRI (not a variable) on this server; "
                                 "allowed endpoints: " + ", ".join(allowed))
        if iri not in allowed:
            raise ForbiddenError(f"SERVICE <{iri}> is not allowed on this server; allowed endpoints: "
                                 + ", ".join(allowed))
    return endpoints  # type: ignore[return-value]
