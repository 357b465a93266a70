"""RDF as text, one statement at a time: N-Triples term syntax and streaming writers.

rdflib builds the whole graph in memory before it writes a byte, at a few tens of thousands
of triples a second. The exporter instead produces statements already spelled as N-Triples
terms, so N-Triples, N-Quads, Turtle and TriG are written line by line: memory stays flat in
the number of triples, and the same spelling is what rdflib parses back in the tests.

A statement is a `Quad`: (subject, predicate, object, graph), each an N-Triples term
(`<iri>`, `"text"@zh`, `"1.5"^^<…#decimal>`); graph is "" for the default graph. Every
writer takes (quads, out, prefixes) so the format registry can call any of them alike; the
line formats ignore the prefixes.
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Iterable, Mapping, TextIO

Quad = tuple[str, str, str, str]

XSD = "http://www.w3.org/2001/XMLSchema#"
_RDF_TYPE = "<http://www.w3.org/1999/02/22-rdf-syntax-ns#type>"

# STRING_LITERAL_QUOTE forbids raw " \ LF CR; the other C0 controls are escaped too because
# several parsers reject them even where the grammar allows them.
_ESCAPES = {"\\": "\\\\", '"': '\\"', "\n": "\\n", "\r": "\\r", "\t": "\\t", "\b": "\\b", "\f": "\\f"}
_NEEDS_ESCAPE = re.compile('[\\x00-\\x1f\\x7f"\\\\]')
# IRIREF excludes controls, space and <>"{}|^`\ ; anything else may appear raw.
_BAD_IRI_CHAR = re.compile('[\\x00-\\x20<>"{}|^`\\\\]')
# A conservative PN_LOCAL: what can always be written as prefix:local without escapes.
_SAFE_LOCAL = re.compile(r"[A-Za-z0-9_](?:[A-Za-z0-9_.-]*[A-Za-z0-9_-])?")


def _escape_char(match: re.Match) -> str:
    char = match.group()
    return _ESCAPES.get(char) or f"\\u{ord(char):04X}"


def iri(value: str) -> str:
    """An IRI term; refuses characters N-Triples cannot carry instead of writing a broken file."""
    if _BAD_IRI_CHAR.search(value):
        raise ValueError(f"not a valid IRI (percent-encode it first): {value!r}")
    return f"<{value}>"


def text(value: str, lang: str = "") -> str:
    """A string literal, language-tagged when `lang` is given."""
    quoted = '"' + _NEEDS_ESCAPE.sub(_escape_char, value) + '"'
    return f"{quoted}@{lang}" if lang else quoted


def typed(lexical: str, datatype: str) -> str:
    """A datatyped literal; `lexical` must already be the canonical form of `datatype`."""
    return f'"{_NEEDS_ESCAPE.sub(_escape_char, lexical)}"^^<{datatype}>'


def boolean(value: bool) -> str:
    return f'"{"true" if value else "false"}"^^<{XSD}boolean>'


def integer(value: int) -> str:
    return f'"{int(value)}"^^<{XSD}integer>'


def write_ntriples(quads: Iterable[Quad], out: TextIO, prefixes: Mapping[str, str]) -> int:
    """Every statement as one line, graph names dropped (the union of all graphs)."""
    count = 0
    for s, p, o, _ in quads:
        out.write(f"{s} {p} {o} .\n")
        count += 1
    return count


def write_nquads(quads: Iterable[Quad], out: TextIO, prefixes: Mapping[str, str]) -> int:
    """Every statement as one line, in its named graph when it has one."""
    count = 0
    for s, p, o, g in quads:
        out.write(f"{s} {p} {o} {g} .\n" if g else f"{s} {p} {o} .\n")
        count += 1
    return count


def write_turtle(quads: Iterable[Quad], out: TextIO, prefixes: Mapping[str, str]) -> int:
    """Turtle is TriG with every statement in the default graph."""
    return write_trig(((s, p, o, "") for s, p, o, _ in quads), out, prefixes)


def write_trig(quads: Iterable[Quad], out: TextIO, prefixes: Mapping[str, str]) -> int:
    """TriG: a `<g> { … }` block for each run of statements in the same named graph;
    consecutive statements about one subject share it (`;`)."""
    compact = _compactor(prefixes)
    _write_prefixes(out, prefixes)
    count = 0
    graph, last = None, None
    for s, p, o, g in quads:
        if g != graph:
            out.write(" .\n" if last else "")
            out.write("}\n" if graph else "")
            out.write(f"\n{compact(g)} {{" if g else "")
            graph, last = g, None
        verb = "a" if p == _RDF_TYPE else compact(p)
        if s == last:
            out.write(f" ;\n    {verb} {_compact_object(compact, o)}")
        else:
            out.write(f"{' .' if last else ''}\n{compact(s)} {verb} {_compact_object(compact, o)}")
            last = s
        count += 1
    out.write(" .\n" if last else "")
    out.write("}\n" if graph else "")
    return count


def _write_prefixes(out: TextIO, prefixes: Mapping[str, str]) -> None:
    for name, namespace in sorted(prefixes.items()):
        out.write(f"@prefix {name}: <{namespace}> .\n")


def _compactor(prefixes: Mapping[str, str]):
    """`<iri>` → `prefix:local` where the local part needs no escaping; cached, since the
    vocabulary and entity IRIs repeat on nearly every line."""
    table = sorted(prefixes.items(), key=lambda item: -len(item[1]))

    @lru_cache(maxsize=1 << 16)
    def compact(term: str) -> str:
        if term.startswith("<"):
            value = term[1:-1]
            for name, namespace in table:
                if value.startswith(namespace) and _SAFE_LOCAL.fullmatch(value[len(namespace):]):
                    return f"{name}:{value[len(namespace):]}"
        return term

    return compact


def _compact_object(compact, term: str) -> str:
    """Objects: IRIs through the cache, literals only by their datatype (they rarely repeat)."""
    if term[0] == "<":
        return compact(term)
    cut = term.rfind('"^^<')
    return term if cut < 0 else term[:cut + 3] + compact(term[cut + 3:])
