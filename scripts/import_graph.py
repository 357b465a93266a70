#!/usr/bin/env python3
"""The import graph of the package kg/: every module with the kg modules it imports (lazy imports
inside functions included), the stages that must not reach back, and any import cycle.

    python3 scripts/import_graph.py            # the graph, one module a line, then the verdict
    python3 scripts/import_graph.py --quiet    # the verdict only

Exit status 1 when a cycle exists or a stage reaches back (kg.relate importing kg.recognise).
"""

from __future__ import annotations

import argparse
import ast
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
FORBIDDEN = (("kg.relate", "kg.recognise"),)  # (importer prefix, imported prefix): a stage reaching back


def modules(root: Path) -> dict[str, Path]:
    out = {}
    for path in sorted((root / "kg").rglob("*.py")):
        parts = path.relative_to(root).with_suffix("").parts
        out[".".join(parts[:-1] if parts[-1] == "__init__" else parts)] = path
    return out


def imports(name: str, path: Path, known: dict[str, Path]) -> set[str]:
    """The kg modules `name` imports anywhere in its body."""
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            targets = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = package.split(".")
            if node.level:
                base = base[: len(base) - node.level + 1]
            prefix = ".".join(base + ([node.module] if node.module else [])) if node.level else node.module or ""
            targets = [prefix] + [f"{prefix}.{a.name}" for a in node.names]
        else:
            continue
        for target in targets:
            while target and target not in known:
                target = target.rpartition(".")[0]
            if target and target not in (name, "kg"):
                found.add(target)
    return found


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components of more than one module (Tarjan, iterative)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found = []
    counter = 0
    for root in graph:
        if root in index:
            continue
        work = [(root, iter(sorted(graph[root])))]
        index[root] = low[root] = counter
        counter += 1
        stack.append(root)
        on_stack.add(root)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is not None:
                if child not in index:
                    index[child] = low[child] = counter
                    counter += 1
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(graph.get(child, ())))))
                elif child in on_stack:
                    low[node] = min(low[node], index[child])
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[node])
            if low[node] == index[node]:
                component = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.append(member)
                    if member == node:
                        break
                if len(component) > 1:
                    found.append(sorted(component))
    return found


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quiet", action="store_true", help="print the verdict only")
    args = parser.parse_args()
    known = modules(ROOT)
    graph = {name: imports(name, path, known) for name, path in known.items()}
    if not args.quiet:
        for name in sorted(graph):
            print(f"{name} -> {', '.join(sorted(graph[name])) or '(nothing in kg)'}")
    found = cycles(graph)
    back = sorted(f"{a} -> {b}" for a, targets in graph.items() for b in targets
                  for importer, imported in FORBIDDEN if a.startswith(importer) and b.startswith(imported))
    for component in found:
        print("cycle:", " ↔ ".join(component))
    for edge in back:
        print("reaches back:", edge)
    print(f"{len(graph)} modules, {sum(map(len, graph.values()))} imports, {len(found)} cycles, "
          f"{len(back)} back-reaching imports")
    return 1 if found or back else 0


if __name__ == "__main__":
    sys.exit(main())
