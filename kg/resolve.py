"""Entity resolution: one canonical entity per real thing, across mentions, documents and runs.

A surface folds to a key: (class family, stem). The stem is the name in simplified script,
half-width and lower case, with legal-form endings (股份有限公司, Inc.) removed for organisations;
industry words (汽车, 科技, 银行) are kept, so 小米汽车 never becomes 小米. Keys are joined only by
evidence: alias tables and declarations read in the text (小米(Xiaomi), 以下简称“蔚来”).

The id of an entity comes from the root key of its group, and the root is the first key in a
fixed order (alias-table name, then Chinese, then shorter, then lexicographic), never the first
surface seen: a second document or a second run lands on the same id. All state that grows with
the corpus (the union-find over folded keys, the groups, the names seen, the decisions) lives in a
SQLite file behind bounded caches (`kg.store`), so memory stays flat however many names are read.
"""

from __future__ import annotations

import re
import unicodedata

import rjieba
from collections import Counter
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Iterable, Iterator

from .dictionaries import read_table
from .model import Entity, Mention, Quantity, Triple, entity_id
from .grammar import Grammar
from .ontology import Ontology
from .store import DEFAULT_CAPACITY, NOTHING, PAIR, TEXT, Store, json_codec
from .text import normalise
from .words import PERSON_OR_BRAND_TAGS, is_big_place, word_info

DEFAULT_ALIASES = Path(__file__).resolve().parent.parent / "ontology" / "aliases.tsv"

# Classes whose entities may be one thing under one name: a company, its organisation and brand.
FAMILY_ALIASES = {"Brand": "Organization"}
STRIPPED_FAMILY = "Organization"

_QUOTES = "“”\"「」『』‘’'"
_ENGLISH_NAME = re.compile(r"[A-Za-z][A-Za-z0-9&.'\- ]{0,59}")
_BRACKET = re.compile(r"\(([^()]{1,80})\)")
_CJK = re.compile(r"[\u3400-\u9fff]")
_MAX_BARE_NAME = 12  # a name read back from the text alone, with no mention to confirm it

Key = tuple[str, str]  # (class family, stem)


@dataclass(frozen=True, slots=True)
class AliasEntry:
    """One row of an alias table: the canonical name, its class and its other names."""

    name: str
    type: str
    aliases: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Decision:
    """Why a surface was merged into an entity, for the audit trail."""

    surface: str
    into: str  # the stem of the group it joined
    rules: tuple[str, ...]  # alias-table, traditional-variant, legal-suffix, bracket-english, ...
    doc: str = ""

    def to_dict(self) -> dict[str, Any]:
        return {"surface": self.surface, "into": self.into, "rules": list(self.rules), "doc": self.doc}


@dataclass(slots=True)
class _Group:
    surfaces: Counter = field(default_factory=Counter)
    types: Counter = field(default_factory=Counter)

    def absorb(self, other: "_Group") -> None:
        self.surfaces.update(other.surfaces)
        self.types.update(other.types)


_GROUP = json_codec(lambda g: [g.surfaces, g.types], lambda cells: _Group(Counter(cells[0]), Counter(cells[1])))
_DECISION = json_codec(lambda d: [d.surface, d.into, d.rules, d.doc],
                       lambda cells: Decision(cells[0], cells[1], tuple(cells[2]), cells[3]))


def load_alias_table(path: str | Path) -> list[AliasEntry]:
    """Read a TSV alias table: name<TAB>class<TAB>alias1|alias2…; '#' starts a comment line."""
    return [AliasEntry(row.name, row.type, row.aliases) for row in read_table(path)]


def _alternatives(words) -> str:
    return "|".join(map(re.escape, sorted(words, key=len, reverse=True))) or "(?!)"


def declaration_patterns(grammar: Grammar) -> tuple[re.Pattern, re.Pattern, re.Pattern]:
    """(a short-form declaration inside brackets, one after a comma, a run of name characters)
    from the grammar's words: (以下简称“X”), X，简称Y; a name never runs across 的/了/是/在."""
    lead, marker = _alternatives(grammar.words("short_form_lead")), _alternatives(grammar.words("short_form_marker"))
    copula = _alternatives(grammar.words("short_form_copula"))
    declared = rf"(?:{lead})?(?:{marker})(?:{copula})?[:：]?\s*[{_QUOTES}]?"
    short = rf"[^{_QUOTES}()（）,，。;；、\s]{{1,20}}"
    breakers = "".join(re.escape(w) for w in grammar.words("name_breaker") if len(w) == 1)
    return (re.compile(rf"{declared}(?P<short>{short})[{_QUOTES}]?\s*$"),
            re.compile(rf"[,，]\s*({declared}{short}[{_QUOTES}]?)"),
            re.compile(rf"(?:[^\W{breakers}]|[·&.\-])+$"))


def fold_steps(name: str, legal_suffixes: tuple[str, ...] = ()) -> list[tuple[str, str]]:
    """The folding of a name as (rule, result) steps; a step that changes nothing is left out.
    With `legal_suffixes`, legal-form endings are stripped last."""
    steps = []
    width_case = " ".join(unicodedata.normalize("NFKC", name).casefold().split())
    steps.append(("case/width", width_case))
    steps.append(("traditional-variant", normalise(width_case).text))
    if legal_suffixes:
        steps.append(("legal-suffix", strip_legal_suffix(steps[-1][1], legal_suffixes)))
        steps.append(("country-prefix", strip_country_prefix(steps[-1][1])))
    out, previous = [], name
    for rule, result in steps:
        if result != previous:
            out.append((rule, result))
        previous = result
    return out


def fold(name: str, legal_suffixes: tuple[str, ...] = ()) -> str:
    """The matching form of a name: 寧德時代 → 宁德时代, ＮＩＯ → nio, 小米集团 → 小米 (legal suffixes)."""
    steps = fold_steps(name, legal_suffixes)
    return steps[-1][1] if steps else name


def strip_country_prefix(folded: str) -> str:
    """德国博世 → 博世, 美国英伟达 → 英伟达: a firm is named with and without its country; the
    name stays whole unless what is left is unknown to the dictionary or a proper name there
    (中国移动, 中国石化 stay)."""
    first = next(iter(rjieba.cut(folded)), "")
    rest = folded[len(first):]
    if first == folded or len(rest) < 2 or not is_big_place(first) or not _CJK.match(rest) \
            or word_info(rest)[0] not in (None, *PERSON_OR_BRAND_TAGS):
        return folded
    return rest


def strip_legal_suffix(folded: str, legal_suffixes: tuple[str, ...]) -> str:
    """Drop legal-form endings (股份有限公司, Inc.; longest first) but never the whole name;
    industry words stay."""
    stem = folded
    while True:
        for suffix in legal_suffixes:
            cut = stem[: -len(suffix)].rstrip(" ,.") if stem.endswith(suffix) else ""
            if len(cut) >= 2:
                stem = cut
                break
        else:
            return stem


class EntityResolver:
    """Maps every (surface, class) to one canonical Entity, learning aliases as it reads."""

    def __init__(self, ontology: Ontology, alias_files: Iterable[str | Path] = (), seed: bool = True, *,
                 store: str | Path | None = None, cache_size: int = DEFAULT_CAPACITY):
        """`store`: the SQLite file for the resolver's state (a temporary one by default, removed
        with the resolver or by `close`); `cache_size`: entries of each table kept in memory."""
        self.ontology = ontology
        self._short_form, self._unbracketed_short, self._name_run = declaration_patterns(ontology.grammar)
        self._store = Store(store)
        self.decisions = self._store.list("decisions", _DECISION)  # a list of Decision, on disk
        self._parent = self._store.map("parent", PAIR, cache_size)  # Key → Key
        self._joined_by = self._store.map("joined_by", TEXT, cache_size)  # Key → rule
        self._groups = self._store.map("groups", _GROUP, cache_size, mutable=True,
                                       order_by=lambda root: entity_id(root[1], root[0]))  # Key → _Group
        self._anchors: dict[Key, AliasEntry] = {}  # from the alias tables: bounded by their size
        self._seen = self._store.map("seen", NOTHING, cache_size)  # (family, surface) pairs
        self._families = sorted({self.family(c) for c in ontology.classes
                                 if c != "Entity" and ontology.is_a(c, ("Entity",))})
        files = ([DEFAULT_ALIASES] if seed else []) + [Path(p) for p in alias_files]
        self._add_tables([e for f in files for e in load_alias_table(f)])

    # ------------------------------------------------------------------ keys

    def family(self, type: str) -> str:
        """The class directly under Entity (Company → Organization); Brand joins Organization."""
        classes = self.ontology.classes
        top = next((a for a in self.ontology.ancestors(type)
                    if a in classes and "Entity" in classes[a].parents), type)
        return FAMILY_ALIASES.get(top, top)

    def _legal_suffixes(self, family: str) -> tuple[str, ...]:
        return self.ontology.legal_suffixes if family == STRIPPED_FAMILY else ()

    def key(self, name: str, family: str) -> Key:
        return family, fold(name, self._legal_suffixes(family))

    def _find(self, key: Key) -> Key:
        root = key
        while (parent := self._parent.get(root, root)) != root:
            root = parent
        while key != root:
            self._parent[key], key = root, self._parent[key]
        return root

    def _rank(self, key: Key) -> tuple:
        """The fixed order that picks a group's root, so ids never depend on reading order."""
        return key not in self._anchors, not _CJK.search(key[1]), len(key[1]), key[1]

    def _union(self, a: Key, b: Key, rule: str) -> None:
        ra, rb = self._find(a), self._find(b)
        if ra == rb:
            return
        root, other = sorted((ra, rb), key=self._rank)
        self._parent[other] = root
        for k in (a, b):
            if k != root:
                self._joined_by.setdefault(k, rule)
        if other in self._groups:
            self._groups.setdefault(root, _Group()).absorb(self._groups.pop(other))

    def _add_tables(self, entries: list[AliasEntry]) -> None:
        """Anchors first, then unions: the root of a group must not depend on row order."""
        for entry in entries:
            self._anchors[self.key(entry.name, self.family(entry.type))] = entry
        for entry in entries:
            family = self.family(entry.type)
            for alias in entry.aliases:
                self._union(self.key(entry.name, family), self.key(alias, family), "alias-table")

    # ------------------------------------------------------------------ entities

    def canonical(self, name: str, type: str, doc: str = "") -> Entity:
        """The canonical entity for a mention; counts the mention and keeps the surface as alias."""
        return self._attach(name, type, 1, doc)

    def add_spelling(self, surface: str, type: str, doc: str = "") -> Entity:
        """Another spelling of a mention (its original script: 寧德時代 for 宁德时代) kept as an
        alias of the same entity, without counting the mention twice."""
        return self._attach(surface, type, 0, doc)

    def resolve_triple(self, triple: Triple) -> Triple:
        """Subject and entity object replaced by their canonical entities (mentions not counted)."""
        obj = triple.object
        return replace(triple, subject=self._resolve(triple.subject),
                       object=obj if isinstance(obj, Quantity) else self._resolve(obj))

    def entities(self) -> list[Entity]:
        """Every entity seen so far, one per group, sorted by id (for entities.jsonl)."""
        return list(self.iter_entities())

    def iter_entities(self) -> Iterator[Entity]:
        """`entities()` one at a time, streamed in id order from the store: memory stays flat."""
        for root, group in self._groups.items_ordered():
            if group.surfaces:
                yield self._entity(root, group)

    def close(self) -> None:
        """Remove the store's file now (a temporary store is removed with the resolver anyway)."""
        self._store.close()

    def _resolve(self, entity: Entity) -> Entity:
        return self._attach(entity.name, entity.type, 0, "") if entity.name.strip() else entity

    def _attach(self, name: str, type: str, count: int, doc: str) -> Entity:
        if not name.strip():
            return Entity.named(name, type)
        family = self.family(type)
        steps = fold_steps(name, self._legal_suffixes(family))
        key = (family, steps[-1][1] if steps else name)  # = self.key(), keeping the steps
        root = self._find(key)
        group = self._groups.setdefault(root, _Group())
        group.surfaces[name] += count
        group.types[type] += count
        if (family, name) not in self._seen:
            self._seen.add((family, name))
            rules = tuple(rule for rule, _ in steps) + ((self._joined_by[key],) if key in self._joined_by else ())
            if rules:
                self.decisions.append(Decision(name, root[1], rules, doc))
        return self._entity(root)

    def _entity(self, root: Key, group: _Group | None = None) -> Entity:
        group = self._groups[root] if group is None else group
        anchor = self._anchors.get(root)
        name = anchor.name if anchor else min(
            group.surfaces, key=lambda s: (-group.surfaces[s], normalise(s).text != s, not _CJK.search(s),
                                           -len(s), s))
        type = anchor.type if anchor else min(
            group.types, key=lambda t: (-group.types[t], -len(self.ontology.ancestors(t)), t))
        aliases = tuple(sorted(set(group.surfaces) - {name}))
        return Entity(entity_id(root[1], root[0]), name, type, aliases, sum(group.surfaces.values()))

    # ------------------------------------------------------------------ declarations in text

    def learn_document_aliases(self, text: str, mentions: Iterable[Mention] = (),
                               doc: str = "") -> list[Decision]:
        """Read alias declarations: 小米集团（Xiaomi Corporation，以下简称“小米”）, X，简称Y.

        The declared name is the mention that ends at the bracket; without one, the name run
        before it, cut at the short form's first character or at the longest name already known.
        """
        norm = normalise(text).text
        ends = {m.end: normalise(m.text).text for m in mentions}
        found = []
        for match in _BRACKET.finditer(norm):
            for part in re.split(r"[,;，；、]", match.group(1)):
                found += self._declaration(norm, match.start(), part.strip(), ends, doc)
        outside = _BRACKET.sub(lambda m: " " * len(m.group()), norm)  # same offsets
        for match in self._unbracketed_short.finditer(outside):
            found += self._declaration(norm, match.start(), match.group(1), ends, doc)
        return found

    def _declaration(self, text: str, at: int, part: str, ends: dict[int, str], doc: str) -> list[Decision]:
        short_form = self._short_form.fullmatch(part)
        if short_form:
            alias, rule = short_form.group("short"), "declared-short-form"
            if alias in self.ontology.stop_names:  # 发行人, 本公司: a party only inside one document
                return []
        elif _ENGLISH_NAME.fullmatch(part) and part not in self.ontology.unit_surfaces:
            alias, rule = part, "bracket-english"
        else:
            return []
        full = self._name_before(text, at, ends, alias if short_form else "")
        if not full or full in self.ontology.stop_names or fold(full) == fold(alias):
            return []
        for family in self._families:
            self._union(self.key(full, family), self.key(alias, family), rule)
        decision = Decision(alias, full, (rule,), doc)
        self.decisions.append(decision)
        return [decision]

    def _name_before(self, text: str, at: int, ends: dict[int, str], short: str) -> str:
        end = len(text[:at].rstrip())
        if end in ends:
            return ends[end]
        run = self._name_run.search(text[max(0, end - 40):end])
        if not run:
            return ""
        name = run.group()
        if short and short[0] in name:
            anchored = _anchor(name, short)
            if anchored:
                return anchored
        known = next((name[i:] for i in range(len(name) - 1) if self._known(name[i:])), "")
        return known or (name if len(name) <= _MAX_BARE_NAME else "")

    def _known(self, name: str) -> bool:
        return any((key := self.key(name, f)) in self._parent or key in self._groups or key in self._anchors
                   for f in self._families)


def _anchor(run: str, short: str) -> str:
    """The shortest tail of `run` that starts with the short form's first character and contains
    the short form in order (中国石油化工集团 ⊇ 中石化): where a declared full name begins."""
    for start in range(len(run) - 1, -1, -1):
        if run[start] == short[0] and _is_subsequence(short, run[start:]):
            return run[start:]
    return ""


def _is_subsequence(short: str, long: str) -> bool:
    chars = iter(long)
    return all(c in chars for c in short)
