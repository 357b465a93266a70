"""The `kg` command line: each command on real input, checked through the files it writes."""

import gzip
import hashlib
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path
from types import SimpleNamespace

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
    result = run("build", folder / "esg.txt", "-o", folder / "build", "--ontology", ESG, "--no-model", "-q")
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
    assert run("stats", out).exit_code == 0  # the refused run left the build as it was
    assert run("build", article, "-o", out, "--dict", names, "--no-model", "-q", "--force").exit_code == 0


# ---------------------------------------------------------------- as a user runs it: nothing lost, nothing silent

def kg(*args, timeout=180, stdin=None):
    """`kg ARGS` in its own process, as a shell runs it: exit status, stdout and stderr (text)."""
    done = subprocess.run([sys.executable, "-c", "from kg.cli import main; main()", *map(str, args)],
                          capture_output=True, timeout=timeout, input=stdin)
    return SimpleNamespace(code=done.returncode, out=done.stdout.decode("utf-8", "replace"),
                           err=done.stderr.decode("utf-8", "replace"), raw_err=done.stderr)


def no_traceback(result):
    return "Traceback" not in result.err and "Aborted!" not in result.err


def test_two_inputs_with_one_file_name_in_two_folders_get_two_ids(tmp_path):
    for folder, text in (("2023", "宁德时代2023年营收4009亿元。\n"), ("2024", "宁德时代2024年营收3620亿元。\n")):
        (tmp_path / folder).mkdir()
        (tmp_path / folder / "report.txt").write_text(text, encoding="utf-8")
    records = tmp_path / "news.jsonl"
    records.write_text('{"id": "n1", "text": "比亚迪发布了海豹汽车。"}\n{"id": "n1", "text": "腾讯发布了混元大模型。"}\n',
                       encoding="utf-8")
    result = kg("build", tmp_path / "2023" / "report.txt", tmp_path / "2024" / "report.txt", records,
                "-o", tmp_path / "out", "--no-model", "--no-html", "-q")
    assert result.code == 0, result.err
    documents = {d["id"]: d["text"] for d in lines(tmp_path / "out" / "documents.jsonl")}
    assert set(documents) == {"report", "report~2", "n1", "n1~2"}
    assert "3620亿元" in documents["report~2"] and "腾讯" in documents["n1~2"]
    assert "'report' was taken" in result.err and "'n1' was taken" in result.err
    assert {t["evidence"]["doc"] for t in lines(tmp_path / "out" / "triples.jsonl")} >= {"report", "report~2"}


def test_an_unreadable_figure_costs_that_figure_not_the_document(tmp_path):
    article = tmp_path / "big.txt"
    article.write_text("宁德时代2024年营收99999999999999999999999999亿元，净利润507亿元，同比增长15%。\n",
                       encoding="utf-8")
    result = kg("build", article, "-o", tmp_path / "out", "--no-model", "--no-html", "-q")
    assert result.code == 1 and no_traceback(result)
    assert "big:11-39 '99999999999999999999999999亿元': unreadable figure" in result.err
    assert {t["predicate"]["id"] for t in lines(tmp_path / "out" / "triples.jsonl")} >= {"netProfit", "growthRate"}
    [problem] = json.loads((tmp_path / "out" / "report.json").read_text(encoding="utf-8"))["problems"]
    assert (problem["doc"], problem["start"], problem["end"]) == ("big", 11, 39)
    assert lines(tmp_path / "out" / "problems.jsonl") == [problem]


@pytest.fixture()
def broken_inputs(tmp_path):
    """A truncated .jsonl.gz, a .gz that is no gzip, a file that cannot be read, and a good one."""
    good = tmp_path / "good.txt"
    good.write_text(ARTICLE, encoding="utf-8")
    whole = gzip.compress(json.dumps({"id": "z", "text": ARTICLE}, ensure_ascii=False).encode("utf-8"))
    (tmp_path / "cut.jsonl.gz").write_bytes(whole[: len(whole) // 2])
    (tmp_path / "plain.jsonl.gz").write_text('{"id": "p", "text": "比亚迪发布新车。"}\n', encoding="utf-8")
    unreadable = tmp_path / "locked.txt"
    unreadable.write_text(ARTICLE, encoding="utf-8")
    unreadable.chmod(0)
    if os.access(unreadable, os.R_OK):  # root reads anything; this file fails for everyone
        unreadable = Path("/proc/self/mem")
    return [tmp_path / "cut.jsonl.gz", tmp_path / "plain.jsonl.gz", unreadable, good]


def test_with_the_progress_bar_broken_inputs_are_named_exactly_as_with_q(broken_inputs, tmp_path):
    quiet = kg("build", *broken_inputs, "-o", tmp_path / "quiet", "--no-model", "--no-html", "-q")
    shown = kg("build", *broken_inputs, "-o", tmp_path / "shown", "--no-model", "--no-html")
    for result in (quiet, shown):
        assert result.code == 1 and no_traceback(result), result.err
        assert "3 input(s) failed" in result.err
    failures = [line for line in quiet.err.splitlines() if line.startswith("  ")]
    assert [line for line in shown.err.splitlines() if line.startswith("  ")] == failures
    assert "cut.jsonl.gz: cannot read: truncated or damaged gzip" in quiet.err
    assert "plain.jsonl.gz: cannot read: Not a gzipped file" in quiet.err
    assert f"{broken_inputs[2]}: cannot read:" in quiet.err
    assert lines(tmp_path / "shown" / "triples.jsonl") == lines(tmp_path / "quiet" / "triples.jsonl") != []


def test_fifos_devices_link_loops_and_dangling_links_are_reported_not_hung_on(tmp_path):
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "a.txt").write_text(ARTICLE, encoding="utf-8")
    os.mkfifo(folder / "pipe.txt")
    (folder / "up").symlink_to("..")  # a loop back to where the walk started
    (folder / "self.txt").symlink_to("self.txt")
    (folder / "gone.txt").symlink_to("nowhere.txt")
    os.mkfifo(tmp_path / "named-pipe")
    result = kg("extract", folder, tmp_path / "named-pipe", "/dev/zero", "-o", tmp_path / "out", "--no-model",
                timeout=120)
    assert result.code == 1 and no_traceback(result), result.err
    assert "6 input(s) failed" in result.err
    for reason in ("pipe.txt: not a regular file (a FIFO)", "up: symbolic link loop",
                   "self.txt: symbolic link loop", "gone.txt: dangling symbolic link",
                   "named-pipe: not a regular file (a FIFO)", "/dev/zero: not a regular file (a device)"):
        assert reason in result.err
    assert {d["id"] for d in lines(tmp_path / "out" / "documents.jsonl")} == {"a"}


def test_an_unreadable_subfolder_is_reported(tmp_path, monkeypatch):
    folder = tmp_path / "in"
    (folder / "private").mkdir(parents=True)
    (folder / "a.txt").write_text(ARTICLE, encoding="utf-8")
    (folder / "private" / "b.txt").write_text(ARTICLE, encoding="utf-8")
    listdir = os.listdir

    def denied(path):  # chmod 000 does not stop root, who runs some test machines
        if Path(path) == folder / "private":
            raise PermissionError(13, "Permission denied", str(path))
        return listdir(path)
    monkeypatch.setattr(os, "listdir", denied)
    result = run("extract", folder, "-o", tmp_path / "out", "--no-model", "-q")
    assert result.exit_code == 1
    assert f"{folder / 'private'}: cannot read folder: Permission denied" in result.output


def test_escape_codes_in_file_names_are_shown_escaped(tmp_path):
    name = "report\x1b[2J\x1b]0;owned\x07.pdf"
    (tmp_path / name).write_bytes(b"%PDF-1.7\x00\x01\x02" + bytes(range(256)))
    result = kg("build", tmp_path / name, "-o", tmp_path / "out", "--no-model", "-q")
    assert result.code == 1 and no_traceback(result)
    assert b"\x1b" not in result.raw_err and b"\x07" not in result.raw_err
    assert "report\\x1b[2J\\x1b]0;owned\\x07.pdf: not a text file" in result.err


def test_shift_jis_is_refused_with_its_name_and_a_bad_utf8_byte_costs_that_byte(tmp_path):
    (tmp_path / "tokyo.txt").write_bytes("東京の株式会社ソニーは新しいカメラを発売しました。売上は増えました。".encode("shift_jis"))
    damaged = ARTICLE.encode("utf-8")
    (tmp_path / "damaged.txt").write_bytes(damaged[:9] + b"\xff" + damaged[9:])
    result = kg("build", tmp_path / "tokyo.txt", tmp_path / "damaged.txt", "-o", tmp_path / "out",
                "--no-model", "--no-html", "-q")
    assert result.code == 1 and no_traceback(result)
    assert "tokyo.txt: not a text file: Shift-JIS (Japanese) text" in result.err
    assert "damaged:3-4 '\ufffd': 1 byte(s) that are not UTF-8 replaced by U+FFFD" in result.err
    [document] = lines(tmp_path / "out" / "documents.jsonl")
    assert document["text"] == ARTICLE[:3] + "\ufffd" + ARTICLE[3:]


def test_malformed_lines_in_a_build_are_named_and_the_rest_is_used(article, tmp_path):
    out = tmp_path / "b"
    assert run("build", article, "-o", out, "-q", "--no-html").exit_code == 0
    entities = (out / "entities.jsonl").read_text(encoding="utf-8")
    (out / "entities.jsonl").write_text('{"id": "x"}\n[1, 2]\n' + entities, encoding="utf-8")
    mentions = (out / "mentions.jsonl").read_text(encoding="utf-8")
    (out / "mentions.jsonl").write_text(mentions + '{"doc": "catl", "text": 7, "type": "Company", "start": 0, '
                                        '"end": "x"}\nnot json\n', encoding="utf-8")
    rows = len(mentions.splitlines())
    for command in (("stats", out), ("viz", out, "-o", tmp_path / "p.html"),
                    ("export", out, "-f", "ttl", "-o", tmp_path / "g.ttl")):
        result = run(*command)
        assert result.exit_code == 1, result.output
        assert "4 line(s) could not be read" in result.output
        assert "entities.jsonl:1: not an entity: missing field 'name'" in result.output
        assert "entities.jsonl:2: not an entity: expected a JSON object, found list" in result.output
        assert f"mentions.jsonl:{rows + 1}: not a mention: Mention.text should be str" in result.output
        assert f"mentions.jsonl:{rows + 2}: invalid JSON" in result.output
    assert (tmp_path / "p.html").exists() and (tmp_path / "g.ttl").exists()


def test_export_and_viz_create_the_folder_they_write_into(article, tmp_path):
    run("build", article, "-o", tmp_path / "b", "-q", "--no-html")
    assert run("export", tmp_path / "b", "-f", "nt", "-o", tmp_path / "new" / "rdf" / "g.nt").exit_code == 0
    assert run("export", tmp_path / "b", "-f", "neo4j-import", "-o", tmp_path / "new" / "csv").exit_code == 0
    assert run("viz", tmp_path / "b", "-o", tmp_path / "new" / "page" / "p.html").exit_code == 0
    assert (tmp_path / "new" / "rdf" / "g.nt").stat().st_size and (tmp_path / "new" / "page" / "p.html").stat().st_size


def test_load_with_a_garbage_uri_or_batch_size_is_a_usage_error(article, tmp_path):
    run("build", article, "-o", tmp_path / "b", "-q", "--no-html")
    for options in (("--uri", "htp:/nowhere"), ("--uri", "bolt://host:99999"), ("--batch-size", "-5"),
                    ("--batch-size", "0")):
        result = run("load", tmp_path / "b", "--password", "x", *options)
        assert result.exit_code == 2, options


def test_a_folder_in_use_by_another_run_is_refused(article, tmp_path):
    from kg.corpus import directory_lock
    with directory_lock(tmp_path / "b"):
        result = kg("build", article, "-o", tmp_path / "b", "--no-model", "-q")
    assert result.code == 1 and no_traceback(result)
    assert "in use by another run (pid " in result.err


def test_an_unexpected_error_is_one_line_and_a_traceback_only_with_debug(tmp_path, monkeypatch):
    import kg.analytics

    def broken(graph):
        raise RuntimeError("boom")
    run("build", tmp_path / "missing.txt", "-o", tmp_path / "b", "-q", "--no-model")
    (tmp_path / "b" / "triples.jsonl").write_text("", encoding="utf-8")
    monkeypatch.setattr(kg.analytics, "summary", broken)
    result = CliRunner().invoke(main, ["stats", str(tmp_path / "b")])
    assert result.exit_code == 1 and "RuntimeError: boom (run with --debug" in result.output
    assert "Traceback" not in result.output
    debug = CliRunner().invoke(main, ["--debug", "stats", str(tmp_path / "b")])
    assert isinstance(debug.exception, RuntimeError)


def test_hostile_json_lines_and_files_are_each_a_named_failure_and_the_run_goes_on(tmp_path):
    records = tmp_path / "news.jsonl"
    records.write_text("\n".join([
        json.dumps({"id": "ok", "text": ARTICLE}, ensure_ascii=False),
        '{"id": "deep", "text": ' + "[" * 5000 + "]" * 5000 + "}",
        '{"id": "lone", "text": "\\ud800比亚迪发布新车。"}',
        '{"id": "\\udfff", "text": "比亚迪发布新车。"}',
        json.dumps({"id": "ok2", "text": "比亚迪发布了海豹汽车。"}, ensure_ascii=False),
    ]) + "\n", encoding="utf-8")
    (tmp_path / "logo.txt").write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)) * 4)
    result = kg("build", records, tmp_path / "logo.txt", "-o", tmp_path / "out", "--no-model", "--no-html", "-q")
    assert result.code == 1 and no_traceback(result), result.err
    assert "4 input(s) failed" in result.err
    assert "news.jsonl:2: invalid JSON (nested too deep)" in result.err
    assert "news.jsonl:3: text with a lone surrogate" in result.err
    assert "news.jsonl:4: text with a lone surrogate" in result.err
    assert "logo.txt: not a text file" in result.err
    assert [d["id"] for d in lines(tmp_path / "out" / "documents.jsonl")] == ["ok", "ok2"]


def test_validate_names_a_malformed_triple_line_and_checks_the_rest(article, tmp_path):
    out = tmp_path / "b"
    assert run("build", article, "-o", out, "-q", "--no-html").exit_code == 0
    triples = (out / "triples.jsonl").read_text(encoding="utf-8")
    (out / "triples.jsonl").write_text(triples + '{"subject": {"id": 1}}\n', encoding="utf-8")
    result = run("validate", out)
    assert result.exit_code == 1
    assert f"triples.jsonl:{len(triples.splitlines()) + 1}: not a triple" in result.output
    summary = json.loads(result.output[: result.output.index("\n}\n") + 2])
    assert summary["total"] == len(triples.splitlines()) + len(lines(out / "rejected.jsonl"))
