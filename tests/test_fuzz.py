"""Hypothesis fuzz over the readers and the extractor: whatever text arrives (random Unicode,
control characters, lone surrogates, RTL marks, ZWJ, NULs, huge numbers), no exception escapes
and every offset stays inside the text."""

import io
import os
import json

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kg.model import Document, Quantity
from kg.sinks.jsonl import LineError, parse_line
from kg.sources import Document as SourceDocument, NotText, SourceError, decode_counted, read_documents

FUZZ = settings(max_examples=int(os.environ.get("ZHKG_FUZZ_EXAMPLES", "150")), deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])

# Pieces that business text and hostile input are made of; sampled and glued together.
PIECES = ["宁德时代", "比亚迪", "小米集团", "营收", "净利润", "同比增长", "下降", "亿元", "万辆", "%", "2024年",
          "第三季度", "与", "合作", "董事长", "，", "。", "、", "（", "）", "“", "”", "\n", " ",
          "99999999999999999999999999", "1e999", "0.000000000000000000001", "1,234,567.89", "三千亿",
          "\u200f", "\u200e", "\u202e", "\u200d", "\ufeff", "\x00", "\x1b[31m", "\r", "\t", "\ufffd",
          "😀", "👨\u200d👩\u200d👧", "Ａ", "１２３", "\ud800", "\udfff"]
texts = st.lists(st.one_of(st.sampled_from(PIECES), st.text(max_size=5)), max_size=40).map("".join)


@FUZZ
@given(st.binary(max_size=400))
def test_decoding_any_bytes_gives_text_or_says_why_not(data):
    try:
        text, replaced = decode_counted(data)
    except NotText as exc:
        assert str(exc)
        return
    assert isinstance(text, str) and replaced >= 0


@FUZZ
@given(st.binary(max_size=400), st.sampled_from(["x.txt", "x.jsonl", "x.jsonl.gz", "x.gz", "x"]))
def test_reading_any_file_gives_documents_or_named_failures(tmp_path_factory, data, name):
    path = tmp_path_factory.mktemp("fuzz") / name
    path.write_bytes(data)
    for item in read_documents([path]):
        assert isinstance(item, (SourceDocument, SourceError))
        if isinstance(item, SourceDocument):
            item.text.encode("utf-8")  # no lone surrogate reaches a document


@FUZZ
@given(st.lists(st.one_of(texts, st.recursive(st.none() | st.integers() | texts,
                                              lambda inner: st.lists(inner) | st.dictionaries(texts, inner),
                                              max_leaves=10)), max_size=5))
def test_reading_any_json_lines_gives_documents_or_named_failures(values):
    lines = [json.dumps({"id": v, "text": v} if isinstance(v, str) else v) for v in values]
    stream = io.BytesIO("\n".join(lines).encode("utf-8", "surrogatepass"))
    for item in read_documents(["-"], stdin=stream):
        assert isinstance(item, (SourceDocument, SourceError))
    for line in lines:
        try:
            parse_line(line)
        except ValueError as exc:
            assert str(LineError("x", 1, str(exc)))


@FUZZ
@given(texts)
def test_the_extractor_survives_any_text_and_keeps_offsets_inside_it(extractor, text):
    result = extractor(Document("fuzz", text))
    n = len(text)
    assert len(result.document.text) == n  # lone surrogates become U+FFFD one for one
    text = result.document.text
    for m in result.mentions:
        assert 0 <= m.start < m.end <= n and m.text == text[m.start:m.end]
    for t in result.triples:
        e = t.evidence
        assert 0 <= e.start <= e.end <= n
        assert all(0 <= s.start <= s.end <= n for s in e.spans)
        if isinstance(t.object, Quantity):
            assert t.object.value.is_finite()
    for p in result.problems:
        assert 0 <= p["start"] <= p["end"] <= n
