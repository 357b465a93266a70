import json
from decimal import Decimal

import pytest

from kg.model import Entity, Evidence, Mention, PredicateRef, Quantity, Triple
from kg.resolve import EntityResolver, fold, load_alias_table, strip_legal_suffix


@pytest.fixture(scope="module")
def onto(ontology):
    return ontology


@pytest.fixture
def resolver(onto):
    return EntityResolver(onto)


def test_traditional_simplified_and_english_alias_merge_across_documents(resolver):
    first = resolver.canonical("寧德時代", "Company", doc="港媒报道")
    second = resolver.canonical("宁德时代", "Company", doc="内地快讯")
    english = resolver.canonical("CATL", "Company", doc="内地快讯")
    assert first.id == second.id == english.id
    assert english.name == "宁德时代" and english.mentions == 3
    assert set(english.aliases) == {"寧德時代", "CATL"}
    assert len(resolver.entities()) == 1


def test_case_and_width_fold_to_one_key(resolver):
    assert resolver.canonical("ＮＩＯ", "Company").id == resolver.canonical("nio", "Company").id
    assert fold("ＡＢＣ  Ｄｅｆ") == "abc def"


def test_legal_suffix_merges_but_industry_word_does_not(resolver):
    group = resolver.canonical("青禾集团股份有限公司", "Company")
    assert resolver.canonical("青禾", "Company").id == group.id
    assert resolver.canonical("Qinghe Holdings Co., Ltd.", "Company").id == \
        resolver.canonical("qinghe", "Company").id
    assert resolver.canonical("青禾汽车", "Company").id != group.id
    assert strip_legal_suffix("青禾科技有限公司", resolver.ontology.legal_suffixes) == "青禾科技"


def test_full_legal_name_of_seed_company_joins_short_name(resolver):
    full = resolver.canonical("宁德时代新能源科技股份有限公司", "Company")
    assert full.id == resolver.canonical("宁德时代", "Company").id


def test_no_false_merge_between_brand_product_and_store(resolver):
    ids = {resolver.canonical("小米", "Company").id,
           resolver.canonical("小米汽车", "Company").id,
           resolver.canonical("小米15 Ultra", "Product").id,
           resolver.canonical("小米之家", "Organization").id}
    assert len(ids) == 4


def test_person_and_company_sharing_a_name_stay_apart(resolver):
    person = resolver.canonical("林知远", "Person")
    company = resolver.canonical("林知远", "Company")
    product = resolver.canonical("林知远", "Product")
    assert len({person.id, company.id, product.id}) == 3


def test_company_and_brand_forms_of_a_name_merge(resolver):
    brand = resolver.canonical("云雀出行", "Brand")
    resolver.canonical("云雀出行", "Brand")
    company = resolver.canonical("云雀出行", "Company")
    assert brand.id == company.id and company.type == "Brand"


def test_bracket_english_declaration(resolver):
    text = "晨光储能（Dawnlight Energy Storage）宣布扩产，Dawnlight Energy Storage此前已获融资。"
    mention = Mention("d1", "晨光储能", "Company", 0, 4)
    decisions = resolver.learn_document_aliases(text, [mention], doc="d1")
    assert [d.rules for d in decisions] == [("bracket-english",)]
    assert resolver.canonical("Dawnlight Energy Storage", "Company").id == \
        resolver.canonical("晨光储能", "Company").id


def test_bracket_english_without_mentions_uses_known_name(resolver):
    resolver.canonical("晨光储能", "Company")
    resolver.learn_document_aliases("据悉晨光储能(Dawnlight)今日发布新品。")
    assert resolver.canonical("Dawnlight", "Company").id == resolver.canonical("晨光储能", "Company").id


@pytest.mark.parametrize("text", [
    "近日，星海动力新能源科技股份有限公司（以下简称“星海”）发布公告。",
    "近日，星海动力新能源科技股份有限公司（下称“星海”）发布公告。",
    "近日，星海动力新能源科技股份有限公司，简称星海，发布公告。",
])
def test_short_form_declaration(onto, text):
    resolver = EntityResolver(onto)
    decisions = resolver.learn_document_aliases(text)
    assert [(d.surface, d.into, d.rules) for d in decisions] == \
        [("星海", "星海动力新能源科技股份有限公司", ("declared-short-form",))]
    assert resolver.canonical("星海", "Company").id == \
        resolver.canonical("星海动力新能源科技股份有限公司", "Company").id


def test_units_and_generic_words_in_brackets_are_not_names(resolver):
    assert resolver.learn_document_aliases("晨光储能的储能电池出货量(GWh)继续攀升。") == []
    assert resolver.learn_document_aliases("晨光储能发布的产品(Aurora)备受关注。") == []


def test_document_scoped_short_forms_are_not_learned(resolver):
    assert resolver.learn_document_aliases("远帆科技有限公司（以下简称“发行人”）拟上市。") == []
    assert resolver.canonical("发行人", "Company").id != resolver.canonical("远帆科技", "Company").id


def test_ids_are_stable_across_resolvers_and_reading_orders(onto):
    surfaces = [("青禾", "Company"), ("青禾集团", "Company"), ("Qinghe Group", "Company"),
                ("寧德時代", "Company"), ("CATL", "Company"), ("林知远", "Person")]
    declaration = "青禾集团(Qinghe Group)今日公告。"
    forward, backward = EntityResolver(onto), EntityResolver(onto)
    forward.learn_document_aliases(declaration, [Mention("d", "青禾集团", "Company", 0, 4)])
    for name, type in surfaces:
        forward.canonical(name, type)
    for name, type in reversed(surfaces):
        backward.canonical(name, type)
    backward.learn_document_aliases(declaration, [Mention("d", "青禾集团", "Company", 0, 4)])
    assert [e.to_dict() for e in forward.entities()] == [e.to_dict() for e in backward.entities()]
    assert len(forward.entities()) == 3


def test_user_alias_file_joins_its_names(onto, tmp_path):
    table = tmp_path / "mine.tsv"
    table.write_text("# my companies\n远帆科技\tCompany\tYuanfan|远帆\n", encoding="utf-8")
    assert load_alias_table(table)[0].aliases == ("Yuanfan", "远帆")
    resolver = EntityResolver(onto, [table])
    entity = resolver.canonical("远帆", "Company")
    assert entity.name == "远帆科技"
    assert resolver.canonical("YUANFAN", "Company").id == entity.id
    assert resolver.decisions[0].rules == ("alias-table",)


def test_malformed_alias_file_names_the_line(onto, tmp_path):
    table = tmp_path / "bad.tsv"
    table.write_text("远帆科技\n", encoding="utf-8")
    with pytest.raises(ValueError, match="bad.tsv:1"):
        load_alias_table(table)


def test_resolve_triple_replaces_subject_and_object_without_counting(resolver):
    evidence = Evidence("d1", "寧德時代与青禾集团合作。", 0, 12)
    triple = Triple(Entity.named("寧德時代", "Company"), PredicateRef("partnerOf", "合作"),
                    Entity.named("青禾集团", "Company"), evidence)
    resolved = resolver.resolve_triple(triple)
    assert resolved.subject.id == resolver.canonical("宁德时代", "Company").id
    assert resolved.object.id == resolver.canonical("青禾", "Company").id
    assert resolver.canonical("青禾", "Company").mentions == 2
    measured = Triple(triple.subject, PredicateRef("revenue", "营收"),
                      Quantity("12亿元", Decimal(1200000000), "元", "currency"), evidence)
    assert resolver.resolve_triple(measured).object == measured.object


def test_empty_name_passes_through_for_validation(resolver):
    blank = Entity.named("", "Company")
    triple = Triple(blank, PredicateRef("partnerOf", "合作"), Entity.named("青禾", "Company"),
                    Evidence("d1", "合作。", 0, 3))
    assert resolver.resolve_triple(triple).subject == blank
    assert resolver.entities()[0].name == "青禾"


def test_the_original_spelling_of_a_traditional_mention_is_an_alias(tmp_path):
    from kg.extractor import Settings
    from kg.pipeline import build
    article = tmp_path / "tw.txt"
    article.write_text("寧德時代2024年營收3620億元。\n", encoding="utf-8")
    build([article], tmp_path / "out", Settings(use_model=False))
    entities = [json.loads(line) for line in open(tmp_path / "out" / "entities.jsonl", encoding="utf-8")]
    [catl] = [e for e in entities if e["name"] == "宁德时代"]
    assert "寧德時代" in catl["aliases"]


def test_a_firm_named_with_its_country_is_the_firm(resolver):
    assert resolver.canonical("德国博世集团", "Company").id == resolver.canonical("博世", "Company").id
    assert resolver.canonical("日本丰田", "Company").id == resolver.canonical("丰田", "Company").id


def test_a_country_and_an_ordinary_word_stay_one_name(resolver):
    assert resolver.canonical("中国移动", "Company").id != resolver.canonical("移动", "Company").id
    assert resolver.canonical("德国博世", "Location").id != resolver.canonical("博世", "Location").id
