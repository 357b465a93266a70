from dataclasses import replace
from decimal import Decimal

import pytest

from kg.model import Entity, Evidence, PredicateRef, Quantity, TimeQualifier, Triple
from kg.ontology import load_ontology
from kg.validate import check_triple, is_normalised_time, validate

SENTENCE = "星河动力与青松电池达成战略合作，2023年营收达12亿元。"


@pytest.fixture(scope="module")
def onto(ontology):
    return ontology


def company(name="星河动力"):
    return Entity.named(name, "Company")


def relation(predicate="partnerOf", subject=None, obj=None, **kw):
    return Triple(subject or company(), PredicateRef(predicate, predicate), obj or company("青松电池"),
                  Evidence("d1", SENTENCE, 0, len(SENTENCE)), **kw)


def measure(predicate="revenue", value="1200000000", unit="元", raw="12亿元", subject=None, **kw):
    quantity = Quantity(raw, Decimal(value), unit, "currency")
    return Triple(subject or company(), PredicateRef(predicate, predicate), quantity,
                  Evidence("d1", SENTENCE, 0, len(SENTENCE)), **kw)


def rules(triple, onto):
    return [v.rule for v in check_triple(triple, onto)]


def test_well_formed_relation_and_measure_pass(onto):
    assert rules(relation(), onto) == []
    assert rules(measure(time=TimeQualifier("2023年", "2023")), onto) == []


def test_unknown_predicate_is_rejected(onto):
    violations = check_triple(relation("marriedTo"), onto)
    assert [v.rule for v in violations] == ["unknown-predicate"]
    assert violations[0].found == "marriedTo"


def test_domain_respects_subclassing(onto):
    assert rules(relation("worksFor", subject=Entity.named("周明远", "Person")), onto) == []
    violation = check_triple(relation("worksFor"), onto)[0]
    assert (violation.rule, violation.expected, violation.found) == ("domain", "Person", "Company")


def test_range_rejects_wrong_class(onto):
    assert rules(relation("locatedIn", obj=Entity.named("苏州", "Location")), onto) == []
    violation = check_triple(relation("locatedIn"), onto)[0]
    assert (violation.rule, violation.expected, violation.found) == ("range", "Location", "Company")


def test_range_rejects_entity_for_quantity_predicate_and_quantity_for_relation(onto):
    as_entity = Triple(company(), PredicateRef("revenue", "营收"), company("青松电池"),
                       measure().evidence)
    as_quantity = replace(measure(), predicate=PredicateRef("partnerOf", "合作"))
    assert rules(as_entity, onto) == ["range"]
    assert rules(as_quantity, onto) == ["range"]


def test_unit_dimension_rejects_revenue_counted_in_vehicles(onto):
    assert rules(measure("deliveries", "5000", "辆", "5000辆"), onto) == []
    violation = check_triple(measure("revenue", "5000", "辆", "5000辆"), onto)[0]
    assert (violation.rule, violation.expected, violation.found) == ("unit-dimension", "currency", "vehicles")


def test_bare_number_counts_and_unknown_unit_is_reported(onto):
    assert rules(measure("patentCount", "320", "", "320"), onto) == []
    assert rules(measure("revenue", "12", "贝壳", "12贝壳"), onto) == ["unit-dimension"]


@pytest.mark.parametrize("predicate, value, unit, ok", [
    ("marketShare", "35", "%", True),
    ("marketShare", "135", "%", False),
    ("grossMargin", "-3", "%", False),
    ("growthRate", "-40", "%", True),
    ("growthRate", "250", "%", True),
    ("growthRate", "-120", "%", False),
    ("growthRate", "1500", "%", False),
    ("revenue", "-5", "元", False),
    ("netProfit", "-500000000", "元", True),
    ("salesVolume", "1e18", "元", False),
])
def test_implausible_values_depend_on_dimension_and_predicate(onto, predicate, value, unit, ok):
    triple = measure(predicate, value, unit, f"{value}{unit}")
    assert rules(triple, onto) == ([] if ok else ["implausible-value"])


def test_empty_raw_and_reversed_range_are_implausible(onto):
    assert rules(measure(raw=""), onto) == ["implausible-value"]
    reversed_range = replace(measure(), object=replace(measure().object, upper=Decimal(1)))
    assert rules(reversed_range, onto) == ["implausible-value"]


@pytest.mark.parametrize("text", ["2024", "2024-Q3", "2022-Q1..Q3", "2024-H1", "2024-07",
                                  "2024-02-29", "2019..2023", "FY2024", "Q2"])
def test_time_grammar_accepts_every_form(text):
    assert is_normalised_time(text)


@pytest.mark.parametrize("text", ["2024年", "2024-Q5", "2024-Q3..Q1", "2024-13", "2023-02-29",
                                  "2023..2019", "", "去年"])
def test_time_grammar_rejects_unnormalised_or_impossible(text):
    assert not is_normalised_time(text)


def test_time_format_violation_carries_raw_grammar_and_found(onto):
    violation = check_triple(measure(time=TimeQualifier("去年四季度", "去年Q4")), onto)[0]
    assert violation.rule == "time-format"
    assert violation.found == "去年Q4" and "YYYY-Qn" in violation.expected


@pytest.mark.parametrize("confidence, ok", [(0.0, True), (1.0, True), (1.2, False),
                                            (-0.1, False), (float("nan"), False)])
def test_confidence_must_be_a_probability(onto, confidence, ok):
    assert rules(relation(confidence=confidence), onto) == ([] if ok else ["confidence-range"])


def test_self_loop_is_rejected(onto):
    assert rules(relation(obj=company()), onto) == ["self-loop"]


def test_empty_names_are_rejected(onto):
    assert rules(relation(subject=Entity.named("  ", "Company")), onto) == ["empty-name"]
    assert rules(relation(obj=Entity.named("", "Company")), onto) == ["empty-name"]


def test_every_triple_is_kept_and_summary_counts_rules_and_predicates(onto):
    triples = [relation(), relation(obj=company()), measure(), measure("marketShare", "180", "%", "180%"),
               relation("marriedTo", confidence=2.0)]
    result = validate(triples, onto)
    assert len(result.valid) == 2 and len(result.rejected) == 3
    assert all(r.violations for r in result.rejected)
    summary = result.summary()
    assert (summary["total"], summary["valid"], summary["rejected"]) == (5, 2, 3)
    assert summary["by_rule"]["self-loop"] == 1
    assert summary["by_rule"]["implausible-value"] == 1
    assert summary["by_rule"]["unknown-predicate"] == 1
    assert summary["by_rule"]["confidence-range"] == 1
    assert summary["by_rule"]["domain"] == 0
    assert summary["by_predicate"]["partnerOf"] == {"valid": 1, "rejected": 1}
    assert summary["by_predicate"]["marketShare"] == {"valid": 0, "rejected": 1}


EXTENSION = """
@prefix zhkg: <https://w3id.org/zhkg/ontology#> .
@prefix owl:  <http://www.w3.org/2002/07/owl#> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
zhkg:chargingStations a owl:ObjectProperty ;
    rdfs:label "充电站数"@zh, "charging stations"@en ;
    rdfs:domain zhkg:Organization ;
    rdfs:range zhkg:Quantity ;
    zhkg:dimension zhkg:items ;
    zhkg:kind "quantity" .
"""


def test_user_ontology_predicate_is_validated(tmp_path):
    path = tmp_path / "charging.ttl"
    path.write_text(EXTENSION, encoding="utf-8")
    extended = load_ontology([path])
    assert rules(measure("chargingStations", "2400", "件", "2400座"), extended) == []
    assert rules(measure("chargingStations", "2400", "辆", "2400辆"), extended) == ["unit-dimension"]
    person = Entity.named("周明远", "Person")
    assert rules(measure("chargingStations", "2400", "件", "2400座", subject=person), extended) == ["domain"]
