"""Figures across documents: series by period and conflicting figures (kg.figures), in the
commands, report.json, Neo4j, RDF and the page.

The fixture is five short news items about one (invented) company, written for these tests
and stored as a build directory written directly (triples.jsonl, entities.jsonl), so the tests
do not depend on the extractor: two agree on 2024 revenue (one in traditional script), one
disagrees, one is of another period, one states a change whose old value names its own year.
"""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

import pytest
from click.testing import CliRunner
from rdflib import Literal, URIRef, XSD

from kg.cli import main
from kg.figures import (Figure, agree, conflicts, consistent, entity_series, group_figures, merge_measurements, noisy_or,
                        page_series, precision)
from kg.model import (Document, Entity, Evidence, KnowledgeGraph, PredicateRef, Quantity, Span, TimeQualifier,
                      Triple)
from kg.ontology import ZHKG, load_graph as load_ontology_graph, load_ontology
from kg.sinks import jsonl

LANHAI = Entity.named("澜海储能", "Company", aliases=["澜海", "LANHAI"], mentions=6)
QIFENG = Entity.named("启峰电池", "Company", mentions=1)
LABELS = {"revenue": "营收", "growthRate": "增长率", "netProfit": "净利润", "partnerOf": "合作"}

# doc id → the article (one sentence each is enough: evidence offsets point into it)
ARTICLES = {
    "news-a": "澜海储能2024年营收389亿元，同比增长12%。2023年营收347亿元。",
    "news-b": "瀾海儲能2024年營收約389.2億元。",  # traditional script, agrees with news-a
    "news-c": "澜海储能2024年营收392亿元，同比增长13%，净利润增长25%。",  # disagrees with news-a
    "news-d": "澜海储能2025年第一季度营收98亿元。",  # another period
    "news-e": "澜海储能营收由2023年的350亿元增至2024年的389亿元。",  # old value of 2023 disagrees with 347
}


def _money(raw: str, yi: str, modifier: str = "", previous: Quantity | None = None) -> Quantity:
    return Quantity(raw, Decimal(yi) * 100_000_000, "元", "currency", modifier, None, previous)


def _percent(raw: str, value: str) -> Quantity:
    return Quantity(raw, Decimal(value), "%", "percentage")


def _sentence(text: str, raw: str) -> tuple[int, int]:
    """Offsets of the sentence of `text` that holds `raw`."""
    start = 0
    for part in text.split("。"):
        end = min(start + len(part) + 1, len(text))
        if raw in part:
            return start, end
        start = end
    raise ValueError(raw)


def _fact(doc: str, predicate: str, quantity: Quantity, time: tuple[str, str] | None, confidence: float = 0.8,
          qualifiers: tuple = (), subject: Entity = LANHAI) -> Triple:
    text = ARTICLES[doc]
    start, end = _sentence(text, quantity.raw)
    at = text.index(quantity.raw, start)
    return Triple(subject, PredicateRef(predicate, LABELS[predicate]), quantity,
                  Evidence(doc, text[start:end], start, end, (Span("object", at, at + len(quantity.raw)),)),
                  TimeQualifier(*time) if time else None, confidence, "rule:quantity", False, qualifiers)


TRIPLES = [
    _fact("news-a", "revenue", _money("389亿元", "389"), ("2024年", "2024")),
    _fact("news-a", "growthRate", _percent("12%", "12"), ("2024年", "2024"), qualifiers=(("of", "revenue"),)),
    _fact("news-a", "revenue", _money("347亿元", "347"), ("2023年", "2023")),
    _fact("news-b", "revenue", _money("約389.2億元", "389.2", "约"), ("2024年", "2024")),
    _fact("news-c", "revenue", _money("392亿元", "392"), ("2024年", "2024"), confidence=0.7),
    _fact("news-c", "growthRate", _percent("13%", "13"), ("2024年", "2024"), qualifiers=(("of", "revenue"),)),
    _fact("news-c", "growthRate", _percent("25%", "25"), ("2024年", "2024"), qualifiers=(("of", "netProfit"),)),
    _fact("news-d", "revenue", _money("98亿元", "98"), ("2025年第一季度", "2025-Q1")),
    _fact("news-e", "revenue", _money("389亿元", "389", previous=_money("350亿元", "350")), ("2024年", "2024"),
          confidence=0.6),
]
RELATION = Triple(LANHAI, PredicateRef("partnerOf", "合作"), QIFENG, Evidence("news-a", "澜海储能与启峰电池合作。", 0, 12),
                  None, 0.7, "rule:relation")


def _graph(triples=None) -> KnowledgeGraph:
    triples = list(TRIPLES if triples is None else triples) + [RELATION]
    return KnowledgeGraph({e.id: e for e in (LANHAI, QIFENG)}, triples, [],
                          {d: Document(d, t, f"{d}.txt", d) for d, t in ARTICLES.items()})


@pytest.fixture
def build_dir(tmp_path) -> Path:
    """A build directory written directly: triples.jsonl and entities.jsonl, nothing else."""
    out = tmp_path / "build"
    out.mkdir()
    jsonl.write_lines(out / jsonl.TRIPLES, (t.to_dict() for t in [*TRIPLES, RELATION]))
    jsonl.write_lines(out / jsonl.ENTITIES, (e.to_dict() for e in (LANHAI, QIFENG)))
    return out


def _kg(*args: str):
    return CliRunner().invoke(main, [str(a) for a in args], catch_exceptions=False)


def _figure(raw: str, value: str, unit: str = "元", modifier: str = "", upper: str | None = None) -> Figure:
    q = Quantity(raw, Decimal(value), unit, "currency", modifier, None if upper is None else Decimal(upper))
    return Figure(_fact("news-a", "revenue", _money("389亿元", "389"), ("2024年", "2024")), q, "2024", "2024年")


# ---------------------------------------------------------------- agreement

@pytest.mark.parametrize("quantity, step", [
    (_money("389亿元", "389"), Decimal("1E8")), (_money("約389.2億元", "389.2", "约"), Decimal("1E7")),
    (_money("约400亿元", "400", "约"), Decimal("1E10")), (_money("400亿元", "400"), Decimal("1E8")),
    (_money("超400亿元", "400", "超"), Decimal("1E8")),
    (_percent("23.3%", "23.3"), Decimal("0.1")), (Quantity("四成", Decimal(40), "%", "percentage"), Decimal(10)),
    (Quantity("1,250万辆", Decimal(12_500_000), "辆", "vehicles"), Decimal(10_000)),
])
def test_precision_is_the_last_digit_written_and_approximate_trailing_zeros_do_not_count(quantity, step):
    assert precision(quantity) == step


@pytest.mark.parametrize("a, b, agreed", [
    (("389亿元", "38900000000"), ("约389.2亿元", "38920000000", "元", "约"), True),
    (("389亿元", "38900000000"), ("392亿元", "39200000000"), False),
    (("389亿元", "38900000000"), ("389.6亿元", "38960000000"), False),
    (("约400亿元", "40000000000", "元", "约"), ("412亿元", "41200000000"), True),
    (("超400亿元", "40000000000", "元", "超"), ("400亿元", "40000000000"), True),
    (("超400亿元", "40000000000", "元", "超"), ("412亿元", "41200000000"), False),
    (("超过60万辆", "600000", "辆", "超过"), ("302.44万辆", "3024400", "辆"), False),
    (("389亿元", "38900000000"), ("389亿美元", "38900000000", "美元"), False),
    (("380-390亿元", "38000000000", "元", "", "39000000000"), ("385亿元", "38500000000"), True),
])
def test_figures_agree_when_equal_at_the_coarser_precision_in_one_unit(a, b, agreed):
    assert agree(_figure(*a), _figure(*b)) is agreed
    assert agree(_figure(*b), _figure(*a)) is agreed


@pytest.mark.parametrize("a, b, possible", [
    (("超过60万辆", "600000", "辆", "超过"), ("302.44万辆", "3024400", "辆"), True),
    (("超400亿元", "40000000000", "元", "超"), ("412亿元", "41200000000"), True),
    (("超400亿元", "40000000000", "元", "超"), ("390亿元", "39000000000"), False),
    (("389亿元", "38900000000"), ("392亿元", "39200000000"), False),
    (("389亿元", "38900000000"), ("392亿美元", "39200000000", "美元"), True),  # not comparable
])
def test_a_bound_conflicts_with_nothing_above_it_but_merges_only_near_its_number(a, b, possible):
    assert consistent(_figure(*a), _figure(*b)) is possible
    assert consistent(_figure(*b), _figure(*a)) is possible


def test_confidence_grows_with_independent_documents_by_noisy_or_and_one_document_counts_once():
    assert noisy_or([0.8, 0.8]) == 0.96
    revenue_2024 = next(g for g in group_figures(TRIPLES) if g.predicate_id == "revenue" and g.period == "2024")
    merged = next(v for v in revenue_2024.values if "news-a" in v.documents)
    assert merged.documents == ("news-a", "news-b", "news-e")
    assert merged.support == noisy_or([0.8, 0.8, 0.6]) == 0.984
    twice = _fact("news-a", "revenue", _money("389亿元", "389"), ("2024年", "2024"), confidence=0.9)
    [group] = group_figures([TRIPLES[0], twice])
    assert group.values[0].support == 0.9


# ---------------------------------------------------------------- conflicts

def test_documents_that_disagree_on_a_figure_are_a_conflict_and_agreeing_ones_one_value():
    found = {(g.predicate_id, g.period, g.qualifiers): g for g in conflicts(TRIPLES)}
    assert set(found) == {("revenue", "2023", ()), ("revenue", "2024", ()),
                          ("growthRate", "2024", (("of", "revenue"),))}
    values = [(v.raws, v.documents) for v in found[("revenue", "2024", ())].values]
    assert values == [(("約389.2億元", "389亿元"), ("news-a", "news-b", "news-e")), (("392亿元",), ("news-c",))]


def test_figures_of_different_periods_or_qualifiers_never_conflict():
    groups = {(g.predicate_id, g.period, g.qualifiers): g for g in group_figures(TRIPLES)}
    assert not groups[("revenue", "2025-Q1", ())].conflict
    assert not groups[("growthRate", "2024", (("of", "netProfit"),))].conflict
    undated = [_fact("news-a", "revenue", _money("389亿元", "389"), None),
               _fact("news-c", "revenue", _money("392亿元", "392"), None)]
    assert conflicts(undated) == []  # without a period two figures may be of different years


def test_one_document_stating_two_values_is_no_conflict_between_sources():
    same_doc = [_fact("news-a", "revenue", _money("389亿元", "389"), ("2024年", "2024")),
                _fact("news-a", "revenue", _money("347亿元", "347"), ("2024年", "2024"))]
    [group] = group_figures(same_doc)
    assert (len(group.values), group.conflict) == (2, False)
    other = _fact("news-c", "revenue", _money("392亿元", "392"), ("2024年", "2024"))
    [group] = group_figures([*same_doc, other])
    assert [v.conflict for v in group.values] == [True, True, True]


def test_a_change_old_value_counts_for_the_period_written_with_it():
    [group] = [g for g in conflicts(TRIPLES) if g.period == "2023"]
    old = next(v for v in group.values if v.raws == ("350亿元",))
    assert [f.role for f in old.figures] == ["previous"]
    assert old.figures[0].period_raw == "2023年"
    no_period = _fact("news-a", "revenue", _money("389亿元", "389", previous=_money("347亿元", "347")),
                      ("2024年", "2024"))
    assert [f.role for f in group_figures([no_period])[0].values[0].figures] == ["value"]  # 347 names no year here


def test_kg_conflicts_prints_each_disagreement_with_its_documents_and_exits_0(build_dir):
    result = _kg("conflicts", build_dir)
    assert result.exit_code == 0
    assert result.output == (
        "澜海储能 · 增长率 (of revenue) · 2024\n"
        "  12% = 12 %  (1 doc: news-a)\n"
        "  13% = 13 %  (1 doc: news-c)\n"
        "\n"
        "澜海储能 · 营收 · 2023\n"
        "  347亿元 = 34,700,000,000 元  (1 doc: news-a)\n"
        "  350亿元 = 35,000,000,000 元  (1 doc: news-e)\n"
        "\n"
        "澜海储能 · 营收 · 2024\n"
        "  約389.2億元 / 389亿元 = 38,920,000,000 元  (3 docs: news-a, news-b, news-e)\n"
        "  392亿元 = 39,200,000,000 元  (1 doc: news-c)\n"
        "\n"
        "3 conflicting figure(s).\n")


def test_kg_conflicts_json_is_one_object_per_conflict_with_values_and_evidence(build_dir):
    result = _kg("conflicts", build_dir, "--json")
    assert result.exit_code == 0
    lines = [json.loads(line) for line in result.output.splitlines()]
    assert [(c["subject"]["name"], c["predicate"]["id"], c["period"], c["qualifiers"]) for c in lines] == [
        ("澜海储能", "growthRate", "2024", {"of": "revenue"}), ("澜海储能", "revenue", "2023", {}),
        ("澜海储能", "revenue", "2024", {})]
    merged, rival = lines[2]["values"]
    assert {k: merged[k] for k in ("value", "unit", "raw", "documents", "sources", "confidence")} == {
        "value": 38_920_000_000, "unit": "元", "raw": ["約389.2億元", "389亿元"],
        "documents": ["news-a", "news-b", "news-e"], "sources": 3, "confidence": 0.984}
    assert [(e["doc"], e["raw"], e["sentence"]) for e in merged["evidence"]] == [
        ("news-b", "約389.2億元", ARTICLES["news-b"]), ("news-a", "389亿元", "澜海储能2024年营收389亿元，同比增长12%。"),
        ("news-e", "389亿元", ARTICLES["news-e"])]
    assert (rival["raw"], rival["documents"], rival["evidence"][0]["start"]) == (["392亿元"], ["news-c"], 0)
    old = next(v for v in lines[1]["values"] if v["raw"] == ["350亿元"])
    assert old["evidence"][0]["role"] == "previous"


def test_kg_conflicts_without_disagreement_says_so_and_exits_0(tmp_path):
    out = tmp_path / "b"
    out.mkdir()
    jsonl.write_lines(out / jsonl.TRIPLES, (t.to_dict() for t in TRIPLES[:2]))
    assert (_kg("conflicts", out).exit_code, _kg("conflicts", out).output) == (0, "No conflicting figures.\n")
    assert _kg("conflicts", out, "--json").output == ""


# ---------------------------------------------------------------- series

def test_kg_series_finds_the_entity_by_a_name_in_traditional_script_and_prints_a_table(build_dir):
    result = _kg("series", build_dir, "瀾海儲能")
    assert result.exit_code == 0
    assert result.output == (
        "澜海储能 (Company)  aliases: LANHAI, 澜海\n"
        "measure                period   as written               value           unit  docs  documents\n"
        "增长率 (of netProfit)  2024     25%                      25              %     1     news-c\n"
        "增长率 (of revenue)    2024     ≠ 12%                    12              %     1     news-a\n"
        "                                ≠ 13%                    13              %     1     news-c\n"
        "营收                   2023     ≠ 347亿元                34,700,000,000  元    1     news-a\n"
        "                                ≠ 350亿元                35,000,000,000  元    1     news-e\n"
        "营收                   2024     ≠ 約389.2億元 / 389亿元  38,920,000,000  元    3     news-a, news-b, news-e\n"
        "                                ≠ 392亿元                39,200,000,000  元    1     news-c\n"
        "营收                   2025-Q1  98亿元                   9,800,000,000   元    1     news-d\n")


def test_kg_series_json_has_one_row_per_predicate_and_period_and_filters_by_label_or_id(build_dir):
    by_label = json.loads(_kg("series", build_dir, "lanhai", "营收", "--json").output)
    by_id = json.loads(_kg("series", build_dir, "澜海", "revenue", "--json").output)
    assert by_label["entities"] == by_id["entities"]
    [entity] = by_label["entities"]
    assert entity["entity"]["name"] == "澜海储能"
    rows = [(r["period"], r["conflict"], [(v["raw"], v["unit"], v["sources"], v["documents"]) for v in r["values"]])
            for r in entity["rows"]]
    assert rows == [
        ("2023", True, [(["347亿元"], "元", 1, ["news-a"]), (["350亿元"], "元", 1, ["news-e"])]),
        ("2024", True, [(["約389.2億元", "389亿元"], "元", 3, ["news-a", "news-b", "news-e"]),
                        (["392亿元"], "元", 1, ["news-c"])]),
        ("2025-Q1", False, [(["98亿元"], "元", 1, ["news-d"])])]


def test_kg_series_of_an_unknown_entity_is_an_error(build_dir):
    result = CliRunner().invoke(main, ["series", str(build_dir), "无名公司"])
    assert result.exit_code == 1 and "no entity named '无名公司'" in result.output


def test_series_of_an_entity_with_no_figures_has_no_rows():
    [only] = entity_series(_graph(), "启峰电池")
    assert only["rows"] == []


# ---------------------------------------------------------------- report.json

def test_build_report_counts_and_lists_the_conflicts(build_dir):
    from kg.pipeline import BuildReport, write_graph_outputs
    report = BuildReport(validation={"valid": len(TRIPLES) + 1, "rejected": 0})
    _, summary = write_graph_outputs(build_dir, report, load_ontology(), rdf_formats=(), html=False)
    written = json.loads((build_dir / jsonl.REPORT).read_text(encoding="utf-8"))
    assert written["conflicts"] == summary["conflicts"]
    assert written["conflicts"]["count"] == 3
    assert [(c["predicate"]["id"], c["period"]) for c in written["conflicts"]["list"]] == [
        ("growthRate", "2024"), ("revenue", "2023"), ("revenue", "2024")]


# ---------------------------------------------------------------- RDF

def _rdf():
    from kg.sinks.rdf import DEFAULT_BASE, to_rdf, union_graph
    return union_graph(to_rdf(_graph(), load_ontology())), DEFAULT_BASE


def test_rdf_has_one_measurement_per_agreeing_value_with_sources_support_and_every_statement():
    graph, _ = _rdf()
    rows = sorted((str(r.raw), int(r.sources), str(r.support)) for r in graph.query(
        "SELECT ?raw ?sources ?support WHERE { ?c zhkg:revenue ?q . ?q zhkg:time '2024' ; zhkg:raw ?raw ; "
        "zhkg:sources ?sources ; zhkg:support ?support }", initNs={"zhkg": ZHKG}))
    assert rows == [("392亿元", 1, "0.7"), ("約389.2億元", 3, "0.984")]
    stated = sorted(str(r.stated) for r in graph.query(
        "SELECT ?stated WHERE { ?q zhkg:raw '約389.2億元' . ?f rdf:object ?q ; zhkg:statedAs ?stated }",
        initNs={"zhkg": ZHKG}))
    assert stated == ["389亿元", "389亿元", "約389.2億元"]


def test_rdf_links_disagreeing_values_both_ways_with_conflicts_with():
    graph, _ = _rdf()
    pairs = {(str(r.a), str(r.b)) for r in graph.query(
        "SELECT ?a ?b WHERE { ?x zhkg:conflictsWith ?y . ?x zhkg:raw ?a . ?y zhkg:raw ?b }", initNs={"zhkg": ZHKG})}
    assert pairs == {("約389.2億元", "392亿元"), ("392亿元", "約389.2億元"), ("12%", "13%"), ("13%", "12%")}
    # 347亿元 conflicts with a change's old value (350亿元), which has no measurement node of its own
    assert not list(graph.query("SELECT ?x WHERE { ?x zhkg:raw '347亿元' ; zhkg:conflictsWith ?y }",
                                initNs={"zhkg": ZHKG}))


def test_rdf_with_merged_and_conflicting_measurements_conforms_to_the_shapes():
    from kg.shacl import shacl_violations
    from kg.sinks.rdf import to_rdf
    assert shacl_violations(to_rdf(_graph(), load_ontology()), load_ontology_graph()) == []


def test_documented_conflict_query_answers_on_every_format(tmp_path):
    import re

    import pyoxigraph
    from kg.sinks.rdf import FORMATS, write_rdf
    docs = (Path(__file__).resolve().parent.parent / "docs" / "rdf.md").read_text(encoding="utf-8")
    query = next(b for b in re.findall(r"```sparql\n(.*?)```", docs, re.S) if "conflictsWith" in b)
    kinds = {"ttl": "TURTLE", "nt": "N_TRIPLES", "trig": "TRIG", "nq": "N_QUADS", "jsonld": "JSON_LD"}
    for fmt in FORMATS:
        path = tmp_path / f"g{FORMATS[fmt].suffix}"
        write_rdf(_graph(), path, fmt, load_ontology())
        store = pyoxigraph.Store()
        store.load(path=str(path), format=getattr(pyoxigraph.RdfFormat, kinds[fmt]))
        rows = [tuple(v.value if v is not None else "" for v in s) for s in store.query(query)]
        assert rows[:2] == [("12%", "2024", "1", "0.8", "13%"), ("13%", "2024", "1", "0.8", "12%")], fmt


# ---------------------------------------------------------------- Neo4j

def test_neo4j_rows_merge_agreeing_statements_and_the_bulk_csvs_keep_every_statement(tmp_path):
    from kg.sinks.neo4j_graph import graph_rows
    from kg.sinks.neo4j_import import write_neo4j_import
    rows = graph_rows(_graph(), load_ontology())
    revenue = rows.measurements["REVENUE"]
    assert len(revenue) == 6 and len({r["props"]["id"] for r in revenue}) == 4  # 347, 389 ×3, 392, 98
    write_neo4j_import(_graph(), tmp_path)
    lines = {name: (tmp_path / name).read_text(encoding="utf-8").splitlines()[1:]
             for name in ("measurements.csv", "measured.csv", "evidenced_by.csv")}
    merged = merge_measurements(_graph().triples, load_ontology())
    assert len(lines["measurements.csv"]) == len({v.id for v in merged.by_triple.values()}) == 7
    assert len(lines["measured.csv"]) == len(TRIPLES)
    assert len(lines["evidenced_by.csv"]) == len({(v.id, d) for v in merged.by_triple.values() for d in v.documents})


@pytest.mark.neo4j
def test_neo4j_marks_disagreeing_measurements_and_merges_agreeing_ones(neo4j_driver):
    from kg.sinks.neo4j import load_graph
    load_graph(_graph(), neo4j_driver)
    rows = neo4j_driver.execute_query(
        "MATCH (:Entity {name: '澜海储能'})-[r:REVENUE]->(m:Measurement) WITH m, count(r) AS statements "
        "RETURN m.time AS time, m.raw AS raw, m.sources AS sources, m.support AS support, m.conflict AS conflict, "
        "statements, COUNT { (m)-[:EVIDENCED_BY]->() } AS documents ORDER BY time, raw").records
    assert [tuple(r.values()) for r in rows] == [
        ("2023", "347亿元", 1, 0.8, True, 1, 1),
        ("2024", "392亿元", 1, 0.7, True, 1, 1),
        ("2024", "約389.2億元", 3, 0.984, True, 3, 3),
        ("2025-Q1", "98亿元", 1, 0.8, False, 1, 1)]
    stated = neo4j_driver.execute_query(
        "MATCH ()-[r:REVENUE]->(m:Measurement {raw: '約389.2億元'}) RETURN r.doc AS doc, r.stated AS stated "
        "ORDER BY doc").records
    assert [tuple(r.values()) for r in stated] == [("news-a", "389亿元"), ("news-b", "約389.2億元"),
                                                   ("news-e", "389亿元")]
    rivals = neo4j_driver.execute_query(
        "MATCH (e:Entity)-[r]->(m:Measurement {conflict: true}) WHERE m.time = '2024' "
        "RETURN m.label_zh AS measure, m.figure_id AS figure, collect(DISTINCT m.raw) AS values "
        "ORDER BY measure").records
    assert [(r["measure"], sorted(r["values"])) for r in rivals] == [
        ("增长率", ["12%", "13%"]), ("营收", ["392亿元", "約389.2億元"])]


@pytest.mark.neo4j
def test_neo4j_replacing_one_document_keeps_the_value_other_documents_state(neo4j_driver):
    from kg.sinks.neo4j import load_graph
    load_graph(_graph(), neo4j_driver)
    without_b = KnowledgeGraph({LANHAI.id: LANHAI}, [], [], {"news-b": Document("news-b", ARTICLES["news-b"])})
    load_graph(without_b, neo4j_driver, replace_docs=True)
    rows = neo4j_driver.execute_query(
        "MATCH (m:Measurement {raw: '約389.2億元'})-[:EVIDENCED_BY]->(d:Document) "
        "RETURN d.id AS doc, COUNT { ()-[:REVENUE]->(m) } AS statements ORDER BY doc").records
    assert [tuple(r.values()) for r in rows] == [("news-a", 2), ("news-e", 2)]


# ---------------------------------------------------------------- the page

def test_page_data_gives_each_entity_its_series_by_period_with_conflicts_marked():
    from kg.sinks.html import page_data
    node = next(n for n in page_data(_graph(), load_ontology())["nodes"] if n["name"] == "澜海储能")
    revenue = next(s for s in node["series"] if s["label"] == "营收")
    assert [(p["period"], p["raw"], p["sources"], p["conflict"]) for p in revenue["points"]] == [
        ("2023", "347亿元", 1, True), ("2023", "350亿元", 1, True), ("2024", "約389.2億元", 3, True),
        ("2024", "392亿元", 1, True), ("2025-Q1", "98亿元", 1, False)]
    assert page_series(KnowledgeGraph(triples=[RELATION])) == {}


@pytest.mark.browser
def test_entity_panel_draws_the_series_as_an_inline_svg_chart(load_page, tmp_path):
    from kg.sinks.html import write_html
    page = load_page(write_html(_graph(), tmp_path / "series.html", load_ontology()))
    page.execute_script("zhkg.focusOn(arguments[0])", LANHAI.id)
    charts = page.execute_script("""
        return Array.from(document.querySelectorAll('#panel div.series svg')).map(svg => [
          svg.querySelector('title').textContent, svg.querySelectorAll('circle.conflict').length,
          svg.querySelectorAll('circle.agreed').length, svg.querySelectorAll('polyline').length]);""")
    assert ["营收（元）", 4, 1, 1] in charts
    tips = page.execute_script(
        "return Array.from(document.querySelectorAll('#panel svg circle title')).map(t => t.textContent)")
    assert "2024：約389.2億元（3 篇文档，与其他文档不一致）" in tips
    assert "营收（元） · 文档不一致" in page.find_element("css selector", "#panel div.series").text
    artifacts = Path(__file__).resolve().parent.parent / "test-artifacts"
    artifacts.mkdir(exist_ok=True)
    page.execute_script("document.querySelector('#panel div.series').scrollIntoView()")
    page.save_screenshot(str(artifacts / "html_series.png"))


# ---------------------------------------------------------------- end to end

def test_kg_build_of_two_articles_reports_the_conflict_and_kg_conflicts_finds_it(tmp_path):
    (tmp_path / "dict.tsv").write_text("澜海储能\tCompany\t澜海\n", encoding="utf-8")
    (tmp_path / "a.txt").write_text("澜海储能2024年营收389亿元，2023年营收347亿元。\n", encoding="utf-8")
    (tmp_path / "b.txt").write_text("瀾海儲能2024年營收約392億元，2023年營收約347億元。\n", encoding="utf-8")
    out = tmp_path / "out"
    built = _kg("build", tmp_path / "a.txt", tmp_path / "b.txt", "-o", out, "--no-model", "--dict",
                tmp_path / "dict.tsv", "--workers", "1", "--no-html", "-q")
    assert built.exit_code == 0, built.output
    report = json.loads((out / jsonl.REPORT).read_text(encoding="utf-8"))
    assert report["conflicts"]["count"] == 1
    [conflict] = [json.loads(line) for line in _kg("conflicts", out, "--json").output.splitlines()]
    assert (conflict["subject"]["name"], conflict["period"]) == ("澜海储能", "2024")
    assert sorted((v["raw"][0], v["documents"][0]) for v in conflict["values"]) == [("389亿元", "a"), ("約392億元", "b")]
    series = json.loads(_kg("series", out, "瀾海儲能", "营收", "--json").output)["entities"][0]["rows"]
    assert [(r["period"], r["conflict"], [v["sources"] for v in r["values"]]) for r in series] == [
        ("2023", False, [2]), ("2024", True, [1, 1])]
