"""A learned relation classifier over mention pairs, beside the trigger rules.

Given one sentence and pairs of mentions in it, the classifier answers for each ordered pair
(head, tail) the ontology predicate that holds with the head as subject and the tail as object,
or None, with a calibrated probability of that answer. It is a multinomial logistic regression
over sparse features (characters and character n-grams between the two mentions, a window
around each, their order and distance, their types and name endings, and the ontology's trigger
words near them); inference is a sum of weight rows in numpy. `scripts/train_relations.py`
trains it from FinRE and DuIE 2.0 (`ontology/relation_sources.tsv` maps their labels to the
ontology), `scripts/eval_relations.py` measures it; docs/relations.md explains both.

A relation the other way round (the tail is the subject) is answered on the reversed pair:
pass both (a, b) and (b, a) to find facts in either direction. A symmetric predicate
(owl:SymmetricProperty: partnerOf, competitorOf ...) is answered for both orders.

Nothing heavy happens at import: numpy, the artefact and the trigger automaton are loaded by
`PairClassifier.load`, once per process and path.
"""

from __future__ import annotations

import gzip
import json
import threading
from itertools import repeat
from pathlib import Path
from typing import TYPE_CHECKING, Iterable, Sequence

if TYPE_CHECKING:  # pragma: no cover
    import numpy as np

DEFAULT_MODEL = Path(__file__).resolve().parent.parent / "models" / "relations"
NONE = "NONE"  # the internal "no relation" class
INVERSE = "^"  # class "^p": p holds with the TAIL as subject (answered as None for this order)
UNKNOWN_TYPE = "Entity"
FORMAT = "zhkg-pair-logreg/1"

Pair = tuple[int, int, str, int, int, str]
GRAMS = (("u:", 1), ("B:", 2), ("3:", 3))  # between n-grams: feature prefix, n
BATCH = 4  # from this many pairs per sentence, between n-grams are looked up once per position


def _translation() -> dict[int, int]:
    """Full-width ASCII → half-width, every digit → 0 (figures are one token), controls → space."""
    table = {code: code - 0xFEE0 for code in range(0xFF01, 0xFF5F)}
    table[0x3000] = 0x20
    for code in list(range(0x30, 0x3A)) + list(range(0xFF10, 0xFF1A)):
        table[code] = 0x30
    for code in (0x09, 0x0A, 0x0D, 0x0B, 0x0C, 0x85, 0x2028, 0x2029):
        table[code] = 0x20
    return table


_TABLE = _translation()


def normalize(text: str) -> str:
    """The text as the features see it; same length, so offsets stay valid."""
    return text.translate(_TABLE)


def _bucket(n: int) -> str:
    if n < 3:
        return str(n)
    if n < 5:
        return "3"
    if n < 9:
        return "5"
    if n < 17:
        return "9"
    if n < 33:
        return "17"
    return "33"


class Featurizer:
    """Turns (normalised sentence, pair) into feature strings; the same code trains and predicts.

    `triggers` are (word, predicate ids) from the ontology; a trigger between the mentions or
    in the window beside them is a feature naming its predicate, so a trigger word the training
    data never showed still counts.
    """

    def __init__(self, triggers: Iterable[tuple[str, Sequence[str]]] = (), window: int = 6,
                 max_between: int = 40, sentence: bool = True):
        self.triggers = [(w, tuple(ps)) for w, ps in triggers if w]
        self.window = window
        self.max_between = max_between
        self.sentence = sentence
        self._automaton = None
        if self.triggers:
            import ahocorasick

            automaton = ahocorasick.Automaton()
            for word, preds in self.triggers:
                automaton.add_word(word, (len(word), preds))
            automaton.make_automaton()
            self._automaton = automaton

    def hits(self, text: str) -> list[tuple[int, int, tuple[str, ...]]]:
        """Every trigger occurrence in the (normalised) text: (start, end, predicate ids)."""
        if self._automaton is None:
            return []
        return [(end + 1 - n, end + 1, preds) for end, (n, preds) in self._automaton.iter(text)]

    def context(self, text: str) -> tuple[list, list[str]]:
        """What every pair of one sentence shares: trigger hits and the sentence's bigrams."""
        if not self.sentence:
            return self.hits(text), []
        return self.hits(text), ["S:" + g for g in {text[i:i + 2] for i in range(len(text) - 1)}]

    @staticmethod
    def order(hs: int, he: int, ts: int, te: int) -> tuple[str, int, int, int, int]:
        """F (head first), R (tail first) or O (overlapping), and the spans in text order."""
        if he <= ts:
            return "F", hs, he, ts, te
        if te <= hs:
            return "R", ts, te, hs, he
        a_s = min(hs, ts)
        return "O", a_s, a_s, a_s, max(he, te)

    def gram_starts(self, a_e: int, b_s: int, k: int) -> list[tuple[int, int]]:
        """Where the k-grams between the mentions start: all of them, or, when the gap is
        longer than max_between, those inside its first and its last max_between/2 characters."""
        half = self.max_between // 2
        if b_s - a_e <= 2 * half:
            return [(a_e, b_s - k + 1)]
        return [(a_e, a_e + half - k + 1), (b_s - half, b_s - k + 1)]

    def between_grams(self, t: str, o: str, a_e: int, b_s: int) -> list[str]:
        """Character 1-, 2- and 3-grams between the mentions (see gram_starts), tagged with the order."""
        out: list[str] = []
        for prefix, k in GRAMS:
            p = prefix + o
            for lo, hi in self.gram_starts(a_e, b_s, k):
                out.extend([p + t[i:i + k] for i in range(lo, hi)])
        return out

    def all_features(self, t: str, hs: int, he: int, ht: str, ts: int, te: int, tt: str,
                     context: tuple[list, list[str]]) -> list[str]:
        """Every feature of the pair: its own, the n-grams between the mentions, the sentence's."""
        o, _, a_e, b_s, _ = self.order(hs, he, ts, te)
        return (self.features(t, hs, he, ht, ts, te, tt, context) + self.between_grams(t, o, a_e, b_s)
                + context[1])

    def features(self, t: str, hs: int, he: int, ht: str, ts: int, te: int, tt: str,
                 context: tuple[list, list[str]]) -> list[str]:
        """The pair's own features, without the between n-grams and the sentence's bigrams."""
        ht = ht or UNKNOWN_TYPE
        tt = tt or UNKNOWN_TYPE
        o, a_s, a_e, b_s, b_e = self.order(hs, he, ts, te)
        nb = b_s - a_e
        head, tail = t[hs:he], t[ts:te]
        w = self.window
        hl, tl = t[max(0, hs - 2):hs], t[max(0, ts - 2):ts]
        hr, tr = t[he:he + 2], t[te:te + 2]
        f = ["b", f"o:{o}", f"T:{o}{ht}|{tt}", f"h:{ht}", f"t:{tt}", f"d:{o}{_bucket(nb)}",
             f"hs:{head[-1:]}", f"hS:{head[-2:]}", f"ts:{tail[-1:]}", f"tS:{tail[-2:]}",
             f"hn:{_bucket(len(head))}", f"tn:{_bucket(len(tail))}",
             f"hl:{o}{hl}", f"hL:{o}{hl[-1:]}", f"hr:{o}{hr}", f"hR:{o}{hr[:1]}",
             f"tl:{o}{tl}", f"tL:{o}{tl[-1:]}", f"tr:{o}{tr}", f"tR:{o}{tr[:1]}"]
        if hs == 0:
            f.append("h0")
        if ts == 0:
            f.append("t0")
        if head and tail and (head in tail or tail in head):
            f.append("sub")
        if nb:
            between = t[a_e:b_s]
            if nb <= 6:
                f.append(f"x:{o}{between}")
            f.append(f"bf:{o}{between[:2]}")
            f.append(f"bl:{o}{between[-2:]}")
        else:
            f.append(f"x:{o}")
        left = t[max(0, a_s - w):a_s]
        right = t[b_e:b_e + w]
        f.extend([f"L:{o}{left[i:i + 2]}" for i in range(len(left) - 1)])
        f.extend([f"R:{o}{right[i:i + 2]}" for i in range(len(right) - 1)])
        for s, e, preds in context[0]:
            if s >= a_e and e <= b_s:
                loc = "m"
            elif e <= a_s and s >= a_s - w:
                loc = "l"
            elif s >= b_e and e <= b_e + w:
                loc = "r"
            else:
                continue
            for p in preds:
                f.append(f"g:{loc}{o}{p}")
                f.append(f"G:{loc}{o}{ht}|{tt}{p}")
        return f


class PairClassifier:
    """Scores (head, tail) mention pairs of a sentence; see the module docstring."""

    _cache: dict[str, "PairClassifier"] = {}
    _lock = threading.Lock()

    def __init__(self, classes: Sequence[str], vocab: Sequence[str], weights: "np.ndarray",
                 temperature: float = 1.0, triggers: Iterable[tuple[str, Sequence[str]]] = (),
                 meta: dict | None = None):
        import numpy as np

        self.classes = list(classes)
        self.vocab = list(vocab)
        weights = np.asarray(weights)
        if weights.shape != (len(self.vocab), len(self.classes)):
            raise ValueError(f"weights {weights.shape} do not match {len(self.vocab)} features"
                             f" × {len(self.classes)} classes")
        # scoring table: the weights plus one zero row that every unknown feature points at
        self._table = np.zeros((len(self.vocab) + 1, len(self.classes)), dtype=np.float32)
        self._table[:-1] = weights
        self._unknown = len(self.vocab)
        self.weights = self._table[:-1]
        if "b" not in self.vocab:
            raise ValueError("the vocabulary has no bias feature 'b'")
        self.temperature = float(temperature)
        self.meta = dict(meta or {})
        self.featurizer = Featurizer(triggers, **self.meta.get("featurizer", {}))
        self._index = {f: i for i, f in enumerate(self.vocab)}
        # answers for this order: real predicates; NONE and inverse classes fold into None
        self._forward = np.array([i for i, c in enumerate(self.classes)
                                  if c != NONE and not c.startswith(INVERSE)], dtype=np.intp)
        self._forward_names = [self.classes[i] for i in self._forward]
        # a predicate is the answer when its probability beats none_scale × P(no predicate)
        self.none_scale = float(self.meta.get("none_scale", 1.0))

    # ------------------------------------------------------------------ artefact

    @classmethod
    def load(cls, path: str | Path = DEFAULT_MODEL) -> "PairClassifier":
        """The classifier saved in `path` (a folder), read once per process."""
        key = str(Path(path).resolve())
        with cls._lock:
            model = cls._cache.get(key)
            if model is None:
                model = cls._cache[key] = cls._read(Path(path))
        return model

    @classmethod
    def _read(cls, folder: Path) -> "PairClassifier":
        import numpy as np

        meta_file = folder / "meta.json"
        if not meta_file.exists():
            raise FileNotFoundError(f"no relation model in {folder} (meta.json missing)")
        meta = json.loads(meta_file.read_text(encoding="utf-8"))
        if meta.get("format") != FORMAT:
            raise ValueError(f"{meta_file}: format {meta.get('format')!r}, expected {FORMAT!r}")
        with gzip.open(folder / meta["vocab_file"], "rt", encoding="utf-8", newline="") as fh:
            vocab = fh.read().split("\n")
        if vocab and vocab[-1] == "":
            vocab.pop()
        raw = np.frombuffer((folder / meta["weights_file"]).read_bytes(), dtype=np.dtype(meta["dtype"]))
        weights = raw.reshape(len(vocab), len(meta["classes"]))
        triggers = [(w, ps) for w, ps in meta.get("triggers", [])]
        return cls(meta["classes"], vocab, weights, meta.get("temperature", 1.0), triggers, meta)

    def save(self, path: str | Path, dtype: str = "<f2") -> Path:
        """Write meta.json, vocab.txt.gz and weights.bin into the folder `path`."""
        import numpy as np

        folder = Path(path)
        folder.mkdir(parents=True, exist_ok=True)
        meta = dict(self.meta)
        meta.update(format=FORMAT, classes=self.classes, temperature=self.temperature,
                    vocab_file="vocab.txt.gz", weights_file="weights.bin", dtype=dtype,
                    shape=[len(self.vocab), len(self.classes)],
                    triggers=[[w, list(ps)] for w, ps in self.featurizer.triggers],
                    featurizer={"window": self.featurizer.window,
                                "max_between": self.featurizer.max_between,
                                "sentence": self.featurizer.sentence})
        (folder / "weights.bin").write_bytes(self.weights.astype(np.dtype(dtype)).tobytes())
        # mtime=0: the same model gives the same bytes
        with open(folder / "vocab.txt.gz", "wb") as raw, \
                gzip.GzipFile(fileobj=raw, mode="wb", mtime=0, filename="") as gz:
            gz.write(("\n".join(self.vocab) + "\n").encode("utf-8"))
        (folder / "meta.json").write_text(json.dumps(meta, ensure_ascii=False, indent=1) + "\n",
                                          encoding="utf-8")
        PairClassifier._cache.pop(str(folder.resolve()), None)
        return folder

    # ------------------------------------------------------------------ scoring

    def feature_rows(self, text: str, pairs: Sequence[Pair]) -> tuple[list[int], list[int], list[int]]:
        """Feature indices of every pair, flattened; where each pair's run starts; and the
        indices of the sentence features every pair of the text shares (scored once)."""
        t = normalize(text)
        fz = self.featurizer
        context = fz.context(t)
        get = self._index.get
        unknown = repeat(self._unknown)  # a feature the model never saw scores zero
        features = fz.features
        flat: list[int] = []
        starts: list[int] = []
        if len(pairs) < BATCH:
            for hs, he, ht, ts, te, tt in pairs:
                starts.append(len(flat))
                flat.extend(map(get, features(t, hs, he, ht, ts, te, tt, context), unknown))
                o, _, a_e, b_s, _ = fz.order(hs, he, ts, te)
                flat.extend(map(get, fz.between_grams(t, o, a_e, b_s), unknown))
        else:
            # many pairs share the sentence: look each position's n-gram up once per order
            n = len(t)
            table: dict[tuple[str, str], list[int]] = {}
            for hs, he, ht, ts, te, tt in pairs:
                starts.append(len(flat))
                flat.extend(map(get, features(t, hs, he, ht, ts, te, tt, context), unknown))
                o, _, a_e, b_s, _ = fz.order(hs, he, ts, te)
                if o == "O":
                    continue
                for prefix, k in GRAMS:
                    row = table.get((prefix, o))
                    if row is None:
                        p = prefix + o
                        row = table[(prefix, o)] = list(map(get, [p + t[i:i + k] for i in range(n - k + 1)],
                                                            unknown))
                    for lo, hi in fz.gram_starts(a_e, b_s, k):
                        if hi > lo:
                            flat.extend(row[lo:hi])
        return flat, starts, list(map(get, context[1], unknown))

    def probabilities(self, text: str, pairs: Sequence[Pair]) -> "np.ndarray":
        """Calibrated probabilities over `self.classes`, one row per pair."""
        import numpy as np

        if not pairs:
            return np.zeros((0, len(self.classes)), dtype=np.float32)
        flat, starts, shared = self.feature_rows(text, pairs)
        table = self._table
        logits = np.add.reduceat(table[np.asarray(flat, dtype=np.intp)], np.asarray(starts, dtype=np.intp), axis=0)
        if shared:
            logits += table[np.asarray(shared, dtype=np.intp)].sum(axis=0)
        logits /= self.temperature
        logits -= logits.max(axis=1, keepdims=True)
        np.exp(logits, out=logits)
        logits /= logits.sum(axis=1, keepdims=True)
        return logits

    def predict(self, text: str, pairs: Sequence[Pair]) -> list[tuple[str | None, float]]:
        """Per pair: (predicate id with head as subject and tail as object, or None; probability).

        `pairs` are (head_start, head_end, head_type, tail_start, tail_end, tail_type), offsets
        into `text` (one sentence); a type may be "Entity" (or empty) when it is not known.
        The probability is that of the answer: for None, that no predicate holds head → tail.
        """
        import numpy as np

        if not pairs:
            return []
        probs = self.probabilities(text, pairs)
        forward = probs[:, self._forward]
        best = forward.argmax(axis=1)
        p_best = forward[np.arange(len(best)), best]
        p_none = 1.0 - forward.sum(axis=1)
        out: list[tuple[str | None, float]] = []
        for b, pb, pn in zip(best.tolist(), p_best.tolist(), p_none.tolist()):
            if pb > self.none_scale * pn:
                out.append((self._forward_names[b], min(1.0, max(0.0, pb))))
            else:
                out.append((None, min(1.0, max(0.0, pn))))
        return out

    @property
    def predicates(self) -> list[str]:
        """The predicate ids this classifier can answer."""
        return list(self._forward_names)

    @property
    def symmetric(self) -> frozenset[str]:
        """Predicates that hold in both directions (owl:SymmetricProperty when trained)."""
        return frozenset(self.meta.get("symmetric", ()))
