"""Numbers with units become exact Quantities with ontology units; context rules out the rest."""

from dataclasses import replace
from decimal import Decimal

import pytest

from kg.quantities import find_quantities, normalise_quantity


@pytest.mark.parametrize("raw, value, unit, dimension", [
    ("24.58万辆", "245800", "辆", "vehicles"),
    ("1287亿元", "128700000000", "元", "currency"),
    ("56.3万元", "563000", "元", "currency"),
    ("2,350万元", "23500000", "元", "currency"),
    ("1287亿元人民币", "128700000000", "元", "currency"),
    ("百亿美元", "10000000000", "美元", "currency"),
    ("千亿", "100000000000", "", "count"),
    ("3.7亿", "370000000", "", "count"),
    ("18.6%", "18.6", "%", "percentage"),
    ("2个百分点", "2", "个百分点", "percentagePoint"),
    ("2.75秒", "2.75", "秒", "duration"),
    ("650km", "650", "km", "distance"),
    ("650 km", "650", "km", "distance"),
    ("78.5GWh", "78.5", "GWh", "energy"),
    ("2.5万辆/月", "25000", "辆/月", "vehiclesPerPeriod"),
    ("45天", "45", "天", "duration"),
    ("6.2万件", "62000", "件", "items"),
    ("5200吨", "5200", "吨", "mass"),
    ("1800元", "1800", "元", "currency"),
    ("6.5兆新台币", "6500000000000", "新台币", "currency"),
    ("US$2.5亿", "250000000", "美元", "currency"),
])
def test_quantity_normalise_scales_and_names_the_canonical_unit(ontology, raw, value, unit, dimension):
    q = normalise_quantity(raw, ontology)
    assert (q.raw, q.value, q.unit, q.dimension) == (raw, Decimal(value), unit, dimension)
    assert not q.approximate


@pytest.mark.parametrize("raw, value", [
    ("一千二百万", 12000000), ("两千", 2000), ("三百五十亿", 35000000000), ("十二", 12),
    ("二十", 20), ("一千零八", 1008), ("〇", 0), ("零", 0), ("一亿三千万", 130000000),
    ("一万亿", 10**12), ("三千五", 3500), ("两万五", 25000), ("九十九", 99),
])
def test_quantity_chinese_numerals_have_their_exact_value(ontology, raw, value):
    assert normalise_quantity(raw, ontology).value == value


def test_quantity_unit_inside_the_multipliers_wins(ontology):
    assert (normalise_quantity("5千米", ontology).value, normalise_quantity("5千米", ontology).unit) == (5, "km")
    q = normalise_quantity("1.5万千瓦", ontology)
    assert (q.value, q.unit) == (15000, "kW")
    assert normalise_quantity("3千万元", ontology).value == 30000000


@pytest.mark.parametrize("raw, modifier, value", [
    ("约800亿元", "约", 80000000000), ("大约800亿元", "大约", 80000000000),
    ("超50万台", "超", 500000), ("超过50万台", "超过", 500000), ("近30%", "近", 30),
    ("将近30%", "将近", 30), ("逾200家", "逾", 200), ("50多万台", "多", 500000),
    ("200余家", "余", 200), ("10万余辆", "余", 100000), ("500+项", "+", 500),
    ("50万辆以上", "以上", 500000), ("约为65亿元", "约", 6500000000),
])
def test_quantity_approximate_markers_are_kept(ontology, raw, modifier, value):
    q = normalise_quantity(raw, ontology)
    assert (q.modifier, q.value, q.approximate) == (modifier, value, True)


@pytest.mark.parametrize("raw, low, high, unit", [
    ("8-12万元", 80000, 120000, "元"),
    ("8万至12万元", 80000, 120000, "元"),
    ("8万到12万元", 80000, 120000, "元"),
    ("15%-25%", 15, 25, "%"),
    ("两千至三千台", 2000, 3000, "台"),
])
def test_quantity_range_keeps_bottom_as_value_and_top_as_upper(ontology, raw, low, high, unit):
    q = normalise_quantity(raw, ontology)
    assert (q.value, q.upper, q.unit) == (low, high, unit)


def test_quantity_leading_minus_is_negative(ontology):
    assert normalise_quantity("-3.5%", ontology).value == Decimal("-3.5")


def test_quantity_value_is_exact_and_serialises_as_a_plain_number(ontology):
    q = normalise_quantity("0.1万元", ontology)
    assert q.value == Decimal("1000") and str(q.value) == "1000"
    assert q.to_dict()["value"] == 1000
    assert str(normalise_quantity("12.50%", ontology).value) == "12.5"


@pytest.mark.parametrize("raw", ["", "营收", "2023年", "abc", "5mm", "120km/h", "一二", "十百", "约",
                                 "8万元增长", "3659亿元 "])
def test_quantity_normalise_refuses_what_is_not_one_quantity(ontology, raw):
    with pytest.raises(ValueError, match="not a quantity"):
        normalise_quantity(raw, ontology)


def found(text, ontology):
    matches = find_quantities(text, ontology)
    for m in matches:
        assert text[m.start:m.end] == m.quantity.raw
    return [(m.quantity.raw, m.quantity.value, m.quantity.unit) for m in matches]


def test_quantity_find_in_sentence_with_year_and_growth(ontology):
    text = "比亚迪2023年全年销量达302万辆,同比增长62%。"
    assert found(text, ontology) == [("302万辆", 3020000, "辆"), ("62%", 62, "%")]


def test_quantity_find_takes_approximate_marker_into_the_span(ontology):
    text = "公司前三季度净利润约为120亿元人民币。"
    [match] = find_quantities(text, ontology)
    assert match.quantity.raw == "约为120亿元人民币"
    assert (match.quantity.value, match.quantity.unit, match.quantity.modifier) == (12000000000, "元", "约")


def test_quantity_find_skips_model_names_and_digits_glued_to_letters(ontology):
    text = "小米14搭载骁龙8295芯片,ES8与A16同场,Mate 60 Pro和iPhone 15也来了,新车售价19.98万元。"
    assert found(text, ontology) == [("19.98万元", 199800, "元")]


def test_quantity_find_skips_dates_and_ordinals(ontology):
    text = "截至2023年6月30日,该品牌在第二季度排名第4名,2023年Q2发布。"
    assert found(text, ontology) == []


def test_quantity_find_skips_bare_numbers_but_keeps_scaled_ones(ontology):
    text = "编号2000的方案覆盖15个城市,投资3.2亿,目标千亿。"
    assert found(text, ontology) == [("15个", 15, "件"), ("3.2亿", 320000000, ""),
                                     ("千亿", 100000000000, "")]


def test_quantity_find_skips_lone_chinese_digits_and_vague_numbers(ontology):
    text = "一家车企推出三元锂电池,几十万辆和数百亿元都是估计,百度也在列,共有十二家门店。"
    assert found(text, ontology) == [("十二家", 12, "件")]


def test_quantity_find_skips_rates_the_ontology_does_not_name(ontology):
    text = "零百加速3.9s,极速200km/h,产能3万辆/年。"
    assert found(text, ontology) == [("3.9s", Decimal("3.9"), "秒"), ("3万辆/年", 30000, "辆/年")]


def test_quantity_find_reads_ranges_and_negative_changes(ontology):
    text = "2021-2023年单价在8万至12万元之间,毛利率15%-25%,利润率为-2.4%。"
    assert found(text, ontology) == [("8万至12万元", 80000, "元"), ("15%-25%", 15, "%"),
                                     ("-2.4%", Decimal("-2.4"), "%")]


def test_quantity_find_results_do_not_overlap_and_run_left_to_right(ontology):
    text = "交付超10万辆,其中50多万台设备,以及1000余家门店和800+项专利。"
    matches = find_quantities(text, ontology)
    assert [m.quantity.modifier for m in matches] == ["超", "多", "余", "+"]
    assert all(a.end <= b.start for a, b in zip(matches, matches[1:]))


def test_quantity_find_on_text_without_numbers_is_empty(ontology):
    assert find_quantities("华为与赛力斯深化合作,共同打造问界品牌。", ontology) == []


def test_quantity_find_leaves_days_of_the_month_to_times(ontology):
    text = "理想汽车于12月5日、6日召开发布会,承诺30日内交车,并在8日晚公布价格。"
    assert found(text, ontology) == [("30日", 30, "天")]


def test_quantity_find_reads_chinese_numerals_at_the_start_and_guards_mega(ontology):
    text = "三千万元的订单落地,千兆宽带覆盖全市,储能装机100兆瓦时,台厂营收2.1兆新台币。"
    assert found(text, ontology) == [("三千万元", 30000000, "元"), ("100兆瓦时", 100, "MWh"),
                                     ("2.1兆新台币", 2100000000000, "新台币")]


def test_quantity_find_skips_latin_units_that_run_into_a_model_name(ontology):
    text = "小米13s Pro发布,百公里加速3.6s,续航可达700km。"
    assert found(text, ontology) == [("3.6s", Decimal("3.6"), "秒"), ("700km", 700, "km")]


def test_quantity_compound_magnitudes_add_up(ontology):
    q = normalise_quantity("新台币2兆1,326亿元", ontology)
    assert (q.value, q.unit, q.raw) == (Decimal("2132600000000"), "新台币", "新台币2兆1,326亿元")
    assert normalise_quantity("1亿3000万元", ontology).value == Decimal("130000000")
    [match] = find_quantities("全年营收达新台币6兆8,590亿元,年增11%", ontology)[:1]
    assert match.quantity.value == Decimal("6859000000000")


def test_quantity_find_skips_a_figure_too_long_to_hold_exactly_and_reads_the_next(ontology):
    text = "该基金披露的规模为99999999999999999999999999亿元,显然有误,净利润为12亿元。"
    assert found(text, ontology) == [("12亿元", 1200000000, "元")]


@pytest.mark.parametrize("raw", ["99999999999999999999999999亿元", "1234567890123456789012345678.95元"])
def test_quantity_normalise_refuses_a_figure_it_cannot_hold_exactly(ontology, raw):
    with pytest.raises(ValueError):
        normalise_quantity(raw, ontology)


def test_quantity_each_ontology_object_reads_with_its_own_units(ontology):
    without_vehicles = replace(ontology, units={s: u for s, u in ontology.units.items() if s != "辆"})
    assert normalise_quantity("3万辆", ontology).unit == "辆"
    with pytest.raises(ValueError):
        normalise_quantity("3万辆", without_vehicles)
    assert normalise_quantity("3万辆", ontology).unit == "辆"
