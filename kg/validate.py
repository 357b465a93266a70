"""Check extracted triples against the ontology before they reach any output.

Every rule has a stable id (used in rejected.jsonl, the summary and the docs) and reports what it
expected and what it found, so a rejection can be read by a person or counted by a script. No
triple is dropped silently: each input ends up in `valid` or in `rejected` with its violations.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Callable, Iterable, Iterator

from .model import Entity, Quantity, Rejection, Triple, Violation
from .ontology import Ontology, Predicate

RULES = ("empty-name", "unknown-predicate", "domain", "range", "unit-dimension",
         "implausible-value", "time-format", "confidence-range", "self-loop")

# Plausibility bounds, by dimension. A percentage *level* (share, margin, rate) lies in [0, 100];
# a percentage *change* may fall to -100 % and grow far beyond 100 %, so it gets wider bounds.
PERCENT_LEVEL = (Decimal(0), Decimal(100))
PERCENT_CHANGE = (Decimal(-100), Decimal(1000))
POINT_CHANGE = (Decimal(-100), Decimal(100))
# No company has a revenue, fleet or head count near 10^15 of anything: above it is a parse error.
MAGNITUDE_CEILING = Decimal("1e15")
# Which predicates describe a change (zhkg:change) and which amounts may be negative (zhkg:signed)
# is declared in the ontology; predicates measured in percentage points are changes too.

_QUARTER, _HALF, _YEAR = r"Q[1-4]", r"H[12]", r"\d{4}"
_TIME_FORMS = tuple(re.compile(p) for p in (
    rf"(?P<y>{_YEAR})",
    rf"(?P<y>{_YEAR})-(?P<q1>{_QUARTER})(?:\.\.(?P<q2>{_QUARTER}))?",
    rf"(?P<y>{_YEAR})-{_HALF}",
    rf"(?P<y>{_YEAR})-(?P<m>\d{{2}})(?:-(?P<d>\d{{2}}))?",
    rf"(?P<y>{_YEAR})\.\.(?P<y2>{_YEAR})",
    rf"FY(?P<y>{_YEAR})",
    _QUARTER,
))
Check = Callable[[Triple, "Predicate | None", Ontology], Iterator[Violation]]
TIME_GRAMMAR = "YYYY | YYYY-Qn | YYYY-Qn..Qm | YYYY-Hn | YYYY-MM | YYYY-MM-DD | YYYY..YYYY | FYYYYY | Qn"


@dataclass(slots=True)
class ValidationTally:
    """Validation counts, added one triple at a time and holding no triple: the one summary
    of a validation, for `ValidationResult` in memory and for a build streaming from files."""

    valid: int = 0
    rejected: int = 0
    by_rule: Counter = field(default_factory=Counter)
    by_predicate: dict[str, Counter] = field(default_factory=dict)

    def add(self, triple: Triple, violations: tuple[Violation, ...]) -> None:
        outcome = "rejected" if violations else "valid"
        setattr(self, outcome, getattr(self, outcome) + 1)
        self.by_rule.update(v.rule for v in violations)
        self.by_predicate.setdefault(triple.predicate.id, Counter(valid=0, rejected=0))[outcome] += 1

    def summary(self) -> dict:
        """Counts for the run report: totals, violations per rule, outcomes per predicate."""
        return {"total": self.valid + self.rejected, "valid": self.valid, "rejected": self.rejected,
                "by_rule": {rule: self.by_rule[rule] for rule in RULES},
                "by_predicate": {p: dict(c) for p, c in sorted(self.by_predicate.items())}}


@dataclass
class ValidationResult:
    valid: list[Triple] = field(default_factory=list)
    rejected: list[Rejection] = field(default_factory=list)

    def summary(self) -> dict:
        """`ValidationTally.summary` of these triples."""
        tally = ValidationTally()
        for triple in self.valid:
            tally.add(triple, ())
        for rejection in self.rejected:
            tally.add(rejection.triple, rejection.violations)
        return tally.summary()


def validate(triples: Iterable[Triple], ontology: Ontology) -> ValidationResult:
    """Split triples into those the ontology accepts and rejections that say why."""
    result = ValidationResult()
    for triple in triples:
        violations = check_triple(triple, ontology)
        if violations:
            result.rejected.append(Rejection(triple, violations))
        else:
            result.valid.append(triple)
    return result


def check_triple(triple: Triple, ontology: Ontology) -> tuple[Violation, ...]:
    """Every violation of one triple, in rule order (empty when the triple is valid)."""
    predicate = ontology.predicates.get(triple.predicate.id)
    return tuple(v for check in _CHECKS for v in check(triple, predicate, ontology))


def _empty_name(triple: Triple, predicate: Predicate | None, ontology: Ontology) -> Iterator[Violation]:
    for role, node in (("subject", triple.subject), ("object", triple.object)):
        if isinstance(node, Entity) and not node.name.strip():
            yield Violation("empty-name", f"the {role} has no name", "a non-empty name",
                            f"{role} name {node.name!r}")


def _unknown_predicate(triple: Triple, predicate: Predicate | None,
                       ontology: Ontology) -> Iterator[Violation]:
    if predicate is None:
        yield Violation("unknown-predicate", f"predicate {triple.predicate.id!r} is not in the ontology",
                        "a predicate id of the ontology", triple.predicate.id)


def _domain(triple: Triple, predicate: Predicate | None, ontology: Ontology) -> Iterator[Violation]:
    if predicate and not ontology.is_a(triple.subject.type, predicate.domain):
        yield Violation("domain", f"{predicate.id} does not apply to a {triple.subject.type}",
                        "|".join(predicate.domain), triple.subject.type)


def _range(triple: Triple, predicate: Predicate | None, ontology: Ontology) -> Iterator[Violation]:
    if predicate is None:
        return
    obj = triple.object
    if predicate.is_quantity and not isinstance(obj, Quantity):
        yield Violation("range", f"{predicate.id} needs a measured value, not an entity",
                        "Quantity", obj.type)
    elif not predicate.is_quantity and isinstance(obj, Quantity):
        yield Violation("range", f"{predicate.id} needs an entity, not a measured value",
                        "|".join(predicate.range), "Quantity")
    elif isinstance(obj, Entity) and not ontology.is_a(obj.type, predicate.range):
        yield Violation("range", f"{predicate.id} cannot point to a {obj.type}",
                        "|".join(predicate.range), obj.type)


def _unit_dimension(triple: Triple, predicate: Predicate | None,
                    ontology: Ontology) -> Iterator[Violation]:
    if predicate is None or not predicate.is_quantity or not isinstance(triple.object, Quantity):
        return
    quantity = triple.object
    expected = "|".join(predicate.dimensions)
    dimension = _dimension(quantity, ontology)
    if dimension is None:
        yield Violation("unit-dimension", f"unit {quantity.unit!r} is not in the ontology",
                        expected, f"unit {quantity.unit!r}")
    elif dimension not in predicate.dimensions:
        yield Violation("unit-dimension", f"{predicate.id} is not measured in {quantity.unit or 'a bare count'}",
                        expected, dimension)


def _implausible_value(triple: Triple, predicate: Predicate | None,
                       ontology: Ontology) -> Iterator[Violation]:
    quantity = triple.object
    if predicate is None or not isinstance(quantity, Quantity):
        return
    if not quantity.raw.strip():
        yield Violation("implausible-value", "the value has no text it was read from",
                        "a non-empty raw surface", repr(quantity.raw))
        return
    low, high = _bounds(predicate, _dimension(quantity, ontology) or quantity.dimension)
    values = [quantity.value] + ([quantity.upper] if quantity.upper is not None else [])
    for value in values:
        if not value.is_finite() or not low <= value <= high:
            yield Violation("implausible-value", f"{quantity.raw} is not a plausible {predicate.id}",
                            f"[{low}, {high}]", str(value))
            return
    if quantity.upper is not None and quantity.upper < quantity.value:
        yield Violation("implausible-value", f"the range {quantity.raw} ends below where it starts",
                        f"upper >= {quantity.value}", str(quantity.upper))


def _time_format(triple: Triple, predicate: Predicate | None, ontology: Ontology) -> Iterator[Violation]:
    if triple.time is not None and not is_normalised_time(triple.time.normalised):
        yield Violation("time-format", f"time {triple.time.raw!r} is not normalised",
                        TIME_GRAMMAR, triple.time.normalised)


def _confidence_range(triple: Triple, predicate: Predicate | None,
                      ontology: Ontology) -> Iterator[Violation]:
    if not 0.0 <= triple.confidence <= 1.0:  # also false for NaN
        yield Violation("confidence-range", "confidence must be a probability", "[0, 1]",
                        str(triple.confidence))


def _self_loop(triple: Triple, predicate: Predicate | None, ontology: Ontology) -> Iterator[Violation]:
    if isinstance(triple.object, Entity) and triple.object.id == triple.subject.id:
        yield Violation("self-loop", f"{triple.subject.name} cannot {triple.predicate.id} itself",
                        "an object other than the subject", triple.subject.id)


_CHECKS: tuple[Check, ...] = (_empty_name, _unknown_predicate, _domain, _range, _unit_dimension,
                              _implausible_value, _time_format, _confidence_range, _self_loop)


def is_normalised_time(text: str) -> bool:
    """True when `text` follows the time grammar and names a real period (no month 13, Q3..Q1)."""
    for form in _TIME_FORMS:
        match = form.fullmatch(text)
        if match:
            return _real_period(match.groupdict())
    return False


def _real_period(parts: dict[str, str | None]) -> bool:
    if parts.get("q2") and parts["q2"] < parts["q1"]:
        return False
    if parts.get("y2") and parts["y2"] < parts["y"]:
        return False
    if parts.get("m"):
        try:
            date(int(parts["y"]), int(parts["m"]), int(parts.get("d") or 1))
        except ValueError:
            return False
    return True


def _dimension(quantity: Quantity, ontology: Ontology) -> str | None:
    """The dimension the ontology gives the unit; a bare number ("") counts things."""
    unit = ontology.units.get(quantity.unit) or ontology.unit_surfaces.get(quantity.unit)
    if unit is not None:
        return unit.dimension
    return "count" if quantity.unit == "" else None


def _is_change(predicate: Predicate) -> bool:
    return predicate.change or "percentagePoint" in predicate.dimensions


def _bounds(predicate: Predicate, dimension: str) -> tuple[Decimal, Decimal]:
    if dimension == "percentage":
        return PERCENT_CHANGE if _is_change(predicate) else PERCENT_LEVEL
    if dimension == "percentagePoint":
        return POINT_CHANGE
    low = -MAGNITUDE_CEILING if predicate.signed else Decimal(0)
    return low, MAGNITUDE_CEILING
