"""Whose figure is it, and what does it measure: the patterns business news repeats, on sentences
written for these tests. The first tests feed the relation stage a hand-built document object, so
no recogniser is in the loop."""

from decimal import Decimal

import pytest

from kg.components import PipelineError
from kg.extractor import Extractor, Settings
from kg.model import Doc, Document, Quantity
from kg.relate.facts import RuleRelations
from kg.relate.triggers import TriggerFinder
from kg.text import Normaliser
from kg.times import TimeReader
from kg.quantities import QuantityReader
from kg.words import Segmenter


def hand_built(ontology, text, names):
    """A Doc whose mentions are given by hand (name → class), every other stage run for real."""
    doc = Doc(Document("t", text))
    for stage in (Normaliser(ontology), TimeReader(ontology), QuantityReader(ontology), Segmenter(ontology)):
        stage(doc)
    for name, cls in names.items():
        at = text.find(name)
        while at >= 0:
            doc.mentions.append(doc.mention(at, at + len(name), cls, "test"))
            at = text.find(name, at + len(name))
    doc.mentions.sort(key=lambda m: m.start)
    TriggerFinder(ontology)(doc)
    RuleRelations(ontology)(doc)
    return doc.triples


@pytest.fixture(scope="module")
def named(ontology, tmp_path_factory):
    """The whole extractor, with this file's invented companies in a user dictionary."""
    path = tmp_path_factory.mktemp("dictionary") / "names.tsv"
    path.write_text("星河电子\tCompany\n远航科技\tCompany\n周明远\tPerson\n", encoding="utf-8")
    return Extractor(Settings(dictionaries=(str(path),)), ontology=ontology)


def facts(extractor, text):
    return [(t.subject.name, t.predicate.id, t.object.raw if isinstance(t.object, Quantity) else t.object.name)
            for t in extractor(Document("t", text)).triples]


def test_relation_stage_reads_a_hand_built_document(ontology):
    triples = hand_built(ontology, "星河电子2024年营业收入320亿元，同比增长12%。", {"星河电子": "Company"})
    found = {(t.subject.name, t.predicate.id, t.object.raw) for t in triples}
    assert found == {("星河电子", "revenue", "320亿元"), ("星河电子", "growthRate", "12%")}


def test_a_segment_figure_belongs_to_the_segment_not_the_company(ontology):
    triples = hand_built(ontology, "星河电子营业收入320亿元，其中储能业务收入85亿元，同比增长40%。",
                         {"星河电子": "Company", "储能业务": "BusinessUnit"})
    by_object = {t.object.raw: t.subject.name for t in triples}
    assert by_object == {"320亿元": "星河电子", "85亿元": "储能业务", "40%": "储能业务"}


def test_growth_names_the_metric_it_changes(ontology):
    triples = hand_built(ontology, "星河电子净利润45亿元，同比增长8%。", {"星河电子": "Company"})
    [growth] = [t for t in triples if t.predicate.id == "growthRate"]
    assert dict(growth.qualifiers) == {"of": "netProfit"}


def test_per_share_figures_and_share_prices_are_no_revenue_profit_or_growth(ontology):
    triples = hand_built(ontology, "星河电子基本每股收益1.35元，股价全年上涨23%，单位成本下降6%。",
                         {"星河电子": "Company"})
    assert triples == []


def test_the_name_compared_with_is_not_the_subject(ontology):
    text = "与星河电子形成鲜明对比的是，远航科技全年营收98亿元，同比下降5%。"
    triples = hand_built(ontology, text, {"星河电子": "Company", "远航科技": "Company"})
    assert {t.subject.name for t in triples} == {"远航科技"}
    assert [t.object.value for t in triples if t.predicate.id == "growthRate"] == [Decimal("-5")]


def test_a_locative_does_not_hide_the_partner(ontology):
    triples = hand_built(ontology, "星河电子与远航科技在杭州签署战略合作协议。",
                         {"星河电子": "Company", "远航科技": "Company", "杭州": "Location"})
    assert [(t.subject.name, t.predicate.id, t.object.name) for t in triples] == [("星河电子", "partnerOf", "远航科技")]


def test_the_acquired_company_is_the_one_after_the_appositive(ontology):
    triples = hand_built(ontology, "星河电子收购远航科技对手蓝鲸网络。",
                         {"星河电子": "Company", "远航科技": "Company", "蓝鲸网络": "Company"})
    assert [(t.subject.name, t.object.name) for t in triples if t.predicate.id == "acquires"] == [("星河电子", "蓝鲸网络")]


def test_a_leadership_fact_keeps_the_role(named):
    [fact] = [t for t in named(Document("t", "星河电子首席财务官周明远表示，公司现金充裕。")).triples
              if t.predicate.id == "worksFor"]
    assert (fact.subject.name, dict(fact.qualifiers)) == ("周明远", {"role": "首席财务官"})


def test_segment_names_may_join_parts_and_end_before_the_metric(named):
    text = "星河电子的智能终端及相关产品业务收入120亿元，云计算业务收入40亿元。"
    assert {("智能终端及相关产品业务", "revenue", "120亿元"), ("云计算业务", "revenue", "40亿元")} <= set(facts(named, text))


def test_the_label_of_a_list_item_holds_its_figures(named):
    text = "星河电子发布2024年年报。\n分产品看：\n• 储能电池：营业收入85亿元，同比增长40%；\n• 消费电池：营业收入60亿元。"
    found = set(facts(named, text))
    assert {("储能电池", "revenue", "85亿元"), ("储能电池", "growthRate", "40%"), ("消费电池", "revenue", "60亿元")} <= found


def test_a_class_pronoun_takes_the_segment_of_the_paragraph(named):
    text = "星河电子发布年报。储能业务是公司的核心板块。全年该板块营业收入85亿元。"
    assert ("储能业务", "revenue", "85亿元") in facts(named, text)


def test_tenths_are_percent(named):
    [growth] = [t for t in named(Document("t", "星河电子营业收入同比增长超过一成。")).triples
                if t.predicate.id == "growthRate"]
    assert (growth.object.value, growth.object.unit, growth.object.modifier) == (Decimal(10), "%", "超过")


def test_a_pipeline_whose_inputs_come_later_is_refused(ontology):
    with pytest.raises(PipelineError, match="needs"):
        Extractor(Settings(components=("normalise", "relations")), ontology=ontology)


def test_the_company_a_contrast_turns_to_is_recognised_and_holds_the_figures(named):
    text = "星河电子全年营收98亿元。与星河电子形成对比的是，同为电池大厂的蓝鲸动力2024年营收为120亿元，其净利润为9亿元。"
    found = set(facts(named, text))
    assert {("蓝鲸动力", "revenue", "120亿元"), ("蓝鲸动力", "netProfit", "9亿元")} <= found
    assert not {f for f in found if f[0] == "星河电子" and f[2] in ("120亿元", "9亿元")}


def test_a_contrast_sentence_without_a_subject_gives_the_topic_nothing(named):
    text = "星河电子全年营收98亿元。\n相比之下，同期行业平均净利润为3亿元。"
    assert ("星河电子", "netProfit", "3亿元") not in facts(named, text)


def test_a_trigger_inside_a_word_the_segmenter_guessed_still_counts(ontology):
    triples = hand_built(ontology, "蓝鲸动力2024年营收为120亿元。", {"蓝鲸动力": "Company"})
    assert [(t.subject.name, t.predicate.id, t.object.raw) for t in triples] == [("蓝鲸动力", "revenue", "120亿元")]


def test_the_learned_model_confirms_a_rule_fact_and_raises_its_confidence(named, ontology, tmp_path):
    rules_only = Extractor(Settings(dictionaries=named.settings.dictionaries,
                                    components=tuple(c for c in named.settings.components if c != "pair-relations")),
                           ontology=ontology)
    text = "星河电子与远航科技签署战略合作协议，双方将在储能领域展开合作。"
    [alone] = [t for t in rules_only(Document("t", text)).triples if t.predicate.id == "partnerOf"]
    [combined] = [t for t in named(Document("t", text)).triples if t.predicate.id == "partnerOf"]
    assert combined.extractor == alone.extractor + "+model"
    assert combined.confidence > alone.confidence


def test_a_product_named_before_an_intransitive_launch_is_what_was_launched(ontology):
    triples = hand_built(ontology, "星河电子：旗舰手机星河X1于2024年3月上市，售价4999元。",
                         {"星河电子": "Company", "星河X1": "Product"})
    assert ("星河电子", "launches", "星河X1") in {(t.subject.name, t.predicate.id, getattr(t.object, "name", ""))
                                               for t in triples}


def test_a_launch_word_used_as_a_noun_launches_nothing(ontology):
    triples = hand_built(ontology, "星河电子在星河X1研发中采用了新工艺。", {"星河电子": "Company", "星河X1": "Product"})
    assert not [t for t in triples if t.predicate.id in ("develops", "launches")]


def test_the_same_period_of_last_year_is_the_previous_year_of_the_same_metric(ontology):
    triples = hand_built(ontology, "星河电子2024年营业收入100亿元，上年同期为90亿元。", {"星河电子": "Company"})
    found = {(t.subject.name, t.predicate.id, t.object.raw, t.time.normalised) for t in triples}
    assert found == {("星河电子", "revenue", "100亿元", "2024"), ("星河电子", "revenue", "90亿元", "2023")}


def test_a_forecast_or_target_is_no_fact_of_the_period(ontology):
    triples = hand_built(ontology, "星河电子预计2025年营业收入将达到150亿元，海外销量目标定为40万台。", {"星河电子": "Company"})
    assert triples == []


def test_the_base_of_a_comparison_is_no_growth_figure(ontology):
    triples = hand_built(ontology, "星河电子全年毛利率为21.5%，较2023年的19.2%有所上升。", {"星河电子": "Company"})
    assert {(t.predicate.id, t.object.raw) for t in triples} == {("grossMargin", "21.5%")}


@pytest.mark.parametrize("text", ["星河电子旗下子公司蓝鲸动力负责储能业务。", "星河电子的子公司蓝鲸动力负责储能业务。",
                                  "蓝鲸动力是星河电子的全资子公司。", "星河电子旗下拥有蓝鲸动力。"])
def test_a_subsidiary_belongs_to_its_parent_whichever_way_it_is_said(ontology, text):
    triples = hand_built(ontology, text, {"星河电子": "Company", "蓝鲸动力": "Company"})
    assert [(t.subject.name, t.object.name) for t in triples if t.predicate.id == "partOf"] == [("蓝鲸动力", "星河电子")]


def test_a_passive_with_an_unnamed_agent_gives_the_subject_nothing(ontology):
    triples = hand_built(ontology, "星河银行是一家由企业法人持股的商业银行，2024年被收购。", {"星河银行": "Company"})
    assert [t for t in triples if not t.is_quantity] == []


def test_a_news_source_is_never_the_subject(ontology):
    text = "财经日报讯，星河电子2024年营业收入100亿元。"
    triples = hand_built(ontology, text, {"财经日报": "Company", "星河电子": "Company"})
    assert {t.subject.name for t in triples} == {"星河电子"}


def test_a_move_of_nothing_the_sentence_measures_is_no_growth(ontology):
    triples = hand_built(ontology, "星河电子美股盘前跌超9%，市场担忧需求放缓。", {"星河电子": "Company"})
    assert [t for t in triples if t.predicate.id == "growthRate"] == []


def test_a_distributive_list_gives_each_figure_its_own_year(ontology):
    text = "星河电子2021年至2023年营业收入分别为52.3亿元、61.8亿元和70.4亿元。"
    triples = hand_built(ontology, text, {"星河电子": "Company"})
    assert {t.object.raw: t.time.normalised for t in triples} == {
        "52.3亿元": "2021", "61.8亿元": "2022", "70.4亿元": "2023"}


def test_listed_years_are_shared_out_in_order(ontology):
    triples = hand_built(ontology, "星河电子2022年、2023年净利润分别为-3.2亿元和4.7亿元。", {"星河电子": "Company"})
    assert {t.object.raw: t.time.normalised for t in triples} == {"-3.2亿元": "2022", "4.7亿元": "2023"}


def test_a_list_of_metrics_keeps_the_one_year(ontology):
    triples = hand_built(ontology, "星河电子2023年营业收入和净利润分别为70.4亿元和4.7亿元。", {"星河电子": "Company"})
    assert {t.time.normalised for t in triples} == {"2023"}


def test_a_dateline_day_is_not_the_period_of_the_figures(ontology):
    text = "10月28日晚间，星河电子披露三季报，2025年前三季度营业收入88.6亿元，同比增长5.4%。"
    triples = hand_built(ontology, text, {"星河电子": "Company"})
    assert {t.time.normalised for t in triples} == {"2025-Q1..Q3"}


@pytest.mark.parametrize("text", [
    "星河研究院数据显示，10月国内重卡销量为8.6万辆，同比增长12.3%。",
    "据星河研究院统计，10月国内重卡销量为8.6万辆，同比增长12.3%。",
])
def test_who_publishes_the_data_does_not_hold_the_figures(ontology, text):
    assert hand_built(ontology, text, {"星河研究院": "Organization"}) == []


def test_the_agency_of_a_dateline_is_not_the_subject(ontology):
    text = "星河快报11月3日电，海螺重工发布公告，前三季度净利润20.46亿元。"
    triples = hand_built(ontology, text, {"星河快报": "Company", "海螺重工": "Company"})
    assert {t.subject.name for t in triples} == {"海螺重工"}


def test_a_banks_interest_income_is_no_revenue(ontology):
    text = "东江银行营业收入312.5亿元，同比增长6.2%；其中利息净收入221.7亿元，同比增长9.8%；非利息收入90.8亿元，同比下降1.7%。"
    triples = hand_built(ontology, text, {"东江银行": "Company"})
    assert {t.object.raw for t in triples} == {"312.5亿元", "6.2%"}


def test_members_of_one_list_are_not_each_others_parents(ontology):
    text = "本行旗下拥有星河理财、青禾基金和远航国际等子公司。"
    triples = hand_built(ontology, text, {"星河理财": "Company", "青禾基金": "Company", "远航国际": "Company"})
    assert not [t for t in triples if {t.subject.name, getattr(t.object, "name", "")} <= {"星河理财", "青禾基金", "远航国际"}]


def test_a_bracketed_gloss_does_not_hide_the_partner(ontology):
    text = "星河制药与莫兰迪(Morandi)签署独家许可协议。"
    triples = hand_built(ontology, text, {"星河制药": "Company", "莫兰迪": "Company", "Morandi": "Company"})
    assert ("星河制药", "partnerOf", "莫兰迪") in {(t.subject.name, t.predicate.id, t.object.name) for t in triples}
