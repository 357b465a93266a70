"""The spaCy component `zhkg_ner` around NerModel; kept apart so `import kg.recognise.ner` needs no spaCy.

The entry point `zhkg_ner = kg.recognise.ner_spacy:make_ner` (pyproject) imports this module,
which registers the factory.
"""

from __future__ import annotations

from pathlib import Path

from spacy.language import Language
from spacy.tokens import Doc, SpanGroup

from kg.recognise.ner import DEFAULT_MODEL, NerModel


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
