"""Rules that generalise to names no dictionary has seen.

Each rule reads the normalised text and its word tokens (jieba) and proposes candidates:
  - product and model names: Latin letters and digits, with the brand word before them
    (SU7 Ultra, Mate 70 Pro+, 骁龙8295, Redmi Note 12);
  - names ending in a class suffix from the ontology (…股份有限公司, …工厂, …业务, …技术);
  - quoted names with a class suffix (“麒麟电池平台”, 「一体化压铸技术」);
  - person names next to a title (董事长王传福, CEO李斌).
Names end where a function word, trigger word or punctuation starts, all of which come from
the ontology.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from dataclasses import dataclass
from functools import cached_property, lru_cache
from typing import Iterable, Sequence

from ..grammar import default_grammar
from ..model import Token
from ..ontology import Ontology
from ..text import BULLET_MARKS, Coverage
from ..words import COMMON, HAN as _HAN, NON_NAME_TAGS, is_big_place, PERSON_OR_BRAND_TAGS, NameWords, is_common_word, is_generic_word, is_stem_word, word_info




@dataclass(frozen=True, slots=True)
class Candidate:
    start: int
    end: int
    type: str
    source: str
    score: float
    tier: int = 2  # 3 user dictionary, 2 shipped dictionaries and rules, 1 statistical model


_MODEL = re.compile(
    r"(?<![A-Za-z0-9.])"
    r"(?:[A-Za-z][A-Za-z0-9\-]*|\d+[A-Za-z][A-Za-z0-9\-]*|\d+(?=[ ][A-Z]))"
    r"(?:[ ](?:[A-Z][A-Za-z0-9\-]*|\d+[A-Za-z0-9\-]*(?![.\d])|[a-z]+\d+[A-Za-z0-9]*))*"
    r"\+?"
)
# A digit run glued to a counter (年, 元, 辆) or to a multiplier that scales Arabic digits (5千,
# 3000万) is a figure or date, not a model name. 十 after digits starts a word (2018十大) and the
# unit-only 兆 may be "mega" (1000兆): neither counts. Words from ontology/grammar.tsv.
_GRAMMAR = default_grammar()
_FIGURE_AFTER = [*_GRAMMAR.words("counter"),
                 *(w for w, v in _GRAMMAR.values("small_multiplier").items() if v >= 100),
                 *(w for w in _GRAMMAR.words("big_multiplier") if w not in _GRAMMAR.words("unit_only_multiplier"))]
_TRAILING_DIGITS = re.compile(r"(?<![A-Za-z0-9.])\d+[A-Za-z0-9]*\+?"
                              rf"(?![\d.%]|{'|'.join(map(re.escape, _FIGURE_AFTER))})")
_BRACKETED_LATIN = re.compile(r"[(（]([A-Za-z][A-Za-z0-9 .&'\-]{0,40})[)）]")
_PERSONAL_NAME = re.compile(r"[A-Z][a-z]+(?: [A-Z][a-z]+)+")
_YEAR_LIKE = re.compile(r"(?:19|20)\d\d")
_DATE_LIKE = re.compile(r"\d{4}-\d{1,2}")
_ITEM_LABEL = re.compile(rf"^[ \t\u3000]*[{re.escape(BULLET_MARKS)}]?[ \t\u3000]*([^\s:：,，。;；()（）]{{2,12}})"
                         r"(?:[(（][^)）\n]{1,20}[)）])?[:：]", re.MULTILINE)  # • 茅台酒：营业收入…, 智能设备业务集团(IDG)：…
_QUOTED = re.compile(r"[“「\"]([^“”「」\",，。；;！!？?:：\s]{2,14})[”」\"]")


class Rules:
    """The rule set, built once per ontology (its word lists become lookup sets)."""

    def __init__(self, ontology: Ontology, broad_places: Iterable[str] = ()):
        self.ontology = ontology
        self.words = NameWords(ontology)
        self.is_name_word = self.words.is_name_word
        self.broad_places = frozenset(broad_places)  # 中国, 日本: 中国汽车 is an industry, not a firm

    @property
    def suffixes(self) -> tuple[tuple[str, str], ...]:
        return self.ontology.name_suffixes

    @cached_property
    def _suffix_pattern(self) -> re.Pattern:
        return re.compile("|".join(re.escape(s) for s, _ in self.suffixes))

    @cached_property
    def _suffix_class(self) -> dict[str, str]:
        return dict(self.suffixes)

    @cached_property
    def _trigger_words(self) -> frozenset[str]:
        return frozenset(self.ontology.trigger_words)

    @cached_property
    def _model_words(self) -> tuple[str, ...]:
        return tuple(" " + w for w in self.ontology.grammar.words("model_word"))

    @cached_property
    def _unit_surfaces(self) -> frozenset[str]:
        return frozenset(self.ontology.unit_surfaces)

    def candidates(self, text: str, tokens: Sequence[Token],
                   blocked: Iterable[tuple[int, int]] = (), times: Iterable[tuple[int, int]] = ()) -> list[Candidate]:
        """Every rule's names; `blocked` spans (figures, times) hold none, `times` may open a list item."""
        blocked = Coverage(len(text), blocked)
        times = Coverage(len(text), times)
        return [*self.product_names(text, tokens, blocked), *self.suffix_names(text, tokens, blocked),
                *self.trade_names(text, tokens, blocked), *self.bracketed_names(text, tokens, blocked),
                *self.quoted_names(text), *_non_overlapping(self.titled_people(tokens)),
                *self.item_labels(text, tokens, blocked, times), *self.contrasted_names(text, tokens, blocked)]

    # -- product and model names ---------------------------------------------------------

    def product_names(self, text: str, tokens: Sequence[Token],
                      blocked: Coverage) -> list[Candidate]:
        """Latin/digit model names, extended left by an adjacent brand word and right by 系列."""
        ends = {e: w for w, _, e in tokens}
        found = []
        for match in [*_MODEL.finditer(text), *_TRAILING_DIGITS.finditer(text)]:
            start, end = match.span()
            core = match.group()
            if blocked.overlaps(start, end):
                continue
            if core in self.ontology.title_words:
                continue
            has_letter = any(ch.isalpha() for ch in core)
            brand = self._brand_before(text, start, ends.get(start), has_letter, any(ch.isdigit() for ch in core))
            if core in self.ontology.stop_names and (not brand or core in self.ontology.grammar.words("kind_acronym")):
                continue  # 纯电MPV, 车载AI: a kind of thing, not a model (米家APP is one)
            if not has_letter and (not brand or len(core) < 2 or _YEAR_LIKE.fullmatch(core)):
                continue  # 房产3, 集资2016: a digit or a year after a word is no model number
            if _DATE_LIKE.search(core):
                continue  # feel2016-08-25: a date glued to a word
            if not brand and (core in self._unit_surfaces or len(core) < 2):
                continue
            if not brand and _PERSONAL_NAME.fullmatch(core) and not core.endswith(self._model_words):
                continue  # Brian Niccol, Klaus Martin: words of a name, a person's as often as a product's
            start -= len(brand)
            series = next((s for s in self.ontology.grammar.words("series_suffix") if text.startswith(s, end)), "")
            end += len(series)
            score = 0.9 if brand or any(ch.isdigit() for ch in core) else 0.6
            found.append(Candidate(start, end, "Product", "rule:product", score))
        return _non_overlapping(found)

    def _brand_before(self, text: str, start: int, word: str | None, model_has_letter: bool,
                      model_has_digit: bool) -> str:
        """The Han word glued to a model name (小米15, 骁龙8295), without a leading 于/在/的.

        A brand is a name-like word (unknown to the dictionary, tagged as a proper noun, or a
        rare noun), never a common word (用户3 is no product). A one-character brand is only
        believed as a word of its own before a model with letters (…于汉EV, not 折叠屏MIX).
        """
        if not word or not _HAN.match(word):
            return ""
        stripped = False
        while word and word[0] in self.ontology.function_words:
            word, stripped = word[1:], True
        if not 1 <= len(word) <= 4 or not self.is_name_word(word):
            return ""
        if is_common_word(word) and not (model_has_letter and model_has_digit):
            return ""  # 用户3 is no product, but a common word can brand a model (澎湃S1)
        if len(word) == 1:
            before = text[start - 2] if start >= 2 else ""
            if not model_has_letter or not (stripped or not _HAN.match(before or "a")):
                return ""
        return word

    # -- names ending in a class suffix --------------------------------------------------

    def suffix_names(self, text: str, tokens: Sequence[Token],
                     blocked: Coverage) -> list[Candidate]:
        """…股份有限公司 → Company, …工厂 → Facility: the suffix names the class, tokens the name."""
        found = []
        index_by_end = {e: i for i, (_, _, e) in enumerate(tokens)}
        starts = [s for _, s, _ in tokens]
        joiners = self.ontology.grammar.words("name_joiner")
        modifiers = self.ontology.grammar.words("name_modifier")
        for match in self._suffix_pattern.finditer(text):
            suffix_start, end = match.span()
            i = index_by_end.get(end)
            if i is None:  # the suffix is inside a longer word: 公司 in 公司法, but 业务 in 业务收入 ends a name
                i = bisect_right(starts, end) - 1
                if i < 0 or text[end:tokens[i].end] not in self.words.boundary_words:
                    continue
            suffix_class = self._suffix_class[match.group()]
            legal = match.group() in self._legal_suffixes
            may_join = self.ontology.classes[suffix_class].joined_names if suffix_class in self.ontology.classes else False
            while i >= 0 and tokens[i][1] >= suffix_start:
                i -= 1  # tokens inside the suffix
            start = suffix_start
            if i >= 0 and tokens[i][2] > suffix_start:
                start = tokens[i][1]  # a token straddling the suffix holds part of the name (科技股份)
                i -= 1
            words = 0
            while (i >= 0 and words < 5 and tokens[i][2] == start and not blocked.overlaps(tokens[i][1], tokens[i][1] + 1)
                   and not tokens[i][0].isdigit()  # 板猴王1重整玉龙股份: a number ends the name
                   and (self.is_name_word(tokens[i][0]) or (may_join and tokens[i][0] in modifiers)
                        or (legal and self._name_character(tokens, i))  # 上海鹏|盛|科技实业有限公司
                        or (may_join and (self._verb_inside_name(tokens, i) or _rare_verb(tokens[i][0]))) or (
                        # 汽车及相关产品业务: a joined name, joiner inside
                        may_join and tokens[i][0] in joiners and i > 0 and self.is_name_word(tokens[i - 1][0])))):
                start = tokens[i][1]
                i -= 1
                words += 1
            name = text[start:end]
            if len(match.group()) == 1 and not self._place_before(tokens, index_by_end.get(end, i), suffix_start):
                continue
            if end - start < len(match.group()) + 2 or self._ends_in_stop_name(name, match.group()) \
                    or text[start:suffix_start] in self.ontology.grammar.words("generic_modifier"):  # 核心板块
                continue
            if legal and _of_common_characters(text[start:suffix_start]):
                continue  # 2022年起任公司副总裁: 起任 is no firm's name
            if self.ontology.is_a(suffix_class, ("Organization", "Product")) and (
                    self._generic_kind(tokens, start, end)
                    or text[max(start, suffix_start - 2):end].endswith(self.ontology.grammar.words("relative_firm"))):
                continue  # 基金公司, 股份制银行, 美国子公司: a kind of firm or a tie to one, not a name
            found.append(Candidate(start, end, suffix_class, "rule:suffix", 0.8))
        return _non_overlapping(found)

    @cached_property
    def _legal_suffixes(self) -> frozenset[str]:
        return frozenset(self.ontology.legal_suffixes)

    def _name_character(self, tokens: Sequence[Token], i: int) -> bool:
        """盛 in 鹏盛: a single character the segmenter split off an unknown firm's name, between a
        name word before it and the name after it."""
        word = tokens[i].word
        return len(word) == 1 and i > 0 and _HAN.match(word) is not None and word not in self.ontology.function_words \
            and word_info(word)[0] in ("v", "a", "ng", "nr", "ns", "n") and self.is_name_word(tokens[i - 1].word) \
            and len(tokens[i - 1].word) <= 2

    def generic_organisation(self, tokens: Sequence[Token], start: int, end: int, cls: str) -> bool:
        """投资委员会, 行业协会: an organisation's kind, whoever proposed it (the model too)."""
        return cls == "Organization" and self._generic_kind(tokens, start, end)

    @staticmethod
    def _generic_kind(tokens: Sequence[Token], start: int, end: int) -> bool:
        """Every word of the name is an ordinary word of the dictionary (保险公司, 资产管理公司), or
        the name is one ordinary noun (证券公司): it names a kind of organisation."""
        words = [t for t in tokens if start <= t.start and t.end <= end]
        inside = [t for t in tokens if t.start < end and t.end > start]
        if len(inside) == 2 and is_big_place(inside[0].word):
            inside = inside[1:]  # 中国|智能手机
        if len(inside) == 1:
            tag, _ = word_info(inside[0].word)
            return tag == "n"
        stem = [t.word for t in words[:-1]] or [t.word for t in inside[:-1]]
        while stem and is_big_place(stem[0]):
            stem = stem[1:]  # 中国智能手机: a country's kind of thing is still a kind
        return bool(stem) and all(is_generic_word(w) for w in stem)

    # -- a firm's own name and its trade ---------------------------------------------------

    @cached_property
    def _short_form_words(self) -> frozenset[str]:
        return frozenset(s for c in self.ontology.classes.values() for s in c.short_form_suffixes)

    @cached_property
    def _trade_words(self) -> frozenset[str]:
        weak = set(self.ontology.grammar.words("weak_trade_word")) | set(self.ontology.legal_suffixes) \
            | {s for s, _ in self.suffixes}
        return frozenset(s for c in self.ontology.classes.values() for s in c.short_form_suffixes
                         if _HAN.fullmatch(s) and s not in weak)

    def bracketed_names(self, text: str, tokens: Sequence[Token], blocked: Coverage) -> list[Candidate]:
        """默沙东(MSD), 育碧(Ubisoft), 瑞康曲妥珠单抗(SHR-A1811): a Chinese name glossed by its Latin
        name in brackets; both are names of one thing, a product's when the Latin has digits or
        the Chinese a product suffix, else a firm's."""
        index_by_end = {t.end: i for i, t in enumerate(tokens)}
        found = []
        for match in _BRACKETED_LATIN.finditer(text):
            latin = match.group(1).strip()
            i = index_by_end.get(match.start())
            if i is None or latin in self.ontology.stop_names or blocked.overlaps(*match.span()):
                continue
            start = match.start()
            while i >= 0 and match.start() - tokens[i].start <= 8 and _HAN.match(tokens[i].word) \
                    and self.is_name_word(tokens[i].word) and not blocked.overlaps(tokens[i].start, tokens[i].end):
                start, i = tokens[i].start, i - 1
            name = text[start:match.start()]
            if len(name) < 2 or name in self.ontology.stop_names or is_common_word(name):
                continue
            suffix_class = next((c for s, c in self.suffixes if name.endswith(s) and len(name) > len(s)), None)
            cls = suffix_class or ("Product" if any(ch.isdigit() for ch in latin) else "Company")
            found.append(Candidate(start, match.start(), cls, "rule:bracketed", 0.8))
            found.append(Candidate(match.start(1), match.start(1) + len(match.group(1).rstrip()), cls, "rule:bracketed", 0.8))
        return found

    def trade_names(self, text: str, tokens: Sequence[Token], blocked: Coverage) -> list[Candidate]:
        """恒力石化, 海螺水泥, 青岛啤酒: a company named by two or three characters of its own and its
        trade. Believed only where it stands alone as a name: no name word glued before it (全球
        半导体), no noun of an industry after it (光伏电子产业), no determiner (各大银行) and no
        country (中国汽车)."""
        found = []
        determiners = self.ontology.grammar.words("determiner_start")
        heads = self.ontology.grammar.words("industry_head")
        for i, (word, start, end) in enumerate(tokens):
            if word not in self._trade_words or blocked.overlaps(start, end):
                continue
            j, stem_start = i - 1, start
            while j >= 0 and tokens[j].end == stem_start and start - tokens[j].start <= 3 \
                    and tokens[j].word not in self.words.boundary_words and is_stem_word(tokens[j].word) \
                    and tokens[j].word not in self._short_form_words:
                stem_start, j = tokens[j].start, j - 1
            if start - stem_start == 3 and stem_start > 0 and word_info(text[stem_start - 1:stem_start + 1])[0] in ("v", "p", "d"):
                stem_start += 1  # 出|任远|东重工: the segmenter glued the verb's last character to the name
            stem = text[stem_start:start]
            if not 2 <= len(stem) <= 3 or stem in self.broad_places \
                    or stem.startswith(determiners) or blocked.overlaps(stem_start, start):
                continue
            if j >= 0 and tokens[j].end == stem_start and self.is_name_word(tokens[j].word):
                continue
            if i + 1 < len(tokens) and tokens[i + 1].word.startswith(heads):
                continue
            found.append(Candidate(stem_start, end, "Company", "rule:trade", 0.7))
        return found

    def metric_holders(self, text: str, tokens: Sequence[Token], taken: Coverage,
                       blocked: Coverage) -> list[Candidate]:
        """直销渠道收入730亿元, 国外市场收入49亿元: the words right before a segment's metric name
        the segment, channel or market that holds the figure, where nothing else was recognised.
        One short dictionary word alone (整体收入, 高端收入) names no segment."""
        grammar = self.ontology.grammar
        metrics = frozenset(grammar.words("segment_metric"))
        joiners = grammar.words("name_joiner")
        not_metrics = grammar.words("not_a_metric")
        modifiers = frozenset(grammar.words("metric_modifier"))
        found = []
        for i, metric in enumerate(tokens):
            if metric.word not in metrics:
                continue
            j, start = i - 1, metric.start
            while j >= 0 and i - j <= 5 and tokens[j].end == start and metric.start - tokens[j].start <= 10 \
                    and (_HAN.match(tokens[j].word) or tokens[j].word == " " or tokens[j].word.isalnum()) \
                    and not blocked.overlaps(tokens[j].start, tokens[j].end) \
                    and (self.is_name_word(tokens[j].word) or self._verb_inside_name(tokens, j) or tokens[j].word == " "
                         or (j + 1 < i and _rare_verb(tokens[j].word))  # 直销|渠道, 分销|网络
                         or (tokens[j].word in joiners and j > 0 and self.is_name_word(tokens[j - 1].word))):
                start, j = tokens[j].start, j - 1
            run = [t for t in tokens[j + 1:i]]
            while run and (run[0].word == " " or run[0].word[0].isdigit() or (
                    word_info(run[0].word)[0] in ("v", "vn", "d") and not _rare_verb(run[0].word))):
                run.pop(0)  # 预期|AI服务器, 25|财年: a verb or a number opens no name
            while run and (run[-1].word + metric.word in self._trigger_words or run[-1].word in modifiers):
                run.pop()  # 板块|营业|收入, 個人電腦|總|收入, 酒类|不含税|收入: the word belongs to the metric
            if not run:
                continue
            start, end, words = run[0].start, run[-1].end, [t.word for t in run]
            if end - start < 2 or taken.overlaps(start, metric.end) or words[0] in joiners \
                    or (len(words) == 1 and len(words[0]) < 3 and word_info(words[0])[0] is not None) \
                    or text[start:metric.end] in not_metrics \
                    or text[start:end] in self.ontology.stop_names:
                continue
            found.append(Candidate(start, end, "BusinessUnit", "rule:holder", 0.6))
        return found

    def extended_names(self, text: str, tokens: Sequence[Token], known: Iterable[Candidate],
                       blocked: Coverage) -> list[Candidate]:
        """京东方精电, TCL华星: a known firm's name glued to a word of a name (unknown to the
        dictionary, or a proper name there) is a subsidiary's or brand's name, not the firm
        followed by something. An ordinary word (平安健康, 奇瑞车型, 茅台股价) does not extend it,
        and the longer name must end where a name ends."""
        starts = {t.start: i for i, t in enumerate(tokens)}
        found = []
        for hit in known:
            i = starts.get(hit.end)
            if i is None or not self.ontology.is_a(hit.type, ("Organization",)):
                continue
            word = tokens[i].word
            if not 2 <= len(word) <= 3 or not _HAN.match(word) or blocked.overlaps(tokens[i].start, tokens[i].end) \
                    or word in self.words.boundary_words or word in self.ontology.stop_names \
                    or word_info(word)[0] not in (None, *PERSON_OR_BRAND_TAGS):
                continue
            following = tokens[i + 1] if i + 1 < len(tokens) else None
            if following is not None and self.is_name_word(following.word) \
                    and not blocked.overlaps(following.start, following.end):
                continue
            found.append(Candidate(hit.start, tokens[i].end, hit.type, "rule:extended", 0.75))
        return found

    def _verb_inside_name(self, tokens: Sequence[Token], i: int) -> bool:
        """云计算业务, 移动支付业务: a verb after a name word is part of the name; 拓展业务 is none."""
        word = tokens[i].word
        return (i > 0 and _HAN.match(word) is not None and word not in self.words.boundary_words
                and word_info(word)[0] in ("v", "vn") and self.is_name_word(tokens[i - 1].word))

    def _ends_in_stop_name(self, name: str, suffix: str) -> bool:
        """当季本公司, 归属于上市公司: a name ending in a non-name longer than its suffix is none."""
        return name in self.ontology.stop_names or any(
            len(stop) > len(suffix) and name.endswith(stop) for stop in self._long_stop_names)

    @cached_property
    def _long_stop_names(self) -> tuple[str, ...]:
        return tuple(s for s in self.ontology.stop_names if len(s) >= 2)

    @staticmethod
    def _place_before(tokens: Sequence[Token], suffix_index: int, suffix_start: int) -> bool:
        """省/市/区/国 count as a suffix only as a word of their own after a place name (深圳市)."""
        word, start, _ = tokens[suffix_index]
        if start != suffix_start or suffix_index == 0:
            return False
        tag, _ = word_info(tokens[suffix_index - 1][0])
        return tag in (None, "ns")

    # -- the company a contrast turns to -----------------------------------------------------

    def contrasted_names(self, text: str, tokens: Sequence[Token], blocked: Coverage) -> list[Candidate]:
        """与X形成鲜明对比的是，同为电源大厂的Y2024年营收…, 相比之下，Y同期…: the last run of name words
        before the first time, figure or function word after the opener is the company turned to."""
        openers = self.ontology.grammar.words("contrast_opener")
        if not openers:
            return []
        starts = [t.start for t in tokens]
        found = []
        for match in re.finditer("|".join(map(re.escape, openers)), text):
            i = bisect_right(starts, match.end() - 1)
            run_start, run_end = None, None
            while i < len(tokens) and tokens[i].start - match.end() < 30:
                word, start, end = tokens[i]
                if blocked.overlaps(start, end) or word in self.ontology.trigger_words or \
                        word in self.ontology.function_words or not word.strip() or word in "。；;!?！？":
                    if run_start is not None and word not in self.ontology.grammar.words("modifier_particle"):
                        break
                    run_start = None  # 同为电源大厂的|光宝科: a modifier ends with 的, the name follows
                elif self.is_name_word(word):
                    run_start, run_end = (start if run_start is None else run_start), end
                elif run_start is not None:
                    break
                i += 1
            if run_start is not None and 2 <= run_end - run_start <= 8 and text[run_start:run_end] not in self.ontology.stop_names:
                found.append(Candidate(run_start, run_end, "Company", "rule:contrast", 0.6))
        return found

    # -- labels of list items ---------------------------------------------------------------

    def item_labels(self, text: str, tokens: Sequence[Token], blocked: Coverage, times: Coverage) -> list[Candidate]:
        """• 茅台酒：营业收入…, 高纯晶硅：全年销量…: the label of a list item whose text opens with a
        metric is what its figures are about, a segment or product line (its class from its
        suffix, else BusinessUnit); • 红米救主：2014年… is a heading, not a name."""
        token_at = {t.start: t for t in tokens}
        metrics = tuple(w for p in self.ontology.predicates.values() if p.is_quantity for w in p.triggers)
        found = []
        for match in _ITEM_LABEL.finditer(text):
            start, end = match.span(1)
            label, at = text[start:end], start
            suffix = max((len(s) for s, _ in self.suffixes if label.endswith(s) and len(label) > len(s)), default=0)
            while at < end and at in token_at and token_at[at].end <= end and (
                    self._label_word(token_at[at].word) or at >= end - suffix or (  # 智能设备业务集团: the class
                    suffix and at > start and _HAN.match(token_at[at].word)  # suffix vouches for inner words
                    and token_at[at].word not in self.ontology.function_words)):
                at = token_at[at].end
            if at != end or blocked.overlaps(start, end) or label in self.ontology.stop_names \
                    or label in self.ontology.trigger_words or not self._opens_with_metric(text, match.end(), token_at, times, metrics):
                continue  # 分产品看：, 报告期内：, 营业收入：
            suffix_class = next((c for s, c in self.suffixes if label.endswith(s) and len(label) > len(s)), "BusinessUnit")
            found.append(Candidate(start, end, suffix_class, "rule:label", 0.75))
        return found

    def _label_word(self, word: str) -> bool:
        """A word of a list item's label: a name word, or a measure or locality word (系列酒, 国外市场)."""
        if self.is_name_word(word):
            return True
        tag, _ = word_info(word)
        return bool(_HAN.match(word)) and word not in self.words.boundary_words and tag in ("q", "m", "f", "s")

    def _opens_with_metric(self, text: str, at: int, token_at: dict, times: Coverage, metrics: tuple[str, ...]) -> bool:
        """After times and function words (2024年全年…), the text names a metric (营业收入, 销量)."""
        while at < len(text) and (text[at].isspace() or times.overlaps(at, at + 1) or (
                at in token_at and token_at[at].word in self.ontology.function_words)):
            at = token_at[at].end if at in token_at and not times.overlaps(at, at + 1) else at + 1
        return text.startswith(metrics, at)

    # -- quoted names and titled people ----------------------------------------------------

    def quoted_names(self, text: str) -> list[Candidate]:
        """A short quoted term is a name; its class comes from its suffix, else Product."""
        found = []
        for match in _QUOTED.finditer(text):
            name = match.group(1)
            if name in self.ontology.stop_names or self._suffix_pattern.fullmatch(name):
                continue
            suffix = next((s for s, _ in self.suffixes if name.endswith(s) and len(s) > 1), None)
            listed = text[match.end():match.end() + 2].startswith(tuple(self.ontology.grammar.words("enum_separator"))
                                                                  + tuple(self.ontology.grammar.words("list_end")))
            mixed = any(ch.isascii() and ch.isalpha() for ch in name) and any("\u4e00" <= ch <= "\u9fff" for ch in name)
            if suffix is None and not ((mixed or listed) and len(name) <= 8):
                continue  # “史上最强年报” is a slogan; a quoted name needs a class suffix, or to be listed or mixed
            cls = self._suffix_class[suffix] if suffix else "Product"  # “i茅台”, “招小影”、“AI小招”等助手
            found.append(Candidate(match.start(1), match.end(1), cls, "rule:quoted", 0.7))
        return found

    def titled_people(self, tokens: Sequence[Token]) -> list[Candidate]:
        """董事长王传福 / CEO李斌: a 2–3 character Han word right after a title is a person."""
        found = []
        for i, (word, _, end) in enumerate(tokens[:-1]):
            if word not in self.ontology.title_words:
                continue
            j = i + 1
            while j + 1 < len(tokens) and tokens[j][0] in self.ontology.grammar.words("title_joiner") \
                    and tokens[j + 1][0] in self.ontology.title_words:
                j += 2  # 创始人兼CEO李斌
            if j >= len(tokens):
                continue
            name, start, name_end = tokens[j]
            if 2 <= len(name) <= 3 and _HAN.match(name) and self.is_name_word(name):
                found.append(Candidate(start, name_end, "Person", "rule:title", 0.85))
        return found


def _of_common_characters(stem: str) -> bool:
    """起任: a two-character stem the dictionary does not know, made of two frequent verbs,
    pronouns or function characters, is a clause fragment, not a name."""
    return len(stem) == 2 and word_info(stem)[0] is None and all(
        word_info(ch)[0] in NON_NAME_TAGS | {"r"} and word_info(ch)[1] >= COMMON for ch in stem)


def _rare_verb(word: str) -> bool:
    """直销, 分销, 批发: a verb rare enough to name a kind of business before a noun."""
    tag, freq = word_info(word)
    return tag in ("v", "vn") and freq < COMMON and len(word) >= 2


def _non_overlapping(candidates: list[Candidate]) -> list[Candidate]:
    """Longest first; a candidate inside a longer one of the same rule is dropped."""
    kept: list[Candidate] = []
    for c in sorted(candidates, key=lambda c: (-(c.end - c.start), c.start)):
        if all(c.end <= k.start or c.start >= k.end for k in kept):
            kept.append(c)
    return sorted(kept, key=lambda c: c.start)
