"""The ontology as the pipeline sees it: classes, predicates, triggers, dimensions and units.

`ontology/zhkg.ttl` is read once (with rdflib) into a small typed view and handed to the
stages that need it. Users extend or replace it with their own Turtle files; nothing about
predicates, triggers or units is written in Python.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from functools import cached_property
from pathlib import Path
from typing import Iterable

from rdflib import OWL, RDF, RDFS, SKOS, Graph, Literal, Namespace, URIRef
from rdflib.collection import Collection

from .grammar import DEFAULT_GRAMMAR, Grammar, load_grammar

ZHKG = Namespace("https://w3id.org/zhkg/ontology#")
DEFAULT_ONTOLOGY = Path(__file__).resolve().parent.parent / "ontology" / "zhkg.ttl"
SHAPES = DEFAULT_ONTOLOGY.with_name("shapes.ttl")


class OntologyError(ValueError):
    """The ontology file is unreadable or says something the pipeline cannot use."""


@dataclass(frozen=True, slots=True)
class OntologyClass:
    name: str  # local name, used as the mention/entity type: Company, Person ...
    iri: str
    label_zh: str
    label_en: str
    parents: tuple[str, ...] = ()
    name_suffixes: tuple[str, ...] = ()
    short_form_suffixes: tuple[str, ...] = ()
    legal_suffixes: tuple[str, ...] = ()  # 股份有限公司, Ltd.: a legal form, stripped when names are compared
    topic: bool = False  # may an article or paragraph be about an entity of this class?
    joined_names: bool = False  # may a name of this class join parts (汽车及相关产品业务)?


@dataclass(frozen=True, slots=True)
class Unit:
    symbol: str  # canonical surface written in the output: 元, 辆, %, km
    iri: str
    dimension: str
    factor: Decimal
    surfaces: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Predicate:
    id: str  # stable English local name: partnerOf, revenue
    iri: str
    label: str  # Chinese label, the predicate's name in outputs
    label_en: str
    kind: str  # "relation" (entity → entity) or "quantity" (entity → measurement)
    triggers: tuple[str, ...]  # the label first, then skos:altLabel synonyms
    domain: tuple[str, ...]
    range: tuple[str, ...]  # class names; ("Quantity",) for quantity predicates
    dimensions: tuple[str, ...] = ()
    negative_triggers: tuple[str, ...] = ()  # 下降, 减少: the figure is a decrease
    object_first_triggers: tuple[str, ...] = ()  # 旗下: X旗下的Y → (Y, partOf, X)
    context_subject: bool = True  # may the article's topic stand in for a missing subject?
    object_markers: tuple[str, ...] = ()  # 与X合作, 在X展出: the marked mentions are objects
    bracketed_figure: bool = False  # 385亿元(+8.5%): the bracketed figure is this predicate's
    implied_after: tuple[str, ...] = ()  # 云计算业务385亿元: classes whose bare figure states it
    signed: bool = False  # the amount may be negative (a profit may be a loss)
    change: bool = False  # the figure is a change, not a level (growth rates may fall below zero)
    symmetric: bool = False  # (A, p, B) says (B, p, A): stored once
    implicit_object: bool = False  # may an unrecognised noun phrase after the trigger be the object?

    @property
    def is_quantity(self) -> bool:
        return self.kind == "quantity"


@dataclass
class Ontology:
    classes: dict[str, OntologyClass] = field(default_factory=dict)
    predicates: dict[str, Predicate] = field(default_factory=dict)
    units: dict[str, Unit] = field(default_factory=dict)  # by canonical symbol
    grammar: Grammar = field(default_factory=Grammar)
    sources: tuple[str, ...] = ()

    @property
    def stop_names(self) -> frozenset[str]:
        return self.grammar.stop_names

    @property
    def function_words(self) -> frozenset[str]:
        return self.grammar.function_words

    @property
    def title_words(self) -> frozenset[str]:
        return self.grammar.title_words

    @cached_property
    def topic_classes(self) -> tuple[str, ...]:
        """Classes an article may be about, and every class below them."""
        roots = [c.name for c in self.classes.values() if c.topic]
        return tuple(c for c in self.classes if self.is_a(c, roots))

    @cached_property
    def trigger_words(self) -> frozenset[str]:
        """Every predicate's trigger words: 营收, 合作, CEO name what is said, never who."""
        return frozenset(w for p in self.predicates.values() for w in (*p.triggers, *p.negative_triggers))

    @cached_property
    def name_suffixes(self) -> tuple[tuple[str, str], ...]:
        """(suffix, class), longest first, so 股份有限公司 beats 公司 and 智能工厂 beats 工厂."""
        pairs = [(s, c.name) for c in self.classes.values() for s in c.name_suffixes]
        return tuple(sorted(pairs, key=lambda p: -len(p[0])))

    @cached_property
    def legal_suffixes(self) -> tuple[str, ...]:
        """Every class's legal-form endings, longest first."""
        return tuple(sorted({s for c in self.classes.values() for s in c.legal_suffixes}, key=len, reverse=True))

    def ancestors(self, name: str) -> tuple[str, ...]:
        """The class and every class above it (Company → Company, Organization, Entity)."""
        out, todo = [], [name]
        while todo:
            c = todo.pop()
            if c not in out:
                out.append(c)
                todo.extend(self.classes[c].parents if c in self.classes else ())
        return tuple(out)

    def is_a(self, name: str, allowed: Iterable[str]) -> bool:
        return bool(set(self.ancestors(name)) & set(allowed))

    @cached_property
    def unit_surfaces(self) -> dict[str, Unit]:
        """Every surface form of every unit → the unit; longest forms win when read."""
        table: dict[str, Unit] = {}
        for unit in self.units.values():
            for surface in (unit.symbol, *unit.surfaces):
                if surface:
                    table.setdefault(surface, unit)
        return table

    def class_iri(self, name: str) -> str:
        return self.classes[name].iri if name in self.classes else str(ZHKG[name])


def _label(g: Graph, node, lang: str) -> str:
    for value in g.objects(node, RDFS.label):
        if isinstance(value, Literal) and (value.language or "").startswith(lang):
            return str(value)
    return ""


def _class_names(g: Graph, node) -> tuple[str, ...]:
    """A class reference → local names; owl:unionOf lists are flattened."""
    union = g.value(node, OWL.unionOf)
    if union is not None:
        return tuple(n for member in Collection(g, union) for n in _class_names(g, member))
    return (_local(node),)


def _local(iri) -> str:
    s = str(iri)
    return s.rsplit("#", 1)[-1] if "#" in s else s.rstrip("/").rsplit("/", 1)[-1]


def _strings(g: Graph, node, prop) -> tuple[str, ...]:
    return tuple(sorted(str(v) for v in g.objects(node, prop)))


def is_grammar_file(path: str | Path) -> bool:
    """A .tsv given as an ontology file holds language words (see kg/grammar.py), not Turtle."""
    return str(path).lower().endswith(".tsv")


def load_graph(paths: Iterable[str | Path] = (), replace: bool = False) -> Graph:
    """Parse the default ontology (unless `replace`) plus any user Turtle files into one graph."""
    files = [] if replace else [DEFAULT_ONTOLOGY]
    files += [Path(p) for p in paths if not is_grammar_file(p)]
    if not files:
        raise OntologyError("no ontology: --replace-ontology needs at least one --ontology FILE")
    g = Graph()
    for f in files:
        try:
            g.parse(f, format="turtle")
        except FileNotFoundError:
            raise OntologyError(f"ontology file not found: {f}") from None
        except Exception as exc:  # rdflib raises many parser exception types
            raise OntologyError(f"cannot parse ontology {f}: {exc}") from exc
    return g


def load_ontology(paths: Iterable[str | Path] = (), replace: bool = False) -> Ontology:
    """Read the ontology into the typed view every stage uses."""
    paths = list(paths)
    g = load_graph(paths, replace)
    grammar = load_grammar([p for p in paths if is_grammar_file(p)], replace)
    defaults = [] if replace else [DEFAULT_ONTOLOGY, DEFAULT_GRAMMAR]
    onto = Ontology(grammar=grammar, sources=tuple(str(p) for p in defaults + paths))
    for node in set(g.subjects(RDF.type, OWL.Class)):
        if not isinstance(node, URIRef) or node in (ZHKG.Dimension, ZHKG.Unit, ZHKG.QuantityProperty):
            continue
        name = _local(node)
        parents = tuple(_local(p) for p in g.objects(node, RDFS.subClassOf) if isinstance(p, URIRef)
                        and str(p).startswith(str(ZHKG)))
        legal = _strings(g, node, ZHKG.legalSuffix)
        onto.classes[name] = OntologyClass(name, str(node), _label(g, node, "zh") or name,
                                           _label(g, node, "en") or name, parents,
                                           tuple(sorted({*_strings(g, node, ZHKG.nameSuffix), *legal})),
                                           tuple(sorted({*_strings(g, node, ZHKG.shortFormSuffix), *legal})),
                                           legal, g.value(node, ZHKG.topicClass) == Literal(True),
                                           g.value(node, ZHKG.joinedNames) == Literal(True))
    for node in set(g.subjects(RDF.type, ZHKG.Unit)):
        dim = g.value(node, ZHKG.dimension)
        symbol = str(g.value(node, ZHKG.symbol) or "")
        factor = g.value(node, ZHKG.factor)
        onto.units[symbol] = Unit(symbol, str(node), _local(dim) if dim else "count",
                                  Decimal(str(factor)) if factor is not None else Decimal(1),
                                  _strings(g, node, SKOS.altLabel))
    for node in set(g.subjects(ZHKG.kind, None)):
        kind = str(g.value(node, ZHKG.kind))
        if kind not in ("relation", "quantity"):
            raise OntologyError(f"{node}: zhkg:kind must be \"relation\" or \"quantity\", not {kind!r}")
        pid = _local(node)
        label = _label(g, node, "zh")
        if not label:
            raise OntologyError(f"predicate {pid} has no rdfs:label@zh")
        alts = [str(v) for v in g.objects(node, SKOS.altLabel)
                if isinstance(v, Literal) and (v.language or "zh").startswith("zh")]
        domain = tuple(n for d in g.objects(node, RDFS.domain) for n in _class_names(g, d))
        rng = tuple(n for r in g.objects(node, RDFS.range) for n in _class_names(g, r))
        dims = tuple(sorted(_local(d) for d in g.objects(node, ZHKG.dimension)))
        if kind == "quantity" and not dims:
            raise OntologyError(f"quantity predicate {pid} names no zhkg:dimension")
        negatives = tuple(sorted(str(v) for v in g.objects(node, ZHKG.negativeTrigger)))
        onto.predicates[pid] = Predicate(pid, str(node), label, _label(g, node, "en") or pid, kind,
                                         (label, *sorted(set(alts) - {label}, key=lambda s: (-len(s), s))),
                                         domain or ("Entity",), rng or ("Entity",), dims, negatives,
                                         _strings(g, node, ZHKG.objectFirstTrigger),
                                         g.value(node, ZHKG.contextSubject) != Literal(False),
                                         tuple(sorted(_strings(g, node, ZHKG.objectMarker), key=len, reverse=True)),
                                         g.value(node, ZHKG.bracketedFigure) == Literal(True),
                                         tuple(_local(c) for c in g.objects(node, ZHKG.impliedAfter)),
                                         g.value(node, ZHKG.signed) == Literal(True),
                                         g.value(node, ZHKG.change) == Literal(True),
                                         (node, RDF.type, OWL.SymmetricProperty) in g,
                                         g.value(node, ZHKG.implicitObject) == Literal(True))
    return onto
