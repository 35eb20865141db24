"""Find provisions (by reference, alias or title), controls and evidence (by id or title) from free text."""
from __future__ import annotations

from typing import Any

from .errors import ClausegraphError
from .refs import FRAMEWORK_KEYS, sort_key


def search(catalogue: Any, controls: dict, text: str) -> dict[str, Any]:
    """Matches of ``text`` in the catalogue and the register's ``controls``: ``provisions`` (an exact reference
    first, then by framework and reference order), ``controls``, ``evidence`` and ``exact`` (or None)."""
    needle = text.strip().lower()
    exact = None
    tries = [text.strip()] + ([f"{k}:{text.strip()}" for k in FRAMEWORK_KEYS] if ":" not in text else [])
    for attempt in tries:   # a reference or alias, with or without its framework key
        try:
            exact = catalogue.resolve(attempt)
            break
        except (ClausegraphError, ValueError, KeyError):
            continue
    provisions = [p for p in catalogue.provisions.values()
                  if needle in str(p.ref).lower() or needle in (p.title or "").lower()]
    provisions.sort(key=lambda p: (p.ref.key != (exact.ref.key if exact else ""), FRAMEWORK_KEYS.index(p.ref.key)
                                   if p.ref.key in FRAMEWORK_KEYS else 9, sort_key(p.ref)))
    if exact is not None:
        provisions = [exact] + [p for p in provisions if p.iri != exact.iri]
    found = sorted((c for c in controls.values() if needle in c.id.lower() or needle in c.title.lower()),
                   key=lambda c: c.id)
    evidence: dict[str, Any] = {}
    for c in controls.values():
        for e in c.evidence.values():
            if needle in e.id.lower() or needle in (e.title or "").lower():
                evidence.setdefault(e.id, e)
    return {"provisions": provisions, "controls": found, "evidence": [evidence[k] for k in sorted(evidence)],
            "exact": exact}
