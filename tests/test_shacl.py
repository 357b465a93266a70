"""SHACL shapes: generated from the ontology, a clean export conforms, wrong facts are named."""

from __future__ import annotations

import json
from dataclasses import replace
from decimal import Decimal

import pytest
from click.testing import CliRunner
from pyshacl import validate
from rdflib import DCTERMS, RDF, Graph, Literal, URIRef

from kg.cli import main
from kg.model import (Document, Entity, Evidence, KnowledgeGraph, PredicateRef, Quantity,
                      TimeQualifier, Triple, Violation)
from kg.ontology import SHAPES, ZHKG, load_graph, load_ontology
from kg.shacl import shacl_violations, shapes_turtle
from kg.sinks.rdf import FORMATS, read_rdf, to_rdf, union_graph

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


# A short article of my own with entity facts, measured facts, a quarter and a person.
ARTICLE = ("星海汽车2024年第四季度营收约512亿元，全年交付新车40万辆以上，毛利率从18.2%升至19.5%。\n"
           "星海汽车与宁德时代签署战略合作协议。董事长林远航表示将在合肥新建工厂。\n")


@pytest.fixture(scope="module")
def fresh_build(tmp_path_factory):
    """`kg build` on the article, every RDF format, as a user runs it (absolute input path)."""
    folder = tmp_path_factory.mktemp("build")
    article = folder / "星海汽车.txt"
    article.write_text(ARTICLE, encoding="utf-8")
    out = folder / "out"
    args = ["build", str(article.resolve()), "-o", str(out), "-q", "--no-html", "--workers", "1",
            *(x for fmt in FORMATS for x in ("--rdf", fmt))]
    result = CliRunner().invoke(main, args, catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return out


def test_新构建的输出经kg_validate_shacl检查符合全部形状(fresh_build):
    result = CliRunner().invoke(main, ["validate", str(fresh_build), "--shacl"], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    summary = json.loads(result.output)
    assert summary["shacl"] == {"conforms": True, "violations": 0, "by_rule": {}}


@pytest.mark.parametrize("fmt", sorted(FORMATS))
def test_新构建写出的每种RDF在pyshacl加本体和RDFS推理下符合形状(fmt, fresh_build, ontology_graph):
    data = union_graph(read_rdf(fresh_build / f"graph{FORMATS[fmt].suffix}", fmt))
    assert len(set(data.subjects(RDF.type, ZHKG.Fact))) >= 4  # measured and entity facts alike
    conforms, _, text = validate(data, shacl_graph=Graph().parse(SHAPES, format="turtle"),
                                 ont_graph=ontology_graph, inference="rdfs")
    assert conforms, text
    assert shacl_violations(data, ontology_graph) == []


def test_不符合形状时kg_validate_shacl以状态1退出(tmp_path):
    bad = replace(_relation(BYD, "partnerOf", HUAWEI), evidence=Evidence("d1", EVIDENCE.sentence, -3, 10))
    path = tmp_path / "triples.jsonl"
    path.write_text(json.dumps(bad.to_dict(), ensure_ascii=False) + "\n", encoding="utf-8")
    result = CliRunner().invoke(main, ["validate", str(path), "--shacl"], catch_exceptions=False)
    assert result.exit_code == 1
    shacl = json.loads(result.output)["shacl"]
    assert shacl["conforms"] is False and shacl["by_rule"] == {"shacl:Fact-evidenceStart/MinInclusive": 1}


def test_只有事实的图也给文档和单位写上类型(ontology, ontology_graph):
    data = union_graph(to_rdf(KnowledgeGraph(triples=[_revenue()]), ontology))
    assert (URIRef("https://w3id.org/zhkg/id/doc/d1"), RDF.type, ZHKG.Document) in data
    assert (URIRef("http://qudt.org/vocab/currency/CNY"), RDF.type, ZHKG.Unit) in data
    assert (ZHKG.currency, RDF.type, ZHKG.Dimension) in data
    conforms, _, text = validate(data, shacl_graph=Graph().parse(SHAPES, format="turtle"),
                                 ont_graph=ontology_graph, inference="rdfs")
    assert conforms, text


def test_来源是本机路径时文档形状报告(ontology, ontology_graph):
    data = to_rdf(_graph(_revenue()), ontology)
    node = URIRef("https://w3id.org/zhkg/id/doc/d1")
    data.add((node, DCTERMS.source, Literal("/home/someone/年报.txt")))
    assert [v.rule for v in shacl_violations(data, ontology_graph)] == ["shacl:Document-source/Pattern"]
