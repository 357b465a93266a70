"""The learned relation classifier as a component beside the trigger rules.

Every pair of names in a sentence (within a window, so the work stays linear in the sentence) is
scored by `pair_model.PairClassifier`. Its answers are combined with the rules' by confidence:
a pair the rules already relate keeps the rules' fact, and the model's agreement raises its
confidence (noisy-or); a pair the rules left alone gets the model's fact when the model is
sure enough; a symmetric predicate is stated once. Nothing the rules made is removed.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from ..components import component
from ..model import Doc, Evidence, Mention, PredicateRef, Span, Triple
from ..ontology import Ontology
from .grounding import entity_of
from .sentence import Spans

PAIRED_CLASSES = ("Organization", "Person", "Location", "Brand")  # what the training data names
ANCHOR_CLASSES = ("Organization", "Brand")  # every predicate the model answers has one of these at an end
WINDOW = 40  # characters between two names that may still be paired
MAX_NAMES = 16  # per sentence: more are paired only with their neighbours within the window
THRESHOLD = 0.6  # the model's fact stands alone only from this calibrated probability


@component("pair-relations", requires=("sentences", "mentions", "triples"), assigns=("triples",))
class LearnedRelations:
    """Fills `doc.triples` further with the pair classifier's facts (extractor "pair-model")."""

    def __init__(self, ontology: Ontology, model: str | Path | None = None, threshold: float = THRESHOLD):
        from .pair_model import DEFAULT_MODEL, PairClassifier  # numpy and the artefact only when used
        self.ontology = ontology
        self.model = PairClassifier.load(model or DEFAULT_MODEL)
        self.threshold = threshold
        self.pairable = tuple(c for c in ontology.classes if ontology.is_a(c, PAIRED_CLASSES))
        self.anchors = frozenset(c for c in ontology.classes if ontology.is_a(c, ANCHOR_CLASSES))

    def __call__(self, doc: Doc) -> None:
        related = {}
        for i, t in enumerate(doc.triples):
            if not t.is_quantity:
                related[(t.subject.id, t.object.id)] = i
        stated: set[tuple] = set()
        names = Spans([m for m in doc.mentions if m.type in self.pairable])
        cues = Spans([h for h in doc.triggers if h.of_kind("relation")])
        for sentence in doc.sentences:
            if not cues.inside(sentence.start, sentence.end):
                continue  # a sentence with no relation word rarely states a relation: not worth the model's time
            inside = names.inside(sentence.start, sentence.end)
            pairs = [(a, b) for a in inside for b in inside
                     if a is not b and a.norm != b.norm and abs(a.start - b.start) <= WINDOW
                     and (a.type in self.anchors or b.type in self.anchors)
                     and not (a.start < b.end and b.start < a.end)]
            if not pairs:
                continue
            text = doc.text[sentence.start:sentence.end]
            rows = [(a.start - sentence.start, a.end - sentence.start, a.type,
                     b.start - sentence.start, b.end - sentence.start, b.type) for a, b in pairs]
            for (a, b), (predicate_id, probability) in zip(pairs, self.model.predict(text, rows)):
                predicate = self.ontology.predicates.get(predicate_id or "")
                if predicate is None or not (self.ontology.is_a(a.type, predicate.domain)
                                             and self.ontology.is_a(b.type, predicate.range)):
                    continue
                subject, obj = entity_of(a), entity_of(b)
                key = (subject.id, obj.id)
                reverse = (obj.id, subject.id)
                known = related.get(key, related.get(reverse) if predicate.symmetric else None)
                if known is not None:
                    rule = doc.triples[known]
                    if rule.predicate.id == predicate.id and not rule.extractor.endswith(("+model", "pair-model")):
                        confidence = 1 - (1 - rule.confidence) * (1 - probability)
                        doc.triples[known] = replace(rule, confidence=round(confidence, 4),
                                                     extractor=rule.extractor + "+model")
                    continue
                if probability < self.threshold or (predicate.symmetric and (predicate.id, *sorted(key)) in stated):
                    continue
                stated.add((predicate.id, *sorted(key)))
                related[key] = len(doc.triples)
                doc.triples.append(Triple(subject, PredicateRef(predicate.id, predicate.label), obj,
                                          _evidence(doc, sentence, a, b), None, round(probability * 0.9, 4),
                                          "pair-model"))


def _evidence(doc: Doc, sentence, a: Mention, b: Mention) -> Evidence:
    spans = sorted((Span("subject", a.start, a.end), Span("object", b.start, b.end)), key=lambda s: s.start)
    return Evidence(doc.id, sentence.text, sentence.start, sentence.end, tuple(spans))
