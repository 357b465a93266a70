"""SHACL: shapes derived from the ontology, and pyshacl's report as `Violation`s.

The shapes are generated from the same Turtle the extractor and the rule-based validator
read (`build_shapes`), so the three cannot disagree about domains, ranges or dimensions;
`ontology/shapes.ttl` is that output written down for tools outside Python. Violations come
back in the rule-based validator's own type, so both are reported the same way.
"""

from __future__ import annotations

from pyshacl import validate
from rdflib import RDF, RDFS, SH, SKOS, XSD, BNode, Graph, Literal, Namespace, URIRef
from rdflib.collection import Collection

from kg.model import Violation
from kg.ontology import SHAPES, ZHKG, Ontology, Predicate
from kg.sinks.rdf import LANG, PROV, QUDT, SCHEMA, VOCAB, union_graph

SHAPE = Namespace("https://w3id.org/zhkg/shapes#")
HEADER = ("# Generated from ontology/zhkg.ttl by scripts/make_shapes.py; do not edit by hand.\n"
          "# tests/test_shacl.py fails when this file and the ontology drift apart.\n\n")

# Dimensions whose values may be negative; every other dimension counts or measures things.
SIGNED = frozenset({"currency", "percentage", "percentagePoint"})
PERCENT_OF_WHOLE = frozenset({"percentage"})
PERCENT_OR_CHANGE = frozenset({"percentage", "percentagePoint"})


def build_shapes(ontology: Ontology) -> Graph:
    """One NodeShape per entity class (label @zh), per predicate (domain, range or quantity
    checks), plus the Quantity and Fact nodes every export contains."""
    shapes = Graph()
    for prefix, namespace in (("sh", SH), ("shapes", SHAPE), ("zhkg", ZHKG), ("rdfs", RDFS),
                              ("skos", SKOS), ("xsd", XSD), ("schema", SCHEMA), ("qudt", QUDT),
                              ("prov", PROV)):
        shapes.bind(prefix, namespace, replace=True)
    _label_shapes(shapes, ontology)
    for predicate in sorted(ontology.predicates.values(), key=lambda p: p.id):
        _predicate_shapes(shapes, ontology, predicate)
    _quantity_shape(shapes)
    _fact_shape(shapes)
    _document_shape(shapes)
    return shapes


def shapes_turtle(ontology: Ontology) -> str:
    """The text of ontology/shapes.ttl; deterministic, so the drift test can compare bytes."""
    return HEADER + build_shapes(ontology).serialize(format="turtle")


def _add(shapes: Graph, node: URIRef | BNode, constraints: dict) -> URIRef | BNode:
    """Attach constraints. A list value becomes an RDF list (sh:or, sh:in, sh:path sequences);
    a dict inside it becomes an anonymous shape (the members of sh:or)."""
    for parameter, value in constraints.items():
        if isinstance(value, list):
            head = BNode()
            Collection(shapes, head, [_add(shapes, BNode(), v) if isinstance(v, dict) else v
                                      for v in value])
            value = head
        shapes.add((node, parameter, value))
    return node


def _node_shape(shapes: Graph, name: str, target: tuple, constraints: dict,
                properties: tuple[URIRef, ...] = ()) -> URIRef:
    shape = SHAPE[name]
    shapes.add((shape, RDF.type, SH.NodeShape))
    shapes.add((shape, *target))
    for prop in properties:
        shapes.add((shape, SH.property, prop))
    return _add(shapes, shape, constraints)


def _property_shape(shapes: Graph, name: str, path, constraints: dict) -> URIRef:
    """A named property shape: named, so the Turtle output is deterministic, one shape can
    serve several node shapes, and a violation says which check failed."""
    shape = SHAPE[name]
    shapes.add((shape, RDF.type, SH.PropertyShape))
    return _add(shapes, shape, {SH.path: path, **constraints})


_ONE = {SH.minCount: Literal(1), SH.maxCount: Literal(1)}
_AT_MOST_ONE = {SH.maxCount: Literal(1)}
# The period a time qualifier covers, on facts and measurements alike.
_PERIOD = ((VOCAB["startDate"], {**_AT_MOST_ONE, SH.datatype: XSD.date}),
           (VOCAB["endDate"], {**_AT_MOST_ONE, SH.datatype: XSD.date}))


def _label_shapes(shapes: Graph, ontology: Ontology) -> None:
    """Every class shares the two label property shapes, so a Company missing its label is
    one violation, not one per ancestor class."""
    zh = {SH.datatype: RDF.langString, SH.languageIn: [Literal(LANG)]}
    labels = (
        _property_shape(shapes, "label", RDFS.label, {
            **_ONE, **zh, SH.message: Literal("an entity has exactly one rdfs:label, tagged @zh")}),
        _property_shape(shapes, "altLabel", SKOS.altLabel, {
            **zh, SH.message: Literal("aliases (skos:altLabel) are tagged @zh")}))
    for name in sorted(c for c in ontology.classes if ontology.is_a(c, ("Entity",))):
        _node_shape(shapes, name, (SH.targetClass, URIRef(ontology.class_iri(name))), {}, labels)


def _class_constraint(ontology: Ontology, classes: tuple[str, ...]) -> dict:
    """rdfs:domain/range (owl:unionOf flattened by the loader) → sh:class or sh:or."""
    iris = [URIRef(ontology.class_iri(c)) for c in classes]
    if len(iris) == 1:
        return {SH["class"]: iris[0]}
    return {SH["or"]: [{SH["class"]: c} for c in iris]}


def _predicate_shapes(shapes: Graph, ontology: Ontology, predicate: Predicate) -> None:
    prop = URIRef(predicate.iri)
    name = f"{predicate.id} ({predicate.label})"
    _node_shape(shapes, f"{predicate.id}-domain", (SH.targetSubjectsOf, prop), {
        **_class_constraint(ontology, predicate.domain),
        SH.message: Literal(f"subject of {name} must be {' or '.join(predicate.domain)}")})
    if not predicate.is_quantity:
        _node_shape(shapes, f"{predicate.id}-range", (SH.targetObjectsOf, prop), {
            **_class_constraint(ontology, predicate.range),
            SH.message: Literal(f"object of {name} must be {' or '.join(predicate.range)}")})
        return
    dimensions = [ZHKG[d] for d in predicate.dimensions]
    allowed = " or ".join(predicate.dimensions)
    checks = [
        _property_shape(shapes, f"{predicate.id}-unitDimension", [QUDT.unit, ZHKG.dimension], {
            SH.minCount: Literal(1), SH["in"]: dimensions,
            SH.message: Literal(f"the unit of {name} must measure {allowed}")}),
        _property_shape(shapes, f"{predicate.id}-dimension", ZHKG.dimension, {
            SH["in"]: dimensions, SH.message: Literal(f"the dimension of {name} must be {allowed}")})]
    bounds = _bounds(frozenset(predicate.dimensions))
    if bounds:
        checks.append(_property_shape(shapes, f"{predicate.id}-value", SCHEMA.value, {
            **bounds, SH.message: Literal(f"the value of {name} is out of the plausible range")}))
    _node_shape(shapes, f"{predicate.id}-range", (SH.targetObjectsOf, prop), {
        SH["class"]: ZHKG.Quantity, SH.message: Literal(f"object of {name} must be a zhkg:Quantity")},
        tuple(checks))


def _bounds(dimensions: frozenset[str]) -> dict:
    """Plausible values, from what the dimensions mean (see docs/rdf.md, SHACL)."""
    if dimensions == PERCENT_OF_WHOLE:
        return {SH.minInclusive: Literal(-100), SH.maxInclusive: Literal(100)}
    if dimensions <= PERCENT_OR_CHANGE:
        return {SH.minInclusive: Literal(-100)}
    if not dimensions & SIGNED:
        return {SH.minInclusive: Literal(0)}
    return {}


def _properties_of(shapes: Graph, owner: str, checks: tuple[tuple[URIRef, dict], ...]) -> tuple[URIRef, ...]:
    return tuple(_property_shape(shapes, f"{owner}-{_local(path)}", path, constraints)
                 for path, constraints in checks)


def _quantity_shape(shapes: Graph) -> None:
    _node_shape(shapes, "Quantity", (SH.targetClass, ZHKG.Quantity), {}, _properties_of(shapes, "Quantity", (
        (VOCAB["value"], {**_ONE, SH.datatype: XSD.decimal}),
        (VOCAB["unit"], {**_ONE, SH["class"]: ZHKG.Unit}),
        (VOCAB["raw"], {**_ONE, SH.datatype: XSD.string}),
        (VOCAB["dimension"], {**_ONE, SH["class"]: ZHKG.Dimension}),
        (VOCAB["approximate"], {**_AT_MOST_ONE, SH.datatype: XSD.boolean}), *_PERIOD)))


def _fact_shape(shapes: Graph) -> None:
    offset = {**_AT_MOST_ONE, SH.datatype: XSD.integer, SH.minInclusive: Literal(0)}
    iri = {**_ONE, SH.nodeKind: SH.IRI}
    _node_shape(shapes, "Fact", (SH.targetClass, ZHKG.Fact), {}, _properties_of(shapes, "Fact", (
        (VOCAB["confidence"], {**_ONE, SH.datatype: XSD.decimal, SH.minInclusive: Literal(0),
                               SH.maxInclusive: Literal(1)}),
        (VOCAB["subject"], iri), (VOCAB["predicate"], iri), (VOCAB["object"], iri),
        (VOCAB["derivedFrom"], {**_ONE, SH["class"]: ZHKG.Document}),
        (VOCAB["inferred"], {**_AT_MOST_ONE, SH.datatype: XSD.boolean}),
        (VOCAB["evidenceStart"], offset), (VOCAB["evidenceEnd"], offset), *_PERIOD)))


def _document_shape(shapes: Graph) -> None:
    """A document names its input file (not a path) and the SHA-256 of its text."""
    _node_shape(shapes, "Document", (SH.targetClass, VOCAB["Document"]), {}, _properties_of(shapes, "Document", (
        (VOCAB["source"], {**_AT_MOST_ONE, SH.datatype: XSD.string, SH.pattern: Literal("^([^/\\\\]+|https?://.+)$"), SH.flags: Literal("i"),
                           SH.message: Literal("dcterms:source is the input's file name (or web address), not a local path")}),
        (VOCAB["sha256"], {**_AT_MOST_ONE, SH.datatype: XSD.string, SH.pattern: Literal("^[0-9a-f]{64}$")}))))


def shacl_violations(data: Graph, ontology_graph: Graph, shapes: Graph | None = None) -> list[Violation]:
    """Validate an export (`to_rdf` output or a parsed file) against the shapes, with the
    ontology merged in so sh:class sees the class hierarchy and units their dimensions.

    `shapes` defaults to ontology/shapes.ttl; pass `build_shapes(ontology)` when the
    ontology was extended. A Dataset is validated as the union of its graphs, because a
    fact (named graph) refers to entities described in the default graph.
    """
    if shapes is None:
        shapes = Graph().parse(SHAPES, format="turtle")
    data = _merged(data, ontology_graph)
    _, report, _ = validate(data, shacl_graph=shapes, inference="none", allow_infos=True,
                            allow_warnings=True)
    found = (_violation(report, shapes, data, result)
             for result in report.subjects(RDF.type, SH.ValidationResult))
    return sorted(set(found), key=lambda v: (v.rule, v.message, v.found))


def _merged(data: Graph, ontology_graph: Graph) -> Graph:
    """Data and the whole ontology in one graph. pyshacl's own `ont_graph` copies only class
    and property axioms, but the unit checks need the units' `zhkg:dimension` and the
    dimensions' types, which are instance data of the ontology."""
    merged = union_graph(data)
    for triple in ontology_graph:
        merged.add(triple)
    return merged


def _violation(report: Graph, shapes: Graph, data: Graph, result) -> Violation:
    """One sh:ValidationResult → Violation(rule "shacl:<shape>/<component>", expected from
    the shape's own parameter, found = the offending value)."""
    shape = report.value(result, SH.sourceShape)
    component = _local(report.value(result, SH.sourceConstraintComponent)).removesuffix("ConstraintComponent")
    focus = report.value(result, SH.focusNode)
    path = report.value(result, SH.resultPath)
    value = report.value(result, SH.value)
    where = _describe(data, focus) + (f" {path.n3(shapes.namespace_manager)}" if isinstance(path, URIRef) else "")
    message = str(report.value(result, SH.resultMessage) or component)
    parameter = SH[component[0].lower() + component[1:]]
    return Violation(rule=f"shacl:{_local(shape) if isinstance(shape, URIRef) else 'anonymous'}/{component}",
                     message=f"{where}: {message}",
                     expected=_render(shapes, shapes.value(shape, parameter)),
                     found="" if value is None else _describe(data, value))


def _render(shapes: Graph, node) -> str:
    """A constraint parameter as text: lists joined by |, anonymous shapes by their content."""
    if node is None:
        return ""
    if isinstance(node, BNode) and shapes.value(node, RDF.first) is not None:
        return " | ".join(_render(shapes, item) for item in Collection(shapes, node))
    if isinstance(node, BNode):
        return " ".join(_render(shapes, o) for _, o in sorted(shapes.predicate_objects(node)))
    return _local(node) if isinstance(node, URIRef) else str(node)


def _describe(data: Graph, node) -> str:
    """A node for a person: label (or raw text, for a Quantity) and classes; literals as
    their lexical form."""
    if isinstance(node, Literal):
        return f"{node}@{node.language}" if node.language else str(node)
    label = data.value(node, RDFS.label) or data.value(node, VOCAB["raw"])
    types = sorted(_local(t) for t in data.objects(node, RDF.type))
    name = f"{label} <{node}>" if label is not None else f"<{node}>"
    return f"{name} ({', '.join(types)})" if types else name


def _local(node) -> str:
    text = str(node)
    return text.rsplit("#", 1)[-1] if "#" in text else text.rsplit("/", 1)[-1]
