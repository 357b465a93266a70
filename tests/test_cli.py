"""The `kg` command line: each command on real input, checked through the files it writes."""

import hashlib
import json
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from kg.cli import main
from kg.sinks.jsonl import read_graph

ARTICLE = ("宁德时代2024年营收3620亿元，同比下降9.7%。\n"
           "公司与理想汽车签署战略合作协议。董事长曾毓群表示将加大研发投入。\n")


@pytest.fixture()
def article(tmp_path):
    path = tmp_path / "catl.txt"
    path.write_text(ARTICLE, encoding="utf-8")
    return path


def run(*args):
    return CliRunner().invoke(main, [str(a) for a in args], catch_exceptions=False)


def lines(path):
    return [json.loads(l) for l in path.read_text(encoding="utf-8").splitlines() if l.strip()]


def test_every_command_has_help_with_an_example():
    for name, command in main.commands.items():
        result = run(name, "--help")
        assert result.exit_code == 0, name
        assert "Example" in result.output, f"kg {name} --help shows no example"


def test_extract_writes_triples_and_mentions_with_offsets_into_the_original(article, tmp_path):
    result = run("extract", article, "-o", tmp_path / "out", "-q")
    assert result.exit_code == 0, result.output
    triples = lines(tmp_path / "out" / "triples.jsonl")
    revenue = [t for t in triples if t["predicate"]["id"] == "revenue"]
    assert revenue and revenue[0]["object"]["value"] == 362000000000 and revenue[0]["object"]["unit"] == "元"
    for m in lines(tmp_path / "out" / "mentions.jsonl"):
        assert ARTICLE[m["start"]:m["end"]] == m["text"]
        assert set(m) >= {"doc", "text", "type", "start", "end"}


def test_build_writes_every_output_and_the_graph_reads_back(article, tmp_path):
    out = tmp_path / "build"
    result = run("build", article, "-o", out, "--rdf", "ttl", "--rdf", "nq")
    assert result.exit_code == 0, result.output
    for name in ("triples.jsonl", "mentions.jsonl", "entities.jsonl", "rejected.jsonl", "documents.jsonl",
                 "graph.ttl", "graph.nq", "graph.html", "report.json"):
        assert (out / name).exists(), name
    report = json.loads((out / "report.json").read_text(encoding="utf-8"))
    graph = read_graph(out)
    assert report["counts"]["triples"] == len(graph.triples) > 0
    assert "Results in" in result.output


def test_unreadable_input_is_listed_and_exits_1_while_the_rest_is_built(article, tmp_path):
    binary = tmp_path / "scan.pdf"
    binary.write_bytes(b"%PDF-1.7\x00\x01\x02" + bytes(range(256)))
    result = run("build", article, binary, "-o", tmp_path / "b", "-q")
    assert result.exit_code == 1
    assert "scan.pdf" in result.output
    assert read_graph(tmp_path / "b").triples


def test_bad_usage_exits_2(tmp_path):
    assert run("build", "-o", tmp_path).exit_code == 2
    assert run("extract", "x.txt", "-o", tmp_path, "--ontology", tmp_path / "missing.ttl").exit_code == 2


def test_validate_strict_fails_on_a_rejected_triple(article, tmp_path):
    run("extract", article, "-o", tmp_path / "e", "-q")
    path = tmp_path / "e" / "triples.jsonl"
    records = lines(path)
    records[0]["confidence"] = 1.7
    path.write_text("\n".join(json.dumps(r, ensure_ascii=False) for r in records), encoding="utf-8")
    result = run("validate", path, "--strict", "-o", tmp_path / "checked")
    assert result.exit_code == 1
    assert json.loads(result.output)["by_rule"]["confidence-range"] == 1
    assert lines(tmp_path / "checked" / "rejected.jsonl")[0]["violations"][0]["rule"] == "confidence-range"


def test_export_and_viz_read_a_build_directory(article, tmp_path):
    run("build", article, "-o", tmp_path / "b", "-q", "--no-html")
    assert run("export", tmp_path / "b", "-f", "nt", "-o", tmp_path / "g.nt").exit_code == 0
    assert (tmp_path / "g.nt").read_text(encoding="utf-8").count(" .\n") > 10
    assert run("viz", tmp_path / "b", "-o", tmp_path / "p.html").exit_code == 0
    assert "<script" in (tmp_path / "p.html").read_text(encoding="utf-8")


def test_stdin_jsonl_input(tmp_path):
    line = json.dumps({"id": "n1", "text": ARTICLE}, ensure_ascii=False)
    result = CliRunner().invoke(main, ["extract", "-", "-o", str(tmp_path), "-q"], input=line)
    assert result.exit_code == 0
    assert {t["evidence"]["doc"] for t in lines(tmp_path / "triples.jsonl")} == {"n1"}


def test_stats_summarises_a_build_in_text_and_json(article, tmp_path):
    run("build", article, "-o", tmp_path / "b", "-q", "--no-html")
    text = run("stats", tmp_path / "b")
    assert text.exit_code == 0 and "宁德时代" in text.output
    summary = json.loads(run("stats", tmp_path / "b", "--json").output)
    assert summary["counts"]["triples"] == len(read_graph(tmp_path / "b").triples)


ESG_ARTICLE = "宁德时代2024年碳排放量为120万吨，同比下降8%。宁德时代的绿电使用比例达到45%。\n"
ESG = Path(__file__).resolve().parent.parent / "ontology" / "examples" / "esg.ttl"


@pytest.fixture(scope="module")
def esg_build(tmp_path_factory):
    """A build made with the ESG extension, whose predicates the plain ontology does not know."""
    folder = tmp_path_factory.mktemp("esg")
    (folder / "esg.txt").write_text(ESG_ARTICLE, encoding="utf-8")
    result = run("build", folder / "esg.txt", "-o", folder / "build", "--ontology", ESG, "-q")
    assert result.exit_code == 0, result.output
    return folder / "build"


def test_a_build_records_its_ontology_files_with_their_hash_and_keeps_a_copy(esg_build):
    settings = json.loads((esg_build / "report.json").read_text(encoding="utf-8"))["settings"]
    [recorded] = settings["ontology"]
    assert recorded["path"] == str(ESG)
    assert recorded["sha256"] == hashlib.sha256(ESG.read_bytes()).hexdigest()
    assert (esg_build / recorded["copy"]).read_bytes() == ESG.read_bytes()
    assert {t["predicate"]["id"] for t in lines(esg_build / "triples.jsonl")} >= {"carbonEmissions"}


def test_a_build_made_with_an_extension_validates_draws_and_exports_with_it(esg_build, tmp_path):
    checked = run("validate", esg_build, "--strict")
    assert checked.exit_code == 0, checked.output
    assert json.loads(checked.output)["by_rule"]["unknown-predicate"] == 0
    assert run("viz", esg_build, "-o", tmp_path / "page.html").exit_code == 0
    assert "碳排放" in (tmp_path / "page.html").read_text(encoding="utf-8")
    assert run("export", esg_build, "-f", "nt", "-o", tmp_path / "g.nt").exit_code == 0
    assert "carbonEmissions" in (tmp_path / "g.nt").read_text(encoding="utf-8")


def test_a_build_whose_recorded_ontology_was_tampered_with_is_refused(esg_build, tmp_path):
    copy = tmp_path / "copy"
    shutil.copytree(esg_build, copy)
    with open(copy / "settings" / "ontology" / "1-esg.ttl", "a", encoding="utf-8") as ttl:
        ttl.write("\n# edited\n")
    result = run("viz", copy, "-o", tmp_path / "p.html")
    assert result.exit_code == 2 and "changed since the build" in result.output


@pytest.mark.neo4j
def test_a_build_made_with_an_extension_loads_into_neo4j(esg_build, neo4j_server):
    result = run("load", esg_build, "--uri", neo4j_server.uri, "--user", neo4j_server.user,
                 "--password", neo4j_server.password)
    assert result.exit_code == 0, result.output
    assert "Traceback" not in result.output


def test_resume_compares_the_dictionary_contents_not_its_path(tmp_path):
    article = tmp_path / "a.txt"
    article.write_text("星河动力科技发射了火箭。\n", encoding="utf-8")
    names = tmp_path / "names.tsv"
    names.write_text("星河动力科技\tCompany\t星河动力\n", encoding="utf-8")
    out = tmp_path / "b"
    assert run("build", article, "-o", out, "--dict", names, "--no-model", "-q").exit_code == 0
    moved = tmp_path / "elsewhere.tsv"
    moved.write_bytes(names.read_bytes())
    again = run("build", article, "-o", out, "--dict", moved, "--no-model", "-q")
    assert again.exit_code == 0, again.output  # same contents at another path: resumed
    assert json.loads((out / "report.json").read_text(encoding="utf-8"))["resumed"] == 1
    names.write_text("星河动力科技\tCompany\t星河动力|Galactic Energy\n", encoding="utf-8")
    edited = run("build", article, "-o", out, "--dict", names, "--no-model", "-q")
    assert edited.exit_code == 2 and "dictionaries' contents" in edited.output
    assert run("build", article, "-o", out, "--dict", names, "--no-model", "-q", "--force").exit_code == 0
