"""Time expressions become normalised qualifiers; offsets point into the text given."""

import pytest

from kg.times import find_times, normalise_time


@pytest.mark.parametrize("raw, normalised", [
    ("2023年", "2023"),
    ("2019年全年", "2019"),
    ("2021年度", "2021"),
    ("2023年Q2", "2023-Q2"),
    ("2023Q2", "2023-Q2"),
    ("2023年第二季度", "2023-Q2"),
    ("2023年二季度", "2023-Q2"),
    ("2021年前三季度", "2021-Q1..Q3"),
    ("2023年Q1-Q3", "2023-Q1..Q3"),
    ("2022年上半年", "2022-H1"),
    ("2022年下半年", "2022-H2"),
    ("2022H2", "2022-H2"),
    ("2023年6月", "2023-06"),
    ("2023年1-9月", "2023-01..09"),
    ("2022年9月30日", "2022-09-30"),
    ("截至2023年6月30日", "2023-06-30"),
    ("2023-06-30", "2023-06-30"),
    ("2022年底", "2022-12"),
    ("2022年末", "2022-12"),
    ("2021年初", "2021-01"),
    ("2019-2023年", "2019..2023"),
    ("2019年至2023年", "2019..2023"),
    ("2023财年", "FY2023"),
    ("FY2023", "FY2023"),
])
def test_time_normalise_written_out_forms(raw, normalised):
    time = normalise_time(raw)
    assert time.normalised == normalised
    assert time.raw == raw


@pytest.mark.parametrize("raw, with_year, without_year", [
    ("第三季度", "2023-Q3", "Q3"),
    ("三季度", "2023-Q3", "Q3"),
    ("Q3", "2023-Q3", "Q3"),
    ("前两季度", "2023-Q1..Q2", "Q1..Q2"),
    ("上半年", "2023-H1", "H1"),
    ("9月", "2023-09", "--09"),
    ("9月30日", "2023-09-30", "--09-30"),
])
def test_time_without_year_takes_the_default_year(raw, with_year, without_year):
    assert normalise_time(raw, default_year=2023).normalised == with_year
    assert normalise_time(raw).normalised == without_year


@pytest.mark.parametrize("raw, normalised", [
    ("去年", "2022"), ("今年", "2023"), ("明年", "2024"), ("前年", "2021"),
    ("去年第四季度", "2022-Q4"), ("今年上半年", "2023-H1"), ("今年底", "2023-12"),
])
def test_time_relative_years_count_from_the_default_year(raw, normalised):
    assert normalise_time(raw, default_year=2023).normalised == normalised


def test_time_relative_year_without_default_year_is_refused():
    with pytest.raises(ValueError, match="not a time expression"):
        normalise_time("去年")
    assert find_times("去年营收增长两成。") == []


@pytest.mark.parametrize("raw", ["", "营收", "2000元", "1899年", "2101年", "3个月", "H1", "2023年 ",
                                 "三至一季度", "2024-2020年"])
def test_time_normalise_refuses_what_is_not_one_time_expression(raw):
    with pytest.raises(ValueError, match="not a time expression"):
        normalise_time(raw)


def test_time_find_in_sentence_offsets_match_the_text():
    text = "蔚来2023年全年交付16万辆,去年第四季度营收171亿元,截至12月31日现金储备充足。"
    found = find_times(text, default_year=2024)
    assert [(text[t.start:t.end], t.time.raw, t.time.normalised) for t in found] == [
        ("2023年全年", "2023年全年", "2023"),
        ("去年第四季度", "去年第四季度", "2023-Q4"),
        ("截至12月31日", "截至12月31日", "2024-12-31"),
    ]


def test_time_find_keeps_years_apart_from_amounts_and_durations():
    text = "理想汽车1999年的设想不重要,单车利润2000元,研发周期18个月,2000年成立的公司。"
    assert [t.time.normalised for t in find_times(text)] == ["1999", "2000"]


def test_time_find_ignores_digits_glued_to_latin_letters():
    text = "搭载SQ4模组的H1芯片和A2024处理器亮相。"
    assert find_times(text) == []


def test_time_find_reads_ranges_as_one_expression():
    text = "2019年至2023年,公司营收复合增长率达30%;2023年1-9月出口翻倍。"
    assert [t.time.normalised for t in find_times(text)] == ["2019..2023", "2023-01..09"]


def test_time_day_of_unnamed_month_stays_a_day_and_durations_do_not():
    text = "蔚来于18日公布交付数据,12月8日、9日两场活动,整改须在15日内完成。"
    assert [(t.time.raw, t.time.normalised) for t in find_times(text, default_year=2023)] == [
        ("18日", "---18"), ("12月8日", "2023-12-08"), ("9日", "---09")]


def test_time_year_start_is_not_read_into_preliminary():
    text = "2023年初步核算营收增长,2024年初启动新工厂。"
    assert [(t.time.raw, t.time.normalised) for t in find_times(text)] == [
        ("2023年", "2023"), ("2024年初", "2024-01")]


def test_time_year_end_is_read_before_any_word():
    text = "该工厂于2023年底步入量产。"
    assert [(t.time.raw, t.time.normalised) for t in find_times(text)] == [("2023年底", "2023-12")]


def read_times(ontology, text):
    from kg.model import Doc, Document
    from kg.text import Normaliser
    from kg.times import TimeReader
    doc = Doc(Document("t", text))
    Normaliser(ontology)(doc)
    TimeReader(ontology)(doc)
    return {doc.text[t.start:t.end]: t.time.normalised for t in doc.times}


def test_a_date_does_not_take_the_year_of_a_plan_after_it(ontology):
    times = read_times(ontology, "11月24日，两家公司签署协议，双方将于2027年下半年交付首款产品。")
    assert times["11月24日"] == "--11-24"


def test_a_quarter_before_the_year_of_its_sentence_takes_that_year(ontology):
    times = read_times(ontology, "第四季度营收30亿元，2023年全年营收100亿元。")
    assert times["第四季度"] == "2023-Q4"


def test_periods_of_a_range_come_in_order():
    from kg.times import periods_of
    assert periods_of("2021..2023") == ["2021", "2022", "2023"]
    assert periods_of("2024-Q1..Q3") == ["2024-Q1", "2024-Q2", "2024-Q3"]
    assert periods_of("2024-H1") == ["2024-H1"]
