"""`kg.build` on texts, pairs, Documents and paths, and the graph's own writers."""

import json
from pathlib import Path

import pytest
from rdflib import Dataset

import kg
from kg.sinks.jsonl import read_graph

PARTNERS = "华信电池与蓝图汽车签署战略合作协议。"
REVENUE = "2023年，蓝图汽车营收达到320亿元。"
ESG = "2023年，华信电池碳排放为12万吨。"
PROJECT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def names(tmp_path_factory):
    """Our made-up companies as a dictionary, so no test depends on the trained model."""
    path = tmp_path_factory.mktemp("dict") / "companies.tsv"
    path.write_text("华信电池\tCompany\t华信\n蓝图汽车\tCompany\t\n", encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def graph(names):
    return kg.build([PARTNERS + REVENUE], dictionaries=[names], use_model=False)


def facts(graph):
    return {(t.subject.name, t.predicate.id, t.object.name) for t in graph.triples}


def test_build_reads_a_raw_string_as_a_document(graph):
    assert list(graph.documents) == ["text-1"]
    assert facts(graph) == {("华信电池", "partnerOf", "蓝图汽车"), ("蓝图汽车", "revenue", "320亿元")}
    assert {e.name for e in graph.entities.values()} >= {"华信电池", "蓝图汽车"}


def test_build_takes_pairs_documents_and_paths_in_order(tmp_path, names):
    path = tmp_path / "annual.txt"
    path.write_text(REVENUE, encoding="utf-8")
    graph = kg.build([("news-1", PARTNERS), kg.Document("memo", REVENUE, "memo.txt", "备忘"), str(path),
                      Path(path)], dictionaries=[names], use_model=False)
    assert list(graph.documents) == ["news-1", "memo", "annual"]  # the same file twice is one document
    assert graph.documents["memo"].title == "备忘" and graph.documents["annual"].source == str(path)
    assert graph.triples[0].evidence.doc == "news-1"


def test_build_accepts_one_text_without_a_list():
    assert list(kg.build(PARTNERS, use_model=False).documents) == ["text-1"]


def test_build_names_every_input_it_could_not_read(tmp_path):
    with pytest.raises(kg.InputError, match="missing.txt: no such file") as caught:
        kg.build([PARTNERS, tmp_path / "missing.txt"], use_model=False)
    assert len(caught.value.failed) == 1


def test_build_extracts_the_predicates_of_an_extra_ontology(names):
    assert "carbonEmissions" not in {t.predicate.id for t in kg.build(ESG, dictionaries=[names], use_model=False).triples}
    graph = kg.build(ESG, PROJECT / "ontology" / "examples" / "esg.ttl", dictionaries=[names], use_model=False)
    assert ("华信电池", "carbonEmissions", "12万吨") in facts(graph)


def test_to_networkx_is_the_analytics_view(graph):
    g = kg.to_networkx(graph)
    assert {d["name"] for _, d in g.nodes(data=True)} >= {"华信电池", "蓝图汽车"}
    assert [d["predicate"] for *_, d in g.edges(data=True)] == ["partnerOf"]


def test_to_rdf_answers_sparql_by_chinese_label(graph):
    dataset = kg.to_rdf(graph)
    assert isinstance(dataset, Dataset)
    rows = dataset.query("""
        PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
        PREFIX zhkg: <https://w3id.org/zhkg/ontology#>
        SELECT ?raw WHERE { ?c rdfs:label "蓝图汽车"@zh ; zhkg:revenue ?q . ?q zhkg:raw ?raw }""")
    assert [str(r.raw) for r in rows] == ["320亿元"]
    custom = kg.to_rdf(graph, base="https://example.org/kg/")
    assert any(str(s).startswith("https://example.org/kg/entity/") for s in custom.subjects())


def test_to_html_writes_a_page_naming_the_entities(graph, tmp_path):
    page = kg.to_html(graph, tmp_path / "page" / "graph.html", title="测试图谱")
    assert "蓝图汽车" in page.read_text(encoding="utf-8")


def test_write_makes_a_build_directory_that_reads_back(graph, tmp_path):
    paths = kg.write(graph, tmp_path / "out")
    assert {"report", "html", "ttl"} <= set(paths)
    again = read_graph(tmp_path / "out")
    assert facts(again) == facts(graph)
    assert json.loads(Path(paths["report"]).read_text(encoding="utf-8"))["counts"]["triples"] == 2


@pytest.mark.neo4j
def test_to_neo4j_loads_the_graph(graph, neo4j_driver):
    summary = kg.to_neo4j(graph, neo4j_driver)
    assert summary.relations.created == 1
    names = neo4j_driver.execute_query(
        "MATCH (:Entity {name: '华信电池'})-[:PARTNER_OF]->(o) RETURN o.name AS name").records
    assert [r["name"] for r in names] == ["蓝图汽车"]


def test_a_figure_too_large_to_compute_is_a_warning_and_the_rest_is_built(names):
    with pytest.warns(kg.api.PartlyReadWarning, match="text-1:.*unreadable figure"):
        graph = kg.build("蓝图汽车营收99999999999999999999999999亿元，净利润32亿元。", dictionaries=[names],
                         use_model=False)
    assert [t.object.raw for t in graph.triples if t.predicate.id == "netProfit"] == ["32亿元"]
