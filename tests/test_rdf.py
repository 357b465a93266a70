"""RDF export: every format parses back to the same graph, hostile names included."""

from __future__ import annotations

import hashlib
import json
import re
from decimal import Decimal
from pathlib import Path

import pyoxigraph
import pytest
from click.testing import CliRunner
from rdflib import DCTERMS, RDF, RDFS, SKOS, Dataset, Graph, Literal, URIRef, XSD
from rdflib.compare import isomorphic, to_isomorphic

from kg.model import (Document, Entity, Evidence, KnowledgeGraph, PredicateRef, Quantity,
                      TimeQualifier, Triple)
from kg.ontology import ZHKG, load_ontology
from kg.cli import main
from kg.sinks.rdf import (DEFAULT_BASE, FORMATS, SCHEMA, check_base, decimal_lexical, iri_segment, read_rdf,
                          source_name, statements, to_rdf, union_graph, write_rdf)
from kg.sinks.rdf_stream import text
from kg.sinks.rdf_time import time_interval

DOCS = Path(__file__).resolve().parent.parent / "docs" / "rdf.md"
HOSTILE = ['比亚迪 汽车', '他说"你好"', "<script>&</script>", "🚗⚡电动", "第一行\n第二行\r\t结尾\\",
           "e\u0301"]  # the last one is decomposed: NFC must not change the literal


def _quantity_triple(subject: Entity, predicate: str, label: str, raw: str, value: str, unit: str,
                     dimension: str, year: str, doc: str = "d1", **extra) -> Triple:
    sentence = f"{subject.name}{year}年{label}{raw}。"
    return Triple(subject, PredicateRef(predicate, label),
                  Quantity(raw, Decimal(value), unit, dimension, **extra),
                  Evidence(doc, sentence, 0, len(sentence)), TimeQualifier(f"{year}年", year), 0.9,
                  "rule:quantity")


@pytest.fixture(scope="module")
def small_graph() -> KnowledgeGraph:
    """比亚迪 with revenue over two years, a partner with a hostile name, two documents."""
    byd = Entity.named("比亚迪", "Company", ["BYD", "比亚迪股份有限公司"])
    hostile = Entity.named(HOSTILE[0], "Company", HOSTILE[1:])
    person = Entity.named("王传福", "Person")
    triples = [
        _quantity_triple(byd, "revenue", "营收", "3659亿元", "3.659E+11", "元", "currency", "2024"),
        _quantity_triple(byd, "revenue", "营收", "约6023亿元", "602300000000.00", "元", "currency",
                         "2023", doc="d2", modifier="约"),
        _quantity_triple(byd, "grossMargin", "毛利率", "21.9%", "21.90", "%", "percentage", "2024",
                         previous=Quantity("20.2%", Decimal("20.2"), "%", "percentage")),
        Triple(byd, PredicateRef("partnerOf", "合作"), hostile,
               Evidence("d1", "比亚迪与他们合作。", 20, 29), None, 0.75, "rule:relation"),
        Triple(person, PredicateRef("worksFor", "任职"), byd,
               Evidence("d2", "王传福是比亚迪董事长。", 5, 16), None, 0.6, "rule:relation", True),
    ]
    documents = {"d1": Document("d1", "…", "news/比亚迪.txt", "比亚迪 2024 年报"),
                 "d2": Document("d2", "…", "", "")}
    return KnowledgeGraph({e.id: e for e in (byd, hostile, person)}, triples, [], documents)


def _named_graphs(dataset) -> dict[str, Graph]:
    out = {}
    for graph in dataset.graphs():
        if len(graph):
            copy = Graph()
            for triple in graph:
                copy.add(triple)
            out[str(graph.identifier)] = copy
    return out


@pytest.mark.parametrize("fmt", sorted(FORMATS))
def test_每种格式写出再读回与内存图同构(fmt, small_graph, ontology, tmp_path):
    path = tmp_path / f"out{FORMATS[fmt].suffix}"
    count = write_rdf(small_graph, path, fmt, ontology)
    expected = to_rdf(small_graph, ontology)
    back = read_rdf(path, fmt)
    assert count == len(union_graph(expected))
    assert isomorphic(union_graph(back), union_graph(expected))
    assert to_isomorphic(union_graph(back)) == to_isomorphic(union_graph(expected))


@pytest.mark.parametrize("fmt", ["trig", "nq", "jsonld"])
def test_四元组格式把每篇文档的事实放进自己的命名图(fmt, small_graph, ontology, tmp_path):
    path = tmp_path / f"out{FORMATS[fmt].suffix}"
    write_rdf(small_graph, path, fmt, ontology)
    back, expected = _named_graphs(read_rdf(path, fmt)), _named_graphs(to_rdf(small_graph, ontology))
    assert {f"{DEFAULT_BASE}graph/d1", f"{DEFAULT_BASE}graph/d2"} <= set(back)
    assert back.keys() == expected.keys()
    assert all(isomorphic(back[name], expected[name]) for name in expected)


@pytest.mark.parametrize("fmt", sorted(FORMATS))
def test_含空格引号尖括号表情换行的名字原样读回(fmt, small_graph, ontology, tmp_path):
    path = tmp_path / f"out{FORMATS[fmt].suffix}"
    write_rdf(small_graph, path, fmt, ontology)
    back = union_graph(read_rdf(path, fmt))
    labels = {str(o) for o in back.objects(None, RDFS.label)} | {str(o) for o in back.objects(None, SKOS.altLabel)}
    assert set(HOSTILE) <= labels
    assert all(o.language == "zh" for o in back.objects(None, RDFS.label))


def test_小数用规范词法形式而不是科学计数或补零(small_graph, ontology):
    values = {str(o) for o in union_graph(to_rdf(small_graph, ontology)).objects(None, SCHEMA.value)}
    assert values == {"365900000000", "602300000000", "21.9", "20.2"}
    assert [decimal_lexical(Decimal(v)) for v in ("2177", "2177.0", "-0.00", "1E+3", "0.050")] == \
        ["2177", "2177", "0", "1000", "0.05"]


def test_再次导出逐字节相同(small_graph, ontology, tmp_path):
    write_rdf(small_graph, tmp_path / "a.ttl", "ttl", ontology)
    write_rdf(small_graph, tmp_path / "b.ttl", "ttl", ontology)
    assert (tmp_path / "a.ttl").read_bytes() == (tmp_path / "b.ttl").read_bytes()


def test_实体以本体类为类型且同时有直接关系和带出处的事实节点(small_graph, ontology):
    graph = union_graph(to_rdf(small_graph, ontology))
    byd = URIRef(f"{DEFAULT_BASE}entity/{small_graph.triples[0].subject.id}")
    partner = URIRef(f"{DEFAULT_BASE}entity/{small_graph.triples[3].object.id}")
    assert (byd, RDF.type, ZHKG.Company) in graph
    assert (byd, ZHKG.partnerOf, partner) in graph
    fact = graph.value(predicate=RDF.object, object=partner)
    assert graph.value(fact, ZHKG.confidence) == Literal("0.75", datatype=XSD.decimal)
    assert graph.value(fact, ZHKG.evidenceStart) == Literal(20)
    assert str(graph.value(fact, URIRef("http://www.w3.org/ns/prov#wasDerivedFrom"))).endswith("/doc/d1")


def test_中文标识在IRI里只有一种百分号编码的写法():
    assert iri_segment("比亚迪") == iri_segment("比亚迪") == "%E6%AF%94%E4%BA%9A%E8%BF%AA"
    assert iri_segment("e\u0301") == iri_segment("\u00e9")
    assert iri_segment("a b/c") == "a%20b%2Fc"


def test_流式写出的字面量转义被rdflib逐字读回():
    hostile = "".join(chr(c) for c in range(0, 0x80)) + "中文🚗\u2028"
    graph = Graph().parse(data=f"<urn:s> <urn:p> {text(hostile, 'zh')} .\n", format="nt")
    assert str(graph.value(URIRef("urn:s"), URIRef("urn:p"))) == hostile


def test_未知格式和坏的基础IRI给出清楚的错误(small_graph, ontology, tmp_path):
    with pytest.raises(ValueError, match="unknown RDF format 'rdfxml'"):
        write_rdf(small_graph, tmp_path / "x", "rdfxml", ontology)
    with pytest.raises(ValueError, match="absolute IRI"):
        list(statements(small_graph, ontology, "zhkg/id"))


def _sparql_blocks() -> list[tuple[tuple[str, ...], str]]:
    """(formats named on the query's first line, query) for every SPARQL block of docs/rdf.md."""
    blocks = re.findall(r"```sparql\n(.*?)```", DOCS.read_text(encoding="utf-8"), re.S)
    out = []
    for block in blocks:
        first = re.match(r"# formats: ([a-z ]+)\n", block)
        assert first, f"a documented query does not say which formats it is for:\n{block}"
        out.append((tuple(first.group(1).split()), block))
    return out


DOCUMENTED = [(fmt, number, query) for number, (formats, query) in enumerate(_sparql_blocks())
              for fmt in formats]


def _rdflib_strict(path: Path, fmt: str):
    """rdflib the way Jena and Oxigraph read a file: a dataset's default graph is only what
    is outside the named graphs, not their union."""
    if fmt in ("ttl", "nt"):
        return Graph().parse(str(path), format=FORMATS[fmt].rdflib_name)
    dataset = Dataset(default_union=False)
    dataset.parse(str(path), format=FORMATS[fmt].rdflib_name)
    return dataset


_OXIGRAPH = {"ttl": "TURTLE", "nt": "N_TRIPLES", "trig": "TRIG", "nq": "N_QUADS", "jsonld": "JSON_LD"}


def _oxigraph_rows(path: Path, fmt: str, query: str) -> list[tuple[str, ...]]:
    store = pyoxigraph.Store()
    store.load(path=str(path), format=getattr(pyoxigraph.RdfFormat, _OXIGRAPH[fmt]))
    return [tuple("" if value is None else value.value for value in solution)
            for solution in store.query(query)]


def test_文档里每个问题都给每种导出格式写了查询():
    assert len(_sparql_blocks()) >= 8
    assert {fmt for fmt, _, _ in DOCUMENTED} == set(FORMATS)


@pytest.mark.parametrize("fmt, number, query", DOCUMENTED,
                         ids=[f"{fmt}-q{number}" for fmt, number, _ in DOCUMENTED])
def test_文档里的SPARQL查询在它标明的格式上于rdflib和Oxigraph都返回行(fmt, number, query, small_graph,
                                                                    ontology, tmp_path):
    path = tmp_path / f"graph{FORMATS[fmt].suffix}"
    write_rdf(small_graph, path, fmt, ontology)
    rdflib_rows = [tuple("" if v is None else str(v) for v in row)
                   for row in _rdflib_strict(path, fmt).query(query)]
    oxigraph_rows = _oxigraph_rows(path, fmt, query)
    assert rdflib_rows and oxigraph_rows
    assert sorted(rdflib_rows) == sorted(oxigraph_rows)
    assert sorted(rdflib_rows) == sorted(tuple("" if v is None else str(v) for v in row)
                                         for row in read_rdf(path, fmt).query(query))  # union view too


def test_按年营收的查询在所有格式上给出两年的值(small_graph, ontology, tmp_path):
    for formats, query in _sparql_blocks()[:2]:
        for fmt in formats:
            path = tmp_path / f"graph{FORMATS[fmt].suffix}"
            write_rdf(small_graph, path, fmt, ontology)
            assert [(row[0], row[1]) for row in _oxigraph_rows(path, fmt, query)] == [
                ("2023", "602300000000"), ("2024", "365900000000")], fmt


def test_JSON_LD处理器把实体和标签放进默认图而不是空白节点命名图(small_graph, ontology, tmp_path):
    path = tmp_path / "graph.jsonld"
    write_rdf(small_graph, path, "jsonld", ontology)
    store = pyoxigraph.Store()
    store.load(path=str(path), format=pyoxigraph.RdfFormat.JSON_LD)
    assert not [q for q in store if isinstance(q.graph_name, pyoxigraph.BlankNode)]
    hits = store.query('SELECT ?c WHERE { ?c <http://www.w3.org/2000/01/rdf-schema#label> "比亚迪"@zh }')
    assert len(list(hits)) == 1
    names = {q.graph_name.value for q in store if isinstance(q.graph_name, pyoxigraph.NamedNode)}
    assert names == {f"{DEFAULT_BASE}graph/d1", f"{DEFAULT_BASE}graph/d2"}
    document = json.loads(path.read_text(encoding="utf-8"))
    assert all("@id" in item for item in document["@graph"])


def test_实体带有全部上级类无需子类推理(small_graph, ontology):
    graph = union_graph(to_rdf(small_graph, ontology))
    byd = URIRef(f"{DEFAULT_BASE}entity/{small_graph.triples[0].subject.id}")
    assert {ZHKG.Company, ZHKG.Organization, ZHKG.Entity} <= set(graph.objects(byd, RDF.type))
    organisations = {str(row[0]) for row in graph.query(
        "SELECT ?name WHERE { ?o a zhkg:Organization ; rdfs:label ?name }",
        initNs={"zhkg": ZHKG, "rdfs": RDFS})}
    assert organisations == {"比亚迪", HOSTILE[0]}


def test_时间带有可比较的xsd日期起止(small_graph, ontology):
    graph = union_graph(to_rdf(small_graph, ontology))
    query = """SELECT ?raw ?start ?end WHERE {
        ?q zhkg:raw ?raw ; schema:startDate ?start ; schema:endDate ?end .
        FILTER (?start >= "2024-01-01"^^xsd:date && ?end <= "2024-12-31"^^xsd:date) }"""
    rows = {(str(r[0]), r[1], r[2]) for r in graph.query(query, initNs={"zhkg": ZHKG, "schema": SCHEMA, "xsd": XSD})}
    start, end = Literal("2024-01-01", datatype=XSD.date), Literal("2024-12-31", datatype=XSD.date)
    assert rows == {("3659亿元", start, end), ("21.9%", start, end)}


@pytest.mark.parametrize("normalised, start, end", [
    ("2024", "2024-01-01", "2024-12-31"), ("2024-Q4", "2024-10-01", "2024-12-31"),
    ("2022-Q1..Q3", "2022-01-01", "2022-09-30"), ("2024-H1", "2024-01-01", "2024-06-30"),
    ("2024-02", "2024-02-01", "2024-02-29"), ("2024-01..09", "2024-01-01", "2024-09-30"),
    ("2024-12-31", "2024-12-31", "2024-12-31"), ("2020..2024", "2020-01-01", "2024-12-31"),
    ("FY2024", "2024-01-01", "2024-12-31")])
def test_规范化时间换算成首尾日期(normalised, start, end):
    assert tuple(d.isoformat() for d in time_interval(normalised)) == (start, end)


@pytest.mark.parametrize("normalised", ["Q4", "H1", "--12", "--12-31", "---24", "2023-02-30", "2024-13"])
def test_没有年份或不是日期的时间不写日期(normalised):
    assert time_interval(normalised) is None


def test_来源只写文件名和内容哈希不泄露本机路径(ontology):
    doc = Document("d1", "比亚迪发布新车。", "/home/someone/私人/新闻/比亚迪.txt", "新闻")
    graph = KnowledgeGraph({}, [], [], {"d1": doc})
    data = union_graph(to_rdf(graph, ontology))
    node = URIRef(f"{DEFAULT_BASE}doc/d1")
    assert str(data.value(node, DCTERMS.source)) == "比亚迪.txt"
    assert str(data.value(node, SCHEMA.sha256)) == hashlib.sha256(doc.text.encode("utf-8")).hexdigest()
    assert "/home/" not in data.serialize(format="nt")
    assert source_name("corpus/news.jsonl:12") == "news.jsonl:12"
    assert source_name("https://example.com/news/1") == "https://example.com/news/1"


@pytest.mark.parametrize("base", ["http://example.org/kg", "zhkg/id/", "http://example.org/k g/", ""])
def test_坏的基础IRI在写文件前就被拒绝(base, small_graph, ontology, tmp_path):
    with pytest.raises(ValueError, match="RDF base"):
        check_base(base)
    with pytest.raises(ValueError, match="RDF base"):
        write_rdf(small_graph, tmp_path / "graph.ttl", "ttl", ontology, base)
    assert not (tmp_path / "graph.ttl").exists()


def test_命令行的基础IRI不带斜杠是用法错误且不写任何文件(tmp_path):
    article = tmp_path / "新闻.txt"
    article.write_text("比亚迪2024年营收7771亿元。", encoding="utf-8")
    for args in (["build", str(article), "-o", str(tmp_path / "out"), "-q", "--no-model"],
                 ["export", str(tmp_path), "-f", "ttl", "-o", str(tmp_path / "graph.ttl")]):
        result = CliRunner().invoke(main, [*args, "--base", "http://example.org/kg"])
        assert result.exit_code == 2, result.output
        assert "Traceback" not in result.output
        assert [line for line in result.output.splitlines() if line.startswith("Error:")] == [
            "Error: Invalid value for '--base': RDF base must be an absolute IRI ending in / or #, not "
            "'http://example.org/kg' (did you mean http://example.org/kg/ ?)"]
    assert not (tmp_path / "out").exists() and not (tmp_path / "graph.ttl").exists()


def test_JSON_LD的上下文内联读回时不取任何网址(small_graph, ontology, tmp_path):
    path = tmp_path / "out.jsonld"
    write_rdf(small_graph, path, "jsonld", ontology)
    context = json.loads(path.read_text(encoding="utf-8"))["@context"]
    assert isinstance(context, dict) and context["zhkg"] == str(ZHKG)
