"""The learned relation classifier (kg/relate/pair_model.py) on sentences written for these tests."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest

from kg.relate.pair_model import DEFAULT_MODEL, Featurizer, PairClassifier, normalize


def pairs_of(text: str, a: str, b: str, ta: str = "Entity", tb: str = "Entity"):
    """Both orders of the pair (a, b), as offsets into text."""
    i, j = text.index(a), text.index(b)
    return [(i, i + len(a), ta, j, j + len(b), tb), (j, j + len(b), tb, i, i + len(a), ta)]


@pytest.fixture(scope="module")
def model() -> PairClassifier:
    return PairClassifier.load()


def test_load_is_cached_per_process(model):
    assert PairClassifier.load(DEFAULT_MODEL) is model


def test_acquisition_found_in_the_written_direction(model):
    text = "远航集团昨日宣布以现金方式收购星河电子全部股权。"
    forward, backward = model.predict(text, pairs_of(text, "远航集团", "星河电子"))
    assert forward[0] == "acquires"
    assert backward[0] != "acquires"


def test_holding_found_and_direction_respected(model):
    text = "截至报告期末,北辰投资持有海川股份12%的股份,为其第二大股东。"
    forward, backward = model.predict(text, pairs_of(text, "北辰投资", "海川股份"))
    assert forward[0] == "shareholderOf"
    assert backward[0] != "shareholderOf"


def test_partnership_is_answered_in_both_orders(model):
    text = "青禾科技与蓝湾银行签署战略合作协议,双方将在供应链金融领域展开合作。"
    answers = model.predict(text, pairs_of(text, "青禾科技", "蓝湾银行"))
    assert [a for a, _ in answers] == ["partnerOf", "partnerOf"]
    assert "partnerOf" in model.symmetric


def test_known_types_give_the_same_answer(model):
    text = "青禾科技与蓝湾银行签署战略合作协议,双方将在供应链金融领域展开合作。"
    typed = model.predict(text, pairs_of(text, "青禾科技", "蓝湾银行", "Company", "Company"))
    assert [a for a, _ in typed] == ["partnerOf", "partnerOf"]


def test_chairman_works_for_company_when_types_are_given(model):
    text = "云杉制药董事长林海涛表示,公司明年将加大研发投入。"
    i, j = text.index("林海涛"), text.index("云杉制药")
    (answer, p), = model.predict(text, [(i, i + 3, "Person", j, j + 4, "Company")])
    assert answer == "worksFor"


def test_unrelated_mentions_get_no_relation(model):
    text = "今天上午,东岭物流和南港造纸的股价均小幅上涨。"
    answers = model.predict(text, pairs_of(text, "东岭物流", "南港造纸"))
    assert all(a is None for a, _ in answers)


def test_probabilities_are_in_unit_interval(model):
    text = "远航集团昨日宣布以现金方式收购星河电子全部股权,青禾科技与蓝湾银行签署合作协议。"
    names = ["远航集团", "星河电子", "青禾科技", "蓝湾银行"]
    pairs = [p for a in names for b in names if a < b for p in pairs_of(text, a, b)]
    answers = model.predict(text, pairs)
    assert len(answers) == len(pairs)
    assert all(0.0 <= p <= 1.0 for _, p in answers)
    probs = model.probabilities(text, pairs)
    assert np.allclose(probs.sum(axis=1), 1.0, atol=1e-5)


def test_no_pairs_no_answers(model):
    assert model.predict("远航集团发布公告。", []) == []


def test_full_width_text_and_offsets_are_kept():
    text = "ＡＢＣ公司２０２４年与某某合作"
    assert len(normalize(text)) == len(text)
    assert normalize(text).startswith("ABC公司0000年")


def tiny_model() -> PairClassifier:
    featurizer = Featurizer([("收购", ["acquires"])])
    text = "甲公司收购乙公司"
    context = featurizer.context(text)
    feats = sorted(set(featurizer.all_features(text, 0, 3, "Company", 5, 8, "Company", context)))
    vocab = ["b"] + [f for f in feats if f != "b"]
    rng = np.random.default_rng(0)
    weights = rng.normal(size=(len(vocab), 3)).astype(np.float32)
    return PairClassifier(["NONE", "^acquires", "acquires"], vocab, weights, 1.3,
                          [("收购", ["acquires"])], {"none_scale": 1.0})


def test_save_load_round_trip(tmp_path):
    model = tiny_model()
    text = "甲公司收购乙公司"
    pairs = [(0, 3, "Company", 5, 8, "Company"), (5, 8, "Company", 0, 3, "Company")]
    before = model.probabilities(text, pairs)
    model.save(tmp_path / "m")
    loaded = PairClassifier.load(tmp_path / "m")
    assert loaded.classes == model.classes and loaded.vocab == model.vocab
    assert loaded.temperature == pytest.approx(1.3)
    assert np.allclose(loaded.probabilities(text, pairs), before, atol=2e-3)  # weights stored as float16
    assert loaded.predict(text, pairs) == [(a, pytest.approx(p, abs=2e-3)) for a, p in model.predict(text, pairs)]


def test_saving_twice_writes_the_same_bytes(tmp_path):
    model = tiny_model()
    a, b = model.save(tmp_path / "a"), model.save(tmp_path / "b")
    for name in ("meta.json", "vocab.txt.gz", "weights.bin"):
        assert (a / name).read_bytes() == (b / name).read_bytes()


def test_shipped_artefact_round_trips(model, tmp_path):
    text = "截至报告期末,北辰投资持有海川股份12%的股份。"
    pairs = pairs_of(text, "北辰投资", "海川股份")
    model.save(tmp_path / "copy")
    copy = PairClassifier.load(tmp_path / "copy")
    assert np.array_equal(copy.weights, model.weights)
    assert copy.predict(text, pairs) == model.predict(text, pairs)


def test_shipped_artefact_is_small():
    assert sum(p.stat().st_size for p in DEFAULT_MODEL.iterdir()) < 8_000_000


def test_import_is_light():
    code = ("import sys, kg.relate.pair_model; "
            "print(sorted(m for m in ('numpy', 'rdflib', 'spacy', 'jieba', 'kg.recognise', 'kg.pipeline') "
            "if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"


def test_many_pairs_in_one_call_score_as_one_at_a_time(model):
    text = ("远航集团昨日宣布以现金方式收购星河电子全部股权,此前青禾科技与蓝湾银行签署合作协议,"
            "而东岭物流的控股股东南港投资在过去一年中多次减持其持有的股份。")
    names = ["远航集团", "星河电子", "青禾科技", "蓝湾银行", "东岭物流", "南港投资"]
    pairs = [p for a in names for b in names if a < b for p in pairs_of(text, a, b, "Company", "Company")]
    together = model.probabilities(text, pairs)
    alone = np.vstack([model.probabilities(text, [p]) for p in pairs])
    assert np.allclose(together, alone, atol=1e-5)
