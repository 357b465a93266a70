"""The relation engine, behaviour by behaviour, on sentences written for these tests."""

from decimal import Decimal


from kg.model import Document, Quantity
from kg.ontology import DEFAULT_ONTOLOGY
from kg.extractor import Extractor, Settings


def facts(extractor, text, doc_id="t"):
    return extractor(Document(doc_id, text)).triples


def find(triples, predicate, subject=None, obj=None):
    out = []
    for t in triples:
        if t.predicate.label != predicate and t.predicate.id != predicate:
            continue
        if subject is not None and subject not in (t.subject.name, *t.subject.aliases):
            continue
        if obj is not None:
            value = t.object.raw if isinstance(t.object, Quantity) else t.object.name
            if obj != value:
                continue
        out.append(t)
    return out


def test_quantity_attaches_to_the_trigger_and_subject_of_its_clause(extractor):
    triples = facts(extractor, "比亚迪2023年营收6023亿元，净利润300亿元。")
    [revenue] = find(triples, "营收", "比亚迪")
    assert (revenue.object.value, revenue.object.unit, revenue.time.normalised) == (Decimal("602300000000"), "元", "2023")
    assert find(triples, "净利润", "比亚迪", "300亿元")
    assert not revenue.inferred


def test_distributive_list_pairs_subjects_and_figures_in_order(extractor):
    triples = facts(extractor, "海信今年洗衣机、电视机年出货量达500万、900万台。")
    washers = find(triples, "出货量", "洗衣机")
    tvs = find(triples, "出货量", "电视机")
    assert washers and washers[0].object.value == Decimal("5000000") and washers[0].object.unit == "台"
    assert tvs and tvs[0].object.value == Decimal("9000000")


def test_respectively_list_and_its_growth_list_share_subjects(extractor):
    text = "分业务看，云服务、广告服务和支付服务收入分别为300亿元、200亿元和100亿元，同比分别增长10%、20%和30%。"
    triples = facts(extractor, text)
    assert find(triples, "营收", "广告服务", "200亿元")
    growth = find(triples, "增长率", "支付服务")
    assert growth and growth[0].object.value == Decimal("30")


def test_bracketed_growth_belongs_to_the_figure_before_it(extractor):
    triples = facts(extractor, "阿里云智能集团收入1000亿元(+8.5%)，表现稳健。")
    growth = find(triples, "增长率", "阿里云智能集团")
    assert growth and growth[0].object.value == Decimal("8.5")


def test_change_keeps_the_new_value_and_the_old_one_as_previous(extractor):
    triples = facts(extractor, "小鹏汽车净亏损从90亿元收窄至57亿元。")
    [loss] = find(triples, "净亏损", "小鹏汽车")
    assert loss.object.value == Decimal("5700000000")
    assert loss.object.previous is not None and loss.object.previous.value == Decimal("9000000000")


def test_a_decrease_is_a_negative_growth_rate(extractor):
    triples = facts(extractor, "长城汽车一季度销量同比下降12%。")
    [growth] = find(triples, "增长率", "长城汽车")
    assert growth.object.value == Decimal("-12")


def test_quarter_takes_its_year_from_the_article(extractor):
    triples = facts(extractor, "理想汽车2024年交付50万辆。\n其中理想汽车第四季度交付15.8万辆。")
    quarters = [t for t in find(triples, "交付", "理想汽车") if t.object.value == Decimal("158000")]
    assert quarters and quarters[0].time.normalised == "2024-Q4"


def test_implicit_subject_comes_from_the_topic_and_is_marked_inferred(extractor):
    text = "宁德时代发布2024年年报。\n公司全年营收3620亿元。"
    [revenue] = find(facts(extractor, text), "营收")
    assert revenue.subject.name == "宁德时代"
    assert revenue.inferred and revenue.confidence < 0.8


def test_paragraph_topic_follows_the_paragraph_not_the_most_frequent_name(extractor):
    text = ("比亚迪发布年报，比亚迪销量领先，比亚迪海外增长迅速。\n"
            "长城汽车同日发布业绩。公司全年营收1700亿元。")
    [revenue] = find(facts(extractor, text), "营收")
    assert revenue.subject.name == "长城汽车"


def test_bullets_inherit_the_topic_of_their_heading(extractor):
    text = "比亚迪发布年报。\n吉利汽车2024年主要亮点：\n• 营收：全年营收2400亿元\n"
    [revenue] = find(facts(extractor, text), "营收")
    assert revenue.subject.name == "吉利汽车"


def test_partner_marker_makes_the_listed_companies_objects(extractor):
    triples = facts(extractor, "长安汽车与华为、宁德时代合作。")
    assert {t.object.name for t in find(triples, "合作", "长安汽车")} >= {"华为", "宁德时代"}


def test_passive_agent_is_the_subject(extractor):
    triples = facts(extractor, "京东由刘强东于1998年在北京创立。")
    assert find(triples, "创立", "刘强东", "京东")


def test_person_after_a_title_works_for_the_organisation_before_it(extractor):
    triples = facts(extractor, "招商证券董事长霍达出席了会议。")
    assert find(triples, "任职", "霍达", "招商证券")


def test_object_first_trigger_reverses_subject_and_object(extractor):
    triples = facts(extractor, "阿里巴巴旗下的菜鸟集团发布新计划。")
    assert find(triples, "属于", "菜鸟集团", "阿里巴巴")


def test_listed_subjects_share_one_relation(extractor):
    triples = facts(extractor, "蔚来、理想汽车和小鹏汽车均采用英伟达芯片。")
    assert {t.subject.name for t in find(triples, "采用")} >= {"蔚来", "理想汽车", "小鹏汽车"}


def test_trigger_inside_a_longer_word_is_no_trigger(extractor):
    assert not find(facts(extractor, "华为优化了供应链管理体系。"), "供应")


def test_evidence_offsets_point_into_the_original_traditional_text(extractor):
    text = "去年市況平淡。\n台積電2023年營收新台幣2.16兆元。"
    [revenue] = find(facts(extractor, text), "营收")
    assert revenue.evidence.sentence == "台積電2023年營收新台幣2.16兆元。"
    assert text[revenue.evidence.start:revenue.evidence.end] == revenue.evidence.sentence
    spans = {s.role: text[s.start:s.end] for s in revenue.evidence.spans}
    assert spans["subject"] == "台積電" and spans["object"] == "新台幣2.16兆元"
    assert "台積電" in revenue.subject.aliases


def test_every_triple_has_a_confidence_and_an_extractor(extractor):
    for t in facts(extractor, "比亚迪2023年营收6023亿元。公司与丰田合作研发电池。"):
        assert 0 <= t.confidence <= 1 and t.extractor


def test_a_user_ontology_predicate_is_extracted_without_code_change():
    extractor = Extractor(Settings(ontology=(str(DEFAULT_ONTOLOGY.parent / "examples" / "esg.ttl"),), use_model=False))
    triples = facts(extractor, "宁德时代2024年碳排放量为120万吨。")
    [emission] = find(triples, "carbonEmissions", "宁德时代")
    assert (emission.object.value, emission.object.unit) == (Decimal("1200000"), "吨")


def test_a_sentence_opening_with_qizhong_continues_the_previous_subject(extractor):
    text = "吉利汽车发布年报。\n极氪智能科技去年收入500亿元。其中第四季度收入160亿元。"
    quarter = [t for t in find(facts(extractor, text), "营收") if t.object.value == Decimal("16000000000")]
    assert quarter and quarter[0].subject.name == "极氪智能科技" and quarter[0].time.normalised.endswith("Q4")


def test_a_trigger_right_after_a_figure_is_that_figures(extractor):
    triples = facts(extractor, "问界M9以4.5秒零百加速、8分钟快充成绩领先。")
    assert [t.object.raw for t in find(triples, "零百加速")] == ["4.5秒"]


def test_the_topic_never_fills_a_subject_the_ontology_says_must_be_written(extractor):
    text = "宁德时代发布年报。\n该项目位于德国图林根州。"
    assert not find(facts(extractor, text), "位于")


def test_a_subjectless_clause_takes_the_topic_with_its_unrecognised_objects(extractor):
    text = "长城汽车发布年报。\n• 技术布局：自研柠檬混动平台，打破国外垄断。"
    developed = find(facts(extractor, text), "研发", "长城汽车")
    assert developed and developed[0].inferred


def test_a_figure_before_the_noun_that_names_it(extractor):
    triples = facts(extractor, "目前3.5亿HarmonyOS用户构成了生态基础。")
    users = find(triples, "用户数", "HarmonyOS")
    assert users and users[0].object.value == Decimal("350000000")


def test_a_relative_clause_relates_the_noun_it_modifies(extractor):
    triples = facts(extractor, "位于泰国罗勇府的星河泰国工厂已投产。")
    assert [(t.subject.name, t.object.name) for t in find(triples, "位于")] == [("星河泰国工厂", "泰国罗勇府")]


def test_a_later_clause_takes_the_subject_the_sentence_stated(extractor):
    text = "星河集团发布年报。\n位于越南北宁省的星河越南工厂已于6月投产，规划年产能30万台。"
    capacity = find(facts(extractor, text), "产能")
    assert capacity and capacity[0].subject.name == "星河越南工厂" and not capacity[0].inferred


def test_a_change_keeps_the_old_value_and_its_year_apart(extractor):
    triples = facts(extractor, "长安汽车2023年毛利率由2022年的17.5%提升至18.9%。")
    [margin] = find(triples, "毛利率", "长安汽车")
    assert margin.object.value == Decimal("18.9") and margin.object.previous.value == Decimal("17.5")
    assert margin.time.normalised == "2023"


def test_a_quarter_takes_the_latest_year_named_not_the_last(extractor):
    text = "比亚迪2023年销量302万辆，高于2022年的186万辆。\n第四季度营收1800亿元。"
    [revenue] = find(facts(extractor, text), "营收")
    assert revenue.time.normalised == "2023-Q4"


def test_a_figure_without_a_time_takes_the_report_year_from_context(extractor):
    text = "比亚迪发布2023年年报。\n报告期内，公司实现营业收入6023亿元。"
    [revenue] = find(facts(extractor, text), "营收")
    assert (revenue.time.raw, revenue.time.normalised) == ("", "2023")


def test_listed_agents_of_a_passive_each_get_the_fact(extractor):
    triples = facts(extractor, "天玑9400芯片已获OPPO、vivo采用。")
    assert {t.subject.name for t in find(triples, "采用")} == {"OPPO", "vivo"}


def test_a_pronoun_subject_fills_a_predicate_the_topic_alone_may_not(extractor):
    text = "联发科发布财报。\n该公司总部位于新竹科学园区。"
    [located] = find(facts(extractor, text), "位于")
    assert located.subject.name == "联发科" and located.inferred
