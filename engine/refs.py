"""References to provisions: forgiving parsing, canonical printing and the reference <-> IRI bijection.

A reference is ``KEY:ID`` (``euaiact:Art. 26(1)``, ``iso42001:A.6.2.8``, ``nist-ai-rmf:GOVERN 1.1``). Every
canonical reference has exactly one IRI (``BASE(KEY) + slug(ID)``) and every provision IRI exactly one canonical
reference; ``docs/data-model.md`` documents the slug rules. This module is the only place that parses
references or builds provision IRIs.
"""
from __future__ import annotations

import difflib
import re
from dataclasses import dataclass
from typing import Iterable
from urllib.parse import quote, unquote

from .errors import UnknownReferenceError, UserInputError

ONTOLOGY_NS = "https://w3id.org/clausegraph/ontology#"
ID_BASE = "https://w3id.org/clausegraph/id/"
CONDITION_NS = ID_BASE + "condition/"
AMENDMENT_NS = ID_BASE + "amendment/"
ORG_NS = ID_BASE + "org/"

FRAMEWORK_KEYS = ("iso42001", "iso27001", "euaiact", "nist-ai-rmf")
KEY_ALIASES = {
    "iso42001": "iso42001", "iso-42001": "iso42001", "iso/iec42001": "iso42001", "42001": "iso42001",
    "iso27001": "iso27001", "iso-27001": "iso27001", "iso/iec27001": "iso27001", "27001": "iso27001",
    "euaiact": "euaiact", "eu-ai-act": "euaiact", "aiact": "euaiact", "eu_ai_act": "euaiact",
    "nist-ai-rmf": "nist-ai-rmf", "nistairmf": "nist-ai-rmf", "nist_ai_rmf": "nist-ai-rmf",
    "ai-rmf": "nist-ai-rmf", "airmf": "nist-ai-rmf",
}

#: Keys of frameworks added at run time (``clausegraph framework add``); see register_framework_key.
_ADDED_KEYS: set[str] = set()
ADDED_KEY_RE = re.compile(r"^[a-z][a-z0-9-]{1,31}$")

NIST_FUNCTIONS = ("GOVERN", "MAP", "MEASURE", "MANAGE")
NIST_SHORT = {"GV": "GOVERN", "MP": "MAP", "MS": "MEASURE", "MG": "MANAGE"}


def framework_iri(key: str) -> str:
    """The concept-scheme IRI of a framework."""
    return ID_BASE + normalise_key(key)


def framework_base(key: str) -> str:
    """The IRI prefix of a framework's provisions (also the CURIE expansion used in SSSOM files)."""
    return framework_iri(key) + "/"


def known_keys() -> tuple[str, ...]:
    """The bundled framework keys, then the keys of frameworks added to the open store(s)."""
    return FRAMEWORK_KEYS + tuple(sorted(_ADDED_KEYS))


def register_framework_key(key: str) -> str:
    """Make the key of an added framework known to reference parsing (idempotent); returns it canonical."""
    k = key.strip().lower()
    if not ADDED_KEY_RE.match(k):
        raise UserInputError(f"framework key {key!r} is not valid: 2-32 characters, lower-case letters, digits "
                             "and '-', starting with a letter")
    if k in KEY_ALIASES:
        raise UserInputError(f"framework key {k!r} names a bundled framework ({KEY_ALIASES[k]}); choose another")
    _ADDED_KEYS.add(k)
    return k


def is_added_key(key: str) -> bool:
    return key in _ADDED_KEYS


def normalise_key(key: str) -> str:
    """Canonical framework key, or an error naming the known keys."""
    k = re.sub(r"\s+", "", key.strip().lower())
    if k in KEY_ALIASES:
        return KEY_ALIASES[k]
    if k in _ADDED_KEYS:
        return k
    candidates = list(KEY_ALIASES) + sorted(_ADDED_KEYS)
    near = difflib.get_close_matches(k, candidates, n=3, cutoff=0.5)
    suggestions = sorted({KEY_ALIASES.get(n, n) for n in near}) or list(known_keys())
    raise UnknownReferenceError(
        f"unknown framework key {key.strip()!r}; expected one of {', '.join(known_keys())}", suggestions)


@dataclass(frozen=True, order=True)
class Ref:
    """A canonical reference: framework key and canonical provision ID."""

    key: str
    id: str

    def __str__(self) -> str:
        return f"{self.key}:{self.id}"

    @property
    def iri(self) -> str:
        return framework_base(self.key) + slug(self.key, self.id)

    @property
    def curie(self) -> str:
        return f"{self.key}:{slug(self.key, self.id)}"


# ---------------------------------------------------------------- per-framework ID normalisation

_ISO_RE = re.compile(r"^(A\.)?\d+(\.\d+)*$")
_ROMAN_RE = r"[ivxlc]+"
_EU_ART_RE = re.compile(r"^(?:article|art)\.?\s*(\d+\s*[a-z]{0,2})\s*((?:\(\s*[0-9a-z]+\s*\)\s*)*)$")
_EU_PART_RE = re.compile(r"\(\s*([0-9a-z]+)\s*\)")
_EU_ANNEX_RE = re.compile(
    r"^annex\s+(" + _ROMAN_RE + r")(?:\s*,?\s*section\s+([a-z]))?"
    r"(?:\s*,?\s*(?:point\s*)?(\d+)\s*(?:\(\s*([a-z]+)\s*\)|([a-z]+))?)?$")
_EU_CHAPTER_RE = re.compile(r"^chapter\s+(" + _ROMAN_RE + r")(?:\s*,?\s*section\s+(\d+))?$")
_NIST_RE = re.compile(r"^(GOVERN|MAP|MEASURE|MANAGE|GV|MP|MS|MG)(?:[\s-]*(\d+)(?:\.(\d+))?)?$")


def _normalise_iso(raw: str) -> str | None:
    s = re.sub(r"\s+", " ", raw.strip())
    s = re.sub(r"^(clause|annex)\s+", "", s, flags=re.I)
    s = re.sub(r"^a\s*[\s.]\s*", "A.", s, flags=re.I)
    s = s.replace(" ", "")
    if s[:2].lower() == "a.":
        s = "A." + s[2:]
    return s if _ISO_RE.match(s) else None


def _normalise_eu(raw: str) -> str | None:
    s = re.sub(r"\s+", " ", raw.strip().lower())
    m = _EU_ART_RE.match(s)
    if m:
        number = m.group(1).replace(" ", "")
        parts = _EU_PART_RE.findall(m.group(2) or "")
        return f"Art. {number}" + "".join(f"({p})" for p in parts)
    m = _EU_ANNEX_RE.match(s)
    if m:
        roman, section, point, letter1, letter2 = m.groups()
        out = f"Annex {roman.upper()}"
        if section:
            out += f" Section {section.upper()}"
        if point:
            out += f" {point}"
            letter = letter1 or letter2
            if letter:
                out += f"({letter})"
        return out
    m = _EU_CHAPTER_RE.match(s)
    if m:
        out = f"Chapter {m.group(1).upper()}"
        if m.group(2):
            out += f" Section {m.group(2)}"
        return out
    return None


def _normalise_nist(raw: str) -> str | None:
    s = re.sub(r"\s+", " ", raw.strip().upper())
    m = _NIST_RE.match(s)
    if not m:
        return None
    fn, cat, sub = m.groups()
    fn = NIST_SHORT.get(fn, fn)
    if cat is None:
        return fn
    return f"{fn} {int(cat)}" + (f".{int(sub)}" if sub is not None else "")


_NORMALISERS = {"iso42001": _normalise_iso, "iso27001": _normalise_iso,
                "euaiact": _normalise_eu, "nist-ai-rmf": _normalise_nist}


def _normalise_added(raw: str) -> str | None:
    """IDs of an added framework are kept as its catalog prints them (whitespace collapsed)."""
    s = re.sub(r"\s+", " ", raw.strip())
    return s if s and s.isprintable() else None


def normalise_id(key: str, raw_id: str) -> str | None:
    """Canonical ID for a framework, or None when the ID has no valid form (syntax only, not existence)."""
    return _NORMALISERS.get(key, _normalise_added)(raw_id)


def parse_ref(text: str, default_key: str | None = None) -> Ref:
    """Parse a reference forgivingly (syntax only; use a catalogue to check the provision exists)."""
    raw = text.strip()
    if ":" in raw:
        key_part, id_part = raw.split(":", 1)
        key = normalise_key(key_part)
    elif default_key:
        key, id_part = normalise_key(default_key), raw
    else:
        raise UserInputError(f"reference {raw!r} has no framework key; write KEY:ID, e.g. euaiact:Art. 9")
    canonical = normalise_id(key, id_part)
    if canonical is None:
        raise UnknownReferenceError(f"{raw!r} is not a valid {key} identifier "
                                    f"({_FORMS.get(key, 'an identifier of the added catalog')})")
    return Ref(key, canonical)


_FORMS = {
    "iso42001": "clause numbers like 6.1.2, Annex A like A.6.2.8",
    "iso27001": "clause numbers like 6.1.3, Annex A like A.8.15",
    "euaiact": "Art. N, Art. N(p), Art. N(p)(x), Annex III, Annex III 4(a), Chapter III, Chapter III Section 2",
    "nist-ai-rmf": "FUNCTION n.m like GOVERN 1.1 or GV-1.1",
}


# ---------------------------------------------------------------- slugs: ID <-> IRI local part

def slug(key: str, canonical_id: str) -> str:
    """IRI local part of a canonical ID (added frameworks: the ID percent-encoded, so the map is a bijection)."""
    if key in _ADDED_KEYS:
        return quote(canonical_id, safe="-._~()")
    if key in ("iso42001", "iso27001"):
        return canonical_id
    if key == "nist-ai-rmf":
        return canonical_id.replace(" ", "-")
    m = re.match(r"^Art\. (\w+)((?:\([0-9a-z]+\))*)$", canonical_id)
    if m:
        parts = _EU_PART_RE.findall(m.group(2))
        return "-".join(["art", m.group(1).lower(), *parts])
    m = re.match(r"^Annex ([IVXLC]+)(?: Section ([A-Z]))?(?: (\d+)(?:\(([a-z]+)\))?)?$", canonical_id)
    if m:
        roman, section, point, letter = m.groups()
        out = ["annex", roman.lower()]
        if section:
            out += ["section", section.lower()]
        if point:
            out.append(point)
        if letter:
            out.append(letter)
        return "-".join(out)
    m = re.match(r"^Chapter ([IVXLC]+)(?: Section (\d+))?$", canonical_id)
    if m:
        return "-".join(["chapter", m.group(1).lower()] + (["section", m.group(2)] if m.group(2) else []))
    raise UserInputError(f"not a canonical EU AI Act ID: {canonical_id!r}")


def unslug(key: str, local: str) -> str:
    """Canonical ID from an IRI local part (inverse of slug)."""
    if key in _ADDED_KEYS:
        cid = unquote(local)
        if slug(key, cid) == local and _normalise_added(cid) == cid:
            return cid
    elif key in ("iso42001", "iso27001"):
        if _ISO_RE.match(local):
            return local
    elif key == "nist-ai-rmf":
        cid = local.replace("-", " ", 1)
        if _normalise_nist(cid) == cid:
            return cid
    else:
        segs = local.split("-")
        if segs[0] == "art" and len(segs) >= 2:
            return f"Art. {segs[1]}" + "".join(f"({p})" for p in segs[2:])
        if segs[0] == "annex" and len(segs) >= 2:
            out = f"Annex {segs[1].upper()}"
            rest = segs[2:]
            if rest[:1] == ["section"] and len(rest) >= 2:
                out += f" Section {rest[1].upper()}"
                rest = rest[2:]
            if rest:
                out += f" {rest[0]}"
                if len(rest) > 1:
                    out += f"({rest[1]})"
            return out
        if segs[0] == "chapter" and len(segs) in (2, 4):
            out = f"Chapter {segs[1].upper()}"
            if len(segs) == 4 and segs[2] == "section":
                out += f" Section {segs[3]}"
            return out
    raise UserInputError(f"not a provision IRI local name of {key}: {local!r}")


def ref_to_iri(ref: Ref | str) -> str:
    r = parse_ref(ref) if isinstance(ref, str) else ref
    return r.iri


def iri_to_ref(iri: str) -> Ref:
    """The canonical reference of a provision IRI."""
    if not iri.startswith(ID_BASE):
        raise UserInputError(f"not a clausegraph provision IRI: {iri}")
    rest = iri[len(ID_BASE):]
    key, _, local = rest.partition("/")
    if (key not in FRAMEWORK_KEYS and key not in _ADDED_KEYS) or not local:
        raise UserInputError(f"not a clausegraph provision IRI: {iri}")
    return Ref(key, unslug(key, local))


def is_provision_iri(iri: str) -> bool:
    try:
        iri_to_ref(iri)
        return True
    except UserInputError:
        return False


def curie_to_ref(curie: str) -> Ref:
    """A SSSOM CURIE (``euaiact:art-26-1``) to its reference."""
    prefix, _, local = curie.partition(":")
    key = normalise_key(prefix)
    return Ref(key, unslug(key, local))


def nearest(wanted: str, known: Iterable[str], n: int = 3) -> list[str]:
    """The known references closest to an unknown one, for 'did you mean' messages."""
    known = list(known)
    lower = {k.lower(): k for k in known}
    hits = difflib.get_close_matches(wanted.lower(), list(lower), n=n, cutoff=0.6)
    if not hits:
        # fall back on shared prefix (e.g. Art. 26(13) -> Art. 26(12))
        stem = wanted.lower().rstrip(")0123456789(")
        hits = [k for k in lower if k.startswith(stem)][:n] if len(stem) > 4 else []
    return [lower[h] for h in hits]


_ROMAN = {"I": 1, "V": 5, "X": 10, "L": 50, "C": 100}


def _roman(s: str) -> int:
    total = 0
    for a, b in zip(s, s[1:] + " "):
        v = _ROMAN.get(a, 0)
        total += -v if _ROMAN.get(b, 0) > v else v
    return total


def _natural(part: str) -> tuple:
    """'12' < '12a' < '13'; letters after numbers; roman sub-points ordered as letters (i < ii < iii ...)."""
    m = re.match(r"^(\d+)([a-z]*)$", part)
    if m:
        return (0, int(m.group(1)), m.group(2))
    return (1, 0, part)


def sort_key(ref: Ref) -> tuple:
    """Document order of a reference within its framework, independent of how files number cg:order."""
    if ref.key in _ADDED_KEYS:   # natural order of the printed identifier: AC-2 < AC-10, 6.1.2 < 6.1.10
        return (ref.key, tuple((0, int(t), "") if t.isdigit() else (1, 0, t.lower())
                               for t in re.findall(r"\d+|[^\d\W_]+", ref.id)), ref.id)
    kind_rank = {"Chapter": 0, "Art.": 1, "Annex": 2}
    if ref.key == "euaiact":
        head = ref.id.split(" ")[0]
        nums = re.findall(r"[IVXLC]+|\d+[a-z]*|\([0-9a-z]+\)|Section|[A-Z]", ref.id.replace(head, "", 1))
        parts = []
        for n in nums:
            n = n.strip("()")
            parts.append((0, _roman(n), "") if re.fullmatch(r"[IVXLC]+", n) and head in ("Chapter", "Annex")
                         and not parts else _natural(n.lower()))
        return (ref.key, kind_rank.get(head, 3), tuple(parts))
    if ref.key == "nist-ai-rmf":
        fn, _, rest = ref.id.partition(" ")
        return (ref.key, NIST_FUNCTIONS.index(fn), tuple(int(x) for x in rest.split(".") if x))
    annex = ref.id.startswith("A.")
    return (ref.key, 1 if annex else 0, tuple(int(x) for x in ref.id.removeprefix("A.").split(".")))
