"""The one data model every stage passes along.

read → normalise → recognise → relate → resolve → validate → write all speak in these
types. They are frozen dataclasses: a stage that wants to change an object makes a new one
(`dataclasses.replace`), so nothing downstream is surprised by a mutation upstream.

Every type converts to and from the plain JSON dictionaries of the output contract
(`to_dict` / `from_dict`). `from_dict` refuses unknown fields, so a typo in a hand-written
JSONL file fails loudly instead of vanishing.
"""

from __future__ import annotations

import hashlib
import unicodedata
from dataclasses import dataclass, field, fields
from decimal import Decimal
from typing import TYPE_CHECKING, Any, Iterable, Iterator, NamedTuple, Union

if TYPE_CHECKING:  # the ontology's typed view; the model itself imports nothing heavy
    from .ontology import Predicate


def _check_fields(cls: type, data: dict[str, Any]) -> None:
    known = {f.name for f in fields(cls)}
    unknown = set(data) - known
    if unknown:
        raise ValueError(f"{cls.__name__}: unknown field(s) {sorted(unknown)}; expected {sorted(known)}")


def json_number(value: Decimal) -> int | float:
    """Decimal → the JSON number a reader expects: 136900, not 136900.0 or "136900"."""
    return int(value) if value == value.to_integral_value() else float(value)


@dataclass(frozen=True, slots=True)
class Document:
    """One input text, exactly as read (offsets in every output point into `text`)."""

    id: str
    text: str
    source: str = ""
    title: str = ""

    @property
    def content_hash(self) -> str:
        return hashlib.sha256(self.text.encode("utf-8")).hexdigest()



@dataclass(frozen=True, slots=True)
class Sentence:
    """A sentence of a document; `start`/`end` (end exclusive) index the ORIGINAL text."""

    doc: str
    index: int
    start: int
    end: int
    text: str  # the original surface of the sentence
    paragraph: int = 0


@dataclass(frozen=True, slots=True)
class Mention:
    """A recognised span; offsets into the original text, `text` its original surface."""

    doc: str
    text: str
    type: str  # an ontology class local name: Company, Person, Product, ...
    start: int
    end: int
    norm: str = ""  # simplified, half-width form used for matching and resolution
    source: str = ""  # which recogniser found it: ner, lexicon, rule:product, ...
    score: float = 1.0

    def to_dict(self) -> dict[str, Any]:
        return {"doc": self.doc, "text": self.text, "type": self.type, "start": self.start,
                "end": self.end, "norm": self.norm or self.text, "source": self.source,
                "score": round(self.score, 4)}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> "Mention":
        _check_fields(cls, data)
        return cls(**data)


class Token(NamedTuple):
    """A word of the segmenter, with offsets into the text."""

    word: str
    start: int
    end: int


@dataclass(frozen=True, slots=True)
class QuantityMatch:
    """A figure found in the text: `quantity.raw` is the normalised surface text[start:end]."""

    start: int
    end: int
    quantity: "Quantity"


@dataclass(frozen=True, slots=True)
class TimeMatch:
    start: int
    end: int
    time: "TimeQualifier"


@dataclass(frozen=True, slots=True)
class TriggerHit:
    """A trigger word of one or more ontology predicates (研发 → develops, rdInvestment)."""

    start: int
    end: int
    word: str
    predicates: tuple["Predicate", ...]
    negative: bool = False  # 下降, 减少: the figure is a decrease

    def of_kind(self, kind: str) -> tuple["Predicate", ...]:
        return tuple(p for p in self.predicates if p.kind == kind)

    @property
    def names_no_metric(self) -> bool:
        """每股收益, 股价: a word that measures what no predicate extracts."""
        return not self.predicates


@dataclass(slots=True)
class Doc:
    """One document as the language stages see it, filled stage by stage (like spaCy's `Doc`).

    `text` is the normalised view (simplified script, half-width) of `document.text`; both have
    the same length, so every offset below indexes either. Each component of the extractor
    assigns some of these fields and reads others (see `kg.components`).
    """

    document: Document
    text: str = ""
    sentences: list[Sentence] = field(default_factory=list)
    tokens: list[Token] = field(default_factory=list)
    times: list[TimeMatch] = field(default_factory=list)
    quantities: list[QuantityMatch] = field(default_factory=list)
    candidates: list["Mention"] = field(default_factory=list)  # every recogniser's proposals, overlapping
    mentions: list["Mention"] = field(default_factory=list)  # the chosen, non-overlapping names
    triggers: list[TriggerHit] = field(default_factory=list)
    triples: list["Triple"] = field(default_factory=list)
    # what a stage could not read, e.g. one figure: {"doc", "start", "end", "text", "reason"}
    problems: list[dict] = field(default_factory=list)

    @property
    def id(self) -> str:
        return self.document.id

    def mention(self, start: int, end: int, type: str, source: str, score: float = 1.0) -> "Mention":
        """A mention of text[start:end], with its original surface and its normalised form."""
        return Mention(self.document.id, self.document.text[start:end], type, start, end,
                       self.text[start:end], source, score)


def entity_id(name: str, type: str) -> str:
    """Stable id from the canonical name and class: the same in every run and document."""
    key = unicodedata.normalize("NFC", f"{type}\x1f{name}").encode("utf-8")
    return f"{type.lower()}-{hashlib.blake2b(key, digest_size=8).hexdigest()}"


@dataclass(frozen=True, slots=True)
class Entity:
    id: str
    name: str
    type: str
    aliases: tuple[str, ...] = ()
    mentions: int = 0

    @classmethod
    def named(cls, name: str, type: str, aliases: Iterable[str] = (), mentions: int = 0) -> "Entity":
        alias_set = tuple(sorted(set(aliases) - {name}))
        return cls(entity_id(name, type), name, type, alias_set, mentions)

    def to_dict(self) -> dict[str, Any]:
        return {"id": self.id, "name": self.name, "type": self.type,
                "aliases": list(self.aliases), "mentions": self.mentions}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> "Entity":
        _check_fields(cls, data)
        return cls(data["id"], data["name"], data["type"], tuple(data.get("aliases", ())),
                   data.get("mentions", 0))


@dataclass(frozen=True, slots=True)
class Quantity:
    """A measured value: 13.69万辆 → raw "13.69万辆", value 136900, unit 辆, dimension vehicles.

    `modifier` keeps 约/超/近/逾 (approximate is then true); `upper` is the top of a range
    (`value` its bottom); `previous` is the old value of a change (从103.8亿元收窄至57.9亿元).
    """

    raw: str
    value: Decimal
    unit: str
    dimension: str
    modifier: str = ""
    upper: Decimal | None = None
    previous: "Quantity | None" = None

    @property
    def approximate(self) -> bool:
        return bool(self.modifier)

    @property
    def name(self) -> str:
        return self.raw

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"type": "Quantity", "raw": self.raw, "value": json_number(self.value),
                               "unit": self.unit, "dimension": self.dimension,
                               "approximate": self.approximate}
        if self.modifier:
            out["modifier"] = self.modifier
        if self.upper is not None:
            out["upper"] = json_number(self.upper)
        if self.previous is not None:
            out["previous"] = self.previous.to_dict()
        return out

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> "Quantity":
        data = {k: v for k, v in data.items() if k not in ("type", "approximate")}
        _check_fields(cls, data)
        prev = data.get("previous")
        upper = data.get("upper")
        return cls(data["raw"], Decimal(str(data["value"])), data["unit"], data["dimension"],
                   data.get("modifier", ""), None if upper is None else Decimal(str(upper)),
                   cls.from_dict(prev) if prev else None)


@dataclass(frozen=True, slots=True)
class TimeQualifier:
    """When a fact holds: raw "2024年第四季度", normalised "2024-Q4" (ranges "2022-Q1..Q3")."""

    raw: str
    normalised: str

    def to_dict(self) -> dict[str, Any]:
        return {"raw": self.raw, "normalised": self.normalised}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> "TimeQualifier":
        _check_fields(cls, data)
        return cls(data["raw"], data["normalised"])


@dataclass(frozen=True, slots=True)
class Span:
    """A highlighted part of the evidence: role is subject, object or trigger."""

    role: str
    start: int
    end: int


@dataclass(frozen=True, slots=True)
class Evidence:
    """Where a fact was read: the sentence (original text) and its offsets in the document."""

    doc: str
    sentence: str
    start: int
    end: int
    spans: tuple[Span, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        return {"doc": self.doc, "sentence": self.sentence, "start": self.start, "end": self.end,
                "spans": [{"role": s.role, "start": s.start, "end": s.end} for s in self.spans]}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> "Evidence":
        _check_fields(cls, data)
        spans = tuple(Span(s["role"], s["start"], s["end"]) for s in data.get("spans", ()))
        return cls(data["doc"], data["sentence"], data["start"], data["end"], spans)


@dataclass(frozen=True, slots=True)
class PredicateRef:
    """The predicate of a triple: the ontology id (camelCase) and its Chinese label."""

    id: str
    label: str

    def to_dict(self) -> dict[str, Any]:
        return {"id": self.id, "label": self.label}


Object = Union[Entity, Quantity]


@dataclass(frozen=True, slots=True)
class Triple:
    subject: Entity
    predicate: PredicateRef
    object: Object
    evidence: Evidence
    time: TimeQualifier | None = None
    confidence: float = 1.0
    extractor: str = ""
    inferred: bool = False  # the subject came from document context, not the sentence
    qualifiers: tuple[tuple[str, str], ...] = ()  # ("role", "董事长"), ("of", "revenue"): what the fact is about

    @property
    def is_quantity(self) -> bool:
        return isinstance(self.object, Quantity)

    @property
    def key(self) -> tuple:
        """Identity of the fact, for de-duplication: same subject, predicate, object and time."""
        obj = self.object.id if isinstance(self.object, Entity) else (
            self.object.value, self.object.unit)
        return (self.subject.id, self.predicate.id, obj, self.time.normalised if self.time else None)

    def to_dict(self) -> dict[str, Any]:
        return {
            "subject": self.subject.to_dict(),
            "predicate": self.predicate.to_dict(),
            "object": self.object.to_dict() if isinstance(self.object, Quantity)
            else {**self.object.to_dict(), "type": self.object.type},
            "time": self.time.to_dict() if self.time else None,
            "evidence": self.evidence.to_dict(),
            "confidence": round(self.confidence, 4),
            "extractor": self.extractor,
            "inferred": self.inferred,
            "qualifiers": dict(self.qualifiers),
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> "Triple":
        _check_fields(cls, data)
        obj = data["object"]
        is_quantity = obj.get("type") == "Quantity" or "value" in obj
        time = data.get("time")
        return cls(
            subject=Entity.from_dict(data["subject"]),
            predicate=PredicateRef(data["predicate"]["id"], data["predicate"]["label"]),
            object=Quantity.from_dict(obj) if is_quantity else Entity.from_dict(obj),
            evidence=Evidence.from_dict(data["evidence"]),
            time=TimeQualifier.from_dict(time) if time else None,
            confidence=data.get("confidence", 1.0),
            extractor=data.get("extractor", ""),
            inferred=data.get("inferred", False),
            qualifiers=tuple(sorted((data.get("qualifiers") or {}).items())),
        )


@dataclass(frozen=True, slots=True)
class Violation:
    """Why a triple failed validation, machine-readable: rule id, expected, found."""

    rule: str
    message: str
    expected: str = ""
    found: str = ""

    def to_dict(self) -> dict[str, Any]:
        return {"rule": self.rule, "message": self.message, "expected": self.expected,
                "found": self.found}


@dataclass(frozen=True, slots=True)
class Rejection:
    triple: Triple
    violations: tuple[Violation, ...]

    def to_dict(self) -> dict[str, Any]:
        return {**self.triple.to_dict(), "violations": [v.to_dict() for v in self.violations]}


@dataclass(slots=True)
class KnowledgeGraph:
    """What a build produces: resolved entities, valid triples, rejected triples, documents.

    Every writer (JSONL, RDF, Neo4j, HTML) reads only this. It is plain data: the conversions
    live in `kg.api` (`to_networkx`, `to_rdf`, `to_neo4j`, `to_html`, `write`).
    """

    entities: dict[str, Entity] = field(default_factory=dict)
    triples: list[Triple] = field(default_factory=list)
    rejected: list[Rejection] = field(default_factory=list)
    documents: dict[str, Document] = field(default_factory=dict)
    mentions: list[Mention] = field(default_factory=list)

    def entity_triples(self) -> Iterator[Triple]:
        return (t for t in self.triples if not t.is_quantity)

    def quantity_triples(self) -> Iterator[Triple]:
        return (t for t in self.triples if t.is_quantity)
