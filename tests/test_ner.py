"""The shipped CRF recogniser: loads on its own, finds clear entities, and survives a spaCy round trip."""

from __future__ import annotations

import spacy

from kg.recognise.ner import DEFAULT_MODEL, NerModel

BOARD_SENTENCE = "华为技术有限公司董事长梁华在深圳出席了发布会。"
AGREEMENT_SENTENCE = "浙江省人民政府与阿里巴巴集团签署了合作协议。"


def found(text: str) -> set[tuple[str, str]]:
    return {(text[start:end], kind) for start, end, kind, _ in NerModel.load().predict(text)}


def test_shipped_model_loads_from_the_package_without_training_data():
    model = NerModel.load()
    assert (DEFAULT_MODEL / "meta.json").exists()
    assert NerModel.load() is model  # loaded once
    assert model.meta["held_out_scores"]["micro"]["f1"] > 0.7


def test_finds_company_person_and_city_in_a_board_sentence():
    entities = found(BOARD_SENTENCE)
    assert ("华为技术有限公司", "Company") in entities
    assert ("梁华", "Person") in entities
    assert ("深圳", "Location") in entities


def test_government_body_is_an_organization_and_group_a_company():
    entities = found(AGREEMENT_SENTENCE)
    assert ("浙江省人民政府", "Organization") in entities
    assert ("阿里巴巴集团", "Company") in entities


def test_titles_are_not_output_as_entities():
    kinds = {kind for _, kind in found("公司总经理和财务总监昨天辞职。")}
    assert kinds <= {"Company"}


def test_offsets_index_the_original_text_across_sentences_and_lines():
    text = "今天天气很好。\n\n" + BOARD_SENTENCE
    starts = {text[start:end] for start, end, _, _ in NerModel.load().predict(text)}
    assert "梁华" in starts


def test_scores_are_probabilities():
    for _, _, _, score in NerModel.load().predict(BOARD_SENTENCE + AGREEMENT_SENTENCE):
        assert 0.0 < score <= 1.0


def test_empty_and_entity_free_text_give_nothing():
    assert NerModel.load().predict("") == []
    assert NerModel.load().predict("。。。\n") == []


def test_spacy_component_adds_spans_labelled_with_ontology_classes():
    nlp = spacy.blank("zh")
    nlp.add_pipe("zhkg_ner")
    doc = nlp(BOARD_SENTENCE)
    spans = {(span.text, span.label_) for span in doc.spans["zhkg_candidates"]}
    assert ("梁华", "Person") in spans
    assert len(doc.spans["zhkg_candidates"].attrs["scores"]) == len(doc.spans["zhkg_candidates"])


def test_spacy_pipeline_saves_and_reloads_with_identical_predictions(tmp_path):
    nlp = spacy.blank("zh")
    nlp.add_pipe("zhkg_ner", config={"spans_key": "candidates"})
    nlp.to_disk(tmp_path / "pipeline")
    reloaded = spacy.load(tmp_path / "pipeline")
    text = BOARD_SENTENCE + AGREEMENT_SENTENCE

    def spans(pipeline):
        doc = pipeline(text)
        group = doc.spans["candidates"]
        return [(s.start_char, s.end_char, s.label_) for s in group], group.attrs["scores"]

    assert spans(reloaded) == spans(nlp)
    assert (tmp_path / "pipeline" / "zhkg_ner" / "crf.bin").exists()
