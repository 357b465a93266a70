"""The Neo4j loader against a real Neo4j 5.26 server (fixtures in tests/neo4j_server.py)."""

from __future__ import annotations

import importlib.util
import socket
import sys
from decimal import Decimal
from pathlib import Path

import neo4j
import pytest

from click.testing import CliRunner

from kg.cli import main as kg_main
from kg.model import (Document, Entity, Evidence, KnowledgeGraph, Mention, PredicateRef, Quantity, TimeQualifier,
                      Triple)
from kg.sinks.jsonl import read_graph
from kg.sinks.neo4j import Neo4jLoadError, connect, load_graph
from kg.sinks.neo4j_graph import GraphModelError
from kg.sinks.neo4j_import import write_neo4j_import

pytestmark = pytest.mark.neo4j

BYD = Entity.named("比亚迪", "Company", aliases=["比亚迪股份有限公司"], mentions=5)
CATL = Entity.named("宁德时代", "Company", mentions=3)
FAW = Entity.named("一汽", "Company", aliases=["中国一汽"], mentions=2)
NIO = Entity.named("蔚来", "Company", mentions=2)
BLADE = Entity.named("刀片电池", "Technology", mentions=2)
HAN = Entity.named("汉EV", "Product", mentions=1)
WANG = Entity.named("王传福", "Person", mentions=1)

LABELS = {"partnerOf": "合作", "develops": "研发", "equippedWith": "搭载", "worksFor": "任职",
          "revenue": "营收", "deliveries": "交付"}


def fact(subject, predicate, obj, sentence, doc="年报", year=None, confidence=0.9):
    time = TimeQualifier(f"{year}年", str(year)) if year else None
    return Triple(subject, PredicateRef(predicate, LABELS[predicate]), obj,
                  Evidence(doc, sentence, 0, len(sentence)), time, confidence, "test")


def money(yi: str) -> Quantity:
    return Quantity(f"{yi}亿元", Decimal(yi) * 100_000_000, "元", "currency")


def vehicles(wan: str) -> Quantity:
    return Quantity(f"{wan}万辆", Decimal(wan) * 10_000, "辆", "vehicles")


def graph_of(*triples: Triple, documents=()) -> KnowledgeGraph:
    entities = {e.id: e for t in triples for e in (t.subject, t.object) if isinstance(e, Entity)}
    return KnowledgeGraph(entities=entities, triples=list(triples),
                          documents={d.id: d for d in documents})


ANNUAL_REPORT = Document("年报", "比亚迪2024年营收7771亿元。", source="年报.txt", title="比亚迪2024年年报")
ANNUAL_FACTS = (
    fact(BYD, "revenue", money("6023"), "比亚迪2023年营收6023亿元。", year=2023),
    fact(BYD, "revenue", money("7771"), "比亚迪2024年营收7771亿元。", year=2024),
    fact(BYD, "deliveries", vehicles("427"), "比亚迪2024年交付427万辆。", year=2024),
    fact(FAW, "deliveries", vehicles("9.8"), "一汽新能源2024年交付9.8万辆。", year=2024),
    fact(NIO, "deliveries", vehicles("16"), "蔚来2023年交付16万辆。", year=2023),
    fact(BYD, "develops", BLADE, "比亚迪研发了刀片电池。"),
    fact(HAN, "equippedWith", BLADE, "汉EV搭载刀片电池。"),
    fact(WANG, "worksFor", BYD, "王传福任职比亚迪董事长。"),
    fact(CATL, "partnerOf", FAW, "宁德时代与一汽达成合作。"),
)


def annual_report() -> KnowledgeGraph:
    return graph_of(*ANNUAL_FACTS, documents=[ANNUAL_REPORT])


def news() -> KnowledgeGraph:
    """A second document that shares 宁德时代 and 比亚迪 with the annual report."""
    return graph_of(
        fact(CATL, "partnerOf", BYD, "宁德时代宣布与比亚迪合作。", doc="快讯"),
        fact(NIO, "deliveries", vehicles("22.2"), "蔚来2024年交付22.2万辆。", doc="快讯", year=2024),
        documents=[Document("快讯", "宁德时代宣布与比亚迪合作。", title="电池快讯")])


def counts(driver) -> tuple[int, int]:
    nodes = driver.execute_query("MATCH (n) RETURN count(n) AS c").records[0]["c"]
    rels = driver.execute_query("MATCH ()-[r]->() RETURN count(r) AS c").records[0]["c"]
    return nodes, rels


def names(driver, query: str, **params) -> list:
    return [tuple(r.values()) for r in driver.execute_query(query, params).records]


def test_load_writes_entities_with_class_labels_and_relations_typed_by_predicate(neo4j_driver):
    summary = load_graph(annual_report(), neo4j_driver)
    assert summary.entities.created == 7
    assert summary.relations.created == 4
    assert summary.measurements.created == 5
    assert names(neo4j_driver, "MATCH (c:Entity:Organization:Company {name: '比亚迪'}) "
                               "RETURN c.type, c.aliases, c.mentions") == [("Company", ["比亚迪股份有限公司"], 5)]
    row = neo4j_driver.execute_query(
        "MATCH (:Product {name: '汉EV'})-[r:EQUIPPED_WITH]->(t:Technology) RETURN r, t.name").records[0]
    assert row["t.name"] == "刀片电池"
    assert (row["r"]["predicate"], row["r"]["label_zh"], row["r"]["evidence"], row["r"]["doc"]) == (
        "equippedWith", "搭载", "汉EV搭载刀片电池。", "年报")


def test_reloading_the_same_graph_changes_no_count(neo4j_driver):
    load_graph(annual_report(), neo4j_driver)
    before = counts(neo4j_driver)
    again = load_graph(annual_report(), neo4j_driver, batch_size=2)
    assert counts(neo4j_driver) == before
    assert again.entities.created == again.relations.created == again.measurements.created == 0
    assert again.relations.merged == 4


def test_second_document_merges_shared_entities_and_keeps_both_facts(neo4j_driver):
    load_graph(annual_report(), neo4j_driver)
    summary = load_graph(news(), neo4j_driver)
    assert summary.entities.created == 0 and summary.entities.merged == 3
    assert names(neo4j_driver, "MATCH (c:Company {name: '宁德时代'})-[:PARTNER_OF]->(p) "
                               "RETURN p.name ORDER BY p.name") == [("一汽",), ("比亚迪",)]
    assert names(neo4j_driver, "MATCH (d:Document)-[:MENTIONS]->(:Entity {name: '宁德时代'}) "
                               "RETURN d.title ORDER BY d.title") == [("比亚迪2024年年报",), ("电池快讯",)]


def test_replace_docs_removes_facts_the_new_version_no_longer_states(neo4j_driver):
    load_graph(annual_report(), neo4j_driver)
    revised = graph_of(*[t for t in ANNUAL_FACTS if t.predicate.id != "partnerOf"
                         and t.object != vehicles("9.8")], documents=[ANNUAL_REPORT])
    summary = load_graph(revised, neo4j_driver, replace_docs=True)
    assert summary.deleted_relationships > 0
    assert names(neo4j_driver, "MATCH (:Entity)-[r:PARTNER_OF]->() RETURN r.evidence") == []
    assert names(neo4j_driver, "MATCH (:Company {name: '一汽'}) RETURN 1") == []
    assert names(neo4j_driver, "MATCH (m:Measurement) RETURN count(m)") == [(4,)]


def test_replace_docs_keeps_what_other_documents_said(neo4j_driver):
    load_graph(annual_report(), neo4j_driver)
    load_graph(news(), neo4j_driver)
    load_graph(graph_of(ANNUAL_FACTS[0], documents=[ANNUAL_REPORT]), neo4j_driver, replace_docs=True)
    assert names(neo4j_driver, "MATCH (:Company {name: '宁德时代'})-[r:PARTNER_OF]->(p) "
                               "RETURN p.name, r.doc") == [("比亚迪", "快讯")]


def test_revenue_by_year_is_one_query(neo4j_driver):
    load_graph(annual_report(), neo4j_driver)
    rows = names(neo4j_driver, "MATCH (:Company {name: $name})-[:REVENUE]->(m:Measurement) "
                               "RETURN m.year, m.value, m.raw ORDER BY m.year", name="比亚迪")
    assert rows == [(2023, 602_300_000_000.0, "6023亿元"), (2024, 777_100_000_000.0, "7771亿元")]


def test_companies_with_over_100k_deliveries_in_2024_is_one_query(neo4j_driver):
    load_graph(annual_report(), neo4j_driver)
    load_graph(news(), neo4j_driver)
    rows = names(neo4j_driver, "MATCH (c:Company)-[:DELIVERIES]->(m:Measurement) "
                               "WHERE m.year = 2024 AND m.value > 100000 "
                               "RETURN c.name, m.raw ORDER BY c.name")
    assert rows == [("比亚迪", "427万辆"), ("蔚来", "22.2万辆")]


def test_measurements_point_to_the_document_they_were_read_in(neo4j_driver):
    load_graph(annual_report(), neo4j_driver)
    rows = names(neo4j_driver, "MATCH (:Company {name: '一汽'})-[r:DELIVERIES]->(m)-[:EVIDENCED_BY]->(d:Document) "
                               "RETURN r.evidence, d.title, r.confidence, r.doc")
    assert rows == [("一汽新能源2024年交付9.8万辆。", "比亚迪2024年年报", 0.9, "年报")]


def test_every_fact_edge_carries_the_same_provenance_whatever_its_object(neo4j_driver):
    load_graph(annual_report(), neo4j_driver)
    keys = {False: set(), True: set()}
    for measured, properties in names(neo4j_driver, "MATCH (:Entity)-[r]->(o) WHERE r.fact_id IS NOT NULL "
                                                    "RETURN o:Measurement, keys(r)"):
        keys[measured] |= set(properties)
    provenance = {"fact_id", "predicate", "label_zh", "confidence", "extractor", "evidence", "doc", "start",
                  "end", "inferred"}
    assert provenance <= keys[False] and provenance <= keys[True]
    assert names(neo4j_driver, "MATCH (m:Measurement) WHERE m.evidence IS NOT NULL OR m.confidence IS NOT NULL "
                               "RETURN count(m)") == [(0,)]


def test_every_entity_is_linked_to_the_documents_that_mention_it(neo4j_driver):
    quiet = Entity.named("理想汽车", "Company")  # mentioned in the report, in no fact
    mentions = [Mention("年报", "理想汽车", "Company", 14, 18), Mention("年报", "比亚迪", "Company", 0, 3)]
    graph = annual_report()
    graph.entities[quiet.id] = quiet
    graph.mentions.extend(mentions)
    load_graph(graph, neo4j_driver)
    assert names(neo4j_driver, "MATCH (e:Entity) WHERE NOT EXISTS { (:Document)-[:MENTIONS]->(e) } "
                               "RETURN e.name") == []
    assert names(neo4j_driver, "MATCH (d:Document)-[:MENTIONS]->(:Entity {name: '理想汽车'}) RETURN d.id") == [
        ("年报",)]


def test_parallel_batches_write_the_same_graph(neo4j_driver):
    load_graph(annual_report(), neo4j_driver)
    before = counts(neo4j_driver)
    neo4j_driver.execute_query("MATCH (n) DETACH DELETE n")
    load_graph(annual_report(), neo4j_driver, batch_size=1, workers=4)
    assert counts(neo4j_driver) == before


def test_unknown_predicate_is_refused_before_anything_is_written(neo4j_driver):
    bogus = Triple(BYD, PredicateRef("sells`]->() DETACH DELETE n //", "卖"), CATL,
                   Evidence("年报", "比亚迪卖给宁德时代。", 0, 10))
    with pytest.raises(GraphModelError, match="not in the ontology"):
        load_graph(graph_of(bogus), neo4j_driver)
    assert counts(neo4j_driver) == (0, 0)


def test_wrong_password_is_a_clear_error(neo4j_server):
    with pytest.raises(Neo4jLoadError, match="refused the user name or password"):
        connect(neo4j_server.uri, neo4j_server.user, "not-the-password")


def test_server_down_is_a_clear_error():
    with socket.socket() as probe:  # a port that was free a moment ago: nothing listens there
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    with pytest.raises(Neo4jLoadError, match="cannot reach Neo4j"):
        connect(f"bolt://127.0.0.1:{port}", "neo4j", "any-password")


def test_missing_database_is_a_clear_error(neo4j_server):
    with pytest.raises(Neo4jLoadError, match="no database 'kg_missing'"):
        connect(neo4j_server.uri, neo4j_server.user, neo4j_server.password, database="kg_missing")


def test_load_into_missing_database_fails_without_claiming_success(neo4j_server, neo4j_driver):
    with pytest.raises(Neo4jLoadError, match="no database"):
        load_graph(annual_report(), neo4j_driver, database="kg_missing")


def test_connect_reads_the_environment(neo4j_server, monkeypatch):
    monkeypatch.setenv("NEO4J_URI", neo4j_server.uri)
    monkeypatch.setenv("NEO4J_USERNAME", neo4j_server.user)
    monkeypatch.setenv("NEO4J_PASSWORD", neo4j_server.password)
    monkeypatch.setenv("NEO4J_DATABASE", "neo4j")
    with connect() as connection:
        assert connection.database == "neo4j"
        summary = load_graph(news(), connection.driver, database=connection.database)
    assert summary.relations.created == 1


def test_failure_part_way_reports_what_was_written(neo4j_driver):
    neo4j_driver.execute_query("CREATE CONSTRAINT one_per_unit FOR (m:Measurement) REQUIRE m.unit IS UNIQUE")
    with pytest.raises(Neo4jLoadError, match="stopped part-way") as failure:
        load_graph(annual_report(), neo4j_driver, batch_size=1)
    written = failure.value.written
    assert (written.entities.written, written.relations.written) == (7, 4)
    assert written.measurements.written == 1  # the second 元 breaks the rule
    assert "measurements 1 (1 new)" in str(failure.value)


@pytest.mark.slow
def test_bulk_import_csvs_give_the_graph_the_loader_writes(neo4j_driver, neo4j_imported_server, tmp_path):
    graph = graph_of(*ANNUAL_FACTS, *news().triples, documents=[ANNUAL_REPORT, *news().documents.values()])
    load_graph(graph, neo4j_driver)
    loaded = counts(neo4j_driver)
    server = neo4j_imported_server(write_neo4j_import(graph, tmp_path / "csv"))
    with neo4j.GraphDatabase.driver(server.uri, auth=(server.user, server.password)) as imported:
        assert counts(imported) == loaded
        assert names(imported, "MATCH (c:Company)-[:DELIVERIES]->(m:Measurement) "
                               "WHERE m.year = 2024 AND m.value > 100000 RETURN c.name ORDER BY c.name") == [
            ("比亚迪",), ("蔚来",)]
        assert names(imported, "MATCH (:Entity {name: '比亚迪'})-[:REVENUE]->(m) RETURN m.year ORDER BY m.year") == [
            (2023,), (2024,)]
        again = load_graph(graph, imported)  # the same identities: a Bolt load on top merges only
        assert counts(imported) == loaded
        assert again.entities.created == again.relations.created == again.measurements.created == 0


def _cookbook_module():
    path = Path(__file__).resolve().parent.parent / "scripts" / "neo4j_cookbook.py"
    spec = importlib.util.spec_from_file_location("neo4j_cookbook", path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up there
    spec.loader.exec_module(module)
    return module


def _doubtful() -> KnowledgeGraph:
    """A measured fact with an inferred subject and a relation of low confidence."""
    doubtful = (Triple(NIO, PredicateRef("deliveries", "交付"), vehicles("1.2"),
                       Evidence("简讯", "该公司1月交付1.2万辆。", 0, 13), None, 0.7, "test", True),
                fact(BYD, "partnerOf", NIO, "比亚迪或与蔚来合作。", doc="简讯", confidence=0.4))
    return graph_of(*doubtful, documents=[Document("简讯", "该公司1月交付1.2万辆。比亚迪或与蔚来合作。")])


def test_every_cookbook_question_answers_on_a_small_graph(neo4j_driver):
    load_graph(annual_report(), neo4j_driver)
    load_graph(news(), neo4j_driver)
    load_graph(_doubtful(), neo4j_driver)
    cookbook = _cookbook_module()
    markdown = cookbook.run_cookbook(neo4j_driver)
    assert markdown.count("## ") == len(cookbook.COOKBOOK) >= 10
    assert "| 比亚迪 | 2024 | 777100000000.0 | 元 | 7771亿元 |" in markdown
    assert "| 王传福 | 任职 | 比亚迪 | 王传福任职比亚迪董事长。 |" in markdown
    assert '| 刀片电池 | ["汉EV"] |' in markdown
    assert '| ["一汽", "宁德时代", "比亚迪"] | ["合作", "合作"] |' in markdown  # no Document on the way
    review = markdown.split("## Facts to review")[1]
    assert "| 蔚来 | 交付 | 1.2万辆 | True | 0.7 |" in review  # measured facts are reviewed like relations
    assert "| 比亚迪 | 合作 | 蔚来 | False | 0.4 |" in review
    assert "_Nothing" not in markdown and "_No rows._" not in markdown


def test_cookbook_in_the_docs_is_the_one_the_script_runs():
    docs = (Path(__file__).resolve().parent.parent / "docs" / "neo4j.md").read_text(encoding="utf-8")
    cookbook = _cookbook_module()
    for recipe in cookbook.COOKBOOK:
        indented = [line.strip() for line in recipe.cypher.splitlines()]
        assert recipe.question in docs
        assert all(line in docs for line in indented), recipe.question


@pytest.mark.slow
def test_every_cookbook_question_answers_on_the_bundled_example(neo4j_driver, tmp_path):
    examples = sorted((Path(__file__).resolve().parent.parent / "examples").glob("*.txt"))
    out = tmp_path / "example"
    result = CliRunner().invoke(kg_main, ["build", *map(str, examples), "-o", str(out), "-q", "--no-html",
                                          "--workers", "1"], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    graph = read_graph(out)
    load_graph(graph, neo4j_driver)
    assert names(neo4j_driver, "MATCH (e:Entity) WHERE NOT EXISTS { (:Document)-[:MENTIONS]->(e) } "
                               "RETURN e.name") == []
    cookbook = _cookbook_module()
    markdown = cookbook.run_cookbook(neo4j_driver)
    sections = markdown.split("\n## ")[1:]
    assert len(sections) == len(cookbook.COOKBOOK)
    empty = [section.splitlines()[0] for section in sections if "_No rows._" in section or "_Nothing" in section]
    assert empty == []
