"""SPARQL Update as the protocol asks: the ``using-graph-uri`` / ``using-named-graph-uri`` parameters applied
to an update's text (for a store that takes no such parameters itself)."""
from __future__ import annotations

import re

from ..engine.errors import InvalidQueryError

_TOKEN = re.compile(r"""
    (?P<ws>\s+) | (?P<comment>\#[^\n]*) |
    (?P<str>'''(?:[^'\\]|\\.|'(?!''))*'''|\"\"\"(?:[^"\\]|\\.|"(?!""))*\"\"\"|'(?:[^'\\\n]|\\.)*'|"(?:[^"\\\n]|\\.)*") |
    (?P<iri><[^<>"{}|^`\\\x00-\x20]*>) | (?P<open>\{) | (?P<close>\}) |
    (?P<word>[A-Za-z_][A-Za-z0-9_\-]*) | (?P<other>.)""", re.X | re.S)


def _top_level_words(update: str) -> list[tuple[str, int]]:
    """Keywords at brace depth 0 (outside strings, IRIs and comments) with their offsets."""
    out, depth = [], 0
    for m in _TOKEN.finditer(update):
        kind = m.lastgroup
        if kind == "open":
            depth += 1
        elif kind == "close":
            depth -= 1
        elif kind == "word" and depth == 0:
            out.append((m.group().upper(), m.start()))
    return out


def apply_using(update: str, using: list[str], using_named: list[str]) -> str:
    """Apply ``using-graph-uri`` / ``using-named-graph-uri``: refuse them next to USING or WITH (400), else add
    the equivalent ``USING`` clauses to every DELETE/INSERT ... WHERE operation."""
    if not using and not using_named:
        return update
    words = _top_level_words(update)
    if any(w in ("USING", "WITH") for w, _ in words):
        raise InvalidQueryError("using-graph-uri/using-named-graph-uri cannot be combined with USING or WITH "
                                "in the update")
    clause = "".join(f" USING <{g}>" for g in using) + "".join(f" USING NAMED <{g}>" for g in using_named) + " "
    inserts = [pos for i, (w, pos) in enumerate(words) if w == "WHERE" and not (i and words[i - 1][0] == "DELETE")]
    for pos in reversed(inserts):
        update = update[:pos] + clause + update[pos:]
    return update
