"""Evaluate the shipped relation classifier (kg/relate/pair_model.py) → reports/relations.json.

    .venv/bin/python scripts/eval_relations.py
    .venv/bin/python scripts/eval_relations.py --model /tmp/rel --out /tmp/relations.json

FinRE valid.txt (never trained on) is the test split: the annotated pairs, in both orders, types
unknown ("Entity"); a fact is (sentence, subject, predicate, object), symmetric predicates
unordered; FinRE `unknown` and labels ontology/relation_sources.tsv does not map are "no relation".
DuIE 2.0: the held-out quarter of the records (train_relations.duie_split), every ordered pair of
annotated entity mentions, types given (and, second, unknown); business facts are the
predicates DuIE's labels map to (董事长/校长 → worksFor, 创始人 → founded, 总部地点/所在城市 →
locatedIn). Calibration: reliability table and expected calibration error of the answer's
probability (right when the answer for the ordered pair equals the gold one, None included).
Speed: pairs per CPU second of PairClassifier.predict (one process, one core), one call per
sentence, best of five passes.
"""

from __future__ import annotations

import os

os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

import argparse  # noqa: E402
import json  # noqa: E402
import platform  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402
from collections import defaultdict  # noqa: E402
from pathlib import Path  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "scripts"))

from kg.relate.pair_model import DEFAULT_MODEL, PairClassifier  # noqa: E402
from train_relations import (  # noqa: E402
    Example, duie_examples, duie_split, facts_f1, finre_examples, ontology_triggers_and_suffixes,
    read_duie, read_mapping)

BUSINESS = ("worksFor", "founded", "locatedIn")


def by_sentence(examples: list[Example]) -> list[tuple[str, list[int]]]:
    groups: dict[str, list[int]] = defaultdict(list)
    for i, ex in enumerate(examples):
        groups[ex.text].append(i)
    return list(groups.items())


def run(model: PairClassifier, examples: list[Example]) -> list[tuple[str | None, float]]:
    """Answers in example order (one predict call per sentence)."""
    answers: list = [None] * len(examples)
    for text, idx in by_sentence(examples):
        for i, a in zip(idx, model.predict(text, [examples[i].pair for i in idx])):
            answers[i] = a
    return answers


def gold_answer(ex: Example, symmetric: set[str]) -> str | None:
    hs, he, _, ts, te, _ = ex.pair
    for s, p, o in sorted(ex.gold, key=lambda f: f[1]):
        if (s, o) == ((hs, he), (ts, te)) or (p in symmetric and (o, s) == ((hs, he), (ts, te))):
            return p
    return None


def calibration(examples: list[Example], answers: list, symmetric: set[str], bins: int = 10) -> dict:
    table = [[0, 0.0, 0] for _ in range(bins)]  # count, sum of probability, right
    for ex, (ans, p) in zip(examples, answers):
        b = min(bins - 1, int(p * bins))
        table[b][0] += 1
        table[b][1] += p
        table[b][2] += int(ans == gold_answer(ex, symmetric))
    n = sum(row[0] for row in table)
    ece = sum(abs(row[1] - row[2]) for row in table) / n if n else 0.0
    rows = [{"bin": f"{i / bins:.1f}-{(i + 1) / bins:.1f}", "pairs": c,
             "mean_probability": round(s / c, 4) if c else None,
             "accuracy": round(r / c, 4) if c else None} for i, (c, s, r) in enumerate(table)]
    return {"ece": round(ece, 4), "pairs": n, "reliability": rows}


def per_predicate(examples: list[Example], answers: list, symmetric: set[str], predicates) -> dict:
    out = {}
    for p in predicates:
        sub_answers = [a if a == p else None for a, _ in answers]
        sub = [Example(e.text, e.pair, e.label, e.group, frozenset(f for f in e.gold if f[1] == p))
               for e in examples]
        out[p] = facts_f1(sub, sub_answers, symmetric)
    return out


def restricted(examples: list[Example], answers: list, keep) -> tuple[list[Example], list]:
    exs = [Example(e.text, e.pair, e.label, e.group, frozenset(f for f in e.gold if f[1] in keep))
           for e in examples]
    return exs, [a if a in keep else None for a, _ in answers]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data", type=Path, default=Path("/work/shared/data"))
    parser.add_argument("--model", type=Path, default=DEFAULT_MODEL)
    parser.add_argument("--out", type=Path, default=ROOT / "reports" / "relations.json")
    args = parser.parse_args()

    mapping = read_mapping()
    symmetric = mapping.symmetric
    _, suffixes = ontology_triggers_and_suffixes(mapping)
    t0 = time.perf_counter()
    model = PairClassifier.load(args.model)
    load_s = time.perf_counter() - t0
    report: dict = {
        "command": "scripts/eval_relations.py" + ("" if args.model == DEFAULT_MODEL else f" --model {args.model}"),
        "model": {"path": str(args.model.relative_to(ROOT)) if args.model.is_relative_to(ROOT) else str(args.model),
                  "bytes": sum(p.stat().st_size for p in args.model.iterdir()),
                  "features": len(model.vocab), "classes": model.classes,
                  "temperature": model.temperature, "none_scale": model.none_scale,
                  "load_seconds": round(load_s, 3)},
    }

    # ---------------------------------------------------------------- FinRE valid (test split)
    finre = finre_examples(args.data / "FinRE" / "valid.txt", mapping, "entity")
    answers = run(model, finre)
    fin = {"pairs": len(finre), "sentences": len(by_sentence(finre)), "types": "Entity (unknown)",
           "overall": facts_f1(finre, [a for a, _ in answers], symmetric),
           "per_predicate": per_predicate(finre, answers, symmetric, model.predicates),
           "calibration": calibration(finre, answers, symmetric)}
    guessed = finre_examples(args.data / "FinRE" / "valid.txt", mapping, "guess", suffixes)
    g_answers = run(model, guessed)
    fin["types_guessed_from_name_suffix"] = facts_f1(guessed, [a for a, _ in g_answers], symmetric)
    report["finre_valid"] = fin

    # ---------------------------------------------------------------- DuIE held-out part
    records = [r for r in read_duie(args.data / "duie2.0" / "duie_train.json") if duie_split(r["text"]) == "eval"]
    duie = {"records": len(records)}
    for name, untyped in (("types_given", False), ("types_unknown", True)):
        exs = duie_examples(records, mapping, entity_types=untyped)
        ans = run(model, exs)
        b_exs, b_ans = restricted(exs, ans, BUSINESS)
        part = {"pairs": len(exs), "business_facts": facts_f1(b_exs, b_ans, symmetric),
                "per_predicate": per_predicate(exs, ans, symmetric, BUSINESS),
                "other_predictions": sum(1 for a, _ in ans if a is not None and a not in BUSINESS)}
        if not untyped:
            part["calibration"] = calibration(exs, ans, symmetric)
        duie[name] = part
    report["duie_heldout"] = duie

    # ---------------------------------------------------------------- speed
    # CPU seconds of PairClassifier.predict (time.process_time: this process only, one core),
    # best of five passes, one call per sentence with all of that sentence's pairs
    duie_pairs = duie_examples(records, mapping)
    speed = {}
    for name, exs in (("finre_valid", finre), ("duie_heldout", duie_pairs),
                      ("duie_sentences_with_12_or_more_pairs",
                       [e for text, idx in by_sentence(duie_pairs) if len(idx) >= 12 for e in
                        (duie_pairs[i] for i in idx)])):
        calls = [(text, [exs[i].pair for i in idx]) for text, idx in by_sentence(exs)]
        best = float("inf")
        for _ in range(5):
            start = time.process_time()
            for text, pairs in calls:
                model.predict(text, pairs)
            best = min(best, time.process_time() - start)
        speed[name] = {"pairs": len(exs), "calls": len(calls), "cpu_seconds": round(best, 3),
                       "pairs_per_second": round(len(exs) / best)}
    speed["how"] = ("CPU time (time.process_time) of PairClassifier.predict, best of 5 passes, one call per "
                    "sentence; OMP_NUM_THREADS=1; the 2-core machine was shared with other jobs")
    speed["machine"] = f"{platform.processor() or platform.machine()}, Python {platform.python_version()}"
    report["speed"] = speed

    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(report, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    summary = {"finre_f1": fin["overall"]["f1"], "finre_ece": fin["calibration"]["ece"],
               "duie_business_f1": duie["types_given"]["business_facts"]["f1"],
               "duie_business_f1_untyped": duie["types_unknown"]["business_facts"]["f1"],
               "pairs_per_second": {k: v["pairs_per_second"] for k, v in speed.items() if isinstance(v, dict)}}
    print(json.dumps(summary, ensure_ascii=False), file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
