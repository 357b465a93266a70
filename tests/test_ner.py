"""The shipped CRF recogniser: loads on its own, finds clear entities, follows one label table,
decodes exactly, and survives a spaCy round trip. Sentences are written for these tests."""

from __future__ import annotations

import itertools
import subprocess
import sys

import numpy as np
import pytest

from kg.recognise.ner import DEFAULT_MODEL, NerModel
from kg.recognise.ner_decode import marginals, viterbi
from kg.recognise.ner_labels import LabelTable
from kg.recognise.ner_lexicon import Lexicon

BOARD_SENTENCE = "华为技术有限公司董事长梁华在深圳出席了发布会。"
AGREEMENT_SENTENCE = "浙江省人民政府与阿里巴巴集团签署了合作协议。"


def found(text: str) -> set[tuple[str, str]]:
    return {(text[start:end], kind) for start, end, kind, _ in NerModel.load().predict(text)}


def test_shipped_model_loads_from_the_package_once_without_training_data():
    model = NerModel.load()
    assert (DEFAULT_MODEL / "meta.json").exists()
    assert NerModel.load() is model


def test_importing_the_recogniser_does_not_import_spacy():
    code = "import sys, kg.recognise.ner; print('spacy' in sys.modules)"
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "False"


def test_finds_company_person_and_city_in_a_board_sentence():
    entities = found(BOARD_SENTENCE)
    assert ("华为技术有限公司", "Company") in entities
    assert ("梁华", "Person") in entities
    assert ("深圳", "Location") in entities


def test_government_body_is_an_organization_and_group_a_company():
    entities = found(AGREEMENT_SENTENCE)
    assert ("浙江省人民政府", "Organization") in entities
    assert ("阿里巴巴集团", "Company") in entities


def test_china_and_a_province_are_locations():
    entities = found("中国的新能源汽车出口继续增长，其中广东省和江苏省贡献最大。")
    assert ("中国", "Location") in entities
    assert ("广东省", "Location") in entities
    assert ("江苏省", "Location") in entities


def test_a_titled_person_is_found():
    entities = found("该公司总经理刘建国昨天在年度股东大会上宣布了新的投资计划。")
    assert ("刘建国", "Person") in entities


def test_a_digit_after_a_name_is_not_swallowed():
    text = "王志强3月在上海与合作伙伴签署了协议。"
    spans = NerModel.load().predict(text)
    assert ("王志强", "Person") in found(text)
    assert all(not any(c.isdigit() for c in text[s:e]) for s, e, _, _ in spans)


def test_ordinary_business_words_are_not_people():
    kinds = {kind for _, kind in found("目前市场需求旺盛，价格上涨明显，利润率有所提高。")}
    assert "Person" not in kinds


def test_titles_are_not_output_as_entities():
    kinds = {kind for _, kind in found("公司总经理和财务总监昨天辞职。")}
    assert kinds <= {"Company"}


def test_offsets_index_the_original_text_across_sentences_and_lines():
    text = "今天天气很好。\n\n" + BOARD_SENTENCE
    starts = {text[start:end] for start, end, _, _ in NerModel.load().predict(text)}
    assert "梁华" in starts


def test_each_mention_has_a_probability_as_confidence():
    spans = NerModel.load().predict(BOARD_SENTENCE + AGREEMENT_SENTENCE)
    assert spans
    for _, _, kind, score in spans:
        assert kind in {"Person", "Company", "Organization", "Location"}
        assert 0.0 < score <= 1.0


def test_a_batch_gives_what_single_calls_give():
    texts = [BOARD_SENTENCE, "", AGREEMENT_SENTENCE + "\n" + BOARD_SENTENCE, "。"]
    model = NerModel.load()
    batched = model.predict_batch(texts)
    for text, spans in zip(texts, batched):
        single = model.predict(text)
        assert [(s, e, k) for s, e, k, _ in spans] == [(s, e, k) for s, e, k, _ in single]
        assert np.allclose([p for *_, p in spans], [p for *_, p in single])


def test_empty_and_entity_free_text_give_nothing():
    assert NerModel.load().predict("") == []
    assert NerModel.load().predict("。。。\n") == []


def test_label_table_maps_every_scheme_to_ontology_classes():
    table = LabelTable.load()
    assert table.tag("cluener", "government", "某市人民政府") == "Organization"
    assert table.tag("cluener", "address", "某某路88号") == "Location"
    assert table.tag("cluener", "position", "董事长") == "position"
    assert table.tag("msra", "ORG", "长江机械制造有限公司") == "Company"
    assert table.tag("msra", "ORG", "国家统计局") == "Organization"
    assert table.tag("peopledaily", "PER", "张三") == "Person"
    assert set(table.classes()) == {"Person", "Location", "Organization", "Company"}


def test_a_scheme_weight_changes_tags_only_under_that_scheme():
    # one feature, the bias (key 0); its copy for scheme 1 (key 1 << 54) pushes every character
    # to B-Person, which only a model asked to follow scheme 1 sees
    tags = 3  # O, B-Person, I-Person
    keys = np.array([0, 1 << 54], dtype=np.int64)
    weights = np.array([[2.0, 0.0, 0.0], [0.0, 5.0, 0.0]], dtype=np.float32)
    meta = {"labels": ["Person"], "classes": ["Person"], "features": ["chars"], "lexicon_kinds": [],
            "runtime_schemes": {}}
    model = NerModel(keys, weights, np.zeros((tags, tags), dtype=np.float32), Lexicon({}, []), meta)
    assert model.recognise(["甲乙"]) == [[]]
    assert [(s, e, label) for s, e, label, _ in model.recognise(["甲乙"], domain=1)[0]] == \
        [(0, 1, "Person"), (1, 2, "Person")]


def _brute_force(emissions: np.ndarray, transitions: np.ndarray):
    """Best path and per-position tag probabilities by scoring every path."""
    length, tags = emissions.shape
    paths = list(itertools.product(range(tags), repeat=length))
    scores = np.array([sum(emissions[t, tag] for t, tag in enumerate(path))
                       + sum(transitions[a, b] for a, b in zip(path, path[1:])) for path in paths])
    weights = np.exp(scores - scores.max())
    probability = np.zeros((length, tags))
    for path, weight in zip(paths, weights):
        probability[np.arange(length), list(path)] += weight
    return paths[int(scores.argmax())], probability / weights.sum()


@pytest.mark.parametrize("batch", [1, 5, 40])
def test_viterbi_and_marginals_match_enumeration(batch):
    rng = np.random.default_rng(batch)
    tags, steps = 3, 4
    emissions = (2 * rng.normal(size=(batch, steps, tags))).astype(np.float32)
    transitions = rng.normal(size=(tags, tags)).astype(np.float32)
    lengths = np.full(batch, steps) if batch == 1 else rng.integers(1, steps + 1, size=batch)
    path, probability = viterbi(emissions, transitions, lengths), marginals(emissions, transitions, lengths)
    for row in range(batch):
        n = int(lengths[row])
        best, expected = _brute_force(emissions[row, :n], transitions)
        assert tuple(path[row, :n]) == best
        assert np.allclose(probability[row, :n], expected, atol=1e-6)


def test_spacy_component_adds_spans_labelled_with_ontology_classes():
    spacy = pytest.importorskip("spacy")
    nlp = spacy.blank("zh")
    nlp.add_pipe("zhkg_ner")
    doc = nlp(BOARD_SENTENCE)
    spans = {(span.text, span.label_) for span in doc.spans["zhkg_candidates"]}
    assert ("梁华", "Person") in spans
    assert len(doc.spans["zhkg_candidates"].attrs["scores"]) == len(doc.spans["zhkg_candidates"])


def test_spacy_pipeline_saves_and_reloads_with_identical_predictions(tmp_path):
    spacy = pytest.importorskip("spacy")
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
