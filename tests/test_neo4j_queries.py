"""The pure parts of the Neo4j sink: rows from the graph and the Cypher built for them (no server)."""

from __future__ import annotations

import shlex
from decimal import Decimal

import pytest

from kg.model import Document, Entity, Evidence, KnowledgeGraph, Mention, PredicateRef, Quantity, TimeQualifier, Triple
from kg.ontology import load_ontology
from kg.sinks import neo4j_queries as q
from kg.sinks.neo4j_graph import (MEASUREMENT_PROPERTIES, RELATION_PROPERTIES, GraphModelError, entity_labels,
                                  fact_id, graph_rows, relationship_type, year_of)
from kg.sinks.neo4j_import import write_neo4j_import

ONTOLOGY = load_ontology()
GEELY = Entity.named("吉利", "Company", aliases=["吉利控股"])
VOLVO = Entity.named("沃尔沃", "Company")


def partner(doc: str = "并购新闻", year: str | None = None) -> Triple:
    time = TimeQualifier(f"{year}年", year) if year else None
    return Triple(GEELY, PredicateRef("acquires", "收购"), VOLVO,
                  Evidence(doc, "吉利收购沃尔沃。", 3, 11), time, 0.8, "trigger")


def revenue() -> Triple:
    return Triple(GEELY, PredicateRef("revenue", "营收"),
                  Quantity("约1792亿元", Decimal("179200000000"), "元", "currency", modifier="约"),
                  Evidence("财报", "吉利2023年营收约1792亿元。", 0, 14), TimeQualifier("2023年", "2023"))


@pytest.mark.parametrize("predicate, expected", [
    ("partnerOf", "PARTNER_OF"), ("revenue", "REVENUE"), ("rdInvestment", "RD_INVESTMENT"),
    ("acceleration0to100", "ACCELERATION0TO100"), ("averageSellingPrice", "AVERAGE_SELLING_PRICE")])
def test_relationship_type_is_the_predicate_id_in_upper_snake_case(predicate, expected):
    assert relationship_type(predicate) == expected


@pytest.mark.parametrize("name", ["PARTNER_OF]->() DELETE n //", "合作", "1abc", "a b", ""])
def test_names_that_could_inject_cypher_are_refused(name):
    with pytest.raises(GraphModelError):
        relationship_type(name)
    with pytest.raises(GraphModelError):
        q.merge_relations(name, [])


def test_every_ontology_predicate_maps_to_a_safe_relationship_type():
    types = {relationship_type(p) for p in ONTOLOGY.predicates}
    assert len(types) == len(ONTOLOGY.predicates)


def test_entity_labels_include_the_class_ancestors():
    assert entity_labels("Company", ONTOLOGY) == ("Entity", "Organization", "Company")
    assert entity_labels("Person", ONTOLOGY) == ("Entity", "Person")
    with pytest.raises(GraphModelError, match="not a class"):
        entity_labels("外星人", ONTOLOGY)


def test_fact_id_is_stable_and_tells_documents_and_times_apart():
    assert fact_id(partner()) == fact_id(partner())
    assert fact_id(partner()) != fact_id(partner(doc="另一篇"))
    assert fact_id(partner()) != fact_id(partner(year="2010"))


@pytest.mark.parametrize("normalised, year", [("2024", 2024), ("2024-Q4", 2024), ("2022-Q1..Q3", 2022),
                                              ("近年", None)])
def test_year_is_read_from_the_normalised_time(normalised, year):
    assert year_of(TimeQualifier("原文", normalised)) == year


def test_rows_group_relations_by_type_and_carry_every_documented_property():
    rows = graph_rows(KnowledgeGraph(triples=[partner(), revenue()]), ONTOLOGY)
    [relation] = rows.relations["ACQUIRES"]
    assert set(relation["props"]) == set(RELATION_PROPERTIES)
    assert (relation["subject"], relation["object"]) == (GEELY.id, VOLVO.id)
    [measurement] = rows.measurements["REVENUE"]
    assert set(measurement["props"]) == set(MEASUREMENT_PROPERTIES)
    assert measurement["props"]["value"] == 179_200_000_000.0
    assert (measurement["props"]["year"], measurement["props"]["approximate"]) == (2023, True)
    assert rows.doc_ids == ["并购新闻", "财报"]
    assert {tuple(m.values()) for m in rows.mentions} == {("并购新闻", GEELY.id), ("并购新闻", VOLVO.id),
                                                         ("财报", GEELY.id)}
    assert [e["name"] for e in rows.entities[("Entity", "Organization", "Company")]] == ["吉利", "沃尔沃"]


def test_quantity_predicate_with_entity_object_is_refused():
    wrong = Triple(GEELY, PredicateRef("revenue", "营收"), VOLVO, Evidence("财报", "吉利营收沃尔沃。", 0, 8))
    with pytest.raises(GraphModelError, match="quantity predicate"):
        graph_rows(KnowledgeGraph(triples=[wrong]), ONTOLOGY)


def test_relation_query_merges_on_fact_id_with_values_only_as_parameters():
    rows = graph_rows(KnowledgeGraph(triples=[partner()]), ONTOLOGY).relations["ACQUIRES"]
    query, params = q.merge_relations("ACQUIRES", rows)
    assert query.startswith("UNWIND $rows AS row")
    assert "MERGE (s)-[r:ACQUIRES {fact_id: row.props.fact_id}]->(o)" in query
    assert "吉利" not in query and params == {"rows": rows}


def test_entity_query_sets_the_class_labels_and_unions_aliases():
    query, _ = q.merge_entities(("Entity", "Organization", "Company"), [])
    assert "MERGE (e:Entity {id: row.id})" in query
    assert "SET e:Organization:Company," in query
    assert "WHERE NOT a IN row.aliases] + row.aliases" in query


def test_measurement_query_links_the_value_node_to_subject_and_document():
    query, _ = q.merge_measurements("REVENUE", [])
    assert "MERGE (m:Measurement {id: row.props.id})" in query
    assert "MERGE (s)-[r:REVENUE {fact_id: row.edge.fact_id}]->(m)\nSET r += row.edge" in query
    assert "MERGE (m)-[:EVIDENCED_BY]->(d)" in query


def test_measured_facts_carry_provenance_on_the_edge_like_relations():
    rows = graph_rows(KnowledgeGraph(triples=[partner(), revenue()]), ONTOLOGY)
    [measurement] = rows.measurements["REVENUE"]
    assert set(measurement["edge"]) == set(RELATION_PROPERTIES)
    assert measurement["edge"]["fact_id"] == fact_id(revenue())  # the statement; the node is the merged value
    assert (measurement["props"]["sources"], measurement["props"]["conflict"]) == (1, False)
    assert (measurement["edge"]["evidence"], measurement["edge"]["inferred"]) == ("吉利2023年营收约1792亿元。", False)
    assert not {"confidence", "evidence", "doc", "inferred"} & set(measurement["props"])


def test_every_mentioned_entity_is_linked_to_its_document_even_without_a_fact():
    nio = Entity.named("蔚来", "Company", aliases=["蔚来汽车"])
    wang = Entity.named("王传福", "Person")
    foundry = Entity.named("熊本一厂", "Facility")
    mentions = [Mention("快讯", "蔚來汽車", "Company", 0, 4, norm="蔚来汽车"),
                Mention("快讯", "王传福", "Person", 9, 12)]
    documents = {"快讯": Document("快讯", "蔚來汽車與比亞迪合作，王传福出席。"),
                 "厂讯": Document("厂讯", "熊本一廠年內量產。")}
    graph = KnowledgeGraph({e.id: e for e in (GEELY, nio, wang, foundry)}, [revenue()], mentions, documents)
    links = {(m["doc"], m["entity"]) for m in graph_rows(graph, ONTOLOGY).mentions}
    assert links == {("财报", GEELY.id), ("快讯", nio.id), ("快讯", wang.id), ("厂讯", foundry.id)}


def test_load_plan_writes_nodes_before_the_facts_that_match_them():
    rows = graph_rows(KnowledgeGraph(triples=[partner(), revenue()]), ONTOLOGY)
    plan = q.load_plan(rows, batch_size=1)
    assert [kind for kind, _, _ in plan] == ["documents", "entities", "relations", "measurements", "mentions"]
    assert [len(jobs) for _, _, jobs in plan] == [2, 2, 1, 1, 3]


def test_batches_split_rows_and_refuse_a_zero_size():
    assert q.batches([1, 2, 3, 4, 5], 2) == [[1, 2], [3, 4], [5]]
    with pytest.raises(ValueError):
        q.batches([1], 0)


def test_document_deletion_only_touches_the_named_documents():
    queries = q.delete_document_facts(["财报"])
    assert all(params == {"docs": ["财报"]} for _, params in queries)
    assert all(query.startswith("UNWIND $docs AS doc\nMATCH (d:Document {id: doc})") for query, _ in queries)


def test_import_csvs_have_typed_headers_and_an_exact_command(tmp_path):
    command_file = write_neo4j_import(KnowledgeGraph(triples=[partner(), partner(), revenue()]), tmp_path)
    header = {p.name: p.read_text(encoding="utf-8").splitlines()[0] for p in tmp_path.glob("*.csv")}
    assert header["entities.csv"] == "id:ID(Entity),:LABEL,name,type,aliases:string[],mentions:long"
    assert header["relations.csv"].startswith(":START_ID(Entity),:END_ID(Entity),:TYPE,fact_id,")
    assert "value:double" in header["measurements.csv"] and "year:int" in header["measurements.csv"]
    assert "confidence" not in header["measurements.csv"]
    assert header["measured.csv"].startswith(":START_ID(Entity),:END_ID(Measurement),:TYPE,fact_id,")
    assert "confidence:double" in header["measured.csv"] and "inferred:boolean" in header["measured.csv"]
    relations = (tmp_path / "relations.csv").read_text(encoding="utf-8").splitlines()
    assert len(relations) == 2  # the duplicate fact is written once: the importer refuses repeats
    command = shlex.split(command_file.read_text(encoding="utf-8"))
    assert command[:5] == ["neo4j-admin", "database", "import", "full", "neo4j"]
    assert f"--nodes={tmp_path / 'entities.csv'}" in command


def test_alias_containing_the_array_delimiter_is_refused(tmp_path):
    odd = Entity.named("吉利", "Company", aliases=["吉利|沃尔沃"])
    with pytest.raises(GraphModelError, match="array delimiter"):
        write_neo4j_import(KnowledgeGraph(entities={odd.id: odd}), tmp_path)
