"""SHACL shapes: generated from the ontology, a clean export conforms, wrong facts are named."""

from __future__ import annotations

from dataclasses import replace
from decimal import Decimal

import pytest

from kg.model import (Document, Entity, Evidence, KnowledgeGraph, PredicateRef, Quantity,
                      TimeQualifier, Triple, Violation)
from kg.ontology import SHAPES, load_graph
from kg.shacl import shacl_violations, shapes_turtle
from kg.sinks.rdf import to_rdf

EVIDENCE = Evidence("d1", "比亚迪2024年营收7771亿元，与华为合作。", 0, 22)
BYD = Entity.named("比亚迪", "Company")
HUAWEI = Entity.named("华为", "Company")
WANG = Entity.named("王传福", "Person")
SHENZHEN = Entity.named("深圳", "Location")


@pytest.fixture(scope="module")
def ontology_graph():
    return load_graph()


def _revenue(value: str = "777100000000", unit: str = "元", dimension: str = "currency") -> Triple:
    return Triple(BYD, PredicateRef("revenue", "营收"), Quantity("7771亿元", Decimal(value), unit, dimension),
                  EVIDENCE, TimeQualifier("2024年", "2024"), 0.9, "rule:quantity")


def _relation(subject: Entity, predicate: str, obj: Entity, confidence: float = 0.8) -> Triple:
    return Triple(subject, PredicateRef(predicate, predicate), obj, EVIDENCE, None, confidence, "rule:relation")


def _graph(*triples: Triple) -> KnowledgeGraph:
    return KnowledgeGraph({}, list(triples), [], {"d1": Document("d1", EVIDENCE.sentence, "", "年报")})


def _violations(ontology, ontology_graph, *triples: Triple) -> list[Violation]:
    return shacl_violations(to_rdf(_graph(*triples), ontology), ontology_graph)


def test_shapes文件与从本体生成的结果一字不差(ontology):
    assert SHAPES.read_text(encoding="utf-8") == shapes_turtle(ontology)


def test_合法的导出符合全部形状(ontology, ontology_graph):
    share = Triple(BYD, PredicateRef("marketShare", "市占率"),
                   Quantity("32.5%", Decimal("32.5"), "%", "percentage"), EVIDENCE, None, 0.7)
    deliveries = Triple(BYD, PredicateRef("deliveries", "交付"),
                        Quantity("约427万辆", Decimal("4270000"), "辆", "vehicles", modifier="约",
                                 previous=Quantity("302万辆", Decimal("3020000"), "辆", "vehicles")),
                        EVIDENCE, None, 1.0)
    assert _violations(ontology, ontology_graph, _revenue(), share, deliveries,
                       _relation(BYD, "partnerOf", HUAWEI), _relation(WANG, "worksFor", BYD),
                       _relation(BYD, "locatedIn", SHENZHEN)) == []


def test_营收用辆作单位违反量纲形状(ontology, ontology_graph):
    violations = _violations(ontology, ontology_graph, _revenue("100", "辆", "vehicles"))
    rules = {v.rule for v in violations}
    assert {"shacl:revenue-unitDimension/In", "shacl:revenue-dimension/In"} <= rules
    unit = next(v for v in violations if v.rule == "shacl:revenue-unitDimension/In")
    assert unit.expected == "currency" and "ontology#vehicles" in unit.found
    assert "7771亿元" in unit.message and "revenue (营收)" in unit.message


def test_宾语类型不在值域内被报告并给出期望的类(ontology, ontology_graph):
    violations = _violations(ontology, ontology_graph, _relation(WANG, "worksFor", SHENZHEN))
    (wrong,) = [v for v in violations if v.rule == "shacl:worksFor-range/Or"]
    assert wrong.expected == "Organization | BusinessUnit"
    assert "深圳" in wrong.found and "Location" in wrong.found


def test_主语类型不在定义域内被报告(ontology, ontology_graph):
    violations = _violations(ontology, ontology_graph, _relation(SHENZHEN, "worksFor", BYD))
    assert [v.rule for v in violations] == ["shacl:worksFor-domain/Class"]
    assert violations[0].expected == "Person"


def test_百分比超出合理范围和负的计数被拒绝(ontology, ontology_graph):
    share = Triple(BYD, PredicateRef("marketShare", "市占率"),
                   Quantity("150%", Decimal("150"), "%", "percentage"), EVIDENCE, None)
    deliveries = Triple(BYD, PredicateRef("deliveries", "交付"),
                        Quantity("-5辆", Decimal("-5"), "辆", "vehicles"), EVIDENCE, None)
    rules = {v.rule: v for v in _violations(ontology, ontology_graph, share, deliveries)}
    assert rules["shacl:marketShare-value/MaxInclusive"].found == "150"
    assert rules["shacl:deliveries-value/MinInclusive"].expected == "0"


def test_置信度超出0到1被事实形状拒绝(ontology, ontology_graph):
    violations = _violations(ontology, ontology_graph, replace(_revenue(), confidence=1.5))
    assert [(v.rule, v.found) for v in violations] == [("shacl:Fact-confidence/MaxInclusive", "1.5")]


def test_缺少中文标签的实体违反类形状且只报一次(ontology, ontology_graph):
    data = to_rdf(_graph(_relation(BYD, "partnerOf", HUAWEI)), ontology)
    for label in list(data.triples((None, None, None))):
        if str(label[2]) == "华为":
            data.remove(label)
    violations = shacl_violations(data, ontology_graph)
    assert [v.rule for v in violations] == ["shacl:label/MinCount"]
