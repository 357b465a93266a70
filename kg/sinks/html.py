"""The interactive graph page, step one: a KnowledgeGraph → plain JSON-able data.

Everything the page shows is decided here, in Python, where it can be tested without a
browser: which nodes and edges exist, their colour and size, each entity's quantity table and
each evidence sentence already cut into highlighted segments. The template
(`html_template.py`) only escapes and embeds this data; the page script only draws it.
"""

from __future__ import annotations

import heapq
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterator

import networkx as nx

from kg.figures import modifier_symbols, page_series
from kg.model import Entity, Evidence, KnowledgeGraph, Quantity, Triple, json_number
from kg.ontology import Ontology
from kg.sinks import jsonl
from kg.sinks.html_template import render_page
from kg.store import JSON, Store

# Above this many nodes the browser's force layout runs a short, bounded warm-up and then
# freezes: a full stabilisation of 5,000 nodes takes minutes and keeps the page busy.
LARGE_GRAPH_NODES = 1000

# Distinct, colour-blind-friendly hues (Okabe–Ito first), given to classes in name order.
PALETTE = ("#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#F0E442",
           "#7570B3", "#66A61E", "#A6761D", "#E7298A", "#1B9E77", "#666666")
UNKNOWN_COLOUR = "#999999"
MIN_SIZE, MAX_SIZE = 10.0, 40.0


def class_colours(ontology: Ontology) -> dict[str, str]:
    """Class name → colour, fixed by the ontology, so one class looks the same in every page."""
    return {name: PALETTE[i % len(PALETTE)] for i, name in enumerate(sorted(ontology.classes))}


def node_sizes(entity_ids: list[str], triples: list[Triple]) -> dict[str, float]:
    """Size by degree in the entity graph: how connected an entity is, without needing scipy."""
    g = nx.MultiGraph()
    g.add_nodes_from(entity_ids)
    g.add_edges_from((t.subject.id, t.object.id) for t in triples if not t.is_quantity)
    top = max((d for _, d in g.degree()), default=0) or 1
    return {n: round(MIN_SIZE + (MAX_SIZE - MIN_SIZE) * (d / top) ** 0.5, 2) for n, d in g.degree()}


def evidence_segments(evidence: Evidence) -> list[dict[str, str]]:
    """Cut the sentence into plain and highlighted pieces (span offsets are document offsets).

    Spans outside the sentence are clipped; a span overlapping an earlier one is dropped, so
    the pieces never overlap and the page can build them as text nodes in order.
    """
    text, cursor, out = evidence.sentence, 0, []
    for span in sorted(evidence.spans, key=lambda s: (s.start, -s.end)):
        start = max(span.start - evidence.start, 0)
        end = min(span.end - evidence.start, len(text))
        if start < cursor or start >= end:
            continue
        if start > cursor:
            out.append({"text": text[cursor:start], "role": ""})
        out.append({"text": text[start:end], "role": span.role})
        cursor = end
    if cursor < len(text):
        out.append({"text": text[cursor:], "role": ""})
    return out


def quantity_value(q: Quantity) -> str:
    """The normalised value, digits grouped, with the modifier as a sign and the range top
    (≈ 136,900, ≥ 400,000, 20–30). A modifier the table does not know is kept as text on the
    side of the number where the original has it (before 约, after 以上)."""
    number = f"{json_number(q.value):,}" + (f"–{json_number(q.upper):,}" if q.upper is not None else "")
    if not q.modifier:
        return number
    symbol = modifier_symbols().get(q.modifier)
    if symbol:
        return f"{symbol} {number}"
    return f"{number}{q.modifier}" if q.raw.endswith(q.modifier) else f"{q.modifier}{number}"


def _time(triple: Triple) -> str:
    t = triple.time
    return "" if t is None else (t.raw if t.raw == t.normalised else f"{t.raw}（{t.normalised}）")


def _triple_row(triple: Triple) -> dict[str, Any]:
    obj = triple.object
    return {"subject": triple.subject.id, "subjectName": triple.subject.name,
            "object": obj.id if isinstance(obj, Entity) else "", "objectName": obj.name,
            "predicate": triple.predicate.id, "label": triple.predicate.label,
            "time": _time(triple), "confidence": round(triple.confidence, 4),
            "inferred": triple.inferred, "doc": triple.evidence.doc,
            "evidence": evidence_segments(triple.evidence)}


def _quantity_row(index: int, triple: Triple) -> dict[str, Any]:
    q = triple.object
    return {"triple": index, "label": triple.predicate.label, "value": quantity_value(q),
            "unit": q.unit, "raw": q.raw, "time": _time(triple)}


def _entities(graph: KnowledgeGraph) -> dict[str, Entity]:
    """The entities the page draws: those some valid triple is about. An entity that was only
    mentioned would be an isolated dot; entities.jsonl lists it."""
    out: dict[str, Entity] = {}
    for t in graph.triples:
        for e in (t.subject, t.object):
            if isinstance(e, Entity):
                out.setdefault(e.id, graph.entities.get(e.id, e))
    return out


def page_data(graph: KnowledgeGraph, ontology: Ontology, title: str = "", note: str = "") -> dict[str, Any]:
    """The whole page as plain data: nodes, edges, quantity tables, series charts, evidence, legend;
    `note` is shown under the title (a bounded view of a big graph says what it leaves out).

    A node's `series` is one entry per measure (and unit): {label, unit, points: [{period,
    value, raw, sources, conflict}]} in chronological order, several points for a period
    whose documents disagree (kg.figures.page_series)."""
    entities = _entities(graph)
    colours = class_colours(ontology)
    sizes = node_sizes(list(entities), graph.triples)
    series = page_series(graph, ontology)  # each measure by period, across documents: the panel's chart
    nodes = {eid: {"id": eid, "name": e.name, "type": e.type, "aliases": list(e.aliases),
                   "size": sizes[eid], "color": colours.get(e.type, UNKNOWN_COLOUR),
                   "triples": [], "quantities": [], "series": series.get(eid, [])} for eid, e in entities.items()}
    edges, predicates = [], {}
    for i, t in enumerate(graph.triples):
        predicates[t.predicate.id] = {"id": t.predicate.id, "label": t.predicate.label,
                                      "quantity": t.is_quantity}
        if t.is_quantity:
            nodes[t.subject.id]["quantities"].append(_quantity_row(i, t))
            continue
        edges.append({"id": f"e{i}", "from": t.subject.id, "to": t.object.id,
                      "predicate": t.predicate.id, "label": t.predicate.label, "triple": i})
        nodes[t.subject.id]["triples"].append(i)
        if t.object.id != t.subject.id:
            nodes[t.object.id]["triples"].append(i)
    types = sorted({e.type for e in entities.values()})
    return {
        "title": title or "知识图谱",
        "classes": [{"name": c, "label": ontology.classes[c].label_zh if c in ontology.classes else c,
                     "color": colours.get(c, UNKNOWN_COLOUR)} for c in types],
        "predicates": sorted(predicates.values(), key=lambda p: (p["quantity"], p["label"])),
        "nodes": list(nodes.values()),
        "edges": edges,
        "triples": [_triple_row(t) for t in graph.triples],
        "large": len(nodes) > LARGE_GRAPH_NODES,
        **({"note": note} if note else {}),
    }


def write_html(graph: KnowledgeGraph, path: str | Path, ontology: Ontology, title: str = "", note: str = "") -> Path:
    """Write one self-contained page (library, data and script inlined): it opens offline."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(render_page(page_data(graph, ontology, title, note)), encoding="utf-8")
    return path


# ---------------------------------------------------------------- a bounded view of a big graph

# A page draws at most this much: beyond a few thousand nodes a browser layout is unusable and
# the page itself (every evidence sentence inlined) grows with the corpus.
VIEW_MAX_NODES = 2000
VIEW_MAX_TRIPLES = 10_000
VIEW_SEEDS = 200  # the most connected entities, whose neighbourhoods fill the rest


@dataclass(frozen=True, slots=True)
class PageView:
    """What a page drawn from a build directory shows of the graph, and what it leaves out."""

    graph: KnowledgeGraph
    nodes_total: int
    triples_total: int
    bounded: bool

    @property
    def note(self) -> str:
        if not self.bounded:
            return ""
        nodes = len(_entities(self.graph))
        return (f"Large graph: this page shows {nodes:,} of {self.nodes_total:,} entities (the most connected "
                f"and their neighbours) and {len(self.graph.triples):,} of {self.triples_total:,} facts; "
                "triples.jsonl and the RDF hold them all.")

    def summary(self) -> dict[str, Any]:
        out = {"bounded": self.bounded, "entities_shown": len(_entities(self.graph)),
               "entities_total": self.nodes_total, "triples_shown": len(self.graph.triples),
               "triples_total": self.triples_total}
        return {**out, "note": self.note} if self.bounded else out


def _directory_triples(directory: Path) -> Iterator[Triple]:
    with open(directory / jsonl.TRIPLES, encoding="utf-8") as lines:
        for line in lines:
            if line.strip():
                yield Triple.from_dict(json.loads(line))


def page_view(directory: str | Path, max_nodes: int | None = None, max_triples: int | None = None,
              seeds: int | None = None) -> PageView:
    """The graph of a build directory as the page draws it, read in passes over triples.jsonl.

    A graph within `max_nodes` entities and `max_triples` facts is drawn whole. A bigger one is
    drawn from a bounded view: the `seeds` entities with the most facts, the neighbours of
    those with the most facts (up to `max_nodes` in all), and the facts among them in file
    order (up to `max_triples`). Degrees are counted in an on-disk table, so memory stays flat.
    """
    directory = Path(directory)
    max_nodes = VIEW_MAX_NODES if max_nodes is None else max_nodes
    max_triples = VIEW_MAX_TRIPLES if max_triples is None else max_triples
    seeds = VIEW_SEEDS if seeds is None else seeds
    store = Store()
    try:
        degree = store.map("degree", JSON)
        triples_total = 0
        for t in _directory_triples(directory):
            triples_total += 1
            for node in {t.subject.id, *(() if t.is_quantity else (t.object.id,))}:
                degree[(node,)] = degree.get((node,), 0) + 1
        nodes_total = len(degree)
        bounded = nodes_total > max_nodes or triples_total > max_triples
        nodes: set[str] | None = None
        if bounded:
            top = heapq.nlargest(min(seeds, max_nodes), ((n, key[0]) for key, n in degree.items()))
            nodes = {node for _, node in top}
            nodes |= _neighbours(directory, nodes, degree, max_nodes - len(nodes))
        kept: list[Triple] = []
        for t in _directory_triples(directory):
            if nodes is None or (t.subject.id in nodes and (t.is_quantity or t.object.id in nodes)):
                kept.append(t)
                if len(kept) >= max_triples:
                    break
    finally:
        store.close()
    graph = KnowledgeGraph(triples=kept)
    wanted = {e.id for t in kept for e in (t.subject, t.object) if isinstance(e, Entity)}
    if (directory / jsonl.ENTITIES).exists():
        with open(directory / jsonl.ENTITIES, encoding="utf-8") as lines:
            for line in lines:
                if line.strip() and (entity := Entity.from_dict(json.loads(line))).id in wanted:
                    graph.entities[entity.id] = entity
    return PageView(graph, nodes_total, triples_total, bounded)


def _neighbours(directory: Path, seeds: set[str], degree, room: int) -> set[str]:
    """Up to `room` entities linked to a seed, those with the most facts first (a bounded heap)."""
    heap: list[tuple[int, str]] = []
    held: set[str] = set()
    if room <= 0:
        return held
    for t in _directory_triples(directory):
        if t.is_quantity or (t.subject.id in seeds) == (t.object.id in seeds):
            continue
        other = t.object.id if t.subject.id in seeds else t.subject.id
        if other in held:
            continue
        entry = (degree.get((other,), 0), other)
        if len(heap) < room:
            heapq.heappush(heap, entry)
            held.add(other)
        elif entry > heap[0]:
            held.discard(heapq.heapreplace(heap, entry)[1])
            held.add(other)
    return held


def write_page_from_directory(directory: str | Path, path: str | Path, ontology: Ontology, title: str = "",
                              **bounds: int) -> PageView:
    """The page of a build directory, whole or as a bounded view (`page_view`); returns the view."""
    view = page_view(directory, **bounds)
    write_html(view.graph, path, ontology, title=title, note=view.note)
    return view
