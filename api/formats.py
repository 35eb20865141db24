"""Content negotiation and serialisation for the SPARQL endpoint and the query workers, in one place.

Media types map to formats through pyoxigraph's own enums (``RdfFormat.from_media_type``,
``QueryResultsFormat.from_media_type``); the tuples below only say which media types we offer, preferred first.
Every result is serialised and parsed by pyoxigraph; XML results are checked for characters XML 1.0 cannot carry.
"""
from __future__ import annotations

import re
from email.parser import BytesParser
from email.policy import HTTP
from typing import Any, Collection

from ..engine.errors import NotAcceptableError, UnsupportedMediaTypeError, UserInputError

#: media types offered for SELECT results, preferred first
RESULT_TYPES = ("application/sparql-results+json", "application/json", "application/sparql-results+xml",
                "application/xml", "text/xml", "text/csv", "text/tab-separated-values")
#: media types offered for ASK results (CSV/TSV define no boolean form)
BOOLEAN_TYPES = RESULT_TYPES[:5]
#: media types offered for CONSTRUCT / DESCRIBE results and RDF documents, and accepted in Graph Store writes
GRAPH_TYPES = ("text/turtle", "application/n-triples", "application/rdf+xml", "application/ld+json", "text/plain",
               "application/x-turtle")


def results_format(media: str) -> Any:
    """pyoxigraph's ``QueryResultsFormat`` for an offered media type."""
    import pyoxigraph as ox

    return ox.QueryResultsFormat.from_media_type(media)


def rdf_format(media: str) -> Any:
    """pyoxigraph's ``RdfFormat`` for an offered media type."""
    import pyoxigraph as ox

    return ox.RdfFormat.from_media_type(media)


# ----------------------------------------------------------------------------------------- negotiation
class NotAcceptable(Exception):
    pass


def parse_accept(header: str | None) -> list[tuple[str, float]]:
    """``Accept`` ranges with their q-values (malformed q counts as 0)."""
    out = []
    for part in (header or "").split(","):
        bits = [b.strip() for b in part.split(";")]
        if not bits[0]:
            continue
        qv = 1.0
        for b in bits[1:]:
            k, _, v = b.partition("=")
            if k.strip().lower() == "q":
                try:
                    qv = max(0.0, min(1.0, float(v)))
                except ValueError:
                    qv = 0.0
        out.append((bits[0].lower(), qv))
    return out


def negotiate(header: str | None, offered: Collection[str]) -> str:
    """The offered media type with the highest q-value (most specific range wins; ties keep server order).
    No header or an empty one accepts anything. Raises :class:`NotAcceptable`."""
    ranges = parse_accept(header)
    if not ranges:
        return next(iter(offered))
    best, best_q = None, 0.0
    for mt in offered:
        main = mt.split("/")[0]
        q, spec = None, -1
        for rng, rq in ranges:
            s = 2 if rng == mt else 1 if rng == main + "/*" else 0 if rng == "*/*" else -1
            if s > spec:
                q, spec = rq, s
        if q is not None and q > best_q:
            best, best_q = mt, q
    if best is None:
        raise NotAcceptable(f"none of the acceptable types ({header}) can be produced; offered: "
                            + ", ".join(offered))
    return best


def negotiate_or_406(header: str | None, offered: Collection[str]) -> str:
    """:func:`negotiate`, refusing with the engine's 406 error."""
    try:
        return negotiate(header, offered)
    except NotAcceptable as exc:
        raise NotAcceptableError(str(exc)) from exc


# ----------------------------------------------------------------------------------------- request bodies
def media_type(header: str | None) -> tuple[str | None, dict[str, str]]:
    """``(type, params)`` of a Content-Type header, lower-cased; ``(None, {})`` when absent."""
    if not header or not header.strip():
        return None, {}
    parts = [p.strip() for p in header.split(";")]
    params = {}
    for p in parts[1:]:
        k, _, v = p.partition("=")
        params[k.strip().lower()] = v.strip().strip('"')
    return parts[0].lower(), params


def check_charset(params: dict[str, str]) -> None:
    cs = params.get("charset")
    if cs is not None and cs.lower().replace("_", "-") not in ("utf-8", "utf8"):
        raise UserInputError(f"unsupported charset {cs!r}: requests must be UTF-8")


def iri_list(values: list[str], name: str) -> list[str]:
    import pyoxigraph as ox

    for v in values:
        try:
            ox.NamedNode(v)
        except ValueError as exc:
            raise UserInputError(f"{name}={v!r} is not an absolute IRI: {exc}") from exc
    return values


def parse_rdf(body: bytes, content_type: str | None, base: str) -> list:
    """The triples of a Graph Store write body (any of :data:`GRAPH_TYPES`, or multipart/form-data of them)."""
    import pyoxigraph as ox

    ctype, cparams = media_type(content_type)
    if ctype is None:
        raise UserInputError("a Graph Store write needs a Content-Type naming the RDF format")
    check_charset(cparams)
    if ctype == "multipart/form-data":
        raw = (f"Content-Type: multipart/form-data; boundary={cparams.get('boundary', '')}\r\n\r\n").encode() + body
        msg = BytesParser(policy=HTTP).parsebytes(raw)
        if not msg.is_multipart():
            raise UserInputError("malformed multipart/form-data body")
        out = []
        for part in msg.iter_parts():
            out += parse_rdf(part.get_payload(decode=True) or b"", part.get("content-type"), base)
        return out
    if ctype not in GRAPH_TYPES:
        raise UnsupportedMediaTypeError(f"unsupported RDF media type {ctype!r}; use one of: " + ", ".join(GRAPH_TYPES))
    try:
        return list(ox.parse(body, format=rdf_format(ctype), base_iri=base))
    except SyntaxError as exc:
        raise UserInputError(f"RDF syntax error in the {ctype} body: {exc}") from exc
    except (ValueError, OSError) as exc:
        raise UserInputError(f"cannot read the {ctype} body: {exc}") from exc


# ----------------------------------------------------------------------------------------- serialisers
def serialize_triples(triples: list, media: str) -> bytes:
    import pyoxigraph as ox

    return ox.serialize(triples, format=rdf_format(media)) or b""


def insert_data(triples: list, graph: str | None) -> str:
    """A SPARQL ``INSERT DATA`` update adding ``triples`` (to ``graph``, else the default graph); "" for none."""
    if not triples:
        return ""
    nt = serialize_triples(triples, "application/n-triples").decode("utf-8")
    return f"INSERT DATA {{ GRAPH <{graph}> {{\n{nt}\n}} }}" if graph else f"INSERT DATA {{\n{nt}\n}}"


def serialize_boolean(result: Any, media: str) -> bytes:
    """An ASK result (pyoxigraph ``QueryBoolean``) in an offered media type."""
    return result.serialize(format=results_format(media))


def serialize_solutions(solutions: Any, media: str, output: Any = None) -> bytes | None:
    """SELECT results (pyoxigraph ``QuerySolutions``) in one of the four SPARQL 1.1 result formats, written to
    ``output`` (a binary file-like object; ``None``: returned as bytes)."""
    return solutions.serialize(output, format=results_format(media))


def solutions(variables: list, rows: list) -> Any:
    """A pyoxigraph ``QuerySolutions`` holding ``rows`` (read back from TSV: terms in their N-Triples form)."""
    import pyoxigraph as ox

    lines = ["\t".join("?" + v.value for v in variables)]
    lines += ["\t".join("" if sol[v] is None else str(sol[v]) for v in variables) for sol in rows]
    return ox.parse_query_results(("\n".join(lines) + "\n").encode("utf-8"), format=ox.QueryResultsFormat.TSV)


# ----------------------------------------------------------------------------------------- XML 1.0
#: what XML 1.0 cannot carry, even as a character reference (C0 controls but tab, LF, CR; U+FFFE, U+FFFF),
#: as UTF-8 bytes
_NOT_XML = re.compile(rb"[\x00-\x08\x0b\x0c\x0e-\x1f]|\xef\xbf[\xbe\xbf]")


class NotXmlChar(NotAcceptable):
    pass


def is_xml(media: str) -> bool:
    return media in ("application/sparql-results+xml", "application/xml", "text/xml", "application/rdf+xml")


def xml_safe(tail: bytes, data: bytes) -> tuple[bytes, bytes]:
    """The next piece of an XML document serialised by pyoxigraph, made safe for XML 1.0 parsers: a carriage
    return (only ever in text) becomes ``&#13;`` (else parsers read it as a line feed); a character XML 1.0
    cannot represent raises :class:`NotXmlChar`. ``tail``: the last bytes of the previous piece (a character
    may span two pieces); returns the piece and the new tail."""
    m = _NOT_XML.search(tail + data)
    if m:
        char = m.group().decode("utf-8")
        raise NotXmlChar(f"a literal in the result holds the character U+{ord(char):04X}, which XML 1.0 cannot "
                         "represent: ask for JSON (application/sparql-results+json), CSV or TSV for SELECT, or "
                         "Turtle / N-Triples for CONSTRUCT")
    return data.replace(b"\r", b"&#13;"), (tail + data)[-2:]
