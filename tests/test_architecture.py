"""The package's shape: no import cycle, no stage reaching back, Chinese words in data files."""

import ast
import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
HAN = re.compile(r"[\u4e00-\u9fff]")


def test_the_import_graph_has_no_cycle_and_relate_never_imports_recognise():
    done = subprocess.run([sys.executable, str(ROOT / "scripts" / "import_graph.py"), "--quiet"],
                          capture_output=True, text=True)
    assert done.returncode == 0, done.stdout
    assert " 0 cycles, 0 back-reaching imports" in done.stdout


def test_chinese_words_live_in_data_files_not_in_code():
    literals = []
    for path in (ROOT / "kg").rglob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        docstrings = {id(node.body[0].value) for node in ast.walk(tree)
                      if isinstance(node, (ast.Module, ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef))
                      and node.body and isinstance(node.body[0], ast.Expr) and isinstance(node.body[0].value, ast.Constant)}
        literals += [f"{path.name}:{node.lineno}" for node in ast.walk(tree)
                     if isinstance(node, ast.Constant) and isinstance(node.value, str)
                     and id(node) not in docstrings and HAN.search(node.value)]
    assert len(literals) <= 5, literals  # the page's default title and its template's labels


def test_every_grammar_group_the_code_asks_for_exists_in_the_grammar_file():
    from kg.grammar import default_grammar
    asked = set()
    for path in (ROOT / "kg").rglob("*.py"):
        asked |= set(re.findall(r'\.(?:words|values|labels)\("([a-z_]+)"\)', path.read_text(encoding="utf-8")))
    missing = sorted(group for group in asked if not default_grammar().words(group))
    assert not missing


def test_every_grammar_group_is_documented():
    from kg.grammar import default_grammar
    documented = (ROOT / "docs" / "grammar.md").read_text(encoding="utf-8")
    assert [g for g in default_grammar().groups if f"`{g}`" not in documented] == []
