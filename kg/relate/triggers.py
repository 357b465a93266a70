"""Trigger words of the ontology's predicates, found in text.

One Aho-Corasick automaton over every predicate label, skos:altLabel and negative trigger.
A word may trigger several predicates (研发 → develops for a product, rdInvestment for a
sum of money); the relater decides by what stands around it.
"""

from __future__ import annotations

from collections import defaultdict
import ahocorasick

from ..components import component
from ..model import Doc, TriggerHit
from ..ontology import Ontology, Predicate
from ..text import Coverage
from ..words import HAN, word_info


class TriggerIndex:
    def __init__(self, ontology: Ontology):
        table: dict[str, list[tuple[Predicate, bool]]] = defaultdict(list)
        for predicate in ontology.predicates.values():
            for word in predicate.triggers:
                table[word].append((predicate, False))
            for word in predicate.negative_triggers:
                table[word].append((predicate, True))
        for word in ontology.grammar.words("not_a_metric"):
            table.setdefault(word, [])  # 每股收益, 股价: a hit with no predicate claims the figure after it
        self._automaton = ahocorasick.Automaton()
        for word, entries in table.items():
            predicates = tuple(p for p, _ in entries)
            negative = bool(entries) and all(neg for _, neg in entries)
            self._automaton.add_word(word, (word, predicates, negative))
        if len(table):
            self._automaton.make_automaton()

    def find(self, text: str, blocked: list[tuple[int, int]] = (),
             word_ends: set[int] | None = None, words: set[tuple[int, int]] | None = None) -> list[TriggerHit]:
        """Longest non-overlapping hits, left to right, none inside a `blocked` span (a name).

        With `word_ends` (where the text's words end), a trigger that stops inside a word is
        no trigger: 供应 in 供应链, 投资 in 投资者, 发布 in 发布会; with `words` (the words' spans),
        a one-character trigger must be a word of its own: 升 alone, not in 提升.
        """
        if not len(self._automaton):
            return []
        covered = Coverage(len(text), blocked)
        hits = []
        for end_index, (word, predicates, negative) in self._automaton.iter(text):
            start, end = end_index - len(word) + 1, end_index + 1
            if covered.overlaps(start, end):
                continue
            if word_ends is not None and end not in word_ends:
                continue
            if words is not None and end - start == 1 and (start, end) not in words:
                continue
            hits.append(TriggerHit(start, end, word, predicates, negative))
        hits.sort(key=lambda h: (-(h.end - h.start), h.start))
        kept: list[TriggerHit] = []
        taken = Coverage(len(text))  # linear in the text, not in hits × kept
        for h in hits:
            if not taken.overlaps(h.start, h.end):
                kept.append(h)
                taken.add(h.start, h.end)
        return sorted(kept, key=lambda h: h.start)


@component("triggers", requires=("text", "tokens", "mentions", "quantities"), assigns=("triggers",))
class TriggerFinder:
    """Trigger words outside names and figures, ending where a word ends."""

    def __init__(self, ontology: Ontology):
        self.index = TriggerIndex(ontology)

    def __call__(self, doc: Doc) -> None:
        blocked = [(m.start, m.end) for m in doc.mentions] + [(q.start, q.end) for q in doc.quantities]
        # a word ends where the segmenter says, where a name or figure starts (首席财务官|周明远), and
        # anywhere inside a word the segmenter guessed rather than knew (2024年营|收为: 营收 is a word)
        word_ends = {t.end for t in doc.tokens} | {start for start, _ in blocked}
        for word, start, end in doc.tokens:
            if end - start > 1 and HAN.match(word) and word_info(word)[0] is None:
                word_ends.update(range(start + 1, end))
        doc.triggers = self.index.find(doc.text, blocked, word_ends, {(t.start, t.end) for t in doc.tokens})
