"""Figures across documents: one company's measured values as a series by period, and the
figures that documents state differently.

A *figure* is what one document says one subject measured for one period: (subject,
predicate, period, qualifiers such as `of`) → a value in a unit. Many documents state the
same figure; they **agree** when their values, in the same canonical unit, are equal at the
precision of the coarser one: no further apart than half its last written digit (389亿 and
约389.2亿 agree; 389亿 and 392亿, or 12% and 13%, do not); a range agrees with the values in
it. A bound (超400亿, 300多万) merges only with values near its number, but conflicts with
nothing above it. Agreeing statements are one **value** (one merged measurement with the
evidence of every document); a figure with two values of one unit, stated by different
documents, is a **conflict** (one document stating both is not a disagreement between sources
and is most often two things read as one; both values stay in the series). Figures
of different periods never conflict, and a figure stated without a period is compared with
nothing (two undated head counts may be of different years). A change's old value
(由2023年的103.8亿元增至…) is a figure of its own period when the sentence writes one before it.

The confidence of a value grows with independent sources: per document the best confidence
of its statements (one article repeating itself is one source), combined by noisy-or,
1 − ∏(1 − cᵢ). Two documents at 0.8 give 0.96.

Plain functions over kg.model; nothing here prints. `kg series` and `kg conflicts` (kg.cli),
report.json (kg.pipeline), the Neo4j rows, the RDF export and the page read these.
"""

from __future__ import annotations

import hashlib
import json
import re
import unicodedata
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from functools import lru_cache
from pathlib import Path
from typing import Any, Iterable, Iterator, Sequence

from kg.grammar import default_grammar
from kg.model import Entity, Evidence, KnowledgeGraph, Quantity, Triple, json_number
from kg.ontology import Ontology

BOUND_SYMBOLS = (">", "≥")  # modifiers.tsv signs of a lower bound: 超, 逾, 多, 余, 以上
_NUMERAL = re.compile(r"[0-9][0-9,]*(?:\.[0-9]+)?")
_INFINITY = Decimal("Infinity")


# ---------------------------------------------------------------- one stated figure

@dataclass(frozen=True, slots=True)
class Figure:
    """One statement of a value: a triple's quantity, or (role "previous") a change's old value."""

    triple: Triple
    quantity: Quantity  # in the canonical unit of its dimension
    period: str | None  # normalised; None when the statement has none
    period_raw: str
    role: str = "value"  # "value" or "previous"
    step: Decimal = Decimal(0)  # the value of its last written digit: `precision(quantity)`

    def __post_init__(self) -> None:
        if not self.step:
            object.__setattr__(self, "step", precision(self.quantity))

    @property
    def doc(self) -> str:
        return self.triple.evidence.doc

    @property
    def key(self) -> tuple:
        """What the figure is of: subject, predicate, period and qualifiers."""
        t = self.triple
        return (t.subject.id, t.predicate.id, self.period or "", t.qualifiers)

    @property
    def bound(self) -> bool:
        return _modifier_symbol(self.quantity.modifier) in BOUND_SYMBOLS

    @property
    def interval(self) -> tuple[Decimal, Decimal]:
        """The values the statement says, before rounding: one number, a range, or from a
        lower bound (超400亿) up."""
        q = self.quantity
        low, high = q.value, q.upper if q.upper is not None else q.value
        if low > high:
            low, high = high, low
        return (low, _INFINITY) if self.bound else (low, high)

    @property
    def span(self) -> tuple[Decimal, Decimal]:
        """The number or range as written, a bound's number included."""
        q = self.quantity
        high = q.upper if q.upper is not None else q.value
        return (min(q.value, high), max(q.value, high))


def precision(quantity: Quantity) -> Decimal:
    """The value of the last digit the text wrote: 389亿 → 1亿, 389.2亿 → 0.1亿, 23.3% → 0.1.

    Trailing zeros of a whole number count, unless the figure is approximate (约400亿 is
    known to 100亿; a bound's number, 超400亿, is exact). A figure in Chinese numerals (四成,
    三千万) is known to its last non-zero digit."""
    value = abs(quantity.value)
    match = _NUMERAL.search(unicodedata.normalize("NFKC", quantity.raw))
    if match and value:
        numeral = Decimal(match.group().replace(",", ""))
        if numeral:
            scale = value / numeral
            whole, _, fraction = match.group().replace(",", "").partition(".")
            if fraction:
                digit = Decimal(1).scaleb(-len(fraction))
            elif quantity.approximate and _modifier_symbol(quantity.modifier) not in BOUND_SYMBOLS:
                digit = Decimal(1).scaleb(len(whole) - len(whole.rstrip("0")))
            else:
                digit = Decimal(1)
            return digit * scale
    if not value:
        return Decimal(1)
    return Decimal(1).scaleb(value.normalize().as_tuple().exponent)


MODIFIERS = Path(__file__).resolve().parent / "sinks" / "assets" / "modifiers.tsv"


@lru_cache(maxsize=1)
def modifier_symbols() -> dict[str, str]:
    """Modifier → its sign (≈, >, ≥), from sinks/assets/modifiers.tsv (the page shows them too)."""
    table = {}
    for line in MODIFIERS.read_text(encoding="utf-8").splitlines():
        if line.strip() and not line.startswith("#"):
            modifier, symbol, *_ = line.split("\t")
            table[modifier] = symbol
    return table


def _modifier_symbol(modifier: str) -> str:
    return modifier_symbols().get(modifier, "≈" if modifier else "")


def _overlap(a: tuple[Decimal, Decimal], b: tuple[Decimal, Decimal], tolerance: Decimal) -> bool:
    return a[0] - tolerance <= b[1] and b[0] - tolerance <= a[1]


def agree(a: Figure, b: Figure) -> bool:
    """The same value, stated twice: same unit, and equal at the precision of the coarser
    figure, no further apart than half its last digit (389亿 and 389.2亿 agree, 12% and 13% do
    not; a range agrees with the values in it). A bound counts as its number here: 超400亿
    agrees with 400亿, while 超过60万辆 is not the same statement as 302万辆."""
    if a.quantity.unit != b.quantity.unit:
        return False
    return _overlap(a.span, b.span, max(a.step, b.step) / 2)


def consistent(a: Figure, b: Figure) -> bool:
    """Could both be true? Values that agree are; a bound (超400亿) is consistent with every
    value above it, at the other figure's precision. Values of different units are never
    compared (consistent)."""
    if a.quantity.unit != b.quantity.unit or agree(a, b):
        return True
    steps = [f.step for f in (a, b) if not f.bound]
    return _overlap(a.interval, b.interval, max(steps) / 2 if steps else Decimal(0))


def canonical(quantity: Quantity, ontology: Ontology | None) -> Quantity:
    """The quantity in the canonical unit of its dimension (成 → %, a surface → its symbol)."""
    if ontology is None or quantity.unit in ontology.units and ontology.units[quantity.unit].factor == 1:
        return quantity
    unit = ontology.units.get(quantity.unit) or ontology.unit_surfaces.get(quantity.unit)
    if unit is None:
        return quantity
    target = next((u for u in ontology.units.values() if u.dimension == unit.dimension and u.factor == 1), unit)
    factor = unit.factor / target.factor
    return Quantity(quantity.raw, quantity.value * factor, target.symbol, target.dimension, quantity.modifier,
                    None if quantity.upper is None else quantity.upper * factor, quantity.previous)


def _previous_period(triple: Triple, previous: Quantity) -> tuple[str, str] | None:
    """The period written with a change's old value (由2023年的103.8亿元增至…), if any: a time
    between the change word before the old value and the old value itself."""
    from kg.text import normalise
    from kg.times import find_times
    sentence = normalise(triple.evidence.sentence).text
    raw = normalise(previous.raw).text
    at = sentence.find(raw)
    if at < 0:
        return None
    markers = default_grammar().words("change_from")
    start = max((sentence.rfind(m, 0, at) for m in markers), default=-1)
    if start < 0:
        return None
    year = int(triple.time.normalised[:4]) if triple.time and triple.time.normalised[:4].isdigit() else None
    times = [t.time for t in find_times(sentence[start:at], year) if t.time.normalised[:1].isdigit()]
    return (times[-1].normalised, times[-1].raw) if times else None


def figures(triples: Iterable[Triple], ontology: Ontology | None = None) -> Iterator[Figure]:
    """Every stated figure: each measured triple's value, and each change's old value that
    names its own period."""
    for triple in triples:
        q = triple.object
        if not isinstance(q, Quantity):
            continue
        time = triple.time
        yield Figure(triple, canonical(q, ontology), time.normalised if time else None, time.raw if time else "")
        if q.previous is not None:
            period = _previous_period(triple, q.previous)
            if period is not None:
                yield Figure(triple, canonical(q.previous, ontology), period[0], period[1], "previous")


# ---------------------------------------------------------------- values and figures across documents

def noisy_or(confidences: Iterable[float]) -> float:
    """1 − ∏(1 − c): independent sources each able to be right on their own."""
    doubt = 1.0
    for c in confidences:
        doubt *= 1.0 - min(max(c, 0.0), 1.0)
    return round(1.0 - doubt, 4)


def _digest(*parts: object) -> str:
    return hashlib.blake2b("\x1f".join(map(str, parts)).encode("utf-8"), digest_size=8).hexdigest()


def _lexical(value: Decimal) -> str:
    text = format(value.normalize(), "f") if value else "0"
    return text.rstrip("0").rstrip(".") if "." in text else text


@dataclass(slots=True)
class Value:
    """Statements that agree: one merged measurement."""

    figures: list[Figure]
    id: str = ""
    conflict: bool = False
    rivals: tuple[str, ...] = ()  # ids of the values of the same figure that disagree with this one

    @property
    def representative(self) -> Figure:
        """The most precise unbounded statement (the first one clustering saw)."""
        return self.figures[0]

    @property
    def documents(self) -> tuple[str, ...]:
        return tuple(sorted({f.doc for f in self.figures}))

    @property
    def support(self) -> float:
        best: dict[str, float] = {}
        for f in self.figures:
            best[f.doc] = max(best.get(f.doc, 0.0), f.triple.confidence)
        return noisy_or(best.values())

    @property
    def raws(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(f.quantity.raw for f in self.figures))

    @property
    def has_value_role(self) -> bool:
        return any(f.role == "value" for f in self.figures)

    def to_dict(self) -> dict[str, Any]:
        q = self.representative.quantity
        out: dict[str, Any] = {"id": self.id, "value": json_number(q.value), "unit": q.unit,
                               "dimension": q.dimension, "raw": list(self.raws),
                               "documents": list(self.documents), "sources": len(self.documents),
                               "confidence": self.support}
        if q.upper is not None:
            out["upper"] = json_number(q.upper)
        if q.modifier:
            out["modifier"] = q.modifier
        out["evidence"] = [_evidence(f) for f in self.figures]
        return out


def _evidence(figure: Figure) -> dict[str, Any]:
    ev: Evidence = figure.triple.evidence
    out = {"doc": ev.doc, "raw": figure.quantity.raw, "sentence": ev.sentence, "start": ev.start, "end": ev.end,
           "confidence": round(figure.triple.confidence, 4)}
    if figure.period_raw:
        out["time_raw"] = figure.period_raw
    if figure.role != "value":
        out["role"] = figure.role
    return out


@dataclass(slots=True)
class FigureGroup:
    """Everything the documents state about one (subject, predicate, period, qualifiers)."""

    subject: Entity
    predicate_id: str
    predicate_label: str
    period: str | None
    qualifiers: tuple[tuple[str, str], ...]
    values: list[Value] = field(default_factory=list)

    @property
    def id(self) -> str:
        return _digest(self.subject.id, self.predicate_id, self.period or "", *(f"{k}={v}" for k, v in self.qualifiers))

    @property
    def conflict(self) -> bool:
        return any(v.conflict for v in self.values)

    def to_dict(self) -> dict[str, Any]:
        return {"subject": {"id": self.subject.id, "name": self.subject.name, "type": self.subject.type},
                "predicate": {"id": self.predicate_id, "label": self.predicate_label},
                "period": self.period, "qualifiers": dict(self.qualifiers),
                "values": [v.to_dict() for v in self.values]}


def _across_documents(a: Value, b: Value) -> bool:
    """Some document states one value and another document the other. One document stating
    both is no disagreement between sources: most often the extractor read two different
    things (a segment's figure, a quarter of the year) as one."""
    return any(x != y for x in a.documents for y in b.documents)


def _cluster_order(f: Figure) -> tuple:
    ev = f.triple.evidence
    return (f.bound, f.step, f.quantity.approximate, f.role != "value", f.quantity.unit, f.quantity.value,
            ev.doc, ev.start, f.quantity.raw)


def _cluster(members: list[Figure]) -> list[Value]:
    """Most precise first, each statement joins the first value all of whose statements it
    agrees with; so two values of one unit always hold a pair that disagrees."""
    values: list[Value] = []
    for figure in sorted(members, key=_cluster_order):
        home = next((v for v in values if all(agree(figure, other) for other in v.figures)), None)
        if home is None:
            values.append(Value([figure]))
        else:
            home.figures.append(figure)
    return values


def group_figures(triples: Iterable[Triple], ontology: Ontology | None = None) -> list[FigureGroup]:
    """Every figure the triples state, its statements merged into values, conflicts marked."""
    by_key: dict[tuple, list[Figure]] = {}
    for figure in figures(triples, ontology):
        by_key.setdefault(figure.key, []).append(figure)
    groups = []
    for members in by_key.values():
        first = members[0]
        group = FigureGroup(first.triple.subject, first.triple.predicate.id, first.triple.predicate.label,
                            first.period, first.triple.qualifiers, _cluster(members))
        for value in group.values:
            rep = value.representative.quantity
            value.id = _digest(group.id, _lexical(rep.value), rep.unit,
                               "" if rep.upper is None else _lexical(rep.upper), rep.modifier)
        for value in group.values:
            if group.period is None:
                continue
            value.rivals = tuple(other.id for other in group.values if other is not value
                                 and not consistent(value.representative, other.representative)
                                 and _across_documents(value, other))
            value.conflict = bool(value.rivals)
        groups.append(group)
    groups.sort(key=lambda g: (g.subject.name, g.subject.id, g.predicate_id, _period_order(g.period),
                               g.qualifiers))
    return groups


def conflicts(triples: Iterable[Triple], ontology: Ontology | None = None) -> list[FigureGroup]:
    """The figures whose documents disagree."""
    return [g for g in group_figures(triples, ontology) if g.conflict]


@dataclass(slots=True)
class MergedFigures:
    """The measurements the Neo4j and RDF views write: one per value, not per statement."""

    groups: list[FigureGroup]
    by_triple: dict[int, Value]  # index of a measured triple → the value its own figure belongs to
    group_of: dict[str, FigureGroup]  # value id → its figure

    def value_of(self, index: int) -> Value | None:
        return self.by_triple.get(index)


def merge_measurements(triples: Sequence[Triple], ontology: Ontology | None = None) -> MergedFigures:
    """`group_figures` with each measured triple (by its index in `triples`) mapped to its value."""
    positions: dict[int, list[int]] = {}  # the same Triple object may be listed twice
    for i, t in enumerate(triples):
        positions.setdefault(id(t), []).append(i)
    groups = group_figures(triples, ontology)
    by_triple: dict[int, Value] = {}
    group_of: dict[str, FigureGroup] = {}
    for group in groups:
        for value in group.values:
            group_of[value.id] = group
            for figure in value.figures:
                if figure.role == "value":
                    for index in positions[id(figure.triple)]:
                        by_triple[index] = value
    return MergedFigures(groups, by_triple, group_of)


# ---------------------------------------------------------------- periods

def _period_order(period: str | None) -> tuple:
    """Chronological: by first day, then last day (2024 before 2024-Q4, which starts later);
    periods without dates after, undated figures last."""
    from kg.sinks.rdf_time import time_interval
    if not period:
        return (1, date.max, date.max, "")
    interval = time_interval(period)
    if interval is None:
        return (0, date.max, date.max, period)
    return (0, interval[0], interval[1], period)


# ---------------------------------------------------------------- series of one entity

def _fold(text: str) -> str:
    from kg.text import normalise
    return normalise(unicodedata.normalize("NFKC", text)).text.casefold().strip()


def find_entities(graph: KnowledgeGraph, name: str) -> list[Entity]:
    """Entities whose name or alias is `name`, in any script or width (寧德時代 finds 宁德时代)."""
    wanted = _fold(name)
    seen: dict[str, Entity] = {}
    candidates = list(graph.entities.values()) + [t.subject for t in graph.triples]
    for entity in candidates:
        if entity.id not in seen and any(_fold(s) == wanted for s in (entity.name, *entity.aliases)):
            seen[entity.id] = graph.entities.get(entity.id, entity)
    return sorted(seen.values(), key=lambda e: (e.name, e.type, e.id))


def _matches_predicate(group: FigureGroup, predicate: str | None) -> bool:
    return not predicate or _fold(predicate) in (_fold(group.predicate_id), _fold(group.predicate_label))


def entity_series(graph: KnowledgeGraph, name: str, predicate: str | None = None,
                  ontology: Ontology | None = None) -> list[dict[str, Any]]:
    """For each entity named `name`: one row per (predicate, period) with each distinct value,
    its unit, how many documents state it and which. Rows in predicate order, then by period."""
    out = []
    for entity in find_entities(graph, name):
        own = [t for t in graph.triples if t.subject.id == entity.id and t.is_quantity]
        rows = [_series_row(g) for g in group_figures(own, ontology) if _matches_predicate(g, predicate)]
        rows.sort(key=lambda r: (r["label"], r["predicate"], sorted(r["qualifiers"].items()),
                                 _period_order(r["period"])))
        out.append({"entity": {"id": entity.id, "name": entity.name, "type": entity.type,
                               "aliases": list(entity.aliases)}, "rows": rows})
    return out


def _series_row(group: FigureGroup) -> dict[str, Any]:
    return {"predicate": group.predicate_id, "label": group.predicate_label, "qualifiers": dict(group.qualifiers),
            "period": group.period, "conflict": group.conflict,
            "values": [{k: v for k, v in value.to_dict().items() if k != "evidence"} for value in group.values]}


def page_series(graph: KnowledgeGraph, ontology: Ontology | None = None) -> dict[str, list[dict[str, Any]]]:
    """Entity id → its measured series per predicate, for the page's chart: points by period."""
    out: dict[str, dict[tuple, dict[str, Any]]] = {}
    for group in group_figures(graph.triples, ontology):
        if group.period is None:
            continue
        qualifier = _qualifier_text(group.qualifiers)
        series = out.setdefault(group.subject.id, {}).setdefault(
            (group.predicate_id, group.qualifiers, group.values[0].representative.quantity.unit),
            {"label": group.predicate_label + qualifier, "unit": group.values[0].representative.quantity.unit,
             "points": []})
        for value in group.values:
            q = value.representative.quantity
            if q.unit != series["unit"]:
                continue
            series["points"].append({"period": group.period, "value": float(q.value), "raw": q.raw,
                                     "sources": len(value.documents), "conflict": value.conflict})
    return {entity: [s for s in by_key.values() if s["points"]] for entity, by_key in out.items()}


# ---------------------------------------------------------------- build directories and the report

def read_figures(directory: str | Path) -> Iterator[Triple]:
    """The measured triples of a build directory's triples.jsonl, streamed: entity–entity
    lines are skipped before they are parsed."""
    from kg.sinks.jsonl import TRIPLES
    with open(Path(directory) / TRIPLES, encoding="utf-8") as lines:
        for line in lines:
            if '"Quantity"' in line:
                triple = Triple.from_dict(json.loads(line))
                if triple.is_quantity:
                    yield triple


def conflict_report(directory: str | Path, ontology: Ontology | None = None) -> dict[str, Any]:
    """report.json's "conflicts": how many figures the documents disagree on, and each."""
    found = conflicts(read_figures(directory), ontology)
    return {"count": len(found), "list": [g.to_dict() for g in found]}


# ---------------------------------------------------------------- plain text

def _qualifier_text(qualifiers: tuple[tuple[str, str], ...]) -> str:
    """(("of", "revenue"),) → " (of revenue)": what a growth figure is the growth of."""
    return "".join(f" ({k} {v})" for k, v in qualifiers)


def _width(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def _pad(text: str, width: int) -> str:
    return text + " " * (width - _width(text))


def _table(header: list[str], rows: list[list[str]]) -> list[str]:
    widths = [max(_width(r[i]) for r in [header, *rows]) for i in range(len(header))]
    return ["  ".join(_pad(cell, w) for cell, w in zip(row, widths)).rstrip() for row in [header, *rows]]


def _number(value: Any) -> str:
    return f"{value:,}" if isinstance(value, (int, float)) else str(value)


def format_series(series: list[dict[str, Any]]) -> str:
    """`kg series` as a readable table per entity; a row whose documents disagree is marked ≠."""
    blocks = []
    for item in series:
        entity = item["entity"]
        head = f"{entity['name']} ({entity['type']})" + (f"  aliases: {', '.join(entity['aliases'])}"
                                                          if entity["aliases"] else "")
        rows = []
        for row in item["rows"]:
            label = row["label"] + _qualifier_text(tuple(row["qualifiers"].items()))
            for i, value in enumerate(row["values"]):
                rows.append([label if i == 0 else "", (row["period"] or "—") if i == 0 else "",
                             ("≠ " if row["conflict"] else "") + " / ".join(value["raw"]),
                             _number(value["value"]) + (f"–{_number(value['upper'])}" if "upper" in value else ""),
                             value["unit"], str(value["sources"]), ", ".join(value["documents"])])
        lines = (_table(["measure", "period", "as written", "value", "unit", "docs", "documents"], rows) if rows
                 else ["(no measured figures)"])
        blocks.append("\n".join([head, *lines]))
    return "\n\n".join(blocks)


def format_conflicts(groups: list[FigureGroup]) -> str:
    """`kg conflicts` as text: one block per disagreement, each value with its documents."""
    if not groups:
        return "No conflicting figures."
    blocks = []
    for g in groups:
        qualifier = _qualifier_text(g.qualifiers)
        lines = [f"{g.subject.name} · {g.predicate_label}{qualifier} · {g.period}"]
        for value in g.values:
            d = value.to_dict()
            lines.append(f"  {' / '.join(d['raw'])} = {_number(d['value'])} {d['unit']}  "
                         f"({d['sources']} doc{'s' if d['sources'] != 1 else ''}: {', '.join(d['documents'])})")
        blocks.append("\n".join(lines))
    return "\n\n".join(blocks) + f"\n\n{len(groups)} conflicting figure(s)."
