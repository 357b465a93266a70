"""Measured facts: a figure, the trigger that names what it measures, whose it is and when.

A figure belongs to the nearest trigger before it in its clause whose predicate accepts its
dimension (or to the noun right after it: 4.2亿MIUI用户). Structures: distributive lists
(空调、冰箱年出货量达680万、270万台), 分别为 lists, bracketed figures (385亿元(+8.5%)), changes
(从103.8亿元收窄至57.9亿元: the new value, the old one kept as `previous`) and decreases
(同比下降28% → -28 %).
"""

from __future__ import annotations

import re
from dataclasses import replace

from ..model import Document, Quantity, TimeQualifier, Triple
from ..ontology import Predicate
from ..quantities import QuantityMatch
from ..times import periods_of
from ..model import Mention
from .grounding import Grounding, Made
from .sentence import SentenceView
from .triggers import TriggerHit

TRIGGER_AFTER_FIGURE = 12  # 4.2亿MIUI用户, 2.1亿智能设备: the figure modifies the noun that names it


class QuantityFacts(Grounding):
    """The measured half of the engine: one figure, its trigger, its subject and its period."""

    def __init__(self, ontology):
        super().__init__(ontology)
        self.change_from = ontology.grammar.words("change_from")  # 从/由 A 降至/提升至 B
        self.forecast_markers = ontology.grammar.words("forecast_marker")  # 预计…, 目标…: no fact yet
        self.change_to = re.compile("|".join(map(re.escape, ontology.grammar.words("change_to"))) or "(?!)")
        # 金融科技及企业服务 is one item of an 、 list: split on as few separators as give the count
        single = [s for s in self.separators if len(s) == 1]
        self.list_splits = [(rf"[^{re.escape(''.join(single[:k]))}]+", tuple(w for w in single[k:] if w.isalpha()))
                            for k in (1, 2, len(single))]

    def quantity_facts(self, document: Document, view: SentenceView) -> list[Triple]:
        quantities = self._apply_changes(view)
        out: list[Triple] = []
        done: set[int] = set()
        for group in self._distributive_groups(view, quantities):
            out.extend(self._distributive(document, view, group))
            done.update(q.start for q in group)
        last: Made | None = None
        for q in quantities:
            if q.start in done or self._not_a_fact_of_the_period(view, q):
                continue
            trigger, predicate = self._governing_trigger(view, q)
            if trigger is not None and trigger.names_no_metric:
                continue  # 每股收益1.2元, 股价上涨5%: a figure of what no predicate extracts
            if predicate is None and last is not None and last.trigger is not None and self._only_a_time_before(view, q):
                # 营业收入100亿元，上年同期为90亿元: the same metric of the same holder, another period
                same = self.ontology.predicates[last.triple.predicate.id]
                made = self._quantity_fact(document, view, q, last.trigger, same, last.subject, last.how) \
                    if q.quantity.dimension in same.dimensions else None
            elif predicate is None:
                made = self._implicit_quantity_fact(document, view, q, last)
            elif predicate.change:
                made = self._change_fact(document, view, q, trigger, predicate, last)
            else:
                made = self._quantity_fact(document, view, q, trigger, predicate)
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
            marker = max((head.rfind(m) for m in self.change_from), default=-1)
            if nxt is not None and marker >= 0 and nxt.end <= clause_end \
                    and self.change_to.search(view.between(q.end, nxt.start)) \
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
            if trigger.names_no_metric:
                return trigger, None
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
            self.words.is_name_word(w) or any(m.start <= s < m.end for m in view.mentions) for w, s in words)

    @staticmethod
    def _fitting_quantity_predicate(trigger: TriggerHit, quantity: Quantity) -> Predicate | None:
        for predicate in trigger.of_kind("quantity"):
            if quantity.dimension in predicate.dimensions:
                return predicate
        return None

    def _quantity_fact(self, document: Document, view: SentenceView, q: QuantityMatch,
                       trigger: TriggerHit, predicate: Predicate, subject: Mention | None = None,
                       how: str = "", period: TimeQualifier | None = None) -> Made | None:
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
        return Made(self._triple(document, view, subject, predicate, quantity, q.start, q.end, trigger, how,
                                  period or self.period_for(view, q.start)), subject, how, trigger)

    def _not_a_fact_of_the_period(self, view: SentenceView, q: QuantityMatch) -> bool:
        """预计2025年营收…, 目标定为40万辆: a plan or forecast; 较2023年的6.18%: the base of a comparison."""
        clause_start, _ = view.clause_of(q.start)
        head = view.between(clause_start, q.start)
        if any(marker in head for marker in self.forecast_markers):
            return True
        times = [t for t in view.times if clause_start <= t.start and t.end <= q.start]
        lead = head[:times[-1].start - clause_start] if times and times[-1].end >= q.start - 2 else head
        return lead.rstrip("".join(self.modifier_particles)).endswith(self.comparisons.leads)

    def _only_a_time_before(self, view: SentenceView, q: QuantityMatch) -> bool:
        """The figure's clause says nothing before it but a time and function words (上年同期为…)."""
        clause_start, _ = view.clause_of(q.start)
        times = [t for t in view.times if clause_start <= t.start and t.end <= q.start]
        if not times:
            return False
        rest = [w for w, s, e in view.tokens if clause_start <= s and e <= q.start and w.strip()
                and not any(t.start <= s < t.end for t in times)]
        return all(w in self.ontology.function_words or w in self.ontology.grammar.words("copula") for w in rest)

    def _change_fact(self, document: Document, view: SentenceView, q: QuantityMatch, trigger: TriggerHit,
                     predicate: Predicate, last: Made | None) -> Made | None:
        """A growth figure changes the metric named before it in the sentence (营收…，同比增长8%),
        a change in per cent never a ratio (出货820万台，份额13.5%，同比下降3.9%: shipments fell;
        a share or margin changes in points):
        it is that metric's change (qualifier `of`), held by the holder of that metric's figure
        when its own clause names none; the change of what no predicate measures (股价上涨) is none."""
        relative = q.quantity.dimension == "percentage"
        metric = next((h for h in reversed(view.triggers) if h.end <= trigger.start
                       and (h.names_no_metric or any(not p.change for p in h.of_kind("quantity")))
                       and not (relative and self._measures_a_ratio(h))), None)
        if metric is None or metric.names_no_metric:
            return None  # 股价上涨, 盘前跌超9%: the change of nothing the sentence measures
        measured = next((p.id for p in metric.of_kind("quantity") if not p.change), "") if metric else ""
        subject, how = None, ""
        clause_start, _ = view.clause_of(trigger.start)
        in_clause = any(clause_start <= m.start and m.end <= trigger.start and self.fits(m.type, predicate.domain)
                        for m in view.mentions)
        if not in_clause and last is not None and last.triple.predicate.id == measured \
                and self.fits(last.subject.type, predicate.domain):
            subject, how = last.subject, last.how  # 其中汽车业务收入312亿元，同比增长18%
        made = self._quantity_fact(document, view, q, trigger, predicate, subject, how)
        if made is None or not measured:
            return made
        return made._replace(triple=replace(made.triple, qualifiers=(("of", measured),)))

    @staticmethod
    def _measures_a_ratio(trigger: TriggerHit) -> bool:
        measured = [p for p in trigger.of_kind("quantity") if not p.change]
        return bool(measured) and all(p.dimensions == ("percentage",) for p in measured)

    def _implicit_quantity_fact(self, document: Document, view: SentenceView, q: QuantityMatch,
                                last: Made | None) -> Made | None:
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
                return Made(triple, last.subject, last.how)
            if named is not None and named.type in predicate.implied_after and q.start - named.end <= 2:
                triple = self._triple(document, view, named, predicate, quantity, q.start, q.end, None,
                                      "implied", self.period_for(view, q.start))
                return Made(triple, named, "implied")
        return None

    def _distributive_groups(self, view: SentenceView, quantities: list[QuantityMatch]) -> list[list[QuantityMatch]]:
        """Runs of two or more quantities joined only by list separators (680万、270万台)."""
        groups, current = [], []
        for q in quantities:
            if current and view.between(current[-1].end, q.start).strip() in self.separators:
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
            periods = self._distributed_periods(view, group)
            made = [self._quantity_fact(document, view, q, trigger, predicate, subject, how, period)
                    for q, period in zip(group, periods)]
        else:
            made = [self._quantity_fact(document, view, q, trigger, predicate, subject, "clause-subject")
                    for subject, q in zip(subjects, group)]
        return [m.triple for m in made if m is not None]

    def _distributed_periods(self, view: SentenceView, group: list[QuantityMatch]) -> list[TimeQualifier | None]:
        """2022年至2024年…分别为A、B和C, 2023年、2024年营收分别为A、B: one period per figure, in
        order, when the sentence names as many periods as the list has figures; else none (each
        figure takes its own period as usual)."""
        before = [t for t in view.times if t.end <= group[0].start and view.sentence.start <= t.start]
        listed = before[-len(group):]
        if len(listed) == len(group) and all(
                view.between(a.end, b.start).strip() in self.separators for a, b in zip(listed, listed[1:])):
            return [t.time for t in listed]
        period = self.period_for(view, group[0].start)
        spread = periods_of(period.normalised) if period is not None else []
        if len(spread) == len(group) > 1:
            return [TimeQualifier(period.raw, p) for p in spread]
        return [None] * len(group)

    def _listed_subjects(self, view: SentenceView, trigger: TriggerHit, predicate: Predicate, count: int) -> list[Mention]:
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
        for pattern, joiners in self.list_splits:
            out = [view.doc.mention(offset + w.start(), offset + w.end(), "Product", "listed", 0.7)
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
            trimmed.append(view.doc.mention(run[0], run[1], c.type, c.source, c.score))
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
