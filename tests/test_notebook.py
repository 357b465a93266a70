"""notebooks/explore.ipynb runs top to bottom on the examples and shows what it promises."""

import re
from pathlib import Path

import nbclient
import nbformat
import neo4j
import pytest

NOTEBOOK = Path(__file__).resolve().parent.parent / "notebooks" / "explore.ipynb"


def _texts(cell) -> str:
    """Everything a cell showed: printed text, Markdown tables, HTML, image markers."""
    parts = []
    for output in cell.get("outputs", ()):
        parts.append(output.get("text", ""))
        data = output.get("data", {})
        parts += [data.get("text/markdown", ""), data.get("text/html", "")]
        parts += ["<image>" for kind in data if kind.startswith("image/")]
    return "\n".join(parts)


@pytest.fixture(scope="module")
def executed(tmp_path_factory, monkeypatch_module, neo4j_server):
    """The notebook run top to bottom, its Neo4j cells against the suite's real server."""
    monkeypatch_module.setenv("ZHKG_NOTEBOOK_OUT", str(tmp_path_factory.mktemp("notebook-out")))
    for name, value in (("NEO4J_URI", neo4j_server.uri), ("NEO4J_USERNAME", neo4j_server.user),
                        ("NEO4J_PASSWORD", neo4j_server.password)):
        monkeypatch_module.setenv(name, value)
    monkeypatch_module.delenv("NEO4J_DATABASE", raising=False)
    with neo4j.GraphDatabase.driver(neo4j_server.uri, auth=(neo4j_server.user, neo4j_server.password)) as driver:
        driver.execute_query("MATCH (n) DETACH DELETE n")  # what other tests loaded would show in the answers
    notebook = nbformat.read(NOTEBOOK, as_version=4)
    nbclient.NotebookClient(notebook, timeout=120, kernel_name="python3",
                            resources={"metadata": {"path": str(NOTEBOOK.parent)}}).execute()
    return notebook


@pytest.fixture(scope="module")
def monkeypatch_module():
    with pytest.MonkeyPatch.context() as patch:
        yield patch


def test_committed_notebook_has_no_outputs():
    notebook = nbformat.read(NOTEBOOK, as_version=4)
    code = [c for c in notebook.cells if c.cell_type == "code"]
    assert code and all(not c.outputs and c.execution_count is None for c in code)


@pytest.mark.slow
@pytest.mark.neo4j
def test_notebook_runs_without_errors(executed):
    errors = [o for c in executed.cells for o in c.get("outputs", ()) if o.output_type == "error"]
    assert not errors


@pytest.mark.slow
@pytest.mark.neo4j
def test_notebook_shows_tables_plot_page_queries_and_neo4j_answers(executed):
    shown = "\n".join(_texts(c) for c in executed.cells if c.cell_type == "code")
    assert "| entity | class | pagerank | facts |" in shown and "| 比亚迪 | Company |" in shown
    assert "王传福" in shown and "丰田" in shown  # the path between them, with evidence
    assert "1800.41亿元" in shown  # 比亚迪's figures over time
    assert "<image>" in shown  # the matplotlib figure
    assert "<iframe srcdoc=" in shown and "vis-network" in shown
    assert "| predicate | time | raw | value |" in shown and "| 营收 | 2023-Q4 | 1800.41亿元 |" in shown  # SPARQL 1
    assert "| subject | predicate | object | confidence | sentence |" in shown  # SPARQL 2
    assert re.search(r"\| \S+ \| (partnerOf|worksFor|founded|develops|investsIn) \| \S+ \| 0\.\d+ \|", shown)
    assert "| doc | facts | meanConfidence |" in shown and "doc/byd-2023-results |" in shown  # SPARQL 3
    assert "skipped" not in shown  # the Neo4j cells ran against the real server
    assert re.search(r"entities \d+ \(\d+ new\), relations \d+", shown)  # what the load wrote
    assert "| predicate | year | raw | value |" in shown and "| 营收 | 2023 |" in shown
    assert "| company | facts |" in shown and "| 比亚迪 |" in shown
    assert re.search(r"\| \[.*王传福.*丰田.*\] \|", shown)  # the path, as Neo4j found it
