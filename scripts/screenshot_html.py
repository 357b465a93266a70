"""Save a PNG of a graph page as headless Chromium draws it (for the README).

    .venv/bin/python scripts/screenshot_html.py build/graph.html docs/graph.png --focus 星河科技
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # for tests.browser

from tests.browser import screenshot  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("page", type=Path)
    parser.add_argument("out", type=Path)
    parser.add_argument("--focus", default="", help="entity name or alias to select first")
    args = parser.parse_args()
    print(screenshot(args.page, args.out, args.focus))


if __name__ == "__main__":
    main()
