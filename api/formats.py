"""Content negotiation and serialisation for the SPARQL endpoint and the query workers, in one place.

Media types map to formats through pyoxigraph's own enums (``RdfFormat.from_media_type``,
``QueryResultsFormat.from_media_type``); the tuples below only say which media types we offer, preferred first.
Booleans and RDF are serialised and parsed by pyoxigraph. SELECT results are written here (the four SPARQL 1.1
result formats) because the row cap stops reading a result part-way, and pyoxigraph serialises only a whole
``QuerySolutions``.
"""
from __future__ import annotations

import csv
import io
import json
from email.parser import BytesParser
from email.policy import HTTP
from typing import Any, Collection
from xml.sax.saxutils import escape, quoteattr

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


def _term_json(t: Any) -> dict:
    import pyoxigraph as ox

    if isinstance(t, ox.NamedNode):
        return {"type": "uri", "value": t.value}
    if isinstance(t, ox.BlankNode):
        return {"type": "bnode", "value": t.value}
    if isinstance(t, ox.Literal):
        d: dict = {"type": "literal", "value": t.value}
        if t.language:
            d["xml:lang"] = t.language
        elif t.datatype.value != "http://www.w3.org/2001/XMLSchema#string":
            d["datatype"] = t.datatype.value
        return d
    return {"type": "triple", "value": {"subject": _term_json(t.subject), "predicate": _term_json(t.predicate),
                                        "object": _term_json(t.object)}}


def _term_xml(t: Any) -> str:
    import pyoxigraph as ox

    if isinstance(t, ox.NamedNode):
        return f"<uri>{escape(t.value)}</uri>"
    if isinstance(t, ox.BlankNode):
        return f"<bnode>{escape(t.value)}</bnode>"
    if isinstance(t, ox.Literal):
        if t.language:
            return f"<literal xml:lang={quoteattr(t.language)}>{escape(t.value)}</literal>"
        if t.datatype.value != "http://www.w3.org/2001/XMLSchema#string":
            return f"<literal datatype={quoteattr(t.datatype.value)}>{escape(t.value)}</literal>"
        return f"<literal>{escape(t.value)}</literal>"
    return (f"<triple><subject>{_term_xml(t.subject)}</subject><predicate>{_term_xml(t.predicate)}</predicate>"
            f"<object>{_term_xml(t.object)}</object></triple>")


def _term_csv(t: Any) -> str:
    import pyoxigraph as ox

    if isinstance(t, ox.BlankNode):
        return "_:" + t.value
    if isinstance(t, (ox.NamedNode, ox.Literal)):
        return t.value
    return str(t)


def serialize_solutions(variables: list[str], rows: list[list[Any]], media: str) -> bytes:
    """SELECT results in one of the four SPARQL 1.1 result formats (rows are already capped)."""
    import pyoxigraph as ox

    fmt = results_format(media)
    if fmt == ox.QueryResultsFormat.JSON:
        bindings = [{v: _term_json(t) for v, t in zip(variables, row) if t is not None} for row in rows]
        return json.dumps({"head": {"vars": variables}, "results": {"bindings": bindings}},
                          ensure_ascii=False, separators=(",", ":")).encode("utf-8")
    if fmt == ox.QueryResultsFormat.XML:
        out = ['<?xml version="1.0"?>\n<sparql xmlns="http://www.w3.org/2005/sparql-results#"><head>']
        out += [f"<variable name={quoteattr(v)}/>" for v in variables]
        out.append("</head><results>")
        for row in rows:
            out.append("<result>")
            out += [f"<binding name={quoteattr(v)}>{_term_xml(t)}</binding>"
                    for v, t in zip(variables, row) if t is not None]
            out.append("</result>")
        out.append("</results></sparql>\n")
        return "".join(out).encode("utf-8")
    if fmt == ox.QueryResultsFormat.CSV:
        buf = io.StringIO()
        w = csv.writer(buf, lineterminator="\r\n")
        w.writerow(variables)
        for row in rows:
            w.writerow(["" if t is None else _term_csv(t) for t in row])
        return buf.getvalue().encode("utf-8")
    # tsv: terms in their N-Triples form (pyoxigraph's str())
    lines = ["\t".join("?" + v for v in variables)]
    lines += ["\t".join("" if t is None else str(t) for t in row) for row in rows]
    return ("\n".join(lines) + "\n").encode("utf-8")
