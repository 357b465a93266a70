"""Analytics on a small graph made from model objects: four companies, a person, measurements."""

from decimal import Decimal

import pytest

from kg import analytics
from kg.model import (Document, Entity, Evidence, KnowledgeGraph, PredicateRef, Quantity, Rejection,
                      TimeQualifier, Triple, Violation)

HUAXIN = Entity.named("华信电池", "Company", aliases=("華信電池", "华信"), mentions=5)
LANTU = Entity.named("蓝图汽车", "Company", mentions=3)
QINGSHAN = Entity.named("青山材料", "Company", mentions=2)
BEIHU = Entity.named("北湖软件", "Company", mentions=1)
XIAOMING = Entity.named("周晓明", "Person", mentions=1)
PARTNER = PredicateRef("partnerOf", "合作伙伴")
SUPPLIER = PredicateRef("supplierOf", "供应商")
WORKS_FOR = PredicateRef("worksFor", "任职于")
REVENUE = PredicateRef("revenue", "营收")
PROFIT = PredicateRef("netProfit", "净利润")


def fact(subject, predicate, obj, sentence, time=None, confidence=0.8, doc="d1"):
    return Triple(subject, predicate, obj, Evidence(doc, sentence, 0, len(sentence)),
                  TimeQualifier(time, time) if time else None, confidence)


def money(raw, value):
    return Quantity(raw, Decimal(value), "元", "currency")


@pytest.fixture
def graph():
    triples = [
        fact(HUAXIN, SUPPLIER, LANTU, "华信电池是蓝图汽车的电池供应商。"),
        fact(HUAXIN, PARTNER, LANTU, "华信电池与蓝图汽车签署长期合作协议。", confidence=0.6, doc="d2"),
        fact(HUAXIN, SUPPLIER, QINGSHAN, "青山材料向华信电池供应正极材料。", confidence=0.9),
        fact(XIAOMING, WORKS_FOR, HUAXIN, "周晓明担任华信电池董事长。"),
        fact(HUAXIN, REVENUE, money("120亿元", "12000000000"), "华信电池2023年营收120亿元。", "2023"),
        fact(HUAXIN, REVENUE, money("95亿元", "9500000000"), "华信电池2022年营收95亿元。", "2022"),
        fact(HUAXIN, PROFIT, money("8亿元", "800000000"), "华信电池净利润8亿元。"),
        fact(LANTU, REVENUE, money("300亿元", "30000000000"), "蓝图汽车2023年营收300亿元。", "2023"),
    ]
    rejected = [Rejection(fact(BEIHU, WORKS_FOR, HUAXIN, "北湖软件任职于华信电池。"),
                          (Violation("domain", "worksFor needs a Person"),))]
    entities = {e.id: e for e in (HUAXIN, LANTU, QINGSHAN, BEIHU, XIAOMING)}
    documents = {"d1": Document("d1", "……", "d1.txt", "华信电池年报"), "d2": Document("d2", "……", "d2.txt", "合作公告")}
    return KnowledgeGraph(entities, triples, rejected, documents)


def test_to_networkx_keeps_each_fact_as_an_edge_and_measurements_on_the_node(graph):
    g = analytics.to_networkx(graph)
    assert g.number_of_edges(HUAXIN.id, LANTU.id) == 2
    edge = g[HUAXIN.id][QINGSHAN.id][2]  # keyed by position in graph.triples
    assert edge["predicate"] == "supplierOf" and edge["evidence"] == "青山材料向华信电池供应正极材料。"
    assert g.nodes[HUAXIN.id]["name"] == "华信电池" and "华信" in g.nodes[HUAXIN.id]["aliases"]
    assert sorted(m["raw"] for m in g.nodes[HUAXIN.id]["measurements"]) == ["120亿元", "8亿元", "95亿元"]
    assert g.nodes[BEIHU.id]["measurements"] == []


@pytest.mark.parametrize("by", ["pagerank", "degree"])
def test_central_entities_ranks_the_best_linked_company_first_and_filters_by_class(graph, by):
    ranked = analytics.central_entities(graph, by=by)
    assert ranked[0].entity == HUAXIN
    assert {r.entity.type for r in ranked} == {"Company"}
    assert XIAOMING in [r.entity for r in analytics.central_entities(graph, by=by, types=None)]
    assert len(analytics.central_entities(graph, by=by, top=2)) == 2


def test_central_entities_counts_every_fact_for_degree(graph):
    scores = {r.entity.name: r.score for r in analytics.central_entities(graph, by="degree", types=None)}
    assert scores["华信电池"] == 4 and scores["蓝图汽车"] == 2 and scores["北湖软件"] == 0


def test_central_entities_refuses_an_unknown_measure(graph):
    with pytest.raises(ValueError, match="pagerank"):
        analytics.central_entities(graph, by="betweenness")


def test_communities_group_linked_entities_and_leave_out_unlinked_ones(graph):
    groups = analytics.communities(graph)
    members = [e for group in groups for e in group]
    assert set(members) == {HUAXIN, LANTU, QINGSHAN, XIAOMING}
    assert BEIHU not in members
    assert analytics.communities(KnowledgeGraph()) == []


def test_shortest_path_returns_the_facts_with_their_evidence_whatever_their_direction(graph):
    hops = analytics.shortest_path(graph, "周晓明", "蓝图汽车")
    assert [(t.subject.name, t.predicate.id, t.object.name) for t in hops] == [
        ("周晓明", "worksFor", "华信电池"), ("华信电池", "supplierOf", "蓝图汽车")]
    assert hops[1].evidence.sentence == "华信电池是蓝图汽车的电池供应商。"  # the surer of two facts


def test_shortest_path_finds_entities_by_alias_and_traditional_spelling(graph):
    assert len(analytics.shortest_path(graph, "華信電池", QINGSHAN.id)) == 1
    assert analytics.shortest_path(graph, "华信", "北湖软件") == []
    with pytest.raises(analytics.UnknownEntity):
        analytics.shortest_path(graph, "不存在公司", "华信电池")


def test_metrics_by_year_lists_values_in_time_order_with_untimed_ones_last(graph):
    rows = analytics.metrics_by_year(graph, "华信电池")
    assert [(r.year, r.label, r.raw) for r in rows] == [(2022, "营收", "95亿元"), (2023, "营收", "120亿元"),
                                                        (None, "净利润", "8亿元")]
    assert rows[1].value == 12_000_000_000 and rows[1].unit == "元"
    assert [r.raw for r in analytics.metrics_by_year(graph, "华信电池", "revenue")] == ["95亿元", "120亿元"]
    assert [r.raw for r in analytics.metrics_by_year(graph, "华信电池", "净利润")] == ["8亿元"]


def test_summary_counts_classes_predicates_rules_and_documents(graph):
    stats = analytics.summary(graph)
    assert stats["counts"] == {"documents": 2, "entities": 5, "triples": 8, "rejected": 1, "mentions": 0}
    assert stats["entities_by_class"] == {"Company": 4, "Person": 1}
    assert stats["triples_by_predicate"]["营收"] == 3
    assert stats["rejected_by_rule"] == {"domain": 1}
    assert stats["top_entities"][0]["name"] == "华信电池"
    assert stats["documents"] == [{"id": "d1", "title": "华信电池年报", "triples": 7},
                                  {"id": "d2", "title": "合作公告", "triples": 1}]


def test_format_summary_is_readable_text(graph):
    text = analytics.format_summary(analytics.summary(graph))
    assert text.startswith("2 documents, 5 entities, 8 triples, 1 rejected, 0 mentions")
    assert "华信电池 (Company)" in text and "合作公告" in text
