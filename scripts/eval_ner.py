"""Score the NER model on the held-out CLUENER fold; measure speed and memory; optional ablation.

Scores are micro P/R/F1 on exact span + label over name, company, organization, government and
address (government and organization kept apart), plus per label. Speed is recognition alone,
one process, on ~1M characters of CLUENER, DuIE and FinRE sentences grouped into documents.

    nice -n 10 .venv/bin/python scripts/eval_ner.py                # shipped model → reports/ner.json
    nice -n 10 .venv/bin/python scripts/eval_ner.py --ablation     # also retrain each feature subset
"""

from __future__ import annotations

import argparse
import json
import resource
import sys
import tempfile
import time
from pathlib import Path

from train_ner import (DUIE, FINRE, ROOT, external_entries, read_cluener, score, split,
                       train)

sys.path.insert(0, str(ROOT))

from kg.recognise.ner import DEFAULT_MODEL, NerModel  # noqa: E402

ABLATION = (("chars",), ("chars", "words"), ("chars", "lexicon"), ("chars", "words", "lexicon"),
            ("chars", "words", "lexicon", "lac"))
SPEED_CHARS = 1_000_000
DOCUMENT_CHARS = 2_000


def speed_corpus() -> list[str]:
    """~1M characters as documents of ~2,000 characters, one sentence per line."""
    sentences = [s.text for s in read_cluener()]
    sentences += [json.loads(line)["text"] for line in DUIE.read_text(encoding="utf-8").splitlines()]
    sentences += [line.split("\t")[3] for path in FINRE
                  for line in path.read_text(encoding="utf-8").splitlines() if line.count("\t") >= 3]
    documents, current, total = [], [], 0
    while total < SPEED_CHARS:
        for sentence in sentences:
            current.append(sentence)
            total += len(sentence) + 1
            if sum(map(len, current)) >= DOCUMENT_CHARS:
                documents.append("\n".join(current))
                current = []
            if total >= SPEED_CHARS:
                break
    return documents + ["\n".join(current)] if current else documents


def speed(model: NerModel, documents: list[str]) -> dict:
    """Wall-clock and CPU throughput of `predict` over whole documents, after a warm-up call."""
    model.predict(documents[0])  # jieba loads its dictionary on first use
    started, cpu_started = time.perf_counter(), time.process_time()
    for document in documents:
        model.predict(document)
    seconds, cpu = time.perf_counter() - started, time.process_time() - cpu_started
    characters = sum(map(len, documents))
    return {"chars": characters, "seconds": round(seconds, 2), "chars_per_s": round(characters / seconds),
            "chars_per_cpu_s": round(characters / cpu)}  # the machine is shared: CPU time is steadier


def peak_rss_mb() -> float:
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)


def _variant(model: NerModel, groups: tuple[str, ...], train_fold, external) -> tuple[NerModel, int]:
    """The model trained on `groups`: the one evaluated if it has them (training is deterministic)."""
    if list(groups) == model.groups:
        return model, model.meta["train_seconds"]
    started = time.time()
    variant = train(train_fold, groups, external, log=lambda _: None)
    with tempfile.TemporaryDirectory() as scratch:  # measure what would ship: float16 weights
        variant.save(scratch)
        return NerModel.load(scratch), round(time.time() - started)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--model", type=Path, default=DEFAULT_MODEL)
    parser.add_argument("--out", type=Path, default=ROOT / "reports" / "ner.json")
    parser.add_argument("--ablation", action="store_true", help="retrain each feature subset (minutes)")
    args = parser.parse_args()
    train_fold, held_out = split(read_cluener())
    documents = speed_corpus()
    rss_before = peak_rss_mb()
    model = NerModel.load(args.model)
    report = {"model": str(args.model), "features": model.groups, "held_out_sentences": len(held_out),
              "scores": score(model, held_out), "speed": speed(model, documents),
              "peak_rss_mb": {"before_model": rss_before, "after_recognition": peak_rss_mb()}}
    print(json.dumps({k: report[k] for k in ("scores", "speed", "peak_rss_mb")}))
    if args.ablation:
        external = external_entries()
        report["ablation"] = []
        for groups in ABLATION:
            variant, seconds = _variant(model, groups, train_fold, external)
            row = {"features": "+".join(groups), "train_seconds": seconds,
                   "micro": score(variant, held_out)["micro"], "speed": speed(variant, documents[:100])}
            print(json.dumps(row))
            report["ablation"].append(row)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(report, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
