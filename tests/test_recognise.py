"""Recognition: rules, dictionaries and mention selection, on sentences written for the tests."""

import pytest

from kg.model import Document
from kg.extractor import Extractor, Settings
from kg.recognise.lexicon import DictionaryError, Lexicon, LexiconEntry, read_dictionary
from kg.recognise.mentions import select, short_forms
from kg.recognise.rules import Candidate


def mentions(extractor, text):
    return {(m.text, m.type) for m in extractor(Document("t", text)).mentions}


@pytest.fixture(scope="module")
def rules_only(ontology):
    return Extractor(Settings(use_model=False), ontology=ontology)


@pytest.mark.parametrize("sentence, name", [
    ("华为Mate 70 Pro+正式开售。", "华为Mate 70 Pro+"),
    ("新款Redmi Note 14系列售价1099元起。", "Redmi Note 14系列"),
    ("该车搭载骁龙8295，续航提升。", "骁龙8295"),
    ("荣耀Magic V3折叠屏手机发布。", "荣耀Magic V3"),
])
def test_model_names_are_products_with_their_brand_word(rules_only, sentence, name):
    assert (name, "Product") in mentions(rules_only, sentence)


def test_numbers_glued_to_common_words_are_no_products(rules_only):
    found = {t for t, _ in mentions(rules_only, "平台普通用户3年增长。超过5亿人使用。")}
    assert not any(ch.isdigit() for name in found for ch in name)


@pytest.mark.parametrize("sentence, name, cls", [
    ("深圳市汇川技术股份有限公司发布公告。", "深圳市汇川技术股份有限公司", "Company"),
    ("问界汽车在重庆两江工厂下线。", "重庆两江工厂", "Facility"),
    ("海尔智家大家电业务增长明显。", "海尔智家大家电业务", "BusinessUnit"),
    ("小鹏汽车发布端到端智驾大模型。", "端到端智驾大模型", "Technology"),
])
def test_class_suffixes_name_the_class_and_words_bound_the_name(rules_only, sentence, name, cls):
    assert (name, cls) in mentions(rules_only, sentence)


def test_verbs_and_pronouns_never_start_a_suffix_name(rules_only):
    found = {t for t, _ in mentions(rules_only, "他们开启技术合作。当季本公司营收增长。")}
    assert not {"开启技术", "当季本公司", "本公司"} & found


def test_quoted_term_with_a_class_suffix_is_a_name_but_a_slogan_is_not(rules_only):
    found = mentions(rules_only, "公司推出“超级充电平台”，并称之为“史上最强产品”。")
    assert ("超级充电平台", "Technology") in found
    assert not any(t == "史上最强产品" for t, _ in found)


def test_person_after_a_title(rules_only):
    assert ("雷鸣远", "Person") in mentions(rules_only, "公司董事长雷鸣远表示。")


def test_stop_names_are_never_mentions(rules_only):
    assert not {t for t, _ in mentions(rules_only, "公司以人民币结算。")} & {"公司", "人民币"}


def test_a_short_form_is_found_after_its_long_form(ontology):
    assert short_forms("星辰汽车", "Company", ontology) == ["星辰"]
    assert short_forms("生态科技", "Company", ontology) == []  # 生态 is a common word
    extractor = Extractor(Settings(use_model=False), ontology=ontology)
    extractor.component("recognise").lexicon.add(LexiconEntry("星辰汽车", "Company"))
    found = extractor(Document("t", "星辰汽车发布新车。星辰表示将扩产。")).mentions
    assert [(m.text, m.source) for m in found if m.text == "星辰"] == [("星辰", "short-form")]


def test_a_name_found_once_is_found_everywhere_in_the_document(rules_only):
    found = rules_only(Document("t", "问界M9上市。车主评价问界M9舒适。")).mentions
    assert [m.text for m in found].count("问界M9") == 2


def test_user_dictionary_forces_a_name_whole_and_wins(tmp_path, ontology):
    path = tmp_path / "names.tsv"
    path.write_text("name\tclass\taliases\n星河动力科技\tCompany\t星河动力|Galactic Energy\n", encoding="utf-8")
    extractor = Extractor(Settings(dictionaries=(str(path),), use_model=False), ontology=ontology)
    found = mentions(extractor, "星河动力科技发射火箭，Galactic Energy表示成功。")
    assert ("星河动力科技", "Company") in found and ("Galactic Energy", "Company") in found


def test_a_bad_dictionary_line_names_the_file_and_line(tmp_path):
    path = tmp_path / "bad.tsv"
    path.write_text("星河动力\n", encoding="utf-8")
    with pytest.raises(DictionaryError, match="bad.tsv:1"):
        read_dictionary(path)


def test_dictionary_matches_latin_names_only_at_word_boundaries():
    lexicon = Lexicon([LexiconEntry("NIO", "Company")])
    assert [(s, e) for s, e, _ in lexicon.find("UNION和NIO")] == [(6, 9)]


def test_dictionary_round_trips_through_bytes():
    lexicon = Lexicon([LexiconEntry("宁德时代", "Company", ("CATL",))])
    again = Lexicon.from_bytes(lexicon.to_bytes())
    assert [e.name for _, _, e in again.find("CATL发布")] == ["宁德时代"]


def test_selection_prefers_the_user_dictionary_then_the_longest_span():
    chosen = select([Candidate(0, 4, "Company", "ner", 0.7, 1), Candidate(0, 2, "Company", "lexicon", 1.0, 2),
                     Candidate(0, 8, "Company", "rule:suffix", 0.8, 2), Candidate(0, 3, "Brand", "dictionary", 1.0, 3)])
    assert [(c.start, c.end, c.source) for c in chosen] == [(0, 3, "dictionary")]
    chosen = select([Candidate(0, 2, "Company", "lexicon", 1.0, 2), Candidate(0, 8, "Company", "rule:suffix", 0.8, 2)])
    assert [(c.start, c.end) for c in chosen] == [(0, 8)]


def test_person_name_cut_short_by_the_model_is_completed(extractor):
    found = mentions(extractor, "京东由刘强东于1998年在北京创立。")
    assert ("刘强东", "Person") in found


def test_mentions_carry_ontology_classes_and_original_offsets(extractor):
    text = "寧德時代與理想汽車簽署合作協議。"
    for m in extractor(Document("t", text)).mentions:
        assert text[m.start:m.end] == m.text
        assert m.type in extractor.ontology.classes


@pytest.mark.parametrize("text, start, end, expected", [
    ("公司分设三个事业部。", 2, 4, False),      # 分设: no surname, no title, no speech verb
    ("众安保险今年转亏。", 0, 2, False),
    ("王明远表示，订单充足。", 0, 3, True),      # a surname
    ("首席科学家艾伦表示。", 5, 7, True),        # no surname, but a speech verb after it
    ("董事长乐天宇出席。", 3, 6, True),          # a title before it
    ("Klaus Martin出任总裁。", 0, 12, True),     # a Latin name
])
def test_a_statistical_person_name_needs_evidence_of_a_person(ontology, text, start, end, expected):
    from kg.recognise.mentions import has_person_evidence
    assert has_person_evidence(text, Candidate(start, end, "Person", "ner", 0.6, 1), ontology) is expected


@pytest.mark.parametrize("sentence, junk", [
    ("公司房产3处被查封。", "房产3"),
    ("涉嫌非法集资2016年被立案。", "集资2016"),
    ("资本市场反应平淡。", "资本市场"),
])
def test_words_glued_to_numbers_and_generic_markets_are_no_names(rules_only, sentence, junk):
    assert junk not in {t for t, _ in mentions(rules_only, sentence)}


def test_a_word_after_a_title_is_a_person_only_with_a_surname(rules_only):
    assert ("失联", "Person") not in mentions(rules_only, "公司董事长失联。")
    assert ("王明远", "Person") in mentions(rules_only, "公司董事长王明远辞职。")


@pytest.mark.parametrize("sentence, junk", [
    ("台北报导】富邦金控今日公布财报。", "台北报导】富邦金控"),
    ("丰益国际及其子公司发布公告。", "丰益国际及其子公司"),
])
def test_a_span_across_punctuation_or_a_join_is_no_name(rules_only, sentence, junk):
    assert junk not in {t for t, _ in mentions(rules_only, sentence)}


@pytest.mark.parametrize("sentence, name", [
    ("恒川石化公告称，公司拟投资120亿元建设新项目。", "恒川石化"),
    ("青山啤酒前三季度营收210.3亿元。", "青山啤酒"),
    ("海螺重工董事长表示，公司订单饱满。", "海螺重工"),
])
def test_an_own_name_and_a_trade_make_a_company(rules_only, sentence, name):
    assert (name, "Company") in mentions(rules_only, sentence)


@pytest.mark.parametrize("sentence", [
    "国内多家银行下调存款利率。",
    "全球半导体市场规模继续扩大。",
    "中国汽车出口量位居世界第一。",
    "光伏电子产业竞争加剧。",
    "公司聚焦能源转型。",
])
def test_industries_and_quantities_of_firms_are_no_company(rules_only, sentence):
    assert not {n for n, cls in mentions(rules_only, sentence) if cls == "Company"}


@pytest.mark.parametrize("sentence, kind", [
    ("多家基金公司下调了管理费率。", "基金公司"),
    ("股份制银行的净息差继续收窄。", "股份制银行"),
    ("资产管理公司的规模增长较快。", "资产管理公司"),
])
def test_a_kind_of_firm_is_no_company(rules_only, sentence, kind):
    assert kind not in {n for n, _ in mentions(rules_only, sentence)}


@pytest.mark.parametrize("sentence, description", [
    ("公司董事会通过对美国子公司增资5亿美元的议案。", "美国子公司"),
    ("双方将成立合资公司，负责电池回收。", "合资公司"),
])
def test_a_firm_named_by_its_tie_to_another_is_no_company(rules_only, sentence, description):
    assert description not in {n for n, _ in mentions(rules_only, sentence)}


def test_a_person_name_stops_before_what_is_said_of_the_person(rules_only):
    found = mentions(Extractor(Settings(), ontology=rules_only.ontology), "刘圣拟出任远东重工董事。")
    assert ("刘圣", "Person") in found and ("远东重工", "Company") in found


@pytest.mark.parametrize("sentence, word", [
    ("公司EPS为1.2元，ROE提升至15%。", "EPS"),
    ("计入FVOCI的金融资产增加。", "FVOCI"),
    ("据悉，Brian Niccol下月将访问上海。", "Brian Niccol"),
])
def test_acronyms_of_metrics_and_personal_names_are_no_products(rules_only, sentence, word):
    assert (word, "Product") not in mentions(rules_only, sentence)


def test_a_latin_name_ending_in_a_model_word_is_a_product(rules_only):
    assert ("Vision Pro", "Product") in mentions(rules_only, "Vision Pro在北京开售。")


def test_research_firms_are_organisations(rules_only):
    assert ("IDC", "Organization") in mentions(rules_only, "IDC预计，今年平板电脑出货量将下降。")


def test_a_known_firm_glued_to_a_name_word_is_its_subsidiary(ontology):
    found = mentions(Extractor(Settings(), ontology=ontology), "TCL科技旗下的TCL华星全年营业收入1043.1亿元。")
    assert ("TCL华星", "Company") in found


def test_a_known_firm_before_an_ordinary_word_stays_the_firm(ontology):
    found = mentions(Extractor(Settings(), ontology=ontology), "腾讯股价全年上涨23%。")
    assert ("腾讯", "Company") in found


@pytest.mark.parametrize("sentence, holder", [
    ("分渠道看，直销渠道收入730亿元，同比增长8.5%。", "直销渠道"),
    ("全年国外市场收入49.4亿元，同比增长19.3%。", "国外市场"),
])
def test_the_words_before_a_revenue_name_its_segment(rules_only, sentence, holder):
    assert (holder, "BusinessUnit") in mentions(rules_only, sentence)


@pytest.mark.parametrize("sentence", ["公司整体收入增长5%。", "全年利息收入120亿元。"])
def test_an_ordinary_word_before_a_revenue_is_no_segment(rules_only, sentence):
    assert not {n for n, cls in mentions(rules_only, sentence) if cls == "BusinessUnit"}


def test_the_other_members_of_a_list_of_firms_are_firms(ontology):
    found = mentions(Extractor(Settings(), ontology=ontology),
                     "集团旗下拥有星河电子、海螺重工、青禾国际和远航物流等子公司。")
    assert ("青禾国际", "Company") in found


@pytest.mark.parametrize("sentence, name, cls", [
    ("星河制药与莫兰迪(Morandi)签署许可协议。", "莫兰迪", "Company"),
    ("公司自研的瑞欣单抗(SHR-2025)进入三期临床。", "瑞欣单抗", "Product"),
])
def test_a_name_glossed_in_latin_in_brackets_is_a_name(rules_only, sentence, name, cls):
    assert (name, cls) in mentions(rules_only, sentence)


def test_firms_of_the_training_data_are_known_by_name(ontology):
    found = {(m.text, m.type, m.source) for m in Extractor(Settings(), ontology=ontology)(
        Document("t", "票票喵宣布完成新一轮融资。")).mentions}
    assert ("票票喵", "Company", "gazetteer") in found


def test_a_list_item_label_with_a_gloss_is_the_segment(ontology):
    found = mentions(Extractor(Settings(), ontology=ontology), "• 云端设备业务集团(CDG)：收入120亿美元，按年增长13%。")
    assert ("云端设备业务集团", "BusinessUnit") in found


@pytest.mark.parametrize("sentence, name", [
    ('本行自主研发的"星小影"、"AI小星"等智能助手已上线。', "星小影"),
    ("“i星河”平台注册用户超过6000万。", "i星河"),
])
def test_listed_or_mixed_script_quoted_terms_are_products(rules_only, sentence, name):
    assert (name, "Product") in mentions(rules_only, sentence)


def test_a_kind_of_vehicle_after_a_brand_word_is_no_model(rules_only):
    assert not {n for n, cls in mentions(rules_only, "旗舰纯电MPV星河MEGA于3月上市。") if n.endswith("纯电MPV")}


def test_a_channel_named_by_a_rare_verb_keeps_it(rules_only):
    assert ("批发代理渠道", "BusinessUnit") in mentions(rules_only, "批发代理渠道收入976亿元，同比增长22%。")


def test_a_description_glued_to_a_name_is_not_a_name(ontology):
    found = mentions(Extractor(Settings(), ontology=ontology), "星河电子完成收购美国电源管理公司Trihedral的交易。")
    assert ("Trihedral", "Company") in found
    assert not {n for n, _ in found if n.endswith("管理公司")}


@pytest.mark.parametrize("sentence, junk", [
    ("李明自2022年起任公司副总裁。", "起任公司"),
    ("据统计，中国智能手机市场出货量下降。", "中国智能手机"),
    ("董事会战略与投资委员会审议通过了该议案。", "投资委员会"),
])
def test_fragments_and_kinds_are_no_names(ontology, sentence, junk):
    assert junk not in {n for n, _ in mentions(Extractor(Settings(), ontology=ontology), sentence)}


def test_a_firms_legal_name_keeps_the_characters_the_segmenter_split_off(rules_only):
    assert ("上海鹏盛科技实业有限公司", "Company") in mentions(rules_only, "上海鹏盛科技实业有限公司持有公司5%的股份。")
