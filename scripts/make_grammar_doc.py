#!/usr/bin/env python3
"""Write the table of grammar groups in docs/grammar.md from the comments in ontology/grammar.tsv
(`# group: what its words do`), keeping the text above the table.

    python3 scripts/make_grammar_doc.py
"""

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
GRAMMAR, DOC = ROOT / "ontology" / "grammar.tsv", ROOT / "docs" / "grammar.md"
HEADER = "| group | what its words do |\n|---|---|\n"


def table() -> str:
    rows, seen = [], set()
    for line in GRAMMAR.read_text(encoding="utf-8").splitlines():
        match = re.match(r"^# ([a-z_]+): (.*)$", line.strip())
        if match and match.group(1) not in seen:
            seen.add(match.group(1))
            rows.append(f"| `{match.group(1)}` | {match.group(2).replace('|', chr(92) + '|')} |")
    return HEADER + "\n".join(rows) + "\n"


def main() -> None:
    text = DOC.read_text(encoding="utf-8")
    DOC.write_text(text[:text.index(HEADER)] + table(), encoding="utf-8")
    print(f"wrote {DOC}")


if __name__ == "__main__":
    main()
