#!/usr/bin/env python3
"""One evaluation entry point: triple P/R/F1 on the reference article and on our own dev set.

Runs the extractor over each text, scores it with ../shared/eval/score.py (the project's scorer
of record) and writes the figures to a JSON file (default reports/eval.json).

    .venv/bin/python scripts/evaluate.py                  # reference article + eval/ + examples/
    .venv/bin/python scripts/evaluate.py --no-model       # dictionaries and rules only
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared" / "eval"
sys.path.insert(0, str(ROOT))

from kg.extractor import Extractor, Settings, extract  # noqa: E402


def score(gold: Path, triples: Path, text: Path, doc: str | None, regions: str | None) -> dict:
    command = [sys.executable, str(SHARED / "score.py"), str(gold), str(triples), "--text", str(text), "--json"]
    if doc:
        command += ["--doc", doc]
    if regions:
        command += ["--regions", regions]
    return json.loads(subprocess.run(command, check=True, capture_output=True, text=True).stdout)


HELD_OUT = ("unseen", "unseen2")


def run_one(extractor: Extractor, text: Path, gold: Path, doc: str | None, regions: str | None, keep: Path) -> dict:
    [result] = list(extract([text], extractor))
    out = keep / f"{text.stem}.triples.jsonl"
    out.write_text("".join(json.dumps(t.to_dict(), ensure_ascii=False) + "\n" for t in result.triples), encoding="utf-8")
    figures = score(gold, out, text, doc, regions)
    figures["chars_per_second"] = round(len(result.document.text) / result.seconds)
    return figures


def micro(results: list[dict]) -> dict:
    """Micro-averaged P/R/F1 over articles: recall over required gold, precision over predictions."""
    found, gold = sum(r["found"] for r in results), sum(r["gold"] for r in results)
    correct, predicted = sum(r["correct"] for r in results), sum(r["region_predictions"] for r in results)
    p, r = correct / predicted if predicted else 0, found / gold if gold else 0
    return {"precision": round(p, 3), "recall": round(r, 3), "f1": round(2 * p * r / (p + r), 3) if p + r else 0.0,
            "articles": len(results)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--out", default=str(ROOT / "reports" / "eval.json"))
    parser.add_argument("--no-model", action="store_true", help="without the trained recogniser")
    parser.add_argument("--keep", default=None, help="directory to keep the predicted triples in")
    parser.add_argument("--verbose", action="store_true", help="print the missed gold triples")
    args = parser.parse_args()
    extractor = Extractor(Settings(use_model=not args.no_model))
    keep = Path(args.keep or tempfile.mkdtemp(prefix="zhkg-eval-"))
    keep.mkdir(parents=True, exist_ok=True)
    results = {}
    reference = SHARED / "000_325b284c27531d17.txt"
    if reference.exists():
        results["reference:" + reference.stem] = run_one(extractor, reference, SHARED / "seed_gold.jsonl", None, None, keep)
    for text in sorted([*(ROOT / "eval" / "articles").glob("*.txt"), *(ROOT / "examples").glob("*.txt")]):
        results[f"own:{text.stem}"] = run_one(extractor, text, ROOT / "eval" / "gold.jsonl", text.stem, "1-9999", keep)
    for text in sorted((ROOT / "eval" / "dev2" / "articles").glob("*.txt")):
        results[f"dev2:{text.stem}"] = run_one(extractor, text, ROOT / "eval" / "dev2" / "gold.jsonl", text.stem,
                                               "1-9999", keep)
    # held out: written before any tuning on it, never tuned on (eval/unseen*/README.md)
    for group in HELD_OUT:
        for text in sorted((ROOT / "eval" / group / "articles").glob("*.txt")):
            results[f"{group}:{text.stem}"] = run_one(extractor, text, ROOT / "eval" / group / "gold.jsonl",
                                                      text.stem, "1-9999", keep)
    summary = {}
    for group in ("own", "dev2", *HELD_OUT):
        members = [r for k, r in results.items() if k.startswith(group + ":")]
        if members:
            summary[f"{group}_micro"] = micro(members)
    report = {"model": not args.no_model, "summary": summary, "articles": results}
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    Path(args.out).write_text(json.dumps(report, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    for name, r in results.items():
        print(f"{name:45s} P {r['precision_region']:.3f} R {r['recall']:.3f} F1 {r['f1']:.3f}")
        if args.verbose and not name.startswith(tuple(g + ":" for g in HELD_OUT)):  # held-out misses are not for reading
            for miss in r["missed"]:
                print("    miss", miss)
    for name, s in summary.items():
        print(f"{name:45s} P {s['precision']:.3f} R {s['recall']:.3f} F1 {s['f1']:.3f}")
    print(f"figures → {args.out}; predictions in {keep}")


if __name__ == "__main__":
    main()
