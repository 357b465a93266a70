"""Recognition as one component: dictionaries, rules and the trained model propose names; one
reading per stretch of text is chosen and spread over the document (see `mentions`)."""

from __future__ import annotations

from typing import Iterator, Sequence

from ..components import component
from ..model import Doc, Mention
from ..ontology import Ontology
from ..resolve import DEFAULT_ALIASES, load_alias_table
from ..text import Coverage
from . import mentions as mention_steps
from .lexicon import Lexicon, LexiconEntry, read_dictionary
from .ner import DEFAULT_MODEL, NerModel
from .rules import Candidate, Rules

USER_DICTIONARY, SHIPPED, MODEL = 3, 2, 1  # tiers: a user's dictionary outranks rules, rules the model


@component("recognise", requires=("text", "tokens", "times", "quantities"), assigns=("mentions",))
class Recogniser:
    """Fills `doc.mentions`: non-overlapping names with class, source and confidence."""

    def __init__(self, ontology: Ontology, dictionaries: Sequence[str] = (), use_model: bool = True):
        self.ontology = ontology
        self.lexicon = Lexicon(self._lexicon_entries(dictionaries))
        self.model = NerModel.load(DEFAULT_MODEL) if use_model else None
        self.rules = Rules(ontology, self.model.places("geo:country") if self.model is not None else ())

    @staticmethod
    def _lexicon_entries(dictionaries: Sequence[str]) -> Iterator[LexiconEntry]:
        for entry in load_alias_table(DEFAULT_ALIASES):
            yield LexiconEntry(entry.name, entry.type, tuple(entry.aliases), tier=SHIPPED)
        for path in dictionaries:
            yield from read_dictionary(path, tier=USER_DICTIONARY)

    def __call__(self, doc: Doc) -> None:
        doc.mentions = recognise(doc, self)

    def candidates(self, text: str, tokens, blocked: list[tuple[int, int]],
                   times: list[tuple[int, int]] = ()) -> list[Candidate]:
        """Every recogniser's proposals, overlapping."""
        found = [Candidate(s, e, entry.type, "dictionary" if entry.tier == USER_DICTIONARY else "lexicon", 1.0,
                           entry.tier) for s, e, entry in self.lexicon.find(text)]
        found += self.rules.candidates(text, tokens, blocked, times)
        found += self.rules.extended_names(text, tokens, [c for c in found if c.source == "lexicon"],
                                           Coverage(len(text), blocked))
        if self.model is not None:
            found += [Candidate(s, e, cls, "ner", score, MODEL) for s, e, cls, score in self.model.predict(text)]
        found += self.rules.metric_holders(text, tokens, Coverage(len(text), ((c.start, c.end) for c in found)),
                                          Coverage(len(text), blocked))
        return found


def recognise(doc: Doc, recogniser: Recogniser) -> list[Mention]:
    """The document's mentions: no name inside a figure or time, one reading per stretch of text,
    person names completed, every name found wherever it recurs."""
    text, ontology = doc.text, recogniser.ontology
    blocked = [(q.start, q.end) for q in doc.quantities] + [(t.start, t.end) for t in doc.times]
    covered = Coverage(len(text), blocked)
    times = [(t.start, t.end) for t in doc.times]
    found = [c for c in recogniser.candidates(text, doc.tokens, blocked, times) if not covered.overlaps(c.start, c.end)]
    selected = mention_steps.select(c for c in found if mention_steps.keep(text, c, ontology))
    selected = mention_steps.complete_person_names(text, selected, doc.tokens, ontology)
    selected = mention_steps.list_members(text, selected, doc.tokens, ontology)
    spread = mention_steps.propagate(text, selected, ontology)
    return [doc.mention(c.start, c.end, c.type, c.source, c.score) for c in spread
            if mention_steps.keep(text, c, ontology) and not covered.overlaps(c.start, c.end)]
