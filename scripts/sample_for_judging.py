#!/usr/bin/env python3
"""Draw a random sample (fixed seed) of what a build of unseen text outputs, for a person to judge,
and summarise the judged sample.

    .venv/bin/python scripts/sample_for_judging.py sample eval/news/*.txt --out reports/judging
    # a judge fills "verdict" (and "note") in reports/judging/entities.jsonl and facts.jsonl
    .venv/bin/python scripts/sample_for_judging.py summarise reports/judging

Entities are judged `ok`, `junk` (not a name of anything: 分设, 年报, a span across two names) or
`wrong-class` (a real name with the wrong class: 东芝/Location); facts `correct` or `wrong` (with
the reason in "note"). The summary (summary.json in the same folder) gives the rates with the
sample size, the seed and the inputs, so the figure can be reproduced.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import kg  # noqa: E402
from kg.model import Quantity  # noqa: E402

SEED = 20261202
ENTITY_VERDICTS = ("ok", "junk", "wrong-class")
FACT_VERDICTS = ("correct", "wrong")


def contexts(graph, entity, limit: int = 2) -> list[str]:
    """Sentences around the entity's first mentions (its name or an alias), for the judge."""
    names = {entity.name, *entity.aliases}
    out = []
    for mention in graph.mentions:
        if (mention.norm or mention.text) in names or mention.text in names:
            text = graph.documents[mention.doc].text
            out.append(text[max(0, mention.start - 40):mention.end + 40].replace("\n", " "))
            if len(out) == limit:
                break
    return out


def sample(inputs: list[str], out: Path, entities: int, facts: int, seed: int) -> dict:
    graph = kg.build(inputs)
    rng = random.Random(seed)
    pool = sorted(graph.entities.values(), key=lambda e: e.id)
    chosen = rng.sample(pool, min(entities, len(pool)))
    triples = sorted(graph.triples, key=lambda t: (t.evidence.doc, t.evidence.start, t.subject.id, t.predicate.id,
                                                 str(t.object.to_dict())))
    picked = rng.sample(triples, min(facts, len(triples)))
    out.mkdir(parents=True, exist_ok=True)
    with open(out / "entities.jsonl", "w", encoding="utf-8") as f:
        for e in chosen:
            f.write(json.dumps({"id": e.id, "name": e.name, "class": e.type, "aliases": list(e.aliases),
                                "context": contexts(graph, e), "verdict": None, "note": ""}, ensure_ascii=False) + "\n")
    with open(out / "facts.jsonl", "w", encoding="utf-8") as f:
        for t in picked:
            obj = f"{t.object.raw} (value {t.object.value:f}{' to ' + format(t.object.upper, 'f') if t.object.upper is not None else ''} {t.object.unit})" \
                if isinstance(t.object, Quantity) else f"{t.object.name} ({t.object.type})"  # the sign is in the value
            f.write(json.dumps({"subject": f"{t.subject.name} ({t.subject.type})", "predicate": t.predicate.label,
                                "object": obj, "time": t.time.normalised if t.time else None,
                                "qualifiers": dict(t.qualifiers), "inferred": t.inferred,
                                "confidence": t.confidence, "extractor": t.extractor, "doc": t.evidence.doc,
                                "sentence": t.evidence.sentence, "verdict": None, "note": ""},
                               ensure_ascii=False) + "\n")
    meta = {"inputs": inputs, "seed": seed, "documents": len(graph.documents), "entities_in_build": len(pool),
            "facts_in_build": len(triples), "entities_sampled": len(chosen), "facts_sampled": len(picked),
            "command": "scripts/sample_for_judging.py sample " + " ".join(inputs)}
    (out / "sample.json").write_text(json.dumps(meta, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    return meta


def summarise(folder: Path) -> dict:
    entities = [json.loads(line) for line in open(folder / "entities.jsonl", encoding="utf-8")]
    facts = [json.loads(line) for line in open(folder / "facts.jsonl", encoding="utf-8")]
    unjudged = [x for x in entities if x["verdict"] not in ENTITY_VERDICTS] + \
               [x for x in facts if x["verdict"] not in FACT_VERDICTS]
    if unjudged:
        raise SystemExit(f"{len(unjudged)} sampled items have no valid verdict yet")
    e, f = Counter(x["verdict"] for x in entities), Counter(x["verdict"] for x in facts)
    summary = {"sample": json.loads((folder / "sample.json").read_text(encoding="utf-8")),
               "entities": {"judged": len(entities), **{k: e[k] for k in ENTITY_VERDICTS},
                            "junk_rate": round(e["junk"] / len(entities), 3),
                            "wrong_class_rate": round(e["wrong-class"] / len(entities), 3)},
               "facts": {"judged": len(facts), **{k: f[k] for k in FACT_VERDICTS},
                         "correct_rate": round(f["correct"] / len(facts), 3)}}
    (folder / "summary.json").write_text(json.dumps(summary, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    return summary


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    commands = parser.add_subparsers(dest="command", required=True)
    draw = commands.add_parser("sample", help="build the inputs and draw the sample")
    draw.add_argument("inputs", nargs="+")
    draw.add_argument("--out", default=str(ROOT / "reports" / "judging"))
    draw.add_argument("--entities", type=int, default=50)
    draw.add_argument("--facts", type=int, default=60)
    draw.add_argument("--seed", type=int, default=SEED)
    total = commands.add_parser("summarise", help="rates of a judged sample → summary.json")
    total.add_argument("folder")
    args = parser.parse_args()
    if args.command == "sample":
        print(json.dumps(sample(args.inputs, Path(args.out), args.entities, args.facts, args.seed), ensure_ascii=False))
    else:
        print(json.dumps(summarise(Path(args.folder)), ensure_ascii=False, indent=2))


if __name__ == "__main__":
    main()
