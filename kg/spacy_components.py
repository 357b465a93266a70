"""zhkg's language stages as spaCy components, for people who already run a spaCy pipeline.

    import kg.spacy_components  # registers the factories
    nlp = spacy.blank("zh")
    nlp.add_pipe("zhkg_recogniser")   # doc.spans["zhkg_mentions"], doc.ents
    nlp.add_pipe("zhkg_relations")    # doc._.zhkg_triples: list[kg.model.Triple]

Both wrap the one `extractor.Extractor`: it recognises and relates in a single pass (relations
read the quantities, times and candidates found on the way), so the recogniser keeps that
pass's result in `doc._.zhkg_extraction` and the relations component publishes its triples.
Triples are as extracted, not yet resolved across documents or validated; `kg.build` does that.
"""

from __future__ import annotations

from typing import List

from spacy.language import Language
from spacy.tokens import Doc, SpanGroup
from spacy.util import filter_spans

from .model import Document
from .extractor import DocumentResult, Extractor, Settings

SPANS_KEY = "zhkg_mentions"
EXTRACTION = "zhkg_extraction"
TRIPLES = "zhkg_triples"
RECOGNISER = "zhkg_recogniser"
RELATIONS = "zhkg_relations"
DOC_ID = "spacy"  # the document id the triples' evidence names

for _name in (EXTRACTION, TRIPLES):
    if not Doc.has_extension(_name):
        Doc.set_extension(_name, default=None)


class Recogniser:
    """Mentions of ontology classes as spans (with scores) and as non-overlapping `doc.ents`."""

    def __init__(self, name: str, extractor: Extractor):
        self.name = name
        self.extractor = extractor

    def __call__(self, doc: Doc) -> Doc:
        result: DocumentResult = self.extractor(Document(DOC_ID, doc.text))
        spans, scores = [], []
        for m in result.mentions:
            span = doc.char_span(m.start, m.end, label=m.type, alignment_mode="expand")
            if span is not None:
                spans.append(span)
                scores.append(m.score)
        doc.spans[SPANS_KEY] = SpanGroup(doc, name=SPANS_KEY, spans=spans, attrs={"scores": scores})
        doc.ents = filter_spans(spans)
        doc._.set(EXTRACTION, result)
        return doc


class Relations:
    """The triples of the recogniser's pass, as `kg.model.Triple`s in `doc._.zhkg_triples`."""

    def __init__(self, name: str):
        self.name = name

    def __call__(self, doc: Doc) -> Doc:
        result = doc._.get(EXTRACTION)
        if result is None:
            raise ValueError(f"{self.name}: no {RECOGNISER} result on this doc; "
                             f"{RECOGNISER} must run before {RELATIONS}")
        doc._.set(TRIPLES, list(result.triples))
        return doc


@Language.factory(RECOGNISER, assigns=["doc.spans", "doc.ents", f"doc._.{EXTRACTION}"],
                  default_config={"use_model": True, "dictionaries": [], "ontology": []})
def make_recogniser(nlp: Language, name: str, use_model: bool, dictionaries: List[str],
                    ontology: List[str]) -> Recogniser:
    """`dictionaries` and `ontology` are file paths, as for `kg build --dict/--ontology`."""
    return Recogniser(name, Extractor(Settings(ontology=tuple(ontology), dictionaries=tuple(dictionaries),
                                               use_model=use_model)))


@Language.factory(RELATIONS, requires=[f"doc._.{EXTRACTION}"], assigns=[f"doc._.{TRIPLES}"])
def make_relations(nlp: Language, name: str) -> Relations:
    """Refuses a pipeline without the recogniser: spaCy would only warn, then fail per doc."""
    if not any(nlp.get_pipe_meta(pipe).factory == RECOGNISER for pipe in nlp.pipe_names):
        raise ValueError(f"{RELATIONS} needs {RECOGNISER} earlier in the pipeline: "
                         f'nlp.add_pipe("{RECOGNISER}") first')
    return Relations(name)
