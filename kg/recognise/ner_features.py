"""Features of every character of a batch of sentences, as integer keys computed with numpy.

Each feature is one int64: template id in the top bits, value below (code points packed side by
side for n-grams, a CRC32 for words). Integers instead of the usual feature strings let
recognition look weights up with one vectorised search instead of building ~30 Python strings
per character, which is what keeps the recogniser far above 100k chars/s.

Sentences are laid out in one string separated by PAD newlines, so n-gram windows never reach
into the neighbouring sentence and jieba / the lexicons run once per batch, not per sentence.
"""

from __future__ import annotations

import zlib
from dataclasses import dataclass
from typing import Sequence

import rjieba
import numpy as np

from kg.recognise.ner_lexicon import Lexicon, bmes

PAD = 2  # widest character window reaches 2 positions either side
CODE_BITS = 18  # code points above 0x3FFFF are clamped: nothing there is worth a feature
TEMPLATE_SHIFT = 56
MISSING = -1  # "no feature here" (outside every lexicon match): skipped in training, misses at lookup

CHAR_WINDOWS = ((-2,), (-1,), (0,), (1,), (2,),
                (-2, -1), (-1, 0), (0, 1), (1, 2),
                (-2, -1, 0), (-1, 0, 1), (0, 1, 2))
GROUPS = ("chars", "words", "lexicon", "lac")
# Feature augmentation by annotation scheme (Daume III 2007, "Frustratingly easy domain
# adaptation"): these templates also fire once more with the scheme's number in bits 54-55, so
# a scheme's conventions (CLUENER leaves bare country names untagged, MSRA splits 江苏如皋市 into
# two places) live in scheme-only weights while everything shared stays in the common ones.
DOMAIN_SHIFT = 54  # the widest value (a character trigram) uses 3 * CODE_BITS = 54 bits
DOMAIN_TEMPLATES = frozenset({0, 2, 3, 4, 7, 8, 21, 22} | set(range(32, 64)))


@dataclass(frozen=True)
class Layout:
    """A batch joined into one string; `index` maps each real character to its place in it."""

    text: str
    codes: np.ndarray  # folded code point per place, 0 on padding
    index: np.ndarray  # place of each real character, sentence after sentence
    lengths: np.ndarray


def layout(sentences: Sequence[str]) -> Layout:
    """Join sentences with PAD newlines around each; newlines inside a sentence must be split off before."""
    gap = "\n" * PAD
    text = gap + gap.join(sentences) + gap
    codes = np.frombuffer(text.encode("utf-32-le"), dtype=np.uint32).astype(np.int64)
    lengths = np.fromiter((len(s) for s in sentences), dtype=np.int64, count=len(sentences))
    starts = PAD + np.concatenate(([0], np.cumsum(lengths + PAD)[:-1])) if len(sentences) else lengths
    index = np.repeat(starts - np.concatenate(([0], np.cumsum(lengths)[:-1])), lengths) + np.arange(lengths.sum())
    folded = np.where((codes >= 0xFF01) & (codes <= 0xFF5E), codes - 0xFEE0, codes)  # full-width → ASCII
    folded = np.minimum(folded, (1 << CODE_BITS) - 1)
    padding = np.ones(len(codes), dtype=bool)
    padding[index] = False
    folded[padding] = 0
    return Layout(text, folded, index, lengths)


def _key(template: int, values: np.ndarray) -> np.ndarray:
    return (np.int64(template) << TEMPLATE_SHIFT) | values


def _char_type(codes: np.ndarray) -> np.ndarray:
    """0 padding, 1 Han, 2 Latin letter, 3 digit, 4 ASCII punctuation/space, 5 other."""
    kind = np.full(len(codes), 5, dtype=np.int64)
    kind[(codes < 0x80)] = 4
    kind[((codes >= 0x41) & (codes <= 0x5A)) | ((codes >= 0x61) & (codes <= 0x7A))] = 2
    kind[(codes >= 0x30) & (codes <= 0x39)] = 3
    kind[((codes >= 0x4E00) & (codes <= 0x9FFF)) | ((codes >= 0x3400) & (codes <= 0x4DBF))
         | (codes >= 0x20000)] = 1
    kind[codes == 0] = 0
    return kind


def char_features(lay: Layout) -> list[np.ndarray]:
    """Bias, character uni/bi/tri-grams in a ±2 window, and the character types of c-1 c0 c+1."""
    at = lay.index
    features = [_key(0, np.zeros(len(at), dtype=np.int64))]
    for template, window in enumerate(CHAR_WINDOWS, start=1):
        value = np.zeros(len(at), dtype=np.int64)
        for offset in window:
            value = (value << CODE_BITS) | lay.codes[at + offset]
        features.append(_key(template, value))
    kind = _char_type(lay.codes)
    features.append(_key(20, (kind[at - 1] << 6) | (kind[at] << 3) | kind[at + 1]))
    return features


def _word_positions(words: list[str], size: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per place of the joined text: word number, offset inside the word, and word length."""
    lengths = np.fromiter((len(w) for w in words), dtype=np.int64, count=len(words))
    number = np.repeat(np.arange(len(words)), lengths)
    starts = np.concatenate(([0], np.cumsum(lengths)[:-1]))
    offset = np.arange(size) - starts[number]
    return number, offset, lengths[number]


def word_features(lay: Layout) -> list[np.ndarray]:
    """jieba's segmentation: the character's place in its word, the word's length, the word itself."""
    words = rjieba.cut(lay.text, hmm=False)  # jieba-rs: jieba's dictionary and output, 15× faster
    number, offset, length = _word_positions(words, len(lay.text))
    hashes = np.fromiter((zlib.crc32(w.encode("utf-8")) for w in words), dtype=np.int64, count=len(words))
    at = lay.index
    shape = (bmes(offset, length) << 3) | np.minimum(length, 7)
    return [_key(21, shape[at]),
            _key(22, hashes[number[at]]),
            _key(23, (hashes[number[at]] << 4) | np.minimum(offset[at], 15)),
            _key(24, (shape[at - 1] << 6) | shape[at + 1])]


def lexicon_features(lay: Layout, lexicon: Lexicon) -> list[np.ndarray]:
    """Per lexicon kind, the character's BMES position and length bucket in the longest match."""
    values = lexicon.positions(lay.text)[:, lay.index]
    return [np.where(value > 0, _key(32 + number, value), MISSING) for number, value in enumerate(values)]


def lac_features(lay: Layout, tagger) -> list[np.ndarray]:
    """Baidu LAC's word tag (POS or PER/ORG/LOC) and BMES position of each character."""
    words: list[str] = []
    tags: list[int] = []
    for piece in lay.text.split("\n"):
        for word, tag in (tagger.run(piece) if piece else []):
            words.append(word)
            tags.append(zlib.crc32(tag.encode("ascii")))
        words.append("\n")
        tags.append(0)
    words.pop()
    tags.pop()
    number, offset, length = _word_positions(words, len(lay.text))
    value = (np.asarray(tags, dtype=np.int64)[number] << 3) | bmes(offset, length)
    return [_key(64, value[lay.index])]




def extract(lay: Layout, groups: Sequence[str], lexicon: Lexicon | None = None, tagger=None,
            domain: int = 0) -> np.ndarray:
    """The (characters × templates) key matrix for the requested feature groups.

    `domain` 1..3 adds the scheme-specific copies of DOMAIN_TEMPLATES; 0 adds none.
    """
    unknown = set(groups) - set(GROUPS)
    if unknown:
        raise ValueError(f"unknown feature groups {sorted(unknown)}; expected some of {GROUPS}")
    columns = char_features(lay)
    templates = list(range(len(CHAR_WINDOWS) + 1)) + [20]
    if "words" in groups:
        columns += word_features(lay)
        templates += [21, 22, 23, 24]
    if "lexicon" in groups:
        columns += lexicon_features(lay, lexicon)
        templates += [32 + number for number in range(len(lexicon.kinds))]
    if "lac" in groups:
        columns += lac_features(lay, tagger)
        templates += [64]
    if domain:
        if not 0 < domain < 4:
            raise ValueError(f"domain must be 0..3, not {domain}")
        tag = np.int64(domain) << DOMAIN_SHIFT
        columns += [np.where(column >= 0, column | tag, MISSING)
                    for column, template in zip(columns, templates) if template in DOMAIN_TEMPLATES]
    return np.stack(columns, axis=1)
