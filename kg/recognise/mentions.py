"""From overlapping candidates to the document's mentions.

Three steps, each a plain function:
  select     — one candidate per stretch of text: user dictionary first, then the longest;
  propagate  — a name found once is found everywhere in the document, and a company's short
               form (蔚来汽车 → 蔚来) is found after its long form;
  filter     — words that are never entities on their own (公司, 人民币) are dropped.
"""

from __future__ import annotations

import re
from bisect import bisect_left, bisect_right
from typing import Iterable, Sequence

from ..ontology import Ontology
from ..text import Coverage
from ..model import Token
from ..words import COMMON, HAN, NON_NAME_TAGS, NameWords, is_common_word, word_info
from .rules import Candidate

_HAN_WORD = re.compile(r"[\u4e00-\u9fff]+$")
_NAME_CHARS = re.compile(r"[\u4e00-\u9fffA-Za-z]")
_LATIN = re.compile(r"[A-Za-z0-9]")
_INNER_PUNCTUATION = re.compile(r"[【】\[\]「」『』《》“”\"',，。：:；;！!？?、|/\\]")
LONG_SPAN = 8  # a name this long that opens with a common verb is a clause (合资建设智能电动车新工厂)


def _verb_led(surface: str) -> bool:
    """A long span whose first word is a frequent verb (合资建设…, 推动…) describes, it does not name."""
    if len(surface) < LONG_SPAN:
        return False
    tag, freq = word_info(surface[:2])
    return tag == "v" and freq >= COMMON
CONFIDENT_MODEL_SCORE = 0.9


def select(candidates: Iterable[Candidate]) -> list[Candidate]:
    """Non-overlapping candidates: higher tier first, then longer, then surer.

    A confident statistical span that strictly contains a dictionary hit is the better reading
    (巴黎蓬皮杜艺术中心 over 巴黎), so it competes at the dictionary's tier.
    """
    candidates = list(candidates)
    dictionary = sorted((c.start, c.end) for c in candidates if c.tier == 2)
    starts = [s for s, _ in dictionary]
    promoted = []
    for c in candidates:
        if c.tier == 1 and c.score >= CONFIDENT_MODEL_SCORE and any(
                e <= c.end and (e - s) < (c.end - c.start)
                for s, e in dictionary[bisect_left(starts, c.start):bisect_left(starts, c.end)]):
            c = Candidate(c.start, c.end, c.type, c.source, c.score, 2)
        promoted.append(c)
    kept: list[Candidate] = []
    taken = Coverage(max((c.end for c in promoted), default=0))
    for c in sorted(promoted, key=lambda c: (-c.tier, -(c.end - c.start), -c.score, c.start)):
        if not taken.overlaps(c.start, c.end):
            kept.append(c)
            taken.add(c.start, c.end)
    return sorted(kept, key=lambda c: c.start)


_DICTIONARY_SOURCES = ("lexicon", "dictionary", "gazetteer")
LISTED_CLASSES = ("Organization", "Brand", "Product", "BusinessUnit")
LIST_ITEM_CHARS = 8


def list_members(text: str, mentions: Sequence[Candidate], tokens: Sequence[Token],
                 ontology: Ontology) -> list[Candidate]:
    """招银理财、招商基金、招银国际和招银金租等子公司: the other members of a list one of whose
    members was recognised are names of its class. A member is a run of name words (at most
    eight characters) between list separators; a person's list is left alone."""
    words = NameWords(ontology)
    separators = set(ontology.grammar.words("enum_separator")) | set(ontology.grammar.words("list_end"))
    taken = Coverage(len(text), ((m.start, m.end) for m in mentions))
    index_at = {t.start: i for i, t in enumerate(tokens)}
    index_ending = {t.end: i for i, t in enumerate(tokens)}
    found = list(mentions)

    def member(i: int, step: int) -> tuple[int, int] | None:
        """The run of name words from token i going in `step` direction, if it ends at a separator."""
        run = []
        while 0 <= i < len(tokens) and words.is_name_word(tokens[i].word) and _HAN_WORD.match(tokens[i].word):
            run.append(tokens[i])
            i += step
        if not run or not 0 <= i < len(tokens) or tokens[i].word not in separators:
            return None
        start, end = min(t.start for t in run), max(t.end for t in run)
        return (start, end) if 2 <= end - start <= LIST_ITEM_CHARS else None

    for m in mentions:
        if not ontology.is_a(m.type, LISTED_CLASSES):
            continue
        for step, first in ((1, index_at.get(m.end)), (-1, index_ending.get(m.start))):
            i = first
            while i is not None and 0 <= i < len(tokens) and tokens[i].word in separators - {"等"}:
                span = member(i + step, step)
                if span is None or taken.overlaps(*span) or text[span[0]:span[1]] in ontology.stop_names:
                    break
                found.append(Candidate(span[0], span[1], m.type, "listed", round(m.score * 0.8, 4), m.tier))
                taken.add(*span)
                i = index_at.get(span[1]) if step == 1 else index_ending.get(span[0])
    return sorted(found, key=lambda c: c.start)


def without_descriptions(text: str, mentions: Sequence[Candidate], ontology: Ontology) -> list[Candidate]:
    """美国电源管理公司Trihedral, ADC药物瑞康曲妥珠单抗, 高端品牌卡萨帝: a description ending in a
    kind noun, glued to the name it describes, is no name of its own; the name after it is."""
    kinds = tuple(ontology.grammar.words("descriptor_noun"))
    out, retyped = [], None
    for i, m in enumerate(mentions):
        if retyped is not None:
            m, retyped = Candidate(m.start, m.end, retyped, m.source, m.score, m.tier), None
        following = mentions[i + 1] if i + 1 < len(mentions) else None
        if following is not None and following.start == m.end and m.source not in _DICTIONARY_SOURCES \
                and text[m.start:m.end].endswith(kinds):
            if following.source == "rule:product" and ontology.is_a(m.type, ("Organization",)):
                retyped = m.type  # 电源管理公司Trihedral: a Latin name the description says is a firm's
            continue
        out.append(m)
    return out


def propagate(text: str, mentions: Sequence[Candidate], ontology: Ontology) -> list[Candidate]:
    """Add every other occurrence of each found name, and of company short forms."""
    taken = Coverage(len(text), ((m.start, m.end) for m in mentions))
    found = list(mentions)
    names: dict[str, Candidate] = {}
    for m in mentions:
        names.setdefault(text[m.start:m.end], m)
    for m in mentions:
        for stem in short_forms(text[m.start:m.end], m.type, ontology):
            names.setdefault(stem, Candidate(m.start, m.end, m.type, "short-form", m.score * 0.9, m.tier))
    for name, origin in sorted(names.items(), key=lambda kv: -len(kv[0])):
        if len(name) < 2 or name in ontology.stop_names:
            continue
        for start in _occurrences(text, name):
            end = start + len(name)
            if _LATIN.match(name[0]) and start > 0 and _LATIN.match(text[start - 1]):
                continue
            if _LATIN.match(name[-1]) and end < len(text) and _LATIN.match(text[end]):
                continue
            if taken.overlaps(start, end):
                continue
            source = origin.source if origin.source == "short-form" else "propagated"
            found.append(Candidate(start, end, origin.type, source, origin.score * 0.95, origin.tier))
            taken.add(start, end)
    return sorted(found, key=lambda c: c.start)


def complete_person_names(text: str, mentions: Sequence[Candidate], tokens: Sequence[Token],
                          ontology: Ontology) -> list[Candidate]:
    """刘强|东 → 刘强东: a two-character person name cut short by the model is completed when the
    segmenter sees a longer word there (张忠谋), or the next character starts no known word
    (刘强东于 → 东于 is no word; 雷军表示 → 表示 is), or is a lone character that is no verb,
    adverb or function word (雷鸣|远|表示)."""
    token_at = {s: (w, s, e) for w, s, e in tokens}
    starts = [s for _, s, _ in tokens]
    out = []
    for m in mentions:
        if m.type == "Person" and m.end - m.start == 2 and m.end < len(text) and HAN.match(text[m.end]):
            index = bisect_right(starts, m.end - 1) - 1
            word, start, end = tokens[index] if index >= 0 else ("", m.start, m.end)
            if text[m.end] in ontology.grammar.words("after_person_name"):
                pass  # 刘圣|拟出任, 王伟|称: the next character starts what is said of the person
            elif start <= m.start and end == m.end + 1:
                m = Candidate(m.start, end, m.type, m.source, m.score, m.tier)  # 魏哲家: the segmenter's word
            elif m.end in token_at and text[m.end] not in ontology.function_words:
                following, _, _ = token_at[m.end]
                tag, _ = word_info(following)
                single_name_char = len(following) == 1 and tag not in NON_NAME_TAGS  # 雷鸣|远|表示
                if (tag is None or single_name_char) and following not in ontology.title_words:
                    m = Candidate(m.start, m.end + 1, m.type, m.source, m.score, m.tier)
        out.append(m)
    return out


def _occurrences(text: str, needle: str):
    """Every start offset of `needle` in `text` (str.find, no regex compiled per name)."""
    at = text.find(needle)
    while at >= 0:
        yield at
        at = text.find(needle, at + 1)


def short_forms(name: str, type: str, ontology: Ontology) -> list[str]:
    """蔚来汽车 → [蔚来]; 宁德时代新能源科技股份有限公司 → [宁德时代新能源科技, 宁德时代新能源, 宁德时代]."""
    cls = ontology.classes.get(type)
    if cls is None or not cls.short_form_suffixes:
        return []
    suffixes = sorted(cls.short_form_suffixes, key=len, reverse=True)
    stems, current = [], name
    changed = True
    while changed:
        changed = False
        for suffix in suffixes:
            if current.endswith(suffix) and len(current) - len(suffix) >= 2:
                current = current[: -len(suffix)]
                if not is_common_word(current):  # 生态科技 → not 生态
                    stems.append(current)
                changed = True
                break
    return stems


def keep(text: str, candidate: Candidate, ontology: Ontology) -> bool:
    """Never an entity alone: stop names, single characters, strings without letters, and spans
    across a join (越南北宁省的星河越南, 珠江壹号或上海 are a model's mistakes, not names)."""
    surface = text[candidate.start:candidate.end]
    return (surface not in ontology.stop_names and surface not in ontology.trigger_words and len(surface.strip()) >= 2
            and bool(_NAME_CHARS.search(surface))
            and not any(join in surface for join in ontology.grammar.words("not_inside_name"))
            and not _INNER_PUNCTUATION.search(surface.strip())  # 台北报导】富邦金控
            and not (surface.startswith(ontology.grammar.words("not_a_name_start"))
                     and surface not in ontology.grammar.words("not_a_name_start"))
            and not _verb_led(surface)
            and (candidate.type != "Person" or candidate.source not in ("ner", "rule:title")
                 or has_person_evidence(text, candidate, ontology, titled=candidate.source == "rule:title")))


def has_person_evidence(text: str, candidate: Candidate, ontology: Ontology, titled: bool = False) -> bool:
    """A guessed person name needs more than two characters of text (众安, 分设 are none): a Chinese
    name starts with a surname, or a title or a speech verb stands next to it (for a name found by
    its title, 董事长失联, only the surname counts); a foreign name is written in Latin letters or
    joined by ·."""
    name = text[candidate.start:candidate.end]
    if not HAN.match(name):
        return True  # Klaus Martin, 埃隆·马斯克
    grammar = ontology.grammar
    before, after = text[max(0, candidate.start - 6):candidate.start], text[candidate.end:candidate.end + 3]
    if not titled and (before.endswith(tuple(ontology.title_words)) or after.startswith(tuple(ontology.title_words))
                       or after.startswith(grammar.words("person_cue"))):
        return True
    return len(name) <= 4 and name.startswith(grammar.words("surname"))
