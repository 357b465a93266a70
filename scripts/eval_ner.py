"""Score the NER model on the held-out fold of each source; measure speed and memory.

Per source, per class P/R/F1 on exact span + class, twice: following the source's own scheme
(the scheme feature set to the source's, as a model trained on that corpus alone would be) and
as `predict` runs (the model's runtime scheme). The two targets of issue 15:
- MSRA-style: PER/LOC/ORG exact-span micro F1 on the held-out MSRA + People's Daily sentences,
  Company and Organization both counting as ORG;
- CLUENER: name/company/organization/government/address on its held-out fold, as the ontology
  classes labels.tsv maps them to (organization and government both Organization).
Speed: `predict` per ~2,000-character document over ~1M characters (CLUENER, DuIE and FinRE
sentences), and per snippet over 2,000 CCKS 2019 snippets (~50 characters each).

    nice -n 10 .venv/bin/python scripts/eval_ner.py                        # → reports/ner.json
    nice -n 10 .venv/bin/python scripts/eval_ner.py --baseline OLD_MODEL   # also score another model
"""

from __future__ import annotations

import argparse
import json
import resource
import sys
import time
from pathlib import Path
from typing import Sequence

import numpy as np

from train_ner import (DUIE, FINRE, ROOT, Sentence, read_annotated, read_ccks, read_cluener,
                       splits)

sys.path.insert(0, str(ROOT))

from kg.recognise.ner import DEFAULT_MODEL, NerModel  # noqa: E402
from kg.recognise.ner_labels import LabelTable  # noqa: E402

SPEED_CHARS = 1_000_000
DOCUMENT_CHARS = 2_000
SHORT_DOCUMENTS = 2_000
CLUENER_SCORED = ("name", "company", "organization", "government", "address")
MSRA_STYLE = {"Person": "PER", "Location": "LOC", "Organization": "ORG", "Company": "ORG"}
GOALS = {"msra_style": 0.90, "cluener": 0.80}


def _prf(hits: int, predicted: int, gold: int) -> dict:
    hits, predicted, gold = int(hits), int(predicted), int(gold)
    precision = hits / predicted if predicted else 0.0
    recall = hits / gold if gold else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {"p": round(precision, 4), "r": round(recall, 4), "f1": round(f1, 4), "support": gold}


def score_sets(gold: Sequence[set], guessed: Sequence[set], classes: Sequence[str]) -> dict:
    """Micro and per-class P/R/F1 over sentences of (start, end, class) sets."""
    counts = {c: [0, 0, 0] for c in classes}
    for g, p in zip(gold, guessed):
        for *_, c in g & p:
            counts[c][0] += 1
        for *_, c in p:
            counts[c][1] += 1
        for *_, c in g:
            counts[c][2] += 1
    return {"micro": _prf(*np.sum(list(counts.values()), axis=0)),
            "per_class": {c: _prf(*v) for c, v in counts.items()}}


def predicted_classes(model: NerModel, sentences: Sequence[Sentence], domain: int | None) -> list[set]:
    found = model.recognise([s.text for s in sentences], domain)
    return [{(s, e, model.class_of[label]) for s, e, label, _ in spans if label in model.class_of}
            for spans in found]


def score_source(model: NerModel, source: str, sentences: Sequence[Sentence], domain: int | None,
                 table: LabelTable) -> dict:
    guessed = predicted_classes(model, sentences, domain)
    if source == "cluener":
        mapped = {label: table.tag("cluener", label, "") for label in CLUENER_SCORED}
        gold = [{(s, e, mapped[label]) for s, e, label in sentence.entities if label in mapped}
                for sentence in sentences]
        result = score_sets(gold, guessed, sorted(set(mapped.values())))
        # recall of each CLUENER label (organization and government share a class)
        result["recall_by_label"] = {
            label: round(sum((s, e, mapped[label]) in g for sentence, g in zip(sentences, guessed)
                             for s, e, lab in sentence.entities if lab == label)
                         / max(1, sum(lab == label for sentence in sentences for *_, lab in sentence.entities)), 4)
            for label in CLUENER_SCORED}
        return result
    gold = [set(sentence.entities) for sentence in sentences]
    styled = [{(s, e, MSRA_STYLE[c]) for s, e, c in g} for g in guessed]
    result = score_sets(gold, styled, ["PER", "LOC", "ORG"])
    result["predicted_by_class"] = {c: sum(x == c for g in guessed for *_, x in g) for c in sorted(MSRA_STYLE)}
    return result


def scores(model: NerModel, held_out: dict[str, list[Sentence]], table: LabelTable) -> dict:
    """Per source under its own scheme and as predict runs (the runtime mixture), and the two targets."""
    domains = model.meta.get("domains", {})
    news = [s for source in ("msra", "peopledaily") for s in held_out[source]]
    out: dict = {"sources": {}, "targets": {}}
    for name in ("own_scheme", "runtime"):
        for source, sentences in held_out.items():
            domain = domains.get(source, 0) if name == "own_scheme" else None
            entry = out["sources"].setdefault(source, {"sentences": len(sentences),
                                                       "scheme": domains.get(source, 0)})
            entry[name] = score_source(model, source, sentences, domain, table)
        msra = score_source(model, "msra", news, domains.get("msra", 0) if name == "own_scheme" else None, table)
        cluener = out["sources"]["cluener"][name]
        out["targets"][name] = {
            "msra_style_PER_LOC_ORG_msra+peopledaily": {**msra["micro"], "goal": GOALS["msra_style"],
                                                        "per_class": msra["per_class"]},
            "cluener_5_labels": {**cluener["micro"], "goal": GOALS["cluener"]}}
    return out


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
    return {"documents": len(documents), "chars": characters, "seconds": round(seconds, 2),
            "chars_per_s": round(characters / seconds), "chars_per_cpu_s": round(characters / cpu)}


def short_speed(model: NerModel, snippets: list[str]) -> dict:
    """Many short documents: `predict` one by one, and `predict_batch` over all of them."""
    model.predict(snippets[0])
    cpu_started = time.process_time()
    for snippet in snippets:
        model.predict(snippet)
    one_by_one = time.process_time() - cpu_started
    cpu_started = time.process_time()
    model.predict_batch(snippets)
    batched = time.process_time() - cpu_started
    return {"documents": len(snippets), "mean_chars": round(sum(map(len, snippets)) / len(snippets), 1),
            "predict_ms_per_document": round(1000 * one_by_one / len(snippets), 3),
            "predict_ms_per_50_chars": round(1000 * one_by_one / sum(map(len, snippets)) * 50, 3),
            "predict_batch_ms_per_document": round(1000 * batched / len(snippets), 3),
            "goal_ms_per_document": 1.0, "clock": "CPU time (the machine is shared)"}


def ccks_snippets() -> list[str]:
    """The first 2,000 distinct CCKS 2019 snippets, in file order."""
    return list(dict.fromkeys(text for text, _ in read_ccks() if text))[:SHORT_DOCUMENTS]


def peak_rss_mb() -> float:
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)


def report_for(model_path: Path, held_out, table, documents, snippets) -> dict:
    model = NerModel.load(model_path)
    rss = peak_rss_mb()
    report = {"model": str(model_path), "features": model.groups, "runtime_schemes": model.runtime_schemes,
              "trained_on": model.meta.get("trained_on", ""),
              **scores(model, held_out, table),
              "speed": speed(model, documents), "short_documents": short_speed(model, snippets)}
    report["peak_rss_mb"] = {"before_model": rss, "after_recognition": peak_rss_mb()}
    return report


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--model", type=Path, default=DEFAULT_MODEL)
    parser.add_argument("--baseline", type=Path, help="another model to score the same way (e.g. the previous one)")
    parser.add_argument("--compare", action="append", default=[], metavar="NAME=PATH",
                        help="score another model too (scores only), e.g. a variant kept for the record")
    parser.add_argument("--out", type=Path, default=ROOT / "reports" / "ner.json")
    args = parser.parse_args()
    table = LabelTable.load()
    _, held_out = splits(read_annotated())
    documents = speed_corpus()
    snippets = ccks_snippets()
    report = report_for(args.model, held_out, table, documents, snippets)
    report["held_out"] = {source: len(s) for source, s in held_out.items()}
    report["command"] = " ".join(["scripts/eval_ner.py"] + sys.argv[1:])
    if args.baseline:
        report["baseline"] = report_for(args.baseline, held_out, table, documents, snippets)
    report["compared"] = {}
    for item in args.compare:
        name, _, path = item.partition("=")
        other = NerModel.load(path)
        report["compared"][name] = {"model": path, "runtime_schemes": other.runtime_schemes,
                                    **scores(other, held_out, table)}
    print(json.dumps({"targets": report["targets"], "speed": report["speed"],
                      "short_documents": report["short_documents"]}, ensure_ascii=False))
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(report, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
