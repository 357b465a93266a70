"""Regenerate ontology/shapes.ttl from the ontology, so the SHACL shapes never drift from it.

    .venv/bin/python scripts/make_shapes.py            # rewrite ontology/shapes.ttl
    .venv/bin/python scripts/make_shapes.py --check    # exit 1 if the file is stale
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from kg.ontology import SHAPES, load_ontology  # noqa: E402
from kg.shacl import shapes_turtle  # noqa: E402


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--out", type=Path, default=SHAPES, help="where to write (default: %(default)s)")
    parser.add_argument("--check", action="store_true", help="only compare; exit 1 when stale")
    args = parser.parse_args()
    text = shapes_turtle(load_ontology())
    if args.check:
        current = args.out.read_text(encoding="utf-8") if args.out.exists() else ""
        if current != text:
            print(f"{args.out} is stale: run scripts/make_shapes.py", file=sys.stderr)
            return 1
        return 0
    args.out.write_text(text, encoding="utf-8")
    print(f"wrote {args.out} ({len(text.splitlines())} lines)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
