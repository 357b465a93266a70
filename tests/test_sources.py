"""Reading inputs: every encoding users send, folders, JSON Lines, stdin, and bad files."""

import gzip
import io
import json

import pytest

from kg.model import Document
from kg.sources import SourceError, decode, decode_counted, read_documents

ARTICLE = "比亚迪2023年营收6023亿元，同比增长42%。\n公司董事长王传福表示将继续加大研发投入。\n"


def documents(items):
    return [i for i in items if isinstance(i, Document)]


def errors(items):
    return [i for i in items if isinstance(i, SourceError)]


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "utf-16", "utf-16-le", "utf-16-be", "gb18030", "gbk"])
def test_decode_reads_every_common_chinese_encoding(encoding):
    assert decode(ARTICLE.encode(encoding)) == ARTICLE


def test_decode_reads_traditional_big5_range_text_in_gb18030():
    text = "台積電2023年營收新台幣2.16兆元。"
    assert decode(text.encode("gb18030")) == text


def test_file_read_gives_document_with_stem_id_and_title(tmp_path):
    path = tmp_path / "byd-results.txt"
    path.write_text(ARTICLE, encoding="gbk")
    [doc] = documents(read_documents([path]))
    assert doc.id == "byd-results"
    assert doc.text == ARTICLE
    assert doc.title == "比亚迪2023年营收6023亿元，同比增长42%。"
    assert doc.source == str(path)


def test_directory_is_read_recursively_in_sorted_order_skipping_hidden(tmp_path):
    (tmp_path / "b").mkdir()
    (tmp_path / "a.txt").write_text("宁德时代发布麒麟电池。", encoding="utf-8")
    (tmp_path / "b" / "c.txt").write_text("蔚来汽车交付新车。", encoding="utf-16")
    (tmp_path / ".hidden.txt").write_text("不应读取。", encoding="utf-8")
    docs = documents(read_documents([tmp_path]))
    assert [d.id for d in docs] == ["a", "b/c"]


def test_binary_file_is_reported_by_name_and_the_run_goes_on(tmp_path):
    (tmp_path / "logo.png").write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00" + bytes(range(256)))
    (tmp_path / "news.txt").write_text(ARTICLE, encoding="utf-8")
    items = list(read_documents([tmp_path / "logo.png", tmp_path / "news.txt"]))
    [err] = errors(items)
    assert "logo.png" in str(err) and "not a text file" in err.reason
    assert [d.id for d in documents(items)] == ["news"]


def test_missing_and_empty_inputs_are_reported(tmp_path):
    (tmp_path / "empty.txt").write_text("  \n", encoding="utf-8")
    reasons = [e.reason for e in errors(read_documents([tmp_path / "nope.txt", tmp_path / "empty.txt"]))]
    assert reasons == ["no such file or directory", "empty document"]


def test_jsonl_gives_one_document_per_line_and_reports_bad_lines(tmp_path):
    path = tmp_path / "corpus.jsonl"
    lines = [json.dumps({"id": "n1", "text": "腾讯发布混元大模型。"}, ensure_ascii=False),
             "{not json",
             json.dumps({"id": "n2"}),
             json.dumps({"id": "n3", "text": "阿里巴巴投资了月之暗面。", "title": "投资"}, ensure_ascii=False)]
    path.write_text("\n".join(lines), encoding="utf-8")
    items = list(read_documents([path]))
    assert [(d.id, d.title) for d in documents(items)] == [("n1", "腾讯发布混元大模型。"), ("n3", "投资")]
    assert [e.source for e in errors(items)] == [f"{path}:2", f"{path}:3"]


def test_gzipped_jsonl_is_read(tmp_path):
    path = tmp_path / "corpus.jsonl.gz"
    path.write_bytes(gzip.compress(json.dumps({"id": "z", "text": "华为发布Mate 70。"}, ensure_ascii=False).encode()))
    assert [d.id for d in documents(read_documents([path]))] == ["z"]


def test_stdin_text_and_stdin_jsonl():
    [doc] = documents(read_documents(["-"], stdin=io.BytesIO(ARTICLE.encode("utf-8"))))
    assert doc.id == "stdin" and doc.text == ARTICLE
    jsonl = '{"id": "s1", "text": "小鹏汽车交付3万辆。"}\n'.encode("utf-8")
    assert [d.id for d in documents(read_documents(["-"], stdin=io.BytesIO(jsonl)))] == ["s1"]


def test_ids_are_unique_in_one_read_and_the_same_file_twice_is_read_once(tmp_path):
    for folder in ("a", "b"):
        (tmp_path / folder).mkdir()
        (tmp_path / folder / "report.txt").write_text(f"{folder}公司发布年报。", encoding="utf-8")
    (tmp_path / "report~2.txt").write_text("另一份报告。", encoding="utf-8")
    notes = []
    paths = [tmp_path / "a" / "report.txt", tmp_path / "report~2.txt", tmp_path / "b" / "report.txt",
             tmp_path / "a" / "report.txt"]
    docs = documents(read_documents(paths, on_note=lambda doc, note: notes.append((doc.id, note))))
    assert [d.id for d in docs] == ["report", "report~2", "report~3"]
    assert docs[2].text == "b公司发布年报。"
    assert [(i, n.dropped) for i, n in notes] == [("report~3", False), ("report", True)]


def test_a_few_bad_utf8_bytes_are_replaced_and_counted_while_gbk_stays_gbk():
    damaged = ARTICLE.encode("utf-8")
    text, replaced = decode_counted(damaged[:6] + b"\xc3\x28" + damaged[6:])
    assert replaced == 1 and text == ARTICLE[:2] + "\ufffd(" + ARTICLE[2:]
    assert decode_counted(ARTICLE.encode("gbk")) == (ARTICLE, 0)
    assert decode_counted("平安".encode("gbk")) == ("平安", 0)  # too short to be taken for damaged UTF-8
