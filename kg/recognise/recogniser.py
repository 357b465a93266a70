"""Recognition as one component: dictionaries, rules and the trained model propose names; one
reading per stretch of text is chosen and spread over the document (see `mentions`)."""

from __future__ import annotations

from typing import Iterator, Sequence

from ..components import component
from ..model import Doc, Mention
from ..ontology import Ontology
from ..resolve import DEFAULT_ALIASES, load_alias_table
from ..text import BULLET_MARKS, Coverage
from . import mentions as mention_steps
from .lexicon import Lexicon, LexiconEntry, read_dictionary
from .ner import DEFAULT_MODEL, NerModel
import rjieba

from ..words import is_common_word, is_generic_word, word_info

ORDINARY_TAGS = ("n", "v", "vn", "a", "ad", "d", "ns", "s", "t", "m", "r")
from .rules import Candidate, Rules

USER_DICTIONARY, SHIPPED, MODEL = 3, 2, 1  # tiers: a user's dictionary outranks rules, rules the model
GAZETTEER_SCORE = 0.85
SHORT_NAME = 3  # a known firm this short counts only where the segmenter sees a word of its own
FIRM_KINDS = ("ccks:company",)  # the training data's firms (CCKS financial news: the firm each item is about)
NOT_FIRM_KINDS = ("annotated:Location", "annotated:Person", "duie:person", "duie:location")


def _trimmed(text: str, start: int, end: int) -> tuple[int, int]:
    """A model's span without the list bullets or spaces it took in at its edges (• 智能设备业务集团)."""
    while start < end and (text[start].isspace() or text[start] in BULLET_MARKS):
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    return start, end


def known_firms(model: NerModel, ontology: Ontology) -> Iterator[LexiconEntry]:
    """Firms the training data names, for direct lookup: those no other source calls a place or
    a person, that are no ordinary word, and whose class their suffix does not contradict."""
    others = set().union(*(model.places(kind) for kind in NOT_FIRM_KINDS),
                         *(model.places(kind) for kind in model.lexicon.kinds if kind.startswith("geo:")))
    suffixes = sorted(ontology.name_suffixes, key=lambda p: -len(p[0]))
    for kind in FIRM_KINDS:
        for name in model.places(kind):
            if len(name) < 2 or name in others or name in ontology.stop_names or is_common_word(name) \
                    or (name.isascii() and len(name) < 3) or word_info(name)[0] in ORDINARY_TAGS \
                    or all(is_generic_word(w) for w in rjieba.cut(name)):  # 金融科技
                continue
            cls = next((c for s, c in suffixes if name.endswith(s) and len(name) > len(s)), "Company")
            if ontology.is_a(cls, ("Organization",)):
                yield LexiconEntry(name, cls, (), tier=SHIPPED)


@component("recognise", requires=("text", "tokens", "times", "quantities"), assigns=("mentions",))
class Recogniser:
    """Fills `doc.mentions`: non-overlapping names with class, source and confidence."""

    def __init__(self, ontology: Ontology, dictionaries: Sequence[str] = (), use_model: bool = True):
        self.ontology = ontology
        self.lexicon = Lexicon(self._lexicon_entries(dictionaries))
        self.model = NerModel.load(DEFAULT_MODEL) if use_model else None
        self.rules = Rules(ontology, self.model.places("geo:country") if self.model is not None else ())
        self.gazetteer = Lexicon(known_firms(self.model, ontology) if self.model is not None else ())

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
        edges = {t.start for t in tokens} | {t.end for t in tokens}
        found += [Candidate(s, e, entry.type, "gazetteer", GAZETTEER_SCORE, SHIPPED)
                  for s, e, entry in self.gazetteer.find(text)
                  if e - s > SHORT_NAME or (s in edges and e in edges)]  # 信和 in 诚信和合规 is no firm
        found += self.rules.candidates(text, tokens, blocked, times)
        found += self.rules.extended_names(text, tokens, [c for c in found if c.source in ("lexicon", "gazetteer")],
                                           Coverage(len(text), blocked))
        if self.model is not None:
            found += [Candidate(*_trimmed(text, s, e), cls, "ner", score, MODEL) for s, e, cls, score in self.model.predict(text)
                      if not self.rules.generic_organisation(tokens, s, e, cls)]
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
    selected = mention_steps.without_descriptions(text, selected, ontology)
    spread = mention_steps.propagate(text, selected, ontology)
    return [doc.mention(c.start, c.end, c.type, c.source, c.score) for c in spread
            if mention_steps.keep(text, c, ontology) and not covered.overlaps(c.start, c.end)]
