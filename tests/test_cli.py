"""The `kg` command line: each command on real input, checked through the files it writes."""

import json

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
