"""RDF export: every format parses back to the same graph, hostile names included."""

from __future__ import annotations

import json
import re
from decimal import Decimal
from pathlib import Path

import pytest
from rdflib import RDF, RDFS, SKOS, Graph, Literal, URIRef, XSD
from rdflib.compare import isomorphic, to_isomorphic

from kg.model import (Document, Entity, Evidence, KnowledgeGraph, PredicateRef, Quantity,
                      TimeQualifier, Triple)
from kg.ontology import ZHKG
from kg.sinks.rdf import (DEFAULT_BASE, FORMATS, SCHEMA, decimal_lexical, iri_segment, read_rdf,
                          statements, to_rdf, union_graph, write_rdf)
from kg.sinks.rdf_stream import text

DOCS = Path(__file__).resolve().parent.parent / "docs" / "rdf.md"
HOSTILE = ['比亚迪 汽车', '他说"你好"', "<script>&</script>", "🚗⚡电动", "第一行\n第二行\r\t结尾\\",
           "e\u0301"]  # the last one is decomposed: NFC must not change the literal


def _quantity_triple(subject: Entity, predicate: str, label: str, raw: str, value: str, unit: str,
                     dimension: str, year: str, doc: str = "d1", **extra) -> Triple:
    sentence = f"{subject.name}{year}年{label}{raw}。"
    return Triple(subject, PredicateRef(predicate, label),
                  Quantity(raw, Decimal(value), unit, dimension, **extra),
                  Evidence(doc, sentence, 0, len(sentence)), TimeQualifier(f"{year}年", year), 0.9,
                  "rule:quantity")


@pytest.fixture(scope="module")
def small_graph() -> KnowledgeGraph:
    """比亚迪 with revenue over two years, a partner with a hostile name, two documents."""
    byd = Entity.named("比亚迪", "Company", ["BYD", "比亚迪股份有限公司"])
    hostile = Entity.named(HOSTILE[0], "Company", HOSTILE[1:])
    person = Entity.named("王传福", "Person")
    triples = [
        _quantity_triple(byd, "revenue", "营收", "3659亿元", "3.659E+11", "元", "currency", "2024"),
        _quantity_triple(byd, "revenue", "营收", "约6023亿元", "602300000000.00", "元", "currency",
                         "2023", doc="d2", modifier="约"),
        _quantity_triple(byd, "grossMargin", "毛利率", "21.9%", "21.90", "%", "percentage", "2024",
                         previous=Quantity("20.2%", Decimal("20.2"), "%", "percentage")),
        Triple(byd, PredicateRef("partnerOf", "合作"), hostile,
               Evidence("d1", "比亚迪与他们合作。", 20, 29), None, 0.75, "rule:relation"),
        Triple(person, PredicateRef("worksFor", "任职"), byd,
               Evidence("d2", "王传福是比亚迪董事长。", 5, 16), None, 0.6, "rule:relation", True),
    ]
    documents = {"d1": Document("d1", "…", "news/比亚迪.txt", "比亚迪 2024 年报"),
                 "d2": Document("d2", "…", "", "")}
    return KnowledgeGraph({e.id: e for e in (byd, hostile, person)}, triples, [], documents)


def _named_graphs(dataset) -> dict[str, Graph]:
    out = {}
    for graph in dataset.graphs():
        if len(graph):
            copy = Graph()
            for triple in graph:
                copy.add(triple)
            out[str(graph.identifier)] = copy
    return out


@pytest.mark.parametrize("fmt", sorted(FORMATS))
def test_每种格式写出再读回与内存图同构(fmt, small_graph, ontology, tmp_path):
    path = tmp_path / f"out{FORMATS[fmt].suffix}"
    count = write_rdf(small_graph, path, fmt, ontology)
    expected = to_rdf(small_graph, ontology)
    back = read_rdf(path, fmt)
    assert count == len(union_graph(expected))
    assert isomorphic(union_graph(back), union_graph(expected))
    assert to_isomorphic(union_graph(back)) == to_isomorphic(union_graph(expected))


@pytest.mark.parametrize("fmt", ["trig", "nq", "jsonld"])
def test_四元组格式把每篇文档的事实放进自己的命名图(fmt, small_graph, ontology, tmp_path):
    path = tmp_path / f"out{FORMATS[fmt].suffix}"
    write_rdf(small_graph, path, fmt, ontology)
    back, expected = _named_graphs(read_rdf(path, fmt)), _named_graphs(to_rdf(small_graph, ontology))
    assert {f"{DEFAULT_BASE}graph/d1", f"{DEFAULT_BASE}graph/d2"} <= set(back)
    assert back.keys() == expected.keys()
    assert all(isomorphic(back[name], expected[name]) for name in expected)


@pytest.mark.parametrize("fmt", sorted(FORMATS))
def test_含空格引号尖括号表情换行的名字原样读回(fmt, small_graph, ontology, tmp_path):
    path = tmp_path / f"out{FORMATS[fmt].suffix}"
    write_rdf(small_graph, path, fmt, ontology)
    back = union_graph(read_rdf(path, fmt))
    labels = {str(o) for o in back.objects(None, RDFS.label)} | {str(o) for o in back.objects(None, SKOS.altLabel)}
    assert set(HOSTILE) <= labels
    assert all(o.language == "zh" for o in back.objects(None, RDFS.label))


def test_小数用规范词法形式而不是科学计数或补零(small_graph, ontology):
    values = {str(o) for o in union_graph(to_rdf(small_graph, ontology)).objects(None, SCHEMA.value)}
    assert values == {"365900000000", "602300000000", "21.9", "20.2"}
    assert [decimal_lexical(Decimal(v)) for v in ("2177", "2177.0", "-0.00", "1E+3", "0.050")] == \
        ["2177", "2177", "0", "1000", "0.05"]


def test_再次导出逐字节相同(small_graph, ontology, tmp_path):
    write_rdf(small_graph, tmp_path / "a.ttl", "ttl", ontology)
    write_rdf(small_graph, tmp_path / "b.ttl", "ttl", ontology)
    assert (tmp_path / "a.ttl").read_bytes() == (tmp_path / "b.ttl").read_bytes()


def test_实体以本体类为类型且同时有直接关系和带出处的事实节点(small_graph, ontology):
    graph = union_graph(to_rdf(small_graph, ontology))
    byd = URIRef(f"{DEFAULT_BASE}entity/{small_graph.triples[0].subject.id}")
    partner = URIRef(f"{DEFAULT_BASE}entity/{small_graph.triples[3].object.id}")
    assert (byd, RDF.type, ZHKG.Company) in graph
    assert (byd, ZHKG.partnerOf, partner) in graph
    fact = graph.value(predicate=RDF.object, object=partner)
    assert graph.value(fact, ZHKG.confidence) == Literal("0.75", datatype=XSD.decimal)
    assert graph.value(fact, ZHKG.evidenceStart) == Literal(20)
    assert str(graph.value(fact, URIRef("http://www.w3.org/ns/prov#wasDerivedFrom"))).endswith("/doc/d1")


def test_中文标识在IRI里只有一种百分号编码的写法():
    assert iri_segment("比亚迪") == iri_segment("比亚迪") == "%E6%AF%94%E4%BA%9A%E8%BF%AA"
    assert iri_segment("e\u0301") == iri_segment("\u00e9")
    assert iri_segment("a b/c") == "a%20b%2Fc"


def test_流式写出的字面量转义被rdflib逐字读回():
    hostile = "".join(chr(c) for c in range(0, 0x80)) + "中文🚗\u2028"
    graph = Graph().parse(data=f"<urn:s> <urn:p> {text(hostile, 'zh')} .\n", format="nt")
    assert str(graph.value(URIRef("urn:s"), URIRef("urn:p"))) == hostile


def test_未知格式和坏的基础IRI给出清楚的错误(small_graph, ontology, tmp_path):
    with pytest.raises(ValueError, match="unknown RDF format 'rdfxml'"):
        write_rdf(small_graph, tmp_path / "x", "rdfxml", ontology)
    with pytest.raises(ValueError, match="absolute IRI"):
        list(statements(small_graph, ontology, "zhkg/id"))


def _sparql_blocks() -> list[str]:
    return re.findall(r"```sparql\n(.*?)```", DOCS.read_text(encoding="utf-8"), re.S)


def test_文档里的SPARQL查询在导出上能跑(small_graph, ontology):
    queries = _sparql_blocks()
    assert len(queries) >= 3
    dataset = to_rdf(small_graph, ontology)
    revenue = [(str(row.year), str(row.value)) for row in dataset.query(queries[0])]
    assert revenue == [("2023", "602300000000"), ("2024", "365900000000")]
    assert all(len(list(dataset.query(q))) > 0 for q in queries[1:])


def test_JSON_LD的上下文内联读回时不取任何网址(small_graph, ontology, tmp_path):
    path = tmp_path / "out.jsonld"
    write_rdf(small_graph, path, "jsonld", ontology)
    context = json.loads(path.read_text(encoding="utf-8"))["@context"]
    assert isinstance(context, dict) and context["zhkg"] == str(ZHKG)
