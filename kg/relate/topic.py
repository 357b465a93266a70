"""Who a sentence is about when it does not say: the topic of the paragraph or article.

Business articles drop subjects constantly (公司…, 该公司…, 其…, bullets after a heading).
The document topic is the organisation the title and opening are about; a paragraph that
opens with another organisation is about that one, and bullet lines inherit the topic of
the heading above them. The most frequent name alone is not the topic.
"""

from __future__ import annotations

from collections import Counter
from typing import Sequence

from ..model import Doc, Mention, Sentence
from ..ontology import Ontology
from ..text import BULLET_MARKS
from .comparison import Comparisons

OPENING_WINDOW = 12  # a paragraph "opens with" a name that starts within this many characters


class TopicTracker:
    """The topic of every paragraph: an entity of one of the ontology's topic classes."""

    def __init__(self, doc: Doc, ontology: Ontology):
        text, sentences = doc.text, doc.sentences
        self._text = text
        self._paragraph_topic: dict[int, Mention | None] = {}
        # 雷军的这句话…, 金融科技方面，…: a name before these modifies or heads a section; no topic
        not_a_subject_after = (*ontology.grammar.words("modifier_particle"), *ontology.grammar.words("section_word"))
        topic_classes = ontology.topic_classes
        comparisons = Comparisons(ontology.grammar)
        orgs = [m for m in doc.mentions if m.type in topic_classes and not comparisons.compared(text, m)]
        # the most specific topic class wins (a company over the regulator or association it deals with)
        depth = {m.type: len(ontology.ancestors(m.type)) for m in orgs}
        deepest = [m for m in orgs if depth[m.type] == max(depth.values(), default=0)]
        self.document_topic = self._salient(text, sentences, deepest)
        current = self.document_topic
        heading_topic = current
        by_paragraph: dict[int, list[Sentence]] = {}
        for s in sentences:
            by_paragraph.setdefault(s.paragraph, []).append(s)
        for paragraph, members in sorted(by_paragraph.items()):
            first = members[0]
            opener = next((m for m in orgs if first.start <= m.start < first.start + OPENING_WINDOW
                           and m.end <= first.end and not text.startswith(not_a_subject_after, m.end)), None)
            if paragraph == 0:
                opener = None  # the opening paragraph is what the document topic was chosen from
            if self._is_bullet(first):
                topic = opener or heading_topic
            else:
                topic = opener or self.document_topic
                heading_topic = topic
            self._paragraph_topic[paragraph] = topic

    def _is_bullet(self, sentence: Sentence) -> bool:
        line_start = self._text.rfind("\n", 0, sentence.start) + 1
        return self._text[line_start:sentence.start].strip()[:1] in tuple(BULLET_MARKS) or \
            self._text[line_start:line_start + 1] in BULLET_MARKS

    @staticmethod
    def _salient(text: str, sentences: Sequence[Sentence], orgs: Sequence[Mention]) -> Mention | None:
        """Mentions count once each, three more in the first sentence, one more in the first paragraph."""
        if not orgs:
            return None
        score: Counter[str] = Counter()
        first: dict[str, Mention] = {}
        title_end = sentences[0].end if sentences else 0
        first_paragraph_end = max((s.end for s in sentences if s.paragraph <= 1), default=0)
        for m in orgs:
            name = text[m.start:m.end]
            first.setdefault(name, m)
            score[name] += 1 + (3 if m.start < title_end else 0) + (1 if m.start < first_paragraph_end else 0)
        best = max(score, key=lambda n: (score[n], -first[n].start))
        return first[best]

    def topic(self, sentence: Sentence) -> Mention | None:
        return self._paragraph_topic.get(sentence.paragraph, self.document_topic)
