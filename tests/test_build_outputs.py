"""Outputs written from a build directory's files: the streamed RDF says exactly what the
in-memory export says, and the page of a big graph is a bounded view that says so."""

import json
from decimal import Decimal

import pytest

from kg.build_outputs import write_directory_outputs
from kg.model import Document, Entity, Evidence, KnowledgeGraph, PredicateRef, Quantity, TimeQualifier, Triple
from kg.ontology import load_ontology
from kg.sinks import html, jsonl
from kg.sinks.html import page_view, write_page_from_directory
from kg.sinks.rdf import write_rdf
from kg.sinks.rdf_files import write_rdf_from_directory

# Invented companies, people and figures.
XINGHE = Entity.named("星河科技", "Company", aliases=["星河科技有限公司"], mentions=3)
YUNFAN = Entity.named("云帆半导体", "Company", mentions=1)
LIN = Entity.named("林晓明", "Person")  # named by a fact only: not in entities.jsonl
PARTNER, REVENUE, EMPLOYED = (PredicateRef("partnerOf", "合作"), PredicateRef("revenue", "营收"),
                              PredicateRef("worksFor", "任职于"))


def _evidence(doc, sentence):
    return Evidence(doc, sentence, 0, len(sentence))


@pytest.fixture(scope="module")
def ontology():
    return load_ontology()


@pytest.fixture()
def build_dir(tmp_path):
    revenue = Quantity("120亿元", Decimal("12000000000"), "元", "currency",
                       previous=Quantity("100亿元", Decimal("10000000000"), "元", "currency"))
    triples = [
        Triple(XINGHE, PARTNER, YUNFAN, _evidence("a", "星河科技与云帆半导体合作。"), confidence=0.9),
        Triple(XINGHE, REVENUE, revenue, _evidence("a", "星河科技营收从100亿元增至120亿元。"),
               TimeQualifier("2024年", "2024"), 0.8),
        Triple(LIN, EMPLOYED, YUNFAN, _evidence("b", "林晓明任职于云帆半导体。"), confidence=0.7),
    ]
    graph = KnowledgeGraph(triples=triples, entities={e.id: e for e in (XINGHE, YUNFAN)},
                           documents={"a": Document("a", "星河科技与云帆半导体合作。", "a.txt", "合作")})
    jsonl.write_graph(graph, tmp_path)  # document "b" is known only from its fact
    return tmp_path


@pytest.mark.parametrize("fmt", ["ttl", "nt", "trig", "nq"])
def test_rdf_streamed_from_the_files_is_byte_identical_to_the_in_memory_export(build_dir, ontology, fmt):
    write_rdf(jsonl.read_graph(build_dir), build_dir / f"memory.{fmt}", fmt, ontology)
    count = write_rdf_from_directory(build_dir, build_dir / f"streamed.{fmt}", fmt, ontology)
    assert (build_dir / f"streamed.{fmt}").read_bytes() == (build_dir / f"memory.{fmt}").read_bytes()
    assert count > 30


def test_jsonld_is_not_streamed(build_dir, ontology):
    with pytest.raises(ValueError, match="constant memory"):
        write_rdf_from_directory(build_dir, build_dir / "g.jsonld", "jsonld", ontology)


def _stars(directory, hubs=30):
    """Hub i is partner of 10 + i companies of its own: a graph of 30 stars."""
    triples = []
    for i in range(hubs):
        hub = Entity.named(f"中心公司{i:02d}", "Company")
        for j in range(10 + i):
            leaf = Entity.named(f"伙伴{i:02d}-{j:02d}", "Company")
            triples.append(Triple(hub, PARTNER, leaf, _evidence(f"d{i}", f"{hub.name}与{leaf.name}合作。")))
    jsonl.write_graph(KnowledgeGraph(triples=triples), directory)
    return triples


def test_a_small_graph_is_drawn_whole(build_dir):
    view = page_view(build_dir)
    assert not view.bounded and view.note == "" and len(view.graph.triples) == view.triples_total == 3
    assert view.graph.entities[XINGHE.id].aliases == XINGHE.aliases


def test_a_big_graph_is_drawn_as_the_most_connected_entities_and_their_neighbours(tmp_path, ontology):
    triples = _stars(tmp_path)
    view = write_page_from_directory(tmp_path, tmp_path / "graph.html", ontology, max_nodes=60, max_triples=50,
                                     seeds=2)
    shown = {e.id for t in view.graph.triples for e in (t.subject, t.object)}
    hubs = {t.subject.id for t in view.graph.triples}
    assert view.bounded and view.triples_total == len(triples) and view.nodes_total == 30 + len(triples)
    assert hubs == {Entity.named("中心公司29", "Company").id, Entity.named("中心公司28", "Company").id}
    assert len(shown) <= 60 and len(view.graph.triples) == 50
    page = (tmp_path / "graph.html").read_text(encoding="utf-8")
    assert view.note.startswith("Large graph: this page shows 52 of 765 entities") and view.note in page


def test_build_outputs_report_the_bounded_page(tmp_path, ontology, monkeypatch):
    _stars(tmp_path)
    monkeypatch.setattr(html, "VIEW_MAX_NODES", 100)
    summary = {"validation": {"valid": 735, "rejected": 0}}
    paths = write_directory_outputs(tmp_path, summary, ontology, rdf_formats=("ttl", "nq"))
    report = json.loads((tmp_path / "report.json").read_text(encoding="utf-8"))
    assert report["page"]["bounded"] and report["page"]["entities_shown"] <= 100
    assert "Large graph" in report["page"]["note"]
    assert report["counts"]["triples"] == 735 and report["per_predicate"] == {"合作": 735}
    assert report["rdf_statements"]["ttl"] == report["rdf_statements"]["nq"] > 735
    assert set(paths) == {"ttl", "nq", "html", "report"}


@pytest.mark.browser
def test_the_bounded_page_shows_its_note_under_the_title(tmp_path, ontology, load_page):
    _stars(tmp_path)
    view = write_page_from_directory(tmp_path, tmp_path / "graph.html", ontology, max_nodes=60, max_triples=50,
                                     seeds=2)
    driver = load_page(tmp_path / "graph.html")
    assert driver.find_element("id", "note").text == view.note
    assert driver.execute_script("return zhkg.nodes.length") == 52
