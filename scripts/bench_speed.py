#!/usr/bin/env python3
"""End-to-end extraction speed and peak memory, one process, on ~1 MB of Chinese news text.

The text is built from the training sentences in ../shared/data (CLUENER, DuIE, FinRE),
grouped into ~2,000-character documents. Figures go to a JSON file (default
reports/bench_speed.json): chars/s for the whole extractor and for each stage alone.

    .venv/bin/python scripts/bench_speed.py [--mb 1.0] [--out reports/bench_speed.json]
"""

from __future__ import annotations

import argparse
import json
import resource
import sys
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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--mb", type=float, default=1.0, help="megabytes (millions of characters) of text")
    parser.add_argument("--out", default=str(ROOT / "reports" / "bench_speed.json"))
    args = parser.parse_args()
    from kg.extractor import Extractor, Settings
    from kg.quantities import find_quantities
    from kg.text import normalise
    import rjieba

    docs = list(documents(int(args.mb * 1_000_000)))
    chars = sum(len(d.text) for d in docs)
    started = perf_counter()
    extractor = Extractor(Settings())
    load_seconds = perf_counter() - started
    extractor(docs[0])  # warm caches (jieba dictionary, unit tables)

    started = perf_counter()
    triples = sum(len(extractor(d).triples) for d in docs)
    total = perf_counter() - started

    stages = {}
    texts = [normalise(d.text).text for d in docs]
    for name, run in (("normalise", lambda: [normalise(d.text) for d in docs]),
                      ("segment (rjieba)", lambda: [rjieba.tokenize(t, hmm=True) for t in texts]),
                      ("quantities", lambda: [find_quantities(t, extractor.ontology) for t in texts]),
                      ("trained recogniser", lambda: [extractor.model.predict(t) for t in texts])):
        t0 = perf_counter()
        run()
        stages[name] = round(chars / (perf_counter() - t0))
    report = {
        "documents": len(docs), "chars": chars, "triples": triples,
        "model_load_seconds": round(load_seconds, 2),
        "end_to_end_chars_per_second": round(chars / total),
        "stage_chars_per_second": stages,
        "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
        "command": "python scripts/bench_speed.py --mb %s" % args.mb,
    }
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    Path(args.out).write_text(json.dumps(report, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    print(json.dumps(report, ensure_ascii=False, indent=2))


if __name__ == "__main__":
    main()
