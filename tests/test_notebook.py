"""notebooks/explore.ipynb runs top to bottom on the examples and shows what it promises."""

from pathlib import Path

import re

import pytest

nbformat = pytest.importorskip("nbformat")
nbclient = pytest.importorskip("nbclient")

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
def executed(tmp_path_factory, monkeypatch_module):
    monkeypatch_module.setenv("ZHKG_NOTEBOOK_OUT", str(tmp_path_factory.mktemp("notebook-out")))
    for name in ("NEO4J_URI", "NEO4J_PASSWORD"):
        monkeypatch_module.delenv(name, raising=False)
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
def test_notebook_runs_without_errors(executed):
    errors = [o for c in executed.cells for o in c.get("outputs", ()) if o.output_type == "error"]
    assert not errors


@pytest.mark.slow
def test_notebook_shows_tables_plot_page_queries_and_the_neo4j_skip(executed):
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
    assert "skipped: no Neo4j reachable" in shown and "shortestPath" in shown
