"""Train the learned relation classifier (kg/relate/pair_model.py) from FinRE and DuIE 2.0.

    .venv/bin/python scripts/train_relations.py                  # → kg/models/relations/
    .venv/bin/python scripts/train_relations.py --data /work/shared/data --out /tmp/rel

Data (see docs/relations.md): FinRE train.txt (FinRE valid.txt is the test split and is never
read here) and DuIE 2.0 duie_train.json; ontology/relation_sources.tsv maps their labels to the
ontology's predicates and DuIE's entity types to its classes. Splits are fixed by a hash of the
sentence: 1 in 10 FinRE train sentences is held out for calibration (temperature scaling), 1 in 4
DuIE records for evaluation (scripts/eval_relations.py). Training is deterministic: the same data
give the same artefact.

Needs only numpy and scipy (L-BFGS), both core dependencies.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
import time
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from kg.relate.pair_model import (  # noqa: E402
    DEFAULT_MODEL, INVERSE, NONE, UNKNOWN_TYPE, Featurizer, PairClassifier, normalize)

SOURCES = ROOT / "ontology" / "relation_sources.tsv"
FINRE, DUIE = "FinRE", "DuIE2.0"
FINRE_MASK = "<N>"  # FinRE writes every number as <N>; the features see every digit as 0
CALIBRATION_BUCKET = 0  # md5(sentence) % 10 == 0 → FinRE calibration part
DUIE_EVAL_BUCKET = 0  # md5(text) % 4 == 0 → DuIE evaluation part


# ---------------------------------------------------------------------- mapping and ontology

@dataclass
class Mapping:
    relations: dict[str, dict[str, tuple[str, str]]] = field(default_factory=dict)  # source → label → (pid, dir)
    types: dict[str, str] = field(default_factory=dict)  # DuIE type → ontology class

    def relation(self, source: str, label: str) -> tuple[str, str] | None:
        return self.relations.get(source, {}).get(label)

    @property
    def symmetric(self) -> set[str]:
        return {p for table in self.relations.values() for p, d in table.values() if d == "symmetric"}


def read_mapping(path: Path = SOURCES) -> Mapping:
    m = Mapping()
    header = None
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        cells = line.split("\t")
        if header is None:
            header = cells
            continue
        row = dict(zip(header, cells))
        if row["direction"] == "class":
            m.types[row["label"]] = row["target"]
        else:
            if row["direction"] not in ("forward", "inverse", "symmetric"):
                raise ValueError(f"{path}: bad direction {row['direction']!r}")
            m.relations.setdefault(row["source"], {})[row["label"]] = (row["target"], row["direction"])
    return m


def ontology_triggers_and_suffixes(mapping: Mapping) -> tuple[list[tuple[str, list[str]]], list[tuple[str, str]]]:
    """Trigger words of every relation predicate, and (name suffix, class) pairs, from the ontology."""
    from kg.ontology import load_ontology

    onto = load_ontology()
    targets = {p for table in mapping.relations.values() for p, _ in table.values()}
    missing = targets - set(onto.predicates)
    if missing:
        raise SystemExit(f"relation_sources.tsv names predicates the ontology lacks: {sorted(missing)}")
    table: dict[str, set[str]] = defaultdict(set)
    for p in onto.predicates.values():
        if p.kind != "relation":
            continue
        for word in (*p.triggers, *p.object_first_triggers):
            table[word].add(p.id)
    triggers = [(w, sorted(ps)) for w, ps in sorted(table.items())]
    suffixes = sorted(((s, c.name) for c in onto.classes.values() for s in c.name_suffixes),
                      key=lambda x: (-len(x[0]), x))
    return triggers, suffixes


def guess_type(name: str, suffixes: list[tuple[str, str]], default: str) -> str:
    """The ontology class whose zhkg:nameSuffix ends `name` (longest first), else `default`."""
    for suffix, cls in suffixes:
        if name.endswith(suffix) and len(name) > len(suffix):
            return cls
    return default


# ---------------------------------------------------------------------- examples

@dataclass
class Example:
    text: str  # normalised sentence
    pair: tuple[int, int, str, int, int, str]
    label: str  # class: predicate id, ^predicate id, or NONE
    group: str  # sentence / record key (for facts)
    gold: frozenset = frozenset()  # facts (subject span, pid, object span) of this pair


def _bucket(key: str, n: int) -> int:
    return int(hashlib.md5(key.encode("utf-8")).hexdigest(), 16) % n


def _spans(text: str, word: str) -> list[tuple[int, int]]:
    out, i = [], text.find(word)
    while i >= 0 and word:
        out.append((i, i + len(word)))
        i = text.find(word, i + 1)
    return out


def locate_pair(text: str, head: str, tail: str) -> tuple[tuple[int, int], tuple[int, int]] | None:
    """The closest non-overlapping occurrences of head and tail (overlapping ones if none)."""
    hs, ts = _spans(text, head), _spans(text, tail)
    if not hs or not ts:
        return None
    best, best_key = None, None
    for h in hs:
        for t in ts:
            overlap = not (h[1] <= t[0] or t[1] <= h[0])
            dist = t[0] - h[1] if h[1] <= t[0] else h[0] - t[1] if t[1] <= h[0] else 0
            key = (overlap, dist, h[0], t[0])
            if best_key is None or key < best_key:
                best, best_key = (h, t), key
    return best


def class_of(facts: set[tuple[str, str, str]], x: str, y: str) -> str:
    """The training class of the ordered pair (x, y) given facts (subject, pid, object)."""
    forward = sorted(p for s, p, o in facts if s == x and o == y)
    if forward:
        return forward[0]
    backward = sorted(p for s, p, o in facts if s == y and o == x)
    if backward:
        return INVERSE + backward[0]
    return NONE


def read_finre(path: Path, mapping: Mapping) -> list[tuple[str, str, str, list[str]]]:
    """(sentence, head, tail, labels) per distinct annotated pair, <N> written as 0."""
    groups: dict[tuple[str, str, str], list[str]] = defaultdict(list)
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line.strip():
            continue
        head, tail, rel, sentence = line.split("\t")
        key = tuple(normalize(x.replace(FINRE_MASK, "0")) for x in (sentence, head, tail))
        groups[key].append(rel)
    return [(s, h, t, labels) for (s, h, t), labels in groups.items()]


def finre_facts(head: str, tail: str, labels: list[str], mapping: Mapping) -> set[tuple[str, str, str]]:
    """Facts (subject, pid, object) over the mention strings that a FinRE pair's labels state."""
    facts = set()
    for rel in labels:
        m = mapping.relation(FINRE, rel)
        if m is None:
            continue
        pid, direction = m
        if direction == "inverse":
            facts.add((tail, pid, head))
        else:
            facts.add((head, pid, tail))
            if direction == "symmetric":
                facts.add((tail, pid, head))
    return facts


def finre_examples(path: Path, mapping: Mapping, typing: str = "entity",
                   suffixes: list[tuple[str, str]] = ()) -> list[Example]:
    """One example per annotated (head, tail) pair. typing: "entity" (types unknown) or "guess"."""
    out = []
    for sentence, head, tail, labels in read_finre(path, mapping):
        if head == tail:
            continue
        spans = locate_pair(sentence, head, tail)
        if spans is None:
            continue
        facts = finre_facts(head, tail, labels, mapping)
        label = class_of(facts, head, tail)
        if typing == "guess":
            ht, tt = guess_type(head, suffixes, "Company"), guess_type(tail, suffixes, "Company")
        else:
            ht = tt = UNKNOWN_TYPE
        (hs, he), (ts, te) = spans
        gold = frozenset(((hs, he), p, (ts, te)) if s == head else ((ts, te), p, (hs, he))
                         for s, p, o in facts)
        out.append(Example(sentence, (hs, he, ht, ts, te, tt), label, sentence, gold))
    return out


def read_duie(path: Path) -> list[dict]:
    records = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line.strip():
            continue
        rec = json.loads(line)
        if "text" in rec:  # the file's tail holds schema lines
            records.append(rec)
    return records


def duie_split(text: str) -> str:
    return "eval" if _bucket(text, 4) == DUIE_EVAL_BUCKET else "train"


def duie_examples(records: list[dict], mapping: Mapping, max_mentions: int = 8,
                  entity_types: bool = False) -> list[Example]:
    """Every ordered pair of annotated entity mentions in each record; unannotated pairs are NONE."""
    out = []
    for rec in records:
        text = normalize(rec["text"])
        mentions: dict[str, str] = {}
        facts: set[tuple[str, str, str]] = set()
        for spo in rec["spo_list"]:
            subj, obj = normalize(spo["subject"]), normalize(spo["object"]["@value"])
            st, ot = mapping.types.get(spo["subject_type"]), mapping.types.get(spo["object_type"]["@value"])
            if st:
                mentions.setdefault(subj, st)
            if ot:
                mentions.setdefault(obj, ot)
            m = mapping.relation(DUIE, spo["predicate"])
            if m and st and ot:
                pid, direction = m
                facts.add((obj, pid, subj) if direction == "inverse" else (subj, pid, obj))
                if direction == "symmetric":
                    facts.add((obj, pid, subj))
        # place mentions longest first, each at its first occurrence clear of longer ones
        spans: dict[str, tuple[int, int]] = {}
        taken: list[tuple[int, int]] = []
        for name in sorted(mentions, key=lambda n: (-len(n), n)):
            for s, e in _spans(text, name):
                if all(e <= a or s >= b for a, b in taken):
                    spans[name] = (s, e)
                    taken.append((s, e))
                    break
        names = sorted(spans, key=lambda n: spans[n])[:max_mentions]
        for x in names:
            for y in names:
                if x == y:
                    continue
                (xs, xe), (ys, ye) = spans[x], spans[y]
                xt, yt = (UNKNOWN_TYPE, UNKNOWN_TYPE) if entity_types else (mentions[x], mentions[y])
                gold = frozenset(((xs, xe), p, (ys, ye)) for s, p, o in facts if s == x and o == y)
                out.append(Example(text, (xs, xe, xt, ys, ye, yt), class_of(facts, x, y), text, gold))
    return out


# ---------------------------------------------------------------------- features and training

def featurize(examples: list[Example], featurizer: Featurizer) -> list[list[str]]:
    cache: dict[str, tuple] = {}
    rows = []
    for ex in examples:
        context = cache.get(ex.text)
        if context is None:
            context = cache[ex.text] = featurizer.context(ex.text)
        rows.append(featurizer.all_features(ex.text, *ex.pair, context))
    return rows


def matrix(rows: list[list[str]], index: dict[str, int]):
    from scipy import sparse

    indptr, indices = [0], []
    for feats in rows:
        indices.extend(i for i in (index.get(f) for f in feats) if i is not None)
        indptr.append(len(indices))
    data = np.ones(len(indices), dtype=np.float64)
    x = sparse.csr_matrix((data, np.asarray(indices, dtype=np.int64), np.asarray(indptr)),
                          shape=(len(rows), len(index)))
    x.sum_duplicates()
    return x


def softmax(z: np.ndarray) -> np.ndarray:
    z = z - z.max(axis=1, keepdims=True)
    e = np.exp(z)
    return e / e.sum(axis=1, keepdims=True)


def train_logreg(x, y: np.ndarray, n_classes: int, l2: float, sample_weight: np.ndarray,
                 bias_row: int, max_iter: int) -> np.ndarray:
    """Multinomial logistic regression, weighted mean NLL + l2/2·|W|² (bias row unpenalised)."""
    from scipy.optimize import minimize

    n, v = x.shape
    onehot = np.zeros((n, n_classes))
    onehot[np.arange(n), y] = 1.0
    sw = sample_weight / sample_weight.sum()
    xt = x.T.tocsr()
    mask = np.ones((v, 1))
    mask[bias_row] = 0.0

    def objective(flat: np.ndarray):
        w = flat.reshape(v, n_classes)
        z = x @ w
        z -= z.max(axis=1, keepdims=True)
        logsum = np.log(np.exp(z).sum(axis=1))
        nll = float(np.dot(sw, logsum - (z * onehot).sum(axis=1)))
        p = np.exp(z - logsum[:, None])
        grad = xt @ ((p - onehot) * sw[:, None])
        wm = w * mask
        loss = nll + 0.5 * l2 * float((wm * wm).sum())
        grad += l2 * wm
        return loss, grad.ravel()

    res = minimize(objective, np.zeros(v * n_classes), jac=True, method="L-BFGS-B",
                   options={"maxiter": max_iter, "maxcor": 20})
    return res.x.reshape(v, n_classes)


def fit_temperature(logits: np.ndarray, y: np.ndarray) -> float:
    """The temperature minimising held-out NLL (grid, then refined): deterministic."""
    def nll(t: float) -> float:
        p = softmax(logits / t)
        return float(-np.mean(np.log(p[np.arange(len(y)), y] + 1e-12)))

    grid = np.exp(np.linspace(np.log(0.25), np.log(8.0), 61))
    best = min(grid, key=nll)
    fine = np.exp(np.linspace(np.log(best) - 0.06, np.log(best) + 0.06, 25))
    return float(min(fine, key=nll))


def facts_f1(examples: list[Example], answers: list[str | None], symmetric: set[str]) -> dict:
    """Fact-level P/R/F1: a fact is (group, subject span, pid, object span); symmetric ones unordered."""
    def key(group, s, p, o):
        return (group, p) + (tuple(sorted((s, o))) if p in symmetric else (s, o))

    gold, pred = set(), set()
    for ex, ans in zip(examples, answers):
        gold.update(key(ex.group, s, p, o) for s, p, o in ex.gold)
        if ans is not None:
            hs, he, _, ts, te, _ = ex.pair
            pred.add(key(ex.group, (hs, he), ans, (ts, te)))
    tp = len(gold & pred)
    p = tp / len(pred) if pred else 0.0
    r = tp / len(gold) if gold else 0.0
    f = 2 * p * r / (p + r) if p + r else 0.0
    return {"precision": round(p, 4), "recall": round(r, 4), "f1": round(f, 4),
            "gold": len(gold), "predicted": len(pred), "correct": tp}


def answers_from_probs(probs: np.ndarray, classes: list[str], none_scale: float = 1.0) -> list[str | None]:
    """The classifier's decision (PairClassifier.predict) from class probabilities."""
    fwd = [i for i, c in enumerate(classes) if c != NONE and not c.startswith(INVERSE)]
    out = []
    for row in probs:
        f = row[fwd]
        b = int(f.argmax())
        out.append(classes[fwd[b]] if f[b] > none_scale * (1.0 - f.sum()) else None)
    return out


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data", type=Path, default=Path("/work/shared/data"),
                        help="folder holding FinRE/ and duie2.0/ (default: %(default)s)")
    parser.add_argument("--out", type=Path, default=DEFAULT_MODEL, help="model folder (default: %(default)s)")
    parser.add_argument("--l2", type=float, default=None, help="L2 strength (default: chosen on the calibration part)")
    parser.add_argument("--l2-grid", default="3e-5,1e-4,3e-4", help="candidates when --l2 is not given")
    parser.add_argument("--min-count", type=int, default=3, help="keep features seen this often")
    parser.add_argument("--max-iter", type=int, default=300)
    parser.add_argument("--prune", type=float, default=0.02,
                        help="drop features whose largest |weight| is below this (keeps the artefact small)")
    parser.add_argument("--no-sentence-features", action="store_true",
                        help="ablation: leave out the sentence's bigrams (features every pair of it shares)")
    args = parser.parse_args()

    t0 = time.time()
    mapping = read_mapping()
    triggers, suffixes = ontology_triggers_and_suffixes(mapping)
    featurizer = Featurizer(triggers, sentence=not args.no_sentence_features)

    finre_train = args.data / "FinRE" / "train.txt"
    entity = finre_examples(finre_train, mapping, "entity")
    guessed = finre_examples(finre_train, mapping, "guess", suffixes)
    calib = [e for e in entity if _bucket(e.group, 10) == CALIBRATION_BUCKET]
    fin_train = [e for e in entity + guessed if _bucket(e.group, 10) != CALIBRATION_BUCKET]
    duie = [r for r in read_duie(args.data / "duie2.0" / "duie_train.json") if duie_split(r["text"]) == "train"]
    duie_typed = duie_examples(duie, mapping)
    duie_untyped = [e for e in duie_examples(duie, mapping, entity_types=True) if _bucket(e.text, 3) == 0]
    train = fin_train + duie_typed + duie_untyped
    print(f"examples: FinRE train {len(fin_train)} (two typings), FinRE calibration {len(calib)}, "
          f"DuIE train {len(duie_typed)} typed + {len(duie_untyped)} untyped", file=sys.stderr)

    classes = sorted({e.label for e in train} | {NONE}, key=lambda c: (c != NONE, c.lstrip(INVERSE), c))
    cidx = {c: i for i, c in enumerate(classes)}
    rows = featurize(train, featurizer)
    counts = Counter(f for feats in rows for f in set(feats))
    vocab = sorted(f for f, c in counts.items() if c >= args.min_count or f == "b")
    index = {f: i for i, f in enumerate(vocab)}
    x = matrix(rows, index)
    y = np.array([cidx[e.label] for e in train])
    sw = np.ones(len(train))
    yc = np.array([cidx.get(e.label, cidx[NONE]) for e in calib])
    symmetric = mapping.symmetric
    print(f"features: {len(vocab)}, classes: {len(classes)}", file=sys.stderr)

    def finish(w: np.ndarray) -> dict:
        """Prune, fit the temperature and the decision threshold on the calibration part."""
        keep = np.abs(w).max(axis=1) >= args.prune
        keep[index["b"]] = True
        kept_vocab = [f for f, k in zip(vocab, keep) if k]
        kept = w[keep]
        kept_index = {f: i for i, f in enumerate(kept_vocab)}
        logits = np.asarray(matrix(featurize(calib, featurizer), kept_index) @ kept)
        temperature = fit_temperature(logits, yc)
        calibrated = softmax(logits / temperature)
        scales = [round(s, 2) for s in np.arange(0.2, 1.01, 0.05)]
        scored = [(facts_f1(calib, answers_from_probs(calibrated, classes, s), symmetric)["f1"], -abs(s - 1), s)
                  for s in scales]
        none_scale = max(scored)[2]
        return {"vocab": kept_vocab, "w": kept, "temperature": temperature, "none_scale": none_scale,
                "scored": scored,
                "calib_f1": facts_f1(calib, answers_from_probs(calibrated, classes, none_scale), symmetric)}

    # L2 strength: the candidate with the best calibration-part F1 after calibration and threshold
    grid = [args.l2] if args.l2 is not None else [float(v) for v in args.l2_grid.split(",")]
    tried = []
    best = None
    for l2 in grid:
        done = finish(train_logreg(x, y, len(classes), l2, sw, index["b"], args.max_iter))
        f1 = done["calib_f1"]["f1"]
        tried.append({"l2": l2, "calibration_f1": f1, "none_scale": done["none_scale"]})
        print(f"l2={l2:g}: calibration F1 {f1:.4f} ({time.time() - t0:.0f}s)", file=sys.stderr)
        if best is None or f1 > best[0]:
            best = (f1, l2, done)
    _, l2, done = best
    vocab, w, temperature, none_scale = done["vocab"], done["w"], done["temperature"], done["none_scale"]
    scored, calib_f1 = done["scored"], done["calib_f1"]

    meta = {
        "description": "Relation classifier over mention pairs (multinomial logistic regression on sparse "
                       "features); trained by scripts/train_relations.py; see docs/relations.md.",
        "symmetric": sorted(symmetric),
        "none_scale": none_scale,
        "training": {
            "data": ["FinRE train.txt (9/10 of sentences, types unknown and guessed from name suffixes)",
                     "DuIE 2.0 duie_train.json slice (3/4 of records, types given; 1/3 of them also untyped)"],
            "examples": len(train), "finre_calibration_pairs": len(calib),
            "l2": l2, "l2_tried": tried, "min_count": args.min_count, "prune": args.prune,
            "features_kept": len(vocab), "temperature": round(temperature, 4),
            "none_scale_tried": [[s, f] for f, _, s in scored],
            "calibration_f1": calib_f1,
            "class_counts": dict(sorted(Counter(e.label for e in train).items())),
        },
    }
    model = PairClassifier(classes, vocab, w.astype(np.float32), round(temperature, 4), triggers, meta)
    model.save(args.out)
    size = sum(p.stat().st_size for p in args.out.iterdir())
    print(json.dumps({"out": str(args.out), "bytes": size, "features": len(vocab), "classes": classes,
                      "l2": l2, "temperature": round(temperature, 4), "none_scale": none_scale, "calibration": calib_f1,
                      "seconds": round(time.time() - t0, 1)}, ensure_ascii=False), file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
