"""The zhkg components on a user's own blank spaCy pipeline."""

import pytest
import spacy

import kg.spacy_components  # noqa: F401  (registers the factories)
from kg.model import Triple

TEXT = "华信电池与蓝图汽车签署战略合作协议。2023年，蓝图汽车营收达到320亿元。"


@pytest.fixture(scope="module")
def config(tmp_path_factory):
    """Our made-up companies as a dictionary, so the tests do not depend on the trained model."""
    path = tmp_path_factory.mktemp("dict") / "companies.tsv"
    path.write_text("华信电池\tCompany\t华信\n蓝图汽车\tCompany\t\n", encoding="utf-8")
    return {"use_model": False, "dictionaries": [str(path)]}


@pytest.fixture(scope="module")
def nlp(config):
    nlp = spacy.blank("zh")
    nlp.add_pipe("zhkg_recogniser", config=config)
    nlp.add_pipe("zhkg_relations")
    return nlp


def test_recogniser_puts_mentions_in_spans_and_entities(nlp):
    doc = nlp(TEXT)
    mentions = [(s.text, s.label_) for s in doc.spans["zhkg_mentions"]]
    assert ("华信电池", "Company") in mentions and ("蓝图汽车", "Company") in mentions
    assert [e.text for e in doc.ents][:2] == ["华信电池", "蓝图汽车"]
    assert len(doc.spans["zhkg_mentions"].attrs["scores"]) == len(mentions)


def test_relations_sets_triples_with_evidence_in_the_doc(nlp):
    triples = nlp(TEXT)._.zhkg_triples
    assert all(isinstance(t, Triple) for t in triples)
    assert {(t.subject.name, t.predicate.id, t.object.name) for t in triples} == {
        ("华信电池", "partnerOf", "蓝图汽车"), ("蓝图汽车", "revenue", "320亿元")}
    partner = next(t for t in triples if t.predicate.id == "partnerOf")
    assert TEXT[partner.evidence.start:partner.evidence.end] == "华信电池与蓝图汽车签署战略合作协议。"


def test_components_declare_what_they_assign_and_require(nlp):
    analysis = nlp.analyze_pipes()
    assert not any(analysis["problems"].values())
    assert "doc._.zhkg_triples" in nlp.get_pipe_meta("zhkg_relations").assigns
    assert "doc.ents" in nlp.get_pipe_meta("zhkg_recogniser").assigns


def test_relations_without_the_recogniser_fails_naming_it():
    nlp = spacy.blank("zh")
    with pytest.raises(ValueError, match='add_pipe\\("zhkg_recogniser"\\) first'):
        nlp.add_pipe("zhkg_relations")


def test_relations_before_the_recogniser_fails_on_the_first_doc(config):
    nlp = spacy.blank("zh")
    nlp.add_pipe("zhkg_recogniser", config=config)
    nlp.add_pipe("zhkg_relations", before="zhkg_recogniser")
    with pytest.raises(ValueError, match="zhkg_recogniser must run before zhkg_relations"):
        nlp(TEXT)
