"""What every fact needs: its subject (from the clause, the sentence, the previous sentence or the
topic), its time, its entities and its evidence. Quantity and entity facts build on this."""

from __future__ import annotations

from typing import Iterable, NamedTuple, Sequence

from ..model import Document, Entity, Evidence, PredicateRef, Quantity, Span, TimeQualifier, Triple
from ..ontology import Ontology, Predicate
from ..model import Mention
from ..times import is_day
from ..words import NameWords
from .comparison import Comparisons
from .sentence import SentenceView
from .triggers import TriggerHit

LOCATION_LAST = {"Location": 1}
FROM_CONTEXT = frozenset({"topic", "pronoun", "previous-sentence"})  # the subject is not in the sentence

CONFIDENCE = {
    "clause-subject": 0.9,
    "previous-sentence": 0.7,
    "sentence-subject": 0.8,
    "topic": 0.65,
    "pronoun": 0.75,  # 该公司…: the text points at the topic
    "implicit-object": 0.7,
    "implied": 0.6,
}


def entity_of(mention: Mention) -> Entity:
    """The mention as an entity: normalised name, the original surface kept as an alias."""
    name = (mention.norm or mention.text).strip()
    original = mention.text.strip()
    return Entity.named(name, mention.type, [original] if original != name else [])


class Made(NamedTuple):
    """A fact just made, with the mention that is its subject and how that subject was found."""

    triple: Triple
    subject: Mention
    how: str
    trigger: TriggerHit | None = None  # the word that named what the figure measures


class Grounding:
    """Subjects, times, entities and evidence for the facts of one sentence."""

    def __init__(self, ontology: Ontology):
        self.ontology = ontology
        self.words = NameWords(ontology)
        grammar = ontology.grammar
        self.pronouns = grammar.words("pronoun")  # 该公司…, 其…: the topic, named again
        self.referring_openers = grammar.words("referring_opener")  # 其中…: the previous sentence's subject
        self.separators = grammar.words("enum_separator")  # A、B和C
        self.list_ends = grammar.words("list_end")  # A、B等
        self.modifier_particles = grammar.words("modifier_particle")  # X的Y
        self.section_words = grammar.words("section_word")  # X方面，…: X heads a section
        self.comparisons = Comparisons(grammar)
        self.class_pronouns = grammar.labels("class_pronoun")
        self.contrast_openers = grammar.words("contrast_opener")
        self.locative_markers = grammar.words("locative_marker")  # 在X, 于X: where, not who  # 相比之下，Y…: about Y, not the topic  # 该板块 → the paragraph's latest BusinessUnit

    def entity(self, view: SentenceView, mention: Mention, document: Document) -> Entity:
        return entity_of(mention)

    def evidence(self, view: SentenceView, document: Document, *spans: Span) -> Evidence:
        s = view.sentence
        return Evidence(document.id, s.text, s.start, s.end, tuple(sp for sp in spans if sp))

    def fits(self, type: str, allowed: Iterable[str]) -> bool:
        return self.ontology.is_a(type, allowed)

    def subject_for(self, view: SentenceView, before: int, domain: Sequence[str],
                    floor: int | None = None) -> tuple[Mention | None, str]:
        """Nearest fitting mention before `before` in its clause, else the sentence's opening
        subject, else the paragraph topic. Returns the mention and how it was found."""
        clause_start, _ = view.clause_of(before)
        lower = clause_start if floor is None else floor
        pronoun = self._pronoun_between(view, lower, before)
        in_clause = [m for m in view.mentions if lower <= m.start and m.end <= before and self.fits(m.type, domain)
                     and not self.comparisons.compared(view.text, m, view.clause_of(m.start)[1])
                     and view.between(m.start - 1, m.start) not in self.locative_markers]  # 在北京实现收入
        if in_clause and not (pronoun and pronoun > in_clause[-1].end):
            in_clause.sort(key=lambda m: (LOCATION_LAST.get(m.type, 0), -m.end))
            return in_clause[0], "clause-subject"
        referent = self._class_pronoun_referent(view, lower, before, domain)
        if referent is not None:
            return referent, "previous-sentence"  # 显示器件业务是核心板块。该板块营业收入…
        if any(view.between(view.sentence.start, before).find(w) >= 0 for w in self.contrast_openers):
            # 与X形成鲜明对比的是，Y…，其净利润…: the sentence turned to Y; the topic is not meant
            opening = self._opening_subject(view, domain)
            return (opening, "sentence-subject") if opening is not None and opening.end <= before else (None, "")
        if not pronoun:
            opening = self._opening_subject(view, domain)
            if opening is not None and opening.end <= before:
                return opening, "sentence-subject"
        if view.stated is not None and not pronoun and self.fits(view.stated.type, domain) and view.stated.end <= before:
            return view.stated, "sentence-subject"  # …的比亚迪泰国工厂于3月奠基，规划年产能15万辆
        opens_with_reference = view.text.startswith(self.referring_openers, view.sentence.start)
        if view.previous is not None and opens_with_reference and self.fits(view.previous.type, domain):
            return view.previous, "previous-sentence"  # …业务收入328亿元。其中第四季度收入167亿元
        if view.topic is not None and self.fits(view.topic.type, domain):
            return view.topic, "pronoun" if pronoun else "topic"
        return None, ""

    def _class_pronoun_referent(self, view: SentenceView, start: int, end: int, domain: Sequence[str]) -> Mention | None:
        """该板块, 该产品: the latest name of that class earlier in the paragraph."""
        segment = view.between(start, end)
        for word, cls in self.class_pronouns.items():
            at = segment.rfind(word)
            if at < 0 or not self.fits(cls, domain):
                continue
            paragraph_start = min(s.start for s in view.doc.sentences if s.paragraph == view.sentence.paragraph)
            earlier = [m for m in view.doc.mentions if paragraph_start <= m.start and m.end <= start + at
                       and self.ontology.is_a(m.type, (cls,))]
            if earlier:
                return earlier[-1]
        return None

    def _pronoun_between(self, view: SentenceView, start: int, end: int) -> int | None:
        segment = view.between(start, end)
        for word in self.pronouns:
            at = segment.rfind(word)
            if at >= 0 and not any(m.start <= start + at < m.end for m in view.mentions):
                return start + at + len(word)
        return None

    def _opening_subject(self, view: SentenceView, domain: Sequence[str]) -> Mention | None:
        """The first fitting mention of the sentence, if it comes before any trigger."""
        first_trigger = view.triggers[0].start if view.triggers else view.sentence.end
        for m in view.mentions:
            if m.start >= first_trigger:
                return None
            if self.fits(m.type, domain) and m.type != "Location" and \
                    not view.text.startswith(self.section_words, m.end) and \
                    not self.comparisons.compared(view.text, m, view.clause_of(m.start)[1]):
                return m
        return None

    def time_for(self, view: SentenceView, offset: int) -> TimeQualifier | None:
        """The time in the clause (nearest before, else after), else the sentence's latest period
        before it: a day before it in another clause is when the news was dated or an event
        happened (10月28日晚间，公司披露…前三季度营收…，同比增长7.9%), not the figure's period."""
        clause_start, clause_end = view.clause_of(offset)
        in_clause = [t for t in view.times if clause_start <= t.start < clause_end
                     and not any(a <= t.start < b for a, b in view.old_values)]
        before = [t for t in in_clause if t.end <= offset]
        if before:
            return before[-1].time
        if in_clause:
            return in_clause[0].time
        leading = [t for t in view.times if t.end <= offset]
        periods = [t for t in leading if not is_day(t.time.normalised)]
        return periods[-1].time if periods else leading[0].time if leading else None

    def period_for(self, view: SentenceView, offset: int) -> TimeQualifier | None:
        """A figure's period: its own time, else the paragraph's, else the article's report year.

        A report's figures mostly hold for the year it reports on even where a sentence does
        not repeat it (报告期内，公司实现营业收入…). Such a time has an empty `raw`: it was
        read from context, not from the sentence.
        """
        own = self.time_for(view, offset)
        if own is not None or view.context_time is None:
            return own
        return TimeQualifier("", view.context_time.normalised)

    def same_list(self, view: SentenceView, a: Mention, b: Mention) -> bool:
        """A、B和C等子公司: members of one list are siblings, never each other's parent or partner."""
        first, second = sorted((a, b), key=lambda m: m.start)
        between = [m for m in view.mentions if first.end <= m.start and m.end <= second.start]
        gaps, at = [], first.end
        for m in between:
            gaps.append(view.between(at, m.start))
            at = m.end
        gaps.append(view.between(at, second.start))
        return all(g.strip() in self.separators for g in gaps)

    def enumeration_before(self, view: SentenceView, anchor: Mention, domain: Sequence[str]) -> list[Mention]:
        """A、B和C …: the mentions joined to `anchor` by list separators, left to right."""
        members = [anchor]
        earlier = [m for m in view.mentions if m.end <= anchor.start]
        while earlier:
            previous = earlier.pop()
            gap = view.between(previous.end, members[0].start).strip()
            if gap in self.separators and self.fits(previous.type, domain):
                members.insert(0, previous)
            else:
                break
        return members

    def _triple(self, document: Document, view: SentenceView, subject: Mention, predicate: Predicate,
                obj: Entity | Quantity, obj_start: int, obj_end: int, trigger: TriggerHit | None, how: str,
                time: TimeQualifier | None, extractor: str = "") -> Triple:
        inferred = how in FROM_CONTEXT
        spans = [Span("object", obj_start, obj_end)]
        if not inferred:
            spans.insert(0, Span("subject", subject.start, subject.end))
        if trigger is not None:
            spans.append(Span("trigger", trigger.start, trigger.end))
        spans.sort(key=lambda s: s.start)
        confidence = CONFIDENCE.get(how, 0.8) * (0.75 + 0.25 * subject.score)
        kind = "quantity" if isinstance(obj, Quantity) else "relation"
        return Triple(self.entity(view, subject, document), PredicateRef(predicate.id, predicate.label), obj,
                      self.evidence(view, document, *spans), time, round(min(confidence, 1.0), 4),
                      extractor or f"{kind}-trigger/{how}", inferred)
