"""From mentions, quantities, times and trigger words to triples, one sentence at a time.

Relation facts are made first (their explicit subjects serve later subject-less figures of
the same sentence), then measured facts. Who a subject is comes, in order, from the clause,
from what the sentence stated, from the previous sentence (其中…) and from the topic of the
paragraph; a subject from context is marked inferred and trusted less.
"""

from __future__ import annotations

from typing import Sequence

from ..components import component
from ..model import Doc, Sentence, TimeMatch, TimeQualifier, Triple
from .entity_facts import EntityFacts
from .quantity_facts import QuantityFacts
from .sentence import SentenceView, Spans, clauses, year_of
from .topic import TopicTracker


GLOSS_OPEN, GLOSS_CLOSE = "(（", ")）"


def without_glosses(doc: Doc) -> list:
    """默沙东(MSD): the bracketed name right after a name glosses it (the resolver joins the two);
    as a mention of its own it would stand between the name and the words about it."""
    mentions, out = doc.mentions, []
    for i, m in enumerate(mentions):
        before = mentions[i - 1] if i else None
        if before is not None and m.start - before.end == 1 and doc.text[before.end] in GLOSS_OPEN \
                and doc.text[m.end:m.end + 1] and doc.text[m.end] in GLOSS_CLOSE:
            continue
        out.append(m)
    return out


class Relater(QuantityFacts, EntityFacts):
    """Turns one document's mentions, figures, times and trigger words into triples."""

    def relate(self, doc: Doc) -> list[Triple]:
        document, text, sentences, times = doc.document, doc.text, doc.sentences, doc.times
        topics = TopicTracker(doc, self.ontology)
        triples: dict[tuple, Triple] = {}
        spans = Spans(without_glosses(doc)), Spans(doc.quantities), Spans(times), Spans(doc.triggers), Spans(doc.tokens)
        previous, previous_paragraph, paragraph_time = None, -1, None
        report_year = self._report_year(sentences, times)
        for sentence in sentences:
            m, q, t, h, words = (x.inside(sentence.start, sentence.end) for x in spans)
            if sentence.paragraph != previous_paragraph:
                paragraph_time = None
            view = SentenceView(sentence, doc, m, q, t, h, words, clauses(text, sentence), topics.topic(sentence),
                                previous=previous if previous_paragraph == sentence.paragraph else None,
                                context_time=paragraph_time or report_year)
            relations = self.entity_facts(document, view)  # first: their explicit subjects serve the figures
            view.stated = next((self._subject_mention(view, t) for t in relations
                                if t.extractor.split("/")[-1].startswith("clause-subject")), None)
            found = [*self.quantity_facts(document, view), *relations]
            explicit = [f for f in found if f.extractor.endswith(("/clause-subject", "/sentence-subject"))]
            if explicit:
                previous = self._subject_mention(view, explicit[0]) or previous
            previous_paragraph = sentence.paragraph
            years = [y for x in t if (y := year_of(x.time))]
            paragraph_time = TimeQualifier("", years[-1]) if years else paragraph_time
            for triple in found:
                if triple.subject.id == getattr(triple.object, "id", None):
                    continue
                known = triples.get(triple.key)
                if known is None or triple.confidence > known.confidence:
                    triples[triple.key] = triple
        return list(triples.values())

    @staticmethod
    def _report_year(sentences: Sequence[Sentence], times: Sequence[TimeMatch]) -> TimeQualifier | None:
        """The year the article reports on: the latest year named in its opening paragraph."""
        opening_end = max((s.end for s in sentences if s.paragraph <= 1), default=0)
        years = [y for t in times if t.end <= opening_end and (y := year_of(t.time))]
        return TimeQualifier("", max(years)) if years else None

    @staticmethod
    def _subject_mention(view: SentenceView, triple: Triple) -> Mention | None:
        """The mention a triple's subject was read from, when the sentence names it."""
        span = next((sp for sp in triple.evidence.spans if sp.role == "subject"), None)
        return next((m for m in view.mentions if span and (m.start, m.end) == (span.start, span.end)), None)


@component("relations", requires=("sentences", "tokens", "times", "quantities", "mentions", "triggers"),
           assigns=("triples",))
class RuleRelations:
    """The trigger-rule engine: fills `doc.triples`."""

    def __init__(self, ontology):
        self.relater = Relater(ontology)

    def __call__(self, doc: Doc) -> None:
        doc.triples.extend(self.relater.relate(doc))
