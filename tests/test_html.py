"""The interactive page: the data step in plain Python, the page itself in headless Chromium."""

from __future__ import annotations

import json
import re
from decimal import Decimal
from pathlib import Path

import pytest

from kg.model import (Entity, Evidence, KnowledgeGraph, PredicateRef, Quantity, Span,
                      TimeQualifier, Triple)
from kg.sinks.html import (LARGE_GRAPH_NODES, MIN_SIZE, UNKNOWN_COLOUR, evidence_segments, node_sizes,
                           page_data, quantity_value, write_html)
from kg.sinks.html_template import json_for_script, render_page

pytest_plugins = ["tests.browser"]  # also registered by conftest; loading it twice is a no-op

ARTIFACTS = Path(__file__).resolve().parent.parent / "test-artifacts"
HOSTILE = "<img src=x onerror=window.__xss=1>"

# An invented document: every company, person and figure below is made up.
DOC = ("星河科技有限公司与云帆半导体达成合作。"
       "星河科技2024年第四季度营收约13.69亿元，毛利率为21.5%。"
       "青岚资本投资了星河科技有限公司。"
       "林晓明任职于云帆半导体。"
       f"云帆半导体发布了{HOSTILE}。")


def _evidence(sentence: str, **roles: str) -> Evidence:
    """Evidence for one sentence of DOC, each role's span found by its surface."""
    start = DOC.index(sentence)
    spans = tuple(Span(role, start + sentence.index(surface), start + sentence.index(surface) + len(surface))
                  for role, surface in roles.items())
    return Evidence("星河年报", sentence, start, start + len(sentence), spans)


@pytest.fixture(scope="module")
def graph() -> KnowledgeGraph:
    xinghe = Entity.named("星河科技有限公司", "Company", aliases=["星河科技"])
    yunfan = Entity.named("云帆半导体", "Company")
    qinglan = Entity.named("青岚资本", "Company")
    lin = Entity.named("林晓明", "Person")
    chip = Entity.named(HOSTILE, "Product")
    s1, s2, s3, s4, s5 = re.findall(r"[^。]+。", DOC)
    q4 = TimeQualifier("2024年第四季度", "2024-Q4")
    triples = [
        Triple(xinghe, PredicateRef("partnerOf", "合作"), yunfan,
               _evidence(s1, subject="星河科技有限公司", trigger="合作", object="云帆半导体"), confidence=0.9),
        Triple(xinghe, PredicateRef("revenue", "营收"),
               Quantity("约13.69亿元", Decimal("1369000000"), "元", "currency", modifier="约"),
               _evidence(s2, subject="星河科技", trigger="营收", object="约13.69亿元"), q4, 0.85),
        Triple(xinghe, PredicateRef("grossMargin", "毛利率"),
               Quantity("21.5%", Decimal("21.5"), "%", "ratio"),
               _evidence(s2, subject="星河科技", trigger="毛利率", object="21.5%"), q4, 0.8),
        Triple(qinglan, PredicateRef("investsIn", "投资"), xinghe,
               _evidence(s3, subject="青岚资本", trigger="投资", object="星河科技有限公司"), confidence=0.75),
        Triple(lin, PredicateRef("worksFor", "任职"), yunfan,
               _evidence(s4, subject="林晓明", trigger="任职", object="云帆半导体"), confidence=0.7),
        Triple(yunfan, PredicateRef("launches", "发布"), chip,
               _evidence(s5, subject="云帆半导体", trigger="发布", object=HOSTILE), confidence=0.95),
    ]
    return KnowledgeGraph({e.id: e for e in (xinghe, yunfan, qinglan, lin, chip)}, triples)


# ---- the data step ----

def test_json_for_script_escapes_markup_and_line_separators():
    value = {"name": "</script><b>&amp;\u2028\u2029"}
    text = json_for_script(value)
    assert not set("<>&\u2028\u2029") & set(text)
    assert json.loads(text) == value


def test_page_embeds_hostile_name_only_escaped_and_loads_nothing_from_outside(graph, ontology):
    page = render_page(page_data(graph, ontology, title="<b>标题</b>"))
    assert HOSTILE not in page
    assert "<title>&lt;b&gt;标题&lt;/b&gt;</title>" in page
    assert page.lower().count("</script>") == 3  # data, library, page script: nothing else closes
    assert not re.search(r"<(script|link|img|iframe)[^>]+(src|href)=", page, re.IGNORECASE)
    assert "@version 10.1.5" in page  # the bundled vis-network is inlined


def test_quantities_become_a_table_on_their_entity_not_nodes(graph, ontology):
    data = page_data(graph, ontology)
    assert len(data["nodes"]) == len(graph.entities)
    assert len(data["edges"]) == len(list(graph.entity_triples()))
    xinghe = next(n for n in data["nodes"] if n["name"] == "星河科技有限公司")
    rows = [{k: q[k] for k in ("label", "value", "unit", "raw", "time")} for q in xinghe["quantities"]]
    assert rows == [
        {"label": "营收", "value": "≈ 1,369,000,000", "unit": "元", "raw": "约13.69亿元",
         "time": "2024年第四季度（2024-Q4）"},
        {"label": "毛利率", "value": "21.5", "unit": "%", "raw": "21.5%", "time": "2024年第四季度（2024-Q4）"},
    ]


@pytest.mark.parametrize("raw, value, modifier, upper, shown", [
    ("40万辆以上", "400000", "以上", None, "≥ 400,000"),
    ("超过60万辆", "600000", "超过", None, "> 600,000"),
    ("约4.8万项", "48000", "约", None, "≈ 48,000"),
    ("10-12万元", "100000", "", "120000", "100,000–120,000"),
    ("5万辆开外", "50000", "开外", None, "50,000开外"),  # a modifier the table lacks stays on its side
    ("足足5万辆", "50000", "足足", None, "足足50,000"),
])
def test_quantity_value_shows_the_modifier_as_a_sign_on_the_right_side(raw, value, modifier, upper, shown):
    quantity = Quantity(raw, Decimal(value), "辆", "vehicles", modifier=modifier,
                        upper=None if upper is None else Decimal(upper))
    assert quantity_value(quantity) == shown


def test_nodes_grow_with_degree_and_isolated_nodes_get_the_minimum(graph):
    sizes = node_sizes([*graph.entities, "孤立"], graph.triples)
    by_name = {e.name: sizes[e.id] for e in graph.entities.values()}
    assert by_name["云帆半导体"] > by_name["林晓明"]
    assert sizes["孤立"] == MIN_SIZE


def test_evidence_segments_use_offsets_relative_to_the_sentence():
    ev = Evidence("d", "乙公司收购丙公司。", 100, 109,
                  (Span("object", 105, 108), Span("subject", 100, 103), Span("trigger", 103, 105)))
    assert evidence_segments(ev) == [{"text": "乙公司", "role": "subject"},
                                     {"text": "收购", "role": "trigger"},
                                     {"text": "丙公司", "role": "object"},
                                     {"text": "。", "role": ""}]


def test_evidence_segments_clip_outside_spans_and_drop_overlaps():
    ev = Evidence("d", "甲集团投资乙。", 10, 17,
                  (Span("subject", 8, 13), Span("trigger", 12, 15), Span("object", 15, 40)))
    assert evidence_segments(ev) == [{"text": "甲集团", "role": "subject"},
                                     {"text": "投资", "role": ""},
                                     {"text": "乙。", "role": "object"}]


def test_classes_get_ontology_colours_and_chinese_legend_labels(graph, ontology):
    data = page_data(graph, ontology)
    assert {c["name"]: c["label"] for c in data["classes"]} == {
        "Company": "公司", "Person": "人物", "Product": "产品"}
    colours = {c["color"] for c in data["classes"]}
    assert len(colours) == 3
    assert all(n["color"] in colours for n in data["nodes"])


def linked(entities: list[Entity]) -> KnowledgeGraph:
    """A graph whose entities are chained by 合作 facts: the page draws entities that facts are about."""
    facts = [Triple(a, PredicateRef("partnerOf", "合作"), b, Evidence("d", "甲与乙合作。", 0, 6))
             for a, b in zip(entities, entities[1:])]
    return KnowledgeGraph({e.id: e for e in entities}, facts)


def test_entities_no_fact_is_about_are_not_drawn(ontology):
    lonely = Entity.named("孤立公司", "Company")
    pair = [Entity.named("甲公司", "Company"), Entity.named("乙公司", "Company")]
    graph = linked(pair)
    graph.entities[lonely.id] = lonely
    assert {n["name"] for n in page_data(graph, ontology)["nodes"]} == {"甲公司", "乙公司"}


def test_classes_missing_from_the_ontology_are_drawn_grey_under_their_own_name(ontology):
    data = page_data(linked([Entity.named("某物", "Gadget"), Entity.named("另一物", "Gadget")]), ontology)
    assert data["classes"] == [{"name": "Gadget", "label": "Gadget", "color": UNKNOWN_COLOUR}]


def test_an_empty_graph_still_writes_a_page(ontology, tmp_path):
    page = write_html(KnowledgeGraph(), tmp_path / "sub" / "empty.html", ontology)
    assert '"nodes":[]' in page.read_text(encoding="utf-8")


def test_large_graphs_are_flagged_so_the_page_freezes_the_layout(ontology):
    entities = [Entity.named(f"公司{i}", "Company") for i in range(LARGE_GRAPH_NODES + 1)]
    assert page_data(linked(entities), ontology)["large"]


# ---- the page in headless Chromium ----

@pytest.fixture(scope="module")
def page_file(graph, ontology, tmp_path_factory) -> Path:
    return write_html(graph, tmp_path_factory.mktemp("html") / "graph.html", ontology, "星河测试图谱")


@pytest.fixture
def page(load_page, page_file):
    return load_page(page_file)


def _entity_id(graph, name):
    return next(e.id for e in graph.entities.values() if e.name == name)


def _click_node(driver, node_id):
    """A real mouse click on the node's position on the canvas."""
    from selenium.webdriver.common.action_chains import ActionChains

    canvas = driver.find_element("css selector", "#graph canvas")
    x, y = driver.execute_script(
        "const p = zhkg.network.canvasToDOM(zhkg.network.getPosition(arguments[0])); return [p.x, p.y];",
        node_id)
    size = canvas.size
    ActionChains(driver).move_to_element_with_offset(
        canvas, int(x - size["width"] / 2), int(y - size["height"] / 2)).click().perform()


def _panel_text(driver, css):
    return [e.text for e in driver.find_elements("css selector", f"#panel {css}")]


@pytest.mark.browser
def test_page_draws_one_node_per_entity_and_one_edge_per_relation(page, graph):
    counts = page.execute_script(
        "return [zhkg.nodes.length, zhkg.edges.length,"
        " zhkg.network.body.nodeIndices.length, zhkg.network.body.edgeIndices.length]")
    expected = [len(graph.entities), len(list(graph.entity_triples()))]
    assert counts == expected * 2


@pytest.mark.browser
def test_quantity_toggle_draws_quantities_as_nodes_and_back(page, graph):
    quantities = len(list(graph.quantity_triples()))
    page.find_element("id", "show-quantities").click()
    assert page.execute_script("return zhkg.network.body.nodeIndices.length") == len(graph.entities) + quantities
    page.find_element("id", "show-quantities").click()
    assert page.execute_script("return zhkg.network.body.nodeIndices.length") == len(graph.entities)


@pytest.mark.browser
def test_class_and_predicate_filters_hide_what_they_name(page, graph):
    page.find_element("xpath", "//ul[@id='legend']//label[contains(., '人物')]/input").click()
    assert page.execute_script("return zhkg.network.body.nodeIndices.length") == len(graph.entities) - 1
    page.find_element("xpath", "//ul[@id='predicate-filter']//label[contains(., '合作')]/input").click()
    assert page.execute_script("return zhkg.edgeView.length") == len(list(graph.entity_triples())) - 1


@pytest.mark.browser
def test_searching_an_alias_finds_the_entity_and_opens_it(page):
    page.find_element("id", "search").send_keys("星河科技")
    hits = page.find_elements("css selector", "#results button.hit")
    assert [h.text for h in hits] == ["星河科技有限公司"]
    hits[0].click()
    assert _panel_text(page, "h2.name") == ["星河科技有限公司"]
    assert _panel_text(page, "p.aliases") == ["别名：星河科技"]
    assert "约13.69亿元" in page.find_element("css selector", "#panel table.quantities").text


@pytest.mark.browser
def test_clicking_a_node_focuses_its_neighbourhood_and_shows_highlighted_evidence(page, graph):
    from selenium.webdriver.support.ui import Select

    lin = _entity_id(graph, "林晓明")
    _click_node(page, lin)
    assert _panel_text(page, "h2.name") == ["林晓明"]
    assert _panel_text(page, "blockquote.evidence") == ["林晓明任职于云帆半导体。"]
    marks = [(m.get_attribute("class"), m.text) for m in page.find_elements("css selector", "#panel mark")]
    assert marks == [("subject", "林晓明"), ("trigger", "任职"), ("object", "云帆半导体")]
    assert "置信度：0.70" in page.find_element("css selector", "#panel .meta").text
    assert page.execute_script("return zhkg.network.body.nodeIndices.length") == 2  # 1 hop: 林晓明, 云帆
    Select(page.find_element("id", "hops")).select_by_value("2")
    assert page.execute_script("return zhkg.network.body.nodeIndices.length") == 4  # + 星河, 发布的产品
    ARTIFACTS.mkdir(exist_ok=True)
    page.save_screenshot(str(ARTIFACTS / "html_panel.png"))


@pytest.mark.browser
def test_hostile_entity_name_is_shown_as_text_and_runs_nothing(page, graph):
    page.find_element("id", "search").send_keys("img")
    page.find_element("css selector", "#results button.hit").click()
    assert _panel_text(page, "h2.name") == [HOSTILE]
    assert HOSTILE in page.find_element("css selector", "#panel blockquote.evidence").text
    assert page.execute_script("return [typeof window.__xss, document.getElementsByTagName('img').length]") \
        == ["undefined", 0]


@pytest.mark.browser
def test_chinese_glyphs_render_as_distinct_shapes_not_tofu(page):
    """Two different characters drawn with the page's font: tofu boxes would be identical."""
    pixels = page.execute_script("""
        const draw = ch => {
          const c = document.createElement('canvas'); c.width = c.height = 40;
          const g = c.getContext('2d'); g.font = '32px ' + getComputedStyle(document.body).fontFamily;
          g.fillText(ch, 4, 34); return Array.from(g.getImageData(0, 0, 40, 40).data).join(',');
        };
        return [draw('星'), draw('河'), draw('')];""")
    assert pixels[0] != pixels[1]
    assert pixels[0] != pixels[2]
    ARTIFACTS.mkdir(exist_ok=True)
    page.save_screenshot(str(ARTIFACTS / "html_page.png"))


@pytest.mark.browser
def test_page_requests_no_resources(page):
    assert page.execute_script("return performance.getEntriesByType('resource').length") == 0


VISIBLE_NODES_ON_CANVAS = """
const canvas = document.querySelector('#graph canvas');
const ids = zhkg.network.body.nodeIndices;
const positions = zhkg.network.getPositions(ids);
return ids.map(id => {
  const p = zhkg.network.canvasToDOM(positions[id]);
  return [id, Math.round(positions[id].x), Math.round(positions[id].y),
          p.x >= 0 && p.y >= 0 && p.x <= canvas.clientWidth && p.y <= canvas.clientHeight];
});"""


@pytest.mark.browser
def test_after_a_focus_click_the_layout_stays_still_and_on_the_canvas(page, graph):
    import time

    _click_node(page, _entity_id(graph, "云帆半导体"))
    time.sleep(1.0)
    first = page.execute_script(VISIBLE_NODES_ON_CANVAS)
    time.sleep(1.5)
    second = page.execute_script(VISIBLE_NODES_ON_CANVAS)
    assert len(first) == 4  # 云帆 and its three neighbours
    assert first == second  # nothing drifts once the view is focused
    assert all(on_canvas for *_, on_canvas in second)
    page.find_element("id", "reset").click()
    time.sleep(0.5)
    everything = page.execute_script(VISIBLE_NODES_ON_CANVAS)
    assert len(everything) == len(graph.entities)
    focused = {node_id: (x, y) for node_id, x, y, _ in first}
    assert {node_id: (x, y) for node_id, x, y, _ in everything if node_id in focused} == focused  # kept places


@pytest.mark.browser
def test_quantity_table_keeps_each_metric_on_one_line(load_page, ontology, tmp_path):
    """A long value and raw text must not squeeze the metric column to one character a line."""
    company = Entity.named("北辰新能源汽车集团股份有限公司", "Company")
    sentence = "北辰新能源汽车集团股份有限公司2024年研发投入约1234567.89万元人民币，交付新车40万辆以上。"
    quantities = [("rdInvestment", "研发投入", Quantity("约1234567.89万元", Decimal("12345678900"), "元",
                                                      "currency", modifier="约")),
                  ("deliveries", "交付", Quantity("40万辆以上", Decimal("400000"), "辆", "vehicles",
                                                  modifier="以上"))]
    triples = [Triple(company, PredicateRef(predicate, label), quantity, Evidence("d", sentence, 0, len(sentence)),
                      TimeQualifier("2024年", "2024"), 0.9) for predicate, label, quantity in quantities]
    page = load_page(write_html(KnowledgeGraph({company.id: company}, triples), tmp_path / "q.html", ontology))
    page.execute_script("zhkg.focusOn(arguments[0])", company.id)
    lines = page.execute_script("""
        return Array.from(document.querySelectorAll('#panel table.quantities tbody tr')).map(tr => {
          const range = document.createRange(); range.selectNodeContents(tr.cells[0]);
          const tops = new Set(Array.from(range.getClientRects()).map(r => Math.round(r.top)));
          return [tr.cells[0].textContent, tops.size, tr.cells[1].textContent];
        });""")
    assert lines == [["研发投入", 1, "≈ 12,345,678,900"], ["交付", 1, "≥ 400,000"]]
    ARTIFACTS.mkdir(exist_ok=True)
    page.save_screenshot(str(ARTIFACTS / "html_quantities.png"))
