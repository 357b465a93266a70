"""From mentions, quantities, times and trigger words to triples, one sentence at a time.

The sentence is cut into clauses at commas, semicolons and colons. A quantity belongs to
the nearest trigger before it in its clause whose predicate accepts its dimension; an entity
relation joins a subject before its trigger to the objects after it. Who the subject is
comes, in order, from the clause, from the sentence's opening subject, and from the topic of
the paragraph (then the triple is marked inferred and trusted less).

Structures handled: enumerations (A、B和C), distributive lists (空调、冰箱年出货量达680万、
270万台), figures in brackets (385亿元(+8.5%)), changes (从103.8亿元收窄至57.9亿元: the new
value, the old one kept as `previous`), decreases (同比下降28% → -28 %), passives
(由/被 X …), partners (与 X 合作), places (在 X 展出), titles (董事长王传福) and object-first
triggers (X旗下的Y).
"""

from __future__ import annotations

import re
from bisect import bisect_left
from dataclasses import dataclass, field, replace
from decimal import Decimal
from typing import Iterable, NamedTuple, Sequence

from ..model import Document, Entity, Evidence, PredicateRef, Quantity, Sentence, Span, TimeQualifier, Triple
from ..ontology import Ontology, Predicate
from ..quantities import QuantityMatch
from ..recognise.rules import Candidate, Rules, Token, is_common_word
from ..times import TimeMatch
from .topic import SECTION_WORDS, TopicTracker
from .triggers import TriggerHit, TriggerIndex

_YEAR = re.compile(r"^(?:FY)?(\d{4})")


def _year_of(time: TimeQualifier) -> str | None:
    """The calendar year a normalised time falls in (2024-Q4 → 2024, FY2024 → 2024)."""
    match = _YEAR.match(time.normalised)
    return match.group(1) if match else None


CLAUSE_BREAKS = frozenset(",;:，；：")
ENUM_SEPARATORS = ("、", "和", "与", "及", "以及", "/", "跟", "同")
PASSIVE_MARKERS = ("由", "被")
MARKER_GAP = 10  # 与长安汽车、吉利等车企达成换电合作: what may stand between the marked list and the trigger
CHANGE_FROM = ("从", "由")  # 从/由 A 降至/提升至 B
CHANGE_TO = re.compile(r"[至到为]")
REFERRING_OPENERS = ("其中", "其")  # a sentence opening so continues the previous sentence's subject
PRONOUNS = ("该公司", "本公司", "公司", "集团", "其", "该集团", "本行", "该行")
LOCATION_LAST = {"Location": 1}
MAX_IMPLICIT_OBJECT = 12
TRIGGER_AFTER_FIGURE = 12  # 4.2亿MIUI用户, 2.1亿智能设备: the figure modifies the noun that names it
IMPLICIT_OBJECT_ENDS = frozenset(",;:，；：。！？!?、和及与等)）”")

CONFIDENCE = {
    "clause-subject": 0.9,
    "previous-sentence": 0.7,
    "sentence-subject": 0.8,
    "topic": 0.65,
    "implicit-object": 0.7,
    "implied": 0.6,
}


@dataclass(slots=True)
class SentenceView:
    """What one sentence holds, in normalised-text offsets (identical to original offsets)."""

    sentence: Sentence
    text: str  # the whole normalised document text
    mentions: list[Candidate]
    quantities: list[QuantityMatch]
    times: list[TimeMatch]
    triggers: list[TriggerHit]
    tokens: list[Token]
    clauses: list[tuple[int, int]]
    topic: Candidate | None
    listed: list[Candidate] = field(default_factory=list)  # the last distributive list's subjects
    previous: Candidate | None = None  # the explicit subject of the previous sentence, same paragraph
    stated: Candidate | None = None  # the explicit subject of this sentence's first relation
    old_values: list[tuple[int, int]] = field(default_factory=list)  # 由2022年的17.04%: times there are A's
    context_time: TimeQualifier | None = None  # the paragraph's latest year, else the report year

    def clause_of(self, offset: int) -> tuple[int, int]:
        for start, end in self.clauses:
            if start <= offset < end:
                return start, end
        return self.clauses[-1]

    def between(self, start: int, end: int) -> str:
        return self.text[start:end]


class _Made(NamedTuple):
    """A fact just made, with the mention that is its subject and how that subject was found."""

    triple: Triple
    subject: Candidate
    how: str


@dataclass(frozen=True, slots=True)
class _TokenSpan:
    word: str
    start: int
    end: int


class _Spans:
    """Items with start/end, sorted once, sliced per sentence by bisection (not a scan per sentence)."""

    def __init__(self, items: Sequence):
        self.items = sorted(items, key=lambda x: x.start)
        self.starts = [x.start for x in self.items]

    def inside(self, start: int, end: int) -> list:
        lo, hi = bisect_left(self.starts, start), bisect_left(self.starts, end)
        return [x for x in self.items[lo:hi] if x.end <= end]


def clauses(text: str, sentence: Sentence) -> list[tuple[int, int]]:
    """Cut at clause punctuation outside brackets and quotes."""
    out, start, depth = [], sentence.start, 0
    for i in range(sentence.start, sentence.end):
        ch = text[i]
        if ch in "(（“「《[【":
            depth += 1
        elif ch in ")）”」》]】" and depth:
            depth -= 1
        elif ch in CLAUSE_BREAKS and not depth:
            out.append((start, i + 1))
            start = i + 1
    if start < sentence.end:
        out.append((start, sentence.end))
    return out or [(sentence.start, sentence.end)]


class Relater:
    """Turns one document's recognised material into triples."""

    def __init__(self, ontology: Ontology, rules: Rules | None = None):
        self.ontology = ontology
        self.rules = rules or Rules(ontology)
        self.triggers = TriggerIndex(ontology)

    # -- the document --------------------------------------------------------------------------

    def relate(self, document: Document, text: str, sentences: Sequence[Sentence],
               mentions: Sequence[Candidate], quantities: Sequence[QuantityMatch],
               times: Sequence[TimeMatch], tokens: Sequence[Token]) -> list[Triple]:
        topics = TopicTracker(text, sentences, mentions)
        blocked = [(m.start, m.end) for m in mentions] + [(q.start, q.end) for q in quantities]
        hits = self.triggers.find(text, blocked, {t[2] for t in tokens})
        triples: dict[tuple, Triple] = {}
        spans = _Spans(mentions), _Spans(quantities), _Spans(times), _Spans(hits)
        token_spans = _Spans([_TokenSpan(*t) for t in tokens])
        previous, previous_paragraph, paragraph_time = None, -1, None
        report_year = self._report_year(text, sentences, times)
        for sentence in sentences:
            m, q, t, h = (x.inside(sentence.start, sentence.end) for x in spans)
            words = [(w.word, w.start, w.end) for w in token_spans.inside(sentence.start, sentence.end)]
            if sentence.paragraph != previous_paragraph:
                paragraph_time = None
            view = SentenceView(sentence, text, m, q, t, h, words, clauses(text, sentence), topics.topic(sentence),
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
            years = [y for x in t if (y := _year_of(x.time))]
            paragraph_time = TimeQualifier("", years[-1]) if years else paragraph_time
            for triple in found:
                if triple.subject.id == getattr(triple.object, "id", None):
                    continue
                known = triples.get(triple.key)
                if known is None or triple.confidence > known.confidence:
                    triples[triple.key] = triple
        return list(triples.values())

    @staticmethod
    def _report_year(text: str, sentences: Sequence[Sentence], times: Sequence[TimeMatch]) -> TimeQualifier | None:
        """The year the article reports on: the latest year named in its opening paragraph."""
        opening_end = max((s.end for s in sentences if s.paragraph <= 1), default=0)
        years = [y for t in times if t.end <= opening_end and (y := _year_of(t.time))]
        return TimeQualifier("", max(years)) if years else None

    @staticmethod
    def _subject_mention(view: SentenceView, triple: Triple) -> Candidate | None:
        """The mention a triple's subject was read from, when the sentence names it."""
        span = next((sp for sp in triple.evidence.spans if sp.role == "subject"), None)
        return next((m for m in view.mentions if span and (m.start, m.end) == (span.start, span.end)), None)

    # -- shared pieces -------------------------------------------------------------------------

    def entity(self, view: SentenceView, candidate: Candidate, document: Document) -> Entity:
        """The mention as an entity: normalised name, the original surface kept as an alias."""
        name = view.text[candidate.start:candidate.end].strip()
        original = document.text[candidate.start:candidate.end].strip()
        return Entity.named(name, candidate.type, [original] if original != name else [])

    def evidence(self, view: SentenceView, document: Document, *spans: Span) -> Evidence:
        s = view.sentence
        return Evidence(document.id, s.text, s.start, s.end, tuple(sp for sp in spans if sp))

    def fits(self, type: str, allowed: Iterable[str]) -> bool:
        return self.ontology.is_a(type, allowed)

    def subject_for(self, view: SentenceView, before: int, domain: Sequence[str],
                    floor: int | None = None) -> tuple[Candidate | None, str]:
        """Nearest fitting mention before `before` in its clause, else the sentence's opening
        subject, else the paragraph topic. Returns the mention and how it was found."""
        clause_start, _ = view.clause_of(before)
        lower = clause_start if floor is None else floor
        pronoun = self._pronoun_between(view, lower, before)
        in_clause = [m for m in view.mentions if lower <= m.start and m.end <= before and self.fits(m.type, domain)]
        if in_clause and not (pronoun and pronoun > in_clause[-1].end):
            in_clause.sort(key=lambda m: (LOCATION_LAST.get(m.type, 0), -m.end))
            return in_clause[0], "clause-subject"
        if not pronoun:
            opening = self._opening_subject(view, domain)
            if opening is not None and opening.end <= before:
                return opening, "sentence-subject"
        if view.stated is not None and not pronoun and self.fits(view.stated.type, domain) and view.stated.end <= before:
            return view.stated, "sentence-subject"  # …的比亚迪泰国工厂于3月奠基，规划年产能15万辆
        opens_with_reference = view.between(view.sentence.start, view.sentence.start + 2) in REFERRING_OPENERS
        if view.previous is not None and opens_with_reference and self.fits(view.previous.type, domain):
            return view.previous, "previous-sentence"  # …业务收入328亿元。其中第四季度收入167亿元
        if view.topic is not None and self.fits(view.topic.type, domain):
            return view.topic, "topic"
        return None, ""

    def _pronoun_between(self, view: SentenceView, start: int, end: int) -> int | None:
        segment = view.between(start, end)
        for word in PRONOUNS:
            at = segment.rfind(word)
            if at >= 0 and not any(m.start <= start + at < m.end for m in view.mentions):
                return start + at + len(word)
        return None

    def _opening_subject(self, view: SentenceView, domain: Sequence[str]) -> Candidate | None:
        """The first fitting mention of the sentence, if it comes before any trigger."""
        first_trigger = view.triggers[0].start if view.triggers else view.sentence.end
        for m in view.mentions:
            if m.start >= first_trigger:
                return None
            if self.fits(m.type, domain) and m.type != "Location" and \
                    not view.text.startswith(SECTION_WORDS, m.end):
                return m
        return None

    def time_for(self, view: SentenceView, offset: int) -> TimeQualifier | None:
        """The time in the clause (nearest before, else after), else the sentence's first."""
        clause_start, clause_end = view.clause_of(offset)
        in_clause = [t for t in view.times if clause_start <= t.start < clause_end
                     and not any(a <= t.start < b for a, b in view.old_values)]
        before = [t for t in in_clause if t.end <= offset]
        if before:
            return before[-1].time
        if in_clause:
            return in_clause[0].time
        leading = [t for t in view.times if t.end <= offset]
        return leading[0].time if leading else None

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

    def enumeration_before(self, view: SentenceView, anchor: Candidate, domain: Sequence[str]) -> list[Candidate]:
        """A、B和C …: the mentions joined to `anchor` by list separators, left to right."""
        members = [anchor]
        earlier = [m for m in view.mentions if m.end <= anchor.start]
        while earlier:
            previous = earlier.pop()
            gap = view.between(previous.end, members[0].start).strip()
            if gap in ENUM_SEPARATORS and self.fits(previous.type, domain):
                members.insert(0, previous)
            else:
                break
        return members

    # -- quantity facts ------------------------------------------------------------------------

    def quantity_facts(self, document: Document, view: SentenceView) -> list[Triple]:
        quantities = self._apply_changes(view)
        out: list[Triple] = []
        done: set[int] = set()
        for group in self._distributive_groups(view, quantities):
            out.extend(self._distributive(document, view, group))
            done.update(q.start for q in group)
        last: _Made | None = None
        for q in quantities:
            if q.start in done:
                continue
            trigger, predicate = self._governing_trigger(view, q)
            made = self._implicit_quantity_fact(document, view, q, last) if predicate is None \
                else self._quantity_fact(document, view, q, trigger, predicate)
            if made is not None:
                out.append(made.triple)
                last = made
        return out

    def _apply_changes(self, view: SentenceView) -> list[QuantityMatch]:
        """从A降至B / 由2022年的A提升至B: keep B with A as its previous value; A is no fact of its
        own, and the time written with A is A's, not B's."""
        quantities = list(view.quantities)
        out, skip = [], set()
        for i, q in enumerate(quantities):
            if i in skip:
                continue
            nxt = quantities[i + 1] if i + 1 < len(quantities) else None
            clause_start, clause_end = view.clause_of(q.start)
            head = view.between(clause_start, q.start)
            marker = max(head.rfind(m) for m in CHANGE_FROM)
            if nxt is not None and marker >= 0 and nxt.end <= clause_end \
                    and CHANGE_TO.search(view.between(q.end, nxt.start)) \
                    and q.quantity.dimension == nxt.quantity.dimension:
                out.append(QuantityMatch(nxt.start, nxt.end, replace(nxt.quantity, previous=q.quantity)))
                view.old_values.append((clause_start + marker, q.end))
                skip.add(i + 1)
            else:
                out.append(q)
        return out

    def _governing_trigger(self, view: SentenceView, q: QuantityMatch) -> tuple[TriggerHit | None, Predicate | None]:
        clause_start, clause_end = view.clause_of(q.start)
        taken = {t.start for t in view.triggers for other in view.quantities
                 if other is not q and t.start == other.end}  # 1.98秒零百加速: the trigger is that figure's
        candidates = [t for t in view.triggers if clause_start <= t.start and t.end <= q.start and t.start not in taken]
        for trigger in reversed(candidates):
            predicate = self._fitting_quantity_predicate(trigger, q.quantity)
            if predicate is not None:
                return trigger, predicate
        after = [t for t in view.triggers if q.end <= t.start <= q.end + TRIGGER_AFTER_FIGURE and t.end <= clause_end
                 and self._names_only(view, q.end, t.start)]
        for trigger in after:
            predicate = self._fitting_quantity_predicate(trigger, q.quantity)
            if predicate is not None:
                return trigger, predicate
        return None, None

    def _names_only(self, view: SentenceView, start: int, end: int) -> bool:
        """Nothing but names between two offsets: no verb, no punctuation, no function word."""
        words = [(w, s) for w, s, e in view.tokens if start <= s and e <= end]
        return sum(len(w) for w, _ in words) == end - start and all(
            self.rules.is_name_word(w) or any(m.start <= s < m.end for m in view.mentions) for w, s in words)

    @staticmethod
    def _fitting_quantity_predicate(trigger: TriggerHit, quantity: Quantity) -> Predicate | None:
        for predicate in trigger.of_kind("quantity"):
            if quantity.dimension in predicate.dimensions:
                return predicate
        return None

    def _quantity_fact(self, document: Document, view: SentenceView, q: QuantityMatch,
                       trigger: TriggerHit, predicate: Predicate, subject: Candidate | None = None,
                       how: str = "") -> _Made | None:
        if subject is None and trigger.start > q.start:  # 4.2亿MIUI用户: the name between figure and noun
            subject = next((m for m in view.mentions if q.end <= m.start and m.end <= trigger.start
                            and self.fits(m.type, predicate.domain)), None)
            how = "clause-subject"
        if subject is None:
            subject, how = self.subject_for(view, min(trigger.start, q.start), predicate.domain)
        if subject is None:
            return None
        quantity = q.quantity
        if trigger.negative and quantity.value > 0:
            quantity = replace(quantity, value=-quantity.value,
                               upper=-quantity.upper if quantity.upper is not None else None)
        quantity = replace(quantity, raw=document.text[q.start:q.end])
        return _Made(self._triple(document, view, subject, predicate, quantity, q.start, q.end, trigger, how,
                                  self.period_for(view, q.start)), subject, how)

    def _triple(self, document: Document, view: SentenceView, subject: Candidate, predicate: Predicate,
                obj: Entity | Quantity, obj_start: int, obj_end: int, trigger: TriggerHit | None, how: str,
                time: TimeQualifier | None, extractor: str = "") -> Triple:
        inferred = how == "topic"
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

    def _implicit_quantity_fact(self, document: Document, view: SentenceView, q: QuantityMatch,
                                last: _Made | None) -> _Made | None:
        """Figures without a trigger, as the ontology allows: a bracketed figure after another
        fact's figure (385亿元(+8.5%)), or a bare figure right after a name (云计算业务385亿元)."""
        quantity = replace(q.quantity, raw=document.text[q.start:q.end])
        bracketed = view.between(max(view.sentence.start, q.start - 2), q.start).endswith(("(", "(+"))
        named = next((m for m in reversed(view.mentions) if m.end <= q.start), None)
        for predicate in self.ontology.predicates.values():
            if quantity.dimension not in predicate.dimensions:
                continue
            if predicate.bracketed_figure and bracketed and last is not None and self.fits(last.subject.type, predicate.domain):
                triple = self._triple(document, view, last.subject, predicate, quantity, q.start, q.end, None,
                                      last.how, last.triple.time, extractor=f"quantity-bracket/{last.how}")
                return _Made(triple, last.subject, last.how)
            if named is not None and named.type in predicate.implied_after and q.start - named.end <= 2:
                triple = self._triple(document, view, named, predicate, quantity, q.start, q.end, None,
                                      "implied", self.period_for(view, q.start))
                return _Made(triple, named, "implied")
        return None

    def _distributive_groups(self, view: SentenceView, quantities: list[QuantityMatch]) -> list[list[QuantityMatch]]:
        """Runs of two or more quantities joined only by list separators (680万、270万台)."""
        groups, current = [], []
        for q in quantities:
            if current and view.between(current[-1].end, q.start).strip() in ENUM_SEPARATORS:
                current.append(q)
            else:
                if len(current) > 1:
                    groups.append(current)
                current = [q]
        if len(current) > 1:
            groups.append(current)
        return groups

    def _distributive(self, document: Document, view: SentenceView, group: list[QuantityMatch]) -> list[Triple]:
        """空调、冰箱年出货量达680万、270万台 → (空调, 680万台), (冰箱, 270万台)."""
        last = group[-1].quantity
        group = [g if g.quantity.unit or not last.unit else QuantityMatch(
            g.start, g.end, replace(g.quantity, unit=last.unit, dimension=last.dimension)) for g in group]
        trigger, predicate = self._governing_trigger(view, group[-1])
        if predicate is None:
            return []
        subjects = self._listed_subjects(view, trigger, predicate, len(group))
        if len(subjects) != len(group) and len(view.listed) == len(group):
            subjects = view.listed  # …收入分别为A、B和C，同比分别增长x、y和z: the same list again
        view.listed = subjects if len(subjects) == len(group) else view.listed
        if len(subjects) != len(group):
            subject, how = self.subject_for(view, trigger.start, predicate.domain)
            if subject is None:
                return []
            made = [self._quantity_fact(document, view, q, trigger, predicate, subject, how) for q in group]
        else:
            made = [self._quantity_fact(document, view, q, trigger, predicate, subject, "clause-subject")
                    for subject, q in zip(subjects, group)]
        return [m.triple for m in made if m is not None]

    def _listed_subjects(self, view: SentenceView, trigger: TriggerHit, predicate: Predicate, count: int) -> list[Candidate]:
        """The list before the trigger: recognised mentions, or plain nouns split at 、/和."""
        clause_start, _ = view.clause_of(trigger.start)
        mentions = [m for m in view.mentions if clause_start <= m.start and m.end <= trigger.start]
        if mentions:
            listed = self.enumeration_before(view, mentions[-1], predicate.domain)
            if len(listed) == count:
                return listed
        segment = view.between(clause_start, trigger.start)
        offset = trigger.start - len(segment)
        out, joiners = [], ()
        # 金融科技及企业服务 is one item of an 、 list: split on as little as gives the count
        for pattern, joiners in ((r"[^、]+", ("和", "与", "及")), (r"[^、和]+", ("与", "及")), (r"[^、和与及/]+", ())):
            out = [Candidate(offset + w.start(), offset + w.end(), "Product", "listed", 0.7)
                   for w in re.finditer(pattern, segment)][-count:]
            if len(out) == count and len(re.findall(pattern, segment)) >= count:
                break
        if len(out) != count:
            return []
        trimmed = []
        for c in out:
            run = self._item_span(view, c.start, c.end, joiners)
            if run is None:
                return []
            trimmed.append(Candidate(run[0], run[1], c.type, c.source, c.score))
        return trimmed

    def _item_span(self, view: SentenceView, start: int, end: int,
                   joiners: tuple[str, ...]) -> tuple[int, int] | None:
        """One list item without what surrounds its name: the last run of words that are no
        function word or time (海信今年洗衣机 → 洗衣机, 冰箱年 → 冰箱, 第四季度增值服务 → 增值服务)."""
        mention_starts = {m.start for m in view.mentions}
        runs: list[list[int]] = [[]]
        for word, s, e in view.tokens:
            s, e = max(s, start), min(e, end)
            if s >= e:
                continue
            boundary = word not in joiners and (
                word in self.ontology.function_words or not word.strip()
                or any(t.start <= s < t.end for t in view.times))
            if boundary or s in mention_starts:
                runs.append([])
            if not boundary:
                runs[-1] += [s, e]
        run = next((r for r in reversed(runs) if r), None)
        if run is None or not 2 <= run[-1] - run[0] <= 10:
            return None
        return run[0], run[-1]

    # -- entity facts --------------------------------------------------------------------------

    def entity_facts(self, document: Document, view: SentenceView) -> list[Triple]:
        out = []
        for trigger in view.triggers:
            for predicate in trigger.of_kind("relation"):
                out.extend(self._relation(document, view, trigger, predicate))
        return out

    def _relation(self, document: Document, view: SentenceView, trigger: TriggerHit,
                  predicate: Predicate) -> list[Triple]:
        if trigger.word in self.ontology.title_words:
            return self._titled(document, view, trigger, predicate)
        clause_start, clause_end = view.clause_of(trigger.start)
        next_trigger = next((t.start for t in view.triggers if t.start >= trigger.end and t.of_kind("relation")), clause_end)
        after = [m for m in view.mentions if trigger.end <= m.start and m.end <= min(clause_end, next_trigger)]
        before = [m for m in view.mentions if clause_start <= m.start and m.end <= trigger.start]
        if trigger.word in predicate.object_first_triggers:
            return self._object_first(document, view, trigger, predicate, before, after)
        passive = self._passive_agent(view, trigger, predicate, before)
        if passive is not None:
            return passive_facts if (passive_facts := self._passive(document, view, trigger, predicate, passive)) else []
        marked = self._marker_before(view, trigger, predicate, before)
        if marked is not None:
            return self._marked(document, view, trigger, predicate, marked)
        objects = self._objects(view, predicate, after)
        how_object = ""
        if not objects:
            implicit = self._implicit_object(view, trigger, predicate)
            if implicit is None:
                return []
            objects, how_object = [implicit], "implicit-object"
        subject, how = self.subject_for(view, trigger.start, predicate.domain)
        modified = self._modified_after(view, objects[-1], predicate) if how != "clause-subject" else None
        if modified is not None:
            subject, how = modified, "clause-subject"  # 位于泰国罗勇府的比亚迪工厂: the 的 phrase's head
        if subject is None or (how == "topic" and not predicate.context_subject):
            return []  # 位于, 展出: a subject the topic may not fill
        if how == "topic" and how_object and not self._zero_subject_clause(view, trigger):
            return []  # a guessed subject with a guessed object, outside a subject-less clause
        subjects = self.enumeration_before(view, subject, predicate.domain) if how == "clause-subject" else [subject]
        return [self._entity_triple(document, view, s, predicate, o, trigger, how, how_object)
                for s in subjects for o in objects]

    def _entity_triple(self, document, view, subject, predicate, obj: Candidate, trigger, how, how_object="") -> Triple:
        triple = self._triple(document, view, subject, predicate, self.entity(view, obj, document), obj.start,
                              obj.end, trigger, how, self.time_for(view, trigger.start))
        if how_object:
            triple = replace(triple, confidence=round(triple.confidence * CONFIDENCE[how_object], 4),
                             extractor=f"{triple.extractor}+{how_object}")
        return triple

    def _modified_after(self, view: SentenceView, last_object: Candidate, predicate: Predicate) -> Candidate | None:
        """X的Y after the objects: the relation clause modifies Y, which is its subject."""
        if view.between(last_object.end, last_object.end + 1) != "的":
            return None
        return next((m for m in view.mentions if m.start == last_object.end + 1
                     and self.fits(m.type, predicate.domain)), None)

    def _zero_subject_clause(self, view: SentenceView, trigger: TriggerHit) -> bool:
        """布局澎湃OS、龙晶玻璃 / …,投资华米、紫米: the clause opens with its verb (after at most a
        time or function words), so its subject is the topic by construction."""
        clause_start, _ = view.clause_of(trigger.start)
        return all(w in self.ontology.function_words or any(t.start <= s < t.end for t in view.times)
                   for w, s, e in view.tokens if clause_start <= s and e <= trigger.start and w.strip(" •·-*"))

    def _objects(self, view: SentenceView, predicate: Predicate, after: list[Candidate]) -> list[Candidate]:
        """The first fitting mention after the trigger and the ones listed with it."""
        fitting = [m for m in after if self.fits(m.type, predicate.range)]
        if not fitting:
            return []
        objects = [fitting[0]]
        for m in fitting[1:]:
            if view.between(objects[-1].end, m.start).strip() in ENUM_SEPARATORS + ("等", ""):
                objects.append(m)
            else:
                break
        return objects

    def _implicit_object(self, view: SentenceView, trigger: TriggerHit, predicate: Predicate) -> Candidate | None:
        """搭载磁吸式可拆卸镜头: the noun phrase after the trigger, for product/technology ranges."""
        kinds = [c for c in ("Product", "Technology", "Location") if c in predicate.range]
        if not kinds:
            return None
        _, clause_end = view.clause_of(trigger.start)
        words = [t for t in view.tokens if t[1] >= trigger.end and t[2] <= clause_end]
        while words and words[0][0] in ("了", "的", "出", "全新", "新", "自研", "自主"):
            words = words[1:]
        if not words or words[0][1] > trigger.end + 2:
            return None
        start = end = words[0][1]
        for word, s, e in words:
            if s != end or not self.rules.is_name_word(word) or any(q.start < e and s < q.end for q in view.quantities):
                break
            end = e
        if not 2 <= end - start <= MAX_IMPLICIT_OBJECT:
            return None
        name = view.between(start, end)
        following = view.between(end, end + 1)
        place_modifier = kinds[0] == "Location" and following == "的"  # 位于泰国罗勇府的工厂
        if following and following not in IMPLICIT_OBJECT_ENDS and not place_modifier:
            return None  # 研发人员超过1万人: the phrase runs on into a verb, it is no name
        if name in self.ontology.stop_names or is_common_word(name) or not re.search(r"[\u4e00-\u9fffA-Za-z]", name):
            return None
        suffix_class = next((c for s, c in self.rules.suffixes if name.endswith(s) and c in predicate.range), None)
        return Candidate(start, end, suffix_class or kinds[0], "implicit", 0.7)

    def _passive_agent(self, view: SentenceView, trigger: TriggerHit, predicate: Predicate,
                       before: list[Candidate]) -> Candidate | None:
        """由X…创立 / 被X收购: the mention right after 由/被, earlier in the clause, is the agent."""
        for m in before:
            if view.between(m.start - 1, m.start) in PASSIVE_MARKERS and self.fits(m.type, predicate.domain):
                return m
        return None

    def _passive(self, document, view, trigger, predicate, agent: Candidate) -> list[Triple]:
        """The agent is the subject; the object is what stands before 由/被 (else the topic)."""
        head = agent.start - 1
        objects = [m for m in view.mentions if m.end <= head and self.fits(m.type, predicate.range)][-1:]
        how = "clause-subject"
        if not objects and view.topic is not None and self.fits(view.topic.type, predicate.range):
            objects, how = [view.topic], "topic"
        return [replace(self._entity_triple(document, view, agent, predicate, o, trigger, "clause-subject"),
                        inferred=how == "topic") for o in objects]

    def _marker_before(self, view: SentenceView, trigger: TriggerHit, predicate: Predicate,
                       before: list[Candidate]) -> tuple[str, list[Candidate]] | None:
        """与X合作 / 在X展出 / 为X供应 / 对X的收购: the predicate's object marker and the mentions it
        governs. In 长安汽车与华为、宁德时代合作 the marker sits inside the list: what follows it are
        the objects, what precedes it the subject."""
        if not before or not predicate.object_markers:
            return None
        last = before[-1]
        gap = view.between(last.end, trigger.start)
        if len(gap) > MARKER_GAP or CLAUSE_BREAKS.intersection(gap):
            return None
        group = self.enumeration_before(view, last, ("Entity",))
        for i in range(1, len(group)):
            between = view.between(group[i - 1].end, group[i].start).strip()
            if between in predicate.object_markers:
                return between, group[i:]
        prefix = view.between(max(view.clause_of(trigger.start)[0], group[0].start - 2), group[0].start)
        marker = next((m for m in predicate.object_markers if prefix.endswith(m)), None)
        return (marker, group) if marker else None

    def _marked(self, document, view, trigger, predicate, marked: tuple[str, list[Candidate]]) -> list[Triple]:
        """The marked mentions are objects; the subject comes before the marker."""
        marker, group = marked
        head = group[0].start - len(marker)
        objects = [m for m in group if self.fits(m.type, predicate.range)]
        subject, how = self.subject_for(view, head, predicate.domain)
        return [self._entity_triple(document, view, subject, predicate, o, trigger, how)
                for o in objects if subject is not None]

    def _object_first(self, document, view, trigger, predicate, before, after) -> list[Triple]:
        """X旗下的Y: Y is the subject, X the object."""
        owners = [m for m in before if self.fits(m.type, predicate.range)][-1:]
        if not owners and view.topic is not None and self._pronoun_between(view, view.clause_of(trigger.start)[0], trigger.start):
            owners = [view.topic]  # 本行旗下…
        members = [m for m in after if self.fits(m.type, predicate.domain)]
        if not owners or not members:
            return []
        listed = [members[0]] + [m for prev, m in zip(members, members[1:])
                                 if view.between(prev.end, m.start).strip() in ENUM_SEPARATORS]
        return [self._entity_triple(document, view, m, predicate, owners[0], trigger, "clause-subject")
                for m in listed]

    def _titled(self, document, view, trigger, predicate) -> list[Triple]:
        """董事长王传福 / 王传福董事长: the person next to the title works for (or founded) the
        organisation named before the title, else the topic."""
        people = [m for m in view.mentions if m.type == "Person" and (
            0 <= m.start - trigger.end <= 4 or 0 <= trigger.start - m.end <= 1)
            and not CLAUSE_BREAKS.intersection(view.between(min(m.end, trigger.end), max(m.start, trigger.start)))]
        if not people:
            return []
        person = people[0]
        anchor = min(trigger.start, person.start)
        organisation, how = self.subject_for(view, anchor, predicate.range, floor=view.sentence.start)
        if organisation is None or organisation.type == "Person":
            return []
        return [self._entity_triple(document, view, person, predicate, organisation, trigger,
                                    "clause-subject" if how != "topic" else "topic")]
