"""Hostile input costs bounded memory and time: a decompression bomb, a 50 MB line and a
sentence of ten million characters are each reported by file and record (exit 1) while the
good documents beside them are built."""

import gzip
import io
import json
import zlib

import pytest
from click.testing import CliRunner

from kg.cli import main
from kg.limits import CHUNK, InputLimits, LongLine, TooLarge, bounded_lines, count_lines, read_bounded
from kg.sinks.jsonl import read_graph
from kg.sources import Document, SourceError, read_documents

# Invented companies and figures.
GOOD = "星河科技股份有限公司2024年营收120亿元，同比增长15%。\n星河科技与云帆半导体股份有限公司签署战略合作协议。\n"
GOOD_LINE = json.dumps({"id": "good-line", "text": "云帆半导体2023年营收35亿元。"}, ensure_ascii=False)


def run(*args):
    return CliRunner().invoke(main, [str(a) for a in args], catch_exceptions=False)


def built_docs(out):
    """The documents a build processed; the good article always gives facts."""
    graph = read_graph(out)
    assert "good" in {t.evidence.doc for t in graph.triples}
    return set(graph.documents)


def gzip_bomb(prefix: bytes, filler: bytes, megabytes: int, suffix: bytes) -> bytes:
    """A .gz of a few hundred KB that expands to `megabytes` MB: one member repeated."""
    member = gzip.compress(filler * (8 * 2**20 // len(filler)), 9)
    return gzip.compress(prefix) + member * (megabytes // 8) + gzip.compress(suffix)


def test_read_bounded_stops_just_past_the_limit():
    assert read_bounded(io.BytesIO(b"x" * 100), 100) == b"x" * 100
    with pytest.raises(TooLarge) as error:
        read_bounded(io.BytesIO(b"x" * (3 * CHUNK)), CHUNK)
    assert error.value.read == CHUNK + 1


def test_a_long_line_is_skipped_in_chunks_and_the_next_line_read():
    data = b'{"a": 1}\n' + b"y" * (2 * CHUNK + 5) + b"\n" + b'{"b": 2}'
    assert list(bounded_lines(io.BytesIO(data), 100)) == [b'{"a": 1}\n', LongLine(2 * CHUNK + 6), b'{"b": 2}']
    assert count_lines(io.BytesIO(data + b"\n\n  \n")) == 3


def test_a_document_longer_than_max_doc_chars_is_reported_and_the_next_read(tmp_path):
    (tmp_path / "a.txt").write_text("长" * 30, encoding="utf-8")
    (tmp_path / "b.jsonl").write_text(json.dumps({"id": "long", "text": "长" * 30}) + "\n" + GOOD_LINE + "\n",
                                      encoding="utf-8")
    items = list(read_documents([tmp_path / "a.txt", tmp_path / "b.jsonl"], limits=InputLimits(25)))
    assert [(i.source, "longer than the limit of 25" in i.reason) for i in items if isinstance(i, SourceError)] == \
        [(str(tmp_path / "a.txt"), True), (f"{tmp_path / 'b.jsonl'}:1", True)]
    assert [i.id for i in items if isinstance(i, Document)] == ["good-line"]


@pytest.mark.slow
def test_max_doc_chars_option_applies_to_build(tmp_path):
    (tmp_path / "good.txt").write_text(GOOD, encoding="utf-8")
    (tmp_path / "long.txt").write_text("星河科技" * 60, encoding="utf-8")
    result = run("build", tmp_path / "good.txt", tmp_path / "long.txt", "-o", tmp_path / "out", "-q",
                 "--max-doc-chars", "200", "--no-html")
    assert result.exit_code == 1
    assert "long.txt: document of 240 characters is longer than the limit of 200 (--max-doc-chars)" in result.output
    assert built_docs(tmp_path / "out") == {"good"}


@pytest.mark.slow
def test_gzip_bomb_is_reported_by_file_and_record_while_the_rest_is_built(tmp_path):
    line_bomb = tmp_path / "news.jsonl.gz"  # one JSON Lines record of 600 MB, then a good one
    line_bomb.write_bytes(gzip_bomb(b'{"id": "bomb", "text": "', "长".encode() * 1000, 600,
                                    b'"}\n' + GOOD_LINE.encode() + b"\n"))
    text_bomb = tmp_path / "report.txt.gz"  # a text document of 600 MB
    text_bomb.write_bytes(gzip_bomb(b"", "长".encode() * 1000, 600, b""))
    assert line_bomb.stat().st_size < 2_000_000 and text_bomb.stat().st_size < 2_000_000
    (tmp_path / "good.txt").write_text(GOOD, encoding="utf-8")
    result = run("build", line_bomb, text_bomb, tmp_path / "good.txt", "-o", tmp_path / "out", "-q")
    assert result.exit_code == 1
    assert f"{line_bomb}:1: line of " in result.output and "is longer than the limit of 61,048,576 bytes" in result.output
    assert f"{text_bomb}: more than 40,000,000 bytes" in result.output and "decompression bomb" in result.output
    assert built_docs(tmp_path / "out") == {"good", "good-line"}


@pytest.mark.slow
def test_50_mb_single_line_is_reported_while_the_rest_is_built(tmp_path):
    text = "长" * (50_000_000 // 3)  # 50 MB of UTF-8 on one line
    record = tmp_path / "feed.jsonl"
    record.write_text(json.dumps({"id": "huge", "text": text}, ensure_ascii=False) + "\n" + GOOD_LINE + "\n",
                      encoding="utf-8")
    plain = tmp_path / "dump.txt"
    plain.write_text(text, encoding="utf-8")
    (tmp_path / "good.txt").write_text(GOOD, encoding="utf-8")
    result = run("build", record, plain, tmp_path / "good.txt", "-o", tmp_path / "out", "-q")
    assert result.exit_code == 1
    assert (f"{record}:1: document of 16,666,666 characters is longer than the limit of 10,000,000 "
            "(--max-doc-chars)") in result.output
    assert f"{plain}: more than 40,000,000 bytes" in result.output
    assert built_docs(tmp_path / "out") == {"good", "good-line"}


@pytest.mark.slow
def test_ten_million_character_sentence_is_reported_while_the_rest_is_built(tmp_path):
    sentence = tmp_path / "sentence.txt"
    sentence.write_text("星河科技" * 2_500_000 + "。", encoding="utf-8")
    (tmp_path / "good.txt").write_text(GOOD, encoding="utf-8")
    result = run("build", sentence, tmp_path / "good.txt", "-o", tmp_path / "out", "-q")
    assert result.exit_code == 1
    assert (f"{sentence}: document of 10,000,001 characters is longer than the limit of 10,000,000 "
            "(--max-doc-chars)") in result.output
    assert built_docs(tmp_path / "out") == {"good"}


def test_jsonl_is_streamed_by_content_in_any_encoding_and_from_stdin(tmp_path):
    lines = GOOD_LINE + "\n" + json.dumps({"id": "n2", "text": "青岚资本投资了星河科技。"}, ensure_ascii=False) + "\n"
    (tmp_path / "feed.txt").write_text(lines, encoding="utf-8")  # no .jsonl suffix: told by its first line
    (tmp_path / "feed16.jsonl").write_text(lines, encoding="utf-16")  # read whole, within the limit
    for items in (read_documents([tmp_path / "feed.txt"]), read_documents([tmp_path / "feed16.jsonl"]),
                  read_documents(["-"], stdin=io.BytesIO(lines.encode("utf-8")))):
        assert [d.id for d in items] == ["good-line", "n2"]


def test_a_truncated_gzip_keeps_what_was_read_before_the_error(tmp_path):
    data = gzip.compress((GOOD_LINE + "\n").encode("utf-8") * 3 + b"x" * 100_000)
    (tmp_path / "cut.jsonl.gz").write_bytes(data[: len(data) - 20])
    items = list(read_documents([tmp_path / "cut.jsonl.gz"]))
    assert isinstance(items[-1], SourceError) and items[-1].reason.startswith("cannot read")
    assert [i.id for i in items if isinstance(i, Document)] == ["good-line", "good-line~2", "good-line~3"]
