"""The label table: how each annotation scheme's labels become the recogniser's tags.

One data file (`kg/models/ner/labels.tsv`, shipped beside the model) maps every source's labels
to a tag: an ontology class (upper case first letter: Person, Location, Organization, Company),
which `NerModel.predict` outputs, or an auxiliary tag (position, book ...) that is trained and
then dropped. It also gives each source its annotation scheme ("domain"), a training feature.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Mapping

LABEL_TABLE = Path(__file__).resolve().parent.parent / "models" / "ner" / "labels.tsv"


@dataclass(frozen=True)
class Rule:
    source: str
    label: str
    tag: str
    domain: int
    kind: str  # "", "suffix", "listed" or "silver"
    values: tuple[str, ...]

    def holds(self, name: str, listed: Callable[[str, str], bool]) -> bool:
        if self.kind == "suffix":
            return name.endswith(self.values)
        if self.kind == "listed":
            return any(listed(kind, name) for kind in self.values)
        return True


def is_class(tag: str) -> bool:
    """Ontology classes are capitalised in the table; auxiliary tags are not."""
    return tag[:1].isupper()


class LabelTable:
    def __init__(self, rules: list[Rule]):
        self.rules = rules
        self._by_label: dict[tuple[str, str], list[Rule]] = {}
        for rule in rules:
            self._by_label.setdefault((rule.source, rule.label), []).append(rule)

    @classmethod
    def load(cls, path: Path | str = LABEL_TABLE) -> "LabelTable":
        rules = []
        header = None
        for line in Path(path).read_text(encoding="utf-8").splitlines():
            if not line.strip() or line.startswith("#"):
                continue
            fields = line.split("\t")
            if header is None:
                header = fields
                continue
            row = dict(zip(header, fields + [""] * (len(header) - len(fields))))
            kind, _, values = row["when"].partition(":")
            rules.append(Rule(row["source"], row["label"], row["tag"], int(row["domain"]), kind,
                              tuple(v for v in values.split(",") if v)))
        return cls(rules)

    def silver(self, source: str) -> list[Rule]:
        """Rules that add `tag` in `source` where another source's label names the string (label "*")."""
        return [rule for rule in self.rules if rule.source == source and rule.kind == "silver"]

    def tags(self) -> list[str]:
        """Every tag, in table order, once."""
        return list(dict.fromkeys(rule.tag for rule in self.rules))

    def classes(self) -> list[str]:
        return [tag for tag in self.tags() if is_class(tag)]

    def domains(self) -> dict[str, int]:
        return {rule.source: rule.domain for rule in self.rules}

    def tag(self, source: str, label: str, name: str,
            listed: Callable[[str, str], bool] = lambda kind, name: False) -> str:
        """The tag of `name`, labelled `label` by `source`; KeyError if the table lacks the label."""
        for rule in self._by_label[(source, label)]:
            if rule.holds(name, listed):
                return rule.tag
        raise KeyError(f"labels.tsv: no rule holds for {source} {label} {name!r}")


def lister(entries: Mapping[str, set[str]]) -> Callable[[str, str], bool]:
    """A `listed` test over gazetteer entries grouped by kind."""
    return lambda kind, name: name in entries.get(kind, ())
