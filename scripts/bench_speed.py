#!/usr/bin/env python3
"""Extraction speed as a user meets it, and peak memory, on ~1 MB of Chinese news text.

The text is built from the training sentences in ../shared/data (CLUENER, DuIE, FinRE),
grouped into ~2,000-character documents. Figures go to a JSON file (default
reports/bench_speed.json):
  - the library: chars/s for the whole extractor and the seconds each component takes;
  - the command line, start-up included (fresh processes, as a user runs `kg`): the start-up of
    `kg extract` on one short article, `kg extract --workers 1` over the 2,000-character
    documents, 2,000 news snippets of ~50 characters (ms per document on top of start-up), and a
    long line of comma-joined clauses against the same clauses as sentences (linear time).

    .venv/bin/python scripts/bench_speed.py [--mb 1.0] [--out reports/bench_speed.json]
"""

from __future__ import annotations

import argparse
import csv
import json
import resource
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path
from time import perf_counter

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT.parent / "shared" / "data"
sys.path.insert(0, str(ROOT))


def corpus_sentences():
    for line in open(DATA / "CLUENER2020" / "train.json", encoding="utf-8"):
        yield json.loads(line)["text"]
    for line in open(DATA / "duie2.0" / "duie_train.json", encoding="utf-8"):
        yield json.loads(line)["text"]
    for line in open(DATA / "FinRE" / "train.txt", encoding="utf-8"):
        parts = line.rstrip("\n").split("\t")
        if len(parts) == 4:
            yield parts[3]


def documents(target_chars: int, doc_chars: int = 2000):
    from kg.model import Document
    buffer, size, total, number = [], 0, 0, 0
    for sentence in corpus_sentences():
        buffer.append(sentence if sentence.endswith(("。", "！", "？")) else sentence + "。")
        size += len(buffer[-1])
        if size >= doc_chars:
            number += 1
            yield Document(f"bench-{number}", "\n".join(buffer))
            total += size
            buffer, size = [], 0
            if total >= target_chars:
                return


def snippets(count: int = 2000, chars: int = 50) -> list[str]:
    """Real financial-news snippets (CCKS 2019), cut to about `chars` characters."""
    rows = csv.reader(open(DATA / "CCKS2019_event_entity" / "event_type_entity_extract_train.csv", encoding="utf-8"))
    texts = list(dict.fromkeys(row[1].strip()[:chars] for row in rows if len(row) > 1 and row[1].strip()))
    return texts[:count]


def kg_wall(*args: str) -> float:
    """Seconds a fresh `kg` process takes, as a user runs it."""
    started = perf_counter()
    subprocess.run([str(ROOT / ".venv" / "bin" / "kg"), *args], check=True, capture_output=True)
    return perf_counter() - started


def write_jsonl(path: Path, texts: list[str]) -> Path:
    path.write_text("".join(json.dumps({"id": f"d{i}", "text": t}, ensure_ascii=False) + "\n"
                            for i, t in enumerate(texts)), encoding="utf-8")
    return path


def command_line(docs, work: Path) -> dict:
    one = work / "one.txt"
    one.write_text("星河电子2024年营业收入320亿元，同比增长12%。董事长王明远表示，公司与远航科技签署战略合作协议。\n",
                   encoding="utf-8")
    startup = statistics.median(kg_wall("extract", str(one), "-o", str(work / f"one-{i}"), "-q") for i in range(3))
    corpus = write_jsonl(work / "docs.jsonl", [d.text for d in docs])
    chars = sum(len(d.text) for d in docs)
    seconds = kg_wall("extract", str(corpus), "-o", str(work / "docs"), "-q", "--workers", "1")
    short = snippets()
    short_seconds = kg_wall("extract", str(write_jsonl(work / "short.jsonl", short)), "-o", str(work / "short"), "-q")
    clauses = [s.rstrip("。") for d in docs for s in d.text.split("\n")][:1200]
    line = "，".join(clauses)[:27_600] + "。"
    as_sentences = line.replace("，", "。")
    (work / "line.txt").write_text(line, encoding="utf-8")
    (work / "sentences.txt").write_text(as_sentences, encoding="utf-8")
    line_seconds = kg_wall("extract", str(work / "line.txt"), "-o", str(work / "line"), "-q") - startup
    sentence_seconds = kg_wall("extract", str(work / "sentences.txt"), "-o", str(work / "sentences"), "-q") - startup
    return {"startup_seconds_one_short_article": round(startup, 2),
            "workers_1_chars_per_second_startup_included": round(chars / seconds),
            "short_documents": {"documents": len(short), "mean_chars": round(statistics.mean(map(len, short)), 1),
                                "ms_per_document_beyond_startup": round((short_seconds - startup) * 1000 / len(short), 3)},
            "long_line": {"chars": len(line), "seconds_as_one_line": round(line_seconds, 2),
                          "seconds_as_sentences": round(sentence_seconds, 2),
                          "ratio": round(line_seconds / max(sentence_seconds, 0.01), 2)}}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--mb", type=float, default=1.0, help="megabytes (millions of characters) of text")
    parser.add_argument("--out", default=str(ROOT / "reports" / "bench_speed.json"))
    args = parser.parse_args()
    from kg.extractor import Extractor, Settings
    from kg.model import Doc

    docs = list(documents(int(args.mb * 1_000_000)))
    chars = sum(len(d.text) for d in docs)
    started = perf_counter()
    extractor = Extractor(Settings())
    load_seconds = perf_counter() - started
    extractor(docs[0])  # warm caches (jieba dictionary, unit tables)

    started = perf_counter()
    triples = sum(len(extractor(d).triples) for d in docs)
    total = perf_counter() - started

    stages = dict.fromkeys((name for name, _ in extractor.components), 0.0)
    for d in docs:
        doc = Doc(d)
        for name, component in extractor.components:
            t0 = perf_counter()
            component(doc)
            stages[name] += perf_counter() - t0
    with tempfile.TemporaryDirectory(prefix="zhkg-bench-") as work:
        cli = command_line(docs, Path(work))
    report = {
        "documents": len(docs), "chars": chars, "triples": triples,
        "model_load_seconds": round(load_seconds, 2),
        "end_to_end_chars_per_second": round(chars / total),
        "component_seconds": {name: round(seconds, 2) for name, seconds in stages.items()},
        "command_line": cli,
        "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
        "command": "python scripts/bench_speed.py --mb %s" % args.mb,
    }
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    Path(args.out).write_text(json.dumps(report, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    print(json.dumps(report, ensure_ascii=False, indent=2))


if __name__ == "__main__":
    main()
