"""Questions researchers ask of a built graph: who is central, who clusters, how are two
entities linked, how did a figure move over the years, and what is in the graph at all.

Every function takes the one data model (`KnowledgeGraph`) and answers in its types
(`Entity`, `Triple`) or in small frozen rows, so results stay traceable to their evidence.
networkx does the graph work; `to_networkx` is also public for analyses of one's own.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import asdict, dataclass
from typing import Any, Iterable

import networkx as nx

from .model import Entity, KnowledgeGraph, Triple
from .text import normalise

CENTRALITY = ("pagerank", "degree")


class UnknownEntity(LookupError):
    """No entity of the graph has this id, name or alias."""


@dataclass(frozen=True, slots=True)
class Ranked:
    entity: Entity
    score: float


@dataclass(frozen=True, slots=True)
class MetricRow:
    """One measured value of an entity; `value` is a float for plotting, `raw` the text as read."""

    predicate: str
    label: str
    time: str | None
    year: int | None
    value: float
    unit: str
    raw: str
    confidence: float

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def _all_entities(graph: KnowledgeGraph) -> dict[str, Entity]:
    """Resolved entities plus any a hand-made graph only names inside its triples."""
    found = dict(graph.entities)
    for t in graph.triples:
        found.setdefault(t.subject.id, t.subject)
        if isinstance(t.object, Entity):
            found.setdefault(t.object.id, t.object)
    return found


def to_networkx(graph: KnowledgeGraph) -> nx.MultiDiGraph:
    """Entities as nodes (measurements as their `measurements` list), relations as edges.

    One edge per fact, keyed by position in `graph.triples`, so the same relation read in two
    documents stays two edges with two evidence sentences.
    """
    g = nx.MultiDiGraph()
    for entity in _all_entities(graph).values():
        g.add_node(entity.id, name=entity.name, type=entity.type, aliases=list(entity.aliases),
                   mentions=entity.mentions, measurements=[])
    for index, t in enumerate(graph.triples):
        if t.is_quantity:
            g.nodes[t.subject.id]["measurements"].append(_metric_row(t).to_dict())
        else:
            g.add_edge(t.subject.id, t.object.id, key=index, predicate=t.predicate.id,
                       label=t.predicate.label, confidence=t.confidence,
                       time=t.time.normalised if t.time else None, evidence=t.evidence.sentence,
                       doc=t.evidence.doc)
    return g


def find_entity(graph: KnowledgeGraph, key: str) -> Entity:
    """An id, a name or an alias, in that order; traditional and full-width forms match too.

    Several entities may share a name (a company and its product line): the most mentioned wins.
    """
    entities = list(_all_entities(graph).values())
    folded = normalise(key.strip()).text
    for matches in (lambda e: e.id == key, lambda e: e.name == key,
                    lambda e: key in e.aliases,
                    lambda e: folded in {normalise(n).text for n in (e.name, *e.aliases)}):
        found = [e for e in entities if matches(e)]
        if found:
            return max(found, key=lambda e: (e.mentions, e.id))
    raise UnknownEntity(f"no entity named {key!r} in the graph")


def _relations(graph: KnowledgeGraph) -> nx.MultiGraph:
    """Direction dropped: being the subject of a fact is as central as being its object."""
    return to_networkx(graph).to_undirected()


def central_entities(graph: KnowledgeGraph, by: str = "pagerank", types: Iterable[str] | None = ("Company",),
                     top: int = 10) -> list[Ranked]:
    """The `top` entities of the given classes (None: all) by PageRank or by number of facts."""
    if by not in CENTRALITY:
        raise ValueError(f"by must be one of {CENTRALITY}, not {by!r}")
    g = _relations(graph)
    if by == "degree":
        scores = dict(g.degree())
    else:
        scores = nx.pagerank(g) if g.number_of_edges() else {n: 1 / len(g) for n in g}
    wanted = None if types is None else set(types)
    entities = _all_entities(graph)
    ranked = [Ranked(entities[n], float(s)) for n, s in scores.items()
              if wanted is None or entities[n].type in wanted]
    return sorted(ranked, key=lambda r: (-r.score, r.entity.name))[:top]


def communities(graph: KnowledgeGraph) -> list[list[Entity]]:
    """Groups of entities more linked to each other than to the rest (greedy modularity),
    largest first. Entities with no relation at all form no community."""
    g = nx.Graph(_relations(graph))
    g.remove_nodes_from([n for n, d in g.degree() if d == 0])
    if not g.number_of_edges():
        return []
    entities = _all_entities(graph)
    groups = [sorted((entities[n] for n in group), key=lambda e: e.name)
              for group in nx.community.greedy_modularity_communities(g)]
    return sorted(groups, key=lambda group: (-len(group), group[0].name))


def shortest_path(graph: KnowledgeGraph, a: str, b: str) -> list[Triple]:
    """The fewest facts that link `a` to `b` (names, aliases or ids), in either direction.

    Each hop is the triple itself, so its evidence sentence and document come along; where two
    facts link the same pair, the more confident one is the hop. Empty if nothing links them.
    """
    start, end = find_entity(graph, a), find_entity(graph, b)
    g = _relations(graph)
    try:
        nodes = nx.shortest_path(g, start.id, end.id)
    except nx.NetworkXNoPath:
        return []
    hops = []
    for u, v in zip(nodes, nodes[1:]):
        facts = [graph.triples[key] for key in g[u][v]]
        hops.append(max(facts, key=lambda t: t.confidence))
    return hops


def _metric_row(t: Triple) -> MetricRow:
    time = t.time.normalised if t.time else None
    year = int(time[:4]) if time and time[:4].isdigit() else None
    return MetricRow(t.predicate.id, t.predicate.label, time, year, float(t.object.value),
                     t.object.unit, t.object.raw, t.confidence)


def metrics_by_year(graph: KnowledgeGraph, entity: str, predicate: str | None = None) -> list[MetricRow]:
    """Every measured value of `entity` (optionally one predicate, by id or Chinese label),
    sorted by time; values with no time come last, as they cannot be placed on a timeline."""
    subject = find_entity(graph, entity)
    rows = [_metric_row(t) for t in graph.quantity_triples()
            if t.subject.id == subject.id and predicate in (None, t.predicate.id, t.predicate.label)]
    return sorted(rows, key=lambda r: (r.time is None, r.time or "", r.predicate))


def summary(graph: KnowledgeGraph, top: int = 10) -> dict[str, Any]:
    """What `kg stats` prints: counts by class and predicate, the most central entities, and
    how much each document contributed. Plain JSON types only."""
    per_doc = Counter(t.evidence.doc for t in graph.triples)
    return {
        "counts": {"documents": len(graph.documents), "entities": len(graph.entities),
                   "triples": len(graph.triples), "rejected": len(graph.rejected),
                   "mentions": len(graph.mentions)},
        "entities_by_class": dict(Counter(e.type for e in graph.entities.values()).most_common()),
        "triples_by_predicate": dict(Counter(t.predicate.label for t in graph.triples).most_common()),
        "rejected_by_rule": dict(Counter(v.rule for r in graph.rejected for v in r.violations).most_common()),
        "top_entities": [{"name": r.entity.name, "type": r.entity.type, "id": r.entity.id,
                          "pagerank": round(r.score, 4)}
                         for r in central_entities(graph, types=None, top=top)],
        "documents": [{"id": d.id, "title": d.title, "triples": per_doc[d.id]}
                      for d in graph.documents.values()],
    }


def format_summary(stats: dict[str, Any]) -> str:
    """`summary` as the few aligned lines a person reads in a terminal."""
    counts = stats["counts"]
    lines = [", ".join(f"{n} {what}" for what, n in counts.items())]
    for title, table in (("Entities by class", stats["entities_by_class"]),
                         ("Triples by predicate", stats["triples_by_predicate"]),
                         ("Rejected by rule", stats["rejected_by_rule"])):
        if table:
            lines += ["", f"{title}:"] + [f"  {n:>6}  {name}" for name, n in table.items()]
    if stats["top_entities"]:
        lines += ["", "Most central entities (PageRank):"]
        lines += [f"  {e['pagerank']:.4f}  {e['name']} ({e['type']})" for e in stats["top_entities"]]
    if stats["documents"]:
        lines += ["", "Documents (triples):"]
        lines += [f"  {d['triples']:>6}  {d['id']}  {d['title']}" for d in stats["documents"]]
    return "\n".join(lines)
