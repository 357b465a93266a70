"""What the segmenter's dictionary knows about a word, shared by recognition and relations.

jieba's dictionary gives each known word a part-of-speech tag and a frequency: a verb or
preposition never starts or continues a name, a frequent common noun is no brand. The words
that end names (function words, titles, trigger words) come from the ontology and grammar.
"""

from __future__ import annotations

import importlib.util
import marshal
import os
import re
import tempfile
from functools import cached_property, lru_cache
from pathlib import Path

import rjieba

from .components import component
from .model import Doc, Token
from .ontology import Ontology

# jieba dictionary tags that never start or continue a name: verbs, prepositions, adverbs,
# conjunctions, particles, pronouns, numerals, measure words, locality and time words, idioms.
NON_NAME_TAGS = frozenset({"v", "p", "d", "c", "u", "r", "m", "q", "f", "t", "i", "ad", "vd", "uj", "ul", "ug", "uz", "uv"})
PERSON_OR_BRAND_TAGS = ("nr", "nrt", "nrfg", "nz", "nt")  # 博世, 丰田, 三星: proper names that are no place
_PROPER_TAGS = frozenset({"nr", "nrt", "nrfg", "nt", "nz", "ns", "j", "eng"})
RARE = 20  # a dictionary word seen fewer times than this is treated like an unknown word
COMMON = 1000  # a common noun this frequent is no brand and no company short form
HAN = re.compile(r"^[\u4e00-\u9fff]+$")



def _cache_dir() -> Path:
    return Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "zhkg"


@lru_cache(maxsize=1)
def dictionary() -> dict[str, tuple[str, int]]:
    """jieba's dictionary (the file the segmenter also uses) as word → (tag, frequency).

    Read once per process from a marshal cache beside the user's other caches (a tenth of a
    second) rather than by importing jieba and building its prefix dictionary (seconds); the
    cache is rebuilt when jieba's file changes, and skipped when it cannot be written.
    """
    source = Path(importlib.util.find_spec("jieba").origin).parent / "dict.txt"
    stat = source.stat()
    cache = _cache_dir() / f"jieba-dict-{stat.st_size}-{int(stat.st_mtime)}.marshal"
    try:
        return marshal.loads(cache.read_bytes())
    except (OSError, ValueError, EOFError, TypeError):
        pass
    table = {}
    with open(source, encoding="utf-8") as lines:
        for line in lines:
            word, freq, tag = line.rstrip("\n").split(" ")
            table[word] = (tag, int(freq))
    try:
        cache.parent.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=cache.parent, delete=False) as out:
            out.write(marshal.dumps(table))
        os.replace(out.name, cache)
    except OSError:
        pass  # a read-only home: the dictionary is parsed again next time
    return table


@lru_cache(maxsize=200_000)
def word_info(word: str) -> tuple[str | None, int]:
    """(tag, frequency) of a word in jieba's dictionary; (None, 0) for an unknown word."""
    return dictionary().get(word, (None, 0))


def is_common_word(word: str) -> bool:
    """A frequent ordinary word (生态, 成为, 用户), not a proper name."""
    tag, freq = word_info(word)
    return tag is not None and tag not in _PROPER_TAGS and freq >= COMMON


GENERIC = 50  # a common-noun word seen this often names a kind of thing, not one firm (基金公司)
_GENERIC_TAGS = frozenset({"n", "vn", "v", "an"})


def is_generic_word(word: str) -> bool:
    """基金, 资产管理, 股份制: an ordinary noun or verb of the dictionary, no proper name."""
    tag, freq = word_info(word)
    return tag in _GENERIC_TAGS and freq >= GENERIC


def is_big_place(word: str) -> bool:
    """中国, 德国, 欧洲, 广东: a place name the dictionary knows as a common one."""
    tag, freq = word_info(word)
    return tag == "ns" and freq >= COMMON


def is_stem_word(word: str) -> bool:
    """Can this token be (part of) a company's own name before its trade (恒力, 海螺, 凯莱英)? An
    unknown word, a proper name that is no big place, a noun too rare to be an ordinary one, or
    any rare word; never a verb the dictionary knows (聚焦能源, 破解技术)."""
    if not HAN.match(word):
        return False
    tag, freq = word_info(word)
    if is_big_place(word):
        return False  # 欧洲, 广东: 欧洲环保 is a region's industry
    return tag is None or tag in _PROPER_TAGS or (tag == "n" and freq < COMMON) or freq < RARE


def ends_in_verb(phrase: str) -> bool:
    """大批量生产, 加快布局: the phrase's last word is a verb the dictionary knows well."""
    return any(word_info(phrase[-n:])[0] == "v" and word_info(phrase[-n:])[1] >= RARE
               for n in (2, 3) if len(phrase) > n)


class NameWords:
    """Which words may stand inside a name, for one ontology (its word lists become sets once)."""

    def __init__(self, ontology: Ontology):
        self.ontology = ontology

    @cached_property
    def boundary_words(self) -> frozenset[str]:
        triggers = {t for p in self.ontology.predicates.values() for t in p.triggers}
        return self.ontology.function_words | self.ontology.title_words | triggers

    def is_name_word(self, word: str) -> bool:
        """Can this token be part of a name? Not punctuation, not a function or trigger word,
        not a verb, preposition or adverb that jieba's dictionary knows as one."""
        if not word.strip() or word in self.boundary_words:
            return False
        if word.isascii():
            return word.isalnum()
        if not HAN.match(word):
            return False
        tag, freq = word_info(word)
        return not (tag in NON_NAME_TAGS and freq >= RARE)


@component("tokens", requires=("text",), assigns=("tokens",))
class Segmenter:
    """Words of the normalised text (jieba's dictionary and HMM, run by rjieba)."""

    def __init__(self, ontology):
        pass

    def __call__(self, doc: Doc) -> None:
        doc.tokens = [Token(*t) for t in rjieba.tokenize(doc.text, hmm=True)]
