"""Normalisation keeps offsets into the original text; sentences split the Chinese way."""

from kg.text import MAX_SENTENCE_CHARS, normalise, split_sentences


def test_traditional_becomes_simplified_for_processing():
    assert normalise("寧德時代發佈麒麟電池").text == "宁德时代发布麒麟电池"


def test_full_width_becomes_half_width():
    assert normalise("ＳＵ７售價２１．５９萬元，增長３０％！").text == "SU7售价21.59万元,增长30%!"


def test_offsets_found_in_normalised_text_point_into_the_original():
    original = "鴻海（Ｆｏｘｃｏｎｎ）２０２３年營收６．１６兆新臺幣"
    norm = normalise(original)
    start = norm.text.index("Foxconn")
    end = start + len("Foxconn")
    assert norm.original_span(start, end) == "Ｆｏｘｃｏｎｎ"
    start = norm.text.index("营收")
    assert norm.original_span(start, start + 2) == "營收"


def test_normalised_text_has_the_length_of_the_original_even_for_mixed_lines():
    original = "乾隆皇帝的後台\n台灣積體電路製造公司，於２０２３年\n"
    assert len(normalise(original).text) == len(original)


def sentences(text):
    return [s.text for s in split_sentences("doc", normalise(text))]


def test_sentences_split_at_chinese_terminators_and_line_breaks():
    text = "蔚来交付新车2万辆。理想汽车呢？表现更好！\n零跑汽车：销量翻番；小鹏汽车持平"
    assert sentences(text) == ["蔚来交付新车2万辆。", "理想汽车呢？", "表现更好！",
                               "零跑汽车：销量翻番；", "小鹏汽车持平"]


def test_quotes_and_brackets_are_kept_whole():
    text = "雷军说：“我们做到了。下一步是出海！”随后发布新品（售价3999元。限时优惠）。"
    assert sentences(text) == ["雷军说：“我们做到了。下一步是出海！”", "随后发布新品（售价3999元。限时优惠）。"]


def test_bullets_start_sentences_and_are_left_out():
    text = "主要亮点：\n• 储能业务：出货量同比增长50%\n1. 海外收入占比提升\n二、研发投入加大\n(3) 员工人数增加"
    assert sentences(text) == ["主要亮点：", "储能业务：出货量同比增长50%", "海外收入占比提升",
                               "研发投入加大", "员工人数增加"]


def test_numbers_at_line_start_are_not_bullets():
    assert sentences("12.5%的用户选择续费。") == ["12.5%的用户选择续费。"]


def test_sentence_offsets_and_text_come_from_the_original_in_traditional_script():
    original = "台積電營收創新高。\n魏哲家表示：「AI需求強勁。」"
    parts = split_sentences("tsmc", normalise(original))
    assert [(s.text, original[s.start:s.end]) for s in parts] == [
        ("台積電營收創新高。", "台積電營收創新高。"), ("魏哲家表示：「AI需求強勁。」", "魏哲家表示：「AI需求強勁。」")]
    assert [s.paragraph for s in parts] == [0, 1]


def test_an_overlong_sentence_is_cut_at_clause_marks_else_hard():
    clause = "星河科技与云帆半导体签署合作协议，"  # invented names; 17 characters a clause
    text = clause * 100 + "好" * 1200 + "。"
    sentences = split_sentences("d", normalise(text))
    assert max(len(s.text) for s in sentences) <= MAX_SENTENCE_CHARS
    assert "".join(s.text for s in sentences) == text  # nothing lost, in order
    clauses = [s.text for s in sentences if s.text.startswith("星河")]
    assert clauses and all(s.endswith("，") for s in clauses[:-1])  # cut after a comma, not inside a clause
    # three cuts after the 29th comma of each stretch; then no comma late enough: hard cuts
    assert [len(s.text) for s in sentences] == [29 * 17] * 3 + [MAX_SENTENCE_CHARS] * 2 + [422]
