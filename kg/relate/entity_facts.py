"""Relations between entities: a subject before the trigger, the objects after it.

Also: enumerations (A、B和C均采用X), passives (由/被X…), object markers from the ontology
(与X合作, 为X供应, 在X展出, 对X的收购), object-first triggers (X旗下的Y, X搭载于Y), relative
clauses (位于X的Y), titles (董事长王传福) and objects the recogniser missed (搭载磁吸式镜头).
"""

from __future__ import annotations

import re
from dataclasses import replace

from ..model import Document, Triple
from ..ontology import Predicate
from ..model import Mention
from ..words import ends_in_verb, is_common_word
from .grounding import CONFIDENCE, FROM_CONTEXT, Grounding
from .sentence import CLAUSE_BREAKS, SentenceView
from .triggers import TriggerHit

MARKER_GAP = 10  # 与长安汽车、吉利等车企达成换电合作: what may stand between the marked list and the trigger
MAX_IMPLICIT_OBJECT = 12
SENTENCE_PUNCTUATION = frozenset(",;:，；：。！？!?、)）”")




class EntityFacts(Grounding):
    """The relation half of the engine: one trigger, its subject and its objects."""

    def __init__(self, ontology):
        super().__init__(ontology)
        self.passive_markers = ontology.grammar.words("passive_marker")  # 由X创立, 被X收购: X is the agent
        self.object_lead = ontology.grammar.words("object_lead")  # 推出了全新X: X is the object
        self.appositive_nouns = ontology.grammar.words("appositive_noun")  # X对手Y: Y is meant
        self.copulas = ontology.grammar.words("copula")  # X为Y旗下子公司
        self.modifier_chars = "".join(self.modifier_particles)
        # where an unrecognised object ends: punctuation, a list separator or a list's end
        self.implicit_object_ends = SENTENCE_PUNCTUATION | set(self.separators) | set(self.list_ends)

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
        copular = self._copular(document, view, trigger, predicate, before) if predicate.object_first_triggers else []
        if copular:
            return copular
        if trigger.word in predicate.object_first_triggers:
            return self._object_first(document, view, trigger, predicate, before, after)
        passive = self._passive_agent(view, trigger, predicate, before)
        if passive is not None:
            return self._passive(document, view, trigger, predicate, passive)
        if self._unnamed_agent(view, trigger, before):
            return []  # 由企业法人持股的银行: the agent is no name we know, the sentence's subject is not it
        marked = self._marker_before(view, trigger, predicate, before)
        if marked is not None:
            return self._marked(document, view, trigger, predicate, marked)
        objects = self._objects(view, predicate, after)
        how_object = ""
        if not objects:
            fronted = self._fronted_object(view, trigger, predicate, before)
            if fronted is not None:  # 旗舰车型X于3月上市: X is what was launched, the subject is elsewhere
                subject, how = self.subject_for(view, fronted.start, predicate.domain)
                return [self._entity_triple(document, view, subject, predicate, fronted, trigger, how)] \
                    if subject is not None and subject.norm != fronted.norm else []
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
                for s in subjects for o in objects if not self.same_list(view, s, o)]

    def _entity_triple(self, document, view, subject, predicate, obj: Mention, trigger, how, how_object="") -> Triple:
        triple = self._triple(document, view, subject, predicate, self.entity(view, obj, document), obj.start,
                              obj.end, trigger, how, self.time_for(view, trigger.start))
        if how_object:
            triple = replace(triple, confidence=round(triple.confidence * CONFIDENCE[how_object], 4),
                             extractor=f"{triple.extractor}+{how_object}")
        return triple

    def _fronted_object(self, view: SentenceView, trigger: TriggerHit, predicate: Predicate,
                        before: list[Mention]) -> Mention | None:
        """A name of the range only (a product, not a company) right before an intransitive trigger
        (X于2024年3月上市, X正式亮相) is its object: nothing after the trigger, no subject class fits it."""
        if not before or any(self.fits(cls, predicate.domain) for cls in (before[-1].type,)):
            return None
        last = before[-1]
        gap = view.between(last.end, trigger.start)
        following = view.between(trigger.end, trigger.end + 2).lstrip("".join(self.object_lead[:1]))
        ends_clause = not following or (following[0] in SENTENCE_PUNCTUATION and following[0] not in ":：") \
            or trigger.end >= view.sentence.end - 1  # a heading (X自研：…) is no sentence
        if not ends_clause or not self.fits(last.type, predicate.range) or len(gap) > 12 or CLAUSE_BREAKS.intersection(gap):
            return None  # 在X研发中, X发布会: the trigger is a noun here
        return last

    def _modified_after(self, view: SentenceView, last_object: Mention, predicate: Predicate) -> Mention | None:
        """X的Y after the objects: the relation clause modifies Y, which is its subject."""
        if view.between(last_object.end, last_object.end + 1) not in self.modifier_particles:
            return None
        return next((m for m in view.mentions if m.start == last_object.end + 1
                     and self.fits(m.type, predicate.domain)), None)

    def _zero_subject_clause(self, view: SentenceView, trigger: TriggerHit) -> bool:
        """布局澎湃OS、龙晶玻璃 / …,投资华米、紫米: the clause opens with its verb (after at most a
        time or function words), so its subject is the topic by construction."""
        clause_start, _ = view.clause_of(trigger.start)
        return all(w in self.ontology.function_words or any(t.start <= s < t.end for t in view.times)
                   for w, s, e in view.tokens if clause_start <= s and e <= trigger.start and w.strip(" •·-*"))

    def _objects(self, view: SentenceView, predicate: Predicate, after: list[Mention]) -> list[Mention]:
        """The first fitting mention after the trigger and the ones listed with it."""
        fitting = [m for m in after if self.fits(m.type, predicate.range)]
        if not fitting:
            return []
        objects = [fitting[0]]
        _, clause_end = view.clause_of(objects[0].start)
        for m in view.mentions:  # 收购X对手Y, X旗下的Y: the name after the noun is the object
            if objects[-1].end <= m.start and m.end <= clause_end and self.fits(m.type, predicate.range) and \
                    view.between(objects[-1].end, m.start).strip().rstrip(self.modifier_chars) in self.appositive_nouns:
                objects[-1] = m
        for m in fitting[1:]:
            if m.start < objects[-1].end:
                continue
            if view.between(objects[-1].end, m.start).strip() in (*self.separators, *self.list_ends, ""):
                objects.append(m)
            else:
                break
        return objects

    def _implicit_object(self, view: SentenceView, trigger: TriggerHit, predicate: Predicate) -> Mention | None:
        """搭载磁吸式可拆卸镜头: the noun phrase after the trigger, where the ontology allows an object
        the recogniser did not name (zhkg:implicitObject) and the range is a product, technology or place."""
        kinds = [c for c in ("Product", "Technology", "Location") if c in predicate.range]
        if not kinds or not predicate.implicit_object:
            return None
        _, clause_end = view.clause_of(trigger.start)
        words = [t for t in view.tokens if t[1] >= trigger.end and t[2] <= clause_end]
        while words and words[0][0] in self.object_lead:
            words = words[1:]
        if not words or words[0][1] > trigger.end + 2:
            return None
        start = end = words[0][1]
        for word, s, e in words:
            if s != end or not self.words.is_name_word(word) or any(q.start < e and s < q.end for q in view.quantities):
                break
            end = e
        if not 2 <= end - start <= MAX_IMPLICIT_OBJECT:
            return None
        name = view.between(start, end)
        following = view.between(end, end + 1)
        place_modifier = kinds[0] == "Location" and following in self.modifier_particles  # 位于X省的工厂
        if following and following not in self.implicit_object_ends and not place_modifier:
            return None  # 研发人员超过1万人: the phrase runs on into a verb, it is no name
        if name in self.ontology.stop_names or is_common_word(name) or not re.search(r"[\u4e00-\u9fffA-Za-z]", name) \
                or ends_in_verb(name):  # 展出大批量生产: a phrase that ends in a verb is no name
            return None
        suffix_class = next((c for s, c in self.ontology.name_suffixes if name.endswith(s) and c in predicate.range), None)
        return view.doc.mention(start, end, suffix_class or kinds[0], "implicit", 0.7)

    def _passive_agent(self, view: SentenceView, trigger: TriggerHit, predicate: Predicate,
                       before: list[Mention]) -> Mention | None:
        """由X…创立 / 被X收购: the mention right after 由/被, earlier in the clause, is the agent."""
        for m in before:
            if view.between(m.start - 1, m.start) in self.passive_markers and self.fits(m.type, predicate.domain):
                return m
        return None

    def _unnamed_agent(self, view: SentenceView, trigger: TriggerHit, before: list[Mention]) -> bool:
        """A passive marker stands between the last name and the trigger, within a few characters."""
        clause_start, _ = view.clause_of(trigger.start)
        start = max([clause_start, trigger.start - 8] + [m.end for m in before])
        return any(marker in view.between(start, trigger.start) for marker in self.passive_markers)

    def _passive(self, document, view, trigger, predicate, agent: Mention) -> list[Triple]:
        """The agents are the subjects; the object is what stands before 由/被/获 (else the topic)."""
        head = agent.start - 1
        objects = [m for m in view.mentions if m.end <= head and self.fits(m.type, predicate.range)][-1:]
        how = "clause-subject"
        if not objects and view.topic is not None and self.fits(view.topic.type, predicate.range):
            objects, how = [view.topic], "topic"
        agents = [agent]  # 获OPPO、vivo采用: every listed agent
        for m in view.mentions:
            if m.start > agents[-1].end and m.end <= trigger.start and self.fits(m.type, predicate.domain) \
                    and view.between(agents[-1].end, m.start).strip() in self.separators:
                agents.append(m)
        return [replace(self._entity_triple(document, view, a, predicate, o, trigger, "clause-subject"),
                        inferred=how == "topic") for a in agents for o in objects]

    def _marker_before(self, view: SentenceView, trigger: TriggerHit, predicate: Predicate,
                       before: list[Mention]) -> tuple[str, list[Mention]] | None:
        """与X合作 / 在X展出 / 为X供应 / 对X的收购: the predicate's object marker and the mentions it
        governs. In 长安汽车与华为、宁德时代合作 the marker sits inside the list: what follows it are
        the objects, what precedes it the subject."""
        if not predicate.object_markers:
            return None
        skipped = 0
        while before and self._locative(view, before[-1], predicate):  # 与蔚来在宁德签署…合作协议
            skipped += before[-1].end - before[-1].start + 1
            before = before[:-1]
        if not before:
            return None
        last = before[-1]
        gap = view.between(last.end, trigger.start)
        if len(gap) - skipped > MARKER_GAP or CLAUSE_BREAKS.intersection(gap):
            return None
        group = self.enumeration_before(view, last, ("Entity",))
        for i in range(1, len(group)):
            between = view.between(group[i - 1].end, group[i].start).strip()
            if between in predicate.object_markers:
                return between, group[i:]
        prefix = view.between(max(view.clause_of(trigger.start)[0], group[0].start - 2), group[0].start)
        marker = next((m for m in predicate.object_markers if prefix.endswith(m)), None)
        return (marker, group) if marker else None

    def _locative(self, view: SentenceView, mention: Mention, predicate: Predicate) -> bool:
        """在X / 于X: where something happened, unless the predicate's own object is marked so (在X展出)."""
        marker = view.between(mention.start - 1, mention.start)
        return marker in self.locative_markers and marker not in predicate.object_markers

    def _marked(self, document, view, trigger, predicate, marked: tuple[str, list[Mention]]) -> list[Triple]:
        """The marked mentions are objects; the subject comes before the marker."""
        marker, group = marked
        head = group[0].start - len(marker)
        objects = [m for m in group if self.fits(m.type, predicate.range)]
        subject, how = self.subject_for(view, head, predicate.domain)
        return [self._entity_triple(document, view, subject, predicate, o, trigger, how)
                for o in objects if subject is not None]

    def _copular(self, document, view, trigger, predicate, before) -> list[Triple]:
        """X和Y均为Z旗下子公司, X是Z的子公司: the listed subjects belong to Z, named right before the trigger."""
        owners = [m for m in before if self.fits(m.type, predicate.range)]
        if not owners:
            return []
        owner = owners[-1]
        gap = view.between(owner.end, trigger.start)
        if len(gap.strip(self.modifier_chars)) > 2 or any(t.of_kind("relation") for t in view.triggers
                                                          if owner.end <= t.start < trigger.start):
            return []
        earlier = [m for m in before if m.end <= owner.start]
        if not earlier:
            return []
        link = view.between(earlier[-1].end, owner.start).strip()
        if link not in self.copulas:
            return []
        subjects = self.enumeration_before(view, earlier[-1], predicate.domain)
        return [self._entity_triple(document, view, s, predicate, owner, trigger, "clause-subject")
                for s in subjects if self.fits(s.type, predicate.domain) and s.norm != owner.norm]

    def _object_first(self, document, view, trigger, predicate, before, after) -> list[Triple]:
        """X旗下的Y: Y is the subject, X the object."""
        owners = [m for m in before if self.fits(m.type, predicate.range)][-1:]
        if not owners and view.topic is not None and self._pronoun_between(view, view.clause_of(trigger.start)[0], trigger.start):
            owners = [view.topic]  # 本行旗下…
        members = [m for m in after if self.fits(m.type, predicate.domain)]
        if not owners or not members:
            return []
        listed = [members[0]] + [m for prev, m in zip(members, members[1:])
                                 if view.between(prev.end, m.start).strip() in self.separators]
        return [self._entity_triple(document, view, m, predicate, owners[0], trigger, "clause-subject")
                for m in listed if m is not owners[0] and not self.same_list(view, m, owners[0])]

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
        triple = self._entity_triple(document, view, person, predicate, organisation, trigger,
                                     how if how in FROM_CONTEXT else "clause-subject")
        return [replace(triple, qualifiers=(("role", trigger.word),))]  # 首席财务官林斌: the role stays with the fact
